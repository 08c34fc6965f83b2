//! Contract amendment: a change to a signed contract's amount, end date or terms is asked for
//! (contracts), checked against what its orders (orders) and its collection plan (billing)
//! already hold, and sent through the approval engine (approvals) with the contract policy on
//! the amended amount, always with the manager step. Only the last approval changes the
//! contract (raising its version) and re-balances its plan by `billing::rebalance`'s rule; a
//! pending amendment locks the contract against its plan, its completion and other amendments.
//!
//! Lock order, as every money movement: the customer first, then the contract row.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::approvals::policy::ApprovalSubjectKind;
use crate::approvals::service::{NewRequest, Outbox, open_request};
use crate::contracts::amendments::{self, AmendmentStatus, Changes, NewAmendment, Values};
use crate::contracts::service::{self as contracts, Settlement};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::money::Money;
use crate::state::AppState;
use entity::{contract, contract_amendment};

/// An amendment to ask for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AmendContract {
    pub contract_id: Uuid,
    pub expected_version: i32,
    pub changes: Changes,
    pub reason: String,
}

/// The input's own fields checked, every problem at once; the reason trimmed.
fn checked(input: &AmendContract) -> AppResult<(Changes, String)> {
    let mut problems = crate::input::Problems::default();
    let reason = problems.check(crate::input::required_text(
        &input.reason,
        "input.reason",
        1000,
    ));
    let changes = &input.changes;
    if changes.amount_minor.is_none() && changes.end_date.is_none() && changes.terms.is_none() {
        problems.check::<()>(Err(AppError::bad_input(
            "input.changes",
            "Name at least one change: amount, end date or terms",
        )));
    }
    if let Some(amount) = changes.amount_minor
        && amount <= 0
    {
        problems.check::<()>(Err(AppError::bad_input(
            "input.changes.amount",
            "A contract amount is above zero",
        )));
    }
    let terms = match &changes.terms {
        Some(terms) => problems.check(crate::input::required_text(
            terms,
            "input.changes.terms",
            contracts::MAX_TERMS,
        )),
        None => None,
    };
    problems.finish()?;
    let reason = reason.ok_or_else(AppError::internal)?;
    Ok((
        Changes {
            terms,
            ..changes.clone()
        },
        reason,
    ))
}

/// `INVALID_STATE` (on `input.changes.amount`) when `amount` is below what the contract's
/// active orders, invoices, or payments and waivers already hold, or when its plan cannot
/// absorb the change.
async fn check_floors(
    txn: &DatabaseTransaction,
    contract: &contract::Model,
    amount: i64,
) -> AppResult<()> {
    let delta = amount - contract.amount_minor;
    if delta >= 0 {
        return Ok(());
    }
    let ordered: i64 = crate::orders::service::totals_by_contract(txn, &[contract.id])
        .await?
        .iter()
        .map(|(_, ordered, _)| *ordered)
        .sum();
    let plan = crate::billing::plans::installments_of(txn, &[contract.id]).await?;
    let invoiced: i64 = plan.iter().map(|i| i.invoiced_minor).sum();
    let settled: i64 = plan.iter().map(|i| i.paid_minor + i.waived_minor).sum();
    for (what, held) in [
        ("ordered", ordered),
        ("invoiced", invoiced),
        ("paid or waived", settled),
    ] {
        if amount < held {
            return Err(AppError::invalid_state(format!(
                "The amended amount {} is below what is already {what} ({})",
                Money::from_minor(amount).to_decimal(),
                Money::from_minor(held).to_decimal()
            ))
            .with_field("input.changes.amount"));
        }
    }
    crate::billing::rebalance::check(&plan, delta)?;
    Ok(())
}

/// Asks to amend a signed contract the viewer may change (its owner, their managers, admins),
/// at `expected_version`: records a pending amendment and opens its approval request.
/// Idempotent by key. Errors: `NOT_FOUND`, `FORBIDDEN` (finance; those who only see it),
/// `BAD_USER_INPUT` (no change, bad values, the values it has already), `CONFLICT`,
/// `INVALID_STATE` (not signed, another amendment pending, below what is held),
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn amend(
    state: &AppState,
    viewer: &Viewer,
    input: AmendContract,
    idempotency_key: Option<String>,
) -> AppResult<contract_amendment::Model> {
    let (changes, reason) = checked(&input)?;
    let call = IdempotentCall::new(viewer.user_id, "amendContract", idempotency_key, &input)?;
    let now = state.clock.now();
    let mut announced = Outbox::default();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let seen = contracts::get_contract(txn, viewer, input.contract_id)
            .await
            .map_err(|e| e.with_field("input.id"))?;
        contracts::require_steward(txn, viewer, &seen).await?;
        crate::billing::ledger::lock_customer(txn, seen.customer_id).await?;
        let contract = amendments::lock_contract(txn, seen.id).await?;
        if contract.status != contracts::ContractStatus::Signed.as_str() {
            return Err(AppError::invalid_state(
                "Only a signed contract is amended (a draft is edited)",
            ));
        }
        if contract.version != input.expected_version {
            return Err(AppError::conflict(contract.version));
        }
        amendments::require_unlocked(txn, contract.id).await?;
        let before = Values::of(&contract);
        let after = changes.applied_to(&before);
        if after == before {
            return Err(AppError::bad_input(
                "input.changes",
                "These are the contract's values already",
            ));
        }
        contracts::check_dates(contract.start_date, after.end_date)
            .map_err(|e| e.with_field("input.changes.endDate"))?;
        check_floors(txn, &contract, after.amount_minor).await?;
        let id = Uuid::now_v7();
        let seq = amendments::next_seq(txn, contract.id).await?;
        let snapshot = crate::approvals::access::AmendmentSnapshot {
            number: contract.number.clone(),
            base_version: contract.version,
            seq,
            changes: changes.clone(),
        };
        let snapshot = serde_json::to_string(&snapshot).map_err(|_| AppError::internal())?;
        let hash =
            crate::auth::tokens::hex(&<sha2::Sha256 as sha2::Digest>::digest(snapshot.as_bytes()));
        let (request, outbox) = open_request(
            txn,
            viewer.user_id,
            NewRequest {
                kind: ApprovalSubjectKind::ContractAmendment,
                subject_id: id,
                amount_minor: after.amount_minor,
                snapshot,
                snapshot_hash: hash,
                title: format!("amendment {seq} of {}", contract.number),
            },
            now,
        )
        .await?;
        announced = outbox;
        let created = amendments::insert(
            txn,
            NewAmendment {
                id,
                seq,
                contract: &contract,
                changes: &changes,
                reason: reason.clone(),
                request_id: request.id,
                requested_by: viewer.user_id,
            },
            now,
        )
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "contract.amendment_requested",
            subject_type: "Contract",
            subject_id: contract.id,
            details: serde_json::json!({
                "amendmentId": created.id,
                "seq": seq,
                "fromAmountMinor": before.amount_minor,
                "toAmountMinor": after.amount_minor,
            }),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    // Empty on a replay: only the call that did the work announces it.
    announced.send(state);
    amendments::load_amendment(&state.db, id).await
}

/// The title of a pending amendment whose contract is still where it was asked (for the
/// approval engine). Errors: `INVALID_STATE`.
pub(crate) async fn check(txn: &DatabaseTransaction, id: Uuid) -> AppResult<String> {
    let (amendment, contract) = amendments::check(txn, id).await?;
    Ok(format!(
        "amendment {} of {}",
        amendment.seq, contract.number
    ))
}

/// Carries an amendment request's outcome over: an approval re-checks the floors under the
/// locks, changes the contract and re-balances its plan; otherwise the amendment closes and
/// the contract is unchanged. The contract's owner is told when someone else asked.
pub(crate) async fn settle(
    txn: &DatabaseTransaction,
    id: Uuid,
    outcome: Settlement,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
    outbox: &mut Outbox,
) -> AppResult<()> {
    let (amendment, seen) = amendments::check(txn, id).await?;
    match outcome {
        Settlement::Approved => {
            crate::billing::ledger::lock_customer(txn, seen.customer_id).await?;
            let contract = amendments::lock_contract(txn, seen.id).await?;
            let after = amendments::values(&amendment.after)?;
            check_floors(txn, &contract, after.amount_minor).await?;
            let changed = amendments::apply(txn, &amendment, &contract, now).await?;
            let delta = after.amount_minor - contract.amount_minor;
            let credit = crate::billing::rebalance::apply(txn, &changed, delta, today, now).await?;
            crate::audit::Entry {
                actor_id: None,
                action: "contract.amended",
                subject_type: "Contract",
                subject_id: changed.id,
                details: serde_json::json!({
                    "amendmentId": amendment.id,
                    "seq": amendment.seq,
                    "deltaMinor": delta,
                    "creditAppliedMinor": credit,
                    "version": changed.version,
                }),
            }
            .record(txn, now)
            .await?;
        }
        Settlement::Rejected => amendments::close(txn, id, AmendmentStatus::Rejected, now).await?,
        Settlement::Withdrawn => {
            amendments::close(txn, id, AmendmentStatus::Withdrawn, now).await?;
        }
    }
    if seen.owner_id != amendment.requested_by {
        let (kind, verdict) = match outcome {
            Settlement::Approved => ("APPROVAL_APPROVED", "was approved and applied"),
            Settlement::Rejected => ("APPROVAL_REJECTED", "was rejected"),
            Settlement::Withdrawn => ("APPROVAL_WITHDRAWN", "was withdrawn"),
        };
        outbox
            .notify(
                txn,
                &[seen.owner_id],
                kind,
                (
                    format!("Amendment {} of {}", amendment.seq, seen.number),
                    format!(
                        "Amendment {} of your contract {} {verdict}.",
                        amendment.seq, seen.number
                    ),
                ),
                amendment.request_id,
                now,
            )
            .await?;
    }
    Ok(())
}
