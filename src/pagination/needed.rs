//! Pages that read only the columns the client's selection needs (see [`crate::columns`]):
//! the list's own table narrowed to `needs`, plus its key and its sort column, which a cursor
//! carries whatever was selected.

use std::sync::OnceLock;

use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryResult, Select};
use uuid::Uuid;

use super::{Page, PageRequest, Rows, SortKey, SortValue, fetch_joined};
use crate::columns::Needs;
use crate::db::{ReadAt, needed_at, select_needed};
use crate::error::AppResult;

/// `needs` with the key and the column `sort` orders by, which every page reads.
pub fn with_key_and_sort<M: ReadAt, C: sea_orm::IdenStatic>(
    needs: Needs,
    sort: &SortKey<C>,
) -> Needs {
    needs.with(M::FIELDS, &["id", sort.column_name()])
}

/// Replaces what `query` selects with the columns of `E` that `needs` holds, from the first
/// column on, unprefixed.
pub fn select_only<E: EntityTrait>(query: &mut SelectStatement, needs: Needs) {
    query.clear_selects();
    select_needed::<E>(query, "", needs);
}

/// Reads rows whose first columns are those of `M` that `needs` holds ([`select_only`]),
/// checking once per result that they are where they should be.
pub struct ReadNeeded<M> {
    needs: Needs,
    checked: OnceLock<bool>,
    model: std::marker::PhantomData<fn() -> M>,
}

impl<M: ReadAt> ReadNeeded<M> {
    pub fn new(needs: Needs) -> Self {
        Self {
            needs,
            checked: OnceLock::new(),
            model: std::marker::PhantomData,
        }
    }

    /// The model at the start of `row`.
    pub fn read(&self, row: &QueryResult) -> Result<M, DbErr> {
        let in_place = *self
            .checked
            .get_or_init(|| needed_at::<M>(&row.column_names(), "", self.needs) == Some(0));
        if !in_place {
            // The statement is built by this module: columns out of place are its fault.
            return Err(DbErr::Custom("a list's columns are out of place".into()));
        }
        M::read_needed(row, 0, self.needs)
    }
}

/// [`super::fetch_sorted`] reading only the columns `needs` holds (plus the key and the sort
/// column); the unread fields of each model hold their type's default.
#[allow(clippy::too_many_arguments)] // each argument is one independent part of the list
pub async fn fetch_needed<E, C, V: Into<SortValue>>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_column: C,
    (sort, descending): (SortKey<C>, bool),
    request: &PageRequest,
    needs: Needs,
    value_of: impl Fn(&E::Model) -> V,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync + ReadAt,
    C: ColumnTrait,
{
    let needs = with_key_and_sort::<E::Model, C>(needs, &sort);
    let reader = ReadNeeded::<E::Model>::new(needs);
    let rows = Rows {
        join: |query: &mut SelectStatement| select_only::<E>(query, needs),
        read: |row: &QueryResult| reader.read(row),
    };
    fetch_joined(
        db, select, id_column, sort, descending, request, rows, value_of, id_of,
    )
    .await
}
