//! Targets and the manager's numbers.
//!
//! - Targets per period (`2026-11`, `2026-Q4`, `2026`) for a seller, a team, a region (the
//!   region of teams) or the company. Admins set company and region targets; managers their
//!   teams' and their reps'. `targetAllocation` puts a target beside its children's — regions
//!   under the company, teams under a region, members under a team.
//! - `salesPerformance` computes, per seller, team or region over the sellers the viewer may
//!   see (reps: themselves), with SQL aggregates: won amounts credited through revenue splits,
//!   collections, pipeline, win rates, deal size, sales cycle, lead conversion and visits.
//!   Periods run over the company time zone's days. Rates are fractions, `null` where their
//!   base is zero. A scope (`ME`, `TEAM`, `COMPANY`) narrows it within visibility.
//! - The same report cut by customer industry, grade or top customers (by_customer.rs), with
//!   each group's share of the won total; seller rows carry the cost rate and the coverage of
//!   the customers they own by visits.
//! - `customerRetention` estimates customer lifetime value (lifetime_value.rs).
//! - `pipelineVelocity` (velocity.rs): dwell times, onward conversion and exact stuck counts
//!   per open stage over the scope's visible deals, with a bounded sample of the longest-stuck.
//! - `leadSourceReport` and `customerRetention` (reports.rs): what each lead source brought,
//!   repeat purchases, and renewals — another binding contract of the same customer starting
//!   after the old one's start and within the renewal window of its end.
//! - `activityReport` (activity.rs): follow-ups by kind, visits, leads taken and qualified,
//!   customers and deals opened, and lead first-response times per seller, team or region.
//! - Targets name a metric (targets.rs): won or collected money, or counts of new customers,
//!   completed visits, calls, new and qualified leads; `salesPerformance` shows achievement of
//!   the money ones, `activityReport` of the counted ones.
//! - `targetPlan` (target_plan.rs): the reverse funnel of a won-amount target at observed
//!   rates, per stage, and a target suggested from last year's same period and growth.
//! - `campaignReport` (campaign_report.rs): each campaign's cost, funnel and return, first-touch
//!   and linear any-touch.

pub mod activity;
pub mod activity_graphql;
pub mod activity_types;
pub mod by_customer;
pub mod by_product;
pub mod campaign_figures;
pub mod campaign_report;
pub mod campaign_report_types;
pub mod cuts_graphql;
pub mod forecast_company;
pub mod forecast_review;
pub mod forecast_review_graphql;
pub mod forecast_review_types;
pub mod graphql;
pub mod groups;
pub mod lifetime_value;
pub mod loaders;
pub mod performance;
pub mod periods;
pub mod reports;
pub mod reverse_funnel;
pub mod seller_aggregates;
pub mod service_report;
pub mod service_report_types;
pub mod target_kinds;
pub mod target_plan;
pub mod target_plan_types;
pub mod targets;
pub mod types;
pub mod velocity;
