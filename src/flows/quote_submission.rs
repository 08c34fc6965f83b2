//! Submitting a quote: a quote whose discounts stay within what its product lines allow and
//! within the whole-quote threshold is approved at once; any other opens an approval request
//! (policy `QUOTE`, its tiers measured in discount percent) and waits, locked, for its steps.

use uuid::Uuid;

use crate::approvals::policy::ApprovalSubjectKind;
use crate::approvals::service::{NewRequest, Outbox, open_request};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::quotes::approval::{Snapshot, discount_to_approve_of, set_status};
use crate::quotes::model::QuoteStatus;
use crate::quotes::service::{self as quotes, quote_for_change};
use crate::state::AppState;
use entity::{approval_request, quote};

/// Submits a draft quote the viewer may change, at `expected_version`: approved at once
/// without an excessive discount, else `PENDING_APPROVAL` with a request. Idempotent by key.
/// Errors: `FORBIDDEN`, `NOT_FOUND`, `CONFLICT`, `INVALID_STATE` (not a draft, expired),
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn submit_quote(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    idempotency_key: Option<String>,
) -> AppResult<(quote::Model, Option<approval_request::Model>)> {
    let call = IdempotentCall::new(
        viewer.user_id,
        "submitQuote",
        idempotency_key,
        &(id, expected_version),
    )?;
    let now = state.clock.now();
    let today = crate::calendar::today(viewer.timezone, now);
    let mut announced = Outbox::default();
    let request = idempotency::run(&state.db, &call, now, async |txn| {
        if !viewer.role.sells() {
            return Err(AppError::forbidden());
        }
        let current = quote_for_change(txn, viewer, id).await?;
        crate::versioned::check(expected_version, current.version)?;
        if current.status != QuoteStatus::Draft.as_str() {
            return Err(AppError::invalid_state(
                "Only a draft quote can be submitted",
            ));
        }
        if current.valid_until < today {
            return Err(AppError::invalid_state(format!(
                "The quote expired on {}",
                current.valid_until
            )));
        }
        let lines = quotes::lines_of(txn, &[id]).await?;
        let threshold = crate::quotes::settings::total_threshold(txn).await?;
        let Some(discount_bp) = discount_to_approve_of(txn, &lines, threshold).await? else {
            set_status(txn, &current, QuoteStatus::Approved, now).await?;
            crate::audit::Entry {
                actor_id: Some(viewer.user_id),
                action: "quote.approved_on_submit",
                subject_type: "Quote",
                subject_id: id,
                details: serde_json::json!({"number": current.number}),
            }
            .record(txn, now)
            .await?;
            return Ok(None);
        };
        let locked = set_status(txn, &current, QuoteStatus::PendingApproval, now).await?;
        let snapshot = Snapshot::of(&locked, &lines, discount_bp);
        let new = NewRequest {
            kind: ApprovalSubjectKind::Quote,
            subject_id: id,
            amount_minor: discount_bp,
            snapshot_hash: snapshot.hash()?,
            snapshot: serde_json::to_string(&snapshot).map_err(|_| AppError::internal())?,
            title: format!("Quote {}", locked.number),
        };
        let (request, outbox) = open_request(txn, viewer.user_id, new, now).await?;
        announced = outbox;
        Ok(Some(request.id))
    })
    .await?
    .into_inner();
    // Empty on a replay: only the call that did the work announces it.
    announced.send(state);
    let quote = quotes::load(&state.db, id).await?;
    let request = match request {
        Some(request) => Some(crate::approvals::service::load(&state.db, request).await?),
        None => None,
    };
    Ok((quote, request))
}
