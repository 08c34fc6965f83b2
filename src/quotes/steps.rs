//! The customer-facing steps of a quote: sent, accepted (one per deal at a time, past races
//! included) or turned down, never once its validity has passed.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use uuid::Uuid;

use super::access::{load, quote_for_change, require_seller};
use super::model::QuoteStatus;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::required_text;
use crate::state::AppState;
use crate::versioned;
use entity::quote::{self, Entity as Quotes};

/// Longest reason for turning a quote down.
const MAX_REASON: usize = 2_000;

/// What a customer-facing step does to a quote.
#[derive(Debug, Clone, Serialize)]
pub enum Step {
    /// Sent to the customer (an approved quote).
    Send,
    /// The customer accepted it (an approved or sent quote).
    Accept,
    /// The customer turned it down, for this reason (an approved or sent quote).
    Reject(String),
}

impl Step {
    fn operation(&self) -> &'static str {
        match self {
            Step::Send => "markQuoteSent",
            Step::Accept => "acceptQuote",
            Step::Reject(_) => "rejectQuote",
        }
    }
}

/// Moves a quote the viewer may change through a customer-facing step, at `expected_version`.
/// A quote past its `validUntil` (the viewer's today) can be neither sent nor accepted; only
/// one quote of a deal is accepted at a time, however many are accepted at once. Idempotent
/// by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (reason), `CONFLICT`,
/// `INVALID_STATE`.
pub async fn advance(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    step: Step,
    idempotency_key: Option<String>,
) -> AppResult<quote::Model> {
    require_seller(viewer)?;
    let reason = match &step {
        Step::Reject(reason) => Some(required_text(reason, "input.reason", MAX_REASON)?),
        _ => None,
    };
    let now = state.clock.now();
    let today = crate::calendar::today(viewer.timezone, now);
    let call = IdempotentCall::new(
        viewer.user_id,
        step.operation(),
        idempotency_key,
        &(id, expected_version, &step),
    )?;
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = quote_for_change(txn, viewer, id).await?;
        versioned::check(expected_version, current.version)?;
        let status = QuoteStatus::parse(&current.status).ok_or_else(AppError::internal)?;
        let allowed = match step {
            Step::Send => status == QuoteStatus::Approved,
            Step::Accept | Step::Reject(_) => {
                matches!(status, QuoteStatus::Approved | QuoteStatus::Sent)
            }
        };
        if !allowed {
            return Err(AppError::invalid_state(format!(
                "A {} quote cannot be {}",
                status.as_str().to_lowercase().replace('_', " "),
                match step {
                    Step::Send => "sent",
                    Step::Accept => "accepted",
                    Step::Reject(_) => "rejected",
                }
            )));
        }
        if !matches!(step, Step::Reject(_)) && current.valid_until < today {
            return Err(AppError::invalid_state(format!(
                "The quote expired on {}",
                current.valid_until
            )));
        }
        let mut model = quote::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        let (next, action) = match step {
            Step::Send => {
                model.sent_at = Set(Some(now));
                (QuoteStatus::Sent, "quote.sent")
            }
            Step::Accept => {
                let other = Quotes::find()
                    .filter(quote::Column::OpportunityId.eq(current.opportunity_id))
                    .filter(quote::Column::Status.eq(QuoteStatus::Accepted.as_str()))
                    .one(txn)
                    .await?;
                if other.is_some() {
                    return Err(another_accepted());
                }
                model.accepted_at = Set(Some(now));
                (QuoteStatus::Accepted, "quote.accepted")
            }
            Step::Reject(_) => {
                model.rejection_reason = Set(reason.clone());
                (QuoteStatus::Rejected, "quote.rejected")
            }
        };
        model.status = Set(next.as_str().to_owned());
        let target = versioned::Target::new(id, expected_version, current.version)
            .on_duplicate(another_accepted);
        versioned::write::<Quotes>(txn, target, model, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action,
            subject_type: "Quote",
            subject_id: id,
            details: serde_json::json!({"reason": reason}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

fn another_accepted() -> AppError {
    AppError::invalid_state("Another quote of this deal is already accepted")
}
