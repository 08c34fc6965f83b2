//! Where an order stands and how its money is split: pure rules over minor units and
//! thousandths of a unit.

crate::string_enum! {
    /// Where an order stands.
    OrderStatus {
        /// Nothing delivered yet.
        Open => "OPEN",
        /// Some of it delivered.
        PartiallyDelivered => "PARTIALLY_DELIVERED",
        /// Every line delivered in full.
        Delivered => "DELIVERED",
        /// Called off before anything was delivered.
        Cancelled => "CANCELLED",
    }
}

/// Statuses of orders that count against their contract.
pub const ACTIVE: [OrderStatus; 3] = [
    OrderStatus::Open,
    OrderStatus::PartiallyDelivered,
    OrderStatus::Delivered,
];

/// Statuses of orders still waiting for deliveries.
pub const UNDELIVERED: [OrderStatus; 2] = [OrderStatus::Open, OrderStatus::PartiallyDelivered];

/// `amount × part / whole`, rounded half-up to the cent; `None` on a zero whole or overflow.
pub fn pro_rata(amount: i64, part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 || part < 0 || amount < 0 {
        return None;
    }
    let numerator = i128::from(amount).checked_mul(i128::from(part))?;
    let whole = i128::from(whole);
    i64::try_from((2 * numerator + whole) / (2 * whole)).ok()
}

/// `total` split in proportion to `weights`, each part rounded half-up and the last taking
/// the remainder, so the parts sum to exactly `total`; the weights themselves when they sum
/// to it already. `None` on no weight, a zero or negative sum, or overflow.
pub fn apportion(total: i64, weights: &[i64]) -> Option<Vec<i64>> {
    let whole: i64 = weights
        .iter()
        .try_fold(0_i64, |sum, w| sum.checked_add(*w))?;
    if whole == total {
        return Some(weights.to_vec());
    }
    let (last, init) = weights.split_last()?;
    let _ = last;
    let mut parts = Vec::with_capacity(weights.len());
    for weight in init {
        parts.push(pro_rata(total, *weight, whole)?);
    }
    let taken: i64 = parts.iter().sum();
    parts.push(total.checked_sub(taken)?);
    Some(parts)
}

/// What a contract sells of one product: its quantity and amount, and what active orders
/// already take of both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allowance {
    pub quantity: i64,
    pub amount: i64,
    pub ordered_quantity: i64,
    pub ordered_amount: i64,
}

impl Allowance {
    /// The quantity still to order.
    pub fn remaining_quantity(&self) -> i64 {
        (self.quantity - self.ordered_quantity).max(0)
    }

    /// The amount of ordering `quantity` more: pro rata of the contract's amount for the
    /// product, the whole remainder when it takes the last units, never more than remains (so
    /// the orders of a product add up to exactly its amount once it is all ordered). `None`
    /// beyond the remaining quantity.
    pub fn amount_of(&self, quantity: i64) -> Option<i64> {
        if quantity <= 0 || quantity > self.remaining_quantity() {
            return None;
        }
        let remaining_amount = (self.amount - self.ordered_amount).max(0);
        if quantity == self.remaining_quantity() {
            return Some(remaining_amount);
        }
        Some(pro_rata(self.amount, quantity, self.quantity)?.min(remaining_amount))
    }
}

/// The part of a product line's amount delivered once `delivered` of its `quantity` has
/// been: pro rata, and the whole amount once all of it has.
pub fn delivered_amount(amount: i64, quantity: i64, delivered: i64) -> Option<i64> {
    if delivered >= quantity {
        Some(amount)
    } else {
        pro_rata(amount, delivered, quantity)
    }
}

/// One order line's progress: ordered and delivered (thousandths for product lines, minor
/// units for a line of an amount alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub ordered: i64,
    pub delivered: i64,
}

/// The status of an order whose lines stand at `lines`.
pub fn status_of(lines: &[Progress]) -> OrderStatus {
    if !lines.is_empty() && lines.iter().all(|l| l.delivered >= l.ordered) {
        OrderStatus::Delivered
    } else if lines.iter().any(|l| l.delivered > 0) {
        OrderStatus::PartiallyDelivered
    } else {
        OrderStatus::Open
    }
}

#[cfg(test)]
// Amounts are written `units_cents` (100_00 is 100.00).
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    #[test]
    fn pro_rata_rounds_half_up() {
        assert_eq!(pro_rata(100_00, 1, 3), Some(33_33));
        assert_eq!(pro_rata(100_00, 2, 3), Some(66_67));
        assert_eq!(pro_rata(1, 1, 2), Some(1));
        assert_eq!(pro_rata(5, 0, 7), Some(0));
        assert_eq!(pro_rata(5, 1, 0), None);
        assert_eq!(pro_rata(i64::MAX, i64::MAX, 1), None);
    }

    #[test]
    fn orders_of_a_product_add_up_to_its_amount_and_never_beyond() {
        // 100.00 for 3 units, ordered one by one: 33.33, 33.33, then the remaining 33.34.
        let mut allowance = Allowance {
            quantity: 3_000,
            amount: 100_00,
            ..Allowance::default()
        };
        let mut amounts = Vec::new();
        while allowance.remaining_quantity() > 0 {
            let amount = allowance.amount_of(1_000).unwrap();
            amounts.push(amount);
            allowance.ordered_quantity += 1_000;
            allowance.ordered_amount += amount;
        }
        assert_eq!(amounts, vec![33_33, 33_33, 33_34]);
        assert_eq!(allowance.amount_of(1), None, "nothing remains");
        // A cancelled order frees its share; ordering again never overshoots the total.
        let after_cancel = Allowance {
            quantity: 3_000,
            amount: 100_00,
            ordered_quantity: 2_000,
            ordered_amount: 66_67,
        };
        assert_eq!(after_cancel.amount_of(1_000), Some(33_33));
        let overpaid = Allowance {
            quantity: 3_000,
            amount: 100_00,
            ordered_quantity: 1_000,
            ordered_amount: 99_99,
        };
        assert_eq!(overpaid.amount_of(1_000), Some(1));
        assert_eq!(overpaid.amount_of(0), None);
        assert_eq!(overpaid.amount_of(2_001), None);
    }

    #[test]
    fn an_amended_amount_reprices_the_products_in_proportion() {
        assert_eq!(
            apportion(222_61, &[22_61, 200_00]),
            Some(vec![22_61, 200_00])
        );
        // Lowered to 200.00: 20.31 and the remaining 179.69.
        assert_eq!(
            apportion(200_00, &[22_61, 200_00]),
            Some(vec![20_31, 179_69])
        );
        assert_eq!(apportion(1, &[1, 1, 1]), Some(vec![0, 0, 1]));
        assert_eq!(apportion(5, &[]), None);
        assert_eq!(apportion(5, &[0, 0]), None);
    }

    #[test]
    fn delivered_amounts_follow_the_quantity_and_end_at_the_whole() {
        assert_eq!(delivered_amount(100_00, 3_000, 1_000), Some(33_33));
        assert_eq!(delivered_amount(100_00, 3_000, 2_000), Some(66_67));
        assert_eq!(delivered_amount(100_00, 3_000, 3_000), Some(100_00));
    }

    #[test]
    fn an_order_is_delivered_when_every_line_is() {
        let line = |ordered, delivered| Progress { ordered, delivered };
        assert_eq!(status_of(&[line(5, 0), line(2, 0)]), OrderStatus::Open);
        assert_eq!(
            status_of(&[line(5, 5), line(2, 0)]),
            OrderStatus::PartiallyDelivered
        );
        assert_eq!(status_of(&[line(5, 5), line(2, 2)]), OrderStatus::Delivered);
        assert_eq!(status_of(&[]), OrderStatus::Open);
    }
}
