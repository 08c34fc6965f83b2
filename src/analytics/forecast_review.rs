//! The forecast review, layer by layer: each period a rep submits the commit and best case they
//! stand behind (prefilled from the pipeline), their manager adjusts it with a note and submits
//! the team's roll-up; admins see the company's. Every submission and adjustment is kept.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::periods::{self, Period};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::money::Money;
use crate::report_scope::Scope;
use crate::state::AppState;
use entity::{forecast_adjustment, forecast_submission as submission};

/// Who a submission speaks for.
pub const REP: &str = "REP";
/// A team's roll-up.
pub const TEAM: &str = "TEAM";

/// The most submissions one list answers.
const MAX_LISTED: u64 = 500;

/// What the pipeline shows for a period: commit = won + open commit; best case = won + open
/// best case (which includes commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draft {
    pub commit: Money,
    pub best_case: Money,
}

/// A month or quarter still open on `today` (it has not ended). Errors: `BAD_USER_INPUT` on
/// `input.period` (malformed, a year, or over).
pub fn open_period(text: &str, today: NaiveDate) -> AppResult<Period> {
    let period = periods::parse(text, "input.period")?;
    if period.end.signed_duration_since(period.start).num_days() > 92 {
        return Err(AppError::bad_input(
            "input.period",
            "Forecasts are submitted per month or quarter",
        ));
    }
    if period.end <= today {
        return Err(AppError::bad_input(
            "input.period",
            "The period is over: its forecast can no longer be submitted",
        ));
    }
    Ok(period)
}

/// The pipeline's numbers for `scope` in `period`.
pub async fn draft(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    scope: Scope,
    period: &Period,
) -> AppResult<Draft> {
    let last = period.end.pred_opt().unwrap_or(period.end);
    let forecast =
        crate::opportunities::forecast::forecast(db, viewer, scope, (period.start, last), None)
            .await?;
    let won = forecast.totals.closed_won;
    Ok(Draft {
        commit: won.checked_add(forecast.totals.commit).unwrap_or(won),
        best_case: won.checked_add(forecast.totals.best_case).unwrap_or(won),
    })
}

fn minor(amount: Option<Money>, fallback: Money) -> i64 {
    amount.unwrap_or(fallback).minor()
}

/// A rep (or a manager, for their own deals) submits their forecast for an open period;
/// omitted amounts are the pipeline's. Idempotent by key; audited. Errors: `FORBIDDEN`
/// (finance, admins), `BAD_USER_INPUT` (`input.period`, `input.note`),
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn submit(
    state: &AppState,
    viewer: &Viewer,
    period: &str,
    amounts: (Option<Money>, Option<Money>),
    note: Option<String>,
    idempotency_key: Option<String>,
) -> AppResult<submission::Model> {
    if !matches!(viewer.role, Role::SalesRep | Role::SalesManager) {
        return Err(AppError::forbidden());
    }
    let (commit, best_case) = amounts;
    let now = state.clock.now();
    let today = crate::calendar::today(state.config.company_tz(), now);
    let period = open_period(period, today)?;
    let note = crate::input::optional_text(note.as_deref(), "input.note", 2000)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "submitForecast",
        idempotency_key,
        &(
            &period.text,
            commit.map(Money::minor),
            best_case.map(Money::minor),
            &note,
        ),
    )?;
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        let computed = draft(txn, viewer, Scope::User(viewer.user_id), &period).await?;
        let created = submission::ActiveModel {
            id: Set(Uuid::now_v7()),
            period: Set(period.text.clone()),
            level: Set(REP.to_owned()),
            user_id: Set(Some(viewer.user_id)),
            team_id: Set(viewer.team_id),
            commit_minor: Set(minor(commit, computed.commit)),
            best_case_minor: Set(minor(best_case, computed.best_case)),
            computed_commit_minor: Set(computed.commit.minor()),
            computed_best_case_minor: Set(computed.best_case.minor()),
            adjusted_commit_minor: Set(None),
            adjusted_best_case_minor: Set(None),
            note: Set(note.clone()),
            submitted_by: Set(viewer.user_id),
            submitted_at: Set(now),
        }
        .insert(txn)
        .await?;
        audit(txn, viewer, "forecast.submitted", &created, now).await?;
        Ok(created.id)
    })
    .await?;
    reload(&state.db, outcome.into_inner()).await
}

/// Records a submission's change in the audit log, in its transaction.
async fn audit(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    action: &str,
    s: &submission::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let (commit, best_case) = standing(s);
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action,
        subject_type: "ForecastSubmission",
        subject_id: s.id,
        details: serde_json::json!({
            "period": s.period,
            "level": s.level,
            "commit": Money::from_minor(commit).to_decimal().to_string(),
            "bestCase": Money::from_minor(best_case).to_decimal().to_string(),
        }),
    }
    .record(db, now)
    .await
}

/// A submission by id, after an idempotent write made or replayed it.
async fn reload(db: &impl ConnectionTrait, id: Uuid) -> AppResult<submission::Model> {
    submission::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// A manager (of the submitter's team) or an admin adjusts a rep's submission, with a note.
/// Idempotent by key; audited. Errors: `NOT_FOUND` on `input.submissionId` (missing, or
/// another team's), `FORBIDDEN` (reps, finance), `BAD_USER_INPUT` (`input.note` required),
/// `INVALID_STATE` (the period is over), `IDEMPOTENCY_KEY_REUSED`.
pub async fn adjust(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    amounts: (Money, Money),
    note: &str,
    idempotency_key: Option<String>,
) -> AppResult<submission::Model> {
    if !matches!(viewer.role, Role::Admin | Role::SalesManager) {
        return Err(AppError::forbidden());
    }
    let (commit, best_case) = amounts;
    let note = crate::input::required_text(note, "input.note", 2000)?;
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "adjustForecast",
        idempotency_key,
        &(id, commit.minor(), best_case.minor(), &note),
    )?;
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        let current = submission::Entity::find_by_id(id)
            .one(txn)
            .await?
            .filter(|s| s.level == REP && (viewer.is_admin() || viewer.manages(s.team_id)))
            .ok_or_else(|| {
                AppError::not_found("Forecast submission").with_field("input.submissionId")
            })?;
        let today = crate::calendar::today(state.config.company_tz(), now);
        if periods::parse(&current.period, "input.submissionId")?.end <= today {
            return Err(AppError::invalid_state(
                "The period is over: its forecasts are settled",
            ));
        }
        forecast_adjustment::ActiveModel {
            id: Set(Uuid::now_v7()),
            submission_id: Set(id),
            commit_minor: Set(commit.minor()),
            best_case_minor: Set(best_case.minor()),
            note: Set(note.clone()),
            adjusted_by: Set(viewer.user_id),
            adjusted_at: Set(now),
        }
        .insert(txn)
        .await?;
        let updated = submission::ActiveModel {
            id: Set(id),
            adjusted_commit_minor: Set(Some(commit.minor())),
            adjusted_best_case_minor: Set(Some(best_case.minor())),
            ..Default::default()
        }
        .update(txn)
        .await?;
        audit(txn, viewer, "forecast.adjusted", &updated, now).await?;
        Ok(id)
    })
    .await?;
    reload(&state.db, outcome.into_inner()).await
}

/// The latest submission of each rep of `team` for `period`.
async fn latest_of_team(
    db: &impl ConnectionTrait,
    team: Uuid,
    period: &str,
) -> AppResult<Vec<submission::Model>> {
    let all = submission::Entity::find()
        .filter(submission::Column::Period.eq(period))
        .filter(submission::Column::Level.eq(REP))
        .filter(submission::Column::TeamId.eq(team))
        .order_by_desc(submission::Column::SubmittedAt)
        .order_by_desc(submission::Column::Id)
        .all(db)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(all.into_iter().filter(|s| seen.insert(s.user_id)).collect())
}

/// What a submission stands for once reviewed: the adjustment, else the submission.
pub fn standing(s: &submission::Model) -> (i64, i64) {
    (
        s.adjusted_commit_minor.unwrap_or(s.commit_minor),
        s.adjusted_best_case_minor.unwrap_or(s.best_case_minor),
    )
}

/// A team's manager (or an admin) submits the team's roll-up: by default the sum of its reps'
/// latest reviewed submissions. Idempotent by key; audited. Errors: `NOT_FOUND` on
/// `input.teamId` (not a team they manage), `FORBIDDEN`, `BAD_USER_INPUT`,
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn submit_team(
    state: &AppState,
    viewer: &Viewer,
    period: &str,
    team: Uuid,
    amounts: (Option<Money>, Option<Money>),
    note: Option<String>,
    idempotency_key: Option<String>,
) -> AppResult<submission::Model> {
    if !matches!(viewer.role, Role::Admin | Role::SalesManager) {
        return Err(AppError::forbidden());
    }
    let (commit, best_case) = amounts;
    let exists = entity::team::Entity::find_by_id(team)
        .one(&state.db)
        .await?;
    if exists.is_none() || !(viewer.is_admin() || viewer.manages(Some(team))) {
        return Err(AppError::not_found("Team").with_field("input.teamId"));
    }
    let now = state.clock.now();
    let today = crate::calendar::today(state.config.company_tz(), now);
    let period = open_period(period, today)?;
    let note = crate::input::optional_text(note.as_deref(), "input.note", 2000)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "submitTeamForecast",
        idempotency_key,
        &(
            &period.text,
            team,
            commit.map(Money::minor),
            best_case.map(Money::minor),
            &note,
        ),
    )?;
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        let reps = latest_of_team(txn, team, &period.text).await?;
        let (commit_sum, best_sum) = sum_standing(&reps);
        let created = submission::ActiveModel {
            id: Set(Uuid::now_v7()),
            period: Set(period.text.clone()),
            level: Set(TEAM.to_owned()),
            user_id: Set(None),
            team_id: Set(Some(team)),
            commit_minor: Set(commit.map_or(commit_sum, Money::minor)),
            best_case_minor: Set(best_case.map_or(best_sum, Money::minor)),
            computed_commit_minor: Set(commit_sum),
            computed_best_case_minor: Set(best_sum),
            adjusted_commit_minor: Set(None),
            adjusted_best_case_minor: Set(None),
            note: Set(note.clone()),
            submitted_by: Set(viewer.user_id),
            submitted_at: Set(now),
        }
        .insert(txn)
        .await?;
        audit(txn, viewer, "forecast.team_submitted", &created, now).await?;
        Ok(created.id)
    })
    .await?;
    reload(&state.db, outcome.into_inner()).await
}

/// The sum of what these submissions stand for once reviewed.
pub fn sum_standing<'a>(
    submissions: impl IntoIterator<Item = &'a submission::Model>,
) -> (i64, i64) {
    submissions
        .into_iter()
        .map(standing)
        .fold((0i64, 0i64), |(c, b), (sc, sb)| {
            (c.saturating_add(sc), b.saturating_add(sb))
        })
}

/// Submissions the viewer may see, newest first (at most 500): reps their own, managers those
/// of the teams they manage (and their own), admins all.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: Option<&str>,
    team: Option<Uuid>,
    user: Option<Uuid>,
) -> AppResult<Vec<submission::Model>> {
    let mut query = submission::Entity::find()
        .order_by_desc(submission::Column::SubmittedAt)
        .order_by_desc(submission::Column::Id)
        .limit(MAX_LISTED);
    query = match viewer.role {
        Role::Admin => query,
        Role::SalesManager => query.filter(
            Condition::any()
                .add(submission::Column::UserId.eq(viewer.user_id))
                .add(submission::Column::TeamId.is_in(viewer.managed_team_ids.clone())),
        ),
        Role::SalesRep => query
            .filter(submission::Column::UserId.eq(viewer.user_id))
            .filter(submission::Column::Level.eq(REP)),
        Role::Finance | Role::Support => return Ok(Vec::new()),
    };
    if let Some(period) = period {
        query = query.filter(submission::Column::Period.eq(period));
    }
    if let Some(team) = team {
        query = query.filter(submission::Column::TeamId.eq(team));
    }
    if let Some(user) = user {
        query = query.filter(submission::Column::UserId.eq(user));
    }
    Ok(query.all(db).await?)
}

/// The standing commitment of the latest `level` submission of each of `ids` (users for
/// `REP`, teams for `TEAM`) for `period`.
pub async fn standing_commits(
    db: &impl ConnectionTrait,
    period: &str,
    level: &str,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, i64>> {
    let column = if level == REP {
        submission::Column::UserId
    } else {
        submission::Column::TeamId
    };
    let all = submission::Entity::find()
        .filter(submission::Column::Period.eq(period))
        .filter(submission::Column::Level.eq(level))
        .filter(column.is_in(ids.to_vec()))
        .order_by_asc(submission::Column::SubmittedAt)
        .order_by_asc(submission::Column::Id)
        .all(db)
        .await?;
    // Later submissions overwrite earlier ones.
    Ok(all
        .iter()
        .filter_map(|s| {
            let id = if level == REP { s.user_id } else { s.team_id };
            id.map(|id| (id, standing(s).0))
        })
        .collect())
}

/// The adjustments of these submissions, oldest first.
pub async fn adjustments_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<forecast_adjustment::Model>> {
    Ok(forecast_adjustment::Entity::find()
        .filter(forecast_adjustment::Column::SubmissionId.is_in(ids.to_vec()))
        .order_by_asc(forecast_adjustment::Column::AdjustedAt)
        .all(db)
        .await?)
}

/// How close a committed forecast came: 1 − |won − commit| ÷ commit, at least 0; `None`
/// without a commitment.
pub fn accuracy(commit_minor: i64, won_minor: i64) -> Option<f64> {
    if commit_minor <= 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)] // money in minor units, far below 2^52 cents
    let miss = (won_minor - commit_minor).abs() as f64 / commit_minor as f64;
    Some((1.0 - miss).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_is_one_less_the_relative_miss() {
        assert_eq!(accuracy(0, 100), None);
        assert_eq!(accuracy(1000, 1000), Some(1.0));
        assert_eq!(accuracy(1000, 800), Some(0.8));
        assert_eq!(accuracy(1000, 1200), Some(0.8));
        assert_eq!(accuracy(1000, 3000), Some(0.0));
    }

    #[test]
    fn only_months_and_quarters_not_yet_over_are_open() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap_or_default();
        assert!(open_period("2026-12", today).is_ok());
        assert!(open_period("2027-Q1", today).is_ok());
        assert!(open_period("2026-11", today).is_err());
        assert!(open_period("2026", today).is_err());
    }
}
