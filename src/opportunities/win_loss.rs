//! The win/loss report: deals won and lost in a period, grouped by reason, competitor, the
//! stage they closed from or owner, with counts, amounts and the win rate. SQL aggregates over
//! the deals the caller may see in the scope (counted by owner, as the funnel counts them).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::model::{CompetitorStatus, OpportunityStatus, WinLossGroup};
use crate::error::{AppError, AppResult};
use crate::exact_sum::{self, ExactSum};
use crate::identity::Viewer;
use crate::money::Money;
use crate::report_scope::Scope;
use entity::{opportunity, opportunity_competitor};

/// One group of closed deals (or all of them).
#[derive(Debug, Clone, PartialEq)]
pub struct WinLossLine {
    /// The reason, competitor, stage or owner; `None` for deals without one (closed before
    /// reasons were asked, or the total).
    pub key: Option<Uuid>,
    pub won: i64,
    pub won_amount: Money,
    pub lost: i64,
    pub lost_amount: Money,
}

impl WinLossLine {
    /// Won ÷ (won + lost); `None` without closed deals.
    pub fn win_rate(&self) -> Option<f64> {
        let closed = self.won + self.lost;
        #[allow(clippy::cast_precision_loss)] // deal counts are far below 2^52
        (closed > 0).then(|| self.won as f64 / closed as f64)
    }
}

#[derive(Debug, FromQueryResult)]
struct Row {
    key: Option<Uuid>,
    won: Option<i64>,
    won_amount: Option<ExactSum>,
    lost: Option<i64>,
    lost_amount: Option<ExactSum>,
}

#[derive(Debug, FromQueryResult)]
struct Counts {
    won: Option<i64>,
    won_amount: Option<ExactSum>,
    lost: Option<i64>,
    lost_amount: Option<ExactSum>,
}

impl WinLossLine {
    fn of(key: Option<Uuid>, counts: Counts) -> Self {
        let money =
            |sum: Option<ExactSum>| Money::from_minor(sum.unwrap_or_default().saturating_i64());
        Self {
            key,
            won: counts.won.unwrap_or_default(),
            won_amount: money(counts.won_amount),
            lost: counts.lost.unwrap_or_default(),
            lost_amount: money(counts.lost_amount),
        }
    }
}

/// The report: one line per group, most deals first, and the total over every closed deal in
/// the period (with `COMPETITOR`, deals naming no competitor count only in the total; a lost
/// deal counts for the competitor it was lost to, a won deal for every competitor it named).
/// Errors: `BAD_USER_INPUT` on `input.to` (the period ends before it starts).
pub async fn report(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    scope: Scope,
    (from, to): (NaiveDate, NaiveDate),
    group: WinLossGroup,
) -> AppResult<(Vec<WinLossLine>, WinLossLine)> {
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
    let o = |c: opportunity::Column| Expr::col((opportunity::Entity, c));
    let closed = super::funnel::scoped_deals(viewer, scope)
        .add(o(opportunity::Column::Status).is_in([
            OpportunityStatus::Won.as_str(),
            OpportunityStatus::Lost.as_str(),
        ]))
        .add(o(opportunity::Column::ClosedAt).gte(start))
        .add(o(opportunity::Column::ClosedAt).lt(end));
    let won = "\"opportunities\".\"status\" = 'WON'";
    let lost = match group {
        // A competitor is credited only with the deals lost to it.
        WinLossGroup::Competitor => format!(
            "\"opportunities\".\"status\" = 'LOST' AND \"opportunity_competitors\".\"status\" = '{}'",
            CompetitorStatus::LostTo.as_str()
        ),
        _ => "\"opportunities\".\"status\" = 'LOST'".to_owned(),
    };
    let amount = "\"opportunities\".\"amount_minor\"";
    let columns = |select: &mut sea_orm::sea_query::SelectStatement, lost: &str| {
        select
            .expr_as(
                Expr::cust(format!(
                    "CAST(SUM(CASE WHEN {won} THEN 1 ELSE 0 END) AS BIGINT)"
                )),
                Alias::new("won"),
            )
            .expr_as(
                Expr::cust(exact_sum::sql(&format!(
                    "CASE WHEN {won} THEN {amount} ELSE 0 END"
                ))),
                Alias::new("won_amount"),
            )
            .expr_as(
                Expr::cust(format!(
                    "CAST(SUM(CASE WHEN {lost} THEN 1 ELSE 0 END) AS BIGINT)"
                )),
                Alias::new("lost"),
            )
            .expr_as(
                Expr::cust(exact_sum::sql(&format!(
                    "CASE WHEN {lost} THEN {amount} ELSE 0 END"
                ))),
                Alias::new("lost_amount"),
            );
    };
    let key = match group {
        WinLossGroup::Reason => o(opportunity::Column::CloseReasonId),
        WinLossGroup::Stage => o(opportunity::Column::ClosedFromStageId),
        WinLossGroup::Owner => o(opportunity::Column::OwnerId),
        WinLossGroup::Competitor => Expr::col((
            opportunity_competitor::Entity,
            opportunity_competitor::Column::CompetitorId,
        )),
    };
    let mut grouped = Query::select();
    grouped
        .expr_as(key.clone(), Alias::new("key"))
        .from(opportunity::Entity)
        .cond_where(closed.clone())
        .add_group_by([key]);
    columns(&mut grouped, &lost);
    if group == WinLossGroup::Competitor {
        grouped.inner_join(
            opportunity_competitor::Entity,
            Expr::col((
                opportunity_competitor::Entity,
                opportunity_competitor::Column::OpportunityId,
            ))
            .equals((opportunity::Entity, opportunity::Column::Id)),
        );
    }
    let mut total = Query::select();
    total.from(opportunity::Entity).cond_where(closed);
    columns(&mut total, "\"opportunities\".\"status\" = 'LOST'");
    let backend = db.get_database_backend();
    let mut lines: Vec<WinLossLine> = Row::find_by_statement(backend.build(&grouped))
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let counts = Counts {
                won: row.won,
                won_amount: row.won_amount,
                lost: row.lost,
                lost_amount: row.lost_amount,
            };
            WinLossLine::of(row.key, counts)
        })
        .filter(|line| line.won + line.lost > 0)
        .collect();
    lines.sort_by(|a, b| {
        (b.won + b.lost)
            .cmp(&(a.won + a.lost))
            .then_with(|| a.key.cmp(&b.key))
    });
    let total = Counts::find_by_statement(backend.build(&total))
        .one(db)
        .await?
        .map_or(
            WinLossLine {
                key: None,
                won: 0,
                won_amount: Money::ZERO,
                lost: 0,
                lost_amount: Money::ZERO,
            },
            |counts| WinLossLine::of(None, counts),
        );
    Ok((lines, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_win_rate_counts_closed_deals_only() {
        let line = |won, lost| WinLossLine {
            key: None,
            won,
            won_amount: Money::ZERO,
            lost,
            lost_amount: Money::ZERO,
        };
        assert_eq!(line(0, 0).win_rate(), None);
        assert_eq!(line(3, 1).win_rate(), Some(0.75));
        assert_eq!(line(0, 2).win_rate(), Some(0.0));
    }
}
