//! Sales targets: setting them, reading them, and comparing a target with its children's.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::periods::{self, Period};
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::state::AppState;
use entity::sales_target::{self, Entity as Targets};
use entity::{team, user};

pub use super::target_kinds::{Subject, TargetMetric, TargetScope};

async fn team_of(db: &impl ConnectionTrait, id: Uuid) -> AppResult<team::Model> {
    team::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Team"))
}

/// Whether the viewer may set the target of `subject`: admins any; managers their teams' and
/// their team members'. A role that never sets targets is `FORBIDDEN` whatever it names; for a
/// manager, a team or user outside their teams answers exactly as a missing one (`NOT_FOUND` on
/// `input.scopeId`), so that the answer tells nothing of ids beyond their reach. Errors:
/// `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`.
async fn check_setter(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    subject: &Subject,
) -> AppResult<()> {
    let sets_targets = matches!(viewer.role, Role::Admin | Role::SalesManager);
    match subject {
        Subject::Company | Subject::Region(_) => {
            if viewer.role == Role::Admin {
                Ok(())
            } else {
                Err(AppError::forbidden())
            }
        }
        _ if !sets_targets => Err(AppError::forbidden()),
        Subject::Team(id) => {
            let team = team_of(db, *id).await.ok().filter(|team| {
                viewer.role == Role::Admin || team.manager_id == Some(viewer.user_id)
            });
            match team {
                Some(_) => Ok(()),
                None => Err(AppError::not_found("Team").with_field("input.scopeId")),
            }
        }
        Subject::User(id) => {
            let member = user::Entity::find_by_id(*id)
                .one(db)
                .await?
                .filter(|member| viewer.role == Role::Admin || viewer.manages(member.team_id))
                .ok_or_else(|| AppError::not_found("User").with_field("input.scopeId"))?;
            if member.role != Role::SalesRep.as_str() && member.role != Role::SalesManager.as_str()
            {
                return Err(AppError::bad_input(
                    "input.scopeId",
                    "Targets are set for sales reps and managers",
                ));
            }
            Ok(())
        }
    }
}

/// Sets (or changes) the target of a subject for a period. Admins set company and region
/// targets; managers their teams' and their reps'. With `expected_version`, a target changed
/// meanwhile (or not there yet) is `CONFLICT`. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `CONFLICT`.
pub async fn set_target(
    state: &AppState,
    viewer: &Viewer,
    period: &str,
    subject: Subject,
    metric: TargetMetric,
    value: rust_decimal::Decimal,
    expected_version: Option<i32>,
) -> AppResult<sales_target::Model> {
    let period = periods::parse(period, "input.period")?;
    if !metric.fits(subject.scope()) {
        return Err(AppError::bad_input(
            "input.metric",
            format!(
                "{} targets are set for sellers and teams, not for a {}",
                metric.as_str(),
                subject.scope().as_str()
            ),
        ));
    }
    let amount_minor = metric.stored(value, "input.amount")?;
    if let Subject::Region(name) = &subject
        && name.trim().is_empty()
    {
        return Err(AppError::bad_input("input.scopeId", "Name the region"));
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    check_setter(&txn, viewer, &subject).await?;
    let existing = Targets::find()
        .filter(sales_target::Column::Period.eq(period.text.as_str()))
        .filter(sales_target::Column::Scope.eq(subject.scope().as_str()))
        .filter(sales_target::Column::ScopeKey.eq(subject.key()))
        .filter(sales_target::Column::Metric.eq(metric.as_str()))
        .one(&txn)
        .await?;
    let current_version = existing.as_ref().map_or(0, |t| t.version);
    if expected_version.is_some_and(|v| v != current_version) {
        return Err(AppError::conflict(current_version));
    }
    let saved = match existing {
        Some(current) => {
            let changes = sales_target::ActiveModel {
                amount_minor: Set(amount_minor),
                set_by: Set(viewer.user_id),
                ..Default::default()
            };
            let target =
                crate::versioned::Target::new(current.id, current.version, current.version);
            crate::versioned::write::<Targets>(&txn, target, changes, now).await?;
            Targets::find_by_id(current.id)
                .one(&txn)
                .await?
                .ok_or_else(AppError::internal)?
        }
        None => {
            sales_target::ActiveModel {
                id: Set(Uuid::now_v7()),
                period: Set(period.text.clone()),
                period_start: Set(period.start),
                period_end: Set(period.end),
                scope: Set(subject.scope().as_str().to_owned()),
                scope_key: Set(subject.key()),
                metric: Set(metric.as_str().to_owned()),
                amount_minor: Set(amount_minor),
                set_by: Set(viewer.user_id),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    crate::audit::Entry { actor_id: Some(viewer.user_id), action: "sales_target.set", subject_type: "SalesTarget", subject_id: saved.id, details: serde_json::json!({"period": saved.period, "scope": saved.scope, "key": saved.scope_key, "metric": saved.metric, "amountMinor": amount_minor}) }.record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The target of `subject` for `period`, when there is one the viewer may read. Errors:
/// `NOT_FOUND`, `BAD_USER_INPUT` (period).
pub async fn find_target(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &str,
    subject: &Subject,
    metric: TargetMetric,
) -> AppResult<sales_target::Model> {
    let period = periods::parse(period, "input.period")?;
    Targets::find()
        .filter(sales_target::Column::Period.eq(period.text.as_str()))
        .filter(sales_target::Column::Scope.eq(subject.scope().as_str()))
        .filter(sales_target::Column::ScopeKey.eq(subject.key()))
        .filter(sales_target::Column::Metric.eq(metric.as_str()))
        .filter(visible(db, viewer).await?)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Sales target"))
}

/// Which targets a viewer reads: company and region targets for everyone; team targets of the
/// teams they belong to or manage; their own user target and, for managers, their members'
/// (admins and finance everything, customer service nothing).
fn readable(db_members: Vec<String>, viewer: &Viewer) -> Condition {
    use sales_target::Column;
    match viewer.role {
        Role::Admin | Role::Finance => return Condition::all(),
        Role::Support => return crate::policy::nothing(),
        Role::SalesManager | Role::SalesRep => {}
    }
    let mut teams: Vec<String> = viewer
        .managed_team_ids
        .iter()
        .map(Uuid::to_string)
        .collect();
    teams.extend(viewer.team_id.map(|t| t.to_string()));
    let mut users = db_members;
    users.push(viewer.user_id.to_string());
    Condition::any()
        .add(Column::Scope.is_in(["COMPANY", "REGION"]))
        .add(
            Condition::all()
                .add(Column::Scope.eq("TEAM"))
                .add(Column::ScopeKey.is_in(teams)),
        )
        .add(
            Condition::all()
                .add(Column::Scope.eq("USER"))
                .add(Column::ScopeKey.is_in(users)),
        )
}

/// The condition of the targets the viewer may read (one query for a manager's members).
async fn visible(db: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<Condition> {
    let members = if viewer.role == Role::SalesManager {
        user::Entity::find()
            .filter(user::Column::TeamId.is_in(viewer.managed_team_ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|u| u.id.to_string())
            .collect()
    } else {
        Vec::new()
    };
    Ok(readable(members, viewer))
}

/// Targets the viewer may read, for one period or all, by period, scope and metric (at most
/// 1000).
pub async fn list_targets(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: Option<&str>,
    scope: Option<TargetScope>,
    metric: Option<TargetMetric>,
) -> AppResult<Vec<sales_target::Model>> {
    let mut condition = Condition::all();
    if let Some(period) = period {
        let period = periods::parse(period, "filter.period")?;
        condition = condition.add(sales_target::Column::Period.eq(period.text));
    }
    if let Some(scope) = scope {
        condition = condition.add(sales_target::Column::Scope.eq(scope.as_str()));
    }
    if let Some(metric) = metric {
        condition = condition.add(sales_target::Column::Metric.eq(metric.as_str()));
    }
    Ok(Targets::find()
        .filter(condition)
        .filter(visible(db, viewer).await?)
        .order_by_asc(sales_target::Column::PeriodStart)
        .order_by_asc(sales_target::Column::Scope)
        .order_by_asc(sales_target::Column::ScopeKey)
        .order_by_asc(sales_target::Column::Metric)
        .limit(1000)
        .all(db)
        .await?)
}

/// A target the viewer may read. Errors: `NOT_FOUND`.
pub async fn get_target(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<sales_target::Model> {
    Targets::find_by_id(id)
        .filter(visible(db, viewer).await?)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Target"))
}

/// All targets of a period (for reports, which apply their own visibility).
pub async fn of_period(
    db: &impl ConnectionTrait,
    period: &Period,
) -> AppResult<Vec<sales_target::Model>> {
    Ok(Targets::find()
        .filter(sales_target::Column::Period.eq(period.text.as_str()))
        .all(db)
        .await?)
}

/// The goal of `subject` for `metric` among a period's targets.
pub fn goal(
    targets: &[sales_target::Model],
    subject: &Subject,
    metric: TargetMetric,
) -> Option<i64> {
    targets
        .iter()
        .find(|t| {
            t.metric == metric.as_str()
                && t.scope == subject.scope().as_str()
                && t.scope_key == subject.key()
        })
        .map(|t| t.amount_minor)
}

/// A subject's target of one metric beside what it reached (both stored units: minor units
/// of money, or counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Achievement {
    pub metric: TargetMetric,
    pub target: i64,
    pub actual: i64,
}

impl Achievement {
    /// Actual ÷ target; `None` for a zero target.
    pub fn rate(&self) -> Option<f64> {
        (self.target > 0).then(|| self.actual as f64 / self.target as f64)
    }
}

/// The targets `subject` has among `metrics`, each beside `actual` of its metric.
pub fn achievements(
    targets: &[sales_target::Model],
    subject: Option<&Subject>,
    metrics: &[TargetMetric],
    actual: impl Fn(TargetMetric) -> i64,
) -> Vec<Achievement> {
    let Some(subject) = subject else {
        return Vec::new();
    };
    metrics
        .iter()
        .filter_map(|metric| {
            goal(targets, subject, *metric).map(|target| Achievement {
                metric: *metric,
                target,
                actual: actual(*metric),
            })
        })
        .collect()
}
/// One child of a target in an allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub subject: Subject,
    pub label: String,
    pub target_minor: Option<i64>,
}

/// A target beside its children's (of one metric): regions under the company, teams under a
/// region, members under a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub target_minor: Option<i64>,
    pub children: Vec<Child>,
}

impl Allocation {
    pub fn children_total(&self) -> i64 {
        self.children.iter().filter_map(|c| c.target_minor).sum()
    }
}

/// Whether the viewer may see the targets and figures of `subject`: admins and finance any;
/// managers their teams, their members and themselves; reps themselves; customer service none.
pub async fn may_see(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    subject: &Subject,
) -> AppResult<bool> {
    Ok(match viewer.role {
        Role::Admin | Role::Finance => true,
        Role::Support => false,
        Role::SalesManager | Role::SalesRep => match subject {
            Subject::User(id) => {
                *id == viewer.user_id
                    || (viewer.role == Role::SalesManager
                        && user::Entity::find_by_id(*id)
                            .one(db)
                            .await?
                            .is_some_and(|u| viewer.manages(u.team_id)))
            }
            Subject::Team(id) => {
                viewer.role == Role::SalesManager && viewer.managed_team_ids.contains(id)
            }
            Subject::Region(_) | Subject::Company => false,
        },
    })
}

/// The target of a subject and the targets of its children for a period. Admins and finance
/// see any; managers their teams (and their members); reps themselves; customer service none. Errors: `NOT_FOUND`,
/// `BAD_USER_INPUT`.
pub async fn allocation(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &str,
    subject: Subject,
    metric: TargetMetric,
) -> AppResult<Allocation> {
    let period = periods::parse(period, "input.period")?;
    let allowed = may_see(db, viewer, &subject).await?;
    if !allowed {
        return Err(AppError::not_found("Target"));
    }
    let targets: Vec<sales_target::Model> = of_period(db, &period)
        .await?
        .into_iter()
        .filter(|t| t.metric == metric.as_str())
        .collect();
    let target_of = |subject: &Subject| goal(&targets, subject, metric);
    let teams = team::Entity::find()
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?;
    let children: Vec<Child> = match &subject {
        Subject::Company => {
            let mut regions: Vec<String> = teams.iter().filter_map(|t| t.region.clone()).collect();
            regions.extend(
                targets
                    .iter()
                    .filter(|t| t.scope == "REGION")
                    .map(|t| t.scope_key.clone()),
            );
            regions.sort();
            regions.dedup();
            regions
                .into_iter()
                .map(|r| Child {
                    label: r.clone(),
                    target_minor: target_of(&Subject::Region(r.clone())),
                    subject: Subject::Region(r),
                })
                .collect()
        }
        Subject::Region(region) => teams
            .iter()
            .filter(|t| t.region.as_deref() == Some(region.as_str()))
            .map(|t| Child {
                label: t.name.clone(),
                target_minor: target_of(&Subject::Team(t.id)),
                subject: Subject::Team(t.id),
            })
            .collect(),
        Subject::Team(id) => user::Entity::find()
            .filter(user::Column::TeamId.eq(*id))
            .filter(user::Column::Active.eq(true))
            .filter(
                user::Column::Role.is_in([Role::SalesRep.as_str(), Role::SalesManager.as_str()]),
            )
            .order_by_asc(user::Column::DisplayName)
            .all(db)
            .await?
            .into_iter()
            .map(|u| Child {
                label: u.display_name.clone(),
                target_minor: target_of(&Subject::User(u.id)),
                subject: Subject::User(u.id),
            })
            .collect(),
        Subject::User(_) => Vec::new(),
    };
    Ok(Allocation {
        target_minor: target_of(&subject),
        children,
    })
}
