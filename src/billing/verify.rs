//! `verifyLedger`: the invariants of the money, recomputed from their sources.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::model::{InvoiceStatus, WaiverStatus};
use crate::error::AppResult;
use crate::money::Money;
use entity::{allocation, contract, installment, invoice, payment, refund, refund_source, waiver};

/// What a ledger check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerReport {
    pub installments: usize,
    pub payments: usize,
    pub problems: Vec<String>,
}

/// Checks, over the whole database: per installment `amount = paid + waived + outstanding`
/// with nothing negative, its paid, waived and invoiced amounts equal to its allocations,
/// applied waivers and issued invoices, and no money on a cancelled contract; per payment
/// `amount = allocated − reversed − taken back by refunds + credit + refunded`, its refunded
/// amount equal to the refund sources drawn on it and its refund entries to the sources taken
/// from allocations (a reversed payment: nothing standing, no credit, nothing refunded); per
/// refund, its sources summing to its amount once paid and to nothing before; per planned
/// contract, installments summing to its amount.
pub async fn verify(db: &impl ConnectionTrait) -> AppResult<LedgerReport> {
    let installments = installment::Entity::find().all(db).await?;
    let payments = payment::Entity::find().all(db).await?;
    let allocations = allocation::Entity::find().all(db).await?;
    let invoices = invoice::Entity::find().all(db).await?;
    let waivers = waiver::Entity::find().all(db).await?;
    let refunds = refund::Entity::find().all(db).await?;
    let sources = refund_source::Entity::find().all(db).await?;
    let contracts: HashMap<Uuid, contract::Model> = contract::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut problems = Vec::new();
    let sum_by = |pairs: Vec<(Uuid, i64)>| {
        let mut sums: HashMap<Uuid, i64> = HashMap::new();
        for (key, amount) in pairs {
            *sums.entry(key).or_default() += amount;
        }
        sums
    };
    let paid = sum_by(
        allocations
            .iter()
            .map(|a| (a.installment_id, a.amount_minor))
            .collect(),
    );
    let waived = sum_by(
        waivers
            .iter()
            .filter(|w| w.status == WaiverStatus::Applied.as_str())
            .map(|w| (w.installment_id, w.amount_minor))
            .collect(),
    );
    let invoiced = sum_by(
        invoices
            .iter()
            .filter(|i| i.status == InvoiceStatus::Issued.as_str())
            .map(|i| (i.installment_id, i.amount_minor))
            .collect(),
    );
    let mut planned: HashMap<Uuid, i64> = HashMap::new();
    for item in &installments {
        let name = format!("installment {} #{}", item.contract_id, item.seq);
        let outstanding = item.amount_minor - item.paid_minor - item.waived_minor;
        if outstanding < 0 || item.paid_minor < 0 || item.waived_minor < 0 {
            problems.push(format!(
                "{name}: negative amounts (outstanding {outstanding})"
            ));
        }
        if item.amount_minor != item.paid_minor + item.waived_minor + outstanding {
            problems.push(format!("{name}: amount ≠ paid + waived + outstanding"));
        }
        for (what, stored, source) in [
            (
                "paid",
                item.paid_minor,
                paid.get(&item.id).copied().unwrap_or(0),
            ),
            (
                "waived",
                item.waived_minor,
                waived.get(&item.id).copied().unwrap_or(0),
            ),
            (
                "invoiced",
                item.invoiced_minor,
                invoiced.get(&item.id).copied().unwrap_or(0),
            ),
        ] {
            if stored != source {
                problems.push(format!(
                    "{name}: {what} {} but its records sum to {}",
                    Money::from_minor(stored).to_decimal(),
                    Money::from_minor(source).to_decimal()
                ));
            }
        }
        if item.invoiced_minor > item.amount_minor {
            problems.push(format!("{name}: invoiced beyond its amount"));
        }
        let cancelled = contracts
            .get(&item.contract_id)
            .is_some_and(|c| c.status == "CANCELLED");
        if cancelled && item.paid_minor != 0 {
            problems.push(format!("{name}: money allocated to a cancelled contract"));
        }
        *planned.entry(item.contract_id).or_default() += item.amount_minor;
    }
    for (contract_id, sum) in planned {
        if let Some(c) = contracts.get(&contract_id)
            && c.amount_minor != sum
        {
            problems.push(format!(
                "contract {}: installments sum to {sum}, not {}",
                c.number, c.amount_minor
            ));
        }
    }
    // Per payment: (allocated, reversed, taken back by refunds), in one pass.
    let mut moved: HashMap<Uuid, (i64, i64, i64)> = HashMap::new();
    for a in &allocations {
        let entry = moved.entry(a.payment_id).or_default();
        if a.amount_minor > 0 {
            entry.0 += a.amount_minor;
        } else if a.kind == "REFUND" {
            entry.2 -= a.amount_minor;
        } else {
            entry.1 -= a.amount_minor;
        }
    }
    // Per payment: (refunded, of which taken from allocations); per refund: its sources.
    let mut drawn: HashMap<Uuid, (i64, i64)> = HashMap::new();
    let mut per_refund: HashMap<Uuid, i64> = HashMap::new();
    for source in &sources {
        let entry = drawn.entry(source.payment_id).or_default();
        entry.0 += source.amount_minor;
        if source.installment_id.is_some() {
            entry.1 += source.amount_minor;
        }
        *per_refund.entry(source.refund_id).or_default() += source.amount_minor;
    }
    for p in &payments {
        let (allocated, reversed, taken_back) = moved.get(&p.id).copied().unwrap_or_default();
        let (refunded, from_allocations) = drawn.get(&p.id).copied().unwrap_or_default();
        let standing = allocated - reversed - taken_back;
        let ok = match p.status.as_str() {
            "RECEIVED" => {
                p.amount_minor == standing + p.unallocated_minor + p.refunded_minor
                    && p.unallocated_minor >= 0
                    && p.refunded_minor == refunded
                    && taken_back == from_allocations
            }
            _ => standing == 0 && p.unallocated_minor == 0 && refunded == 0,
        };
        if !ok {
            problems.push(format!(
                "payment {}: amount {} vs allocated {} − reversed {} − taken back {} + credit {} \
                 + refunded {} (refund sources {}, from allocations {})",
                p.reference,
                p.amount_minor,
                allocated,
                reversed,
                taken_back,
                p.unallocated_minor,
                p.refunded_minor,
                refunded,
                from_allocations
            ));
        }
    }
    for r in &refunds {
        let taken = per_refund.get(&r.id).copied().unwrap_or(0);
        let expected = if r.status == "PAID" {
            r.amount_minor
        } else {
            0
        };
        if taken != expected {
            problems.push(format!(
                "refund {}: {} taken from its sources, {} expected",
                r.number, taken, expected
            ));
        }
    }
    Ok(LedgerReport {
        installments: installments.len(),
        payments: payments.len(),
        problems,
    })
}
