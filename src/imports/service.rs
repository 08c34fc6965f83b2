//! Running an import. `prepare` reads the file once (its header, its row count, its encoding,
//! its fingerprint) and finds or makes its job; `run` then reads it again on a blocking thread,
//! a batch of rows at a time, and writes each batch with the job's progress in one transaction.
//! A re-run of the same file by the same user is the same job: finished, it answers as it
//! ended; interrupted, it resumes after the last batch written; running elsewhere (its lease
//! held), it is left to that runner. A dry run checks everything and writes only its job.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use encoding_rs::Encoding;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::columns::Columns;
pub use super::kinds::{ImportKind, ImportStatus, Request};
use super::rows::{Batch, Outcome, RowError, Seen};
use super::table::{self, ImportFormat, Row, Survey};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::{import, import_error};

/// Rows written per transaction.
pub const BATCH_ROWS: usize = 500;
/// How long a runner holds its job between batches before another may take it over.
const LEASE_SECS: i64 = 120;

/// Where the batches' outcomes go: the job's rows, or (a dry run on the command line, which
/// writes nothing at all) memory.
pub enum Ledger {
    Stored(import::Model),
    Memory {
        processed: i64,
        created: i64,
        errors: Vec<RowError>,
    },
}

/// A file checked and its job found or made.
pub struct Prepared {
    pub ledger: Ledger,
    /// False when the job is finished or held by another runner: there is nothing to run.
    pub runnable: bool,
    survey: Survey,
    columns: Columns,
    request: Request,
}

impl Prepared {
    /// Data rows in the file.
    pub fn total(&self) -> i64 {
        self.survey.total
    }
}

/// Reads the file once (on a blocking thread): its survey, its columns and its fingerprint.
async fn inspect(
    state: &AppState,
    viewer: &Viewer,
    request: &Request,
    file: &mut std::fs::File,
) -> AppResult<(Survey, Columns, String)> {
    let mut reading = file.try_clone().map_err(|_| AppError::internal())?;
    let (format, encoding, max_rows) = (
        request.format,
        request.encoding,
        state.config.import_max_rows,
    );
    let survey = tokio::task::spawn_blocking(move || {
        table::survey(&mut reading, format, encoding, max_rows)
    })
    .await
    .map_err(|_| AppError::internal())??;
    let columns = Columns::resolve(
        request.kind.fields(),
        request.kind.required(),
        &survey.header,
        &request.mapping,
    )?;
    if request.kind == ImportKind::Contacts {
        super::contacts::check_columns(&columns)?;
    }
    let mut hashing = file.try_clone().map_err(|_| AppError::internal())?;
    let mut hasher = Sha256::new();
    for part in [
        viewer.user_id.to_string().as_str(),
        request.kind.as_str(),
        request.format.as_str(),
        survey.encoding.name(),
        if request.dry_run { "dry" } else { "real" },
        request.mapping.canonical().as_str(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    let hasher = tokio::task::spawn_blocking(move || {
        use std::io::{Seek, SeekFrom};
        hashing.seek(SeekFrom::Start(0)).ok()?;
        let mut hasher = hasher;
        std::io::copy(&mut hashing, &mut hasher).ok()?;
        Some(hasher)
    })
    .await
    .map_err(|_| AppError::internal())?
    .ok_or_else(AppError::internal)?;
    let fingerprint = format!("{:x}", hasher.finalize());
    Ok((survey, columns, fingerprint))
}

/// Checks the file and finds or makes its job (audited as `import.started`); with
/// `stored: false` (a dry run on the command line) no job is written. Errors: `FORBIDDEN`,
/// `BAD_USER_INPUT` (`input.file`: unreadable, bad header), `FILE_TOO_LARGE`.
pub async fn prepare(
    state: &AppState,
    viewer: &Viewer,
    request: Request,
    file: &mut std::fs::File,
    stored: bool,
) -> AppResult<Prepared> {
    super::kinds::check_allowed(viewer, request.kind)?;
    let (survey, columns, fingerprint) = inspect(state, viewer, &request, file).await?;
    let now = state.clock.now();
    let ledger = if stored {
        Ledger::Stored(job_of(state, viewer, &request, &survey, fingerprint, now).await?)
    } else {
        Ledger::Memory {
            processed: 0,
            created: 0,
            errors: Vec::new(),
        }
    };
    let runnable = match &ledger {
        Ledger::Memory { .. } => true,
        Ledger::Stored(job) => claim(&state.db, job.id, now).await?,
    };
    Ok(Prepared {
        ledger,
        runnable,
        survey,
        columns,
        request,
    })
}

/// The job of this fingerprint, made when new.
async fn job_of(
    state: &AppState,
    viewer: &Viewer,
    request: &Request,
    survey: &Survey,
    fingerprint: String,
    now: DateTime<Utc>,
) -> AppResult<import::Model> {
    let existing = || async {
        import::Entity::find()
            .filter(import::Column::Fingerprint.eq(fingerprint.as_str()))
            .one(&state.db)
            .await
    };
    if let Some(job) = existing().await? {
        return Ok(job);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let inserted = import::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(viewer.user_id),
        kind: Set(request.kind.as_str().to_owned()),
        fingerprint: Set(fingerprint.clone()),
        dry_run: Set(request.dry_run),
        status: Set(ImportStatus::Running.as_str().to_owned()),
        total: Set(survey.total),
        processed: Set(0),
        created: Set(0),
        error_count: Set(0),
        lease_until: Set(None),
        failure: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    }
    .insert(&txn)
    .await;
    let job = match inserted {
        Ok(job) => job,
        // The same file started at once by a retry: the first one's job.
        Err(err) if is_unique_violation(&err) => {
            drop(txn);
            return existing().await?.ok_or_else(AppError::internal);
        }
        Err(err) => return Err(err.into()),
    };
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "import.started",
        subject_type: "ImportJob",
        subject_id: job.id,
        details: serde_json::json!({"kind": request.kind.as_str(), "rows": survey.total,
            "dryRun": request.dry_run}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(job)
}

/// Takes the job's lease unless it is finished or another runner holds it.
async fn claim(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> AppResult<bool> {
    let taken = import::Entity::update_many()
        .col_expr(
            import::Column::LeaseUntil,
            Expr::value(now + Duration::seconds(LEASE_SECS)),
        )
        .col_expr(
            import::Column::Status,
            Expr::value(ImportStatus::Running.as_str()),
        )
        .col_expr(import::Column::Failure, Expr::value(Option::<String>::None))
        .col_expr(import::Column::UpdatedAt, Expr::value(now))
        .filter(import::Column::Id.eq(id))
        .filter(import::Column::Status.ne(ImportStatus::Done.as_str()))
        .filter(
            import::Column::LeaseUntil
                .is_null()
                .or(import::Column::LeaseUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Reads the rows after the first `skip` on a blocking thread, in batches, into a channel of
/// two batches (so memory holds at most three batches, whatever the file's length).
fn read_batches(
    mut file: std::fs::File,
    format: ImportFormat,
    encoding: &'static Encoding,
    skip: i64,
) -> tokio::sync::mpsc::Receiver<AppResult<Vec<Row>>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        let mut index = -1i64;
        let read = table::each_row(&mut file, format, encoding, |row| {
            index += 1;
            // The header, then the rows already done.
            if index == 0 || index <= skip {
                return true;
            }
            batch.push(row);
            if batch.len() == BATCH_ROWS {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                return sender.blocking_send(Ok(full)).is_ok();
            }
            true
        });
        let last = match read {
            Ok(()) if batch.is_empty() => return,
            Ok(()) => Ok(batch),
            Err(err) => Err(err),
        };
        let _ = sender.blocking_send(last);
    });
    receiver
}

/// Runs a prepared import to its end, calling `progress` after each batch with the rows done.
/// A failure stops the job as `FAILED` (what was written stays; a re-run resumes).
pub async fn run(
    state: Arc<AppState>,
    viewer: Viewer,
    mut prepared: Prepared,
    file: std::fs::File,
    mut progress: impl FnMut(i64),
) -> AppResult<Ledger> {
    let skip = match &prepared.ledger {
        Ledger::Stored(job) => job.processed,
        Ledger::Memory { .. } => 0,
    };
    let mut batches = read_batches(
        file,
        prepared.request.format,
        prepared.survey.encoding,
        skip,
    );
    let mut seen = Seen::default();
    let mut done = skip;
    // False when another runner took the job over: its ending is its own.
    let result: AppResult<bool> = async {
        while let Some(rows) = batches.recv().await {
            let rows = rows?;
            let count = rows.len() as i64;
            let outcome = write_batch(&state, &viewer, &mut prepared, &mut seen, rows).await?;
            let Some(outcome) = outcome else {
                return Ok(false);
            };
            done += count;
            if let Ledger::Memory {
                processed,
                created,
                errors,
            } = &mut prepared.ledger
            {
                *processed += count;
                *created += outcome.created;
                errors.extend(outcome.errors);
            }
            progress(done);
        }
        Ok(true)
    }
    .await;
    if let Ledger::Stored(job) = &prepared.ledger
        && !matches!(result, Ok(false))
    {
        let ended = end(&state, &viewer, job.id, result.as_ref().err()).await?;
        prepared.ledger = Ledger::Stored(ended);
    }
    result.map(|_| prepared.ledger)
}

/// Checks and writes one batch with the job's progress; `None` when another runner moved the
/// job on meanwhile (nothing of this batch is kept).
async fn write_batch(
    state: &AppState,
    viewer: &Viewer,
    prepared: &mut Prepared,
    seen: &mut Seen,
    rows: Vec<Row>,
) -> AppResult<Option<Outcome>> {
    let now = state.clock.now();
    let count = rows.len() as i64;
    let (import_id, processed, write) = match &prepared.ledger {
        Ledger::Stored(job) => (job.id, job.processed, !job.dry_run),
        Ledger::Memory { .. } => (Uuid::nil(), 0, false),
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let batch = Batch {
        viewer,
        columns: &prepared.columns,
        rows,
        seen,
        write,
        import_id,
        now,
        country_code: &state.config.default_country_code,
    };
    let outcome = match prepared.request.kind {
        ImportKind::Customers => super::customers::write(&txn, batch).await?,
        ImportKind::Contacts => super::contacts::write(&txn, batch).await?,
        ImportKind::Leads => super::leads::write(&txn, batch, state.config.lead_pool_days).await?,
        ImportKind::Products => super::products::write(&txn, batch).await?,
    };
    let Ledger::Stored(job) = &mut prepared.ledger else {
        // A dry run on the command line: the transaction only read.
        return Ok(Some(outcome));
    };
    for part in outcome.errors.chunks(1_000) {
        import_error::Entity::insert_many(part.iter().map(|e| import_error::ActiveModel {
            id: Set(Uuid::now_v7()),
            import_id: Set(import_id),
            row_number: Set(e.row),
            field: Set(e.field.chars().take(64).collect()),
            code: Set(e.code.as_str().to_owned()),
            message: Set(e.message.clone()),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    let errors = outcome.errors.len() as i64;
    let moved = import::Entity::update_many()
        .col_expr(
            import::Column::Processed,
            Expr::col(import::Column::Processed).add(count),
        )
        .col_expr(
            import::Column::Created,
            Expr::col(import::Column::Created).add(outcome.created),
        )
        .col_expr(
            import::Column::ErrorCount,
            Expr::col(import::Column::ErrorCount).add(errors),
        )
        .col_expr(
            import::Column::LeaseUntil,
            Expr::value(now + Duration::seconds(LEASE_SECS)),
        )
        .col_expr(import::Column::UpdatedAt, Expr::value(now))
        .filter(import::Column::Id.eq(import_id))
        .filter(import::Column::Processed.eq(processed))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(None);
    }
    txn.commit().await?;
    job.processed += count;
    job.created += outcome.created;
    job.error_count += errors;
    Ok(Some(outcome))
}

/// Ends the job: `DONE` (audited as `import.finished`) or `FAILED` with the reason.
async fn end(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    failure: Option<&AppError>,
) -> AppResult<import::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let job = import::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::internal)?;
    // Another runner took over: its ending is its own.
    if job.status != ImportStatus::Running.as_str() {
        return Ok(job);
    }
    let finished = failure.is_none() && job.processed >= job.total;
    let status = if finished {
        ImportStatus::Done
    } else {
        ImportStatus::Failed
    };
    let ended = import::ActiveModel {
        id: Set(id),
        status: Set(status.as_str().to_owned()),
        lease_until: Set(None),
        failure: Set((!finished).then(|| {
            failure.map_or_else(
                || "The import stopped before its last row".to_owned(),
                |err| err.message.clone(),
            )
        })),
        updated_at: Set(now),
        finished_at: Set(finished.then_some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: if finished {
            "import.finished"
        } else {
            "import.failed"
        },
        subject_type: "ImportJob",
        subject_id: id,
        details: serde_json::json!({"processed": ended.processed, "created": ended.created,
            "errors": ended.error_count}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// The viewer's own import `id`. Errors: `NOT_FOUND` (missing, or someone else's).
pub async fn get(db: &impl ConnectionTrait, viewer: &Viewer, id: Uuid) -> AppResult<import::Model> {
    import::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|job| job.user_id == viewer.user_id)
        .ok_or_else(|| AppError::not_found("ImportJob"))
}
