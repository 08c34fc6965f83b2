//! Keyset pagination over UUIDv7 ids (time-ordered, so id order is creation order). Pages are
//! 1–100 rows, 20 by default; cursors are opaque to clients.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// `first` rows after the `after` cursor.
    Forward {
        after: Option<Uuid>,
        before: Option<Uuid>,
        first: u64,
    },
    /// `last` rows before the `before` cursor.
    Backward {
        after: Option<Uuid>,
        before: Option<Uuid>,
        last: u64,
    },
}

impl PageRequest {
    /// Validates Relay arguments; errors name the offending argument.
    pub fn parse(
        after: Option<&str>,
        before: Option<&str>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> AppResult<Self> {
        let after = after.map(|c| decode_cursor(c, "after")).transpose()?;
        let before = before.map(|c| decode_cursor(c, "before")).transpose()?;
        let size = |value: i32, name: &str| -> AppResult<u64> {
            u64::try_from(value)
                .ok()
                .filter(|v| (1..=MAX_PAGE_SIZE).contains(v))
                .ok_or_else(|| {
                    AppError::bad_input(
                        name,
                        format!("{name} must be between 1 and {MAX_PAGE_SIZE}"),
                    )
                })
        };
        match (first, last) {
            (Some(_), Some(_)) => Err(AppError::bad_input(
                "last",
                "Pass either first or last, not both",
            )),
            (_, Some(last)) => Ok(Self::Backward {
                after,
                before,
                last: size(last, "last")?,
            }),
            (first, None) => Ok(Self::Forward {
                after,
                before,
                first: first.map_or(Ok(DEFAULT_PAGE_SIZE), |f| size(f, "first"))?,
            }),
        }
    }
}

/// One page of rows with what a Relay `pageInfo` needs.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub items: Vec<M>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    pub total_count: u64,
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

fn decode_cursor(cursor: &str, field: &str) -> AppResult<Uuid> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            text.strip_prefix("cursor:")
                .and_then(|id| Uuid::parse_str(id).ok())
        })
        .ok_or_else(|| AppError::bad_input(field, "Invalid cursor"))
}

/// Fetches one page of an already scoped `select`, ordered by `id_column`.
pub async fn fetch<E, C>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_column: C,
    request: &PageRequest,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let total_count = select.clone().count(db).await?;
    let (after, before, size, backward) = match *request {
        PageRequest::Forward {
            after,
            before,
            first,
        } => (after, before, first, false),
        PageRequest::Backward {
            after,
            before,
            last,
        } => (after, before, last, true),
    };
    let mut query = select;
    if let Some(after) = after {
        query = query.filter(id_column.gt(after));
    }
    if let Some(before) = before {
        query = query.filter(id_column.lt(before));
    }
    query = if backward {
        query.order_by_desc(id_column)
    } else {
        query.order_by_asc(id_column)
    };
    let mut items = query.limit(size + 1).all(db).await?;
    let has_more = items.len() as u64 > size;
    items.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    if backward {
        items.reverse();
        Ok(Page {
            items,
            has_previous_page: has_more,
            has_next_page: before.is_some(),
            total_count,
        })
    } else {
        Ok(Page {
            items,
            has_previous_page: after.is_some(),
            has_next_page: has_more,
            total_count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let cursor = encode_cursor(id);
        let parsed = PageRequest::parse(Some(&cursor), None, Some(5), None).unwrap();
        assert_eq!(
            parsed,
            PageRequest::Forward {
                after: Some(id),
                before: None,
                first: 5
            }
        );
        let err = PageRequest::parse(Some("nope"), None, None, None).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("after"));
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert!(matches!(
            PageRequest::parse(None, None, None, None).unwrap(),
            PageRequest::Forward {
                first: DEFAULT_PAGE_SIZE,
                ..
            }
        ));
        assert_eq!(
            PageRequest::parse(None, None, Some(101), None)
                .unwrap_err()
                .field
                .as_deref(),
            Some("first")
        );
        assert_eq!(
            PageRequest::parse(None, None, None, Some(0))
                .unwrap_err()
                .field
                .as_deref(),
            Some("last")
        );
        assert!(PageRequest::parse(None, None, Some(1), Some(1)).is_err());
        assert!(PageRequest::parse(None, None, Some(100), None).is_ok());
    }
}
