//! The company's forecast for a period, for admins: each team's latest roll-up beside what its
//! sellers' reviewed submissions add up to, the sums of both, and the company pipeline. Three
//! reads whatever the number of teams and sellers.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

use super::forecast_review::{self as review, Draft, REP, TEAM};
use super::periods::{self, Period};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::report_scope::Scope;
use entity::forecast_submission as submission;

/// One team's line in the company forecast.
#[derive(Debug, Clone)]
pub struct TeamLine {
    pub team: entity::team::Model,
    /// The team's latest roll-up, when its manager submitted one.
    pub roll_up: Option<submission::Model>,
    /// The sum of its sellers' latest submissions, as reviewed.
    pub sellers: (i64, i64),
    /// How many of its sellers submitted.
    pub sellers_submitted: usize,
}

/// The company forecast of a period.
#[derive(Debug, Clone)]
pub struct CompanyForecast {
    pub period: Period,
    /// Every team, by name.
    pub teams: Vec<TeamLine>,
    /// The sum of the submitted roll-ups (commit, best case), in minor units.
    pub rolled_up: (i64, i64),
    /// The sum of every seller's latest reviewed submission, in or out of a team.
    pub sellers: (i64, i64),
    /// What the company pipeline shows.
    pub pipeline: Draft,
}

/// A month or quarter (over or not), for reading the forecasts submitted for it.
/// Errors: `BAD_USER_INPUT` on `period`.
pub fn reviewed_period(text: &str) -> AppResult<Period> {
    let period = periods::parse(text, "period")?;
    if period.end.signed_duration_since(period.start).num_days() > 92 {
        return Err(AppError::bad_input(
            "period",
            "Forecasts are submitted per month or quarter",
        ));
    }
    Ok(period)
}

/// The latest submission per key (a seller, or a team) among `all`, newest first.
fn latest_by<F: Fn(&submission::Model) -> Option<Uuid>>(
    all: &[submission::Model],
    key: F,
) -> HashMap<Uuid, &submission::Model> {
    let mut latest = HashMap::new();
    for s in all {
        if let Some(id) = key(s) {
            latest.entry(id).or_insert(s);
        }
    }
    latest
}

/// The company forecast for `period` (admins only). Errors: `FORBIDDEN`, `BAD_USER_INPUT`.
pub async fn company(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &str,
) -> AppResult<CompanyForecast> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    let period = reviewed_period(period)?;
    let teams = entity::team::Entity::find()
        .order_by_asc(entity::team::Column::Name)
        .order_by_asc(entity::team::Column::Id)
        .all(db)
        .await?;
    let all = submission::Entity::find()
        .filter(submission::Column::Period.eq(period.text.as_str()))
        .filter(submission::Column::Level.is_in([REP, TEAM]))
        .order_by_desc(submission::Column::SubmittedAt)
        .order_by_desc(submission::Column::Id)
        .all(db)
        .await?;
    let (reps, rolls): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| s.level == REP);
    let latest_reps = latest_by(&reps, |s| s.user_id);
    let latest_rolls = latest_by(&rolls, |s| s.team_id);
    let lines: Vec<TeamLine> = teams
        .into_iter()
        .map(|team| {
            let members: Vec<&submission::Model> = latest_reps
                .values()
                .copied()
                .filter(|s| s.team_id == Some(team.id))
                .collect();
            TeamLine {
                roll_up: latest_rolls.get(&team.id).map(|s| (*s).clone()),
                sellers: review::sum_standing(members.iter().copied()),
                sellers_submitted: members.len(),
                team,
            }
        })
        .collect();
    let known: HashSet<Uuid> = lines.iter().map(|l| l.team.id).collect();
    let rolled_up = review::sum_standing(
        latest_rolls
            .iter()
            .filter(|(team, _)| known.contains(team))
            .map(|(_, s)| *s),
    );
    let sellers = review::sum_standing(latest_reps.values().copied());
    let pipeline = review::draft(db, viewer, Scope::Company, &period).await?;
    Ok(CompanyForecast {
        period,
        teams: lines,
        rolled_up,
        sellers,
        pipeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_forecasts_are_read_for_any_month_or_quarter() {
        assert!(reviewed_period("2020-01").is_ok());
        assert!(reviewed_period("2026-Q4").is_ok());
        assert!(reviewed_period("2026").is_err());
        assert!(reviewed_period("Q4").is_err());
    }
}
