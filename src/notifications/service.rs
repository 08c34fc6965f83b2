//! Writing and reading notifications.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::events::{DomainEvent, EventBus, EventKind};
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest};
use entity::notification::{self, Entity as Notifications};

/// A notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: Uuid,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub subject_type: Option<&'static str>,
    pub subject_id: Option<Uuid>,
}

/// Writes a notification inside the caller's transaction; publish it with [`announce`] after
/// commit.
pub async fn notify(
    db: &impl ConnectionTrait,
    new: NewNotification,
    now: DateTime<Utc>,
) -> AppResult<notification::Model> {
    Ok(notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(new.user_id),
        kind: Set(new.kind.to_owned()),
        title: Set(new.title),
        body: Set(new.body),
        subject_type: Set(new.subject_type.map(str::to_owned)),
        subject_id: Set(new.subject_id),
        read_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await?)
}

/// Tells live subscribers about committed notifications.
pub fn announce(events: &dyn EventBus, written: &[notification::Model]) {
    let pairs: Vec<(Uuid, Uuid)> = written.iter().map(|item| (item.id, item.user_id)).collect();
    announce_ids(events, &pairs);
}

/// [`announce`] for notifications known by `(id, user id)`: what an idempotent call keeps of
/// those it wrote, to announce them after commit without reading them again.
pub fn announce_ids(events: &dyn EventBus, written: &[(Uuid, Uuid)]) {
    for (id, user_id) in written {
        events.publish(DomainEvent {
            kind: EventKind::NotificationCreated,
            subject_id: *id,
            actor_id: None,
            audience: Some(*user_id),
        });
    }
}

/// The viewer's notifications, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    unread_only: bool,
    page: &PageRequest,
) -> AppResult<Page<notification::Model>> {
    let mut condition = Condition::all().add(notification::Column::UserId.eq(viewer.user_id));
    if unread_only {
        condition = condition.add(notification::Column::ReadAt.is_null());
    }
    pagination::fetch_sorted(
        db,
        Notifications::find().filter(condition),
        notification::Column::Id,
        pagination::SortKey::Id,
        true,
        page,
        |_| 0,
        |n| n.id,
    )
    .await
}

/// One of the viewer's notifications. Errors: `NOT_FOUND`.
pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<notification::Model> {
    Notifications::find_by_id(id)
        .filter(notification::Column::UserId.eq(viewer.user_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Notification"))
}

/// Marks the given notifications (or all when `ids` is `None`) of the viewer read; returns how
/// many changed.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: Option<Vec<Uuid>>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let mut update = Notifications::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(now)))
        .col_expr(notification::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            notification::Column::Version,
            Expr::col(notification::Column::Version).add(1),
        )
        .filter(notification::Column::UserId.eq(viewer.user_id))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        update = update.filter(notification::Column::Id.is_in(ids));
    }
    Ok(update.exec(db).await?.rows_affected)
}
