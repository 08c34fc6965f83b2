//! The funnel: per stage, the deals in it now, how many of those that entered it in a period
//! moved further, and how long deals stay. Computed with SQL aggregates over visible deals.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::model::StageKind;
use crate::error::{AppError, AppResult};
use crate::exact_sum::{self, ExactSum};
use crate::identity::Viewer;
use crate::money::Money;
use crate::policy;
use crate::report_scope::Scope;
use entity::{opportunity, pipeline_stage, stage_change};

/// One stage of the funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelLine {
    pub stage: pipeline_stage::Model,
    pub deals: i64,
    pub amount: Money,
    pub weighted: Money,
    /// Of the deals that entered the stage in the period, the fraction that later reached a
    /// further stage; `None` when none entered.
    pub conversion: Option<f64>,
    /// Average whole days deals spent in the stage before leaving it in the period.
    pub average_days: Option<f64>,
}

#[derive(Debug, FromQueryResult)]
struct Snapshot {
    stage_id: Uuid,
    deals: i64,
    total: ExactSum,
    weighted_centi: ExactSum,
}

/// A row of [`stage_flow`].
#[derive(Debug, FromQueryResult)]
pub(crate) struct Flow {
    pub stage_id: Uuid,
    pub entered: i64,
    pub advanced: i64,
}

#[derive(Debug, FromQueryResult)]
struct Dwell {
    stage_id: Uuid,
    days: f64,
}

/// Deals visible to the viewer and owned within the scope (the funnel and pipeline velocity
/// count owners).
pub(crate) fn scoped_deals(viewer: &Viewer, scope: Scope) -> Condition {
    let mut condition = Condition::all().add(policy::opportunities(viewer));
    match scope {
        Scope::User(user) => {
            condition = condition
                .add(Expr::col((opportunity::Entity, opportunity::Column::OwnerId)).eq(user))
        }
        Scope::Team(team) => {
            let members = crate::policy::members_of(vec![team]);
            condition = condition.add(
                Expr::col((opportunity::Entity, opportunity::Column::OwnerId)).in_subquery(members),
            );
        }
        Scope::Company => {}
    }
    condition
}

/// The ids of [`scoped_deals`], for `IN (…)` filters.
pub(crate) fn visible_ids(viewer: &Viewer, scope: Scope) -> SelectStatement {
    Query::select()
        .column((opportunity::Entity, opportunity::Column::Id))
        .from(opportunity::Entity)
        .cond_where(scoped_deals(viewer, scope))
        .to_owned()
}

/// Deals with lines of the product line `line`.
fn deals_of_line(line: Uuid) -> SelectStatement {
    use entity::{opportunity_line_item as item, product};
    Query::select()
        .column((item::Entity, item::Column::OpportunityId))
        .from(item::Entity)
        .inner_join(
            product::Entity,
            Expr::col((product::Entity, product::Column::Id))
                .equals((item::Entity, item::Column::ProductId)),
        )
        .and_where(Expr::col((product::Entity, product::Column::ProductLineId)).eq(line))
        .to_owned()
}

/// The funnel of the pipeline's stages for visible deals in the scope; flows and dwell times
/// count stage changes from `from` to `to` (inclusive days, UTC). With `product_line`, only
/// deals with lines of that product line count, each for those lines' amounts.
/// Errors: `BAD_USER_INPUT`.
pub async fn funnel(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    scope: Scope,
    (from, to): (NaiveDate, NaiveDate),
    product_line: Option<Uuid>,
) -> AppResult<Vec<FunnelLine>> {
    if to < from {
        return Err(AppError::bad_input(
            "input.to",
            "The period ends before it starts",
        ));
    }
    let start: DateTime<Utc> = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end: DateTime<Utc> = (to + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let backend = db.get_database_backend();
    let stages = super::stages::list(db, true).await?;

    let probability =
        "COALESCE(\"opportunities\".\"probability_override\", \"pipeline_stages\".\"probability\")";
    let mut deals = scoped_deals(viewer, scope);
    if let Some(line) = product_line {
        deals = deals.add(
            Expr::col((opportunity::Entity, opportunity::Column::Id))
                .in_subquery(deals_of_line(line)),
        );
    }
    let ids = Query::select()
        .column((opportunity::Entity, opportunity::Column::Id))
        .from(opportunity::Entity)
        .cond_where(deals.clone())
        .to_owned();
    // With a product line, one row per line of it: the deals are counted once each.
    let amount = match product_line {
        Some(_) => "\"opportunity_line_items\".\"amount_minor\"",
        None => "\"opportunities\".\"amount_minor\"",
    };
    let mut snapshot = Query::select()
        .expr_as(
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Alias::new("stage_id"),
        )
        .expr_as(
            Expr::cust("CAST(COUNT(DISTINCT \"opportunities\".\"id\") AS BIGINT)"),
            Alias::new("deals"),
        )
        .expr_as(Expr::cust(exact_sum::sql(amount)), Alias::new("total"))
        .expr_as(
            Expr::cust(exact_sum::sql(&format!("{amount} * {probability}"))),
            Alias::new("weighted_centi"),
        )
        .from(opportunity::Entity)
        .inner_join(
            pipeline_stage::Entity,
            Expr::col((pipeline_stage::Entity, pipeline_stage::Column::Id))
                .equals((opportunity::Entity, opportunity::Column::StageId)),
        )
        .cond_where(deals)
        .add_group_by([Expr::col((
            opportunity::Entity,
            opportunity::Column::StageId,
        ))])
        .to_owned();
    if let Some(line) = product_line {
        use entity::{opportunity_line_item as item, product};
        snapshot
            .inner_join(
                item::Entity,
                Expr::col((item::Entity, item::Column::OpportunityId))
                    .equals((opportunity::Entity, opportunity::Column::Id)),
            )
            .inner_join(
                product::Entity,
                Expr::col((product::Entity, product::Column::Id))
                    .equals((item::Entity, item::Column::ProductId)),
            )
            .and_where(Expr::col((product::Entity, product::Column::ProductLineId)).eq(line));
    }
    let snapshots = Snapshot::find_by_statement(backend.build(&snapshot))
        .all(db)
        .await?;

    // Entered in the period, and of those, reached a later-positioned stage afterwards.
    let flow = stage_flow(
        Condition::all()
            .add(Expr::col((stage_change::Entity, stage_change::Column::ChangedAt)).gte(start))
            .add(Expr::col((stage_change::Entity, stage_change::Column::ChangedAt)).lt(end))
            .add(
                Expr::col((stage_change::Entity, stage_change::Column::OpportunityId))
                    .in_subquery(ids.clone()),
            ),
    );
    let flows = Flow::find_by_statement(backend.build(&flow))
        .all(db)
        .await?;

    let dwell = Query::select()
        .expr_as(
            Expr::col((stage_change::Entity, stage_change::Column::FromStageId)),
            Alias::new("stage_id"),
        )
        .expr_as(
            Expr::cust(
                "CAST(AVG(\"stage_changes\".\"days_in_previous_stage\") AS DOUBLE PRECISION)",
            ),
            Alias::new("days"),
        )
        .from(stage_change::Entity)
        .and_where(
            Expr::col((stage_change::Entity, stage_change::Column::FromStageId)).is_not_null(),
        )
        .and_where(Expr::col((stage_change::Entity, stage_change::Column::ChangedAt)).gte(start))
        .and_where(Expr::col((stage_change::Entity, stage_change::Column::ChangedAt)).lt(end))
        .and_where(
            Expr::col((stage_change::Entity, stage_change::Column::OpportunityId)).in_subquery(ids),
        )
        .add_group_by([Expr::col((
            stage_change::Entity,
            stage_change::Column::FromStageId,
        ))])
        .to_owned();
    let dwells = Dwell::find_by_statement(backend.build(&dwell))
        .all(db)
        .await?;

    Ok(stages
        .into_iter()
        .filter(|stage| !stage.archived || snapshots.iter().any(|s| s.stage_id == stage.id))
        .map(|stage| {
            let now = snapshots.iter().find(|s| s.stage_id == stage.id);
            let flow = flows
                .iter()
                .find(|f| f.stage_id == stage.id)
                .filter(|f| f.entered > 0);
            let weighted_centi = now.map_or(ExactSum::default(), |s| s.weighted_centi);
            FunnelLine {
                deals: now.map_or(0, |s| s.deals),
                amount: Money::from_minor(now.map_or(0, |s| s.total.saturating_i64())),
                weighted: Money::round_half_up_saturating(weighted_centi.to_decimal(4)),
                // Counts of deals, far below 2^52: the ratio is exact enough for a rate.
                #[allow(clippy::cast_precision_loss)]
                conversion: flow.map(|f| f.advanced as f64 / f.entered as f64),
                average_days: dwells
                    .iter()
                    .find(|d| d.stage_id == stage.id)
                    .map(|d| d.days),
                stage,
            }
        })
        .collect())
}

/// Per stage (`stage_id`), the deals whose stage changes matching `changes` entered it
/// (`entered`), and of those the ones that later reached a further-positioned stage that is not
/// a loss (`advanced`): the conversion of the funnel and of pipeline velocity.
pub(crate) fn stage_flow(changes: Condition) -> SelectStatement {
    let later = Alias::new("later");
    let later_stage = Alias::new("later_stage");
    let entered_stage = Alias::new("entered_stage");
    let advanced = Query::select()
        .expr(Expr::value(1))
        .from_as(stage_change::Entity, later.clone())
        .join_as(
            sea_orm::JoinType::InnerJoin,
            pipeline_stage::Entity,
            later_stage.clone(),
            Expr::col((later_stage.clone(), pipeline_stage::Column::Id))
                .equals((later.clone(), stage_change::Column::ToStageId)),
        )
        .and_where(
            Expr::col((later.clone(), stage_change::Column::OpportunityId))
                .equals((stage_change::Entity, stage_change::Column::OpportunityId)),
        )
        .and_where(
            Expr::col((later.clone(), stage_change::Column::ChangedAt)).gt(Expr::col((
                stage_change::Entity,
                stage_change::Column::ChangedAt,
            ))),
        )
        .and_where(
            Expr::col((later_stage.clone(), pipeline_stage::Column::Position)).gt(Expr::col((
                entered_stage.clone(),
                pipeline_stage::Column::Position,
            ))),
        )
        .and_where(
            Expr::col((later_stage, pipeline_stage::Column::Kind)).ne(StageKind::Lost.as_str()),
        )
        .to_owned();
    Query::select()
        .expr_as(
            Expr::col((stage_change::Entity, stage_change::Column::ToStageId)),
            Alias::new("stage_id"),
        )
        .expr_as(
            Expr::cust("CAST(COUNT(DISTINCT \"stage_changes\".\"opportunity_id\") AS BIGINT)"),
            Alias::new("entered"),
        )
        .expr_as(
            Expr::case(
                Expr::exists(advanced),
                Expr::col((stage_change::Entity, stage_change::Column::OpportunityId)),
            )
            .count_distinct(),
            Alias::new("advanced"),
        )
        .from(stage_change::Entity)
        .join_as(
            sea_orm::JoinType::InnerJoin,
            pipeline_stage::Entity,
            entered_stage.clone(),
            Expr::col((entered_stage, pipeline_stage::Column::Id))
                .equals((stage_change::Entity, stage_change::Column::ToStageId)),
        )
        .cond_where(changes)
        .add_group_by([Expr::col((
            stage_change::Entity,
            stage_change::Column::ToStageId,
        ))])
        .to_owned()
}
