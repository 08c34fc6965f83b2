//! The lists of the customer 360° view in one statement. Each list the client asked for is a
//! subquery of its own (its visibility, order and limit as the list's loader has them) under a
//! column prefix of its own, and the subqueries are laid side by side with full outer joins on
//! a condition never true: every result row carries one record of one list, the other lists'
//! columns null. With
//! the customer's own statement, the whole view takes two statements however many lists it nests.

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, EntityTrait, QuerySelect, QueryTrait, Select};
use uuid::Uuid;

use crate::billing::receivables::CustomerReceivable;
use crate::db::{left_join_prefixed, read_prefixed, select_prefixed};
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::opportunities::service::Listed;
use crate::statements::Param;
use entity::{contact, contract, opportunity, pipeline_stage, visit_task};

/// Which lists the client asked for; `visits` holds the most any selection of them asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    pub contacts: bool,
    pub opportunities: bool,
    pub visits: Option<u64>,
    pub contracts: bool,
    pub receivable: Option<chrono::NaiveDate>,
}

impl Wants {
    /// Whether any list is asked for at all.
    pub fn any(&self) -> bool {
        self.contacts
            || self.opportunities
            || self.visits.is_some()
            || self.contracts
            || self.receivable.is_some()
    }
}

/// The lists fetched, each `None` when not asked for (its resolver then uses its loader).
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub contacts: Option<Vec<contact::Model>>,
    pub opportunities: Option<Vec<Listed>>,
    pub visits: Option<Vec<visit_task::Model>>,
    pub contracts: Option<Vec<contract::Model>>,
    pub receivable: Option<CustomerReceivable>,
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

/// The side-by-side statement of the lists `wants` asks for (at least one).
fn query(viewer: &Viewer, id: Uuid, wants: Wants) -> SelectStatement {
    let ids = [id];
    let mut branches = Vec::new();
    if wants.contacts {
        branches.push(prefixed(
            crate::customers::service::contacts_select(&ids),
            CONTACT,
        ));
    }
    if wants.opportunities {
        let select = crate::opportunities::service::of_customers_select(viewer, &ids);
        let mut query = prefixed(select, DEAL);
        left_join_prefixed(
            &mut query,
            pipeline_stage::Entity,
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Condition::all(),
            STAGE,
        );
        branches.push(query);
    }
    if let Some(limit) = wants.visits {
        let select = crate::visits::service::visits_select(
            viewer,
            crate::visits::service::Parent::Customer,
            &ids,
        );
        branches.push(prefixed(select.limit(limit), VISIT));
    }
    if wants.contracts {
        let select = crate::contracts::service::contracts_select(
            viewer,
            crate::contracts::service::Parent::Customer,
            &ids,
        );
        branches.push(prefixed(select, CONTRACT));
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

/// The lists `wants` asks for of customer `id` (one the viewer may see), in one statement.
pub async fn fetch(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    wants: Wants,
) -> AppResult<Overview> {
    let mut overview = Overview {
        contacts: wants.contacts.then(Vec::new),
        opportunities: wants.opportunities.then(Vec::new),
        visits: wants.visits.map(|_| Vec::new()),
        contracts: wants.contracts.then(Vec::new),
        receivable: wants.receivable.map(|_| CustomerReceivable::default()),
    };
    if !wants.any() {
        return Ok(overview);
    }
    // The statement's structure depends on the viewer and on which lists were asked for (the
    // visits' limit included); its values on the ids and the date.
    let shape = format!(
        "customer-overview/{}{}{:?}{}{}",
        u8::from(wants.contacts),
        u8::from(wants.opportunities),
        wants.visits,
        u8::from(wants.contracts),
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
            Wants {
                receivable,
                ..wants
            },
        )
    });
    for row in db.query_all_raw(statement).await? {
        read_row(&row, &mut overview)?;
    }
    // Rows of a full join come in no particular order: restore each list's own.
    if let Some(contacts) = &mut overview.contacts {
        contacts.sort_by_key(|c| c.id);
    }
    if let Some(deals) = &mut overview.opportunities {
        deals.sort_by_key(|d| d.deal.id);
    }
    if let Some(visits) = &mut overview.visits {
        visits.sort_by_key(|v| std::cmp::Reverse((v.planned_start, v.id)));
    }
    if let Some(contracts) = &mut overview.contracts {
        contracts.sort_by_key(|c| std::cmp::Reverse(c.id));
    }
    Ok(overview)
}

/// Adds the one record `row` carries to its list.
fn read_row(row: &sea_orm::QueryResult, overview: &mut Overview) -> Result<(), sea_orm::DbErr> {
    if let Some(contacts) = &mut overview.contacts
        && let Some(found) = read_prefixed(row, CONTACT)?
    {
        contacts.push(found);
        return Ok(());
    }
    if let Some(deals) = &mut overview.opportunities
        && let Some(deal) = read_prefixed(row, DEAL)?
    {
        deals.push(Listed {
            deal,
            stage: read_prefixed(row, STAGE)?,
            joined: Default::default(),
        });
        return Ok(());
    }
    if let Some(visits) = &mut overview.visits
        && let Some(found) = read_prefixed(row, VISIT)?
    {
        visits.push(found);
        return Ok(());
    }
    if let Some(contracts) = &mut overview.contracts
        && let Some(found) = read_prefixed(row, CONTRACT)?
    {
        contracts.push(found);
        return Ok(());
    }
    if let Some(receivable) = &mut overview.receivable {
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
