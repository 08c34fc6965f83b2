//! Scalars of our own: `Date`, a calendar day written `YYYY-MM-DD`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

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
                .map(Date)
                .map_err(|_| InputValueError::custom("expected a date as YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
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
            Value::String(text) => text
                .trim()
                .parse::<rust_decimal::Decimal>()
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

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}
