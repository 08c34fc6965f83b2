//! Reading a request the viewer may see with its steps and approvers, describing it in notices, and
//! the outbox of notices sent once a decision commits; shared by the approval services.

use super::policy::{ApprovalSubjectKind, ApproverRole};
use crate::contracts::service::Snapshot;
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::approval_request::{self, Entity as Requests};
use entity::approval_step::{self, Entity as Steps};
use entity::notification;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// What a finished transaction tells the world, after commit.
#[derive(Debug, Default)]
pub struct Outbox(Vec<notification::Model>);

/// Who may decide a `role` step of a request submitted by `submitter`, as the database says
/// now: the manager of the submitter's team (admins when there is none but the submitter),
/// every active finance user, or every active admin — never the submitter.
pub async fn approvers(
    db: &impl ConnectionTrait,
    submitter: Uuid,
    role: ApproverRole,
) -> AppResult<Vec<Uuid>> {
    let mut users = match role {
        ApproverRole::SalesManager => {
            let managers = crate::users::service::managers_of(db, submitter).await?;
            let active: Vec<Uuid> = crate::users::service::users_by_ids(db, &managers)
                .await?
                .into_iter()
                .filter(|u| u.active && u.role == Role::SalesManager.as_str())
                .map(|u| u.id)
                .collect();
            if active.is_empty() {
                crate::users::service::active_with_role(db, Role::Admin).await?
            } else {
                active
            }
        }
        ApproverRole::Finance => crate::users::service::active_with_role(db, Role::Finance).await?,
        ApproverRole::Admin => crate::users::service::active_with_role(db, Role::Admin).await?,
    };
    users.retain(|u| *u != submitter);
    Ok(users)
}

pub(super) fn role_of(step: &approval_step::Model) -> AppResult<ApproverRole> {
    ApproverRole::parse(&step.role).ok_or_else(AppError::internal)
}

pub(super) fn describe(request: &approval_request::Model) -> String {
    if request.subject_type == ApprovalSubjectKind::Quote.as_str() {
        return match serde_json::from_str::<crate::quotes::approval::Snapshot>(&request.snapshot) {
            Ok(snapshot) => format!(
                "Quote {} ({}% discount)",
                snapshot.number,
                rust_decimal::Decimal::new(snapshot.discount_bp, 2).normalize()
            ),
            Err(_) => "A quote".to_owned(),
        };
    }
    let amount = crate::money::Money::from_minor(request.snapshot_amount_minor).to_decimal();
    if request.subject_type == ApprovalSubjectKind::Waiver.as_str() {
        return format!("A waiver of {amount}");
    }
    if request.subject_type == ApprovalSubjectKind::Refund.as_str() {
        return format!("A refund of {amount}");
    }
    if request.subject_type == ApprovalSubjectKind::ContractAmendment.as_str() {
        return match serde_json::from_str::<AmendmentSnapshot>(&request.snapshot) {
            Ok(snapshot) => format!(
                "Amendment {} of contract {} (to {amount})",
                snapshot.seq, snapshot.number
            ),
            Err(_) => "A contract amendment".to_owned(),
        };
    }
    match serde_json::from_str::<Snapshot>(&request.snapshot) {
        Ok(snapshot) => format!(
            "Contract {} ({})",
            snapshot.number,
            crate::money::Money::from_minor(snapshot.amount_minor).to_decimal()
        ),
        Err(_) => "An approval request".to_owned(),
    }
}

/// What an amendment's request freezes: the contract, the version it was asked against, the
/// amendment's number and its changes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AmendmentSnapshot {
    pub number: String,
    pub base_version: i32,
    pub seq: i32,
    pub changes: crate::contracts::amendments::Changes,
}

/// A request the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_request(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<approval_request::Model> {
    Requests::find_by_id(id)
        .filter(visible(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Approval request"))
}

/// The requests with these ids that the viewer may see.
pub async fn visible_requests(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<approval_request::Model>> {
    Ok(Requests::find()
        .filter(approval_request::Column::Id.is_in(ids.to_vec()))
        .filter(visible(viewer))
        .all(db)
        .await?)
}

/// Steps of these requests, in order (for loaders under visible requests).
pub async fn steps_of(
    db: &impl ConnectionTrait,
    request_ids: &[Uuid],
) -> AppResult<Vec<approval_step::Model>> {
    Ok(Steps::find()
        .filter(approval_step::Column::RequestId.is_in(request_ids.to_vec()))
        .order_by_asc(approval_step::Column::RequestId)
        .order_by_asc(approval_step::Column::Position)
        .all(db)
        .await?)
}

impl Outbox {
    pub(crate) async fn notify(
        &mut self,
        db: &impl ConnectionTrait,
        users: &[Uuid],
        kind: &'static str,
        (title, body): (String, String),
        request: Uuid,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        for user in users {
            let notice = NewNotification {
                user_id: *user,
                kind,
                title: title.clone(),
                body: body.clone(),
                subject_type: Some("ApprovalRequest"),
                subject_id: Some(request),
            };
            self.0.push(notifications::notify(db, notice, now).await?);
        }
        Ok(())
    }

    pub fn send(self, state: &AppState) {
        notifications::announce(state.events.as_ref(), &self.0);
    }
}

/// Requests the viewer may see: those they submitted, and those whose subject they may see.
pub(super) fn visible(viewer: &Viewer) -> Condition {
    let contracts = crate::policy::visible_contract_ids(viewer);
    let installments = Query::select()
        .column(entity::installment::Column::Id)
        .from(entity::installment::Entity)
        .cond_where(crate::policy::by_contract(
            viewer,
            entity::installment::Column::ContractId,
        ))
        .to_owned();
    let waivers = Query::select()
        .column(entity::waiver::Column::Id)
        .from(entity::waiver::Entity)
        .and_where(entity::waiver::Column::InstallmentId.in_subquery(installments))
        .to_owned();
    let of_kind = |kind: ApprovalSubjectKind, subjects: sea_orm::sea_query::SelectStatement| {
        Condition::all()
            .add(approval_request::Column::SubjectType.eq(kind.as_str()))
            .add(approval_request::Column::SubjectId.in_subquery(subjects))
    };
    Condition::any()
        .add(approval_request::Column::SubmittedBy.eq(viewer.user_id))
        .add(of_kind(ApprovalSubjectKind::Contract, contracts))
        .add(of_kind(ApprovalSubjectKind::Waiver, waivers))
        .add(of_kind(
            ApprovalSubjectKind::Quote,
            crate::quotes::access::visible_ids(viewer),
        ))
        .add(of_kind(
            ApprovalSubjectKind::ContractAmendment,
            crate::contracts::amendments::visible_ids(viewer),
        ))
        .add(of_kind(
            ApprovalSubjectKind::Refund,
            visible_refund_ids(viewer),
        ))
}

/// Refunds follow their customer's payments.
fn visible_refund_ids(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(entity::refund::Column::Id)
        .from(entity::refund::Entity)
        .cond_where(crate::policy::refunds(viewer))
        .to_owned()
}
