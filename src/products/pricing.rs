//! The arithmetic of prices: quantities, line amounts, price periods and margins. Pure
//! functions over minor units and exact decimals; no rounding but the one per line.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{AppError, AppResult};
use crate::money::{MAX_INPUT_MINOR, Money};

/// Fraction digits of a quantity (thousandths of a unit).
pub const QUANTITY_SCALE: u32 = 3;
/// The largest quantity of one line.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// A quantity in thousandths from a client's decimal: above zero, at most three fraction
/// digits and at most [`MAX_QUANTITY`] (`BAD_USER_INPUT` on `field` otherwise).
pub fn quantity_thousandths(quantity: Decimal, field: &str) -> AppResult<i64> {
    let bad = |message: &str| AppError::bad_input(field, message);
    if quantity.normalize().scale() > QUANTITY_SCALE {
        return Err(bad("A quantity has at most three fraction digits"));
    }
    if quantity <= Decimal::ZERO {
        return Err(bad("A quantity is above zero"));
    }
    if quantity > Decimal::from(MAX_QUANTITY) {
        return Err(bad("A quantity is at most 1,000,000,000"));
    }
    let thousandths = quantity * Decimal::from(1_000);
    i64::try_from(thousandths.normalize()).map_err(|_| bad("A quantity is at most 1,000,000,000"))
}

/// A quantity in thousandths as a decimal, without trailing zeros (`1500` → `1.5`).
pub fn quantity(thousandths: i64) -> Decimal {
    Decimal::new(thousandths, QUANTITY_SCALE).normalize()
}

/// quantity × unit price × (1 − discount), rounded half-up once to the minor unit; `None`
/// when the line is beyond the largest amount a client may send.
pub fn line_amount(
    quantity_thousandths: i64,
    unit_price_minor: i64,
    discount_bp: i32,
) -> Option<Money> {
    let gross = gross_amount(quantity_thousandths, unit_price_minor)?;
    let kept = Decimal::new(i64::from(10_000 - discount_bp), 4);
    let amount = Money::round_half_up(gross.checked_mul(kept)?)?;
    (amount.minor() <= MAX_INPUT_MINOR).then_some(amount)
}

/// quantity × unit price, exact (not rounded).
pub fn gross_amount(quantity_thousandths: i64, unit_price_minor: i64) -> Option<Decimal> {
    Decimal::new(quantity_thousandths, QUANTITY_SCALE)
        .checked_mul(Decimal::new(unit_price_minor, crate::money::SCALE))
}

/// quantity × unit cost, rounded half-up to the minor unit.
pub fn line_cost(quantity_thousandths: i64, unit_cost_minor: i64) -> Option<Money> {
    Money::round_half_up(gross_amount(quantity_thousandths, unit_cost_minor)?)
}

/// A validity period of a price: first and last day, either open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Period {
    /// Whether `day` falls in the period.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= day) && self.until.is_none_or(|until| day <= until)
    }

    /// Whether the two periods share a day.
    pub fn overlaps(self, other: Period) -> bool {
        let starts_before_other_ends = match (self.from, other.until) {
            (Some(from), Some(until)) => from <= until,
            _ => true,
        };
        let ends_after_other_starts = match (self.until, other.from) {
            (Some(until), Some(from)) => from <= until,
            _ => true,
        };
        starts_before_other_ends && ends_after_other_starts
    }
}

/// The price of the period holding `day` among `prices` (periods never overlap).
pub fn price_on(prices: impl IntoIterator<Item = (Period, i64)>, day: NaiveDate) -> Option<i64> {
    prices
        .into_iter()
        .find(|(period, _)| period.contains(day))
        .map(|(_, price)| price)
}

/// A margin: what is left of `amount` after `cost`, and that as a fraction of the amount
/// (`None` for a zero amount), rounded half-up to four fraction digits.
pub fn margin(amount: Money, cost: Money) -> (Money, Option<Decimal>) {
    let left = Money::from_minor(amount.minor().saturating_sub(cost.minor()));
    let rate = (amount.minor() != 0).then(|| {
        (Decimal::from(left.minor()) / Decimal::from(amount.minor()))
            .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    });
    (left, rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn line_amounts_round_half_up_once_per_line() {
        // 3 × 33.33 × 0.9 = 89.991 → 89.99
        assert_eq!(
            line_amount(3_000, 3_333, 1_000),
            Some(Money::from_minor(8_999))
        );
        // 0.5 × 0.01 = 0.005 → 0.01 (half-up)
        assert_eq!(line_amount(500, 1, 0), Some(Money::from_minor(1)));
        // 1.333 × 7.50 × (1 − 0.125) = 8.7478125 → 8.75
        assert_eq!(line_amount(1_333, 750, 1_250), Some(Money::from_minor(875)));
        // 2 × 19.99 × (1 − 0.3333) = 26.653334 → 26.65
        assert_eq!(
            line_amount(2_000, 1_999, 3_333),
            Some(Money::from_minor(2_665))
        );
        // A full discount is zero; no line is negative.
        assert_eq!(line_amount(7_000, 1_234, 10_000), Some(Money::ZERO));
        // Beyond the largest amount: refused, never wrapped.
        assert_eq!(line_amount(MAX_QUANTITY * 1_000, MAX_INPUT_MINOR, 0), None);
    }

    #[test]
    fn quantities_are_positive_with_three_fraction_digits() {
        let parse = |s: &str| quantity_thousandths(s.parse().expect("decimal"), "q");
        assert_eq!(parse("1.5").ok(), Some(1_500));
        assert_eq!(parse("0.001").ok(), Some(1));
        assert_eq!(parse("2.5000").ok(), Some(2_500));
        assert!(parse("0.0001").is_err());
        assert!(parse("0").is_err() && parse("-1").is_err());
        assert!(parse("1000000001").is_err());
        assert_eq!(quantity(1_500).to_string(), "1.5");
    }

    #[test]
    fn periods_hold_their_days_and_find_one_price() {
        let open = Period {
            from: None,
            until: None,
        };
        let december = Period {
            from: Some(day("2026-12-01")),
            until: Some(day("2026-12-31")),
        };
        let from_2027 = Period {
            from: Some(day("2027-01-01")),
            until: None,
        };
        assert!(open.overlaps(december) && december.overlaps(open));
        assert!(!december.overlaps(from_2027) && !from_2027.overlaps(december));
        let ends_on_first = Period {
            from: None,
            until: Some(day("2027-01-01")),
        };
        assert!(ends_on_first.overlaps(from_2027));
        let prices = [(december, 100), (from_2027, 120)];
        assert_eq!(price_on(prices, day("2026-12-31")), Some(100));
        assert_eq!(price_on(prices, day("2027-01-01")), Some(120));
        assert_eq!(price_on(prices, day("2026-11-30")), None);
    }

    #[test]
    fn margins_are_amount_less_cost_and_a_fraction() {
        let (left, rate) = margin(Money::from_minor(30_000), Money::from_minor(20_000));
        assert_eq!(left, Money::from_minor(10_000));
        assert_eq!(rate.map(|r| r.to_string()), Some("0.3333".to_owned()));
        assert_eq!(margin(Money::ZERO, Money::from_minor(5)).1, None);
        assert_eq!(
            margin(Money::from_minor(100), Money::from_minor(150)).0,
            Money::from_minor(-50)
        );
    }
}
