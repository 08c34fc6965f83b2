//! `salesPerformance`: the manager's numbers per rep, team or region for a period — a fixed
//! number of SQL aggregates over the sellers the viewer may see, rolled up in code.
//!
//! Over 500 lines: one report whose five aggregates and roll-up share their types; splitting its
//! 270-line builder into one function per aggregate is still to do (issue 19).

use futures_util::TryFutureExt;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult,
    QueryFilter,
};
use uuid::Uuid;

use super::periods::Period;
use crate::error::{AppError, AppResult};
use crate::exact_sum;
use crate::identity::{Role, Viewer};
use crate::money::Money;
use crate::opportunities::model::OpportunityStatus;
use crate::report_scope::Scope;
use entity::{
    allocation, contract, installment, lead, opportunity, pipeline_stage, team, user, visit_task,
};
use rust_decimal::prelude::ToPrimitive;

/// How to group the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    User,
    Team,
    Region,
}

/// One group's figures; rates are fractions, `None` where undefined.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The user's or team's id; `None` for regions and "no team".
    pub id: Option<Uuid>,
    /// The region's name, the team's or user's name.
    pub name: Option<String>,
    pub target: Option<Money>,
    pub won: Money,
    pub achievement_rate: Option<f64>,
    pub collected: Money,
    pub pipeline: Money,
    pub weighted_pipeline: Money,
    pub pipeline_coverage: Option<f64>,
    pub win_rate_by_count: Option<f64>,
    pub win_rate_by_amount: Option<f64>,
    pub avg_deal_size: Option<Money>,
    pub avg_sales_cycle_days: Option<f64>,
    pub lead_conversion_rate: Option<f64>,
    pub visits_completed: i64,
    pub on_site_rate: Option<f64>,
}

/// What one seller contributed; summed over a group's members.
#[derive(Debug, Clone, Default)]
struct Acc {
    won: Decimal,
    pipeline: Decimal,
    weighted: Decimal,
    // Money sums in minor units, as decimals: sums over many sellers never overflow.
    collected: Decimal,
    won_count: i64,
    won_amount: Decimal,
    lost_count: i64,
    lost_amount: Decimal,
    cycle_days: f64,
    cycles: i64,
    leads: i64,
    converted: i64,
    visits_completed: i64,
    on_site: i64,
    verified: i64,
}

impl Acc {
    fn add(&mut self, other: &Acc) {
        self.won += other.won;
        self.pipeline += other.pipeline;
        self.weighted += other.weighted;
        self.collected += other.collected;
        self.won_count += other.won_count;
        self.won_amount += other.won_amount;
        self.lost_count += other.lost_count;
        self.lost_amount += other.lost_amount;
        self.cycle_days += other.cycle_days;
        self.cycles += other.cycles;
        self.leads += other.leads;
        self.converted += other.converted;
        self.visits_completed += other.visits_completed;
        self.on_site += other.on_site;
        self.verified += other.verified;
    }
}

fn ratio(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

fn cents(value: Decimal) -> Money {
    Money::round_half_up_saturating(value / Decimal::ONE_HUNDRED)
}

impl Acc {
    fn row(&self, id: Option<Uuid>, name: Option<String>, target: Option<i64>) -> Row {
        let won = cents(self.won);
        let pipeline = cents(self.pipeline);
        let remaining = target.map(|t| t.saturating_sub(won.minor()));
        Row {
            id,
            name,
            target: target.map(Money::from_minor),
            achievement_rate: target.and_then(|t| ratio(won.minor() as f64, t as f64)),
            won,
            collected: cents(self.collected),
            pipeline,
            weighted_pipeline: cents(self.weighted),
            pipeline_coverage: remaining.and_then(|r| ratio(pipeline.minor() as f64, r as f64)),
            win_rate_by_count: ratio(
                self.won_count as f64,
                (self.won_count + self.lost_count) as f64,
            ),
            win_rate_by_amount: ratio(
                self.won_amount.to_f64().unwrap_or(0.0),
                (self.won_amount + self.lost_amount).to_f64().unwrap_or(0.0),
            ),
            avg_deal_size: (self.won_count > 0).then(|| {
                Money::round_half_up_saturating(
                    self.won_amount / Decimal::from(self.won_count) / Decimal::ONE_HUNDRED,
                )
            }),
            avg_sales_cycle_days: ratio(self.cycle_days, self.cycles as f64),
            lead_conversion_rate: ratio(self.converted as f64, self.leads as f64),
            visits_completed: self.visits_completed,
            on_site_rate: ratio(self.on_site as f64, self.verified as f64),
        }
    }
}

/// The sellers (reps and managers) the viewer may report on: admins and finance all, managers
/// their teams' members and themselves, reps themselves; narrowed to one seller or one team's.
async fn sellers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    scope: Scope,
) -> AppResult<Vec<user::Model>> {
    let mut condition = Condition::all()
        .add(user::Column::Role.is_in([Role::SalesRep.as_str(), Role::SalesManager.as_str()]));
    condition = match viewer.role {
        Role::Admin | Role::Finance => condition,
        Role::SalesManager => condition.add(
            Condition::any()
                .add(user::Column::Id.eq(viewer.user_id))
                .add(user::Column::TeamId.is_in(viewer.managed_team_ids.clone())),
        ),
        Role::SalesRep => condition.add(user::Column::Id.eq(viewer.user_id)),
    };
    condition = match scope {
        Scope::User(id) => condition.add(user::Column::Id.eq(id)),
        Scope::Team(team) => condition.add(user::Column::TeamId.eq(team)),
        Scope::Company => condition,
    };
    Ok(user::Entity::find().filter(condition).all(db).await?)
}

#[derive(Debug, FromQueryResult)]
struct Credited {
    user_id: Uuid,
    share: i32,
    probability: i32,
    total: i64,
}

#[derive(Debug, FromQueryResult)]
struct Closed {
    user_id: Uuid,
    status: String,
    deals: i64,
    total: i64,
}

#[derive(Debug, FromQueryResult)]
struct Cycle {
    user_id: Uuid,
    days: f64,
    deals: i64,
}

#[derive(Debug, FromQueryResult)]
struct Sum {
    user_id: Uuid,
    total: i64,
}

#[derive(Debug, FromQueryResult)]
struct Leads {
    user_id: Uuid,
    created: i64,
    converted: i64,
}

#[derive(Debug, FromQueryResult)]
struct Visits {
    user_id: Uuid,
    completed: i64,
    on_site: i64,
    verified: i64,
}

/// Days since the epoch of a timestamp column, as a floating-point SQL expression.
fn days(backend: DatabaseBackend, column: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("(EXTRACT(EPOCH FROM {column}) / 86400.0)"),
        _ => format!("julianday({column})"),
    }
}

/// Credited amounts per seller and share of deals matching `condition` (won or open): each
/// split member at their share, or the owner at 100% when the deal has no splits — one left
/// join, so the plan stays a single pass whatever the table statistics say.
async fn credited(
    db: &impl ConnectionTrait,
    users: &[Uuid],
    condition: Condition,
) -> AppResult<Vec<Credited>> {
    use entity::opportunity_split;
    let user = "COALESCE(\"opportunity_splits\".\"user_id\", \"opportunities\".\"owner_id\")";
    let share = "COALESCE(\"opportunity_splits\".\"share_basis_points\", 10000)";
    let probability =
        "COALESCE(\"opportunities\".\"probability_override\", \"pipeline_stages\".\"probability\")";
    let query = Query::select()
        .from(opportunity::Entity)
        .left_join(
            opportunity_split::Entity,
            Expr::col((
                opportunity_split::Entity,
                opportunity_split::Column::OpportunityId,
            ))
            .equals((opportunity::Entity, opportunity::Column::Id)),
        )
        .inner_join(
            pipeline_stage::Entity,
            Expr::col((pipeline_stage::Entity, pipeline_stage::Column::Id))
                .equals((opportunity::Entity, opportunity::Column::StageId)),
        )
        .expr_as(Expr::cust(user), Alias::new("user_id"))
        .expr_as(Expr::cust(share), Alias::new("share"))
        .expr_as(Expr::cust(probability), Alias::new("probability"))
        .expr_as(
            exact_sum::saturating_sql("\"opportunities\".\"amount_minor\""),
            Alias::new("total"),
        )
        .cond_where(condition)
        .and_where(Expr::cust(user).is_in(users.to_vec()))
        .add_group_by([Expr::cust(user), Expr::cust(share), Expr::cust(probability)])
        .to_owned();
    Ok(Credited::find_by_statement(crate::db::report_statement(
        db.get_database_backend(),
        &query,
    ))
    .all(db)
    .await?)
}

/// The figures of `period` per group, over the sellers the viewer may see within `scope`. Ten
/// statements however many groups.
pub async fn sales_performance(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &Period,
    tz: chrono_tz::Tz,
    group_by: GroupBy,
    scope: Scope,
) -> AppResult<Vec<Row>> {
    let backend = db.get_database_backend();
    let start: DateTime<Utc> = crate::calendar::local_day_bounds(tz, period.start).0;
    let end: DateTime<Utc> = crate::calendar::local_day_bounds(tz, period.end).0;
    let sellers = sellers(db, viewer, scope).await?;
    let ids: Vec<Uuid> = sellers.iter().map(|u| u.id).collect();
    let mut acc: HashMap<Uuid, Acc> = ids.iter().map(|id| (*id, Acc::default())).collect();
    let closed_in = |column: opportunity::Column| {
        Condition::all()
            .add(Expr::col((opportunity::Entity, column)).gte(start))
            .add(Expr::col((opportunity::Entity, column)).lt(end))
    };

    let won_deals = closed_in(opportunity::Column::ClosedAt).add(
        Expr::col((opportunity::Entity, opportunity::Column::Status))
            .eq(OpportunityStatus::Won.as_str()),
    );
    let open_deals = Condition::all()
        .add(
            Expr::col((opportunity::Entity, opportunity::Column::Status))
                .eq(OpportunityStatus::Open.as_str()),
        )
        .add(
            Expr::col((opportunity::Entity, opportunity::Column::ExpectedCloseDate))
                .gte(period.start),
        )
        .add(
            Expr::col((opportunity::Entity, opportunity::Column::ExpectedCloseDate)).lt(period.end),
        );

    let closed = Query::select()
        .from(opportunity::Entity)
        .expr_as(
            Expr::col(opportunity::Column::OwnerId),
            Alias::new("user_id"),
        )
        .expr_as(Expr::col(opportunity::Column::Status), Alias::new("status"))
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("deals"))
        .expr_as(
            exact_sum::saturating_sql("\"amount_minor\""),
            Alias::new("total"),
        )
        .cond_where(closed_in(opportunity::Column::ClosedAt))
        .and_where(opportunity::Column::Status.is_in([
            OpportunityStatus::Won.as_str(),
            OpportunityStatus::Lost.as_str(),
        ]))
        .and_where(opportunity::Column::OwnerId.is_in(ids.clone()))
        .add_group_by([
            Expr::col(opportunity::Column::OwnerId),
            Expr::col(opportunity::Column::Status),
        ])
        .to_owned();
    let cycle = format!(
        "CAST(SUM({} - {}) AS DOUBLE PRECISION)",
        days(backend, "\"opportunities\".\"closed_at\""),
        days(
            backend,
            "COALESCE(\"leads\".\"created_at\", \"opportunities\".\"created_at\")"
        )
    );
    let cycles = Query::select()
        .from(opportunity::Entity)
        .left_join(
            lead::Entity,
            Expr::col((lead::Entity, lead::Column::Id))
                .equals((opportunity::Entity, opportunity::Column::LeadId)),
        )
        .expr_as(
            Expr::col((opportunity::Entity, opportunity::Column::OwnerId)),
            Alias::new("user_id"),
        )
        .expr_as(Expr::cust(cycle), Alias::new("days"))
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("deals"))
        .cond_where(closed_in(opportunity::Column::ClosedAt))
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::Status))
                .eq(OpportunityStatus::Won.as_str()),
        )
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::OwnerId)).is_in(ids.clone()),
        )
        .add_group_by([Expr::col((
            opportunity::Entity,
            opportunity::Column::OwnerId,
        ))])
        .to_owned();
    let collected = Query::select()
        .from(allocation::Entity)
        .inner_join(
            installment::Entity,
            Expr::col((installment::Entity, installment::Column::Id))
                .equals((allocation::Entity, allocation::Column::InstallmentId)),
        )
        .inner_join(
            contract::Entity,
            Expr::col((contract::Entity, contract::Column::Id))
                .equals((installment::Entity, installment::Column::ContractId)),
        )
        .expr_as(
            Expr::col((contract::Entity, contract::Column::OwnerId)),
            Alias::new("user_id"),
        )
        .expr_as(
            exact_sum::saturating_sql("\"allocations\".\"amount_minor\""),
            Alias::new("total"),
        )
        .and_where(Expr::col((allocation::Entity, allocation::Column::CreatedAt)).gte(start))
        .and_where(Expr::col((allocation::Entity, allocation::Column::CreatedAt)).lt(end))
        .and_where(Expr::col((contract::Entity, contract::Column::OwnerId)).is_in(ids.clone()))
        .add_group_by([Expr::col((contract::Entity, contract::Column::OwnerId))])
        .to_owned();
    let leads = Query::select()
        .from(lead::Entity)
        .expr_as(Expr::col(lead::Column::OwnerId), Alias::new("user_id"))
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("created"))
        .expr_as(
            Expr::cust("CAST(SUM(CASE WHEN \"converted_opportunity_id\" IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)"),
            Alias::new("converted"),
        )
        .and_where(lead::Column::CreatedAt.gte(start))
        .and_where(lead::Column::CreatedAt.lt(end))
        .and_where(lead::Column::OwnerId.is_in(ids.clone()))
        .add_group_by([Expr::col(lead::Column::OwnerId)])
        .to_owned();
    let visits = Query::select()
        .from(visit_task::Entity)
        .expr_as(
            Expr::col(visit_task::Column::AssigneeId),
            Alias::new("user_id"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(CASE WHEN \"status\" = 'COMPLETED' THEN 1 ELSE 0 END) AS BIGINT)"),
            Alias::new("completed"),
        )
        .expr_as(
            Expr::cust(
                "CAST(SUM(CASE WHEN \"check_in_on_site\" = TRUE THEN 1 ELSE 0 END) AS BIGINT)",
            ),
            Alias::new("on_site"),
        )
        .expr_as(
            Expr::cust(
                "CAST(SUM(CASE WHEN \"check_in_on_site\" IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)",
            ),
            Alias::new("verified"),
        )
        .and_where(visit_task::Column::LocalDate.gte(period.start))
        .and_where(visit_task::Column::LocalDate.lt(period.end))
        .and_where(visit_task::Column::AssigneeId.is_in(ids.clone()))
        .add_group_by([Expr::col(visit_task::Column::AssigneeId)])
        .to_owned();
    // The statements are independent: run them side by side on the pool.
    let (won, open, closed, cycles, collected, leads, visits, targets, teams) = tokio::try_join!(
        credited(db, &ids, won_deals),
        credited(db, &ids, open_deals),
        Closed::find_by_statement(crate::db::report_statement(backend, &closed))
            .all(db)
            .map_err(AppError::from),
        Cycle::find_by_statement(crate::db::report_statement(backend, &cycles))
            .all(db)
            .map_err(AppError::from),
        Sum::find_by_statement(crate::db::report_statement(backend, &collected))
            .all(db)
            .map_err(AppError::from),
        Leads::find_by_statement(crate::db::report_statement(backend, &leads))
            .all(db)
            .map_err(AppError::from),
        Visits::find_by_statement(crate::db::report_statement(backend, &visits))
            .all(db)
            .map_err(AppError::from),
        super::targets::of_period(db, period),
        team::Entity::find().all(db).map_err(AppError::from),
    )?;
    for row in won {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.won += Decimal::from(row.total) * Decimal::from(row.share) / Decimal::from(10_000);
        }
    }
    for row in open {
        if let Some(a) = acc.get_mut(&row.user_id) {
            let credit =
                Decimal::from(row.total) * Decimal::from(row.share) / Decimal::from(10_000);
            a.pipeline += credit;
            a.weighted += credit * Decimal::from(row.probability) / Decimal::ONE_HUNDRED;
        }
    }
    for row in closed {
        if let Some(a) = acc.get_mut(&row.user_id) {
            if row.status == OpportunityStatus::Won.as_str() {
                a.won_count += row.deals;
                a.won_amount += Decimal::from(row.total);
            } else {
                a.lost_count += row.deals;
                a.lost_amount += Decimal::from(row.total);
            }
        }
    }
    for row in cycles {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.cycle_days += row.days;
            a.cycles += row.deals;
        }
    }
    for row in collected {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.collected += Decimal::from(row.total);
        }
    }
    for row in leads {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.leads += row.created;
            a.converted += row.converted;
        }
    }
    for row in visits {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.visits_completed += row.completed;
            a.on_site += row.on_site;
            a.verified += row.verified;
        }
    }
    let teams: HashMap<Uuid, team::Model> = teams.into_iter().map(|t| (t.id, t)).collect();
    let targets: HashMap<(&str, &str), i64> = targets
        .iter()
        .map(|t| ((t.scope.as_str(), t.scope_key.as_str()), t.amount_minor))
        .collect();
    let target = |scope: &str, key: String| targets.get(&(scope, key.as_str())).copied();
    let mut rows = match group_by {
        GroupBy::User => sellers
            .iter()
            .map(|u| {
                acc.get(&u.id).cloned().unwrap_or_default().row(
                    Some(u.id),
                    Some(u.display_name.clone()),
                    target("USER", u.id.to_string()),
                )
            })
            .collect::<Vec<_>>(),
        GroupBy::Team => {
            let mut groups: BTreeMap<Option<Uuid>, Acc> = BTreeMap::new();
            for u in &sellers {
                let group = groups.entry(u.team_id).or_default();
                group.add(acc.get(&u.id).unwrap_or(&Acc::default()));
            }
            groups
                .into_iter()
                .map(|(team_id, a)| {
                    let name = team_id.and_then(|t| teams.get(&t)).map(|t| t.name.clone());
                    let goal = team_id.and_then(|t| target("TEAM", t.to_string()));
                    a.row(team_id, name, goal)
                })
                .collect()
        }
        GroupBy::Region => {
            let mut groups: BTreeMap<Option<String>, Acc> = BTreeMap::new();
            for u in &sellers {
                let region = u
                    .team_id
                    .and_then(|t| teams.get(&t))
                    .and_then(|t| t.region.clone());
                let group = groups.entry(region).or_default();
                group.add(acc.get(&u.id).unwrap_or(&Acc::default()));
            }
            groups
                .into_iter()
                .map(|(region, a)| {
                    let goal = region.clone().and_then(|r| target("REGION", r));
                    a.row(None, region, goal)
                })
                .collect()
        }
    };
    rows.sort_by(|a, b| b.won.cmp(&a.won).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}
