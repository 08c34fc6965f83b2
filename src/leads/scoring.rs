//! Lead scoring: 0–100 points from BANT answers, engagement (follow-ups logged) and source,
//! with weights an admin can change; grades from score thresholds.

use serde::{Deserialize, Serialize};

/// Points for a yes / no / unknown answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerPoints {
    pub yes: i32,
    pub no: i32,
    pub unknown: i32,
}

/// Points per purchase timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePoints {
    pub within_3_months: i32,
    pub within_6_months: i32,
    pub later: i32,
    pub unknown: i32,
}

/// Points per lead source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePoints {
    pub web_form: i32,
    pub referral: i32,
    pub event: i32,
    pub cold_call: i32,
    pub campaign: i32,
    pub other: i32,
}

/// Every weight of the score and the grade thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringRules {
    pub budget: AnswerPoints,
    pub authority: AnswerPoints,
    pub need: AnswerPoints,
    pub timeline: TimelinePoints,
    /// Points per follow-up logged, up to `engagement_max`.
    pub engagement_per_follow_up: i32,
    pub engagement_max: i32,
    pub source: SourcePoints,
    /// Lowest score graded A.
    pub grade_a_min: i32,
    /// Lowest score graded B (below is C).
    pub grade_b_min: i32,
}

impl Default for ScoringRules {
    /// The maximum of each part sums to 100: budget 20, authority 15, need 20, timeline 20,
    /// engagement 15, source 10.
    fn default() -> Self {
        Self {
            budget: AnswerPoints {
                yes: 20,
                no: 0,
                unknown: 5,
            },
            authority: AnswerPoints {
                yes: 15,
                no: 0,
                unknown: 4,
            },
            need: AnswerPoints {
                yes: 20,
                no: 0,
                unknown: 5,
            },
            timeline: TimelinePoints {
                within_3_months: 20,
                within_6_months: 12,
                later: 4,
                unknown: 2,
            },
            engagement_per_follow_up: 3,
            engagement_max: 15,
            source: SourcePoints {
                web_form: 6,
                referral: 10,
                event: 8,
                cold_call: 3,
                campaign: 5,
                other: 2,
            },
            grade_a_min: 70,
            grade_b_min: 40,
        }
    }
}

/// A yes / no / unknown answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Unknown,
}

/// When the customer means to buy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeline {
    Within3Months,
    Within6Months,
    Later,
    Unknown,
}

/// Where a lead came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    WebForm,
    Referral,
    Event,
    ColdCall,
    Campaign,
    Other,
}

/// What the score is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreInputs {
    pub budget: Answer,
    pub authority: Answer,
    pub need: Answer,
    pub timeline: Timeline,
    pub follow_ups: i32,
    pub source: Source,
}

impl AnswerPoints {
    fn of(self, answer: Answer) -> i32 {
        match answer {
            Answer::Yes => self.yes,
            Answer::No => self.no,
            Answer::Unknown => self.unknown,
        }
    }
}

impl ScoringRules {
    /// The score, clamped to 0–100.
    pub fn score(&self, inputs: &ScoreInputs) -> i32 {
        let timeline = match inputs.timeline {
            Timeline::Within3Months => self.timeline.within_3_months,
            Timeline::Within6Months => self.timeline.within_6_months,
            Timeline::Later => self.timeline.later,
            Timeline::Unknown => self.timeline.unknown,
        };
        let source = match inputs.source {
            Source::WebForm => self.source.web_form,
            Source::Referral => self.source.referral,
            Source::Event => self.source.event,
            Source::ColdCall => self.source.cold_call,
            Source::Campaign => self.source.campaign,
            Source::Other => self.source.other,
        };
        let engagement = inputs
            .follow_ups
            .max(0)
            .saturating_mul(self.engagement_per_follow_up)
            .min(self.engagement_max);
        let total = self.budget.of(inputs.budget)
            + self.authority.of(inputs.authority)
            + self.need.of(inputs.need)
            + timeline
            + engagement
            + source;
        total.clamp(0, 100)
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

    /// Checks weights (0–100 each) and thresholds (0 < B ≤ A ≤ 100).
    pub fn validate(&self) -> Result<(), &'static str> {
        let weights = [
            self.budget.yes,
            self.budget.no,
            self.budget.unknown,
            self.authority.yes,
            self.authority.no,
            self.authority.unknown,
            self.need.yes,
            self.need.no,
            self.need.unknown,
            self.timeline.within_3_months,
            self.timeline.within_6_months,
            self.timeline.later,
            self.timeline.unknown,
            self.engagement_per_follow_up,
            self.engagement_max,
            self.source.web_form,
            self.source.referral,
            self.source.event,
            self.source.cold_call,
            self.source.campaign,
            self.source.other,
        ];
        if weights.iter().any(|w| !(0..=100).contains(w)) {
            return Err("Every weight lies between 0 and 100");
        }
        if !(0 < self.grade_b_min
            && self.grade_b_min <= self.grade_a_min
            && self.grade_a_min <= 100)
        {
            return Err("Thresholds must satisfy 0 < gradeBMin <= gradeAMin <= 100");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(answer: Answer, timeline: Timeline, follow_ups: i32, source: Source) -> ScoreInputs {
        ScoreInputs {
            budget: answer,
            authority: answer,
            need: answer,
            timeline,
            follow_ups,
            source,
        }
    }

    #[test]
    fn a_perfect_lead_scores_100_and_grades_a() {
        let rules = ScoringRules::default();
        let score = rules.score(&inputs(
            Answer::Yes,
            Timeline::Within3Months,
            5,
            Source::Referral,
        ));
        assert_eq!(score, 100);
        assert_eq!(rules.grade(score), "A");
    }

    #[test]
    fn an_unknown_lead_scores_low_and_grades_c() {
        let rules = ScoringRules::default();
        let score = rules.score(&inputs(
            Answer::Unknown,
            Timeline::Unknown,
            0,
            Source::ColdCall,
        ));
        assert_eq!(score, 5 + 4 + 5 + 2 + 3);
        assert_eq!(rules.grade(score), "C");
    }

    #[test]
    fn engagement_counts_follow_ups_up_to_its_cap() {
        let rules = ScoringRules::default();
        let base = inputs(Answer::No, Timeline::Later, 0, Source::Other);
        let one = ScoreInputs {
            follow_ups: 1,
            ..base
        };
        let many = ScoreInputs {
            follow_ups: 40,
            ..base
        };
        assert_eq!(rules.score(&one) - rules.score(&base), 3);
        assert_eq!(rules.score(&many) - rules.score(&base), 15);
    }

    #[test]
    fn grade_thresholds_are_inclusive() {
        let rules = ScoringRules::default();
        assert_eq!(rules.grade(70), "A");
        assert_eq!(rules.grade(69), "B");
        assert_eq!(rules.grade(40), "B");
        assert_eq!(rules.grade(39), "C");
    }

    #[test]
    fn scores_are_clamped_and_rules_validated() {
        let mut rules = ScoringRules::default();
        rules.source.referral = 100;
        assert_eq!(
            rules.score(&inputs(
                Answer::Yes,
                Timeline::Within3Months,
                9,
                Source::Referral
            )),
            100
        );
        assert!(rules.validate().is_ok());
        rules.grade_b_min = 80;
        assert!(rules.validate().is_err());
        let mut negative = ScoringRules::default();
        negative.need.no = -5;
        assert!(negative.validate().is_err());
    }
}
