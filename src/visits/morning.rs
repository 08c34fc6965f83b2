//! The morning list in one statement: the day's tasks joined with the customer (and its newest
//! follow-up), contact and deal (with its stage) the client asked for, each join restricted to
//! what the viewer may see, so the row count never changes the number of round trips.

use chrono::NaiveDate;
use sea_orm::sea_query::SelectStatement;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{Condition, ConnectionTrait, FromQueryResult, QueryTrait, Select};

use crate::statements::Param;

use crate::auth::viewer::Viewer;
use crate::db::{left_join_prefixed, read_prefixed};
use crate::error::AppResult;
use crate::policy;
use entity::{contact, customer, follow_up, opportunity, pipeline_stage, visit_task};

/// Which linked records the client asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    pub customers: bool,
    pub last_follow_ups: bool,
    pub contacts: bool,
    pub opportunities: bool,
}

/// A customer with its newest follow-up (`None` when not asked for).
pub type CustomerWithLatest = (customer::Model, Option<Option<follow_up::Model>>);

/// A task with what it links to, as far as the viewer may see it; `None` where not asked.
#[derive(Debug, Clone)]
pub struct Linked {
    pub task: visit_task::Model,
    pub customer: Option<Option<CustomerWithLatest>>,
    pub contact: Option<Option<contact::Model>>,
    pub opportunity: Option<Option<(opportunity::Model, Option<pipeline_stage::Model>)>>,
}

const CUSTOMER: &str = "cu_";
const FOLLOW_UP: &str = "fu_";
const CONTACT: &str = "ct_";
const DEAL: &str = "op_";
const STAGE: &str = "st_";

/// `tasks` (a query of visit tasks, filtered and ordered) with the links `wants` asks for
/// joined in: one statement, whatever the number of tasks.
fn query(viewer: &Viewer, tasks: Select<visit_task::Entity>, wants: Wants) -> SelectStatement {
    let mut query = tasks.into_query();
    if wants.customers {
        left_join_prefixed(
            &mut query,
            customer::Entity,
            Expr::col((visit_task::Entity, visit_task::Column::CustomerId)),
            policy::customers(viewer),
            CUSTOMER,
        );
        if wants.last_follow_ups {
            crate::followups::service::join_newest(
                &mut query,
                Expr::col((customer::Entity, customer::Column::Id)),
                FOLLOW_UP,
            );
        }
    }
    if wants.contacts {
        left_join_prefixed(
            &mut query,
            contact::Entity,
            Expr::col((visit_task::Entity, visit_task::Column::ContactId)),
            Condition::all().add(
                Expr::col((contact::Entity, contact::Column::CustomerId))
                    .in_subquery(policy::visible_customer_ids(viewer)),
            ),
            CONTACT,
        );
    }
    if wants.opportunities {
        left_join_prefixed(
            &mut query,
            opportunity::Entity,
            Expr::col((visit_task::Entity, visit_task::Column::OpportunityId)),
            policy::opportunities(viewer),
            DEAL,
        );
        left_join_prefixed(
            &mut query,
            pipeline_stage::Entity,
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Condition::all(),
            STAGE,
        );
    }
    query
}

/// The viewer's tasks of the local day `date` with the links `wants` asks for: one statement,
/// rendered once per shape (role, flags) and reused with the request's ids and times.
pub async fn fetch_day(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    date: NaiveDate,
    include_cancelled: bool,
    wants: Wants,
) -> AppResult<Vec<Linked>> {
    let (start, end) = crate::visits::rules::local_day_bounds(viewer.timezone, date);
    let shape = format!(
        "morning/{}{}{}{}{}",
        u8::from(include_cancelled),
        u8::from(wants.customers),
        u8::from(wants.last_follow_ups),
        u8::from(wants.contacts),
        u8::from(wants.opportunities),
    );
    let params = [Param::Time(start), Param::Time(end)];
    let backend = db.get_database_backend();
    let statement = crate::statements::for_viewer(backend, &shape, viewer, &params, |viewer, p| {
        let start = p.first().and_then(Param::time).unwrap_or(start);
        let end = p.get(1).and_then(Param::time).unwrap_or(end);
        let tasks =
            crate::visits::service::my_visit_tasks_between(viewer, start, end, include_cancelled);
        query(viewer, tasks, wants)
    });
    read(db.query_all_raw(statement).await?, wants)
}

/// The tasks and links of the rows of a [`query`].
fn read(rows: Vec<sea_orm::QueryResult>, wants: Wants) -> AppResult<Vec<Linked>> {
    let mut linked = Vec::with_capacity(rows.len());
    for row in rows {
        let customer = if wants.customers {
            let found: Option<customer::Model> = read_prefixed(&row, CUSTOMER)?;
            Some(match found {
                Some(model) => {
                    let last = if wants.last_follow_ups {
                        Some(read_prefixed(&row, FOLLOW_UP)?)
                    } else {
                        None
                    };
                    Some((model, last))
                }
                None => None,
            })
        } else {
            None
        };
        let contact = if wants.contacts {
            Some(read_prefixed(&row, CONTACT)?)
        } else {
            None
        };
        let opportunity = if wants.opportunities {
            let deal: Option<opportunity::Model> = read_prefixed(&row, DEAL)?;
            Some(match deal {
                Some(deal) => Some((deal, read_prefixed(&row, STAGE)?)),
                None => None,
            })
        } else {
            None
        };
        linked.push(Linked {
            task: visit_task::Model::from_query_result(&row, "")?,
            customer,
            contact,
            opportunity,
        });
    }
    Ok(linked)
}
