//! Receivables for finance: who owes what and how late, as SQL aggregates within visibility.
//!
//! Over 500 lines (just): the per-contract, per-customer and aging queries share one visible
//! base; about a fifth is their unit tests.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, IntoCondition, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::ledger::COLLECTING;
use super::model::PaymentStatus;
use super::rules;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest};
use entity::installment::{self, Column, Entity as Installments};
use entity::{contract, customer, payment, team, user};

fn outstanding() -> Expr {
    Expr::col((Installments, Column::AmountMinor))
        .sub(Expr::col((Installments, Column::PaidMinor)))
        .sub(Expr::col((Installments, Column::WaivedMinor)))
}

/// The sum of `e`, 0 over no rows: exact on both databases, saturating beyond `bigint`.
fn total(e: Expr) -> Expr {
    Func::coalesce([crate::exact_sum::saturating(e), Expr::val(0_i64)]).into()
}

/// `e` where `condition` holds, else 0.
fn when(condition: Expr, e: Expr) -> Expr {
    Expr::case(condition, e).finally(Expr::val(0_i64)).into()
}

fn collecting_contracts() -> SelectStatement {
    Query::select()
        .column(contract::Column::Id)
        .from(contract::Entity)
        .and_where(contract::Column::Status.is_in(COLLECTING.iter().map(|s| s.as_str())))
        .to_owned()
}

/// Installments still owing money, of collecting contracts the viewer may see.
fn owing(viewer: &Viewer) -> Condition {
    owing_where(
        viewer,
        Column::ContractId.in_subquery(collecting_contracts()),
    )
}

/// [`owing`] for a query that joins `contracts` already: the status is read there.
fn owing_on_joined_contracts(viewer: &Viewer) -> Condition {
    owing_where(
        viewer,
        Expr::col((contract::Entity, contract::Column::Status))
            .is_in(COLLECTING.iter().map(|s| s.as_str())),
    )
}

fn owing_where(viewer: &Viewer, collecting: impl IntoCondition) -> Condition {
    Condition::all()
        .add(crate::policy::by_contract(viewer, Column::ContractId))
        .add(collecting)
        .add(outstanding().gt(0))
}

/// Filters for `receivables`.
#[derive(Debug, Clone, Default)]
pub struct ReceivableFilter {
    pub customer_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub region: Option<String>,
    pub overdue_only: bool,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
}

fn filtered(viewer: &Viewer, filter: &ReceivableFilter, as_of: NaiveDate) -> Condition {
    let mut condition = owing(viewer);
    if let Some(id) = filter.customer_id {
        condition = condition.add(Column::CustomerId.eq(id));
    }
    let contracts_where = |owners: Condition| {
        Query::select()
            .column(contract::Column::Id)
            .from(contract::Entity)
            .cond_where(owners)
            .to_owned()
    };
    if let Some(owner) = filter.owner_id {
        let owners = Condition::all().add(contract::Column::OwnerId.eq(owner));
        condition = condition.add(Column::ContractId.in_subquery(contracts_where(owners)));
    }
    if let Some(team) = filter.team_id {
        let owners = Condition::all()
            .add(contract::Column::OwnerId.in_subquery(crate::policy::members_of(vec![team])));
        condition = condition.add(Column::ContractId.in_subquery(contracts_where(owners)));
    }
    if let Some(region) = &filter.region {
        let customers = Query::select()
            .column(customer::Column::Id)
            .from(customer::Entity)
            .and_where(customer::Column::Region.eq(region.as_str()))
            .to_owned();
        condition = condition.add(Column::CustomerId.in_subquery(customers));
    }
    if filter.overdue_only {
        condition = condition.add(Column::DueDate.lt(as_of));
    }
    if let Some(from) = filter.due_from {
        condition = condition.add(Column::DueDate.gte(from));
    }
    if let Some(to) = filter.due_to {
        condition = condition.add(Column::DueDate.lte(to));
    }
    condition
}

/// Sums over the installments a receivables query matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct Totals {
    pub installments: i64,
    pub amount: i64,
    pub outstanding: i64,
    pub overdue: i64,
}

/// Visible installments still owing money, oldest due first, with totals over all pages when
/// `with_totals` (which count the installments too, so the page is not counted again).
/// Errors: `BAD_USER_INPUT` (paging).
pub async fn receivables(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: ReceivableFilter,
    as_of: NaiveDate,
    page: &PageRequest,
    with_totals: bool,
) -> AppResult<(Page<installment::Model>, Option<Totals>)> {
    let condition = filtered(viewer, &filter, as_of);
    if !with_totals {
        let page = pagination::fetch(
            db,
            Installments::find().filter(condition),
            Column::Id,
            page,
            |i| i.id,
        )
        .await?;
        return Ok((page, None));
    }
    let totals = Installments::find()
        .select_only()
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "installments")
        .column_as(
            total(Expr::col((Installments, Column::AmountMinor))),
            "amount",
        )
        .column_as(total(outstanding()), "outstanding")
        .column_as(
            total(when(
                Expr::col((Installments, Column::DueDate)).lt(as_of),
                outstanding(),
            )),
            "overdue",
        )
        .filter(condition.clone())
        .into_model::<Totals>()
        .one(db)
        .await?
        .unwrap_or_default();
    let counted = page.counts();
    let mut page = pagination::fetch(
        db,
        Installments::find().filter(condition),
        Column::Id,
        &page.clone().counting(false),
        |i| i.id,
    )
    .await?;
    if counted {
        page.total_count = u64::try_from(totals.installments).ok();
    }
    Ok((page, Some(totals)))
}

/// How to group the aging report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgingGroup {
    Customer,
    Owner,
    Team,
    Region,
}

/// Outstanding money by days past due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct Buckets {
    pub current: i64,
    pub d1_to30: i64,
    pub d31_to60: i64,
    pub d61_to90: i64,
    pub over90: i64,
}

impl Buckets {
    pub fn total(&self) -> i64 {
        // Sums saturate at the `i64` bounds (see `exact_sum`), and so does their total.
        [self.d1_to30, self.d31_to60, self.d61_to90, self.over90]
            .into_iter()
            .fold(self.current, i64::saturating_add)
    }

    fn add(&mut self, other: &Buckets) {
        self.current = self.current.saturating_add(other.current);
        self.d1_to30 = self.d1_to30.saturating_add(other.d1_to30);
        self.d31_to60 = self.d31_to60.saturating_add(other.d31_to60);
        self.d61_to90 = self.d61_to90.saturating_add(other.d61_to90);
        self.over90 = self.over90.saturating_add(other.over90);
    }
}

/// One group of the aging report; `key` is the group's id (a region's name for regions),
/// `None` for records without one (no team, no region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgingRow {
    pub key: Option<String>,
    pub id: Option<Uuid>,
    pub label: Option<String>,
    pub buckets: Buckets,
}

#[derive(Debug, FromQueryResult)]
struct ByUuid {
    key: Option<Uuid>,
    label: Option<String>,
    current: i64,
    d1_to30: i64,
    d31_to60: i64,
    d61_to90: i64,
    over90: i64,
}

#[derive(Debug, FromQueryResult)]
struct ByText {
    key: Option<String>,
    current: i64,
    d1_to30: i64,
    d31_to60: i64,
    d61_to90: i64,
    over90: i64,
}

/// Outstanding money of visible installments by days past due as of `as_of`, per group and in
/// total, largest total first.
pub async fn aging(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    as_of: NaiveDate,
    group: AgingGroup,
) -> AppResult<(Vec<AgingRow>, Buckets)> {
    let [current_from, d30_from, d60_from, d90_from] = rules::bucket_bounds(as_of);
    let due = || Expr::col((Installments, Column::DueDate));
    let owner = Alias::new("owner");
    let mut query = Query::select();
    query
        .from(Installments)
        .inner_join(
            contract::Entity,
            Expr::col((contract::Entity, contract::Column::Id))
                .equals((Installments, Column::ContractId)),
        )
        .join_as(
            sea_orm::JoinType::InnerJoin,
            user::Entity,
            owner.clone(),
            Expr::col((owner.clone(), user::Column::Id))
                .equals((contract::Entity, contract::Column::OwnerId)),
        )
        .left_join(
            team::Entity,
            Expr::col((team::Entity, team::Column::Id))
                .equals((owner.clone(), user::Column::TeamId)),
        )
        .cond_where(owing_on_joined_contracts(viewer))
        .expr_as(
            total(when(due().gte(current_from), outstanding())),
            Alias::new("current"),
        )
        .expr_as(
            total(when(
                due().lt(current_from).and(due().gte(d30_from)),
                outstanding(),
            )),
            Alias::new("d1_to30"),
        )
        .expr_as(
            total(when(
                due().lt(d30_from).and(due().gte(d60_from)),
                outstanding(),
            )),
            Alias::new("d31_to60"),
        )
        .expr_as(
            total(when(
                due().lt(d60_from).and(due().gte(d90_from)),
                outstanding(),
            )),
            Alias::new("d61_to90"),
        )
        .expr_as(
            total(when(due().lt(d90_from), outstanding())),
            Alias::new("over90"),
        );
    let (key, label): (Expr, Option<Expr>) = match group {
        AgingGroup::Customer => (
            Expr::col((Installments, Column::CustomerId)),
            Some(Expr::col((customer::Entity, customer::Column::Name))),
        ),
        AgingGroup::Owner => (
            Expr::col((contract::Entity, contract::Column::OwnerId)),
            Some(Expr::col((owner.clone(), user::Column::DisplayName))),
        ),
        AgingGroup::Team => (
            Expr::col((owner.clone(), user::Column::TeamId)),
            Some(Expr::col((team::Entity, team::Column::Name))),
        ),
        AgingGroup::Region => (
            Expr::col((customer::Entity, customer::Column::Region)),
            None,
        ),
    };
    // Only the customer and region groupings need the customers.
    if matches!(group, AgingGroup::Customer | AgingGroup::Region) {
        query.inner_join(
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id))
                .equals((Installments, Column::CustomerId)),
        );
    }
    query
        .expr_as(key.clone(), Alias::new("key"))
        .add_group_by([key]);
    if let Some(label) = label {
        query
            .expr_as(label.clone(), Alias::new("label"))
            .add_group_by([label]);
    }
    let statement = db.get_database_backend().build(&query);
    let mut rows: Vec<AgingRow> = if group == AgingGroup::Region {
        ByText::find_by_statement(statement)
            .all(db)
            .await?
            .into_iter()
            .map(|r| AgingRow {
                label: r.key.clone(),
                key: r.key,
                id: None,
                buckets: Buckets {
                    current: r.current,
                    d1_to30: r.d1_to30,
                    d31_to60: r.d31_to60,
                    d61_to90: r.d61_to90,
                    over90: r.over90,
                },
            })
            .collect()
    } else {
        ByUuid::find_by_statement(statement)
            .all(db)
            .await?
            .into_iter()
            .map(|r| AgingRow {
                key: r.key.map(|k| k.to_string()),
                id: r.key,
                label: r.label,
                buckets: Buckets {
                    current: r.current,
                    d1_to30: r.d1_to30,
                    d31_to60: r.d31_to60,
                    d61_to90: r.d61_to90,
                    over90: r.over90,
                },
            })
            .collect()
    };
    rows.sort_by(|a, b| {
        b.buckets
            .total()
            .cmp(&a.buckets.total())
            .then_with(|| a.label.cmp(&b.label))
    });
    let mut totals = Buckets::default();
    for row in &rows {
        totals.add(&row.buckets);
    }
    Ok((rows, totals))
}

/// Money expected in one month.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ForecastMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub installments: i64,
    pub expected: i64,
}

/// What visible installments falling due from `from` to `to` (inclusive) still owe, by month.
/// Errors: `BAD_USER_INPUT`.
pub async fn collection_forecast(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<ForecastMonth>> {
    if to < from {
        return Err(AppError::bad_input(
            "input.to",
            "The period ends before it starts",
        ));
    }
    let month = Expr::cust("SUBSTR(CAST(\"installments\".\"due_date\" AS TEXT), 1, 7)");
    let query = Query::select()
        .from(Installments)
        .expr_as(month.clone(), Alias::new("month"))
        .expr_as(
            Expr::cust("CAST(COUNT(*) AS BIGINT)"),
            Alias::new("installments"),
        )
        .expr_as(total(outstanding()), Alias::new("expected"))
        .cond_where(
            owing(viewer)
                .add(Column::DueDate.gte(from))
                .add(Column::DueDate.lte(to)),
        )
        .add_group_by([month.clone()])
        .order_by_expr(month, sea_orm::Order::Asc)
        .to_owned();
    Ok(
        ForecastMonth::find_by_statement(db.get_database_backend().build(&query))
            .all(db)
            .await?,
    )
}

/// What a customer owes and holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomerReceivable {
    pub outstanding: i64,
    pub overdue: i64,
    pub credit: i64,
}

/// One customer's part of [`of_customers`]: what it owes, or what credit it holds.
#[derive(Debug, FromQueryResult)]
struct Owed {
    customer_id: Uuid,
    outstanding: i64,
    overdue: i64,
    credit: i64,
}

/// The statement behind [`of_customers`]: per customer, one row of what it owes (and how much
/// of that is overdue on `as_of`) and one of the credit it holds, each with the columns
/// `customer_id`, `outstanding`, `overdue` and `credit`; sum them per customer.
pub fn parts_of_customers(viewer: &Viewer, ids: &[Uuid], as_of: NaiveDate) -> SelectStatement {
    use sea_orm::sea_query::UnionType;
    let zero = || Expr::val(0_i64).cast_as(Alias::new("BIGINT"));
    let mut owed = Installments::find()
        .select_only()
        .column(Column::CustomerId)
        .column_as(total(outstanding()), "outstanding")
        .column_as(
            total(when(
                Expr::col((Installments, Column::DueDate)).lt(as_of),
                outstanding(),
            )),
            "overdue",
        )
        .column_as(zero(), "credit")
        .filter(owing(viewer))
        .filter(Column::CustomerId.is_in(ids.to_vec()))
        .group_by(Column::CustomerId)
        .into_query();
    let credit = payment::Entity::find()
        .select_only()
        .column(payment::Column::CustomerId)
        .column_as(zero(), "outstanding")
        .column_as(zero(), "overdue")
        .column_as(
            total(Expr::col((
                payment::Entity,
                payment::Column::UnallocatedMinor,
            ))),
            "credit",
        )
        .filter(crate::policy::payments(viewer))
        .filter(payment::Column::CustomerId.is_in(ids.to_vec()))
        .filter(payment::Column::Status.eq(PaymentStatus::Received.as_str()))
        .group_by(payment::Column::CustomerId)
        .into_query();
    owed.union(UnionType::All, credit);
    owed
}

/// Outstanding, overdue (as of `as_of`) and credit of these customers, within visibility: one
/// statement (installments owed and payments' credit, side by side) however many customers.
pub async fn of_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
    as_of: NaiveDate,
) -> AppResult<Vec<(Uuid, CustomerReceivable)>> {
    let owed = parts_of_customers(viewer, ids, as_of);
    let mut found: HashMap<Uuid, CustomerReceivable> = HashMap::new();
    for row in db.query_all(&owed).await? {
        let part = Owed::from_query_result(&row, "")?;
        let value = found.entry(part.customer_id).or_default();
        value.outstanding = value.outstanding.saturating_add(part.outstanding);
        value.overdue = value.overdue.saturating_add(part.overdue);
        value.credit = value.credit.saturating_add(part.credit);
    }
    Ok(ids
        .iter()
        .map(|id| (*id, found.get(id).copied().unwrap_or_default()))
        .collect())
}
