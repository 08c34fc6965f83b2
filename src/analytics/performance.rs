//! `salesPerformance`: the manager's numbers per rep, team or region for a period — a fixed
//! number of SQL aggregates over the sellers the viewer may see, rolled up in code.

use futures_util::TryFutureExt;
use std::collections::HashMap;

use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::periods::Period;
use super::seller_aggregates::{
    Book, Closed, Costed, Credited, Cycle, Leads, Sum, Visits, Window, aggregate, credited,
};
use super::targets::{Achievement, TargetMetric};
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::money::Money;
use crate::opportunities::model::OpportunityStatus;
use crate::report_scope::Scope;
use entity::{sales_target, team, user};
use rust_decimal::prelude::ToPrimitive;

pub use super::groups::GroupBy;

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
    pub amended: Money,
    /// Overlay credit on deals won in the period (apart from `won`, never in it).
    pub overlay_won: Money,
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
    /// Credited won amount of the same period a year earlier.
    pub previous_won: Money,
    /// (won − previous) ÷ previous; `None` without a previous won amount.
    pub year_over_year_growth: Option<f64>,
    /// The group's targets of money metrics beside what it reached.
    pub achievements: Vec<Achievement>,
    /// Cost ÷ amount of the credited won lines whose cost is known; `None` without such lines
    /// or for viewers who may not see cost.
    pub cost_rate: Option<f64>,
    /// Customers the group's sellers own, and those of them visited in the period.
    pub customers_owned: i64,
    pub customers_visited: i64,
}

/// The metrics `salesPerformance` reports achievement of (the counted ones are
/// `activityReport`'s).
pub const METRICS: [TargetMetric; 2] = [TargetMetric::WonAmount, TargetMetric::CollectedAmount];

/// What one seller contributed; summed over a group's members.
#[derive(Debug, Clone, Default)]
struct Acc {
    won: Decimal,
    previous_won: Decimal,
    pipeline: Decimal,
    weighted: Decimal,
    // Money sums in minor units, as decimals: sums over many sellers never overflow.
    collected: Decimal,
    amended: Decimal,
    overlay_won: Decimal,
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
    cost: Decimal,
    costed_amount: Decimal,
    customers_owned: i64,
    customers_visited: i64,
}

impl Acc {
    fn add(&mut self, other: &Acc) {
        self.won += other.won;
        self.previous_won += other.previous_won;
        self.pipeline += other.pipeline;
        self.weighted += other.weighted;
        self.collected += other.collected;
        self.amended += other.amended;
        self.overlay_won += other.overlay_won;
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
        self.cost += other.cost;
        self.costed_amount += other.costed_amount;
        self.customers_owned += other.customers_owned;
        self.customers_visited += other.customers_visited;
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
        let previous_won = cents(self.previous_won);
        let pipeline = cents(self.pipeline);
        let remaining = target.map(|t| t.saturating_sub(won.minor()));
        Row {
            id,
            name,
            target: target.map(Money::from_minor),
            achievement_rate: target.and_then(|t| ratio(won.minor() as f64, t as f64)),
            won,
            collected: cents(self.collected),
            amended: cents(self.amended),
            overlay_won: cents(self.overlay_won),
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
            year_over_year_growth: ratio(
                (won.minor() as f64) - (previous_won.minor() as f64),
                previous_won.minor() as f64,
            ),
            previous_won,
            achievements: Vec::new(),
            cost_rate: ratio(
                self.cost.to_f64().unwrap_or(0.0),
                self.costed_amount.to_f64().unwrap_or(0.0),
            ),
            customers_owned: self.customers_owned,
            customers_visited: self.customers_visited,
        }
    }
}

/// The sellers (reps and managers) the viewer may report on: admins and finance all, managers
/// their teams' members and themselves, reps themselves, customer service none; narrowed to one seller or one team's.
pub(super) async fn sellers(
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
        Role::Support => crate::policy::nothing(),
    };
    condition = match scope {
        Scope::User(id) => condition.add(user::Column::Id.eq(id)),
        Scope::Team(team) => condition.add(user::Column::TeamId.eq(team)),
        Scope::Company => condition,
    };
    Ok(user::Entity::find().filter(condition).all(db).await?)
}

/// What the report's statements found, per seller.
struct Found {
    won: Vec<Credited>,
    previous_won: Vec<Credited>,
    open: Vec<Credited>,
    closed: Vec<Closed>,
    cycles: Vec<Cycle>,
    collected: Vec<Sum>,
    amended: Vec<Sum>,
    overlay_won: Vec<Sum>,
    leads: Vec<Leads>,
    visits: Vec<Visits>,
    costed: Vec<Costed>,
    books: Vec<Book>,
}

impl Found {
    /// Adds every row to its seller's accumulator (rows of sellers outside the report are left
    /// out).
    fn fold_into(self, acc: &mut HashMap<Uuid, Acc>) {
        let share = |total: i64, basis: i32| {
            Decimal::from(total) * Decimal::from(basis) / Decimal::from(10_000)
        };
        for row in self.won {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.won += share(row.total, row.share);
            }
        }
        for row in self.previous_won {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.previous_won += share(row.total, row.share);
            }
        }
        for row in self.open {
            if let Some(a) = acc.get_mut(&row.user_id) {
                let credit = share(row.total, row.share);
                a.pipeline += credit;
                a.weighted += credit * Decimal::from(row.probability) / Decimal::ONE_HUNDRED;
            }
        }
        for row in self.closed {
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
        for row in self.cycles {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.cycle_days += row.days;
                a.cycles += row.deals;
            }
        }
        for row in self.collected {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.collected += Decimal::from(row.total);
            }
        }
        for row in self.amended {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.amended += Decimal::from(row.total);
            }
        }
        for row in self.overlay_won {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.overlay_won += Decimal::from(row.total) / Decimal::from(10_000);
            }
        }
        for row in self.leads {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.leads += row.created;
                a.converted += row.converted;
            }
        }
        for row in self.costed {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.cost += Decimal::from(row.cost);
                a.costed_amount += Decimal::from(row.amount);
            }
        }
        for row in self.books {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.customers_owned += row.owned;
                a.customers_visited += row.visited;
            }
        }
        for row in self.visits {
            if let Some(a) = acc.get_mut(&row.user_id) {
                a.visits_completed += row.completed;
                a.on_site += row.on_site;
                a.verified += row.verified;
            }
        }
    }
}

/// The report's rows: one per seller, team or region, each against its target.
fn roll_up(
    group_by: GroupBy,
    sellers: &[user::Model],
    acc: &HashMap<Uuid, Acc>,
    teams: Vec<team::Model>,
    targets: &[sales_target::Model],
) -> Vec<Row> {
    let teams: HashMap<Uuid, team::Model> = teams.into_iter().map(|t| (t.id, t)).collect();
    super::groups::group(group_by, sellers, &teams, |group: &mut Acc, seller| {
        if let Some(a) = acc.get(&seller) {
            group.add(a);
        }
    })
    .into_iter()
    .map(|g| {
        let subject = g.key.subject();
        let goal = subject
            .as_ref()
            .and_then(|s| super::targets::goal(targets, s, TargetMetric::WonAmount));
        let mut row = g.acc.row(g.id, g.name, goal);
        row.achievements = super::targets::achievements(
            targets,
            subject.as_ref(),
            &METRICS,
            |metric| match metric {
                TargetMetric::CollectedAmount => row.collected.minor(),
                _ => row.won.minor(),
            },
        );
        row
    })
    .collect()
}

/// The figures of `period` per group, over the sellers the viewer may see within `scope`.
/// Twelve statements however many groups (eleven for those who may not see cost).
pub async fn sales_performance(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &Period,
    tz: chrono_tz::Tz,
    group_by: GroupBy,
    scope: Scope,
) -> AppResult<Vec<Row>> {
    let backend = db.get_database_backend();
    let sellers = sellers(db, viewer, scope).await?;
    let (start, end) = period.instants(tz);
    let window = Window {
        period,
        start,
        end,
        sellers: sellers.iter().map(|u| u.id).collect(),
    };
    let ids = &window.sellers;
    let year_before = period.year_before().ok_or_else(AppError::internal)?;
    let (start, end) = year_before.instants(tz);
    let previous = Window {
        period: &year_before,
        start,
        end,
        sellers: Vec::new(),
    };
    // The statements are independent: run them side by side on the pool.
    let (
        won,
        previous_won,
        open,
        closed,
        cycles,
        collected,
        amended,
        overlay_won,
        leads,
        visits,
        books,
        targets,
        teams,
    ) = tokio::try_join!(
        credited(db, ids, window.won_deals()),
        credited(db, ids, previous.won_deals()),
        credited(db, ids, window.open_deals()),
        aggregate(db, window.closed()),
        aggregate(db, window.cycles(backend)),
        aggregate(db, window.collected()),
        aggregate(db, window.amended()),
        aggregate(db, window.overlay_won()),
        aggregate(db, window.leads()),
        aggregate(db, window.visits()),
        aggregate(db, window.book()),
        super::targets::of_period(db, period),
        team::Entity::find().all(db).map_err(AppError::from),
    )?;
    // Only those who may see cost get cost in any aggregate.
    let costed = if crate::policy::can_see_cost(viewer) {
        aggregate(db, window.costed()).await?
    } else {
        Vec::new()
    };
    let mut acc: HashMap<Uuid, Acc> = ids.iter().map(|id| (*id, Acc::default())).collect();
    Found {
        costed,
        books,
        won,
        previous_won,
        open,
        closed,
        cycles,
        collected,
        amended,
        overlay_won,
        leads,
        visits,
    }
    .fold_into(&mut acc);
    let mut rows = roll_up(group_by, &sellers, &acc, teams, &targets);
    rows.sort_by(|a, b| b.won.cmp(&a.won).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}
