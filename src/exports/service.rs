//! Asking for an export and reading it: `startExport` writes down what was asked (audited) and
//! answers a signed link; reading the link streams the rows as they are then, within the
//! asker's visibility, and notes how many were read (audited too).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use super::rows::{ExportFilter, ExportFormat, ExportKind, check_allowed};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::export;

/// What the download link of an export names.
pub const LINK_KIND: &str = "export";

/// An export as asked, with its parts read back.
#[derive(Debug, Clone)]
pub struct Export {
    pub model: export::Model,
    pub kind: ExportKind,
    pub format: ExportFormat,
    pub filter: ExportFilter,
}

impl TryFrom<export::Model> for Export {
    type Error = AppError;

    fn try_from(model: export::Model) -> AppResult<Self> {
        let kind = ExportKind::parse(&model.kind).ok_or_else(AppError::internal)?;
        let format = ExportFormat::parse(&model.format).ok_or_else(AppError::internal)?;
        let filter = serde_json::from_str(&model.filter).map_err(|_| AppError::internal())?;
        Ok(Self {
            model,
            kind,
            format,
            filter,
        })
    }
}

/// Writes down an export of `kind` for the viewer (people only: keys read through the API).
/// Errors: `FORBIDDEN` (a kind the role may not list, a service account).
pub async fn start(
    state: &AppState,
    viewer: &Viewer,
    kind: ExportKind,
    format: ExportFormat,
    filter: ExportFilter,
) -> AppResult<Export> {
    check_allowed(viewer, kind)?;
    if viewer.service.is_some() {
        return Err(AppError::forbidden());
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let filter_json = serde_json::to_string(&filter).map_err(|_| AppError::internal())?;
    let model = export::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(viewer.user_id),
        kind: Set(kind.as_str().to_owned()),
        format: Set(format.as_str().to_owned()),
        filter: Set(filter_json),
        row_count: Set(None),
        created_at: Set(now),
        downloaded_at: Set(None),
    }
    .insert(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "export.started",
        subject_type: "Export",
        subject_id: model.id,
        details: serde_json::json!({"kind": kind.as_str(), "format": format.as_str(),
            "filter": filter}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Export::try_from(model)
}

/// The viewer's own export `id`. Errors: `NOT_FOUND` (missing, or someone else's).
pub async fn get(db: &impl ConnectionTrait, viewer: &Viewer, id: Uuid) -> AppResult<Export> {
    export::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|e| e.user_id == viewer.user_id)
        .ok_or_else(|| AppError::not_found("Export"))
        .and_then(Export::try_from)
}

/// Notes that the export was read in full: how many rows, when (audited).
pub async fn finished(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    rows: i64,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let txn = crate::db::begin_write(&state.db).await?;
    export::ActiveModel {
        id: Set(id),
        row_count: Set(Some(rows)),
        downloaded_at: Set(Some(at)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "export.downloaded",
        subject_type: "Export",
        subject_id: id,
        details: serde_json::json!({"rows": rows}),
    }
    .record(&txn, at)
    .await?;
    txn.commit().await?;
    Ok(())
}
