//! Storage of the lead-scoring rules (a settings row, defaults until an admin changes them)\nand rating a lead under them.

use super::model::{BantAnswer, BantTimeline, LeadSource, LeadStatus};
use super::scoring::{Answer, ScoreInputs, ScoringRules, Source, Timeline};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::lead::{self, Entity as Leads};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub(super) const SCORING_RULES_KEY: &str = "lead_scoring_rules";

/// The scoring rules in force (the defaults until an admin changes them).
pub async fn scoring_rules(db: &impl ConnectionTrait) -> AppResult<ScoringRules> {
    let stored = entity::setting::Entity::find_by_id(SCORING_RULES_KEY)
        .one(db)
        .await?;
    Ok(stored
        .and_then(|s| serde_json::from_str(&s.value).ok())
        .unwrap_or_default())
}

pub(super) fn answer(value: &str) -> Answer {
    match BantAnswer::parse(value) {
        Some(BantAnswer::Yes) => Answer::Yes,
        Some(BantAnswer::No) => Answer::No,
        _ => Answer::Unknown,
    }
}

pub(super) fn score_inputs(model: &lead::Model) -> ScoreInputs {
    ScoreInputs {
        budget: answer(&model.bant_budget),
        authority: answer(&model.bant_authority),
        need: answer(&model.bant_need),
        timeline: match BantTimeline::parse(&model.bant_timeline) {
            Some(BantTimeline::Within3Months) => Timeline::Within3Months,
            Some(BantTimeline::Within6Months) => Timeline::Within6Months,
            Some(BantTimeline::Later) => Timeline::Later,
            _ => Timeline::Unknown,
        },
        follow_ups: model.follow_up_count,
        source: match LeadSource::parse(&model.source) {
            Some(LeadSource::WebForm) => Source::WebForm,
            Some(LeadSource::Referral) => Source::Referral,
            Some(LeadSource::Event) => Source::Event,
            Some(LeadSource::ColdCall) => Source::ColdCall,
            Some(LeadSource::Campaign) => Source::Campaign,
            _ => Source::Other,
        },
    }
}

/// Score and grade of a lead under `rules`.
pub fn rate(rules: &ScoringRules, model: &lead::Model) -> (i32, &'static str) {
    let score = rules.score(&score_inputs(model));
    (score, rules.grade(score))
}

/// Replaces the scoring rules (admin) and rescores every open lead in the same transaction.
/// Errors: `FORBIDDEN`, `BAD_USER_INPUT`.
pub async fn update_scoring_rules(
    state: &AppState,
    viewer: &Viewer,
    rules: ScoringRules,
) -> AppResult<ScoringRules> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    rules
        .validate()
        .map_err(|message| AppError::bad_input("input", message))?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let value = serde_json::to_string(&rules).map_err(|_| AppError::internal())?;
    entity::setting::Entity::delete_by_id(SCORING_RULES_KEY)
        .exec(&txn)
        .await?;
    entity::setting::ActiveModel {
        key: Set(SCORING_RULES_KEY.to_owned()),
        value: Set(value.clone()),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let open = Leads::find()
        .filter(lead::Column::Status.is_in(LeadStatus::OPEN_STORED))
        .all(&txn)
        .await?;
    for model in open {
        let (score, grade) = rate(&rules, &model);
        if score != model.score || grade != model.grade {
            Leads::update_many()
                .col_expr(lead::Column::Score, Expr::value(score))
                .col_expr(lead::Column::Grade, Expr::value(grade))
                .filter(lead::Column::Id.eq(model.id))
                .exec(&txn)
                .await?;
        }
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "scoring_rules.updated",
        subject_type: "Setting",
        subject_id: Uuid::nil(),
        details: serde_json::json!({"rules": value}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(rules)
}
