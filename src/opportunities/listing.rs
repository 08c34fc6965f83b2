//! Listing deals: the filter, the links a page joins in one statement (stage, customer, owner),
//! and the Relay page.

use super::model::OpportunityOrderField;
use super::stale::stale_now;
use crate::columns::Needs;
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest};
use crate::policy;
use crate::sync;
use chrono::{DateTime, NaiveDate, Utc};
use entity::opportunity::{self, Entity as Opportunities};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Filters for the opportunity list.
#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub stage_id: Option<Uuid>,
    pub statuses: Option<Vec<String>>,
    pub close_from: Option<NaiveDate>,
    pub close_to: Option<NaiveDate>,
    pub customer_id: Option<Uuid>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub stale_only: bool,
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Which columns of a listed deal and its stage to read, and which one-to-one links to join
/// into the page's statement with which of their columns (`None`: not joined).
#[derive(Debug, Clone, Copy)]
pub struct Wants {
    pub deal: Needs,
    pub stage: Needs,
    pub customer: Option<Needs>,
    pub owner: Option<Needs>,
}

impl Default for Wants {
    /// Whole deals and stages, no link joined.
    fn default() -> Self {
        Self {
            deal: Needs::ALL,
            stage: Needs::ALL,
            customer: None,
            owner: None,
        }
    }
}

/// A deal's customer (`Some(None)`: not visible to the viewer) and owner, joined into a list's
/// statement; `None` where not asked for.
#[derive(Debug, Clone, Default)]
pub struct Joined {
    pub customer: Option<Option<entity::customer::Model>>,
    pub owner: Option<Option<entity::user::Model>>,
}

/// A deal of a list with its stage and the links asked for.
#[derive(Debug, Clone)]
pub struct Listed {
    pub deal: opportunity::Model,
    pub stage: Option<entity::pipeline_stage::Model>,
    pub joined: Joined,
}

/// Where the prefix of each joined model's columns in a deal list's statement.
const STAGE: &str = "st_";
const CUSTOMER: &str = "cu_";
const OWNER: &str = "ow_";

/// Where each model's columns start in the rows of a deal list, found once per result.
struct Layout {
    stage: usize,
    customer: Option<usize>,
    owner: Option<usize>,
}

impl Layout {
    /// The layout of a result whose columns are `names`, as `wants` selected them; `None`
    /// when a model's columns are not where [`join_links`] puts them.
    fn of(names: &[String], wants: &Wants) -> Option<Self> {
        use crate::db::needed_at;
        use entity::{customer, pipeline_stage, user};
        if needed_at::<opportunity::Model>(names, "", wants.deal) != Some(0) {
            return None;
        }
        let at = |needs: Option<Needs>, find: &dyn Fn(Needs) -> Option<usize>| match needs {
            Some(needs) => find(needs).map(Some),
            None => Some(None),
        };
        Some(Self {
            stage: needed_at::<pipeline_stage::Model>(names, STAGE, wants.stage)?,
            customer: at(wants.customer, &|n| {
                needed_at::<customer::Model>(names, CUSTOMER, n)
            })?,
            owner: at(wants.owner, &|n| needed_at::<user::Model>(names, OWNER, n))?,
        })
    }
}

/// Joins the stage (always) and the customer and owner (when wanted) into a deal list, each
/// model with the columns `wants` names, read by position.
pub(super) fn join_links(
    viewer: &Viewer,
    wants: Wants,
) -> crate::pagination::Rows<
    impl FnOnce(&mut sea_orm::sea_query::SelectStatement),
    impl Fn(&sea_orm::QueryResult) -> Result<Listed, sea_orm::DbErr>,
> {
    use crate::db::{ReadAt, left_join_needed, read_needed_joined};
    use entity::{customer, pipeline_stage, user};
    let visible_customers = policy::customers(viewer);
    let deal = |column: opportunity::Column| Expr::col((Opportunities, column));
    let layout = std::sync::OnceLock::new();
    crate::pagination::Rows {
        join: move |query: &mut sea_orm::sea_query::SelectStatement| {
            let (stage, owner) = (opportunity::Column::StageId, opportunity::Column::OwnerId);
            crate::pagination::needed::select_only::<Opportunities>(query, wants.deal);
            let all = Condition::all();
            let stages = pipeline_stage::Entity;
            left_join_needed(query, stages, deal(stage), all, STAGE, wants.stage);
            if let Some(needs) = wants.customer {
                let key = deal(opportunity::Column::CustomerId);
                let customers = customer::Entity;
                left_join_needed(query, customers, key, visible_customers, CUSTOMER, needs);
            }
            if let Some(needs) = wants.owner {
                let all = Condition::all();
                left_join_needed(query, user::Entity, deal(owner), all, OWNER, needs);
            }
        },
        read: move |row: &sea_orm::QueryResult| {
            let layout = layout
                .get_or_init(|| Layout::of(&row.column_names(), &wants))
                .as_ref()
                // The statement is built above: columns out of place are a fault of this module.
                .ok_or_else(|| sea_orm::DbErr::Custom("deal list columns out of place".into()))?;
            let joined = |at: Option<usize>, needs: Option<Needs>| match (at, needs) {
                (Some(at), Some(needs)) => Ok(Some((at, needs))),
                _ => Ok::<_, sea_orm::DbErr>(None),
            };
            Ok(Listed {
                deal: opportunity::Model::read_needed(row, 0, wants.deal)?,
                stage: read_needed_joined(row, layout.stage, wants.stage)?,
                joined: Joined {
                    customer: joined(layout.customer, wants.customer)?
                        .map(|(at, needs)| read_needed_joined(row, at, needs))
                        .transpose()?,
                    owner: joined(layout.owner, wants.owner)?
                        .map(|(at, needs)| read_needed_joined(row, at, needs))
                        .transpose()?,
                },
            })
        },
    }
}

/// One page of the deals the viewer may see, with their stage and the links `wants` asks for
/// joined into the page's one statement (plus one for the total count).
#[allow(clippy::too_many_arguments)] // the filter, the order, the page and what to join
pub async fn list_opportunities(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: OpportunityFilter,
    (order, descending): (OpportunityOrderField, bool),
    page: &PageRequest,
    now: DateTime<Utc>,
    wants: Wants,
) -> AppResult<Page<Listed>> {
    let shown = shown_opportunities(db, viewer, &filter, now).await?;
    let condition = sync::delta::<Opportunities>(shown, filter.updated_since);
    use opportunity::Column;
    use pagination::SortKey;
    let (sort, value_of): (SortKey<Column>, fn(&Listed) -> i64) = match order {
        OpportunityOrderField::CreatedAt => (SortKey::Id, |_| 0),
        OpportunityOrderField::UpdatedAt => (SortKey::Time(Column::UpdatedAt), |row| {
            pagination::time_value(row.deal.updated_at)
        }),
        OpportunityOrderField::Amount => (SortKey::Int(Column::AmountMinor), |row| {
            row.deal.amount_minor
        }),
        OpportunityOrderField::ExpectedCloseDate => {
            (SortKey::Date(Column::ExpectedCloseDate), |row| {
                pagination::date_value(row.deal.expected_close_date)
            })
        }
    };
    // A cursor carries the sort value: the column is read whatever the selection.
    let wants = Wants {
        deal: pagination::needed::with_key_and_sort::<opportunity::Model, _>(wants.deal, &sort),
        ..wants
    };
    pagination::fetch_joined(
        db,
        Opportunities::find().filter(condition),
        Column::Id,
        sort,
        descending,
        page,
        join_links(viewer, wants),
        value_of,
        |row: &Listed| row.deal.id,
    )
    .await
}

/// The deals the viewer may see, in the form each database answers fastest.
fn visible(db: &impl ConnectionTrait, viewer: &Viewer) -> Condition {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => policy::opportunities_indexed(viewer),
        _ => policy::opportunities(viewer),
    }
}

/// The deals of the list: visible and matching `filter` (its `updated_since` aside).
/// Errors: `BAD_USER_INPUT` (search).
async fn shown_opportunities(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &OpportunityFilter,
    now: DateTime<Utc>,
) -> AppResult<Condition> {
    let mut condition = Condition::all().add(visible(db, viewer));
    if let Some(owner) = filter.owner_id {
        condition = condition.add(opportunity::Column::OwnerId.eq(owner));
    }
    if let Some(team) = filter.team_id {
        let members = crate::policy::members_of(vec![team]);
        condition = condition.add(opportunity::Column::OwnerId.in_subquery(members));
    }
    if let Some(stage) = filter.stage_id {
        condition = condition.add(opportunity::Column::StageId.eq(stage));
    }
    if let Some(statuses) = filter.statuses.as_ref().filter(|list| !list.is_empty()) {
        condition = condition.add(opportunity::Column::Status.is_in(statuses.clone()));
    }
    if let Some(from) = filter.close_from {
        condition = condition.add(opportunity::Column::ExpectedCloseDate.gte(from));
    }
    if let Some(to) = filter.close_to {
        condition = condition.add(opportunity::Column::ExpectedCloseDate.lte(to));
    }
    if let Some(customer) = filter.customer_id {
        condition = condition.add(opportunity::Column::CustomerId.eq(customer));
    }
    if let Some(min) = filter.amount_min {
        condition = condition.add(opportunity::Column::AmountMinor.gte(min));
    }
    if let Some(max) = filter.amount_max {
        condition = condition.add(opportunity::Column::AmountMinor.lte(max));
    }
    if let Some(pattern) = crate::search::pattern(filter.search.as_deref(), "filter.search")? {
        let name = Expr::col((Opportunities, opportunity::Column::Name));
        condition = condition.add(crate::search::lower_like(name, &pattern));
    }
    if filter.stale_only {
        condition = condition.add(stale_now(db, now).await?);
    }
    Ok(condition)
}

/// The deals that left the list of `filter` in `window` (see [`sync::removed`]).
/// Errors: `BAD_USER_INPUT` (search).
pub async fn removed_opportunities(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &OpportunityFilter,
    window: sync::Window,
) -> AppResult<sync::Removed> {
    let shown = shown_opportunities(db, viewer, filter, window.now).await?;
    sync::removed::<Opportunities>(db, viewer, window, visible(db, viewer), shown).await
}
