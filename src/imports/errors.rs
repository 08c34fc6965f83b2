//! An import's refused rows: read a page at a time, and written as a CSV error file.

use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use entity::import_error;

/// What the error file's link names.
pub const LINK_KIND: &str = "import-errors";
/// Refused rows read per statement.
pub const PAGE: u64 = 1_000;

/// Up to `limit` refused rows of `import_id` after `after` (an error's id), in row order.
pub async fn page(
    db: &impl ConnectionTrait,
    import_id: Uuid,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> AppResult<Vec<import_error::Model>> {
    let mut query = import_error::Entity::find()
        .filter(import_error::Column::ImportId.eq(import_id))
        .order_by_asc(import_error::Column::RowNumber)
        .order_by_asc(import_error::Column::Id)
        .limit(limit);
    if let Some((row, id)) = after {
        query = query.filter(
            import_error::Column::RowNumber
                .gt(row)
                .or(import_error::Column::RowNumber
                    .eq(row)
                    .and(import_error::Column::Id.gt(id))),
        );
    }
    Ok(query.all(db).await?)
}

/// The header and rows of an error file as CSV bytes (UTF-8 with a byte-order mark on the
/// first part, so spreadsheets read it as such).
pub fn csv_part<'a>(
    rows: impl IntoIterator<Item = (i64, &'a str, &'a str, &'a str)>,
    first: bool,
) -> AppResult<Vec<u8>> {
    let mut out = Vec::new();
    if first {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut writer = csv::Writer::from_writer(out);
    if first {
        writer
            .write_record(["row", "field", "code", "message"])
            .map_err(|_| AppError::internal())?;
    }
    for (row, field, code, message) in rows {
        writer
            .write_record([row.to_string().as_str(), field, code, message])
            .map_err(|_| AppError::internal())?;
    }
    writer.into_inner().map_err(|_| AppError::internal())
}
