//! The pure arithmetic of billing: plans, allocation, statuses, tax and aging buckets.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{AppError, AppResult};
use crate::money::Money;

crate::string_enum! {
    /// Where an installment stands.
    InstallmentStatus {
        /// Nothing paid or waived yet.
        Open => "OPEN",
        /// Partly paid or waived; something is still outstanding.
        PartiallyPaid => "PARTIALLY_PAID",
        /// Settled, at least partly by payments.
        Paid => "PAID",
        /// Settled entirely by waivers.
        Waived => "WAIVED",
    }
}

/// One line of a plan as given: an amount or a percentage of the contract amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    Amount(Money),
    Percent(Decimal),
}

/// The amounts of a plan for `total`: amounts as given (summing exactly to the total), or
/// percentages (summing to exactly 100) rounded half-up to the cent with the remainder on the
/// last installment. Never mixed; every installment at least one cent. Errors:
/// `BAD_USER_INPUT` on `input.installments` or the offending line.
pub fn plan_amounts(total: Money, shares: &[Share]) -> AppResult<Vec<Money>> {
    let field = "input.installments";
    if shares.is_empty() || shares.len() > 120 {
        return Err(AppError::bad_input(
            field,
            "A plan has 1 to 120 installments",
        ));
    }
    let by_amount = shares.iter().all(|s| matches!(s, Share::Amount(_)));
    let by_percent = shares.iter().all(|s| matches!(s, Share::Percent(_)));
    let amounts = if by_amount {
        let amounts: Vec<Money> = shares
            .iter()
            .filter_map(|s| match s {
                Share::Amount(m) => Some(*m),
                Share::Percent(_) => None,
            })
            .collect();
        let sum = amounts.iter().map(|m| i128::from(m.minor())).sum::<i128>();
        if sum != i128::from(total.minor()) {
            return Err(AppError::bad_input(
                field,
                format!(
                    "The installments must sum to the contract amount {}",
                    total.to_decimal()
                ),
            ));
        }
        amounts
    } else if by_percent {
        let percents: Vec<Decimal> = shares
            .iter()
            .filter_map(|s| match s {
                Share::Percent(p) => Some(*p),
                Share::Amount(_) => None,
            })
            .collect();
        for (i, percent) in percents.iter().enumerate() {
            if *percent <= Decimal::ZERO || percent.normalize().scale() > 4 {
                return Err(AppError::bad_input(
                    format!("{field}.{i}.percent"),
                    "A percentage is above 0 with at most four decimals",
                ));
            }
        }
        total
            .split_by_percent(&percents)
            .ok_or_else(|| AppError::bad_input(field, "The percentages must sum to exactly 100"))?
    } else {
        return Err(AppError::bad_input(
            field,
            "Give every installment an amount, or every one a percentage, not both",
        ));
    };
    if let Some(i) = amounts.iter().position(|m| m.minor() <= 0) {
        return Err(AppError::bad_input(
            format!("{field}.{i}"),
            "Every installment comes to at least 0.01",
        ));
    }
    Ok(amounts)
}

/// Spreads `amount` over `open` installments (id, outstanding) in the order given, each up to
/// what it still owes. Returns the parts and what is left over.
pub fn allocate<K: Copy>(amount: i64, open: &[(K, i64)]) -> (Vec<(K, i64)>, i64) {
    let mut left = amount.max(0);
    let mut parts = Vec::new();
    for (key, outstanding) in open {
        if left == 0 {
            break;
        }
        let part = left.min(*outstanding);
        if part > 0 {
            parts.push((*key, part));
            left -= part;
        }
    }
    (parts, left)
}

/// The status of an installment from its amounts.
pub fn status(amount: i64, paid: i64, waived: i64) -> InstallmentStatus {
    let outstanding = amount - paid - waived;
    match (outstanding <= 0, paid, waived) {
        (true, 0, _) => InstallmentStatus::Waived,
        (true, _, _) => InstallmentStatus::Paid,
        (false, 0, 0) => InstallmentStatus::Open,
        (false, _, _) => InstallmentStatus::PartiallyPaid,
    }
}

/// Whole days an amount due on `due` is late on `as_of` (0 when not yet late).
pub fn days_overdue(due: NaiveDate, as_of: NaiveDate) -> i64 {
    (as_of - due).num_days().max(0)
}

/// The tax contained in a tax-inclusive `amount` at `basis_points` (1300 = 13%), rounded
/// half-up to the cent.
pub fn tax_included(amount: Money, basis_points: i32) -> Option<Money> {
    let rate = Decimal::new(i64::from(basis_points), 4);
    let tax = amount.to_decimal() * rate / (Decimal::ONE + rate);
    Money::round_half_up(tax)
}

/// The aging buckets, by days past due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Not yet due, or due today.
    Current,
    D1To30,
    D31To60,
    D61To90,
    Over90,
}

/// The bucket of an amount due on `due`, as of `as_of`.
pub fn bucket(due: NaiveDate, as_of: NaiveDate) -> Bucket {
    match (as_of - due).num_days() {
        i64::MIN..=0 => Bucket::Current,
        1..=30 => Bucket::D1To30,
        31..=60 => Bucket::D31To60,
        61..=90 => Bucket::D61To90,
        _ => Bucket::Over90,
    }
}

/// The first due date (inclusive) of each late bucket as of `as_of`: due dates on or after
/// `bounds[0]` are current, on or after `bounds[1]` 1–30 days late, and so on; earlier than
/// `bounds[3]` is over 90 days late. For SQL, where date arithmetic differs between databases.
pub fn bucket_bounds(as_of: NaiveDate) -> [NaiveDate; 4] {
    let back = |days: i64| as_of - chrono::Duration::days(days);
    [as_of, back(30), back(60), back(90)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn money(text: &str) -> Money {
        Money::parse(Decimal::from_str(text).unwrap(), "x").unwrap()
    }

    fn percents(values: &[&str]) -> Vec<Share> {
        values
            .iter()
            .map(|v| Share::Percent(Decimal::from_str(v).unwrap()))
            .collect()
    }

    fn minors(parts: &[Money]) -> Vec<i64> {
        parts.iter().map(|m| m.minor()).collect()
    }

    #[test]
    fn awkward_percentages_sum_exactly_with_the_remainder_last() {
        let thirds =
            plan_amounts(money("100.00"), &percents(&["33.33", "33.33", "33.34"])).unwrap();
        assert_eq!(minors(&thirds), vec![3333, 3333, 3334]);
        let exact_thirds = plan_amounts(
            money("100.00"),
            &percents(&["33.3333", "33.3333", "33.3334"]),
        )
        .unwrap();
        assert_eq!(minors(&exact_thirds), vec![3333, 3333, 3334]);
        let halves = plan_amounts(money("0.05"), &percents(&["50", "50"])).unwrap();
        assert_eq!(
            minors(&halves),
            vec![3, 2],
            "0.025 rounds half-up; the last takes the rest"
        );
        let big = plan_amounts(money("999999999999.99"), &percents(&["30", "70"])).unwrap();
        assert_eq!(
            big.iter().map(|m| m.minor()).sum::<i64>(),
            99_999_999_999_999
        );
    }

    #[test]
    fn plans_refuse_mixing_wrong_sums_and_empty_installments() {
        let total = money("100.00");
        let mixed = [
            Share::Amount(money("50")),
            Share::Percent(Decimal::from(50)),
        ];
        assert_eq!(
            plan_amounts(total, &mixed).unwrap_err().field.as_deref(),
            Some("input.installments")
        );
        assert!(plan_amounts(total, &percents(&["50", "49.99"])).is_err());
        assert!(plan_amounts(total, &[Share::Amount(money("99.99"))]).is_err());
        assert!(plan_amounts(total, &[]).is_err());
        assert_eq!(
            plan_amounts(money("0.01"), &percents(&["50", "50"]))
                .unwrap_err()
                .field
                .as_deref(),
            Some("input.installments.1"),
            "0.01 cannot make two installments"
        );
        assert_eq!(
            plan_amounts(total, &percents(&["0", "100"]))
                .unwrap_err()
                .field
                .as_deref(),
            Some("input.installments.0.percent")
        );
        let amounts = [Share::Amount(money("60")), Share::Amount(money("40"))];
        assert_eq!(
            minors(&plan_amounts(total, &amounts).unwrap()),
            vec![6000, 4000]
        );
    }

    #[test]
    fn allocation_fills_the_oldest_first_and_returns_the_surplus() {
        let open = [("a", 500), ("b", 300), ("c", 200)];
        assert_eq!(allocate(600, &open), (vec![("a", 500), ("b", 100)], 0));
        assert_eq!(
            allocate(1_200, &open),
            (vec![("a", 500), ("b", 300), ("c", 200)], 200)
        );
        assert_eq!(allocate(0, &open), (vec![], 0));
        assert_eq!(allocate(50, &[("a", 0), ("b", 100)]), (vec![("b", 50)], 0));
    }

    #[test]
    fn statuses_follow_the_amounts() {
        assert_eq!(status(100, 0, 0), InstallmentStatus::Open);
        assert_eq!(status(100, 40, 0), InstallmentStatus::PartiallyPaid);
        assert_eq!(status(100, 0, 10), InstallmentStatus::PartiallyPaid);
        assert_eq!(status(100, 90, 10), InstallmentStatus::Paid);
        assert_eq!(status(100, 0, 100), InstallmentStatus::Waived);
    }

    #[test]
    fn tax_is_the_part_of_an_inclusive_amount() {
        assert_eq!(tax_included(money("113.00"), 1300), Some(money("13.00")));
        assert_eq!(tax_included(money("100.00"), 600), Some(money("5.66")));
        assert_eq!(tax_included(money("100.00"), 0), Some(Money::ZERO));
    }

    #[test]
    fn aging_buckets_change_exactly_at_their_boundary_days() {
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let due = |days_late: i64| as_of - chrono::Duration::days(days_late);
        let expected = [
            (-5, Bucket::Current),
            (0, Bucket::Current),
            (1, Bucket::D1To30),
            (30, Bucket::D1To30),
            (31, Bucket::D31To60),
            (60, Bucket::D31To60),
            (61, Bucket::D61To90),
            (90, Bucket::D61To90),
            (91, Bucket::Over90),
        ];
        let [current_from, d30_from, d60_from, d90_from] = bucket_bounds(as_of);
        for (late, bucket_expected) in expected {
            let due_date = due(late);
            assert_eq!(bucket(due_date, as_of), bucket_expected, "{late} days late");
            // The SQL bounds put the same day in the same bucket.
            let by_bounds = if due_date >= current_from {
                Bucket::Current
            } else if due_date >= d30_from {
                Bucket::D1To30
            } else if due_date >= d60_from {
                Bucket::D31To60
            } else if due_date >= d90_from {
                Bucket::D61To90
            } else {
                Bucket::Over90
            };
            assert_eq!(by_bounds, bucket_expected, "{late} days late (bounds)");
        }
        assert_eq!(days_overdue(due(10), as_of), 10);
        assert_eq!(days_overdue(due(-3), as_of), 0);
    }
}
