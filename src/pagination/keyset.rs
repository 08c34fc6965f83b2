//! The order of a list as keyset pagination sees it: what it is sorted by, how a cursor's value
//! turns back into a column value, and the conditions that keep the rows beyond a cursor.

use sea_orm::ColumnTrait;
use uuid::Uuid;

use super::{Cursor, Page, PageRequest, SortValue, encode_cursor};
use crate::error::{AppError, AppResult};

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

impl<C: sea_orm::IdenStatic> SortKey<C> {
    /// The name of the column the list sorts by (`id` for creation order): a page that reads
    /// only some columns reads this one too, for its cursors.
    pub fn column_name(&self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Int(column)
            | SortKey::Time(column)
            | SortKey::Date(column)
            | SortKey::Text(column) => column.as_str(),
        }
    }
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

/// A list's order as keyset conditions and cursors see it: a sort column (or none, by id
/// only), then the id, ascending or descending.
#[derive(Debug, Clone, Copy)]
pub struct Keyset<C> {
    id: C,
    sort: Option<(C, SortKind)>,
    descending: bool,
}

impl<C: ColumnTrait> Keyset<C> {
    pub fn new(id: C, sort: SortKey<C>, descending: bool) -> Self {
        let sort = match sort {
            SortKey::Id => None,
            SortKey::Int(c) => Some((c, SortKind::Int)),
            SortKey::Time(c) => Some((c, SortKind::Time)),
            SortKey::Date(c) => Some((c, SortKind::Date)),
            SortKey::Text(c) => Some((c, SortKind::Text)),
        };
        Self {
            id,
            sort,
            descending,
        }
    }

    /// Refuses a cursor of another ordering: one of an id-ordered list has no value, one of a
    /// text-ordered list a text value.
    pub fn check(&self, request: &PageRequest) -> AppResult<()> {
        let (after, before, _, _) = request.parts();
        let kind = self.sort.map(|(_, kind)| kind);
        for (cursor, field) in [(after, "after"), (before, "before")] {
            if cursor.is_some_and(|c| !fits(kind, c.value.as_ref())) {
                return Err(AppError::bad_input(
                    field,
                    "This cursor belongs to another ordering of the list",
                ));
            }
        }
        Ok(())
    }

    /// Rows "beyond" a cursor in the list's direction (greater when ascending, smaller when
    /// descending), or before it when not `forward`.
    fn beyond(&self, cursor: &Cursor, forward: bool) -> sea_orm::Condition {
        use sea_orm::Condition;
        let greater = forward != self.descending;
        let tie = if greater {
            self.id.gt(cursor.id)
        } else {
            self.id.lt(cursor.id)
        };
        match (self.sort, &cursor.value) {
            (Some((column, kind)), Some(value)) => {
                let value = sort_value_expr(kind, value);
                let strictly = if greater {
                    column.gt(value.clone())
                } else {
                    column.lt(value.clone())
                };
                Condition::any()
                    .add(strictly)
                    .add(Condition::all().add(column.eq(value)).add(tie))
            }
            _ => Condition::all().add(tie),
        }
    }

    /// The rows between the request's cursors; `None` when it names none (every row).
    pub fn range(&self, request: &PageRequest) -> Option<sea_orm::Condition> {
        let (after, before, _, _) = request.parts();
        let mut range = sea_orm::Condition::all();
        if let Some(after) = after {
            range = range.add(self.beyond(after, true));
        }
        if let Some(before) = before {
            range = range.add(self.beyond(before, false));
        }
        (after.is_some() || before.is_some()).then_some(range)
    }

    /// Whether the page's rows are read smallest first (a page counted from the end of a
    /// descending list is).
    pub fn ascending(&self, request: &PageRequest) -> bool {
        let (_, _, _, backward) = request.parts();
        backward == self.descending
    }

    /// The sort column, when not ordered by id only.
    pub fn sort_column(&self) -> Option<C> {
        self.sort.map(|(column, _)| column)
    }

    /// The id column, the order's tie-breaker.
    pub fn id_column(&self) -> C {
        self.id
    }

    /// The page of `items`, read in the request's order, at most one beyond its size (which
    /// tells there is more), with each item's cursor.
    pub fn page<T, V: Into<SortValue>>(
        &self,
        mut items: Vec<T>,
        request: &PageRequest,
        total_count: Option<u64>,
        value_of: impl Fn(&T) -> V,
        id_of: impl Fn(&T) -> Uuid,
    ) -> Page<T> {
        let (after, before, size, backward) = request.parts();
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
                    value: self.sort.map(|_| value_of(item).into()),
                })
            })
            .collect();
        let (has_previous_page, has_next_page) = if backward {
            (has_more, before.is_some())
        } else {
            (after.is_some(), has_more)
        };
        Page {
            items,
            cursors,
            has_previous_page,
            has_next_page,
            total_count,
        }
    }
}
