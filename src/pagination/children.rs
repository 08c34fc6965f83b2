//! Pages of the child lists of many parents (a page of contacts under each customer of a page)
//! in one statement, whatever the number of parents.
//!
//! The statement numbers each parent's rows in the list's order with a window function, the
//! rows between the request's cursors first, and keeps the first `size + 1` of each parent (one
//! more than the page tells whether there is more). When the client selected `totalCount`, a
//! second window counts each parent's rows, and a parent whose rows all lie outside the cursors
//! still sends its first row, marked out of range, so its count is known; it never reaches the
//! page. Otherwise the cursors are a plain condition and nothing is counted.
//!
//! ```sql
//! -- counted:
//! SELECT * FROM (
//!   SELECT <columns>, <parent> AS page_parent,
//!          COUNT(*) OVER (PARTITION BY <parent>) AS page_total,
//!          CASE WHEN <between the cursors> THEN 1 ELSE 0 END AS page_in,
//!          ROW_NUMBER() OVER (PARTITION BY <parent>
//!            ORDER BY <between the cursors first>, <sort>, <id>) AS page_row
//!   FROM … WHERE <visibility> AND <parent> IN (…)
//! ) AS page
//! WHERE page_row <= size + 1 AND (page_in = 1 OR page_row = 1)
//! ```

use std::collections::HashMap;

use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Order, OverStatement, Query, SelectStatement, WindowStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryResult, QueryTrait, Select,
};
use uuid::Uuid;

use super::{Keyset, Page, PageRequest, Rows, SortValue};
use crate::error::AppResult;

const PARENT: &str = "page_parent";
const TOTAL: &str = "page_total";
const IN_RANGE: &str = "page_in";
const ROW: &str = "page_row";

fn named(prefix: &str, name: &str) -> Alias {
    Alias::new(format!("{prefix}{name}"))
}

/// Where one row stands in its parent's list, as the statement of [`statement`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub parent: Uuid,
    total: Option<i64>,
    row: i64,
    in_range: bool,
}

/// Wraps `inner` (the children of the parents, visible, with the columns to read) so that it
/// keeps each parent's page: `parent` names a row's parent, and the added columns carry
/// `prefix` (so that several lists can share a statement).
pub fn statement<C: ColumnTrait>(
    mut inner: SelectStatement,
    parent: Expr,
    keyset: &Keyset<C>,
    request: &PageRequest,
    prefix: &str,
) -> SelectStatement {
    let (_, _, size, _) = request.parts();
    let range = keyset.range(request);
    let counted = request.counts();
    let order = if keyset.ascending(request) {
        Order::Asc
    } else {
        Order::Desc
    };
    let mut numbering = WindowStatement::new();
    numbering.add_partition_by(parent.clone());
    // Counted, every row of a parent is numbered (rows between the cursors first) so that the
    // count sees them all; uncounted, only the rows between the cursors are read at all.
    let in_range: Expr = match (&range, counted) {
        (Some(range), true) => {
            let in_range: Expr = Expr::case(range.clone(), Expr::val(1_i32))
                .finally(Expr::val(0_i32))
                .into();
            numbering.order_by_expr(in_range.clone(), Order::Desc);
            in_range
        }
        (Some(range), false) => {
            inner.cond_where(range.clone());
            Expr::val(1_i32)
        }
        (None, _) => Expr::val(1_i32),
    };
    if let Some(column) = keyset.sort_column() {
        numbering.order_by_expr(Expr::col(column.as_column_ref()), order.clone());
    }
    numbering.order_by_expr(Expr::col(keyset.id_column().as_column_ref()), order);
    // A window carries its own order; the statement's own would only slow it down.
    inner.clear_order_by();
    inner.expr_as(parent.clone(), named(prefix, PARENT));
    if counted {
        let mut counting = WindowStatement::new();
        counting.add_partition_by(parent);
        inner.expr_window_as(Expr::cust("COUNT(*)"), counting, named(prefix, TOTAL));
    } else {
        inner.expr_as(Expr::cust("CAST(NULL AS BIGINT)"), named(prefix, TOTAL));
    }
    inner
        .expr_as(in_range, named(prefix, IN_RANGE))
        .expr_window_as(Expr::cust("ROW_NUMBER()"), numbering, named(prefix, ROW));

    let table = Alias::new(format!("{prefix}page"));
    let column = |name: &str| Expr::col((table.clone(), named(prefix, name)));
    let mut query = Query::select();
    query
        .column(Asterisk)
        .from_subquery(inner, table.clone())
        .and_where(column(ROW).lte(Expr::val(i64::try_from(size + 1).unwrap_or(i64::MAX))));
    if counted && range.is_some() {
        query.and_where(
            column(IN_RANGE)
                .eq(Expr::val(1_i32))
                .or(column(ROW).eq(Expr::val(1_i64))),
        );
    }
    query
}

/// Where the row stands, from the columns [`statement`] added under `prefix`; `None` when the
/// row carries none (another list's row in a shared statement).
pub fn place(row: &QueryResult, prefix: &str) -> Result<Option<Place>, sea_orm::DbErr> {
    let parent: Option<Uuid> = row.try_get("", &format!("{prefix}{PARENT}"))?;
    let Some(parent) = parent else {
        return Ok(None);
    };
    let total: Option<i64> = row.try_get("", &format!("{prefix}{TOTAL}"))?;
    let number: i64 = row.try_get("", &format!("{prefix}{ROW}"))?;
    let in_range: i32 = row.try_get("", &format!("{prefix}{IN_RANGE}"))?;
    Ok(Some(Place {
        parent,
        total,
        row: number,
        in_range: in_range == 1,
    }))
}

/// Each parent's page from the rows of [`statement`], in any order.
pub fn pages<C: ColumnTrait, T, V: Into<SortValue>>(
    rows: Vec<(Place, T)>,
    keyset: &Keyset<C>,
    request: &PageRequest,
    value_of: impl Fn(&T) -> V,
    id_of: impl Fn(&T) -> Uuid,
) -> HashMap<Uuid, Page<T>> {
    // Per parent: its count when counted, and its rows in the page with their numbers.
    type Numbered<T> = (Option<u64>, Vec<(i64, T)>);
    let mut by_parent: HashMap<Uuid, Numbered<T>> = HashMap::new();
    for (place, item) in rows {
        let entry = by_parent.entry(place.parent).or_default();
        entry.0 = place.total.map(|total| u64::try_from(total).unwrap_or(0));
        if place.in_range {
            entry.1.push((place.row, item));
        }
    }
    by_parent
        .into_iter()
        .map(|(parent, (total, mut items))| {
            items.sort_by_key(|(row, _)| *row);
            let items = items.into_iter().map(|(_, item)| item).collect();
            let page = keyset.page(items, request, total, &value_of, &id_of);
            (parent, page)
        })
        .collect()
}

/// One page of children for each of the parents `inner` selects (see [`statement`]), keyed by
/// parent; a parent without children has no entry ([`Page::empty`]).
#[allow(clippy::too_many_arguments)] // each argument is one independent part of the list
pub async fn fetch<C, T, J, R, V>(
    db: &impl ConnectionTrait,
    inner: SelectStatement,
    parent: Expr,
    keyset: &Keyset<C>,
    request: &PageRequest,
    rows: Rows<J, R>,
    value_of: impl Fn(&T) -> V,
    id_of: impl Fn(&T) -> Uuid,
) -> AppResult<HashMap<Uuid, Page<T>>>
where
    C: ColumnTrait,
    J: FnOnce(&mut SelectStatement),
    R: Fn(&QueryResult) -> Result<T, sea_orm::DbErr>,
    V: Into<SortValue>,
{
    keyset.check(request)?;
    let mut inner = inner;
    (rows.join)(&mut inner);
    let query = statement(inner, parent, keyset, request, "");
    let mut read = Vec::new();
    for row in db.query_all(&query).await? {
        if let Some(place) = place(&row, "")? {
            read.push((place, (rows.read)(&row)?));
        }
    }
    Ok(pages(read, keyset, request, value_of, id_of))
}

/// [`fetch`] for a list of whole records of one table, each under the parent `parent` names.
pub async fn fetch_models<E, C, V>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    parent: C,
    keyset: &Keyset<C>,
    request: &PageRequest,
    value_of: impl Fn(&E::Model) -> V,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> AppResult<HashMap<Uuid, Page<E::Model>>>
where
    E: EntityTrait,
    C: ColumnTrait,
    V: Into<SortValue>,
{
    let rows = Rows {
        join: |_: &mut SelectStatement| {},
        read: |row: &QueryResult| E::Model::from_query_result(row, ""),
    };
    let parent = Expr::col(parent.as_column_ref());
    fetch(
        db,
        select.into_query(),
        parent,
        keyset,
        request,
        rows,
        value_of,
        id_of,
    )
    .await
}

/// [`fetch_models`] reading only the columns the request needs ([`PageRequest::needs`]), plus
/// the key and the sort column; the unread fields of each model hold their type's default.
pub async fn fetch_needed_models<E, C, V>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    parent: C,
    keyset: &Keyset<C>,
    request: &PageRequest,
    value_of: impl Fn(&E::Model) -> V,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> AppResult<HashMap<Uuid, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: crate::db::ReadAt,
    C: ColumnTrait,
    V: Into<SortValue>,
{
    use crate::db::ReadAt;
    let mut needs = request.needs().with(E::Model::FIELDS, &["id"]);
    if let Some(column) = keyset.sort_column() {
        needs = needs.with(E::Model::FIELDS, &[column.as_str()]);
    }
    let reader = super::needed::ReadNeeded::<E::Model>::new(needs);
    let rows = Rows {
        join: |query: &mut SelectStatement| super::needed::select_only::<E>(query, needs),
        read: |row: &QueryResult| reader.read(row),
    };
    let parent = Expr::col(parent.as_column_ref());
    let inner = select.into_query();
    fetch(db, inner, parent, keyset, request, rows, value_of, id_of).await
}

/// Parents grouped by the page they ask for: one statement per distinct request.
pub fn by_request(keys: &[(Uuid, PageRequest)]) -> Vec<(PageRequest, Vec<Uuid>)> {
    let mut groups: Vec<(PageRequest, Vec<Uuid>)> = Vec::new();
    for (parent, request) in keys {
        match groups.iter_mut().find(|(r, _)| r == request) {
            Some((_, parents)) => parents.push(*parent),
            None => groups.push((request.clone(), vec![*parent])),
        }
    }
    groups
}
