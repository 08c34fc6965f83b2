//! `pipelineVelocity`: per open stage, how long deals stay, how many move on, and how many are
//! stuck now — SQL aggregates over the deals the viewer may see, owned within the scope.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::opportunities::funnel::{Flow, scoped_deals, visible_ids};
use crate::opportunities::model::StageKind;
use crate::report_scope::Scope;
use entity::{opportunity, pipeline_stage, stage_change};

/// How many stuck deals a stage lists at most (its count is always exact).
pub const STUCK_SAMPLE: u64 = 10;

/// One stage's velocity.
#[derive(Debug, Clone, PartialEq)]
pub struct StageVelocity {
    pub stage: pipeline_stage::Model,
    pub average_days: Option<f64>,
    pub median_days: Option<f64>,
    pub conversion_to_next: Option<f64>,
    /// Open deals in the stage longer than its `maxDaysInStage`.
    pub stuck_count: i64,
    /// The longest-stuck of them, at most [`STUCK_SAMPLE`].
    pub stuck_sample: Vec<opportunity::Model>,
}

/// The median of day counts given as `(days, how many)` pairs.
pub fn median(histogram: &mut [(i32, i64)]) -> Option<f64> {
    let total: i64 = histogram.iter().map(|(_, n)| *n).sum();
    if total <= 0 {
        return None;
    }
    histogram.sort_unstable();
    // The values at (0-based) positions `(total - 1) / 2` and `total / 2`.
    let at = |position: i64| {
        let mut seen = 0;
        for (days, n) in histogram.iter() {
            seen += n;
            if position < seen {
                return f64::from(*days);
            }
        }
        0.0
    };
    Some(f64::midpoint(at((total - 1) / 2), at(total / 2)))
}

#[derive(Debug, FromQueryResult)]
struct Dwell {
    stage_id: Uuid,
    days: i32,
    changes: i64,
}

#[derive(Debug, FromQueryResult)]
struct Stuck {
    stage_id: Uuid,
    deals: i64,
}

/// Per open stage: average and median whole days deals spent in it before leaving it in
/// `[start, end)`, the fraction of deals entering it then that later reached a further stage,
/// and the deals stuck in it at `now` (exact count, longest-stuck sample) — over the deals the
/// viewer may see, owned within the scope. Errors: `BAD_USER_INPUT` (`input.to`).
pub async fn pipeline_velocity(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    scope: Scope,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<Vec<StageVelocity>> {
    if end <= start {
        return Err(AppError::bad_input(
            "input.to",
            "The period ends before it starts",
        ));
    }
    let backend = db.get_database_backend();
    let stages: Vec<pipeline_stage::Model> = crate::opportunities::stages::list(db, true)
        .await?
        .into_iter()
        .filter(|s| s.kind == StageKind::Open.as_str())
        .collect();
    let changed_in = Condition::all()
        .add(Expr::col((stage_change::Entity, stage_change::Column::ChangedAt)).gte(start))
        .add(Expr::col((stage_change::Entity, stage_change::Column::ChangedAt)).lt(end))
        .add(
            Expr::col((stage_change::Entity, stage_change::Column::OpportunityId))
                .in_subquery(visible_ids(viewer, scope)),
        );

    // Dwell times as a histogram (stage, days, changes): exact average and median, few rows.
    let dwell = Query::select()
        .expr_as(
            Expr::col((stage_change::Entity, stage_change::Column::FromStageId)),
            Alias::new("stage_id"),
        )
        .expr_as(
            Expr::col((
                stage_change::Entity,
                stage_change::Column::DaysInPreviousStage,
            )),
            Alias::new("days"),
        )
        .expr_as(
            Expr::cust("CAST(COUNT(*) AS BIGINT)"),
            Alias::new("changes"),
        )
        .from(stage_change::Entity)
        .cond_where(changed_in.clone())
        .and_where(
            Expr::col((stage_change::Entity, stage_change::Column::FromStageId)).is_not_null(),
        )
        .and_where(
            Expr::col((
                stage_change::Entity,
                stage_change::Column::DaysInPreviousStage,
            ))
            .is_not_null(),
        )
        .add_group_by([
            Expr::col((stage_change::Entity, stage_change::Column::FromStageId)),
            Expr::col((
                stage_change::Entity,
                stage_change::Column::DaysInPreviousStage,
            )),
        ])
        .to_owned();

    // Deals entering a stage in the period, and of those, the ones that later reached a
    // further-positioned stage that is not a loss.
    let flow = crate::opportunities::funnel::stage_flow(changed_in);

    let limits = crate::opportunities::dwell::limits(db, &stages, now).await?;
    let stuck_now = crate::opportunities::stale::stale_condition(now, &limits);
    let stuck_counts = Query::select()
        .expr_as(
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Alias::new("stage_id"),
        )
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("deals"))
        .from(opportunity::Entity)
        .cond_where(scoped_deals(viewer, scope))
        .cond_where(stuck_now.clone())
        .add_group_by([Expr::col((
            opportunity::Entity,
            opportunity::Column::StageId,
        ))])
        .to_owned();

    let mut dwell_by_stage: HashMap<Uuid, Vec<(i32, i64)>> = HashMap::new();
    for row in Dwell::find_by_statement(backend.build(&dwell))
        .all(db)
        .await?
    {
        dwell_by_stage
            .entry(row.stage_id)
            .or_default()
            .push((row.days, row.changes));
    }
    let flows: HashMap<Uuid, Flow> = Flow::find_by_statement(backend.build(&flow))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.stage_id, f))
        .collect();
    let stuck_by_stage: HashMap<Uuid, i64> = Stuck::find_by_statement(backend.build(&stuck_counts))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.stage_id, s.deals))
        .collect();

    let mut lines = Vec::new();
    for stage in stages {
        let mut days = dwell_by_stage.remove(&stage.id).unwrap_or_default();
        let flow = flows.get(&stage.id).filter(|f| f.entered > 0);
        let stuck_count = stuck_by_stage.get(&stage.id).copied().unwrap_or(0);
        if stage.archived && days.is_empty() && flow.is_none() && stuck_count == 0 {
            continue;
        }
        let stuck_sample = if stuck_count > 0 {
            opportunity::Entity::find()
                .filter(scoped_deals(viewer, scope))
                .filter(stuck_now.clone())
                .filter(Expr::col((opportunity::Entity, opportunity::Column::StageId)).eq(stage.id))
                .order_by_asc(opportunity::Column::StageEnteredAt)
                .order_by_asc(opportunity::Column::Id)
                .limit(STUCK_SAMPLE)
                .all(db)
                .await?
        } else {
            Vec::new()
        };
        let changes: i64 = days.iter().map(|(_, n)| *n).sum();
        let day_total: i64 = days.iter().map(|(d, n)| i64::from(*d) * n).sum();
        // Counts of changes and days, far below 2^52: the ratios are exact enough for a rate.
        #[allow(clippy::cast_precision_loss)]
        let (average_days, conversion_to_next) = (
            (changes > 0).then(|| day_total as f64 / changes as f64),
            flow.map(|f| f.advanced as f64 / f.entered as f64),
        );
        lines.push(StageVelocity {
            average_days,
            median_days: median(&mut days),
            conversion_to_next,
            stuck_count,
            stuck_sample,
            stage,
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_is_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [(5, 1)]), Some(5.0));
        assert_eq!(median(&mut [(9, 1), (1, 1), (4, 1)]), Some(4.0));
        assert_eq!(median(&mut [(10, 1), (2, 1), (4, 1), (8, 1)]), Some(6.0));
        assert_eq!(median(&mut [(2, 1), (5, 2)]), Some(5.0));
        assert_eq!(median(&mut [(1, 3), (7, 3)]), Some(4.0));
    }
}
