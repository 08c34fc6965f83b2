//! The callback rules: which callbacks a signed contract gets, set by admins.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::model::{CallbackAssignment, MAX_OFFSET_DAYS, MAX_RULES};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::input::required_text;
use crate::state::AppState;
use entity::callback_rule;

/// Every rule, active ones first, each in order.
pub async fn list(db: &impl sea_orm::ConnectionTrait) -> AppResult<Vec<callback_rule::Model>> {
    Ok(callback_rule::Entity::find()
        .order_by_desc(callback_rule::Column::Active)
        .order_by_asc(callback_rule::Column::Position)
        .order_by_asc(callback_rule::Column::Id)
        .all(db)
        .await?)
}

/// One rule as an admin gives it; without `id`, a new rule.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub id: Option<Uuid>,
    pub name: String,
    pub offset_days: i32,
    pub assign_to: CallbackAssignment,
}

/// Replaces the active rules with `specs`, in their order: named rules change, new ones are
/// added, rules left out are turned off and their planned callbacks cancelled (callbacks made
/// keep their rule). Admins only. Errors: `FORBIDDEN`, `BAD_USER_INPUT` (names, days, repeats,
/// more than 20), `NOT_FOUND` (an unknown id).
pub async fn replace(
    state: &AppState,
    viewer: &Viewer,
    specs: Vec<RuleSpec>,
) -> AppResult<Vec<callback_rule::Model>> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    if specs.len() > MAX_RULES {
        return Err(AppError::bad_input("input.rules", "At most 20 rules"));
    }
    let mut problems = crate::input::Problems::default();
    let mut names = BTreeSet::new();
    let mut ids = BTreeSet::new();
    let mut checked = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let name = problems.check(required_text(
            &spec.name,
            &format!("input.rules.{i}.name"),
            100,
        ));
        if let Some(name) = &name
            && !names.insert(name.to_lowercase())
        {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.rules.{i}.name"),
                "Each rule has its own name",
            )));
        }
        if !(1..=MAX_OFFSET_DAYS).contains(&spec.offset_days) {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.rules.{i}.offsetDays"),
                "A rule counts 1 to 3650 days",
            )));
        }
        if let Some(id) = spec.id
            && !ids.insert(id)
        {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.rules.{i}.id"),
                "Each rule once",
            )));
        }
        checked.push(name);
    }
    problems.finish()?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let existing: HashMap<Uuid, callback_rule::Model> = callback_rule::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    for (i, spec) in specs.iter().enumerate() {
        if let Some(id) = spec.id
            && !existing.contains_key(&id)
        {
            return Err(AppError::not_found("CallbackRule").naming(&format!("input.rules.{i}.id")));
        }
    }
    let turned_off: Vec<Uuid> = existing
        .values()
        .filter(|r| r.active && !ids.contains(&r.id))
        .map(|r| r.id)
        .collect();
    callback_rule::Entity::update_many()
        .col_expr(
            callback_rule::Column::Active,
            sea_orm::sea_query::Expr::value(false),
        )
        .col_expr(
            callback_rule::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(callback_rule::Column::Id.is_in(turned_off.clone()))
        .exec(&txn)
        .await?;
    super::planning::cancel_for_rules(&txn, turned_off, now).await?;
    for ((position, spec), name) in (0_i32..).zip(&specs).zip(checked) {
        let name = name.unwrap_or_default();
        let mut row = callback_rule::ActiveModel {
            name: Set(name),
            offset_days: Set(spec.offset_days),
            assign_to: Set(spec.assign_to.as_str().to_owned()),
            active: Set(true),
            position: Set(position),
            updated_at: Set(now),
            ..Default::default()
        };
        match spec.id {
            Some(id) => {
                row.id = sea_orm::ActiveValue::Unchanged(id);
                row.update(&txn).await?;
            }
            None => {
                row.id = Set(Uuid::now_v7());
                row.created_at = Set(now);
                row.insert(&txn).await?;
            }
        }
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "callback_rules.updated",
        subject_type: "CallbackRule",
        subject_id: Uuid::nil(),
        details: serde_json::json!({"rules": specs.len()}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    list(&state.db).await
}
