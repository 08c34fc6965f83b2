//! Reading an import's file as rows of text: CSV in UTF-8 (a byte-order mark is skipped) or in
//! a legacy encoding, named or detected (a file that is not UTF-8 is read as GB18030, which
//! covers GBK: the encoding of spreadsheets saved by Chinese Excel), or the first sheet of an
//! XLSX workbook, streamed cell by cell. Rows whose cells are all blank are skipped.

use std::io::{BufReader, Read, Seek, SeekFrom};

use calamine::{DataRef, Reader, Xlsx};
use encoding_rs::{Encoding, GB18030, UTF_8};

use crate::error::{AppError, AppResult, ErrorCode};

/// How much of a CSV file is looked at to tell its encoding.
const SNIFF_BYTES: usize = 64 * 1024;
/// The most a workbook's parts may unpack to, as the archive declares them.
const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// The most cells a row may have.
const MAX_CELLS: usize = 256;

crate::string_enum! {
    /// The format of a file to import.
    ImportFormat {
        /// Comma-separated values, UTF-8 unless an encoding is named or detected.
        Csv => "CSV",
        /// An Excel workbook; its first sheet is read.
        Xlsx => "XLSX",
    }
}

impl ImportFormat {
    /// From a file name's extension (CSV unless it ends in `.xlsx`).
    pub fn of_name(name: &str) -> Self {
        if name.to_ascii_lowercase().ends_with(".xlsx") {
            Self::Xlsx
        } else {
            Self::Csv
        }
    }
}

/// A row of the file: its number (the header is row 1) and its cells as text.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: i64,
    pub cells: Vec<String>,
}

/// The encoding named by `label` (`GBK`, `GB18030`, `UTF-8`, `Big5`, `Shift_JIS`, …).
/// Errors: `BAD_USER_INPUT` on `field`.
pub fn encoding_named(label: &str, field: &str) -> AppResult<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        AppError::bad_input(
            field,
            "Unknown encoding: name one such as UTF-8, GBK, GB18030 or Big5",
        )
    })
}

/// What the first reading found: the header's cells, how many rows follow, and the encoding.
#[derive(Debug, Clone)]
pub struct Survey {
    pub header: Vec<String>,
    pub total: i64,
    pub encoding: &'static Encoding,
}

/// Reads the whole file once: its header, its row count (at most `max_rows`) and, for CSV, its
/// encoding (`encoding`, else detected), checking that every cell decodes.
/// Errors: `BAD_USER_INPUT` (`input.file`: unreadable, empty, not in the encoding),
/// `FILE_TOO_LARGE` (more rows than `max_rows`, or a workbook unpacking too large).
pub fn survey(
    file: &mut std::fs::File,
    format: ImportFormat,
    encoding: Option<&'static Encoding>,
    max_rows: i64,
) -> AppResult<Survey> {
    let encoding = match (format, encoding) {
        (ImportFormat::Csv, None) => detect(file)?,
        (_, Some(named)) => named,
        (ImportFormat::Xlsx, None) => UTF_8,
    };
    let mut header: Option<Vec<String>> = None;
    let mut total = 0i64;
    let mut too_many = false;
    each_row(file, format, encoding, |row| {
        if header.is_none() {
            header = Some(row.cells);
        } else {
            total += 1;
            if total > max_rows {
                too_many = true;
                return false;
            }
        }
        true
    })?;
    if too_many {
        return Err(AppError::new(
            ErrorCode::FileTooLarge,
            format!("An import holds at most {max_rows} rows"),
        )
        .with_field("input.file"));
    }
    let header =
        header.ok_or_else(|| AppError::bad_input("input.file", "The file has no header row"))?;
    Ok(Survey {
        header,
        total,
        encoding,
    })
}

/// Calls `each` with every non-blank row in order, the header first, until it answers false.
pub fn each_row(
    file: &mut std::fs::File,
    format: ImportFormat,
    encoding: &'static Encoding,
    each: impl FnMut(Row) -> bool,
) -> AppResult<()> {
    file.seek(SeekFrom::Start(0))
        .map_err(|_| AppError::internal())?;
    match format {
        ImportFormat::Csv => csv_rows(file, encoding, each),
        ImportFormat::Xlsx => xlsx_rows(file, each),
    }
}

/// UTF-8 when the first bytes are (a character cut at the end of the sample aside), else GB18030.
fn detect(file: &mut std::fs::File) -> AppResult<&'static Encoding> {
    file.seek(SeekFrom::Start(0))
        .map_err(|_| AppError::internal())?;
    let mut sample = Vec::with_capacity(SNIFF_BYTES);
    file.take(SNIFF_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|_| AppError::internal())?;
    Ok(match std::str::from_utf8(&sample) {
        Ok(_) => UTF_8,
        // Only the sample's end was cut in the middle of a character.
        Err(err) if err.error_len().is_none() => UTF_8,
        Err(_) => GB18030,
    })
}

fn unreadable(what: &str) -> AppError {
    AppError::bad_input("input.file", format!("The file cannot be read as {what}"))
}

fn csv_rows(
    file: &mut std::fs::File,
    encoding: &'static Encoding,
    mut each: impl FnMut(Row) -> bool,
) -> AppResult<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::new(file));
    let mut record = csv::ByteRecord::new();
    let mut number = 0i64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(_) => return Err(unreadable("CSV")),
        }
        number += 1;
        let mut cells = Vec::with_capacity(record.len().min(MAX_CELLS));
        for (index, field) in record.iter().take(MAX_CELLS).enumerate() {
            let field = if number == 1 && index == 0 {
                field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
            } else {
                field
            };
            let text = encoding
                .decode_without_bom_handling_and_without_replacement(field)
                .ok_or_else(|| {
                    AppError::bad_input(
                        "input.file",
                        format!(
                            "Row {number} is not valid {}: name the file's encoding (e.g. GBK)",
                            encoding.name()
                        ),
                    )
                })?;
            cells.push(text.into_owned());
        }
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if !each(Row { number, cells }) {
            return Ok(());
        }
    }
}

fn xlsx_rows(file: &mut std::fs::File, mut each: impl FnMut(Row) -> bool) -> AppResult<()> {
    check_unpacked_size(file)?;
    file.seek(SeekFrom::Start(0))
        .map_err(|_| AppError::internal())?;
    let mut workbook: Xlsx<_> =
        Xlsx::new(BufReader::new(file)).map_err(|_| unreadable("an XLSX workbook"))?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(AppError::bad_input(
            "input.file",
            "The workbook has no sheet",
        ));
    };
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|_| unreadable("an XLSX workbook"))?;
    let mut current: Option<Row> = None;
    loop {
        let cell = cells
            .next_cell()
            .map_err(|_| unreadable("an XLSX workbook"))?;
        let Some(cell) = cell else { break };
        let (row, column) = cell.get_position();
        let number = i64::from(row) + 1;
        if current.as_ref().is_some_and(|r| r.number != number)
            && let Some(done) = current.take()
            && !done.cells.iter().all(|c| c.trim().is_empty())
            && !each(done)
        {
            return Ok(());
        }
        let row = current.get_or_insert_with(|| Row {
            number,
            cells: Vec::new(),
        });
        let column = column as usize;
        if column < MAX_CELLS {
            if row.cells.len() <= column {
                row.cells.resize(column + 1, String::new());
            }
            row.cells[column] = text_of(cell.get_value());
        }
    }
    if let Some(done) = current
        && !done.cells.iter().all(|c| c.trim().is_empty())
    {
        each(done);
    }
    Ok(())
}

/// Refuses a workbook whose parts declare more than [`MAX_UNPACKED_BYTES`] unpacked.
fn check_unpacked_size(file: &mut std::fs::File) -> AppResult<()> {
    file.seek(SeekFrom::Start(0))
        .map_err(|_| AppError::internal())?;
    let mut archive = zip::ZipArchive::new(BufReader::new(&mut *file))
        .map_err(|_| unreadable("an XLSX workbook"))?;
    let mut unpacked = 0u64;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|_| unreadable("an XLSX workbook"))?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(AppError::new(
            ErrorCode::FileTooLarge,
            "The workbook unpacks to more than an import may read",
        )
        .with_field("input.file"));
    }
    Ok(())
}

/// A cell as the text a person typed: whole numbers without a decimal point.
fn text_of(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(bytes: &[u8]) -> std::fs::File {
        let mut file = tempfile::tempfile().expect("temp file");
        file.write_all(bytes).expect("write");
        file
    }

    #[test]
    fn gbk_is_detected_and_decoded_and_utf8_keeps_its_text() {
        let (gbk, _, _) = encoding_rs::GBK.encode("名称,行业\n华为,通信\n");
        let mut file = file_of(&gbk);
        let found = survey(&mut file, ImportFormat::Csv, None, 10).expect("survey");
        assert_eq!(found.encoding, GB18030);
        assert_eq!(found.header, vec!["名称", "行业"]);
        assert_eq!(found.total, 1);
        let mut rows = Vec::new();
        each_row(&mut file, ImportFormat::Csv, found.encoding, |row| {
            rows.push(row);
            true
        })
        .expect("rows");
        assert_eq!(rows[1].cells, vec!["华为", "通信"]);
        assert_eq!(rows[1].number, 2);

        let mut file = file_of("\u{feff}name\n华为\n\n,\n".as_bytes());
        let found = survey(&mut file, ImportFormat::Csv, None, 10).expect("survey");
        assert_eq!(found.encoding, UTF_8);
        assert_eq!(found.header, vec!["name"]);
        assert_eq!(found.total, 1, "blank rows are skipped");
    }

    #[test]
    fn a_file_not_in_the_named_encoding_or_too_long_is_refused() {
        let (gbk, _, _) = encoding_rs::GBK.encode("名称\n华为\n");
        let mut file = file_of(&gbk);
        let err = survey(&mut file, ImportFormat::Csv, Some(UTF_8), 10).expect_err("not UTF-8");
        assert_eq!(err.code, ErrorCode::BadUserInput);
        assert!(err.message.contains("GBK"), "{}", err.message);
        let mut file = file_of(b"name\na\nb\nc\n");
        let err = survey(&mut file, ImportFormat::Csv, None, 2).expect_err("too many rows");
        assert_eq!(err.code, ErrorCode::FileTooLarge);
        assert!(encoding_named("nonsense", "input.encoding").is_err());
        assert_eq!(
            encoding_named("gbk", "input.encoding").expect("gbk"),
            encoding_rs::GBK
        );
    }

    #[test]
    fn whole_numbers_read_from_a_sheet_have_no_decimal_point() {
        assert_eq!(text_of(&DataRef::Float(13_800_138_000.0)), "13800138000");
        assert_eq!(text_of(&DataRef::Float(12.5)), "12.5");
        assert_eq!(text_of(&DataRef::Int(7)), "7");
        assert_eq!(text_of(&DataRef::Empty), "");
    }
}
