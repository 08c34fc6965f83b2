//! Re-balancing a collection plan when an amendment changes its contract's amount, by one
//! documented rule (no new plan to confirm):
//!
//! - An increase goes onto the last installment that still owes something; when every
//!   installment is settled, onto a new last installment due on the later of today and the
//!   plan's last due date. The customer's credit then applies to it at once.
//! - A decrease comes off the installments from the last due backwards, each down to what is
//!   already paid and waived on it, or invoiced, whichever is more. An installment left with
//!   nothing on it at all is removed and the later ones renumbered. When the installments cannot
//!   absorb the decrease, the amendment is refused.
//! - A contract without a plan has nothing to re-balance: its plan, when set, sums to the
//!   amended amount.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::ledger;
use super::rules::{self, InstallmentStatus};
use crate::error::{AppError, AppResult};
use crate::money::Money;
use entity::installment::{self, Entity as Installments};

/// One installment as the rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub amount: i64,
    pub paid: i64,
    pub waived: i64,
    pub invoiced: i64,
}

impl Standing {
    /// The least the installment may shrink to.
    fn floor(&self) -> i64 {
        (self.paid + self.waived).max(self.invoiced)
    }
}

/// What happens to a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The installment at this index gets this amount (0: removed).
    Resize(usize, i64),
    /// A new last installment of this amount.
    Append(i64),
}

/// The changes that move a plan of `items` (in plan order) by `delta`; `Err(shortfall)` when a
/// decrease cannot be absorbed. An empty plan needs no change.
pub fn changes(items: &[Standing], delta: i64) -> Result<Vec<Change>, i64> {
    if items.is_empty() || delta == 0 {
        return Ok(Vec::new());
    }
    if delta > 0 {
        let owing = items.iter().rposition(|i| i.amount - i.paid - i.waived > 0);
        return Ok(match owing {
            Some(index) => vec![Change::Resize(index, items[index].amount + delta)],
            None => vec![Change::Append(delta)],
        });
    }
    let mut left = -delta;
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate().rev() {
        if left == 0 {
            break;
        }
        let take = left.min((item.amount - item.floor()).max(0));
        if take > 0 {
            out.push(Change::Resize(index, item.amount - take));
            left -= take;
        }
    }
    if left > 0 { Err(left) } else { Ok(out) }
}

fn standing(item: &installment::Model) -> Standing {
    Standing {
        amount: item.amount_minor,
        paid: item.paid_minor,
        waived: item.waived_minor,
        invoiced: item.invoiced_minor,
    }
}

/// `INVALID_STATE` unless the plan of `items` can move by `delta`.
pub fn check(items: &[installment::Model], delta: i64) -> AppResult<Vec<Change>> {
    let standings: Vec<Standing> = items.iter().map(standing).collect();
    changes(&standings, delta).map_err(|shortfall| {
        AppError::invalid_state(format!(
            "The collection plan cannot absorb the decrease: {} more is paid, waived or \
             invoiced on it than the amended amount leaves",
            Money::from_minor(shortfall).to_decimal()
        ))
        .with_field("input.changes.amount")
    })
}

/// Moves the plan of `contract` (already at its amended amount) by `delta`, under the
/// customer's money lock the caller holds; returns the credit applied to it.
/// Errors: `INVALID_STATE` (cannot absorb a decrease), `CONFLICT` (an installment moved).
pub async fn apply(
    db: &impl ConnectionTrait,
    contract: &entity::contract::Model,
    delta: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let items = super::plans::installments_of(db, &[contract.id]).await?;
    let mut removed = Vec::new();
    for change in check(&items, delta)? {
        match change {
            Change::Resize(index, amount) => {
                let item = items.get(index).ok_or_else(AppError::internal)?;
                if amount == 0 && !super::plans::touched(db, item.id).await? {
                    removed.push(item.id);
                } else {
                    resize(db, item, amount, now).await?;
                }
            }
            Change::Append(amount) => {
                let last = items.last().ok_or_else(AppError::internal)?;
                installment::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    contract_id: Set(contract.id),
                    customer_id: Set(contract.customer_id),
                    seq: Set(last.seq + 1),
                    due_date: Set(last.due_date.max(today)),
                    amount_minor: Set(amount),
                    invoiced_minor: Set(0),
                    paid_minor: Set(0),
                    waived_minor: Set(0),
                    note: Set(Some("Added by an amendment".to_owned())),
                    status: Set(InstallmentStatus::Open.as_str().to_owned()),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(db)
                .await?;
            }
        }
    }
    if !removed.is_empty() {
        entity::installment_reminder::Entity::delete_many()
            .filter(entity::installment_reminder::Column::InstallmentId.is_in(removed.clone()))
            .exec(db)
            .await?;
        Installments::delete_many()
            .filter(installment::Column::Id.is_in(removed.clone()))
            .exec(db)
            .await?;
        // Renumber what follows, lowest first: each target number was just freed.
        let mut seq = 0;
        for item in items.iter().filter(|i| !removed.contains(&i.id)) {
            seq += 1;
            if item.seq != seq {
                Installments::update_many()
                    .col_expr(installment::Column::Seq, Expr::value(seq))
                    .col_expr(installment::Column::UpdatedAt, Expr::value(now))
                    .filter(installment::Column::Id.eq(item.id))
                    .exec(db)
                    .await?;
            }
        }
    }
    if delta > 0 {
        ledger::consume_credit(db, contract.customer_id, contract.id, now).await
    } else {
        Ok(0)
    }
}

/// Gives an installment a new amount, keeping its money and recomputing its status.
async fn resize(
    db: &impl ConnectionTrait,
    current: &installment::Model,
    amount: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let status = rules::status(amount, current.paid_minor, current.waived_minor);
    let changed = Installments::update_many()
        .col_expr(installment::Column::AmountMinor, Expr::value(amount))
        .col_expr(installment::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            installment::Column::Version,
            Expr::value(current.version + 1),
        )
        .col_expr(installment::Column::UpdatedAt, Expr::value(now))
        .filter(installment::Column::Id.eq(current.id))
        .filter(installment::Column::Version.eq(current.version))
        .exec(db)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    Ok(())
}

#[cfg(test)]
// Amounts are written `units_cents` (100_00 is 100.00).
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    fn item(amount: i64, paid: i64, invoiced: i64) -> Standing {
        Standing {
            amount,
            paid,
            waived: 0,
            invoiced,
        }
    }

    #[test]
    fn an_increase_lands_on_the_last_installment_that_owes() {
        let plan = [
            item(50_00, 50_00, 0),
            item(30_00, 10_00, 0),
            item(20_00, 20_00, 0),
        ];
        assert_eq!(changes(&plan, 5_00), Ok(vec![Change::Resize(1, 35_00)]));
        let settled = [item(50_00, 50_00, 0), item(50_00, 50_00, 0)];
        assert_eq!(changes(&settled, 5_00), Ok(vec![Change::Append(5_00)]));
        assert_eq!(changes(&[], 5_00), Ok(vec![]));
    }

    #[test]
    fn a_decrease_comes_off_the_last_installments_down_to_their_money() {
        let plan = [
            item(40_00, 40_00, 0),
            item(30_00, 0, 10_00),
            item(30_00, 5_00, 0),
        ];
        // 25.00 off the last (down to its 5.00 paid), then 20.00 off the second (down to its
        // 10.00 invoiced): 45.00 in all.
        assert_eq!(
            changes(&plan, -45_00),
            Ok(vec![Change::Resize(2, 5_00), Change::Resize(1, 10_00)])
        );
        // Nothing can go below what is paid, waived or invoiced: 55.00 is 10.00 too many.
        assert_eq!(changes(&plan, -55_00), Err(10_00));
        // A whole untouched installment may go.
        let fresh = [item(60_00, 60_00, 0), item(40_00, 0, 0)];
        assert_eq!(changes(&fresh, -40_00), Ok(vec![Change::Resize(1, 0)]));
    }

    #[test]
    fn every_change_keeps_the_plan_summing_to_the_amended_amount() {
        let plan = [
            item(33_33, 10_00, 20_00),
            item(33_33, 0, 0),
            item(33_34, 33_34, 0),
        ];
        let total: i64 = plan.iter().map(|i| i.amount).sum();
        // Room to shrink: 13.33 on the first (down to its 20.00 invoiced), all 33.33 of the
        // second, nothing on the paid third.
        assert_eq!(changes(&plan, -46_67), Err(1));
        for delta in [-46_66, -30_00, -1, 1, 12_34] {
            let Ok(moves) = changes(&plan, delta) else {
                panic!("{delta} should be absorbed");
            };
            let mut amounts: Vec<i64> = plan.iter().map(|i| i.amount).collect();
            for m in moves {
                match m {
                    Change::Resize(i, a) => amounts[i] = a,
                    Change::Append(a) => amounts.push(a),
                }
            }
            assert_eq!(amounts.iter().sum::<i64>(), total + delta, "{delta}");
            for (a, i) in amounts.iter().zip(&plan) {
                assert!(*a >= i.floor(), "{delta}: {a} below {}", i.floor());
            }
        }
    }
}
