//! The audit log as admins read it: newest first, filtered by who acted, on which record,
//! what they did and when.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest, SortKey};
use entity::audit_log::{self, Column, Entity as AuditLog};

/// Longest `action` filter.
pub const MAX_ACTION: usize = 100;

/// Filters of the audit log; every given one must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    /// The record's type (its GraphQL name) and id.
    pub subject: Option<(&'static str, Uuid)>,
    /// An action (`contract.signed`), or a prefix ending in a dot (`contract.`).
    pub action: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// Entries matching `filter`, newest first (admins). Errors: `FORBIDDEN`, `BAD_USER_INPUT`
/// (paging, an action filter too long or with wildcards, `to` before `from`).
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: AuditFilter,
    page: &PageRequest,
) -> AppResult<Page<audit_log::Model>> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    let mut condition = Condition::all();
    if let Some(actor) = filter.actor_id {
        condition = condition.add(Column::ActorId.eq(actor));
    }
    if let Some((kind, id)) = filter.subject {
        condition = condition
            .add(Column::SubjectType.eq(kind))
            .add(Column::SubjectId.eq(id));
    }
    if let Some(action) = filter.action.as_deref().map(str::trim) {
        if action.is_empty()
            || action.len() > MAX_ACTION
            || !action
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
        {
            return Err(AppError::bad_input(
                "filter.action",
                "Name an action such as contract.signed, or a prefix such as contract.",
            ));
        }
        condition = if action.ends_with('.') {
            // Only letters, dots and underscores reach here; `_` matches itself.
            let prefix = LikeExpr::new(format!("{}%", action.replace('_', "\\_"))).escape('\\');
            condition.add(Expr::col((AuditLog, Column::Action)).like(prefix))
        } else {
            condition.add(Column::Action.eq(action))
        };
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to < from
    {
        return Err(AppError::bad_input(
            "filter.to",
            "The end lies before the start",
        ));
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::CreatedAt.lt(to));
    }
    pagination::fetch_sorted(
        db,
        AuditLog::find().filter(condition),
        Column::Id,
        SortKey::Id,
        true,
        page,
        |_| pagination::SortValue::Int(0),
        |entry: &audit_log::Model| entry.id,
    )
    .await
}
