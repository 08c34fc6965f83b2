//! Scalars of our own: `Date` (a calendar day), `DateTime` (an instant, written in one fixed
//! format) and `Decimal` (an exact number written as a string).

use std::borrow::Cow;

use async_graphql::{
    InputType, InputValueError, InputValueResult, Scalar, ScalarType, Value, registry,
};
use chrono::{Datelike, NaiveDate};

/// Earliest and latest years a `Date` input may name: anything beyond is a typo or an attack.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2200;

/// An instant: the `DateTime` scalar. Read as RFC 3339 with any offset, between the years
/// [`MIN_YEAR`] and [`MAX_YEAR`]; always written in UTC with milliseconds and `Z`
/// (`2026-12-04T06:51:08.146Z`), so that clients compare times as text safely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub chrono::DateTime<chrono::Utc>);

/// An instant in time (RFC 3339). The server writes UTC with milliseconds and `Z`, e.g.
/// `2026-12-04T06:51:08.146Z`; it reads any offset.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for Instant {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chrono::DateTime::parse_from_rfc3339(text.trim())
                .ok()
                .map(|at| at.with_timezone(&chrono::Utc))
                .filter(|at| (MIN_YEAR..=MAX_YEAR).contains(&at.year()))
                .map(Instant)
                .ok_or_else(|| {
                    InputValueError::custom(format!(
                        "expected an RFC 3339 time with its offset, e.g. \
                         \"2026-12-04T06:51:08.146Z\", between the years {MIN_YEAR} and {MAX_YEAR}"
                    ))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// Checked in validation, so a bad time is refused before anything runs, on its path.
    fn is_valid(value: &Value) -> bool {
        <Self as ScalarType>::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }
}

impl From<chrono::DateTime<chrono::Utc>> for Instant {
    fn from(at: chrono::DateTime<chrono::Utc>) -> Self {
        Self(at)
    }
}

impl From<Instant> for chrono::DateTime<chrono::Utc> {
    fn from(at: Instant) -> Self {
        at.0
    }
}

/// A calendar day, `YYYY-MM-DD` (no time, no zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar day written `YYYY-MM-DD`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .filter(|day| (MIN_YEAR..=MAX_YEAR).contains(&day.year()))
                .map(Date)
                .ok_or_else(|| {
                    InputValueError::custom(format!(
                        "expected a date as YYYY-MM-DD between {MIN_YEAR} and {MAX_YEAR}"
                    ))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// Checked in validation, so a bad day is refused before anything runs, on its path.
    fn is_valid(value: &Value) -> bool {
        <Self as ScalarType>::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An exact decimal number written as a string, e.g. `"1234.50"`; money has at most two
/// fraction digits. Never a JSON number, so no client rounds it through a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decimal(pub rust_decimal::Decimal);

impl Decimal {
    /// The amount in minor units, refusing more than two fraction digits (`BAD_USER_INPUT` on
    /// `field`).
    pub fn minor(self, field: &str) -> crate::error::AppResult<i64> {
        Ok(crate::money::Money::parse(self.0, field)?.minor())
    }
}

/// An exact decimal number written as a string, e.g. `"1234.50"`.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            // Exact: the default parser silently rounds beyond 28 significant digits.
            Value::String(text) => rust_decimal::Decimal::from_str_exact(text.trim())
                .map(Decimal)
                .map_err(|_| {
                    InputValueError::custom(
                        "expected a decimal number as a string, e.g. \"1234.50\"",
                    )
                }),
            _ => Err(InputValueError::custom(
                "expected a decimal number as a string, e.g. \"1234.50\"",
            )),
        }
    }

    /// Checked in validation, so a malformed number is refused before anything runs, on its
    /// path.
    fn is_valid(value: &Value) -> bool {
        <Self as ScalarType>::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// A money amount as the client wrote it: the `Decimal` scalar on the wire, refused only by
/// [`Amount::minor`] so that the refusal names its field — more than two fraction digits as
/// written (`"1.000"` too), or more digits than a decimal holds exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount(Option<rust_decimal::Decimal>);

impl Amount {
    /// The amount in minor units. Errors: `BAD_USER_INPUT` on `field`.
    pub fn minor(self, field: &str) -> crate::error::AppResult<i64> {
        let exact = self.0.ok_or_else(|| {
            crate::error::AppError::bad_input(
                field,
                "Expected an exact decimal number as a string, e.g. \"1234.50\"",
            )
        })?;
        Ok(crate::money::Money::parse(exact, field)?.minor())
    }
}

impl InputType for Amount {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        <Decimal as InputType>::type_name()
    }

    fn create_type_info(registry: &mut registry::Registry) -> String {
        <Decimal as InputType>::create_type_info(registry)
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Amount(
                rust_decimal::Decimal::from_str_exact(text.trim()).ok(),
            )),
            other => <Decimal as InputType>::parse(other)
                .map(|d| Amount(Some(d.0)))
                .map_err(InputValueError::propagate),
        }
    }

    fn to_value(&self) -> Value {
        self.0.map_or(Value::Null, |d| Value::String(d.to_string()))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
}
