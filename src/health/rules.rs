//! Customer health: five components of 0–100 points from what the product records, weighted
//! into a 0–100 score and graded A/B/C by thresholds, all admin-configurable. Pure: the facts
//! are gathered elsewhere (`facts.rs`).
//!
//! - purchasing: half from won deal amounts, half from payments received, in the last 365
//!   days, each against `purchasing_full_minor` (50 points each at or above it);
//! - repeat: `repeat_per_purchase` points per purchase after the first (won deals, and binding
//!   contracts made without a deal, such as renewals), at most 100;
//! - influence: the points of the customer's level on the admin's picklist, 0 when unset;
//! - engagement: points per completed visit and per follow-up in the last
//!   `engagement_window_days`, at most 100;
//! - service: the average satisfaction of the last 365 days (callbacks and tickets, 1–5 mapped
//!   to 0–100), or `service_unrated` without any, less `service_per_open_ticket` per open
//!   ticket, within 0–100.

use serde::{Deserialize, Serialize};

/// Days of purchases and satisfaction the health looks back on.
pub const LOOKBACK_DAYS: i64 = 365;
/// Most influence levels an admin may define.
pub const MAX_LEVELS: usize = 20;

/// How much each component weighs; the five weights sum to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    pub purchasing: i32,
    pub repeat: i32,
    pub influence: i32,
    pub engagement: i32,
    pub service: i32,
}

/// A level of the influence picklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfluenceLevel {
    /// Stable key stored on customers (`A-Z`, `0-9`, `_`).
    pub key: String,
    pub label: String,
    pub points: i32,
}

/// Every weight, parameter and threshold of customer health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthRules {
    pub weights: Weights,
    /// Won (and, separately, paid) amount in minor units that earns the full purchasing half.
    pub purchasing_full_minor: i64,
    pub repeat_per_purchase: i32,
    pub engagement_window_days: i32,
    pub engagement_per_visit: i32,
    pub engagement_per_follow_up: i32,
    /// Service points of a customer who never rated anything.
    pub service_unrated: i32,
    pub service_per_open_ticket: i32,
    /// Lowest score graded A.
    pub grade_a_min: i32,
    /// Lowest score graded B (below is C).
    pub grade_b_min: i32,
    pub influence_levels: Vec<InfluenceLevel>,
}

impl Default for HealthRules {
    fn default() -> Self {
        let level = |key: &str, label: &str, points| InfluenceLevel {
            key: key.to_owned(),
            label: label.to_owned(),
            points,
        };
        Self {
            weights: Weights {
                purchasing: 35,
                repeat: 20,
                influence: 15,
                engagement: 15,
                service: 15,
            },
            purchasing_full_minor: 10_000_000, // 100,000.00
            repeat_per_purchase: 25,
            engagement_window_days: 90,
            engagement_per_visit: 20,
            engagement_per_follow_up: 10,
            service_unrated: 60,
            service_per_open_ticket: 20,
            grade_a_min: 70,
            grade_b_min: 40,
            influence_levels: vec![
                level("LOCAL", "Known locally", 30),
                level("REGIONAL", "A name in its region", 60),
                level("INDUSTRY", "A reference in its industry", 100),
            ],
        }
    }
}

/// What a customer's health is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// Amount of deals won in the last 365 days, minor units.
    pub won_minor: i64,
    /// Payments received in the last 365 days, less refunds, minor units.
    pub paid_minor: i64,
    /// Won deals and binding contracts made without a deal, ever.
    pub purchases: i64,
    pub visits: i64,
    pub follow_ups: i64,
    /// Sum and count of the satisfaction ratings (1–5) of the last 365 days.
    pub satisfaction_sum: i64,
    pub ratings: i64,
    pub open_tickets: i64,
}

/// The five components, 0–100 each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Components {
    pub purchasing: i32,
    pub repeat: i32,
    pub influence: i32,
    pub engagement: i32,
    pub service: i32,
}

/// A customer's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    pub score: i32,
    pub grade: &'static str,
    pub components: Components,
}

fn clamp(value: i64) -> i32 {
    // Within 0–100 the narrowing cannot fail.
    i32::try_from(value.clamp(0, 100)).unwrap_or(0)
}

/// `points × amount / full`, at most `points`, rounded down.
fn share(amount: i64, full: i64, points: i64) -> i64 {
    if full <= 0 {
        return 0;
    }
    let scaled = i128::from(amount.max(0)) * i128::from(points) / i128::from(full);
    i64::try_from(scaled.min(i128::from(points))).unwrap_or(points)
}

impl HealthRules {
    /// The influence points of a level key; 0 for none or a key no longer on the list.
    pub fn influence_points(&self, key: Option<&str>) -> i32 {
        key.and_then(|key| self.influence_levels.iter().find(|l| l.key == key))
            .map_or(0, |l| l.points)
    }

    /// The components of `facts` for a customer at `influence`.
    pub fn components(&self, facts: &Facts, influence: Option<&str>) -> Components {
        let purchasing = share(facts.won_minor, self.purchasing_full_minor, 50)
            + share(facts.paid_minor, self.purchasing_full_minor, 50);
        let repeat = (facts.purchases - 1)
            .max(0)
            .saturating_mul(i64::from(self.repeat_per_purchase));
        let engagement = facts
            .visits
            .saturating_mul(i64::from(self.engagement_per_visit))
            .saturating_add(
                facts
                    .follow_ups
                    .saturating_mul(i64::from(self.engagement_per_follow_up)),
            );
        let rated = if facts.ratings > 0 {
            // (average − 1) × 25, rounded half up: 1 → 0, 3 → 50, 5 → 100.
            (25 * (facts.satisfaction_sum - facts.ratings) * 2 + facts.ratings)
                / (2 * facts.ratings)
        } else {
            i64::from(self.service_unrated)
        };
        let service = rated.saturating_sub(
            facts
                .open_tickets
                .saturating_mul(i64::from(self.service_per_open_ticket)),
        );
        Components {
            purchasing: clamp(purchasing),
            repeat: clamp(repeat),
            influence: clamp(i64::from(self.influence_points(influence))),
            engagement: clamp(engagement),
            service: clamp(service),
        }
    }

    /// Score (the weighted components, rounded half up) and grade of `facts`.
    pub fn health(&self, facts: &Facts, influence: Option<&str>) -> Health {
        let c = self.components(facts, influence);
        let w = self.weights;
        let weighted = i64::from(w.purchasing) * i64::from(c.purchasing)
            + i64::from(w.repeat) * i64::from(c.repeat)
            + i64::from(w.influence) * i64::from(c.influence)
            + i64::from(w.engagement) * i64::from(c.engagement)
            + i64::from(w.service) * i64::from(c.service);
        let score = clamp((weighted + 50) / 100);
        Health {
            score,
            grade: self.grade(score),
            components: c,
        }
    }

    /// `A`, `B` or `C` for a score.
    pub fn grade(&self, score: i32) -> &'static str {
        if score >= self.grade_a_min {
            "A"
        } else if score >= self.grade_b_min {
            "B"
        } else {
            "C"
        }
    }

    /// Checks the rules; the error names the offending field under `input.rules`.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let w = self.weights;
        let weights = [w.purchasing, w.repeat, w.influence, w.engagement, w.service];
        if weights.iter().any(|w| !(0..=100).contains(w)) || weights.iter().sum::<i32>() != 100 {
            return Err((
                "input.rules.weights",
                "Weights lie between 0 and 100 and sum to 100",
            ));
        }
        if !(1..=crate::money::MAX_INPUT_MINOR).contains(&self.purchasing_full_minor) {
            return Err((
                "input.rules.purchasingFullAmount",
                "The full purchasing amount is positive",
            ));
        }
        let points = [
            self.repeat_per_purchase,
            self.engagement_per_visit,
            self.engagement_per_follow_up,
            self.service_unrated,
            self.service_per_open_ticket,
        ];
        if points.iter().any(|p| !(0..=100).contains(p)) {
            return Err(("input.rules", "Every points value lies between 0 and 100"));
        }
        if !(1..=365).contains(&self.engagement_window_days) {
            return Err((
                "input.rules.engagementWindowDays",
                "The engagement window is 1 to 365 days",
            ));
        }
        if !(0 < self.grade_b_min
            && self.grade_b_min <= self.grade_a_min
            && self.grade_a_min <= 100)
        {
            return Err((
                "input.rules.gradeAMin",
                "Thresholds must satisfy 0 < gradeBMin <= gradeAMin <= 100",
            ));
        }
        let levels = &self.influence_levels;
        let well_formed = |l: &InfluenceLevel| {
            (1..=40).contains(&l.key.len())
                && l.key
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !l.label.trim().is_empty()
                && l.label.chars().count() <= 100
                && (0..=100).contains(&l.points)
        };
        let mut keys: Vec<&str> = levels.iter().map(|l| l.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        if levels.len() > MAX_LEVELS
            || keys.len() != levels.len()
            || !levels.iter().all(well_formed)
        {
            return Err((
                "input.rules.influenceLevels",
                "At most 20 levels, each a unique key of A-Z, 0-9 and _, a label of 1-100 characters and 0-100 points",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts::default()
    }

    #[test]
    fn a_new_customer_has_only_the_unrated_service_points() {
        let rules = HealthRules::default();
        let health = rules.health(&facts(), None);
        assert_eq!(
            health.components,
            Components {
                service: 60,
                ..Components::default()
            }
        );
        // 15 × 60 / 100 = 9.
        assert_eq!(health.score, 9);
        assert_eq!(health.grade, "C");
    }

    #[test]
    fn purchasing_splits_between_won_and_paid_and_caps_each_half() {
        let rules = HealthRules::default();
        let half_won = Facts {
            won_minor: 5_000_000,
            ..facts()
        };
        assert_eq!(rules.components(&half_won, None).purchasing, 25);
        let both = Facts {
            won_minor: 40_000_000,
            paid_minor: 10_000_000,
            ..facts()
        };
        assert_eq!(rules.components(&both, None).purchasing, 100);
        let huge = Facts {
            won_minor: i64::MAX,
            paid_minor: -5,
            ..facts()
        };
        assert_eq!(rules.components(&huge, None).purchasing, 50);
    }

    #[test]
    fn repeat_counts_purchases_after_the_first() {
        let rules = HealthRules::default();
        let repeat = |purchases| {
            rules
                .components(
                    &Facts {
                        purchases,
                        ..facts()
                    },
                    None,
                )
                .repeat
        };
        assert_eq!(repeat(0), 0);
        assert_eq!(repeat(1), 0);
        assert_eq!(repeat(3), 50);
        assert_eq!(repeat(40), 100);
    }

    #[test]
    fn service_maps_satisfaction_and_subtracts_open_tickets() {
        let rules = HealthRules::default();
        let service = |sum, ratings, open_tickets| {
            rules
                .components(
                    &Facts {
                        satisfaction_sum: sum,
                        ratings,
                        open_tickets,
                        ..facts()
                    },
                    None,
                )
                .service
        };
        assert_eq!(service(5, 1, 0), 100);
        assert_eq!(service(1, 1, 0), 0);
        // Average 3.5 → 62.5 → 63.
        assert_eq!(service(7, 2, 0), 63);
        assert_eq!(service(10, 2, 1), 80);
        assert_eq!(service(0, 0, 1), 40);
        assert_eq!(service(0, 0, 9), 0);
    }

    #[test]
    fn the_score_weighs_components_and_thresholds_are_inclusive() {
        let rules = HealthRules::default();
        let facts = Facts {
            won_minor: 10_000_000,
            paid_minor: 10_000_000,
            purchases: 2,
            visits: 2,
            follow_ups: 1,
            satisfaction_sum: 5,
            ratings: 1,
            open_tickets: 0,
        };
        let health = rules.health(&facts, Some("REGIONAL"));
        assert_eq!(
            health.components,
            Components {
                purchasing: 100,
                repeat: 25,
                influence: 60,
                engagement: 50,
                service: 100,
            }
        );
        // (35×100 + 20×25 + 15×60 + 15×50 + 15×100) / 100 = 71.5 → 72.
        assert_eq!(health.score, 72);
        assert_eq!(health.grade, "A");
        assert_eq!(rules.grade(69), "B");
        assert_eq!(rules.grade(40), "B");
        assert_eq!(rules.grade(39), "C");
        assert_eq!(rules.influence_points(Some("GONE")), 0);
    }

    #[test]
    fn rules_are_validated() {
        assert!(HealthRules::default().validate().is_ok());
        let mut uneven = HealthRules::default();
        uneven.weights.service = 20;
        assert_eq!(
            uneven.validate().map_err(|e| e.0),
            Err("input.rules.weights")
        );
        let mut twice = HealthRules::default();
        twice
            .influence_levels
            .push(twice.influence_levels[0].clone());
        assert_eq!(
            twice.validate().map_err(|e| e.0),
            Err("input.rules.influenceLevels")
        );
        let mut lower = HealthRules::default();
        lower.influence_levels[0].key = "local".into();
        assert!(lower.validate().is_err());
        let thresholds = HealthRules {
            grade_b_min: 80,
            ..HealthRules::default()
        };
        assert_eq!(
            thresholds.validate().map_err(|e| e.0),
            Err("input.rules.gradeAMin")
        );
        let zero = HealthRules {
            purchasing_full_minor: 0,
            ..HealthRules::default()
        };
        assert!(zero.validate().is_err());
    }
}
