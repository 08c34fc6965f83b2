//! Money: `rust_decimal::Decimal` in code, a `Decimal` string on the wire, `i64` minor units
//! (cents) in the database. Amounts have at most two fraction digits; rounding is half-up;
//! splits always sum exactly to the whole, the remainder going to the last part.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{AppError, AppResult};

/// Fraction digits of every amount (minor units per major unit = 10^SCALE).
pub const SCALE: u32 = 2;

/// The largest amount a client may send, in minor units: 999,999,999,999.99. Sums of many
/// such amounts are computed exactly beyond `i64` (see [`crate::db::exact_sum`]).
pub const MAX_INPUT_MINOR: i64 = 99_999_999_999_999;

/// An exact amount of the deployment currency, in minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_minor(minor: i64) -> Self {
        Self(minor)
    }

    pub fn minor(self) -> i64 {
        self.0
    }

    /// Parses a client amount: at most two fraction digits as written (`"1.000"` has three)
    /// and at most [`MAX_INPUT_MINOR`] either way, else `BAD_USER_INPUT` on `field`.
    pub fn parse(amount: Decimal, field: &str) -> AppResult<Self> {
        if amount.scale() > SCALE {
            return Err(AppError::bad_input(
                field,
                format!("Amounts have at most {SCALE} fraction digits"),
            ));
        }
        let minor = amount
            .checked_mul(Decimal::from(10_i64.pow(SCALE)))
            .and_then(|m| i64::try_from(m).ok())
            .filter(|m| m.unsigned_abs() <= MAX_INPUT_MINOR.unsigned_abs())
            .ok_or_else(|| {
                AppError::bad_input(field, "Amounts are at most 999,999,999,999.99 either way")
            })?;
        Ok(Self(minor))
    }

    /// Rounds any decimal half-up (away from zero at .5) to whole minor units.
    pub fn round_half_up(amount: Decimal) -> Option<Self> {
        let rounded = amount.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero);
        rounded
            .checked_mul(Decimal::from(10_i64.pow(SCALE)))
            .and_then(|m| i64::try_from(m).ok())
            .map(Self)
    }

    /// [`Money::round_half_up`] for totals, saturating at the `i64` bounds instead of failing.
    pub fn round_half_up_saturating(amount: Decimal) -> Self {
        Self::round_half_up(amount).unwrap_or(if amount.is_sign_negative() {
            Self(i64::MIN)
        } else {
            Self(i64::MAX)
        })
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, SCALE)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Splits the amount by percentages (which must sum to 100): each part rounded half-up,
    /// the last part taking whatever makes the sum exact. `None` if they do not sum to 100.
    pub fn split_by_percent(self, percents: &[Decimal]) -> Option<Vec<Money>> {
        if percents.is_empty() || percents.iter().sum::<Decimal>() != Decimal::ONE_HUNDRED {
            return None;
        }
        let whole = self.to_decimal();
        let mut parts = Vec::with_capacity(percents.len());
        let mut allocated = Money::ZERO;
        for percent in &percents[..percents.len() - 1] {
            let part = Money::round_half_up(whole * *percent / Decimal::ONE_HUNDRED)?;
            allocated = allocated.checked_add(part)?;
            parts.push(part);
        }
        parts.push(self.checked_sub(allocated)?);
        Some(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn parsing_keeps_cents_exactly_and_refuses_fractions_of_a_cent() {
        assert_eq!(Money::parse(dec("1234.5"), "a").unwrap().minor(), 123_450);
        assert_eq!(Money::parse(dec("0.10"), "a").unwrap().minor(), 10);
        assert_eq!(Money::parse(dec("-2.00"), "a").unwrap().minor(), -200);
        let err = Money::parse(dec("0.001"), "input.amount").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("input.amount"));
        assert!(Money::parse(dec("79228162514264337593543950335"), "a").is_err());
        assert!(
            Money::parse(dec("1.000"), "a").is_err(),
            "three digits as written"
        );
        assert_eq!(Money::parse(dec("1.00"), "a").unwrap().minor(), 100);
    }

    #[test]
    fn inputs_are_capped_at_the_largest_documented_amount() {
        let max = Money::parse(dec("999999999999.99"), "a").unwrap();
        assert_eq!(max.minor(), MAX_INPUT_MINOR);
        assert_eq!(
            Money::parse(dec("-999999999999.99"), "a").unwrap().minor(),
            -MAX_INPUT_MINOR
        );
        for over in ["1000000000000", "-1000000000000.00", "92233720368547758.07"] {
            let err = Money::parse(dec(over), "input.amount").unwrap_err();
            assert_eq!(err.field.as_deref(), Some("input.amount"), "{over}");
        }
    }

    #[test]
    fn round_trips_to_a_two_digit_decimal() {
        assert_eq!(
            Money::from_minor(123_450).to_decimal().to_string(),
            "1234.50"
        );
        assert_eq!(Money::from_minor(-5).to_decimal().to_string(), "-0.05");
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(Money::round_half_up(dec("0.005")).unwrap().minor(), 1);
        assert_eq!(Money::round_half_up(dec("0.0049")).unwrap().minor(), 0);
        assert_eq!(Money::round_half_up(dec("-0.005")).unwrap().minor(), -1);
    }

    #[test]
    fn a_split_sums_exactly_with_the_remainder_on_the_last_part() {
        let parts = Money::from_minor(10_000)
            .split_by_percent(&[dec("33.33"), dec("33.33"), dec("33.34")])
            .unwrap();
        assert_eq!(parts, vec![Money(3_333), Money(3_333), Money(3_334)]);
        let parts = Money::from_minor(100)
            .split_by_percent(&[dec("33.333"), dec("33.333"), dec("33.334")])
            .unwrap();
        assert_eq!(parts.iter().map(|m| m.minor()).sum::<i64>(), 100);
        assert_eq!(parts[2], Money(34));
    }

    #[test]
    fn a_split_whose_percentages_miss_100_is_refused() {
        assert!(
            Money::from_minor(100)
                .split_by_percent(&[dec("50"), dec("49")])
                .is_none()
        );
        assert!(Money::from_minor(100).split_by_percent(&[]).is_none());
    }
}
