//! What the approval chain does to a contract: the snapshot it freezes, locking a contract for
//! submission, and settling it when its request ends.

use super::access::{get_contract, load, next_status, status_of, write};
use super::rules::{Action, ContractStatus};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use chrono::{DateTime, NaiveDate, Utc};
use entity::contract;
use sea_orm::{ConnectionTrait, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What an approval request freezes of a contract: amount, title, dates and terms.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Snapshot {
    pub number: String,
    pub amount_minor: i64,
    pub title: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub terms: String,
}

impl Snapshot {
    pub fn of(model: &contract::Model) -> Self {
        Self {
            number: model.number.clone(),
            amount_minor: model.amount_minor,
            title: model.title.clone(),
            start_date: model.start_date,
            end_date: model.end_date,
            terms: model.terms.clone(),
        }
    }

    /// A fingerprint of everything frozen.
    pub fn hash(&self) -> AppResult<String> {
        let bytes = serde_json::to_vec(self).map_err(|_| AppError::internal())?;
        Ok(crate::auth::tokens::hex(&Sha256::digest(bytes)))
    }
}

/// Locks a `DRAFT` or `REJECTED` contract the viewer owns for approval and returns what was
/// submitted. Errors: `NOT_FOUND`, `FORBIDDEN` (not the owner), `INVALID_STATE`, `CONFLICT`.
pub(crate) async fn lock_for_approval(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<contract::Model> {
    let current = get_contract(db, viewer, id).await?;
    if current.owner_id != viewer.user_id {
        return Err(AppError::forbidden());
    }
    let status = next_status(&current, Action::Submit)?;
    let model = contract::ActiveModel {
        status: Set(status.as_str().to_owned()),
        ..Default::default()
    };
    write(db, &current, model, now).await?;
    load(db, id).await
}

/// The outcome of a contract's approval request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    Approved,
    Rejected,
    Withdrawn,
}

/// Moves a pending contract to where its request ended, provided it still matches the
/// submitted snapshot. Errors: `INVALID_STATE`.
pub(crate) async fn settle(
    db: &impl ConnectionTrait,
    id: Uuid,
    snapshot_hash: &str,
    outcome: Settlement,
    now: DateTime<Utc>,
) -> AppResult<contract::Model> {
    let current = load(db, id).await?;
    check_snapshot(&current, snapshot_hash)?;
    let action = match outcome {
        Settlement::Approved => Action::Approve,
        Settlement::Rejected => Action::Reject,
        Settlement::Withdrawn => Action::Withdraw,
    };
    let status = next_status(&current, action)?;
    let model = contract::ActiveModel {
        status: Set(status.as_str().to_owned()),
        ..Default::default()
    };
    write(db, &current, model, now)
        .await
        .map_err(|_| AppError::invalid_state("The contract changed meanwhile"))?;
    load(db, id).await
}

/// `INVALID_STATE` unless the contract is pending and still exactly what was submitted.
pub(crate) fn check_snapshot(current: &contract::Model, snapshot_hash: &str) -> AppResult<()> {
    if status_of(current)? != ContractStatus::PendingApproval
        || Snapshot::of(current).hash()? != snapshot_hash
    {
        return Err(AppError::invalid_state(
            "The contract no longer matches what was submitted",
        ));
    }
    Ok(())
}
