//! Keyset pagination over UUIDv7 ids (time-ordered, so id order is creation order). Pages are
//! 1–100 rows, 20 by default; cursors are opaque to clients. [`children`] pages the child lists
//! of many parents at once.
//!
//! Over 500 lines: the request (its cursors, whether it counts, which columns it reads) and
//! the page it answers are one idea, with their unit tests (about a third); the ordering lives
//! in `keyset`, reading only some columns in `needed`, child lists in `children`.

pub mod children;
mod keyset;
pub mod needed;

pub use keyset::{Keyset, Order, SortKey, date_value, time_value};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::columns::Needs;
use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// A position in an ordered list: the row id, and the sort value when not ordered by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub id: Uuid,
    pub value: Option<SortValue>,
}

/// A row's value in its list's sort column, as a cursor keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

/// A validated page request, and whether its list's rows are to be counted (only when the
/// client selected `totalCount`: a count reads every matching row, a page only its own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageRequest {
    /// `first` rows after the `after` cursor.
    Forward {
        after: Option<Cursor>,
        before: Option<Cursor>,
        first: u64,
        count: bool,
        needs: Needs,
    },
    /// `last` rows before the `before` cursor.
    Backward {
        after: Option<Cursor>,
        before: Option<Cursor>,
        last: u64,
        count: bool,
        needs: Needs,
    },
}

impl PageRequest {
    /// The cursors, the page size, and whether the page is counted from the end.
    fn parts(&self) -> (Option<&Cursor>, Option<&Cursor>, u64, bool) {
        match self {
            Self::Forward {
                after,
                before,
                first,
                ..
            } => (after.as_ref(), before.as_ref(), *first, false),
            Self::Backward {
                after,
                before,
                last,
                ..
            } => (after.as_ref(), before.as_ref(), *last, true),
        }
    }

    /// Whether the list's rows are counted for `totalCount`.
    pub fn counts(&self) -> bool {
        match self {
            Self::Forward { count, .. } | Self::Backward { count, .. } => *count,
        }
    }

    /// The columns of each row the request needs read (every column unless told otherwise).
    pub fn needs(&self) -> Needs {
        match self {
            Self::Forward { needs, .. } | Self::Backward { needs, .. } => *needs,
        }
    }

    /// This request, reading only the columns `wanted` holds.
    pub fn needing(mut self, wanted: Needs) -> Self {
        match &mut self {
            Self::Forward { needs, .. } | Self::Backward { needs, .. } => *needs = wanted,
        }
        self
    }

    /// This request, counting the list's rows or not.
    pub fn counting(mut self, wanted: bool) -> Self {
        match &mut self {
            Self::Forward { count, .. } | Self::Backward { count, .. } => *count = wanted,
        }
        self
    }

    /// The request's structure, without its cursors' values: its direction, size and which
    /// cursors it has (for keeping rendered statements by shape).
    pub fn shape(&self) -> String {
        let (after, before, size, backward) = self.parts();
        let side = if backward { 'L' } else { 'F' };
        let mark = |c: Option<&Cursor>| if c.is_some() { '+' } else { '-' };
        let count = if self.counts() { 'C' } else { '-' };
        let needs = self.needs().key();
        format!("{side}{size}{}{}{count}{needs}", mark(after), mark(before))
    }

    /// Whether the page this asks for holds the page `other` asks for, its count included
    /// (see [`Page::answering`]).
    pub fn answers(&self, other: &PageRequest) -> bool {
        if (other.counts() && !self.counts()) || !self.needs().covers(other.needs()) {
            return false;
        }
        match (self.parts(), other.parts()) {
            (read, asked) if read == asked => true,
            ((None, None, read, false), (None, None, size, false)) => size <= read,
            _ => false,
        }
    }

    /// Validates Relay arguments; errors name the offending argument. The request counts its
    /// list's rows until told otherwise ([`PageRequest::counting`]).
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
                count: true,
                needs: Needs::ALL,
            }),
            (first, None) => Ok(Self::Forward {
                after,
                before,
                first: first.map_or(Ok(DEFAULT_PAGE_SIZE), |f| size(f, "first"))?,
                count: true,
                needs: Needs::ALL,
            }),
        }
    }
}

/// One page of rows with what a Relay `pageInfo` needs; `cursors[i]` points at `items[i]`.
/// `total_count` is known when the request counted.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub items: Vec<M>,
    pub cursors: Vec<String>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    pub total_count: Option<u64>,
}

impl<M: Clone> Page<M> {
    /// This page, read for `read_for`, as `request` would find it: the same page, or the start
    /// of a first page when `request` asks for no more of the same start. `None` when it cannot
    /// tell (another cursor or direction, a larger page).
    pub fn answering(&self, read_for: &PageRequest, request: &PageRequest) -> Option<Self> {
        if !read_for.answers(request) {
            return None;
        }
        if read_for.parts() == request.parts() {
            return Some(self.clone());
        }
        let (_, _, size, _) = request.parts();
        let keep = usize::try_from(size).unwrap_or(usize::MAX);
        Some(Self {
            items: self.items.iter().take(keep).cloned().collect(),
            cursors: self.cursors.iter().take(keep).cloned().collect(),
            has_previous_page: false,
            has_next_page: self.items.len() > keep || self.has_next_page,
            total_count: self.total_count,
        })
    }
}

impl<M> Page<M> {
    /// The page `request` finds in an empty list.
    pub fn empty(request: &PageRequest) -> Self {
        let (after, before, _, backward) = request.parts();
        Self {
            items: Vec::new(),
            cursors: Vec::new(),
            has_previous_page: !backward && after.is_some(),
            has_next_page: backward && before.is_some(),
            total_count: request.counts().then_some(0),
        }
    }
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
    let keyset = Keyset::new(id_column, sort, descending);
    keyset.check(request)?;
    let total_count = match request.counts() {
        true => Some(select.clone().count(db).await?),
        false => None,
    };
    let (_, _, size, _) = request.parts();
    let mut query = select;
    if let Some(range) = keyset.range(request) {
        query = query.filter(range);
    }
    let ascending = keyset.ascending(request);
    if let Some(column) = keyset.sort_column() {
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
    let items = db
        .query_all(&statement)
        .await?
        .iter()
        .map(&rows.read)
        .collect::<Result<Vec<T>, _>>()?;
    Ok(keyset.page(items, request, total_count, value_of, id_of))
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
                count: true,
                needs: Needs::ALL,
            };
            assert_eq!(parsed, expected);
        }
        let err = PageRequest::parse(Some("nope"), None, None, None).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("after"));
    }

    #[test]
    fn a_first_page_answers_a_smaller_first_page_and_nothing_else() {
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
        let first = |n| PageRequest::parse(None, None, Some(n), None).unwrap();
        let page = Page {
            items: ids.clone(),
            cursors: ids.iter().map(|id| id.to_string()).collect(),
            has_previous_page: false,
            has_next_page: true,
            total_count: Some(9),
        };
        let two = page.answering(&first(5), &first(2)).unwrap();
        assert_eq!(two.items, ids[..2]);
        assert_eq!(two.cursors.len(), 2);
        assert!(two.has_next_page && !two.has_previous_page);
        assert_eq!(two.total_count, Some(9));
        let same = page.answering(&first(5), &first(5)).unwrap();
        assert_eq!((same.items.len(), same.has_next_page), (5, true));
        assert!(page.answering(&first(5), &first(6)).is_none());
        let cursor = encode_cursor(Cursor {
            id: ids[0],
            value: None,
        });
        let after = PageRequest::parse(Some(&cursor), None, Some(2), None).unwrap();
        assert!(page.answering(&first(5), &after).is_none());
        let last = PageRequest::parse(None, None, None, Some(2)).unwrap();
        assert!(page.answering(&first(5), &last).is_none());
    }

    #[test]
    fn a_page_read_without_its_count_answers_no_request_for_one() {
        let first = |n, count| {
            PageRequest::parse(None, None, Some(n), None)
                .unwrap()
                .counting(count)
        };
        let uncounted = Page::<Uuid> {
            items: Vec::new(),
            cursors: Vec::new(),
            has_previous_page: false,
            has_next_page: false,
            total_count: None,
        };
        assert!(
            uncounted
                .answering(&first(5, false), &first(5, true))
                .is_none()
        );
        assert!(
            uncounted
                .answering(&first(5, false), &first(2, true))
                .is_none()
        );
        assert!(
            uncounted
                .answering(&first(5, false), &first(2, false))
                .is_some()
        );
        let counted = Page {
            total_count: Some(0),
            ..uncounted
        };
        assert!(
            counted
                .answering(&first(5, true), &first(5, false))
                .is_some()
        );
        assert!(
            counted
                .answering(&first(5, true), &first(3, false))
                .is_some()
        );
        assert_ne!(first(5, true).shape(), first(5, false).shape());
        // A page read with some columns answers a request for fewer, never for more.
        let fields = ["id", "name", "phone"];
        let some = Needs::of(&fields, &["id", "name"]);
        let wider = Needs::of(&fields, &["id", "phone"]);
        let read = first(5, false).needing(some);
        assert!(
            counted
                .answering(&read, &first(3, false).needing(Needs::of(&fields, &["id"])))
                .is_some()
        );
        assert!(
            counted
                .answering(&read, &first(3, false).needing(wider))
                .is_none()
        );
        assert!(counted.answering(&read, &first(3, false)).is_none());
        assert_ne!(read.shape(), first(5, false).shape());
        assert_eq!(Page::<Uuid>::empty(&first(5, false)).total_count, None);
        assert_eq!(Page::<Uuid>::empty(&first(5, true)).total_count, Some(0));
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
