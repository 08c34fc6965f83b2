//! How long deals stay in each stage, and when a deal counts as stuck: over the last 180 days,
//! the median and 80th percentile of the whole days deals spent in a stage before leaving it;
//! a stage's limit is its `max_days_in_stage` (`FIXED`), or with `AUTO` the observed 80th
//! percentile once at least [`MIN_SAMPLE`] deals left it (else the fixed value). The stale
//! list, the sweep, the stuck counts and `Opportunity.isStale` all use [`limits`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::AppResult;
use entity::{pipeline_stage, stage_change};

/// Days back the observed stays are taken from.
pub const WINDOW_DAYS: i64 = 180;
/// Stays an `AUTO` stage needs before its observed percentile replaces the fixed limit.
pub const MIN_SAMPLE: i64 = 10;

crate::string_enum! {
    /// How a stage's stuck-deal limit is read.
    StaleRule {
        /// Its `maxDaysInStage`.
        Fixed => "FIXED",
        /// The observed 80th percentile of stays, once enough deals left the stage; its
        /// `maxDaysInStage` until then.
        Auto => "AUTO",
    }
}

/// What was observed of a stage's stays, and the limit its rule gives.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Dwell {
    pub sample: i64,
    pub median: Option<f64>,
    pub p80: Option<f64>,
    /// Whole days a deal may stay before it is stuck; `None`: never stuck.
    pub limit: Option<i64>,
}

/// The median (the middle value, or the mean of the two middle ones) and the 80th percentile
/// (nearest rank) of stays given as `(days, how many)` in any order; `None` for no stays.
pub fn quantiles(histogram: &[(i64, i64)]) -> Option<(f64, f64)> {
    let mut sorted: Vec<(i64, i64)> = histogram.iter().copied().filter(|(_, n)| *n > 0).collect();
    sorted.sort_unstable();
    let total: i64 = sorted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // The value at 0-based position `rank` of the expanded, sorted stays.
    let at = |rank: i64| {
        let mut seen = 0;
        for (days, n) in &sorted {
            seen += n;
            if rank < seen {
                return *days as f64;
            }
        }
        sorted.last().map_or(0.0, |(d, _)| *d as f64)
    };
    let median = if total % 2 == 1 {
        at(total / 2)
    } else {
        (at(total / 2 - 1) + at(total / 2)) / 2.0
    };
    // Nearest rank: the smallest stay with at least 80% of stays at or below it.
    let p80 = at((total * 8 + 9) / 10 - 1);
    Some((median, p80))
}

/// The limit `stage` has, given what was observed of it.
pub fn limit_of(stage: &pipeline_stage::Model, histogram: &[(i64, i64)]) -> Dwell {
    let sample: i64 = histogram.iter().map(|(_, n)| n).sum();
    let observed = quantiles(histogram);
    let fixed = stage.max_days_in_stage.map(i64::from);
    let auto = stage.stale_rule == StaleRule::Auto.as_str();
    let limit = match observed {
        Some((_, p80)) if auto && sample >= MIN_SAMPLE => Some(p80.ceil() as i64),
        _ => fixed,
    };
    Dwell {
        sample,
        median: observed.map(|(m, _)| m),
        p80: observed.map(|(_, p)| p),
        limit,
    }
}

#[derive(Debug, FromQueryResult)]
struct Bucket {
    stage_id: Uuid,
    days: i32,
    n: i64,
}

/// The observed stays and limit of every one of `stages` at `now`: one statement, grouped by
/// stage and whole days (a few hundred rows however many deals moved).
pub async fn limits(
    db: &impl ConnectionTrait,
    stages: &[pipeline_stage::Model],
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Dwell>> {
    let since = now - chrono::Duration::days(WINDOW_DAYS);
    let query = Query::select()
        .from(stage_change::Entity)
        .expr_as(
            Expr::col(stage_change::Column::FromStageId),
            Alias::new("stage_id"),
        )
        .expr_as(
            Expr::col(stage_change::Column::DaysInPreviousStage),
            Alias::new("days"),
        )
        // `SUM(1)`: the statements of a list never COUNT unless `totalCount` is asked (tested).
        .expr_as(Expr::cust("CAST(SUM(1) AS BIGINT)"), Alias::new("n"))
        .and_where(Expr::col(stage_change::Column::FromStageId).is_not_null())
        .and_where(Expr::col(stage_change::Column::DaysInPreviousStage).is_not_null())
        .and_where(Expr::col(stage_change::Column::ChangedAt).gte(since))
        .add_group_by([
            Expr::col(stage_change::Column::FromStageId),
            Expr::col(stage_change::Column::DaysInPreviousStage),
        ])
        .to_owned();
    let backend = db.get_database_backend();
    let buckets = Bucket::find_by_statement(backend.build(&query))
        .all(db)
        .await?;
    let mut by_stage: HashMap<Uuid, Vec<(i64, i64)>> = HashMap::new();
    for b in buckets {
        by_stage
            .entry(b.stage_id)
            .or_default()
            .push((i64::from(b.days), b.n));
    }
    Ok(stages
        .iter()
        .map(|stage| {
            let histogram = by_stage.get(&stage.id).map_or(&[][..], Vec::as_slice);
            (stage.id, limit_of(stage, histogram))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(rule: StaleRule, fixed: Option<i32>) -> pipeline_stage::Model {
        let now = chrono::DateTime::<Utc>::UNIX_EPOCH;
        pipeline_stage::Model {
            id: Uuid::nil(),
            name: "Quotation".to_owned(),
            position: 3,
            probability: 50,
            kind: "OPEN".to_owned(),
            max_days_in_stage: fixed,
            stale_rule: rule.as_str().to_owned(),
            archived: false,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn the_median_and_80th_percentile_of_stays() {
        // 1, 2, 3, 4, 5, 6, 7, 8, 9, 10: median 5.5, 80th percentile 8.
        let even: Vec<(i64, i64)> = (1..=10).map(|d| (d, 1)).collect();
        assert_eq!(quantiles(&even), Some((5.5, 8.0)));
        // 2, 2, 2, 9, 30 (given out of order): median 2, 80th percentile 9.
        assert_eq!(quantiles(&[(30, 1), (2, 3), (9, 1)]), Some((2.0, 9.0)));
        assert_eq!(quantiles(&[(4, 1)]), Some((4.0, 4.0)));
        assert_eq!(quantiles(&[]), None);
        assert_eq!(quantiles(&[(3, 0)]), None);
    }

    #[test]
    fn auto_takes_the_observed_percentile_only_with_enough_stays() {
        let many: Vec<(i64, i64)> = (1..=10).map(|d| (d, 1)).collect();
        assert_eq!(
            limit_of(&stage(StaleRule::Auto, Some(30)), &many).limit,
            Some(8)
        );
        assert_eq!(
            limit_of(&stage(StaleRule::Fixed, Some(30)), &many).limit,
            Some(30)
        );
        let few = [(1, 3), (40, 6)];
        let auto_few = limit_of(&stage(StaleRule::Auto, Some(30)), &few);
        assert_eq!((auto_few.sample, auto_few.limit), (9, Some(30)));
        assert_eq!(limit_of(&stage(StaleRule::Auto, None), &few).limit, None);
        assert_eq!(limit_of(&stage(StaleRule::Fixed, None), &[]).limit, None);
    }
}
