//! Who may read and who may add to or remove a record's files. Reading follows the record:
//! whoever sees it sees its files. Changing follows the record's own write rule, so a record
//! seen through a split, its customer or a team link is read-only here too; one that is not
//! visible answers exactly like a missing one.

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::model::AttachmentSubjectType as Subject;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::identity::{Role, Viewer};

/// A missing or invisible record, named by `field`.
fn missing(field: &str) -> AppError {
    AppError::not_found("Record").with_field(field)
}

/// Whether the viewer may see the record. Errors: `NOT_FOUND` on `field`.
pub async fn check_visible(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    (kind, id): (Subject, Uuid),
    field: &str,
) -> AppResult<()> {
    let seen = match kind {
        Subject::Visit => crate::visits::service::get_visit(db, viewer, id)
            .await
            .map(|_| ()),
        Subject::FollowUp => crate::followups::service::get_follow_up(db, viewer, id)
            .await
            .map(|_| ()),
        Subject::Customer => crate::customers::access::get_customer(db, viewer, id)
            .await
            .map(|_| ()),
        Subject::Opportunity => crate::opportunities::access::get_opportunity(db, viewer, id)
            .await
            .map(|_| ()),
        Subject::Contract => crate::contracts::access::get_contract(db, viewer, id)
            .await
            .map(|_| ()),
        Subject::Quote => crate::quotes::access::get_quote(db, viewer, id)
            .await
            .map(|_| ()),
    };
    seen.map_err(|err| match err.code {
        ErrorCode::NotFound | ErrorCode::Forbidden => missing(field),
        _ => err,
    })
}

/// Whether the viewer may add files to the record or remove them: they see it and may change
/// it, by the record's own rule. Errors: `NOT_FOUND` on `field` (not visible), `FORBIDDEN`
/// on `field` (visible, read-only).
pub async fn check_changeable(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    subject: (Subject, Uuid),
    field: &str,
) -> AppResult<()> {
    check_visible(db, viewer, subject, field).await?;
    let read_only = || AppError::read_only("record").with_field(field);
    if !viewer.role.sells() {
        return Err(read_only());
    }
    let (kind, id) = subject;
    let changed = match kind {
        // Visits and customers are visible only to those who may change them.
        Subject::Visit | Subject::Customer => Ok(()),
        // A follow-up is its author's record.
        Subject::FollowUp => {
            let note = crate::followups::service::get_follow_up(db, viewer, id).await?;
            if viewer.role == Role::Admin || note.author_id == viewer.user_id {
                Ok(())
            } else {
                Err(read_only())
            }
        }
        Subject::Opportunity => {
            crate::opportunities::access::opportunity_for_change(db, viewer, id)
                .await
                .map(|_| ())
        }
        Subject::Quote => crate::quotes::access::quote_for_change(db, viewer, id)
            .await
            .map(|_| ()),
        Subject::Contract => {
            let changeable = entity::contract::Entity::find_by_id(id)
                .filter(crate::policy::changeable_contracts(viewer))
                .count(db)
                .await?;
            if changeable > 0 {
                Ok(())
            } else {
                Err(read_only())
            }
        }
    };
    changed.map_err(|err| match err.code {
        ErrorCode::Forbidden => read_only(),
        ErrorCode::NotFound => missing(field),
        _ => err,
    })
}
