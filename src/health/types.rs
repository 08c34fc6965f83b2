//! GraphQL types of customer health: the health itself, its rules and the inputs that change
//! rules, pins and influence.

use async_graphql::{ID, InputObject, SimpleObject};

use super::rules::{Components, Health, HealthRules, InfluenceLevel, Weights};
use crate::customers::types::{Customer, Grade};
use crate::graphql::scalars::Decimal;
use crate::money::Money;

/// A customer's health now: five components of 0–100 points, weighted into a score.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct CustomerHealth {
    /// The weighted components, 0–100.
    pub score: i32,
    /// The grade the score earns under the thresholds.
    pub grade: Grade,
    /// Each component, 0–100.
    pub components: HealthComponents,
}

/// The components of a customer's health, 0–100 each.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct HealthComponents {
    /// Won and paid amounts of the last 365 days against the full purchasing amount.
    pub purchasing: i32,
    /// Purchases after the first (won deals, contracts made without a deal).
    pub repeat: i32,
    /// The points of the customer's influence level.
    pub influence: i32,
    /// Completed visits and follow-ups of the engagement window.
    pub engagement: i32,
    /// Satisfaction of the last 365 days, less open tickets.
    pub service: i32,
}

impl From<Health> for CustomerHealth {
    fn from(h: Health) -> Self {
        let c: Components = h.components;
        Self {
            score: h.score,
            grade: Grade::parse(h.grade).unwrap_or(Grade::C),
            components: HealthComponents {
                purchasing: c.purchasing,
                repeat: c.repeat,
                influence: c.influence,
                engagement: c.engagement,
                service: c.service,
            },
        }
    }
}

/// How much each health component weighs (the five sum to 100).
#[derive(SimpleObject, InputObject, Clone, Copy, Debug)]
#[graphql(name = "HealthWeights", input_name = "HealthWeightsInput")]
pub struct HealthWeights {
    /// Weight of purchasing.
    pub purchasing: i32,
    /// Weight of repeat purchases.
    pub repeat: i32,
    /// Weight of influence.
    pub influence: i32,
    /// Weight of engagement.
    pub engagement: i32,
    /// Weight of service.
    pub service: i32,
}

/// A level of the influence picklist.
#[derive(SimpleObject, InputObject, Clone, Debug)]
#[graphql(name = "InfluenceLevel", input_name = "InfluenceLevelInput")]
pub struct InfluenceLevelType {
    /// Stable key stored on customers: `A-Z`, `0-9` and `_`, 1–40 characters.
    pub key: String,
    /// What people read.
    pub label: String,
    /// Influence points, 0–100.
    pub points: i32,
}

/// How customer health and grades are computed.
#[derive(SimpleObject, InputObject, Clone, Debug)]
#[graphql(name = "CustomerHealthRules", input_name = "CustomerHealthRulesInput")]
pub struct CustomerHealthRules {
    /// The weights of the components.
    pub weights: HealthWeights,
    /// The won amount, and separately the paid amount, of 365 days that earn the full
    /// purchasing points (half each).
    pub purchasing_full_amount: Decimal,
    /// Repeat points per purchase after the first.
    pub repeat_per_purchase: i32,
    /// Days of visits and follow-ups engagement counts (1–365).
    pub engagement_window_days: i32,
    /// Engagement points per completed visit.
    pub engagement_per_visit: i32,
    /// Engagement points per follow-up.
    pub engagement_per_follow_up: i32,
    /// Service points of a customer who never rated anything.
    pub service_unrated: i32,
    /// Service points taken off per open ticket.
    pub service_per_open_ticket: i32,
    /// Lowest score graded A.
    pub grade_a_min: i32,
    /// Lowest score graded B; lower is C.
    pub grade_b_min: i32,
    /// The influence picklist (at most 20 levels).
    pub influence_levels: Vec<InfluenceLevelType>,
}

impl From<HealthRules> for CustomerHealthRules {
    fn from(r: HealthRules) -> Self {
        let w = r.weights;
        Self {
            weights: HealthWeights {
                purchasing: w.purchasing,
                repeat: w.repeat,
                influence: w.influence,
                engagement: w.engagement,
                service: w.service,
            },
            purchasing_full_amount: Decimal(
                Money::from_minor(r.purchasing_full_minor).to_decimal(),
            ),
            repeat_per_purchase: r.repeat_per_purchase,
            engagement_window_days: r.engagement_window_days,
            engagement_per_visit: r.engagement_per_visit,
            engagement_per_follow_up: r.engagement_per_follow_up,
            service_unrated: r.service_unrated,
            service_per_open_ticket: r.service_per_open_ticket,
            grade_a_min: r.grade_a_min,
            grade_b_min: r.grade_b_min,
            influence_levels: r
                .influence_levels
                .into_iter()
                .map(|l| InfluenceLevelType {
                    key: l.key,
                    label: l.label,
                    points: l.points,
                })
                .collect(),
        }
    }
}

impl CustomerHealthRules {
    /// The rules this input describes. Errors: `BAD_USER_INPUT` (an amount with more than two
    /// fraction digits).
    pub fn into_rules(self) -> crate::error::AppResult<HealthRules> {
        let w = self.weights;
        Ok(HealthRules {
            weights: Weights {
                purchasing: w.purchasing,
                repeat: w.repeat,
                influence: w.influence,
                engagement: w.engagement,
                service: w.service,
            },
            purchasing_full_minor: self
                .purchasing_full_amount
                .minor("input.rules.purchasingFullAmount")?,
            repeat_per_purchase: self.repeat_per_purchase,
            engagement_window_days: self.engagement_window_days,
            engagement_per_visit: self.engagement_per_visit,
            engagement_per_follow_up: self.engagement_per_follow_up,
            service_unrated: self.service_unrated,
            service_per_open_ticket: self.service_per_open_ticket,
            grade_a_min: self.grade_a_min,
            grade_b_min: self.grade_b_min,
            influence_levels: self
                .influence_levels
                .into_iter()
                .map(|l| InfluenceLevel {
                    key: l.key,
                    label: l.label,
                    points: l.points,
                })
                .collect(),
        })
    }
}

/// New health rules.
#[derive(InputObject, Debug)]
pub struct UpdateCustomerHealthRulesInput {
    /// The complete set of weights, parameters, thresholds and influence levels.
    pub rules: CustomerHealthRules,
}

/// Result of `updateCustomerHealthRules`.
#[derive(SimpleObject, Debug)]
pub struct UpdateCustomerHealthRulesPayload {
    /// The rules now in force; every customer's health follows them at once.
    pub rules: CustomerHealthRules,
}

/// A grade to pin over a customer's computed one.
#[derive(InputObject, Debug)]
pub struct PinCustomerGradeInput {
    /// The customer.
    pub id: ID,
    /// The grade it keeps until unpinned.
    pub grade: Grade,
    /// Why (1–500 characters); recorded.
    pub reason: String,
}

/// Result of `pinCustomerGrade`.
#[derive(SimpleObject, Debug)]
pub struct PinCustomerGradePayload {
    /// The customer, its grade pinned.
    pub customer: Customer,
}

/// A customer whose grade should follow its health again.
#[derive(InputObject, Debug)]
pub struct UnpinCustomerGradeInput {
    /// The customer.
    pub id: ID,
    /// Why (at most 500 characters); recorded.
    pub reason: Option<String>,
}

/// Result of `unpinCustomerGrade`.
#[derive(SimpleObject, Debug)]
pub struct UnpinCustomerGradePayload {
    /// The customer, its grade following its health.
    pub customer: Customer,
}

/// A customer's influence level.
#[derive(InputObject, Debug)]
pub struct SetCustomerInfluenceInput {
    /// The customer.
    pub id: ID,
    /// A key of the influence picklist; null clears it.
    pub influence: Option<String>,
}

/// Result of `setCustomerInfluence`.
#[derive(SimpleObject, Debug)]
pub struct SetCustomerInfluencePayload {
    /// The customer with its new influence.
    pub customer: Customer,
}
