//! The morning list in one statement: the day's tasks joined with the customer (and its newest
//! follow-up), contact and deal (with its stage) the client asked for, each join restricted to
//! what the viewer may see, so the row count never changes the number of round trips.
//!
//! Over 500 lines (just): the statement, the layout its rows are read by and the columns each
//! model selects are one idea; about two fifths are their unit tests.

use chrono::NaiveDate;
use sea_orm::sea_query::SelectStatement;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{Condition, ConnectionTrait, QueryTrait, Select};

use crate::statements::Param;

use crate::columns::Needs;
use crate::db::{ReadAt, left_join_needed, needed_at, read_needed_joined, select_needed};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::policy;
use entity::{contact, customer, follow_up, opportunity, pipeline_stage, visit_task};

/// Which linked records the client asked for (`None`: not asked), and which columns of each
/// (and of the tasks) its selection needs.
#[derive(Debug, Clone, Copy)]
pub struct Wants {
    pub tasks: Needs,
    pub customers: Option<Needs>,
    pub last_follow_ups: Option<Needs>,
    pub contacts: Option<Needs>,
    pub opportunities: Option<Needs>,
    /// The deals' stages, read with the deals.
    pub stages: Needs,
}

impl Wants {
    /// The tasks with every link, whole.
    pub fn everything() -> Self {
        Self {
            tasks: Needs::ALL,
            customers: Some(Needs::ALL),
            last_follow_ups: Some(Needs::ALL),
            contacts: Some(Needs::ALL),
            opportunities: Some(Needs::ALL),
            stages: Needs::ALL,
        }
    }

    /// The part of a rendered statement's shape that these wants decide.
    fn key(&self) -> String {
        let key = |needs: Option<Needs>| needs.map_or_else(|| "-".to_owned(), Needs::key);
        format!(
            "{}/{}/{}/{}/{}/{}",
            self.tasks.key(),
            key(self.customers),
            key(self.last_follow_ups),
            key(self.contacts),
            key(self.opportunities),
            self.stages.key()
        )
    }
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
    query.clear_selects();
    select_needed::<visit_task::Entity>(&mut query, "", wants.tasks);
    if let Some(needs) = wants.customers {
        left_join_needed(
            &mut query,
            customer::Entity,
            Expr::col((visit_task::Entity, visit_task::Column::CustomerId)),
            policy::customers(viewer),
            CUSTOMER,
            needs,
        );
        if let Some(needs) = wants.last_follow_ups {
            crate::followups::service::join_newest(
                &mut query,
                Expr::col((customer::Entity, customer::Column::Id)),
                FOLLOW_UP,
                needs,
            );
        }
    }
    if let Some(needs) = wants.contacts {
        left_join_needed(
            &mut query,
            contact::Entity,
            Expr::col((visit_task::Entity, visit_task::Column::ContactId)),
            Condition::all().add(
                Expr::col((contact::Entity, contact::Column::CustomerId))
                    .in_subquery(policy::visible_customer_ids(viewer)),
            ),
            CONTACT,
            needs,
        );
    }
    if let Some(needs) = wants.opportunities {
        left_join_needed(
            &mut query,
            opportunity::Entity,
            Expr::col((visit_task::Entity, visit_task::Column::OpportunityId)),
            policy::opportunities(viewer),
            DEAL,
            needs,
        );
        left_join_needed(
            &mut query,
            pipeline_stage::Entity,
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Condition::all(),
            STAGE,
            wants.stages,
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
    let (start, end) = crate::calendar::local_day_bounds(viewer.timezone, date);
    let shape = format!("morning/{}/{}", u8::from(include_cancelled), wants.key());
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

crate::read_at!(visit_task::Model {
    id,
    assignee_id,
    created_by,
    customer_id,
    contact_id,
    opportunity_id,
    lead_id,
    purpose,
    planned_start,
    planned_end,
    local_date,
    day_ends_at,
    address,
    latitude,
    longitude,
    status,
    check_in_at,
    check_in_device_at,
    check_in_latitude,
    check_in_longitude,
    check_in_accuracy_m,
    check_in_distance_m,
    check_in_on_site,
    check_out_at,
    check_out_device_at,
    summary,
    outcome,
    next_step,
    next_visit_id,
    duration_seconds,
    follow_up_id,
    cancelled_at,
    cancel_reason,
    missed_at,
    version,
    created_at,
    updated_at,
});
crate::read_at!(customer::Model {
    id,
    name,
    company_key,
    industry,
    region,
    address,
    latitude,
    longitude,
    grade,
    owner_id,
    version,
    created_at,
    updated_at,
    influence,
    pinned_grade,
    grade_pin_reason,
    grade_pinned_by,
    grade_pinned_at,
    campaign_id,
});
crate::read_at!(follow_up::Model {
    id,
    subject_type,
    subject_id,
    lead_id,
    customer_id,
    author_id,
    kind,
    content,
    occurred_at,
    next_follow_up_at,
    created_at,
});
crate::read_at!(contact::Model {
    id,
    customer_id,
    name,
    title,
    phone,
    phone_key,
    email,
    email_key,
    version,
    created_at,
    updated_at,
});
crate::read_at!(opportunity::Model {
    id,
    customer_id,
    owner_id,
    name,
    amount_minor,
    stage_id,
    probability_override,
    forecast_category,
    status,
    expected_close_date,
    closed_at,
    lost_reason,
    stage_entered_at,
    lead_id,
    stale_notified_at,
    price_book_id,
    need,
    budget_minor,
    contact_id,
    decision_maker_id,
    close_reason_id,
    close_detail,
    closed_from_stage_id,
    version,
    created_at,
    updated_at,
    campaign_id,
});
crate::read_at!(pipeline_stage::Model {
    id,
    name,
    position,
    probability,
    kind,
    max_days_in_stage,
    stale_rule,
    archived,
    version,
    created_at,
    updated_at,
});

/// Where each model's columns start in the rows of a [`query`], found once per result.
struct Layout {
    task: usize,
    customer: Option<usize>,
    follow_up: Option<usize>,
    contact: Option<usize>,
    deal: Option<usize>,
    stage: Option<usize>,
}

impl Layout {
    /// The layout of a result whose columns are `names`, as `wants` selected them; `None`
    /// when a model's columns are not where [`query`] puts them.
    fn of(names: &[String], wants: &Wants) -> Option<Self> {
        let at = |wanted: Option<Needs>, find: &dyn Fn(Needs) -> Option<usize>| match wanted {
            Some(needs) => find(needs).map(Some),
            None => Some(None),
        };
        let deals = wants.opportunities;
        Some(Self {
            task: needed_at::<visit_task::Model>(names, "", wants.tasks)?,
            customer: at(wants.customers, &|n| {
                needed_at::<customer::Model>(names, CUSTOMER, n)
            })?,
            follow_up: at(wants.customers.and(wants.last_follow_ups), &|n| {
                needed_at::<follow_up::Model>(names, FOLLOW_UP, n)
            })?,
            contact: at(wants.contacts, &|n| {
                needed_at::<contact::Model>(names, CONTACT, n)
            })?,
            deal: at(deals, &|n| needed_at::<opportunity::Model>(names, DEAL, n))?,
            stage: at(deals.map(|_| wants.stages), &|n| {
                needed_at::<pipeline_stage::Model>(names, STAGE, n)
            })?,
        })
    }
}

/// Reads the model joined at `at` (when asked) with the columns `needs` holds.
fn joined<M: ReadAt>(
    row: &sea_orm::QueryResult,
    at: Option<usize>,
    needs: Option<Needs>,
) -> AppResult<Option<Option<M>>> {
    match (at, needs) {
        (Some(at), Some(needs)) => Ok(Some(read_needed_joined(row, at, needs)?)),
        _ => Ok(None),
    }
}

/// The tasks and links of the rows of a [`query`], each model read by position from the
/// columns its needs selected.
fn read(rows: Vec<sea_orm::QueryResult>, wants: Wants) -> AppResult<Vec<Linked>> {
    let mut linked = Vec::with_capacity(rows.len());
    let Some(first) = rows.first() else {
        return Ok(linked);
    };
    // The statement is built here: columns out of place are a fault of this module.
    let layout = Layout::of(&first.column_names(), &wants).ok_or_else(AppError::internal)?;
    for row in rows {
        let customer = match joined::<customer::Model>(&row, layout.customer, wants.customers)? {
            Some(Some(model)) => {
                let last = joined(&row, layout.follow_up, wants.last_follow_ups)?;
                Some(Some((model, last)))
            }
            Some(None) => Some(None),
            None => None,
        };
        let contact = joined(&row, layout.contact, wants.contacts)?;
        let opportunity =
            match joined::<opportunity::Model>(&row, layout.deal, wants.opportunities)? {
                Some(Some(deal)) => {
                    let stage = joined(&row, layout.stage, Some(wants.stages))?.flatten();
                    Some(Some((deal, stage)))
                }
                Some(None) => Some(None),
                None => None,
            };
        let task = visit_task::Model::read_needed(&row, layout.task, wants.tasks)?;
        linked.push(Linked {
            task,
            customer,
            contact,
            opportunity,
        });
    }
    Ok(linked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    /// Asserts that `M` is read in the order `E`'s columns are selected.
    fn read_in_selected_order<M: ReadAt, E: EntityTrait>() {
        let selected: Vec<&str> = <E::Column as Iterable>::iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(M::FIELDS, selected, "{}", std::any::type_name::<M>());
    }

    #[test]
    fn each_model_is_read_in_the_order_its_columns_are_selected() {
        read_in_selected_order::<visit_task::Model, visit_task::Entity>();
        read_in_selected_order::<customer::Model, customer::Entity>();
        read_in_selected_order::<follow_up::Model, follow_up::Entity>();
        read_in_selected_order::<contact::Model, contact::Entity>();
        read_in_selected_order::<opportunity::Model, opportunity::Entity>();
        read_in_selected_order::<pipeline_stage::Model, pipeline_stage::Entity>();
    }

    /// The names of the columns `sql` selects (its select list, up to the first `FROM`): each
    /// item's alias, or the column it names.
    fn selected_names(sql: &str) -> Vec<String> {
        let list = sql
            .strip_prefix("SELECT ")
            .and_then(|rest| rest.split(" FROM ").next())
            .unwrap_or_default();
        list.split(", ")
            .filter_map(|item| item.rsplit('"').nth(1))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_morning_statement_lays_out_every_model_where_it_is_read_by_position() {
        use crate::identity::Role;
        let rep = Viewer {
            user_id: uuid::Uuid::now_v7(),
            role: Role::SalesRep,
            team_id: None,
            managed_team_ids: Vec::new(),
            team_manager_id: None,
            timezone: chrono_tz::UTC,
            service: None,
        };
        let now = chrono::Utc::now();
        let partial = Wants {
            tasks: Needs::of(
                <visit_task::Model as ReadAt>::FIELDS,
                &["id", "status", "latitude"],
            ),
            customers: Some(Needs::of(
                <customer::Model as ReadAt>::FIELDS,
                &["id", "grade"],
            )),
            last_follow_ups: None,
            contacts: Some(Needs::of(<contact::Model as ReadAt>::FIELDS, &["id"])),
            opportunities: Some(Needs::of(
                <opportunity::Model as ReadAt>::FIELDS,
                &["id", "amount_minor"],
            )),
            stages: Needs::of(<pipeline_stage::Model as ReadAt>::FIELDS, &["id", "name"]),
        };
        for wants in [Wants::everything(), partial] {
            let tasks = crate::visits::service::my_visit_tasks_between(&rep, now, now, false);
            let sql = query(&rep, tasks, wants).to_string(sea_orm::sea_query::PostgresQueryBuilder);
            let names = selected_names(&sql);
            assert_eq!(names.first().map(String::as_str), Some("id"), "{sql}");
            let layout = Layout::of(&names, &wants).unwrap_or_else(|| panic!("{names:?}"));
            assert_eq!(layout.task, 0);
            for (model, at, asked) in [
                ("customer", layout.customer, true),
                (
                    "follow-up",
                    layout.follow_up,
                    wants.last_follow_ups.is_some(),
                ),
                ("contact", layout.contact, true),
                ("deal", layout.deal, true),
                ("stage", layout.stage, true),
            ] {
                assert_eq!(at.is_some(), asked, "{model} in {names:?}");
            }
        }
        let names = selected_names(
            &query(
                &rep,
                crate::visits::service::my_visit_tasks_between(&rep, now, now, false),
                partial,
            )
            .to_string(sea_orm::sea_query::PostgresQueryBuilder),
        );
        assert_eq!(
            names,
            [
                "id",
                "latitude",
                "status",
                "cu_id",
                "cu_grade",
                "ct_id",
                "op_id",
                "op_amount_minor",
                "st_id",
                "st_name"
            ]
        );
    }

    fn names(parts: &[(&str, &[&str])]) -> Vec<String> {
        parts
            .iter()
            .flat_map(|(prefix, fields)| fields.iter().map(move |f| format!("{prefix}{f}")))
            .collect()
    }

    #[test]
    fn a_model_is_found_only_where_all_its_columns_follow_in_order() {
        let all = Needs::ALL;
        let task = <visit_task::Model as ReadAt>::FIELDS;
        let stage = <pipeline_stage::Model as ReadAt>::FIELDS;
        let row = names(&[("", task), (STAGE, stage)]);
        assert_eq!(needed_at::<visit_task::Model>(&row, "", all), Some(0));
        assert_eq!(
            needed_at::<pipeline_stage::Model>(&row, STAGE, all),
            Some(task.len())
        );
        assert_eq!(needed_at::<customer::Model>(&row, CUSTOMER, all), None);

        let mut swapped = stage.to_vec();
        swapped.swap(1, 2);
        let row = names(&[("", task), (STAGE, &swapped)]);
        assert_eq!(needed_at::<pipeline_stage::Model>(&row, STAGE, all), None);

        let row = names(&[("", task), (STAGE, &stage[..stage.len() - 1])]);
        assert_eq!(needed_at::<pipeline_stage::Model>(&row, STAGE, all), None);

        // Only the needed columns, in order, from the key.
        let some = Needs::of(
            <pipeline_stage::Model as ReadAt>::FIELDS,
            &["id", "kind", "name"],
        );
        let row = names(&[("", task), (STAGE, &["id", "name", "kind"])]);
        assert_eq!(
            needed_at::<pipeline_stage::Model>(&row, STAGE, some),
            Some(task.len())
        );
        let row = names(&[("", task), (STAGE, &["id", "kind", "name"])]);
        assert_eq!(needed_at::<pipeline_stage::Model>(&row, STAGE, some), None);
    }
}
