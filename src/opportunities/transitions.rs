//! Moving a deal through the pipeline: to another open stage, won, lost or reopened, at its\nversion, with the stage history, notifications and the live event after commit.

use super::access::{load, opportunity_for_change, require_seller, whole_days};
use super::model::{CloseReasonKind, ForecastCategory, OpportunityStatus, StageKind};
use super::stages;
use crate::error::{AppError, AppResult};
use crate::events::{DomainEvent, EventKind};
use crate::idempotency::{self, IdempotentCall, Outcome};
use crate::identity::Viewer;
use crate::input::required_text;
use crate::money::Money;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::opportunity::{self, Entity as Opportunities};
use entity::{notification, stage_change};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};
use serde::Serialize;
use uuid::Uuid;

/// A change of stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Transition {
    /// To another open stage, with a manager's reason to pass unmet exit criteria.
    Move(Uuid, Option<String>),
    /// Close as won, for a reason of the win list, with an optional detail.
    Win {
        reason: Uuid,
        detail: Option<String>,
    },
    /// Close as lost, for a reason of the loss list, with an optional detail and the
    /// competitor who won.
    Lose {
        reason: Uuid,
        detail: Option<String>,
        won_by: Option<Uuid>,
    },
    /// Back from won or lost to an open stage.
    Reopen(Uuid),
}

/// Moves, wins, loses or reopens a deal at `expected_version`, writing its `StageChange`.
/// Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`,
/// `INVALID_STATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn transition(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    change: Transition,
    note: Option<String>,
    idempotency_key: Option<String>,
) -> AppResult<opportunity::Model> {
    require_seller(viewer)?;
    if let Transition::Lose { detail, .. } = &change {
        crate::input::optional_text(detail.as_deref(), "input.reason", 1000)?;
    }
    if let Transition::Win { detail, .. } = &change {
        crate::input::optional_text(detail.as_deref(), "input.detail", 1000)?;
    }
    if let Transition::Move(_, Some(reason)) = &change {
        required_text(reason, "input.overrideReason", 1000)?;
    }
    let note = crate::input::optional_text(note.as_deref(), "input.note", 2000)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "opportunityTransition",
        idempotency_key,
        &(id, expected_version, &change, &note),
    )?;
    let now = state.clock.now();
    let mut written = Vec::new();
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        let (change_id, notified) =
            apply(txn, viewer, id, expected_version, &change, note, now).await?;
        written = notified;
        Ok(change_id)
    })
    .await?;
    if let Outcome::Fresh(change_id) = outcome {
        state.events.publish(DomainEvent {
            kind: EventKind::OpportunityStageChanged,
            subject_id: change_id,
            actor_id: Some(viewer.user_id),
            audience: None,
        });
        notifications::announce(state.events.as_ref(), &written);
    }
    load(&state.db, id).await
}

pub(super) async fn apply(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    change: &Transition,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<(Uuid, Vec<notification::Model>)> {
    let current = opportunity_for_change(txn, viewer, id).await?;
    crate::versioned::check(expected_version, current.version)?;
    let open = current.status == OpportunityStatus::Open.as_str();
    let mut overridden = None;
    let mut close_reason = None;
    let (stage, status) = match change {
        Transition::Move(stage_id, override_reason) => {
            if !open {
                return Err(AppError::invalid_state(
                    "A closed deal does not move; reopen it first",
                ));
            }
            if *stage_id == current.stage_id {
                return Err(AppError::invalid_state("The deal is already in this stage"));
            }
            let stage = stages::open_stage(txn, *stage_id, "input.stageId").await?;
            let unmet = crate::playbook::gate::unmet(txn, &current, &stage).await?;
            overridden = crate::playbook::gate::pass(
                viewer,
                unmet,
                override_reason.as_deref().map(str::trim),
            )?;
            (stage, OpportunityStatus::Open)
        }
        Transition::Win { .. } | Transition::Lose { .. } if !open => {
            return Err(AppError::invalid_state(
                "The deal is already closed; reopen it first",
            ));
        }
        Transition::Win { reason, .. } => {
            close_reason = Some(
                super::close_reasons::chosen(txn, CloseReasonKind::Win, *reason, "input.reasonId")
                    .await?,
            );
            (
                stages::first_of_kind(txn, StageKind::Won).await?,
                OpportunityStatus::Won,
            )
        }
        Transition::Lose { reason, .. } => {
            close_reason = Some(
                super::close_reasons::chosen(txn, CloseReasonKind::Loss, *reason, "input.reasonId")
                    .await?,
            );
            (
                stages::first_of_kind(txn, StageKind::Lost).await?,
                OpportunityStatus::Lost,
            )
        }
        Transition::Reopen(stage_id) => {
            if open {
                return Err(AppError::invalid_state(
                    "Only a won or lost deal can be reopened",
                ));
            }
            (
                stages::open_stage(txn, *stage_id, "input.stageId").await?,
                OpportunityStatus::Open,
            )
        }
    };
    let mut model = opportunity::ActiveModel {
        id: Set(id),
        stage_id: Set(stage.id),
        status: Set(status.as_str().to_owned()),
        stage_entered_at: Set(now),
        stale_notified_at: Set(None),
        ..Default::default()
    };
    let detail = |text: &Option<String>| {
        text.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    match change {
        Transition::Win { detail: text, .. } => {
            model.closed_at = Set(Some(now));
            // A won deal's close date is the day it was won: forecasts count it there.
            model.expected_close_date = Set(now.date_naive());
            model.forecast_category = Set(ForecastCategory::Closed.as_str().to_owned());
            model.close_reason_id = Set(close_reason.as_ref().map(|r| r.id));
            model.close_detail = Set(detail(text));
            model.closed_from_stage_id = Set(Some(current.stage_id));
            super::competitors::on_close(txn, id, true, None, now).await?;
        }
        Transition::Lose {
            detail: text,
            won_by,
            ..
        } => {
            model.closed_at = Set(Some(now));
            // The loss as one line, for clients that read only this: the detail, else the
            // reason's name.
            model.lost_reason =
                Set(detail(text).or_else(|| close_reason.as_ref().map(|r| r.name.clone())));
            model.forecast_category = Set(ForecastCategory::Closed.as_str().to_owned());
            model.close_reason_id = Set(close_reason.as_ref().map(|r| r.id));
            model.close_detail = Set(detail(text));
            model.closed_from_stage_id = Set(Some(current.stage_id));
            super::competitors::on_close(txn, id, false, *won_by, now).await?;
        }
        Transition::Reopen(_) => {
            model.closed_at = Set(None);
            model.lost_reason = Set(None);
            model.forecast_category = Set(ForecastCategory::Pipeline.as_str().to_owned());
            model.close_reason_id = Set(None);
            model.close_detail = Set(None);
            model.closed_from_stage_id = Set(None);
            super::competitors::on_reopen(txn, id, now).await?;
        }
        Transition::Move(..) => {}
    }
    let target = crate::versioned::Target::new(id, expected_version, current.version);
    crate::versioned::write::<Opportunities>(txn, target, model, now).await?;
    let change_row = stage_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        opportunity_id: Set(id),
        from_stage_id: Set(Some(current.stage_id)),
        to_stage_id: Set(stage.id),
        changed_by: Set(viewer.user_id),
        changed_at: Set(now),
        days_in_previous_stage: Set(Some(whole_days(current.stage_entered_at, now))),
        note: Set(note),
        override_reason: Set(overridden.as_ref().map(|o| o.reason.clone())),
        overridden_items: Set(overridden.as_ref().map(|o| {
            serde_json::Value::from(o.items.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
                .to_string()
        })),
    }
    .insert(txn)
    .await?;
    if let Some(overridden) = &overridden {
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "opportunity.exit_criteria_overridden",
            subject_type: "Opportunity",
            subject_id: id,
            details: serde_json::json!({
                "from": current.stage_id,
                "to": stage.id,
                "reason": overridden.reason,
                "items": overridden.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            }),
        }
        .record(txn, now)
        .await?;
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "opportunity.stage_changed",
        subject_type: "Opportunity",
        subject_id: id,
        details: serde_json::json!({"from": current.stage_id, "to": stage.id, "status": status}),
    }
    .record(txn, now)
    .await?;
    let mut written = Vec::new();
    if matches!(change, Transition::Win { .. } | Transition::Lose { .. }) {
        for manager in crate::users::service::managers_of(txn, current.owner_id).await? {
            let won = matches!(change, Transition::Win { .. });
            let notice = NewNotification {
                user_id: manager,
                kind: if won {
                    "OPPORTUNITY_WON"
                } else {
                    "OPPORTUNITY_LOST"
                },
                title: format!(
                    "Deal {}: {}",
                    if won { "won" } else { "lost" },
                    current.name
                ),
                body: format!(
                    "{} was {} at {}.",
                    current.name,
                    if won { "won" } else { "lost" },
                    Money::from_minor(current.amount_minor).to_decimal()
                ),
                subject_type: Some("Opportunity"),
                subject_id: Some(id),
            };
            written.push(notifications::notify(txn, notice, now).await?);
        }
    }
    Ok((change_row.id, written))
}
