//! Human-readable document numbers, unique and gapless per kind and year.
//!
//! The counter row is incremented inside the transaction that creates the document: the row
//! lock makes concurrent creators take turns (SQLite's write lock does the same), and a rolled
//! back creation gives its number back, so numbers never repeat and never skip.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use entity::document_counter::{self, Column, Entity as Counters};

/// The next number of `kind` in `year`, counted inside the caller's (write) transaction.
pub async fn next(db: &impl ConnectionTrait, kind: &str, year: i32) -> AppResult<i64> {
    let mut ensure = Query::insert();
    ensure
        .into_table(Counters)
        .columns([Column::Kind, Column::Year, Column::LastValue])
        .values([kind.into(), year.into(), 0_i64.into()])
        .map_err(|_| AppError::internal())?
        .on_conflict(
            OnConflict::columns([Column::Kind, Column::Year])
                .do_nothing()
                .to_owned(),
        );
    db.execute_raw(db.get_database_backend().build(&ensure))
        .await?;
    Counters::update_many()
        .col_expr(Column::LastValue, Expr::col(Column::LastValue).add(1))
        .filter(Column::Kind.eq(kind))
        .filter(Column::Year.eq(year))
        .exec(db)
        .await?;
    Counters::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::Year.eq(year))
        .one(db)
        .await?
        .map(|counter: document_counter::Model| counter.last_value)
        .ok_or_else(AppError::internal)
}

/// `PREFIX-YEAR-NNNNNN`, e.g. `C-2026-000123`.
pub fn format(prefix: &str, year: i32, seq: i64) -> String {
    format!("{prefix}-{year}-{seq:06}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_zero_padded_to_six_digits_and_grow_beyond() {
        assert_eq!(super::format("C", 2026, 123), "C-2026-000123");
        assert_eq!(super::format("INV", 2027, 1_234_567), "INV-2027-1234567");
    }
}
