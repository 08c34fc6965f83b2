//! GraphQL types of the lead scoring rules: points per BANT answer, timeline and source, and
//! the mutation that replaces them.

use async_graphql::{InputObject, SimpleObject};

use super::scoring::{AnswerPoints, ScoringRules, SourcePoints, TimelinePoints};

/// Points for a yes / no / unknown answer.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug)]
#[graphql(name = "AnswerPoints", input_name = "AnswerPointsInput")]
pub struct AnswerPointsType {
    /// Points for yes.
    pub yes: i32,
    /// Points for no.
    pub no: i32,
    /// Points for unknown.
    pub unknown: i32,
}

/// Points per purchase timeline.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug)]
#[graphql(name = "TimelinePoints", input_name = "TimelinePointsInput")]
pub struct TimelinePointsType {
    /// Buying within three months.
    pub within_3_months: i32,
    /// Buying within six months.
    pub within_6_months: i32,
    /// Buying later.
    pub later: i32,
    /// Not known.
    pub unknown: i32,
}

/// Points per lead source.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug)]
#[graphql(name = "SourcePoints", input_name = "SourcePointsInput")]
pub struct SourcePointsType {
    /// Web form.
    pub web_form: i32,
    /// Referral.
    pub referral: i32,
    /// Event.
    pub event: i32,
    /// Cold call.
    pub cold_call: i32,
    /// Campaign.
    pub campaign: i32,
    /// Other.
    pub other: i32,
}

/// How lead scores (0–100) and grades are computed.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug)]
#[graphql(name = "ScoringRules", input_name = "ScoringRulesInput")]
pub struct ScoringRulesType {
    /// Points for the budget answer.
    pub budget: AnswerPointsType,
    /// Points for the authority answer.
    pub authority: AnswerPointsType,
    /// Points for the need answer.
    pub need: AnswerPointsType,
    /// Points for the timeline.
    pub timeline: TimelinePointsType,
    /// Points per follow-up logged.
    pub engagement_per_follow_up: i32,
    /// Most points follow-ups can add.
    pub engagement_max: i32,
    /// Points per source.
    pub source: SourcePointsType,
    /// Lowest score graded A.
    pub grade_a_min: i32,
    /// Lowest score graded B; lower is C.
    pub grade_b_min: i32,
}

impl From<ScoringRules> for ScoringRulesType {
    fn from(r: ScoringRules) -> Self {
        let answer = |a: AnswerPoints| AnswerPointsType {
            yes: a.yes,
            no: a.no,
            unknown: a.unknown,
        };
        Self {
            budget: answer(r.budget),
            authority: answer(r.authority),
            need: answer(r.need),
            timeline: TimelinePointsType {
                within_3_months: r.timeline.within_3_months,
                within_6_months: r.timeline.within_6_months,
                later: r.timeline.later,
                unknown: r.timeline.unknown,
            },
            engagement_per_follow_up: r.engagement_per_follow_up,
            engagement_max: r.engagement_max,
            source: SourcePointsType {
                web_form: r.source.web_form,
                referral: r.source.referral,
                event: r.source.event,
                cold_call: r.source.cold_call,
                campaign: r.source.campaign,
                other: r.source.other,
            },
            grade_a_min: r.grade_a_min,
            grade_b_min: r.grade_b_min,
        }
    }
}

impl From<ScoringRulesType> for ScoringRules {
    fn from(r: ScoringRulesType) -> Self {
        let answer = |a: AnswerPointsType| AnswerPoints {
            yes: a.yes,
            no: a.no,
            unknown: a.unknown,
        };
        Self {
            budget: answer(r.budget),
            authority: answer(r.authority),
            need: answer(r.need),
            timeline: TimelinePoints {
                within_3_months: r.timeline.within_3_months,
                within_6_months: r.timeline.within_6_months,
                later: r.timeline.later,
                unknown: r.timeline.unknown,
            },
            engagement_per_follow_up: r.engagement_per_follow_up,
            engagement_max: r.engagement_max,
            source: SourcePoints {
                web_form: r.source.web_form,
                referral: r.source.referral,
                event: r.source.event,
                cold_call: r.source.cold_call,
                campaign: r.source.campaign,
                other: r.source.other,
            },
            grade_a_min: r.grade_a_min,
            grade_b_min: r.grade_b_min,
        }
    }
}

/// New scoring rules.
#[derive(InputObject, Debug)]
pub struct UpdateScoringRulesInput {
    /// The complete set of weights and thresholds.
    pub rules: ScoringRulesType,
}

/// Result of `updateScoringRules`.
#[derive(SimpleObject, Debug)]
pub struct UpdateScoringRulesPayload {
    /// The rules now in force; open leads were rescored.
    pub rules: ScoringRulesType,
}
