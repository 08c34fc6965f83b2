//! The lists of the customer 360° view in one statement. Each list the client asked for is a
//! subquery of its own (its visibility, order and page as the list's loader has them, see
//! `pagination::children`) under a column prefix of its own, and the subqueries are laid side by side with full outer joins on
//! a condition never true: every result row carries one record of one list, the other lists'
//! columns null. With
//! the customer's own statement, the whole view takes two statements however many lists it nests.

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, EntityTrait, QueryTrait, Select};
use uuid::Uuid;

use crate::billing::receivables::CustomerReceivable;
use crate::db::{left_join_prefixed, read_prefixed, select_prefixed};
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::opportunities::service::Listed;
use crate::pagination::children::{self, Place};
use crate::pagination::{Keyset, Page, PageRequest};
use crate::statements::Param;
use entity::{contact, contract, opportunity, pipeline_stage, visit_task};

/// Which lists the client asked for, each with the page it asked for.
#[derive(Debug, Clone, Default)]
pub struct Wants {
    pub contacts: Option<PageRequest>,
    pub opportunities: Option<PageRequest>,
    pub visits: Option<PageRequest>,
    pub contracts: Option<PageRequest>,
    pub receivable: Option<chrono::NaiveDate>,
}

impl Wants {
    /// Whether any list is asked for at all.
    pub fn any(&self) -> bool {
        self.contacts.is_some()
            || self.opportunities.is_some()
            || self.visits.is_some()
            || self.contracts.is_some()
            || self.receivable.is_some()
    }
}

/// A page fetched, with the request it answers.
pub type Fetched<T> = Option<(PageRequest, Page<T>)>;

/// The lists fetched, each `None` when not asked for (its resolver then uses its loader, as it
/// does when it asks for another page than the one fetched).
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub contacts: Fetched<contact::Model>,
    pub opportunities: Fetched<Listed>,
    pub visits: Fetched<visit_task::Model>,
    pub contracts: Fetched<contract::Model>,
    pub receivable: Option<CustomerReceivable>,
}

/// The rows read of each list, with where each stands in its list.
#[derive(Default)]
struct Read {
    contacts: Vec<(Place, contact::Model)>,
    opportunities: Vec<(Place, Listed)>,
    visits: Vec<(Place, visit_task::Model)>,
    contracts: Vec<(Place, contract::Model)>,
    receivable: Option<CustomerReceivable>,
}

const CONTACT: &str = "ct_";
const DEAL: &str = "op_";
const STAGE: &str = "ds_";
const VISIT: &str = "vt_";
const CONTRACT: &str = "cn_";
const RECEIVABLE: &str = "rc_";

/// `select`'s rows with only its entity's columns, each under `prefix`.
fn prefixed<E: EntityTrait>(select: Select<E>, prefix: &str) -> SelectStatement {
    let mut query = select.into_query();
    query.clear_selects();
    select_prefixed::<E>(&mut query, prefix);
    query
}

/// The receivable as one row: the customer's parts summed (null sums when it has none).
fn receivable(viewer: &Viewer, id: Uuid, as_of: chrono::NaiveDate) -> SelectStatement {
    let parts = Alias::new("parts");
    let sum =
        |column: &str| crate::exact_sum::saturating(Expr::col((parts.clone(), Alias::new(column))));
    let mut query = Query::select();
    for column in ["outstanding", "overdue", "credit"] {
        query.expr_as(sum(column), Alias::new(format!("{RECEIVABLE}{column}")));
    }
    query.from_subquery(
        crate::billing::receivables::parts_of_customers(viewer, &[id], as_of),
        parts.clone(),
    );
    query
}

/// One list's page, its columns under `prefix`, for the customer `id`.
fn branch<C: sea_orm::ColumnTrait>(
    query: SelectStatement,
    parent: C,
    keyset: &Keyset<C>,
    request: &PageRequest,
    prefix: &str,
) -> SelectStatement {
    children::statement(
        query,
        Expr::col(parent.as_column_ref()),
        keyset,
        request,
        prefix,
    )
}

/// The side-by-side statement of the lists `wants` asks for (at least one).
fn query(viewer: &Viewer, id: Uuid, wants: &Wants) -> SelectStatement {
    let ids = [id];
    let mut branches = Vec::new();
    if let Some(request) = &wants.contacts {
        let query = prefixed(crate::customers::service::contacts_select(&ids), CONTACT);
        let keyset = crate::customers::service::contacts_keyset();
        let parent = contact::Column::CustomerId;
        branches.push(branch(query, parent, &keyset, request, CONTACT));
    }
    if let Some(request) = &wants.opportunities {
        let select = crate::opportunities::service::of_customers_select(viewer, &ids);
        let mut query = prefixed(select, DEAL);
        left_join_prefixed(
            &mut query,
            pipeline_stage::Entity,
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Condition::all(),
            STAGE,
        );
        let keyset = crate::opportunities::service::of_customers_keyset();
        let parent = opportunity::Column::CustomerId;
        branches.push(branch(query, parent, &keyset, request, DEAL));
    }
    if let Some(request) = &wants.visits {
        use crate::visits::service::{Parent, visits_keyset, visits_select};
        let query = prefixed(visits_select(viewer, Parent::Customer, &ids), VISIT);
        let parent = Parent::Customer.column();
        branches.push(branch(query, parent, &visits_keyset(), request, VISIT));
    }
    if let Some(request) = &wants.contracts {
        use crate::contracts::service::{Parent, contracts_keyset, contracts_select};
        let query = prefixed(contracts_select(viewer, Parent::Customer, &ids), CONTRACT);
        let parent = Parent::Customer.column();
        branches.push(branch(
            query,
            parent,
            &contracts_keyset(),
            request,
            CONTRACT,
        ));
    }
    if let Some(as_of) = wants.receivable {
        branches.push(receivable(viewer, id, as_of));
    }
    // Each branch carries its number as a column, and each join asks the first branch's number
    // to equal the joined one's: never true, so no two records share a row. (PostgreSQL plans a
    // full join only on an equality it can hash or merge; it refuses a constant `ON false`.)
    let mut branches = branches.into_iter().enumerate();
    let mut query = Query::select();
    let Some((_, mut first)) = branches.next() else {
        return query;
    };
    let key = |n: usize| Alias::new(format!("k{n}"));
    let table = |n: usize| Alias::new(format!("b{n}"));
    first.expr_as(Expr::val(0_i32), key(0));
    query.column(Asterisk).from_subquery(first, table(0));
    for (n, mut branch) in branches {
        let number = i32::try_from(n).unwrap_or(i32::MAX);
        branch.expr_as(Expr::val(number), key(n));
        query.join_subquery(
            JoinType::FullOuterJoin,
            branch,
            table(n),
            Expr::col((table(0), key(0))).eq(Expr::col((table(n), key(n)))),
        );
    }
    query
}

/// The statement's structure of a page request: its direction, size and which cursors it
/// has (their values are bound, never part of a kept shape).
fn page_shape(request: Option<&PageRequest>) -> String {
    request.map_or_else(|| "-".to_owned(), PageRequest::shape)
}

/// The lists `wants` asks for of customer `id` (one the viewer may see), in one statement.
pub async fn fetch(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    wants: Wants,
) -> AppResult<Overview> {
    // A cursor of another list's ordering is not fetched here: the list's own resolver
    // refuses it, at the list's path, through its loader.
    let mut wants = wants;
    let contacts = crate::customers::service::contacts_keyset();
    wants.contacts = wants.contacts.filter(|r| contacts.check(r).is_ok());
    let deals = crate::opportunities::service::of_customers_keyset();
    wants.opportunities = wants.opportunities.filter(|r| deals.check(r).is_ok());
    let visits = crate::visits::service::visits_keyset();
    wants.visits = wants.visits.filter(|r| visits.check(r).is_ok());
    let contracts = crate::contracts::service::contracts_keyset();
    wants.contracts = wants.contracts.filter(|r| contracts.check(r).is_ok());
    if !wants.any() {
        return Ok(Overview::default());
    }
    // The statement's structure depends on the viewer and on which pages were asked for; its
    // values on the ids and the date.
    let shape = format!(
        "customer-overview/{}/{}/{}/{}/{}",
        page_shape(wants.contacts.as_ref()),
        page_shape(wants.opportunities.as_ref()),
        page_shape(wants.visits.as_ref()),
        page_shape(wants.contracts.as_ref()),
        u8::from(wants.receivable.is_some()),
    );
    let mut params = vec![Param::Id(id)];
    params.extend(wants.receivable.map(Param::Date));
    let backend = db.get_database_backend();
    let statement = crate::statements::for_viewer(backend, &shape, viewer, &params, |viewer, p| {
        let id = p.first().and_then(Param::id).unwrap_or(id);
        let receivable = wants
            .receivable
            .map(|as_of| p.get(1).and_then(Param::date).unwrap_or(as_of));
        query(
            viewer,
            id,
            &Wants {
                receivable,
                ..wants.clone()
            },
        )
    });
    let mut read = Read {
        receivable: wants.receivable.map(|_| CustomerReceivable::default()),
        ..Read::default()
    };
    for row in db.query_all_raw(statement).await? {
        read_row(&row, &mut read)?;
    }
    // Rows of a full join come in no particular order: each page puts its own back.
    fn page_of<C: sea_orm::ColumnTrait, T, V: Into<crate::pagination::SortValue>>(
        request: Option<PageRequest>,
        rows: Vec<(Place, T)>,
        keyset: &Keyset<C>,
        value_of: impl Fn(&T) -> V,
        id_of: impl Fn(&T) -> Uuid,
    ) -> Fetched<T> {
        let request = request?;
        let page = children::pages(rows, keyset, &request, value_of, id_of)
            .into_values()
            .next()
            .unwrap_or_else(|| Page::empty(&request));
        Some((request, page))
    }
    Ok(Overview {
        contacts: page_of(
            wants.contacts,
            read.contacts,
            &crate::customers::service::contacts_keyset(),
            |_| 0,
            |c| c.id,
        ),
        opportunities: page_of(
            wants.opportunities,
            read.opportunities,
            &crate::opportunities::service::of_customers_keyset(),
            |_| 0,
            |l| l.deal.id,
        ),
        visits: page_of(
            wants.visits,
            read.visits,
            &crate::visits::service::visits_keyset(),
            |v| crate::pagination::time_value(v.planned_start),
            |v| v.id,
        ),
        contracts: page_of(
            wants.contracts,
            read.contracts,
            &crate::contracts::service::contracts_keyset(),
            |_| 0,
            |c| c.id,
        ),
        receivable: read.receivable,
    })
}

/// Adds the one record `row` carries to its list.
fn read_row(row: &sea_orm::QueryResult, read: &mut Read) -> Result<(), sea_orm::DbErr> {
    if let Some(place) = children::place(row, CONTACT)?
        && let Some(found) = read_prefixed(row, CONTACT)?
    {
        read.contacts.push((place, found));
        return Ok(());
    }
    if let Some(place) = children::place(row, DEAL)?
        && let Some(deal) = read_prefixed(row, DEAL)?
    {
        let listed = Listed {
            deal,
            stage: read_prefixed(row, STAGE)?,
            joined: Default::default(),
        };
        read.opportunities.push((place, listed));
        return Ok(());
    }
    if let Some(place) = children::place(row, VISIT)?
        && let Some(found) = read_prefixed(row, VISIT)?
    {
        read.visits.push((place, found));
        return Ok(());
    }
    if let Some(place) = children::place(row, CONTRACT)?
        && let Some(found) = read_prefixed(row, CONTRACT)?
    {
        read.contracts.push((place, found));
        return Ok(());
    }
    if let Some(receivable) = &mut read.receivable {
        let read = |column: &str| -> Result<i64, sea_orm::DbErr> {
            let value: Option<i64> = row.try_get(RECEIVABLE, column)?;
            Ok(value.unwrap_or(0))
        };
        receivable.outstanding = receivable.outstanding.saturating_add(read("outstanding")?);
        receivable.overdue = receivable.overdue.saturating_add(read("overdue")?);
        receivable.credit = receivable.credit.saturating_add(read("credit")?);
    }
    Ok(())
}
