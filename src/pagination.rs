//! Keyset pagination over UUIDv7 ids (time-ordered, so id order is creation order). Pages are
//! 1–100 rows, 20 by default; cursors are opaque to clients.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// A position in an ordered list: the row id, and the sort value when not ordered by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub id: Uuid,
    pub value: Option<SortValue>,
}

/// A row's value in its list's sort column, as a cursor keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    /// Integers, and times and dates as integers ([`time_value`], [`date_value`]).
    Int(i64),
    /// Text, compared as the database compares the column.
    Text(String),
}

impl From<i64> for SortValue {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// `first` rows after the `after` cursor.
    Forward {
        after: Option<Cursor>,
        before: Option<Cursor>,
        first: u64,
    },
    /// `last` rows before the `before` cursor.
    Backward {
        after: Option<Cursor>,
        before: Option<Cursor>,
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

/// One page of rows with what a Relay `pageInfo` needs; `cursors[i]` points at `items[i]`.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub items: Vec<M>,
    pub cursors: Vec<String>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    pub total_count: u64,
}

pub fn encode_cursor(cursor: Cursor) -> String {
    let id = cursor.id;
    match cursor.value {
        None => URL_SAFE_NO_PAD.encode(format!("cursor:{id}")),
        Some(SortValue::Int(value)) => URL_SAFE_NO_PAD.encode(format!("cursor:{id}:{value}")),
        Some(SortValue::Text(text)) => {
            let text = URL_SAFE_NO_PAD.encode(text);
            URL_SAFE_NO_PAD.encode(format!("cursor:{id}:t:{text}"))
        }
    }
}

fn decode_cursor(cursor: &str, field: &str) -> AppResult<Cursor> {
    let text = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("cursor:").map(str::to_owned));
    let parsed = text.and_then(|rest| match rest.split_once(':') {
        None => Uuid::parse_str(&rest)
            .ok()
            .map(|id| Cursor { id, value: None }),
        Some((id, value)) => Some(Cursor {
            id: Uuid::parse_str(id).ok()?,
            value: Some(match value.strip_prefix("t:") {
                Some(text) => {
                    SortValue::Text(String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?)
                }
                None => SortValue::Int(value.parse().ok()?),
            }),
        }),
    });
    parsed.ok_or_else(|| AppError::bad_input(field, "Invalid cursor"))
}

crate::string_enum! {
    /// Sort direction.
    OrderDirection {
        /// Smallest first.
        Asc => "ASC",
        /// Largest first.
        Desc => "DESC",
    }
}

/// Declares `$order`, the input that orders a list: one of `$field`'s values and a direction.
#[macro_export]
macro_rules! order_input {
    ($(#[$meta:meta])* $order:ident, $field:ty) => {
        $(#[$meta])*
        #[derive(async_graphql::InputObject, Debug, Clone, Copy)]
        pub struct $order {
            /// What to order by.
            pub field: $field,
            /// Which way.
            pub direction: $crate::pagination::OrderDirection,
        }

        impl $order {
            /// The field, and whether the order is descending; `default` when none is given.
            pub fn parts(order: Option<Self>, default: ($field, bool)) -> ($field, bool) {
                order.map_or(default, |o| {
                    (o.field, o.direction == $crate::pagination::OrderDirection::Desc)
                })
            }
        }
    };
}

/// How a list is ordered besides its id tie-breaker.
#[derive(Debug, Clone, Copy)]
pub enum SortKey<C> {
    /// By id only (creation order).
    Id,
    /// By an integer column.
    Int(C),
    /// By a timestamp column (cursor values are nanoseconds since the epoch, see [`time_value`]).
    Time(C),
    /// By a date column (cursor values are days since 0001-01-01, see [`date_value`]).
    Date(C),
    /// By a text column, as the database orders it.
    Text(C),
}

/// One way to order a list: the sort key, and how a row's cursor value is read.
pub type Order<C, T, V = i64> = (SortKey<C>, fn(&T) -> V);

/// What a sort column holds, to turn a cursor's value back into a column value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKind {
    Int,
    Time,
    Date,
    Text,
}

/// A time as a cursor value: nanoseconds since the epoch, every digit the database may hold
/// (a coarser value would put the row a cursor points at beyond it). Times past 2262 are
/// clamped; none is stored.
pub fn time_value(time: chrono::DateTime<chrono::Utc>) -> i64 {
    time.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// A date as a cursor value: days since 0001-01-01.
pub fn date_value(date: chrono::NaiveDate) -> i64 {
    i64::from(chrono::Datelike::num_days_from_ce(&date))
}

fn sort_value_expr(kind: SortKind, value: &SortValue) -> sea_orm::Value {
    match (kind, value) {
        (SortKind::Text, SortValue::Text(text)) => text.clone().into(),
        (SortKind::Time, SortValue::Int(value)) => {
            chrono::DateTime::<chrono::Utc>::from_timestamp_nanos(*value).into()
        }
        (SortKind::Date, SortValue::Int(value)) => i32::try_from(*value)
            .ok()
            .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
            .unwrap_or_default()
            .into(),
        (_, SortValue::Int(value)) => (*value).into(),
        (_, SortValue::Text(text)) => text.clone().into(),
    }
}

/// Whether a cursor's value fits a list's sort column (none when ordered by id).
fn fits(kind: Option<SortKind>, value: Option<&SortValue>) -> bool {
    matches!(
        (kind, value),
        (None, None)
            | (Some(SortKind::Text), Some(SortValue::Text(_)))
            | (
                Some(SortKind::Int | SortKind::Time | SortKind::Date),
                Some(SortValue::Int(_))
            )
    )
}

/// Fetches one page of an already scoped `select`, ordered by id (`id_of` reads a row's id).
pub async fn fetch<E, C>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_column: C,
    request: &PageRequest,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    fetch_sorted(
        db,
        select,
        id_column,
        SortKey::Id,
        false,
        request,
        |_| 0,
        id_of,
    )
    .await
}

/// Fetches one page of `select` ordered by `sort` (then id), ascending or `descending`.
/// `value_of` and `id_of` read a row's sort value and id for its cursor.
#[allow(clippy::too_many_arguments)] // each argument is one independent part of the ordering
pub async fn fetch_sorted<E, C, V: Into<SortValue>>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_column: C,
    sort: SortKey<C>,
    descending: bool,
    request: &PageRequest,
    value_of: impl Fn(&E::Model) -> V,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let rows = Rows {
        join: |_: &mut SelectStatement| {},
        read: |row: &QueryResult| E::Model::from_query_result(row, ""),
    };
    fetch_joined(
        db, select, id_column, sort, descending, request, rows, value_of, id_of,
    )
    .await
}

/// How a page's statement is widened and its rows read: `join` adds joined tables and their
/// columns to the statement, `read` turns one result row into an item.
pub struct Rows<J, R> {
    pub join: J,
    pub read: R,
}

/// [`fetch_sorted`] with records joined into the page's statement (look-ahead for one-to-one
/// links), so a page and what each of its rows links to come back in one round trip.
#[allow(clippy::too_many_arguments)] // each argument is one independent part of the ordering
pub async fn fetch_joined<E, C, T, J, R, V: Into<SortValue>>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_column: C,
    sort: SortKey<C>,
    descending: bool,
    request: &PageRequest,
    rows: Rows<J, R>,
    value_of: impl Fn(&T) -> V,
    id_of: impl Fn(&T) -> Uuid,
) -> AppResult<Page<T>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
    J: FnOnce(&mut SelectStatement),
    R: Fn(&QueryResult) -> Result<T, sea_orm::DbErr>,
{
    use sea_orm::Condition;
    let (after, before, size, backward) = match request.clone() {
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
    let sort_column = match sort {
        SortKey::Id => None,
        SortKey::Int(c) => Some((c, SortKind::Int)),
        SortKey::Time(c) => Some((c, SortKind::Time)),
        SortKey::Date(c) => Some((c, SortKind::Date)),
        SortKey::Text(c) => Some((c, SortKind::Text)),
    };
    // A cursor continues the ordering it came from: one of an id-ordered list has no value.
    let kind = sort_column.map(|(_, kind)| kind);
    for (cursor, field) in [(&after, "after"), (&before, "before")] {
        if cursor
            .as_ref()
            .is_some_and(|c| !fits(kind, c.value.as_ref()))
        {
            return Err(AppError::bad_input(
                field,
                "This cursor belongs to another ordering of the list",
            ));
        }
    }
    let total_count = select.clone().count(db).await?;
    // "Beyond" a cursor in the list's direction: greater when ascending, smaller when descending.
    let beyond = |cursor: &Cursor, forward: bool| -> Condition {
        let greater = forward != descending;
        match (sort_column, &cursor.value) {
            (Some((column, kind)), Some(value)) => {
                let value = sort_value_expr(kind, value);
                let strictly = if greater {
                    column.gt(value.clone())
                } else {
                    column.lt(value.clone())
                };
                let tie = if greater {
                    id_column.gt(cursor.id)
                } else {
                    id_column.lt(cursor.id)
                };
                Condition::any()
                    .add(strictly)
                    .add(Condition::all().add(column.eq(value)).add(tie))
            }
            _ => Condition::all().add(if greater {
                id_column.gt(cursor.id)
            } else {
                id_column.lt(cursor.id)
            }),
        }
    };
    let mut query = select;
    if let Some(after) = &after {
        query = query.filter(beyond(after, true));
    }
    if let Some(before) = &before {
        query = query.filter(beyond(before, false));
    }
    let ascending = backward == descending;
    if let Some((column, _)) = sort_column {
        query = if ascending {
            query.order_by_asc(column)
        } else {
            query.order_by_desc(column)
        };
    }
    query = if ascending {
        query.order_by_asc(id_column)
    } else {
        query.order_by_desc(id_column)
    };
    let mut statement = query.limit(size + 1).into_query();
    (rows.join)(&mut statement);
    let mut items = db
        .query_all(&statement)
        .await?
        .iter()
        .map(&rows.read)
        .collect::<Result<Vec<T>, _>>()?;
    let has_more = items.len() as u64 > size;
    items.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    if backward {
        items.reverse();
    }
    let cursors = items
        .iter()
        .map(|item| {
            encode_cursor(Cursor {
                id: id_of(item),
                value: sort_column.map(|_| value_of(item).into()),
            })
        })
        .collect();
    let (has_previous_page, has_next_page) = if backward {
        (has_more, before.is_some())
    } else {
        (after.is_some(), has_more)
    };
    Ok(Page {
        items,
        cursors,
        has_previous_page,
        has_next_page,
        total_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        for value in [
            None,
            Some(SortValue::Int(-42)),
            Some(SortValue::Int(1_700_000_000_000_000)),
            Some(SortValue::Text("上海 Trading: co".into())),
            Some(SortValue::Text(String::new())),
        ] {
            let cursor = Cursor { id, value };
            let parsed =
                PageRequest::parse(Some(&encode_cursor(cursor.clone())), None, Some(5), None)
                    .unwrap();
            let expected = PageRequest::Forward {
                after: Some(cursor),
                before: None,
                first: 5,
            };
            assert_eq!(parsed, expected);
        }
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
