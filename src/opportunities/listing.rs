//! Listing deals: the filter, the links a page joins in one statement (stage, customer, owner),
//! and the Relay page.

use super::model::OpportunityOrderField;
use super::stages;
use super::stale::stale_condition;
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

/// Which one-to-one links of a listed deal to join into the page's statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    pub customer: bool,
    pub owner: bool,
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

/// Joins the stage (always) and the customer and owner (when wanted) into a deal list.
pub(super) fn join_links(
    viewer: &Viewer,
    wants: Wants,
) -> crate::pagination::Rows<
    impl FnOnce(&mut sea_orm::sea_query::SelectStatement),
    impl Fn(&sea_orm::QueryResult) -> Result<Listed, sea_orm::DbErr>,
> {
    use crate::db::{left_join_prefixed, read_prefixed};
    use entity::{customer, pipeline_stage, user};
    let visible_customers = policy::customers(viewer);
    let deal = |column: opportunity::Column| Expr::col((Opportunities, column));
    crate::pagination::Rows {
        join: move |query: &mut sea_orm::sea_query::SelectStatement| {
            let (stage, owner) = (opportunity::Column::StageId, opportunity::Column::OwnerId);
            left_join_prefixed(
                query,
                pipeline_stage::Entity,
                deal(stage),
                Condition::all(),
                "st_",
            );
            if wants.customer {
                let key = deal(opportunity::Column::CustomerId);
                left_join_prefixed(query, customer::Entity, key, visible_customers, "cu_");
            }
            if wants.owner {
                left_join_prefixed(query, user::Entity, deal(owner), Condition::all(), "ow_");
            }
        },
        read: move |row: &sea_orm::QueryResult| {
            use sea_orm::FromQueryResult;
            Ok(Listed {
                deal: opportunity::Model::from_query_result(row, "")?,
                stage: read_prefixed(row, "st_")?,
                joined: Joined {
                    customer: wants
                        .customer
                        .then(|| read_prefixed(row, "cu_"))
                        .transpose()?,
                    owner: wants.owner.then(|| read_prefixed(row, "ow_")).transpose()?,
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
        condition = condition.add(stale_condition(now, &stages::list(db, true).await?));
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
