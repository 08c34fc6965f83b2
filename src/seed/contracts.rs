//! Contracts (numbered as the server numbers them) with their approval requests, collection
//! plans, payments and allocations, and the document counters that continue the numbering.
//!
//! Over 500 lines: one generator whose steps pass the same contract drafts along.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use uuid::Uuid;

use super::SeedError;
use super::common::{Run, amount_minor, between, day_between, id_at, pick, weighted};
use super::customers::Customer;
use super::people::People;
use super::pipeline::WonDeal;
use super::writer::Writer;
use crate::approvals::policy::{ApproverRole, Tier, steps_for};
use crate::approvals::service::{ApprovalStatus, StepStatus};
use crate::billing::payments::{PaymentMethod, reference_key};
use crate::billing::rules::status as installment_status;
use crate::contracts::rules::ContractStatus;
use crate::contracts::service::Snapshot;
use entity::{
    allocation, approval_request, approval_step, contract, document_counter, installment, payment,
};

/// Contracts generated before they are handed to the writer.
const CHUNK: usize = 2_000;
/// The document kind contract numbers count under.
const COUNTER_KIND: &str = "CONTRACT";

const STATUSES: [(ContractStatus, u32); 5] = [
    (ContractStatus::Draft, 3),
    (ContractStatus::PendingApproval, 4),
    (ContractStatus::Approved, 18),
    (ContractStatus::Signed, 45),
    (ContractStatus::Completed, 30),
];
const METHODS: [(PaymentMethod, u32); 5] = [
    (PaymentMethod::BankTransfer, 70),
    (PaymentMethod::Check, 10),
    (PaymentMethod::Card, 10),
    (PaymentMethod::Cash, 5),
    (PaymentMethod::Other, 5),
];
/// The plans contracts are written with: their terms, the installments' shares in percent, and
/// how likely each is. One in four pays quarterly, so scale 1 holds about 150,000 installments.
const PLANS: [(&str, &[i64], u32); 2] = [
    (
        "Payment in three installments of 30%, 40% and 30% of the contract amount, each due 30 \
         days after invoice. Delivery within 60 days of signing.",
        &[30, 40, 30],
        3,
    ),
    (
        "Payment in four quarterly installments of 25% of the contract amount, each due 30 days \
         after invoice. Delivery within 60 days of signing.",
        &[25, 25, 25, 25],
        1,
    ),
];

/// A contract before it is numbered: who, what, and when each step of its life happened.
#[derive(Debug, Clone)]
struct Draft {
    customer: usize,
    deal: Option<Uuid>,
    title: String,
    amount_minor: i64,
    status: ContractStatus,
    created_at: DateTime<Utc>,
}

/// The numbers of the contracts, per year, for the document counters.
pub(crate) type Numbering = BTreeMap<i32, i64>;

/// Writes contracts, approvals and the money side; returns the last number used per year.
pub(crate) async fn seed(
    run: &Run,
    people: &People,
    customers: &[Customer],
    won: &[WonDeal],
    tiers: &[Tier],
    writer: &mut Writer<'_>,
) -> Result<Numbering, SeedError> {
    let mut rng = run.rng(5);
    let drafts = plan(run, customers, won, &mut rng);
    let mut numbering = Numbering::new();
    let mut batch = Batch::default();
    for draft in drafts {
        let year = draft.created_at.with_timezone(&run.company_tz).year();
        let seq = numbering.entry(year).or_insert(0);
        *seq += 1;
        let seq = *seq;
        build(
            run, people, customers, tiers, &mut rng, &draft, year, seq, &mut batch,
        )?;
        if batch.contracts.len() >= CHUNK {
            batch.flush(writer).await?;
        }
    }
    batch.flush(writer).await?;
    let mut counters: Vec<document_counter::ActiveModel> = numbering
        .iter()
        .map(|(year, last)| {
            document_counter::ActiveModel::from(document_counter::Model {
                kind: COUNTER_KIND.to_owned(),
                year: *year,
                last_value: *last,
            })
        })
        .collect();
    counters.extend(batch.execution.counters());
    writer.write("document_counters", counters).await?;
    writer.commit().await?;
    Ok(numbering)
}

/// Every contract to write, in creation order (numbers are handed out in that order). Most come
/// from won deals closed at least 25 days ago; the rest are direct contracts with a customer.
fn plan(run: &Run, customers: &[Customer], won: &[WonDeal], rng: &mut StdRng) -> Vec<Draft> {
    let settled = run.days_ago(25);
    let mut eligible: Vec<&WonDeal> = won.iter().filter(|d| d.closed_at <= settled).collect();
    eligible.shuffle(rng);
    let mut eligible = eligible.into_iter();
    let mut drafts = Vec::with_capacity(run.volumes.contracts);
    for i in 0..run.volumes.contracts {
        let status = weighted(rng, &STATUSES);
        let from_deal = if rng.random_bool(0.9) {
            eligible.next()
        } else {
            None
        };
        let draft = match from_deal {
            Some(deal) => Draft {
                customer: deal.customer,
                deal: Some(deal.id),
                title: format!("Contract for {}", deal.name),
                amount_minor: deal.amount_minor,
                status,
                created_at: deal.closed_at + Duration::hours(rng.random_range(24..=120)),
            },
            None => {
                let customer = rng.random_range(0..customers.len());
                let earliest =
                    (customers[customer].created_at + Duration::days(1)).max(run.days_ago(330));
                Draft {
                    customer,
                    deal: None,
                    title: format!("Service agreement {}", i + 1),
                    amount_minor: amount_minor(rng, 5_000.0, 1_500_000.0),
                    status,
                    created_at: between(rng, earliest, run.days_ago(20)),
                }
            }
        };
        drafts.push(draft);
    }
    drafts.sort_by_key(|d| d.created_at);
    drafts
}

/// The rows of the contracts of one chunk, written parents first.
#[derive(Default)]
struct Batch {
    contracts: Vec<contract::ActiveModel>,
    requests: Vec<approval_request::ActiveModel>,
    steps: Vec<approval_step::ActiveModel>,
    installments: Vec<installment::ActiveModel>,
    payments: Vec<payment::ActiveModel>,
    allocations: Vec<allocation::ActiveModel>,
    /// Orders and deliveries of signed and completed contracts.
    execution: super::orders::Execution,
}

impl Batch {
    async fn flush(&mut self, writer: &mut Writer<'_>) -> Result<(), SeedError> {
        writer
            .write("contracts", std::mem::take(&mut self.contracts))
            .await?;
        writer
            .write("approval_requests", std::mem::take(&mut self.requests))
            .await?;
        writer
            .write("approval_steps", std::mem::take(&mut self.steps))
            .await?;
        writer
            .write("installments", std::mem::take(&mut self.installments))
            .await?;
        writer
            .write("payments", std::mem::take(&mut self.payments))
            .await?;
        writer
            .write("allocations", std::mem::take(&mut self.allocations))
            .await?;
        self.execution.flush(writer).await?;
        Ok(())
    }
}

/// Some time between `low` and `high` hours after `at`.
fn hours_after(rng: &mut StdRng, at: DateTime<Utc>, low: i64, high: i64) -> DateTime<Utc> {
    at + Duration::minutes(rng.random_range(low * 60..=high * 60))
}

/// Builds one numbered contract with everything hanging off it.
#[allow(clippy::too_many_arguments)] // one contract's context, each needed once
fn build(
    run: &Run,
    people: &People,
    customers: &[Customer],
    tiers: &[Tier],
    rng: &mut StdRng,
    draft: &Draft,
    year: i32,
    seq: i64,
    batch: &mut Batch,
) -> Result<(), SeedError> {
    let customer = &customers[draft.customer];
    let owner = people.reps[customer.owner].id;
    let created_at = draft.created_at;
    let id = id_at(rng, created_at);
    let number = crate::numbering::format("C", year, seq);
    let status = draft.status;
    let start_date = created_at.date_naive() + Duration::days(14);
    let plan = weighted(rng, &[(0, PLANS[0].2), (1, PLANS[1].2)]);
    let (terms, shares, _) = PLANS[plan];
    let mut model = contract::Model {
        id,
        number: number.clone(),
        year,
        seq,
        customer_id: customer.id,
        opportunity_id: draft.deal,
        owner_id: owner,
        title: draft.title.clone(),
        amount_minor: draft.amount_minor,
        start_date: Some(start_date),
        end_date: Some(start_date + Duration::days(364)),
        signed_date: None,
        terms: terms.to_owned(),
        status: status.as_str().to_owned(),
        cancel_reason: None,
        quote_id: None,
        version: 1,
        created_at,
        updated_at: created_at,
    };
    if status == ContractStatus::Draft {
        batch.contracts.push(model.into());
        return Ok(());
    }
    // Submitted: the request freezes the contract as it stands.
    let submitted_at = hours_after(rng, created_at, 2, 24);
    let snapshot = Snapshot::of(&model);
    let snapshot_hash = snapshot.hash().map_err(SeedError::from)?;
    let snapshot =
        serde_json::to_string(&snapshot).map_err(|e| SeedError::Invalid(e.to_string()))?;
    let roles = steps_for(tiers, draft.amount_minor);
    if roles.is_empty() {
        return Err(SeedError::Invalid(
            "the CONTRACT approval policy has no tier for an amount (run the migrations)".into(),
        ));
    }
    let request_id = id_at(rng, submitted_at);
    let pending = status == ContractStatus::PendingApproval;
    let approved_steps = if pending {
        rng.random_range(0..roles.len())
    } else {
        roles.len()
    };
    let mut decided_at = submitted_at;
    for (i, role) in roles.iter().enumerate() {
        let (step_status, decider, at) = if i < approved_steps {
            decided_at = hours_after(rng, decided_at, 2, 30);
            let decider = match role {
                ApproverRole::SalesManager => people.manager_of(customer.owner),
                ApproverRole::Finance => *pick(rng, &people.finance),
                ApproverRole::Admin => people.admin,
            };
            (StepStatus::Approved, Some(decider), Some(decided_at))
        } else if i == approved_steps {
            (StepStatus::Pending, None, None)
        } else {
            (StepStatus::Waiting, None, None)
        };
        batch.steps.push(
            approval_step::Model {
                id: id_at(rng, submitted_at + Duration::milliseconds(i as i64 + 1)),
                request_id,
                position: i as i32 + 1,
                role: role.as_str().to_owned(),
                status: step_status.as_str().to_owned(),
                decided_by: decider,
                decided_at: at,
                comment: at.map(|_| "Approved".to_owned()),
            }
            .into(),
        );
    }
    let steps = roles.len() as i32;
    let decided = approved_steps as i32;
    batch.requests.push(
        approval_request::Model {
            id: request_id,
            subject_type: "CONTRACT".to_owned(),
            subject_id: id,
            status: if pending {
                ApprovalStatus::Pending
            } else {
                ApprovalStatus::Approved
            }
            .as_str()
            .to_owned(),
            submitted_by: owner,
            submitted_at,
            snapshot_amount_minor: draft.amount_minor,
            snapshot_hash,
            snapshot,
            // The position of the step awaiting a decision; the last one once approved.
            current_position: if pending { decided + 1 } else { steps },
            decided_at: (!pending).then_some(decided_at),
            version: 1 + decided,
            updated_at: decided_at,
        }
        .into(),
    );
    model.version = 2;
    model.updated_at = submitted_at;
    if pending {
        batch.contracts.push(model.into());
        return Ok(());
    }
    // Approved, then perhaps signed and completed; finance sets the plan after approval.
    model.version = 3;
    model.updated_at = decided_at;
    let plan_at = hours_after(rng, decided_at, 1, 24);
    if matches!(status, ContractStatus::Signed | ContractStatus::Completed) {
        let signed_at = hours_after(rng, plan_at, 24, 120);
        model.signed_date = Some(signed_at.date_naive());
        model.version = 4;
        model.updated_at = signed_at;
        let mut completed_at = None;
        if status == ContractStatus::Completed {
            model.version = 5;
            model.updated_at = hours_after(rng, signed_at, 48, 192);
            completed_at = Some(model.updated_at);
        }
        batch
            .execution
            .execute(run, rng, &model, signed_at, completed_at);
    }
    collect(run, people, rng, &model, shares, plan_at, batch);
    batch.contracts.push(model.into());
    Ok(())
}

/// How far a customer kept up with a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Discipline {
    /// Everything due is paid; sometimes the next one early.
    OnTime,
    /// The last amount due is only partly paid.
    Partial,
    /// Only the first of several amounts due is paid.
    Behind,
    /// Nothing is paid.
    Defaulted,
}

/// The installments of a collecting contract (`shares` in percent, exact to the cent, the last
/// taking the remainder) and the payments against them, each payment allocated whole to one
/// installment, installments paid in due order as the server allocates.
fn collect(
    run: &Run,
    people: &People,
    rng: &mut StdRng,
    contract: &contract::Model,
    shares: &[i64],
    plan_at: DateTime<Utc>,
    batch: &mut Batch,
) {
    let total = contract.amount_minor;
    let mut amounts: Vec<i64> = shares.iter().map(|share| total * share / 100).collect();
    let before_last: i64 = amounts.iter().rev().skip(1).sum();
    if let Some(last) = amounts.last_mut() {
        *last = total - before_last;
    }
    let mut due = plan_at.date_naive() + Duration::days(rng.random_range(10..=30));
    let mut dues = vec![due; amounts.len()];
    for slot in dues.iter_mut().skip(1) {
        due += Duration::days(rng.random_range(60..=100));
        *slot = due;
    }
    let discipline = weighted(
        rng,
        &[
            (Discipline::OnTime, 72),
            (Discipline::Partial, 14),
            (Discipline::Behind, 9),
            (Discipline::Defaulted, 5),
        ],
    );
    let past_due = dues.iter().filter(|d| **d < run.today).count();
    let yesterday = run.yesterday();
    // The earliest day the next payment may arrive: payments come in due order.
    let mut cursor = plan_at.date_naive().min(yesterday);
    for (i, (amount, due)) in amounts.iter().zip(dues).enumerate() {
        let installment_id = id_at(rng, plan_at + Duration::milliseconds(i as i64));
        // The parts paid and the days they arrived.
        let mut parts: Vec<(i64, NaiveDate)> = Vec::new();
        // Paid in full in two or (nine times in ten) three transfers, the first around the due
        // date: at scale 1 about 200,000 payments.
        let fully = |rng: &mut StdRng, cursor: NaiveDate| {
            let count = if *amount >= 3 && rng.random_range(0..10) < 9 {
                3
            } else {
                2
            };
            let early = (due - Duration::days(rng.random_range(0..=20))).min(yesterday);
            let late = (due + Duration::days(rng.random_range(0..=25))).min(yesterday);
            let mut day = early.max(cursor);
            let mut left = *amount;
            let mut parts = Vec::with_capacity(count);
            for k in 0..count {
                let part = if k + 1 == count || left < 2 {
                    left
                } else {
                    (left * rng.random_range(35..=60) / 100).clamp(1, left - 1)
                };
                parts.push((part, day));
                left -= part;
                if left == 0 {
                    break;
                }
                day = day_between(rng, day, late.max(day));
            }
            parts
        };
        let partly = |rng: &mut StdRng, cursor: NaiveDate| {
            let part = (amount * rng.random_range(20..=70) / 100).max(1);
            let late = (due + Duration::days(rng.random_range(0..=25))).min(yesterday);
            vec![(part, late.max(cursor))]
        };
        if i < past_due {
            let last_due = i + 1 == past_due;
            parts = match discipline {
                Discipline::OnTime => fully(rng, cursor),
                Discipline::Partial if last_due => partly(rng, cursor),
                Discipline::Partial => fully(rng, cursor),
                Discipline::Behind if i == 0 && past_due > 1 => fully(rng, cursor),
                Discipline::Behind | Discipline::Defaulted => Vec::new(),
            };
        } else if i == past_due && discipline == Discipline::OnTime {
            // The next one, not yet due: sometimes paid early, in full or in part.
            let roll = rng.random_range(0..100);
            if roll < 12 {
                let day1 = day_between(rng, cursor, yesterday);
                let day2 = day_between(rng, day1, yesterday);
                let split = amount * rng.random_range(40..=60) / 100;
                parts = vec![(split, day1), (amount - split, day2)];
            } else if roll < 22 {
                let part = (amount * rng.random_range(20..=70) / 100).max(1);
                parts = vec![(part, day_between(rng, cursor, yesterday))];
            }
        }
        let mut paid = 0;
        let mut updated_at = plan_at;
        for (k, (part, day)) in parts.iter().enumerate() {
            cursor = *day;
            // Recorded by finance the morning it arrived (UTC), never before the plan existed.
            let recorded = (super::common::utc_midnight(*day)
                + Duration::minutes(rng.random_range(60..=480)))
            .max(plan_at + Duration::minutes(1));
            let payment_id = id_at(rng, recorded);
            let reference = format!("TRX {}/{}-{}", contract.number, i + 1, k + 1);
            batch.payments.push(
                payment::Model {
                    id: payment_id,
                    customer_id: contract.customer_id,
                    contract_id: Some(contract.id),
                    amount_minor: *part,
                    received_date: *day,
                    method: weighted(rng, &METHODS).as_str().to_owned(),
                    reference_key: reference_key(&reference),
                    reference,
                    unallocated_minor: 0,
                    refunded_minor: 0,
                    status: "RECEIVED".to_owned(),
                    reversed_at: None,
                    reverse_reason: None,
                    created_by: *pick(rng, &people.finance),
                    created_at: recorded,
                    updated_at: recorded,
                    version: 1,
                }
                .into(),
            );
            batch.allocations.push(
                allocation::Model {
                    id: id_at(rng, recorded),
                    payment_id,
                    installment_id,
                    amount_minor: *part,
                    kind: "ALLOCATION".to_owned(),
                    created_at: recorded,
                }
                .into(),
            );
            paid += part;
            updated_at = updated_at.max(recorded);
        }
        batch.installments.push(
            installment::Model {
                id: installment_id,
                contract_id: contract.id,
                customer_id: contract.customer_id,
                seq: i as i32 + 1,
                due_date: due,
                amount_minor: *amount,
                invoiced_minor: 0,
                paid_minor: paid,
                waived_minor: 0,
                note: None,
                status: installment_status(*amount, paid, 0).as_str().to_owned(),
                version: 1 + parts.len() as i32,
                created_at: plan_at,
                updated_at,
            }
            .into(),
        );
    }
}
