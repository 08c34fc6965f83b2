//! Storing, reading and removing attachments. An upload is checked whole before a byte is
//! stored (size, type by content, image size, EXIF facts, hash), then streamed to storage
//! between a `PENDING` row and its `READY` mark; a removal marks the row `DELETING`, removes
//! the object, then the row. Whatever a crash interrupts, the orphan sweep finishes: no object
//! is ever without a row naming it, and no reader sees a row without its object.

use std::io::{BufReader, Read, Seek};

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::access::{check_changeable, check_visible};
use super::model::{
    AttachmentKind, AttachmentSubjectType as Subject, CHECK_IN, DELETING, PENDING, READY,
};
use super::sniff::{self, FileType, PhotoFacts};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::identity::Viewer;
use crate::input::GeoPoint;
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::attachment::{self, Column, Entity as Attachments};

/// Bytes read to tell a file's type.
const HEAD_BYTES: usize = 64 * 1024;
/// The most rows one sweep run clears.
const SWEEP_BATCH: u64 = 500;

/// A file to store, with what the client says of it.
#[derive(Debug, Clone, Serialize)]
pub struct Upload {
    pub subject: (Subject, Uuid),
    pub kind: AttachmentKind,
    /// Cleaned with [`sniff::clean_file_name`].
    pub file_name: String,
    pub taken_at: Option<DateTime<Utc>>,
    pub location: Option<GeoPoint>,
    pub client_id: Option<Uuid>,
}

/// What the bytes say.
#[derive(Debug, Clone)]
struct Inspection {
    file_type: FileType,
    size: Option<(i32, i32)>,
    facts: PhotoFacts,
    sha256: String,
    byte_size: u64,
}

fn rewind<R: Seek>(reader: &mut R) -> AppResult<()> {
    reader.rewind().map_err(|_| AppError::internal())
}

/// Reads the file through (off the async threads): its type, image size and EXIF facts, and
/// its hash. Errors: `UNSUPPORTED_FILE_TYPE`, `FILE_TOO_LARGE` (pixels), `BAD_USER_INPUT`
/// (a kind the type cannot be), all on `input.file` / `input.kind`.
fn inspect(
    file: std::fs::File,
    file_name: &str,
    kind: AttachmentKind,
    zone: chrono_tz::Tz,
) -> AppResult<Inspection> {
    let mut reader = BufReader::with_capacity(HEAD_BYTES, file);
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut reader)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|_| AppError::internal())?;
    let file_type = sniff::file_type(&head, file_name)?;
    if !kind.admits(file_type.image, file_type.content_type) {
        return Err(AppError::bad_input(
            "input.kind",
            format!(
                "A {} cannot be a {} file",
                kind.as_str(),
                file_type.content_type
            ),
        ));
    }
    let (size, facts) = if file_type.image {
        rewind(&mut reader)?;
        let size = sniff::image_size(&mut reader)?;
        rewind(&mut reader)?;
        (Some(size), sniff::photo_facts(&mut reader, zone))
    } else {
        (None, PhotoFacts::default())
    };
    rewind(&mut reader)?;
    let mut hasher = Sha256::new();
    let byte_size = std::io::copy(&mut reader, &mut hasher).map_err(|_| AppError::internal())?;
    Ok(Inspection {
        file_type,
        size,
        facts,
        sha256: crate::auth::tokens::hex(&hasher.finalize()),
        byte_size,
    })
}

/// Checks the size the file has on disk. Errors: `BAD_USER_INPUT` (empty), `FILE_TOO_LARGE`,
/// on `input.file`.
pub fn check_size(bytes: u64, max: u64) -> AppResult<()> {
    if bytes == 0 {
        return Err(AppError::bad_input("input.file", "The file is empty"));
    }
    if bytes > max {
        return Err(AppError::new(
            ErrorCode::FileTooLarge,
            format!("A file holds at most {max} bytes; this one holds {bytes}"),
        )
        .with_field("input.file"));
    }
    Ok(())
}

/// The key of an attachment's object: by month, then id.
fn storage_key(id: Uuid, now: DateTime<Utc>) -> String {
    format!("attachments/{:04}/{:02}/{id}", now.year(), now.month())
}

/// Removes a row left by an upload that failed; the sweep clears it if this fails too.
async fn forget(state: &AppState, id: Uuid) {
    if let Err(err) = Attachments::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(PENDING))
        .exec(&state.db)
        .await
    {
        tracing::warn!(error = %err, %id, "a failed upload's row stays for the sweep");
    }
}

/// Stores a file on a record the viewer may change. A retry with the same `clientId` and the
/// same bytes answers the first upload. Errors: `NOT_FOUND` (`input.subjectId`), `FORBIDDEN`
/// (a record the viewer may only see), `BAD_USER_INPUT`, `FILE_TOO_LARGE`,
/// `UNSUPPORTED_FILE_TYPE` (`input.file`), `DUPLICATE` (`input.clientId` of another file),
/// `SERVICE_UNAVAILABLE` (storage down; nothing is kept).
pub async fn upload(
    state: &AppState,
    viewer: &Viewer,
    upload: Upload,
    file: std::fs::File,
) -> AppResult<attachment::Model> {
    let bytes = file.metadata().map_err(|_| AppError::internal())?.len();
    check_size(bytes, state.config.upload_max_bytes)?;
    check_changeable(&state.db, viewer, upload.subject, "input.subjectId").await?;
    let reading = file.try_clone().map_err(|_| AppError::internal())?;
    let (name, kind, zone) = (upload.file_name.clone(), upload.kind, viewer.timezone);
    let inspection = tokio::task::spawn_blocking(move || inspect(reading, &name, kind, zone))
        .await
        .map_err(|_| AppError::internal())??;
    let now = state.clock.now();
    let id = crate::ids::new_id(upload.client_id);
    if let Some(existing) = Attachments::find_by_id(id).one(&state.db).await? {
        return replayed(existing, viewer, &upload, &inspection.sha256);
    }
    let position = upload
        .location
        .map(|p| (p.lat, p.lng))
        .or(inspection.facts.position);
    let key = storage_key(id, now);
    let row = attachment::ActiveModel {
        id: Set(id),
        subject_type: Set(upload.subject.0.as_str().to_owned()),
        subject_id: Set(upload.subject.1),
        kind: Set(upload.kind.as_str().to_owned()),
        status: Set(PENDING.to_owned()),
        purpose: Set(None),
        file_name: Set(upload.file_name.clone()),
        content_type: Set(inspection.file_type.content_type.to_owned()),
        byte_size: Set(i64::try_from(inspection.byte_size).map_err(|_| AppError::internal())?),
        sha256: Set(inspection.sha256.clone()),
        width: Set(inspection.size.map(|s| s.0)),
        height: Set(inspection.size.map(|s| s.1)),
        taken_at: Set(upload.taken_at.or(inspection.facts.taken_at)),
        latitude: Set(position.map(|p| p.0)),
        longitude: Set(position.map(|p| p.1)),
        storage_key: Set(key.clone()),
        uploaded_by: Set(viewer.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    if let Err(err) = row.insert(&state.db).await {
        // The same id inserted at once by a retry racing the first attempt.
        return match Attachments::find_by_id(id).one(&state.db).await? {
            Some(existing) => replayed(existing, viewer, &upload, &inspection.sha256),
            None => Err(err.into()),
        };
    }
    match state.storage.put_file(&key, file).await {
        Ok(written) if written == inspection.byte_size => {}
        outcome => {
            // A short write (the file changed under us) is a failure too.
            let _ = state.storage.delete(&key).await;
            forget(state, id).await;
            return Err(outcome.err().unwrap_or_else(AppError::internal));
        }
    }
    match mark_ready(state, viewer, id, &upload).await {
        Ok(stored) => Ok(stored),
        Err(err) => {
            // Nothing half-kept: the object goes, then its row.
            if state.storage.delete(&key).await.is_ok() {
                forget(state, id).await;
            }
            Err(err)
        }
    }
}

/// The first upload under a client id, answered again for the same person, record and bytes.
fn replayed(
    existing: attachment::Model,
    viewer: &Viewer,
    upload: &Upload,
    sha256: &str,
) -> AppResult<attachment::Model> {
    let same = existing.uploaded_by == viewer.user_id
        && existing.subject_id == upload.subject.1
        && existing.sha256 == sha256;
    match existing.status.as_str() {
        READY if same => Ok(existing),
        PENDING if same => Err(AppError::new(
            ErrorCode::ServiceUnavailable,
            "This upload is still being stored; retry in a moment",
        )),
        _ => Err(AppError::duplicate(
            "input.clientId",
            "Another file was uploaded with this client id",
        )),
    }
}

async fn mark_ready(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    upload: &Upload,
) -> AppResult<attachment::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let marked = Attachments::update_many()
        .col_expr(Column::Status, sea_orm::sea_query::Expr::value(READY))
        .col_expr(Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(PENDING))
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::ServiceUnavailable,
            "The upload took too long to store; send it again",
        ));
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "attachment.uploaded",
        subject_type: "Attachment",
        subject_id: id,
        details: serde_json::json!({
            "subjectType": upload.subject.0.as_str(),
            "subjectId": upload.subject.1,
            "kind": upload.kind.as_str(),
        }),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Attachments::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// The subject of a stored row.
pub fn subject_of(row: &attachment::Model) -> AppResult<(Subject, Uuid)> {
    Subject::parse(&row.subject_type)
        .map(|kind| (kind, row.subject_id))
        .ok_or_else(AppError::internal)
}

/// A stored attachment whose record the viewer may see. Errors: `NOT_FOUND`.
pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<attachment::Model> {
    let missing = || AppError::not_found("Attachment");
    let row = Attachments::find_by_id(id)
        .filter(Column::Status.eq(READY))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    check_visible(db, viewer, subject_of(&row)?, "id")
        .await
        .map_err(|err| match err.code {
            ErrorCode::NotFound => missing(),
            _ => err,
        })?;
    Ok(row)
}

/// Removes an attachment from a record the viewer may change; a check-in's proof photo stays
/// with its visit. Errors: `NOT_FOUND` (`input.id`), `FORBIDDEN`, `INVALID_STATE`.
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Uuid> {
    let missing = || AppError::not_found("Attachment").with_field("input.id");
    let row = get(&state.db, viewer, id)
        .await
        .map_err(|err| match err.code {
            ErrorCode::NotFound => missing(),
            _ => err,
        })?;
    check_changeable(&state.db, viewer, subject_of(&row)?, "input.id")
        .await
        .map_err(|err| match err.code {
            ErrorCode::NotFound => missing(),
            _ => err,
        })?;
    if row.purpose.as_deref() == Some(CHECK_IN) {
        return Err(AppError::invalid_state(
            "A photo given as on-site proof at check-in stays with the visit",
        ));
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let marked = Attachments::update_many()
        .col_expr(Column::Status, sea_orm::sea_query::Expr::value(DELETING))
        .col_expr(Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(READY))
        .filter(Column::Purpose.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        return Err(missing());
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "attachment.deleted",
        subject_type: "Attachment",
        subject_id: id,
        details: serde_json::json!({ "fileName": row.file_name }),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    // Gone for readers now; the object and row follow, or the sweep removes them later.
    if state.storage.delete(&row.storage_key).await.is_ok() {
        Attachments::delete_many()
            .filter(Column::Id.eq(id))
            .filter(Column::Status.eq(DELETING))
            .exec(&state.db)
            .await?;
    }
    Ok(id)
}

/// Marks the files on these records (gone for good: purged from the recycle bin) for removal;
/// the orphan sweep deletes their objects and rows.
pub async fn discard_of_subjects(
    db: &impl ConnectionTrait,
    subjects: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(Attachments::update_many()
        .col_expr(Column::Status, sea_orm::sea_query::Expr::value(DELETING))
        .col_expr(Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(Column::SubjectId.is_in(subjects.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}

/// The stored attachments of these records, newest first (at most `limit` in all).
pub async fn of_subjects(
    db: &impl ConnectionTrait,
    subjects: &[Uuid],
    kind: Option<AttachmentKind>,
    limit: u64,
) -> AppResult<Vec<attachment::Model>> {
    let mut query = Attachments::find()
        .filter(Column::SubjectId.is_in(subjects.iter().copied()))
        .filter(Column::Status.eq(READY));
    if let Some(kind) = kind {
        query = query.filter(Column::Kind.eq(kind.as_str()));
    }
    Ok(query
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Clears what crashes left: rows still `PENDING` or `DELETING` after
/// `SALESGRAPH_ATTACHMENT_ORPHAN_SECS`, each object first and then its row.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let age = chrono::Duration::seconds(
        i64::try_from(state.config.attachment_orphan_secs).unwrap_or(i64::MAX / 2_000),
    );
    let Some(before) = now.checked_sub_signed(age) else {
        return Ok(SweepReport {
            ran: true,
            affected: 0,
        });
    };
    let stale = Attachments::find()
        .filter(Column::Status.is_in([PENDING, DELETING]))
        .filter(Column::UpdatedAt.lt(before))
        .order_by_asc(Column::UpdatedAt)
        .limit(SWEEP_BATCH)
        .all(&state.db)
        .await?;
    let mut affected = 0;
    for row in stale {
        state.storage.delete(&row.storage_key).await?;
        affected += Attachments::delete_many()
            .filter(Column::Id.eq(row.id))
            .filter(Column::Status.eq(row.status.as_str()))
            .filter(Column::UpdatedAt.eq(row.updated_at))
            .exec(&state.db)
            .await?
            .rows_affected;
    }
    Ok(SweepReport {
        ran: true,
        affected,
    })
}
