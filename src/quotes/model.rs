//! Where a quote stands, what its totals are, and whether its discounts need approval: pure
//! rules over minor units and exact decimals.

use rust_decimal::Decimal;

use crate::money::{MAX_INPUT_MINOR, Money};

crate::string_enum! {
    /// Where a quote stands.
    QuoteStatus {
        /// Being prepared; the only status in which it may be edited.
        Draft => "DRAFT",
        /// Its discounts await approval.
        PendingApproval => "PENDING_APPROVAL",
        /// Approved (or needing no approval): may be sent and accepted.
        Approved => "APPROVED",
        /// Sent to the customer.
        Sent => "SENT",
        /// The customer accepted it; a contract may be made from it.
        Accepted => "ACCEPTED",
        /// The customer turned it down.
        Rejected => "REJECTED",
        /// Its validity ended before the customer accepted it.
        Expired => "EXPIRED",
    }
}

/// Statuses the daily sweep expires once `validUntil` has passed.
pub const EXPIRING: [QuoteStatus; 3] =
    [QuoteStatus::Draft, QuoteStatus::Approved, QuoteStatus::Sent];

/// A quote's money: subtotal before discounts, the discount, tax and total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Money,
    pub discount_total: Money,
    pub tax: Money,
    pub total: Money,
}

impl Totals {
    /// What the customer pays before tax: subtotal less the discount.
    pub fn net(self) -> Money {
        Money::from_minor(self.subtotal.minor() - self.discount_total.minor())
    }
}

/// Totals of lines given as `(gross, amount)` (each already rounded) at `tax_bp`: the subtotal
/// is Σ gross, the discount Σ gross − Σ amount, the tax (Σ amount × rate) rounded half-up once.
/// `None` beyond the largest amount.
pub fn totals(lines: &[(i64, i64)], tax_bp: i32) -> Option<Totals> {
    let subtotal = lines
        .iter()
        .try_fold(0_i64, |sum, (gross, _)| sum.checked_add(*gross))?;
    let net = lines
        .iter()
        .try_fold(0_i64, |sum, (_, amount)| sum.checked_add(*amount))?;
    let tax = Money::round_half_up(
        Money::from_minor(net)
            .to_decimal()
            .checked_mul(Decimal::new(i64::from(tax_bp), 4))?,
    )?;
    let total = net.checked_add(tax.minor())?;
    (subtotal <= MAX_INPUT_MINOR && total <= MAX_INPUT_MINOR).then(|| Totals {
        subtotal: Money::from_minor(subtotal),
        discount_total: Money::from_minor(subtotal - net),
        tax,
        total: Money::from_minor(total),
    })
}

/// One line as the discount rules see it: what it would cost at the book price, what it costs,
/// and the discount its product line allows.
#[derive(Debug, Clone, Copy)]
pub struct LineDiscount {
    pub quantity_thousandths: i64,
    pub book_price_minor: i64,
    pub amount_minor: i64,
    pub max_discount_bp: i32,
}

/// `1 − paid ÷ at_book` in basis points, rounded up (a discount of 10.001% is beyond 10%); zero
/// when nothing is paid at book price or more is paid than the book asks.
fn discount_bp(paid: Decimal, at_book: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    if at_book <= Decimal::ZERO || paid >= at_book {
        return 0;
    }
    ((Decimal::ONE - paid / at_book) * Decimal::from(10_000))
        .ceil()
        .to_i64()
        .unwrap_or(10_000)
}

/// The discount to approve, in basis points, or `None` when the quote needs no approval: a
/// line is discounted beyond what its product line allows (measured against the book price,
/// so a lowered unit price counts), or the whole quote beyond `total_threshold_bp`. The
/// measure is the largest of the lines' and the whole quote's discounts.
pub fn discount_to_approve(lines: &[LineDiscount], total_threshold_bp: i32) -> Option<i64> {
    let at_book = |l: &LineDiscount| {
        Decimal::new(l.quantity_thousandths, 3) * Decimal::new(l.book_price_minor, 2)
    };
    let paid = |l: &LineDiscount| Decimal::new(l.amount_minor, 2);
    let per_line: Vec<(i64, i32)> = lines
        .iter()
        .map(|l| (discount_bp(paid(l), at_book(l)), l.max_discount_bp))
        .collect();
    let whole = discount_bp(
        lines.iter().map(paid).sum(),
        lines.iter().map(at_book).sum(),
    );
    let excessive = per_line.iter().any(|(bp, max)| *bp > i64::from(*max))
        || whole > i64::from(total_threshold_bp);
    excessive.then(|| {
        per_line
            .iter()
            .map(|(bp, _)| *bp)
            .chain([whole])
            .max()
            .unwrap_or(whole)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: i64, book: i64, amount: i64, max: i32) -> LineDiscount {
        LineDiscount {
            quantity_thousandths: quantity,
            book_price_minor: book,
            amount_minor: amount,
            max_discount_bp: max,
        }
    }

    #[test]
    fn totals_add_rounded_lines_and_round_tax_once() {
        // Lines (gross, amount): 99.99 → 89.99 and 10.00 → 8.75; net 98.74; 13% tax = 12.8362.
        let t = totals(&[(9_999, 8_999), (1_000, 875)], 1_300).expect("in range");
        assert_eq!(t.subtotal, Money::from_minor(10_999));
        assert_eq!(t.discount_total, Money::from_minor(1_125));
        assert_eq!(t.net(), Money::from_minor(9_874));
        assert_eq!(t.tax, Money::from_minor(1_284));
        assert_eq!(t.total, Money::from_minor(11_158));
        assert_eq!(totals(&[(MAX_INPUT_MINOR, MAX_INPUT_MINOR)], 1), None);
        assert_eq!(totals(&[], 0).map(|t| t.total), Some(Money::ZERO));
    }

    #[test]
    fn discounts_beyond_a_lines_allowance_or_the_threshold_need_approval() {
        // 10% on a line allowing 10%: fine; the whole quote is 10% off, at the threshold.
        assert_eq!(
            discount_to_approve(&[line(1_000, 10_000, 9_000, 1_000)], 1_000),
            None
        );
        // 10.01% on that line: approval, measured 10.01% → 1001 bp.
        assert_eq!(
            discount_to_approve(&[line(1_000, 10_000, 8_999, 1_000)], 5_000),
            Some(1_001)
        );
        // A lowered unit price counts as a discount against the book.
        assert_eq!(
            discount_to_approve(&[line(2_000, 5_000, 7_000, 2_500)], 2_000),
            Some(3_000)
        );
        // Each line within its allowance, the whole beyond the threshold.
        let lines = [
            line(1_000, 10_000, 8_500, 1_500),
            line(1_000, 10_000, 8_500, 1_500),
        ];
        assert_eq!(discount_to_approve(&lines, 1_000), Some(1_500));
        assert_eq!(discount_to_approve(&lines, 1_500), None);
        // Above the book price or free at book: no discount.
        assert_eq!(discount_to_approve(&[line(1_000, 100, 200, 0)], 0), None);
        assert_eq!(discount_to_approve(&[line(1_000, 0, 0, 0)], 0), None);
        // Exactly at the allowance: no approval.
        assert_eq!(
            discount_to_approve(&[line(1_000, 1_000, 900, 1_000)], 10_000),
            None
        );
    }
}
