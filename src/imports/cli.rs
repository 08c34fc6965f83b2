//! `salesgraph import`: a file imported as a user, with a progress bar on standard error and
//! the refused rows written to an error file. A dry run writes nothing at all, not even its
//! job; a real run is a job like one started through the API, so running the same file again
//! resumes it or reports how it ended.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::columns::Mapping;
use super::rows::RowError;
use super::service::{self, ImportKind, Ledger, Request};
use super::table::{ImportFormat, encoding_named};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: ImportKind,
    pub file: PathBuf,
    /// The e-mail of the person importing.
    pub as_user: String,
    pub dry_run: bool,
    pub mapping: Option<PathBuf>,
    pub encoding: Option<String>,
    pub format: Option<ImportFormat>,
    /// Where refused rows go; beside the file (`x.errors.csv`) when omitted.
    pub errors: Option<PathBuf>,
    /// Show a progress bar.
    pub progress: bool,
}

/// How an import on the command line ended.
#[derive(Debug, Clone)]
pub struct Summary {
    pub total: i64,
    pub processed: i64,
    pub created: i64,
    pub refused: i64,
    pub dry_run: bool,
    /// The job's status (`DONE`, …); none for a dry run.
    pub status: Option<String>,
    /// The error file, when rows were refused.
    pub errors_file: Option<PathBuf>,
}

impl Summary {
    /// One line for a person.
    pub fn describe(&self) -> String {
        let verb = if self.dry_run {
            "would be written"
        } else {
            "written"
        };
        let mut line = format!(
            "{} of {} rows read: {} {verb}, {} refused",
            self.processed, self.total, self.created, self.refused
        );
        if let Some(status) = &self.status {
            line.push_str(&format!(" (import {status})"));
        }
        if let Some(file) = &self.errors_file {
            line.push_str(&format!("; refused rows in {}", file.display()));
        }
        line
    }
}

fn errors_path(options: &Options) -> PathBuf {
    options.errors.clone().unwrap_or_else(|| {
        let mut name = options.file.clone().into_os_string();
        name.push(".errors.csv");
        PathBuf::from(name)
    })
}

/// Runs the import the options describe.
pub async fn import(state: Arc<AppState>, options: Options) -> AppResult<Summary> {
    let viewer = crate::auth::on_behalf::viewer_for_email(&state, &options.as_user, "as").await?;
    let mapping = match &options.mapping {
        None => Mapping::default(),
        Some(path) => Mapping::from_toml(&std::fs::read_to_string(path).map_err(|e| {
            AppError::bad_input("mapping", format!("Cannot read the mapping: {e}"))
        })?)?,
    };
    let request = Request {
        kind: options.kind,
        format: options
            .format
            .unwrap_or_else(|| ImportFormat::of_name(&options.file.to_string_lossy())),
        encoding: options
            .encoding
            .as_deref()
            .map(|label| encoding_named(label, "encoding"))
            .transpose()?,
        mapping,
        dry_run: options.dry_run,
    };
    let mut file = std::fs::File::open(&options.file)
        .map_err(|e| AppError::bad_input("file", format!("Cannot read the file: {e}")))?;
    let prepared = service::prepare(&state, &viewer, request, &mut file, !options.dry_run).await?;
    let total = prepared.total();
    let ledger = if prepared.runnable {
        let bar = if options.progress {
            indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(0))
        } else {
            indicatif::ProgressBar::hidden()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rows  {per_sec}  {eta} left",
            )
            .map_err(|_| AppError::internal())?,
        );
        let ledger = service::run(state.clone(), viewer, prepared, file, |done| {
            bar.set_position(u64::try_from(done).unwrap_or(0));
        })
        .await?;
        bar.finish_and_clear();
        ledger
    } else {
        prepared.ledger
    };
    let errors_file = errors_path(&options);
    Ok(match ledger {
        Ledger::Memory {
            processed,
            created,
            errors,
        } => {
            let refused = errors
                .iter()
                .map(|e| e.row)
                .collect::<std::collections::BTreeSet<_>>();
            let written = write_memory_errors(&errors, &errors_file)?;
            Summary {
                total,
                processed,
                created,
                refused: refused.len() as i64,
                dry_run: true,
                status: None,
                errors_file: written.then_some(errors_file),
            }
        }
        Ledger::Stored(job) => {
            let written = write_stored_errors(&state, job.id, &errors_file).await?;
            let refused = job.processed - job.created;
            Summary {
                total: job.total,
                processed: job.processed,
                created: job.created,
                refused: refused.max(0),
                dry_run: job.dry_run,
                status: Some(job.status),
                errors_file: written.then_some(errors_file),
            }
        }
    })
}

fn create(path: &Path) -> AppResult<std::fs::File> {
    std::fs::File::create(path)
        .map_err(|e| AppError::bad_input("errors", format!("Cannot write the error file: {e}")))
}

/// Writes a dry run's refused rows; false (and no file) when there are none.
fn write_memory_errors(errors: &[RowError], path: &Path) -> AppResult<bool> {
    use std::io::Write;
    if errors.is_empty() {
        return Ok(false);
    }
    let mut out = create(path)?;
    let bytes = super::errors::csv_part(
        errors
            .iter()
            .map(|e| (e.row, e.field.as_str(), e.code.as_str(), e.message.as_str())),
        true,
    )?;
    out.write_all(&bytes).map_err(|_| AppError::internal())?;
    Ok(true)
}

/// Writes a job's refused rows, a page at a time; false (and no file) when there are none.
async fn write_stored_errors(state: &AppState, id: uuid::Uuid, path: &Path) -> AppResult<bool> {
    use std::io::Write;
    let mut after = None;
    let mut out: Option<std::fs::File> = None;
    loop {
        let page = super::errors::page(&state.db, id, after, super::errors::PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some((last.row_number, last.id));
        let first = out.is_none();
        let bytes = super::errors::csv_part(
            page.iter().map(|e| {
                (
                    e.row_number,
                    e.field.as_str(),
                    e.code.as_str(),
                    e.message.as_str(),
                )
            }),
            first,
        )?;
        let file = match &mut out {
            Some(file) => file,
            None => out.insert(create(path)?),
        };
        file.write_all(&bytes).map_err(|_| AppError::internal())?;
        if (page.len() as u64) < super::errors::PAGE {
            break;
        }
    }
    Ok(out.is_some())
}
