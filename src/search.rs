//! Free-text search in lists: a case-insensitive `LIKE` pattern that matches the client's
//! text literally (`%`, `_` and `\` escaped, with an explicit `ESCAPE` clause: SQLite has no
//! default escape character), and a cap on its length (long patterns make SQLite's matcher
//! refuse with "LIKE pattern too complex").

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};

use crate::error::{AppError, AppResult};

/// Longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The pattern matching values that contain `search` (trimmed, lower-cased); `None` when it
/// is blank. Errors: `BAD_USER_INPUT` on `field` when longer than [`MAX_SEARCH_CHARS`].
pub fn pattern(search: Option<&str>, field: &str) -> AppResult<Option<LikeExpr>> {
    let Some(text) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::bad_input(
            field,
            format!("Search for at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    Ok(Some(contains(text)))
}

/// The pattern matching values that contain `text` literally, lower-cased.
pub fn contains(text: &str) -> LikeExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `LOWER(column) LIKE pattern ESCAPE '\'`.
pub fn lower_like(column: Expr, pattern: &LikeExpr) -> Expr {
    Expr::expr(Func::lower(column)).like(pattern.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Alias, PostgresQueryBuilder, Query, SqliteQueryBuilder};

    #[test]
    fn wildcards_match_literally_through_an_explicit_escape() {
        let pattern = contains("50%_Off\\");
        let query = Query::select()
            .column(Alias::new("name"))
            .from(Alias::new("t"))
            .and_where(lower_like(Expr::col(Alias::new("name")), &pattern))
            .to_owned();
        let sqlite = query.to_string(SqliteQueryBuilder);
        assert!(
            sqlite.ends_with(r"LIKE '%50\%\_off\\%' ESCAPE '\'"),
            "{sqlite}"
        );
        // PostgreSQL's literals double the backslashes inside E'…'.
        let postgres = query.to_string(PostgresQueryBuilder);
        assert!(
            postgres.ends_with(r"LIKE E'%50\\%\\_off\\\\%' ESCAPE E'\\'"),
            "{postgres}"
        );
    }

    #[test]
    fn blank_searches_match_everything_and_long_ones_are_refused() {
        assert!(pattern(Some("   "), "filter.search").unwrap().is_none());
        assert!(pattern(None, "filter.search").unwrap().is_none());
        let long = "字".repeat(MAX_SEARCH_CHARS + 1);
        let err = pattern(Some(&long), "filter.search").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("filter.search"));
        assert!(
            pattern(Some(&"字".repeat(MAX_SEARCH_CHARS)), "f")
                .unwrap()
                .is_some()
        );
    }
}
