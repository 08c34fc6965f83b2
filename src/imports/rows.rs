//! What every kind of import shares: a batch of rows to check and write, the rows refused with
//! their reasons, and the keys already taken earlier in the same file.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue;
use uuid::Uuid;

use super::columns::Columns;
use super::table::Row;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::identity::Viewer;

/// A row refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row of the file (the header is row 1).
    pub row: i64,
    /// The field (column) at fault, or `row`.
    pub field: String,
    pub code: ErrorCode,
    pub message: String,
}

impl RowError {
    pub fn new(row: i64, field: &str, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            row,
            field: field.to_owned(),
            code,
            message: message.into(),
        }
    }

    /// The errors an input check gave (its `input.x` fields as columns, renamed by `rename`).
    pub fn of(row: i64, error: AppError, rename: &[(&str, &str)]) -> Vec<Self> {
        let mut error = error;
        let more = std::mem::take(&mut error.more);
        std::iter::once(error)
            .chain(more.into_vec())
            .map(|err| {
                let field = err
                    .field
                    .as_deref()
                    .map(|f| f.strip_prefix("input.").unwrap_or(f))
                    .unwrap_or("row");
                let field = rename
                    .iter()
                    .find(|(from, _)| *from == field)
                    .map_or(field, |(_, to)| *to);
                Self::new(row, field, err.code, err.message)
            })
            .collect()
    }
}

/// Keys (names, phones, codes) taken by earlier rows of the file, kept as 64-bit hashes so a
/// file of any length costs a few bytes a row.
#[derive(Debug, Default)]
pub struct Seen(HashSet<u64>);

impl Seen {
    fn hash(kind: &str, key: &str) -> u64 {
        let mut hasher = DefaultHasher::new();
        (kind, key).hash(&mut hasher);
        hasher.finish()
    }

    /// Whether an earlier row took `key` (of `kind`).
    pub fn taken(&self, kind: &str, key: &str) -> bool {
        self.0.contains(&Self::hash(kind, key))
    }

    /// Notes that a row took `key`.
    pub fn take(&mut self, kind: &str, key: &str) {
        self.0.insert(Self::hash(kind, key));
    }
}

/// A batch of rows to check and, unless in a dry run, write.
pub struct Batch<'a> {
    pub viewer: &'a Viewer,
    pub columns: &'a Columns,
    pub rows: Vec<Row>,
    pub seen: &'a mut Seen,
    /// False in a dry run: everything is checked, nothing written.
    pub write: bool,
    /// The import, named in the audit entries of what it writes.
    pub import_id: Uuid,
    pub now: DateTime<Utc>,
    pub country_code: &'a str,
}

/// What a batch did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Records written (or that would be, in a dry run).
    pub created: i64,
    pub errors: Vec<RowError>,
}

/// The id a new row was given.
pub fn id_of(value: &ActiveValue<Uuid>) -> AppResult<Uuid> {
    match value {
        ActiveValue::Set(id) | ActiveValue::Unchanged(id) => Ok(*id),
        ActiveValue::NotSet => Err(AppError::internal()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_become_row_errors_on_columns() {
        let error = AppError::bad_input("input.name", "Name is required")
            .with_more(vec![AppError::bad_input("input.email", "Not an e-mail")]);
        let errors = RowError::of(7, error, &[("name", "contactName")]);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "contactName");
        assert_eq!(errors[1].field, "email");
        assert!(errors.iter().all(|e| e.row == 7));
    }

    #[test]
    fn seen_keys_are_kept_per_kind() {
        let mut seen = Seen::default();
        seen.take("phone", "+8613800138000");
        assert!(seen.taken("phone", "+8613800138000"));
        assert!(!seen.taken("email", "+8613800138000"));
    }
}
