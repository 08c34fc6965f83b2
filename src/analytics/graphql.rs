//! Resolvers for targets and performance.
//!
//! Just over 500 lines: the root of every period report (targets, performance, activity,
//! forecasts, funnels, retention, lead sources, the service report), each a thin call into its
//! module; a new merged query root instead overflows the test thread's stack (see
//! `activity_graphql.rs`).

use async_graphql::{Context, ID, Object};

use super::by_customer::CustomerGroup;
use super::by_product::ProductGroup;
use super::cuts_graphql as cuts;
use super::performance::GroupBy;
use super::targets::{self, Subject, TargetMetric, TargetScope};
use super::types::{
    AllocationChild, AllocationStatus, AnalyticsScope, CustomerRetention, CustomerRetentionInput,
    LeadSourceLine, LeadSourceReportInput, PerformanceGroupBy, PerformanceRow,
    PipelineVelocityInput, SalesPerformanceInput, SalesTarget, SalesTargetFilter,
    SetSalesTargetInput, SetSalesTargetPayload, StageVelocity, TargetAllocation,
    TargetAllocationInput,
};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{SALES_NUMBERS, SignedIn};
use crate::graphql::scalars::{Date, Decimal};
use crate::ids::{NodeType, decode_id, encode_id};
use crate::money::Money;
use crate::opportunities::types::Opportunity;

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

pub(super) fn subject(
    scope: TargetScope,
    scope_id: Option<&str>,
    field: &str,
) -> AppResult<Subject> {
    let id = |kind: NodeType| -> AppResult<uuid::Uuid> {
        let text = scope_id.ok_or_else(|| AppError::bad_input(field, "Name whose target"))?;
        decode_id(&ID(text.to_owned()), kind, field)
    };
    Ok(match scope {
        TargetScope::User => Subject::User(id(NodeType::User)?),
        TargetScope::Team => Subject::Team(id(NodeType::Team)?),
        TargetScope::Region => Subject::Region(
            scope_id
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .ok_or_else(|| AppError::bad_input(field, "Name the region"))?
                .to_owned(),
        ),
        TargetScope::Company => Subject::Company,
    })
}

/// The instants a period of company-time-zone days spans.
fn bounds(
    app: &crate::state::AppState,
    period: &super::periods::Period,
) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    period.instants(app.config.company_tz())
}

pub(super) fn scope_id_of(subject: &Subject) -> Option<String> {
    match subject {
        Subject::User(id) => Some(encode_id(NodeType::User, *id).to_string()),
        Subject::Team(id) => Some(encode_id(NodeType::Team, *id).to_string()),
        Subject::Region(name) => Some(name.clone()),
        Subject::Company => None,
    }
}

pub(crate) fn target_of(model: entity::sales_target::Model) -> SalesTarget {
    let scope = TargetScope::parse(&model.scope).unwrap_or(TargetScope::Company);
    let metric = TargetMetric::parse(&model.metric).unwrap_or(TargetMetric::WonAmount);
    let key = uuid::Uuid::parse_str(&model.scope_key).ok();
    let scope_id = match (scope, key) {
        (TargetScope::User, Some(id)) => Some(encode_id(NodeType::User, id).to_string()),
        (TargetScope::Team, Some(id)) => Some(encode_id(NodeType::Team, id).to_string()),
        (TargetScope::Region, _) => Some(model.scope_key.clone()),
        _ => None,
    };
    SalesTarget {
        id: encode_id(NodeType::SalesTarget, model.id),
        period: model.period,
        period_start: Date(model.period_start),
        period_end: Date(model.period_end),
        scope,
        scope_id,
        metric,
        amount: crate::graphql::scalars::Decimal(metric.shown(model.amount_minor)),
        created_at: model.created_at.into(),
        updated_at: model.updated_at.into(),
        version: model.version,
    }
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// What sellers did in a period: follow-ups by kind, visits planned, completed and missed,
    /// new and qualified leads, new customers, deals opened, and lead first-response times,
    /// per seller, team or region over the sellers you may see (reps: themselves).
    #[graphql(guard = "SALES_NUMBERS")]
    async fn activity_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ActivityReportInput`.")]
        input: super::activity_types::ActivityReportInput,
    ) -> async_graphql::Result<Vec<super::activity_types::ActivityRow>> {
        super::activity_graphql::activity_report(ctx, input).await
    }

    /// The reverse funnel of a won-amount target: the deals, deals in play and leads it takes
    /// at the rates observed lately, against what is open now, per stage; and a target
    /// suggested from last year's same period.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn target_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `TargetPlanInput`.")]
        input: super::target_plan_types::TargetPlanInput,
    ) -> async_graphql::Result<super::target_plan_types::TargetPlan> {
        super::target_plan_types::target_plan(ctx, input).await
    }

    /// Targets you may see (company and region targets, your teams', your own and, for managers,
    /// your reps').
    #[graphql(guard = "SALES_NUMBERS")]
    async fn sales_targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only targets matching this filter.")] filter: Option<SalesTargetFilter>,
    ) -> async_graphql::Result<Vec<SalesTarget>> {
        let viewer = ctx.viewer()?;
        let f = filter.unwrap_or_default();
        Ok(targets::list_targets(
            &ctx.app().db,
            viewer,
            f.period.as_deref(),
            f.scope,
            f.metric,
        )
        .await?
        .into_iter()
        .map(target_of)
        .collect())
    }

    /// A target beside the sum of its children's targets, so imbalance shows at a glance.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn target_allocation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `TargetAllocationInput`.")]
        input: TargetAllocationInput,
    ) -> async_graphql::Result<TargetAllocation> {
        let viewer = ctx.viewer()?;
        let subject = subject(input.scope, input.scope_id.as_deref(), "input.scopeId")?;
        let found =
            targets::allocation(&ctx.app().db, viewer, &input.period, subject, input.metric)
                .await?;
        let total = found.children_total();
        let value = |stored: i64| crate::graphql::scalars::Decimal(input.metric.shown(stored));
        let status = match found.target_minor {
            None => AllocationStatus::NoTarget,
            Some(t) if total > t => AllocationStatus::OverAllocated,
            Some(t) if total < t => AllocationStatus::UnderAllocated,
            Some(_) => AllocationStatus::Balanced,
        };
        Ok(TargetAllocation {
            metric: input.metric,
            target: found.target_minor.map(value),
            children_total: value(total),
            difference: found.target_minor.map(|t| value(t - total)),
            status,
            children: found
                .children
                .into_iter()
                .map(|c| AllocationChild {
                    scope: c.subject.scope(),
                    scope_id: scope_id_of(&c.subject),
                    label: c.label,
                    target: c.target_minor.map(value),
                })
                .collect(),
        })
    }

    /// Per open stage: dwell times, conversion onward and the deals stuck in it now.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn pipeline_velocity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `PipelineVelocityInput`.")]
        input: PipelineVelocityInput,
    ) -> async_graphql::Result<Vec<StageVelocity>> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let scope =
            crate::graphql::scope::report_scope(viewer, input.scope, input.team_id, input.user_id)?;
        let tz = app.config.company_tz();
        let start = crate::calendar::local_day_bounds(tz, input.from.0).0;
        let end = crate::calendar::local_day_bounds(tz, input.to.0).1;
        let stages =
            super::velocity::pipeline_velocity(&app.db, viewer, scope, start, end, app.clock.now())
                .await?;
        Ok(stages
            .into_iter()
            .map(|s| StageVelocity {
                average_days: s.average_days,
                median_days: s.median_days,
                conversion_to_next: s.conversion_to_next,
                stuck_count: s.stuck_count,
                stuck_deals: s.stuck_sample.into_iter().map(Opportunity::from).collect(),
                stage: s.stage.into(),
            })
            .collect())
    }

    /// Per lead source, the leads created in a period you may see, their conversion and what
    /// their deals won — which channel pays.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn lead_source_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `LeadSourceReportInput`.")]
        input: LeadSourceReportInput,
    ) -> async_graphql::Result<Vec<LeadSourceLine>> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let period = super::periods::parse(&input.period, "input.period")?;
        let (start, end) = bounds(app, &period);
        let lines = super::reports::lead_sources(&app.db, viewer, start, end).await?;
        Ok(lines
            .into_iter()
            .filter_map(|l| {
                Some(LeadSourceLine {
                    source: crate::leads::types::LeadSource::parse(&l.source)?,
                    conversion_rate: (l.leads > 0).then(|| l.converted as f64 / l.leads as f64),
                    leads: l.leads,
                    converted: l.converted,
                    won_deals: l.won_deals,
                    won_amount: money(l.won_minor),
                })
            })
            .collect())
    }

    /// How tickets were handled and how callbacks went in a span of days, over the tickets and
    /// callbacks you may see.
    #[graphql(guard = "SignedIn")]
    async fn service_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ServiceReportInput`.")]
        input: super::service_report_types::ServiceReportInput,
    ) -> async_graphql::Result<super::service_report_types::ServiceReport> {
        use super::service_report_types::{ServiceReport, group_of};
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let (from, to) = (input.from.0, input.to.0);
        if to < from || (to - from).num_days() > 366 {
            return Err(crate::error::AppError::bad_input(
                "input.to",
                "The span runs from `from` to at most 366 days later",
            )
            .into());
        }
        let tz = app.config.company_tz();
        let start = crate::calendar::local_day_bounds(tz, from).0;
        let end = crate::calendar::local_day_bounds(tz, to).1;
        let report = super::service_report::report(
            &app.db,
            viewer,
            input.group_by.into(),
            start,
            end,
            (from, to),
        )
        .await?;
        Ok(ServiceReport {
            from: input.from,
            to: input.to,
            groups: report
                .groups
                .into_iter()
                .map(|(key, figures)| group_of(input.group_by, key, figures))
                .collect(),
            total: report.total.into(),
            callbacks: report.callbacks.into_iter().map(Into::into).collect(),
        })
    }

    /// Repeat purchases and contract renewals in a period, over what you may see.
    #[graphql(guard = "SignedIn")]
    async fn customer_retention(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CustomerRetentionInput`.")]
        input: CustomerRetentionInput,
    ) -> async_graphql::Result<CustomerRetention> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let period = super::periods::parse(&input.period, "input.period")?;
        let (start, end) = bounds(app, &period);
        let window = app.config.renewal_window_days.max(0);
        let r = super::reports::retention(&app.db, viewer, &period, start, end, window).await?;
        let tz = app.config.company_tz();
        let value =
            super::lifetime_value::lifetime_value(&app.db, viewer, end, period.end, tz).await?;
        let rate = |part: i64, whole: i64| (whole > 0).then(|| part as f64 / whole as f64);
        Ok(CustomerRetention {
            period: period.text,
            repeat_purchase_rate: rate(r.repeat_customers, r.customers_with_wins),
            renewal_rate: rate(r.renewed, r.contracts_ending),
            repeat_buyer_rate: rate(r.repeat_buyers, r.customers_with_wins),
            repeat_buyers: r.repeat_buyers,
            renewed_on_time: r.renewed_on_time,
            renewed_late: r.renewed - r.renewed_on_time,
            on_time_renewal_rate: rate(r.renewed_on_time, r.contracts_ending),
            late_renewal_rate: rate(r.renewed - r.renewed_on_time, r.contracts_ending),
            customers_with_wins: r.customers_with_wins,
            repeat_customers: r.repeat_customers,
            contracts_ending: r.contracts_ending,
            renewed: r.renewed,
            renewal_window_days: window,
            lifetime_value: value.map(|v| super::types::LifetimeValue {
                customers: v.customers,
                average_yearly_paid: money(v.average_yearly_paid.minor()),
                average_lifetime_years: v.average_lifetime_years,
                value: money(v.value.minor()),
            }),
        })
    }

    /// The period's numbers per seller, team or region, over the sellers you may see.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn sales_performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SalesPerformanceInput`.")]
        input: SalesPerformanceInput,
    ) -> async_graphql::Result<Vec<PerformanceRow>> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let period = super::periods::parse(&input.period, "input.period")?;
        let scope = AnalyticsScope::of_input(viewer, input.scope, input.team_id, input.user_id)?;
        let tz = app.config.company_tz();
        let group_by = match input.group_by {
            PerformanceGroupBy::User => GroupBy::User,
            PerformanceGroupBy::Team => GroupBy::Team,
            PerformanceGroupBy::Region => GroupBy::Region,
            PerformanceGroupBy::ProductLine => {
                return cuts::by_product(ctx, &period, tz, ProductGroup::Line, scope).await;
            }
            PerformanceGroupBy::Product => {
                return cuts::by_product(ctx, &period, tz, ProductGroup::Product, scope).await;
            }
            PerformanceGroupBy::Industry => {
                return cuts::by_customer(ctx, &period, tz, CustomerGroup::Industry, scope).await;
            }
            PerformanceGroupBy::CustomerGrade => {
                return cuts::by_customer(ctx, &period, tz, CustomerGroup::Grade, scope).await;
            }
            PerformanceGroupBy::Customer => {
                let limit = input.limit.unwrap_or(20);
                if !(1..=100).contains(&limit) {
                    return Err(
                        AppError::bad_input("input.limit", "List 1 to 100 customers").into(),
                    );
                }
                let group = CustomerGroup::Customer(u64::try_from(limit).unwrap_or(20));
                return cuts::by_customer(ctx, &period, tz, group, scope).await;
            }
        };
        // Identical requests (same visibility, same input) running at once share one computation.
        let key = format!(
            "{:?}|{:?}|{:?}|{:?}|{}|{:?}|{:?}",
            viewer.user_id,
            viewer.role,
            viewer.team_id,
            viewer.managed_team_ids,
            period.text,
            group_by,
            scope
        );
        let period_text = period.text.clone();
        let over = period.end <= crate::calendar::today(tz, app.clock.now());
        let compute = {
            let (db, viewer) = (app.db.clone(), viewer.clone());
            async move {
                super::performance::sales_performance(&db, &viewer, &period, tz, group_by, scope)
                    .await
            }
        };
        let rows = ctx.caches()?.performance_reports.run(key, compute).await?;
        let kind = match group_by {
            GroupBy::User => Some(NodeType::User),
            GroupBy::Team => Some(NodeType::Team),
            GroupBy::Region => None,
        };
        // Once the period is over, how close each seller's (team's) last reviewed commitment
        // came to what was won.
        let level = match group_by {
            GroupBy::User => Some(super::forecast_review::REP),
            GroupBy::Team => Some(super::forecast_review::TEAM),
            GroupBy::Region => None,
        };
        let commits = match level.filter(|_| over) {
            Some(level) => {
                let ids: Vec<uuid::Uuid> = rows.iter().filter_map(|r| r.id).collect();
                super::forecast_review::standing_commits(&app.db, &period_text, level, &ids).await?
            }
            None => std::collections::HashMap::new(),
        };
        let multiple = app.config.pipeline_coverage_multiple;
        let total_won: i64 = rows.iter().map(|r| r.won.minor()).sum();
        Ok(rows
            .iter()
            .map(|r| PerformanceRow {
                group_id: kind.zip(r.id).map(|(k, id)| encode_id(k, id)),
                group_name: r.name.clone(),
                share_of_total: (total_won > 0).then(|| r.won.minor() as f64 / total_won as f64),
                cost_rate: r.cost_rate,
                customers_owned: r.customers_owned,
                customers_visited: r.customers_visited,
                visit_coverage: (r.customers_owned > 0)
                    .then(|| r.customers_visited as f64 / r.customers_owned as f64),
                target: r.target.map(|m| money(m.minor())),
                won_amount: money(r.won.minor()),
                achievement_rate: r.achievement_rate,
                achievements: r.achievements.iter().copied().map(Into::into).collect(),
                collected_amount: money(r.collected.minor()),
                amended_amount: money(r.amended.minor()),
                overlay_won_amount: money(r.overlay_won.minor()),
                forecast_accuracy: r
                    .id
                    .and_then(|id| commits.get(&id))
                    .and_then(|commit| super::forecast_review::accuracy(*commit, r.won.minor())),
                pipeline_amount: money(r.pipeline.minor()),
                weighted_pipeline_amount: money(r.weighted_pipeline.minor()),
                pipeline_coverage: r.pipeline_coverage,
                coverage_below_multiple: r.pipeline_coverage.map(|c| c < multiple),
                previous_period_won_amount: Some(money(r.previous_won.minor())),
                year_over_year_growth: r.year_over_year_growth,
                win_rate: r.win_rate_by_count,
                win_rate_by_amount: r.win_rate_by_amount,
                avg_deal_size: r.avg_deal_size.map(|m| money(m.minor())),
                avg_sales_cycle_days: r.avg_sales_cycle_days,
                lead_conversion_rate: r.lead_conversion_rate,
                visits_completed: r.visits_completed,
                on_site_rate: r.on_site_rate,
                quantity: None,
                average_discount_percent: None,
                margin_amount: None,
                margin_rate: None,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct AnalyticsMutation;

#[Object]
impl AnalyticsMutation {
    /// Sets a target for a period: admins for the company and regions, managers for their teams
    /// and reps.
    #[graphql(guard = "SignedIn")]
    async fn set_sales_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SetSalesTargetInput`.")]
        input: SetSalesTargetInput,
    ) -> async_graphql::Result<SetSalesTargetPayload> {
        let viewer = ctx.viewer()?;
        let subject = subject(input.scope, input.scope_id.as_deref(), "input.scopeId")?;
        let changed = targets::set_target(
            ctx.app(),
            viewer,
            &input.period,
            subject.clone(),
            input.metric,
            input.amount.0,
            input.expected_version,
        )
        .await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(ctx, changed, async || {
            targets::find_target(db, viewer, &input.period, &subject, input.metric).await
        })
        .await
    }
}

impl From<entity::sales_target::Model> for SetSalesTargetPayload {
    fn from(model: entity::sales_target::Model) -> Self {
        Self {
            target: target_of(model),
        }
    }
}
