//! Writing an export: pages of rows read one after another and written out as they come, so
//! memory holds one page whatever the table's size. CSV leaves as it is written; an XLSX sheet
//! is written in constant-memory mode to a temporary file, then read out.

use std::io::{Read, Seek, Write};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::rows::{ExportFormat, headers, neutralise, page};
use super::service::Export;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;

/// Bytes handed on at a time.
const CHUNK: usize = 64 * 1024;

/// Where the file goes: a channel to a response body, or a file for the command line.
pub trait Sink {
    /// Takes the next bytes; `false` when nobody reads any more (the client went away).
    fn put(&mut self, bytes: Vec<u8>) -> bool;
}

/// Sends to a streamed response.
impl Sink for mpsc::Sender<Result<Bytes, std::io::Error>> {
    fn put(&mut self, bytes: Vec<u8>) -> bool {
        self.blocking_send(Ok(Bytes::from(bytes))).is_ok()
    }
}

/// Writes to a file (the command line).
#[derive(Debug)]
pub struct FileSink(pub std::fs::File);

impl Sink for FileSink {
    fn put(&mut self, bytes: Vec<u8>) -> bool {
        self.0.write_all(&bytes).is_ok()
    }
}

fn csv_record(cells: &[impl AsRef<str>]) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(cells.iter().map(|c| neutralise(c.as_ref()).into_owned()))
        .map_err(|_| AppError::internal())?;
    writer.into_inner().map_err(|_| AppError::internal())
}

fn xlsx_error(err: rust_xlsxwriter::XlsxError) -> AppError {
    tracing::error!(error = %err, "writing an export workbook failed");
    AppError::internal()
}

/// Writes the whole export into `sink` on the current (blocking) thread, reading pages through
/// `runtime`; the rows written, or `None` when the reader went away.
pub fn write(
    runtime: &tokio::runtime::Handle,
    state: &AppState,
    viewer: &Viewer,
    export: &Export,
    sink: &mut impl Sink,
) -> AppResult<Option<i64>> {
    let header = headers(export.kind);
    let mut rows = 0_i64;
    let mut after = None;
    match export.format {
        ExportFormat::Csv => {
            // A byte-order mark: spreadsheets then read the file as UTF-8 (Chinese names).
            let mut first = vec![0xEF, 0xBB, 0xBF];
            first.extend(csv_record(header)?);
            if !sink.put(first) {
                return Ok(None);
            }
            loop {
                let batch = runtime.block_on(page(
                    &state.db,
                    viewer,
                    export.kind,
                    &export.filter,
                    after,
                ))?;
                let last = batch.len() < usize::try_from(super::rows::PAGE_ROWS).unwrap_or(0);
                let mut out = Vec::with_capacity(CHUNK);
                for (id, cells) in &batch {
                    out.extend(csv_record(cells)?);
                    after = Some(*id);
                    rows += 1;
                }
                if !out.is_empty() && !sink.put(out) {
                    return Ok(None);
                }
                if last {
                    return Ok(Some(rows));
                }
            }
        }
        ExportFormat::Xlsx => {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_error)?;
            for (col, name) in header.iter().enumerate() {
                let col = u16::try_from(col).map_err(|_| AppError::internal())?;
                sheet.write_string(0, col, *name).map_err(xlsx_error)?;
            }
            loop {
                let batch = runtime.block_on(page(
                    &state.db,
                    viewer,
                    export.kind,
                    &export.filter,
                    after,
                ))?;
                let last = batch.len() < usize::try_from(super::rows::PAGE_ROWS).unwrap_or(0);
                for (id, cells) in &batch {
                    rows += 1;
                    let row = u32::try_from(rows).map_err(|_| AppError::internal())?;
                    for (col, cell) in cells.iter().enumerate() {
                        let col = u16::try_from(col).map_err(|_| AppError::internal())?;
                        // Text cells are never run; neutralised too, for files copied onward.
                        sheet
                            .write_string(row, col, neutralise(cell))
                            .map_err(xlsx_error)?;
                    }
                    after = Some(*id);
                }
                if last {
                    break;
                }
            }
            let mut file = tempfile::tempfile().map_err(|_| AppError::internal())?;
            workbook.save_to_writer(&mut file).map_err(xlsx_error)?;
            file.rewind().map_err(|_| AppError::internal())?;
            let mut buffer = vec![0_u8; CHUNK];
            loop {
                let read = file.read(&mut buffer).map_err(|_| AppError::internal())?;
                if read == 0 {
                    return Ok(Some(rows));
                }
                if !sink.put(buffer[..read].to_vec()) {
                    return Ok(None);
                }
            }
        }
    }
}

/// The command line's export: as the active person `email` (whose visibility the rows follow),
/// into `path`; the rows written. Audited like an export through the API.
pub async fn to_file(
    state: std::sync::Arc<AppState>,
    email: &str,
    kind: super::rows::ExportKind,
    format: ExportFormat,
    filter: super::rows::ExportFilter,
    path: &std::path::Path,
) -> AppResult<i64> {
    let viewer = crate::auth::on_behalf::viewer_for_email(&state, email, "as").await?;
    let export = super::service::start(&state, &viewer, kind, format, filter).await?;
    let file = std::fs::File::create(path)
        .map_err(|e| AppError::bad_input("output", format!("Cannot write the file: {e}")))?;
    let runtime = tokio::runtime::Handle::current();
    let (written, viewer, export, state) = tokio::task::spawn_blocking(move || {
        let mut sink = FileSink(file);
        let written = write(&runtime, &state, &viewer, &export, &mut sink);
        (written, viewer, export, state)
    })
    .await
    .map_err(|_| AppError::internal())?;
    let rows = written?.ok_or_else(AppError::internal)?;
    super::service::finished(&state, &viewer, export.model.id, rows, state.clock.now()).await?;
    Ok(rows)
}
