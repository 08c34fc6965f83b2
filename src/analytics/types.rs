//! GraphQL types of targets and performance.

use async_graphql::{ID, InputObject, SimpleObject};

pub use super::targets::{TargetMetric, TargetScope};
use crate::graphql::scalars::{Date, Decimal, Instant};

crate::string_enum! {
    /// How to group `salesPerformance`.
    PerformanceGroupBy {
        /// Per seller.
        User => "USER",
        /// Per team (sellers without a team together).
        Team => "TEAM",
        /// Per team region.
        Region => "REGION",
        /// Per product line, from the deals' line items (products without a line together).
        ProductLine => "PRODUCT_LINE",
        /// Per product, from the deals' line items.
        Product => "PRODUCT",
        /// Per customer industry (customers without one together).
        Industry => "INDUSTRY",
        /// Per customer grade (customers without one together).
        CustomerGrade => "CUSTOMER_GRADE",
        /// Per customer: the `limit` customers with the most won.
        Customer => "CUSTOMER",
    }
}

crate::string_enum! {
    /// How a target compares with its children's.
    AllocationStatus {
        /// The children's targets add up to more.
        OverAllocated => "OVER_ALLOCATED",
        /// The children's targets add up to less.
        UnderAllocated => "UNDER_ALLOCATED",
        /// They match exactly.
        Balanced => "BALANCED",
        /// The subject has no target for the period.
        NoTarget => "NO_TARGET",
    }
}

/// A sales target.
#[derive(SimpleObject, Clone, Debug)]
pub struct SalesTarget {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// `2026-W49` (an ISO week), `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    /// First day of the period.
    pub period_start: Date,
    /// First day after the period.
    pub period_end: Date,
    /// Whose target.
    pub scope: TargetScope,
    /// The user's or team's id, or the region's name; null for the company.
    pub scope_id: Option<String>,
    /// What the target counts.
    pub metric: TargetMetric,
    /// The goal: money for `WON_AMOUNT` and `COLLECTED_AMOUNT`, a whole count otherwise.
    pub amount: Decimal,
    /// When it was first set.
    pub created_at: Instant,
    /// When it was last set.
    pub updated_at: Instant,
    /// Increases with every change.
    pub version: i32,
}

/// A target to set.
#[derive(InputObject, Debug)]
pub struct SetSalesTargetInput {
    /// `2026-W49` (an ISO week), `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    /// Whose target.
    pub scope: TargetScope,
    /// A user's or team's id, or a region's name; omitted for the company.
    pub scope_id: Option<String>,
    /// What the target counts. `VISITS` and `CALLS` targets are set for sellers and teams only.
    #[graphql(default_with = "TargetMetric::WonAmount")]
    pub metric: TargetMetric,
    /// The goal, not negative: money (two decimals at most) for `WON_AMOUNT` and
    /// `COLLECTED_AMOUNT`, a whole count for the other metrics.
    pub amount: Decimal,
    /// The `version` of the target the change is based on (0 when setting a new one); a
    /// different one answers `CONFLICT`. Omitted: the last write wins.
    pub expected_version: Option<i32>,
}

/// Result of `setSalesTarget`.
#[derive(SimpleObject, Debug)]
pub struct SetSalesTargetPayload {
    /// The target as stored.
    pub target: SalesTarget,
}

/// Filters for `salesTargets`.
#[derive(InputObject, Debug, Default)]
pub struct SalesTargetFilter {
    /// Only this period.
    pub period: Option<String>,
    /// Only this scope.
    pub scope: Option<TargetScope>,
    /// Only this metric.
    pub metric: Option<TargetMetric>,
}

/// Which target to compare with its children's.
#[derive(InputObject, Debug)]
pub struct TargetAllocationInput {
    /// The period.
    pub period: String,
    /// Whose target.
    pub scope: TargetScope,
    /// A user's or team's id, or a region's name; omitted for the company.
    pub scope_id: Option<String>,
    /// Which metric's targets to compare.
    #[graphql(default_with = "TargetMetric::WonAmount")]
    pub metric: TargetMetric,
}

/// A target of one metric beside what its subject reached in the period.
#[derive(SimpleObject, Clone, Debug)]
pub struct TargetAchievement {
    /// What the target counts.
    pub metric: TargetMetric,
    /// The goal: money, or a whole count.
    pub target: Decimal,
    /// What was reached, counted as the metric says.
    pub actual: Decimal,
    /// Actual ÷ target; null for a zero target.
    pub achievement_rate: Option<f64>,
}

impl From<super::targets::Achievement> for TargetAchievement {
    fn from(a: super::targets::Achievement) -> Self {
        Self {
            metric: a.metric,
            target: Decimal(a.metric.shown(a.target)),
            actual: Decimal(a.metric.shown(a.actual)),
            achievement_rate: a.rate(),
        }
    }
}

/// One child's target in an allocation.
#[derive(SimpleObject, Clone, Debug)]
pub struct AllocationChild {
    /// The child's scope.
    pub scope: TargetScope,
    /// The child's id (or region name).
    pub scope_id: Option<String>,
    /// A name to show.
    pub label: String,
    /// Its target of the metric; null when none is set.
    pub target: Option<Decimal>,
}

/// A target beside the sum of its children's targets.
#[derive(SimpleObject, Clone, Debug)]
pub struct TargetAllocation {
    /// Which metric's targets these are.
    pub metric: TargetMetric,
    /// The target; null when none is set.
    pub target: Option<Decimal>,
    /// The children's targets added up.
    pub children_total: Decimal,
    /// Target − children's total (negative when over-allocated); null without a target.
    pub difference: Option<Decimal>,
    /// How they compare.
    pub status: AllocationStatus,
    /// Each child.
    pub children: Vec<AllocationChild>,
}

/// What `salesPerformance` covers.
#[derive(InputObject, Debug)]
pub struct SalesPerformanceInput {
    /// `2026-W49` (an ISO week), `2026-11`, `2026-Q4` or `2026` (days of the company time zone).
    pub period: String,
    /// How to group.
    pub group_by: PerformanceGroupBy,
    /// Whose numbers, within what you may see: `ME` yourself (or `userId`), `TEAM` a team's
    /// sellers (`teamId`, default the team you manage or belong to), `COMPANY` every seller you
    /// may see. Omitted: `TEAM` when `teamId` is given, else `COMPANY`.
    pub scope: Option<AnalyticsScope>,
    /// The team for `TEAM`.
    pub team_id: Option<ID>,
    /// One seller instead of yourself for `ME`.
    pub user_id: Option<ID>,
    /// For `CUSTOMER`: how many customers, most won first (1–100, default 20).
    pub limit: Option<i32>,
}

/// One group's numbers for the period.
#[derive(SimpleObject, Clone, Debug)]
pub struct PerformanceRow {
    /// The user's, team's, product line's, product's or customer's id; null for a region, an
    /// industry, a grade, sellers without a team and products without a line.
    pub group_id: Option<ID>,
    /// The user's, team's, region's, product line's or customer's name, a product's code and
    /// name, the industry or the grade; null for those without one.
    pub group_name: Option<String>,
    /// `wonAmount` ÷ the won amount of every group of the report (for `CUSTOMER`, of every
    /// customer, not only those listed); null when nothing was won.
    pub share_of_total: Option<f64>,
    /// Cost ÷ amount of the won line items credited to the group whose cost is known (null
    /// without such lines, for reps and customer service, and for other than seller groupings).
    pub cost_rate: Option<f64>,
    /// Customers the group's sellers own (seller groupings; else 0).
    pub customers_owned: i64,
    /// Of those, the ones with a visit completed on a day of the period (by anyone).
    pub customers_visited: i64,
    /// `customersVisited ÷ customersOwned`; null without customers.
    pub visit_coverage: Option<f64>,
    /// The group's target; null when none is set.
    pub target: Option<Decimal>,
    /// Won amounts credited through revenue splits (deals won in the period).
    pub won_amount: Decimal,
    /// Won ÷ target.
    pub achievement_rate: Option<f64>,
    /// The group's targets of money metrics (`WON_AMOUNT`, `COLLECTED_AMOUNT`) beside what it
    /// reached; `activityReport` shows the counted ones. Empty for product groupings.
    pub achievements: Vec<TargetAchievement>,
    /// Payments allocated in the period to the group's contracts, net of reversals and of
    /// what refunds took back (product groupings: 0).
    pub collected_amount: Decimal,
    /// What amendments approved in the period changed the group's contract amounts by,
    /// decreases negative (product groupings: 0).
    pub amended_amount: Decimal,
    /// Overlay credit on deals won in the period: each overlay's share of the amount, reported
    /// apart from `wonAmount` and never added to it (product groupings: 0).
    pub overlay_won_amount: Decimal,
    /// Once the period is over: 1 − |won − committed| ÷ committed, from the seller's (team's)
    /// last submitted forecast as their manager left it; null before, without a submission, and
    /// for other groupings.
    pub forecast_accuracy: Option<f64>,
    /// Open deals expected to close in the period, credited through splits.
    pub pipeline_amount: Decimal,
    /// The same, each times its win probability.
    pub weighted_pipeline_amount: Decimal,
    /// Pipeline ÷ (target − won); null when nothing remains or no target is set.
    pub pipeline_coverage: Option<f64>,
    /// Whether `pipelineCoverage` is under the company's multiple
    /// (`SALESGRAPH_PIPELINE_COVERAGE_MULTIPLE`, default 3): too little pipeline to reach the
    /// target at usual win rates. Null where the coverage is.
    pub coverage_below_multiple: Option<bool>,
    /// Credited won amount of the same period a year earlier (the same ISO week, or W52 where
    /// that year has no week 53); null for product groupings.
    pub previous_period_won_amount: Option<Decimal>,
    /// (won − previous period's won) ÷ previous period's won; null without a previous won
    /// amount and for product groupings.
    pub year_over_year_growth: Option<f64>,
    /// Deals won ÷ deals closed in the period, by count (owners).
    pub win_rate: Option<f64>,
    /// Won amount ÷ closed amount in the period (owners).
    pub win_rate_by_amount: Option<f64>,
    /// Average amount of deals won in the period (owners).
    pub avg_deal_size: Option<Decimal>,
    /// Average days from the lead's (else the deal's) creation to the win.
    pub avg_sales_cycle_days: Option<f64>,
    /// Leads created in the period that became opportunities ÷ leads created.
    pub lead_conversion_rate: Option<f64>,
    /// Visits completed on days of the period.
    pub visits_completed: i64,
    /// On-site check-ins ÷ verifiable check-ins on days of the period.
    pub on_site_rate: Option<f64>,
    /// Units won in the period (product groupings; null otherwise).
    pub quantity: Option<Decimal>,
    /// The average discount of the won lines, in percent (product groupings; null otherwise).
    pub average_discount_percent: Option<Decimal>,
    /// Won amount less the won lines' cost (product groupings, for admins, managers and
    /// finance; null otherwise and when a line's cost is unknown).
    pub margin_amount: Option<Decimal>,
    /// `marginAmount ÷ wonAmount` (null where that is).
    pub margin_rate: Option<f64>,
}

impl PerformanceRow {
    /// A row of a grouping other than by seller: its sales figures; the seller figures (target,
    /// rates, visits, last year) null or zero.
    pub fn of_sales(
        group_id: Option<ID>,
        group_name: Option<String>,
        won_amount: Decimal,
        pipeline_amount: Decimal,
        weighted_pipeline_amount: Decimal,
    ) -> Self {
        let zero = Decimal(crate::money::Money::from_minor(0).to_decimal());
        Self {
            group_id,
            group_name,
            share_of_total: None,
            cost_rate: None,
            customers_owned: 0,
            customers_visited: 0,
            visit_coverage: None,
            target: None,
            won_amount,
            achievement_rate: None,
            achievements: Vec::new(),
            collected_amount: zero,
            amended_amount: zero,
            overlay_won_amount: zero,
            forecast_accuracy: None,
            pipeline_amount,
            weighted_pipeline_amount,
            pipeline_coverage: None,
            coverage_below_multiple: None,
            previous_period_won_amount: None,
            year_over_year_growth: None,
            win_rate: None,
            win_rate_by_amount: None,
            avg_deal_size: None,
            avg_sales_cycle_days: None,
            lead_conversion_rate: None,
            visits_completed: 0,
            on_site_rate: None,
            quantity: None,
            average_discount_percent: None,
            margin_amount: None,
            margin_rate: None,
        }
    }
}

crate::string_enum! {
    /// Whose records a report covers.
    AnalyticsScope {
        /// Your own (or those of `userId`).
        Me => "ME",
        /// A team's (`teamId`, default the team you manage or belong to).
        Team => "TEAM",
        /// Everything you may see.
        Company => "COMPANY",
    }
}

impl AnalyticsScope {
    /// The scope of a seller report's `scope`, `teamId` and `userId` within what `viewer` may
    /// see; an omitted scope is `TEAM` when a team is named, else `COMPANY`. Errors:
    /// `BAD_USER_INPUT`, `FORBIDDEN`, `NOT_FOUND` (see `report_scope`).
    pub fn of_input(
        viewer: &crate::identity::Viewer,
        scope: Option<Self>,
        team_id: Option<ID>,
        user_id: Option<ID>,
    ) -> crate::error::AppResult<crate::report_scope::Scope> {
        let scope = scope.unwrap_or(if team_id.is_some() {
            Self::Team
        } else {
            Self::Company
        });
        crate::graphql::scope::report_scope(viewer, scope, team_id, user_id)
    }
}

impl From<AnalyticsScope> for crate::report_scope::Breadth {
    fn from(scope: AnalyticsScope) -> Self {
        match scope {
            AnalyticsScope::Me => Self::Me,
            AnalyticsScope::Team => Self::Team,
            AnalyticsScope::Company => Self::Company,
        }
    }
}

/// What `pipelineVelocity` covers.
#[derive(InputObject, Debug)]
pub struct PipelineVelocityInput {
    /// First day of the period (stage changes counted from its start in the company time zone).
    pub from: Date,
    /// Last day of the period, inclusive (company time zone).
    pub to: Date,
    /// Whose deals.
    pub scope: AnalyticsScope,
    /// The team for `TEAM`.
    pub team_id: Option<ID>,
    /// One seller instead of yourself.
    pub user_id: Option<ID>,
}

/// How fast deals move through one open stage.
#[derive(SimpleObject, Clone, Debug)]
pub struct StageVelocity {
    /// The stage.
    pub stage: crate::opportunities::types::PipelineStage,
    /// Average whole days deals spent in it before leaving it in the period.
    pub average_days: Option<f64>,
    /// Median of the same.
    pub median_days: Option<f64>,
    /// Of the deals entering it in the period, the fraction that reached a further stage.
    pub conversion_to_next: Option<f64>,
    /// How many open deals have sat in it longer than its `maxDaysInStage` (× 24 hours) now;
    /// exact, whatever the sample below lists.
    pub stuck_count: i64,
    /// A sample of those deals: at most 10, longest in the stage first.
    pub stuck_deals: Vec<crate::opportunities::types::Opportunity>,
}

/// What `leadSourceReport` covers.
#[derive(InputObject, Debug)]
pub struct LeadSourceReportInput {
    /// `2026-W49` (an ISO week), `2026-11`, `2026-Q4` or `2026`: leads created in it.
    pub period: String,
}

/// What one lead source brought.
#[derive(SimpleObject, Clone, Debug)]
pub struct LeadSourceLine {
    /// The source.
    pub source: crate::leads::types::LeadSource,
    /// Leads created in the period.
    pub leads: i64,
    /// Of those, converted into customers.
    pub converted: i64,
    /// Converted ÷ created.
    pub conversion_rate: Option<f64>,
    /// Their deals won so far.
    pub won_deals: i64,
    /// The amount of those deals.
    pub won_amount: Decimal,
}

/// What `customerRetention` covers.
#[derive(InputObject, Debug)]
pub struct CustomerRetentionInput {
    /// `2026-W49` (an ISO week), `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
}

/// Whether customers come back.
#[derive(SimpleObject, Clone, Debug)]
pub struct CustomerRetention {
    /// The period.
    pub period: String,
    /// Customers with a deal won in the period.
    pub customers_with_wins: i64,
    /// Of those, customers who had also won a deal before the period.
    pub repeat_customers: i64,
    /// Repeat ÷ customers with wins.
    pub repeat_purchase_rate: Option<f64>,
    /// Of the customers with a deal won in the period, those who bought more than once: who
    /// also won a deal before the period, or two within it (the sales process's definition).
    pub repeat_buyers: i64,
    /// Repeat buyers ÷ customers with wins.
    pub repeat_buyer_rate: Option<f64>,
    /// Approved, signed or completed contracts ending in the period.
    pub contracts_ending: i64,
    /// Of those, renewed: you may see another approved, signed or completed contract of the same
    /// customer, created no earlier than it, starting after its start date and no later than its
    /// end date plus the renewal window.
    pub renewed: i64,
    /// Renewed ÷ ending.
    pub renewal_rate: Option<f64>,
    /// Of the renewed, those whose renewal was signed on or before the old contract's end
    /// date (the sales process's rule).
    pub renewed_on_time: i64,
    /// Of the renewed, the rest: renewals signed after the old contract ended, or not signed
    /// yet.
    pub renewed_late: i64,
    /// Renewed on time ÷ ending.
    pub on_time_renewal_rate: Option<f64>,
    /// Renewed late ÷ ending.
    pub late_renewal_rate: Option<f64>,
    /// The renewal window in days (`SALESGRAPH_RENEWAL_WINDOW_DAYS`).
    pub renewal_window_days: i64,
    /// The customer lifetime value estimate, over the customers with a deal you may see won
    /// before the period's end; null without any.
    pub lifetime_value: Option<LifetimeValue>,
}

/// Customer lifetime value: what an average customer pays in a year times how long customers
/// stay (README: *Customer lifetime value*).
#[derive(SimpleObject, Clone, Debug)]
pub struct LifetimeValue {
    /// Customers counted.
    pub customers: i64,
    /// The mean over them of what they paid (less refunds) ÷ the years from their first win to
    /// the period's end (at least one).
    pub average_yearly_paid: Decimal,
    /// The mean over them of the years from their first win to their last win or payment (at
    /// least one), to two decimals.
    pub average_lifetime_years: f64,
    /// Average yearly paid × average lifetime.
    pub value: Decimal,
}
