//! Competitors: the companies deals are contested with, named by sellers as they meet them,
//! kept tidy by admins; each deal lists the ones it is contested with, and closing it records
//! how it stood against them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::access::{opportunity_for_change, require_seller};
use super::model::{CompetitorStatus, OpportunityStatus};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::{optional_text, required_text};
use crate::state::AppState;
use entity::competitor::{self, Entity as Competitors};
use entity::opportunity::{self, Entity as Opportunities};
use entity::opportunity_competitor::{self as named, Entity as Named};

/// The most competitors one deal names.
pub const MAX_PER_DEAL: usize = 20;
/// The most competitors one list answers.
pub const MAX_LISTED: u64 = 200;

/// A name as compared: trimmed, inner spaces collapsed, lower-cased.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Competitors by name (at most 200), containing `search` when given.
pub async fn list(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    include_archived: bool,
) -> AppResult<Vec<competitor::Model>> {
    let mut query = Competitors::find().order_by_asc(competitor::Column::NameKey);
    if !include_archived {
        query = query.filter(competitor::Column::Archived.eq(false));
    }
    if let Some(text) = search.map(name_key).filter(|t| !t.is_empty()) {
        query = query.filter(competitor::Column::NameKey.contains(&text));
    }
    Ok(query.limit(MAX_LISTED).all(db).await?)
}

/// Competitors by id (for loaders).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<competitor::Model>> {
    Ok(Competitors::find()
        .filter(competitor::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// The competitors named on each of these deals, in the order they were named.
pub async fn of_deals(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<named::Model>> {
    Ok(Named::find()
        .filter(named::Column::OpportunityId.is_in(ids.to_vec()))
        .order_by_asc(named::Column::Id)
        .all(db)
        .await?)
}

fn duplicate(existing: &competitor::Model) -> AppError {
    AppError::duplicate("input.name", "A competitor of that name exists")
        .with_existing_id(crate::ids::encode_id(crate::ids::NodeType::Competitor, existing.id).0)
}

/// Names a new competitor (sellers and admins). Errors: `FORBIDDEN` (finance),
/// `BAD_USER_INPUT`, `DUPLICATE` (the same name, ignoring case and spacing, with
/// `existingId`).
pub async fn create(state: &AppState, viewer: &Viewer, name: &str) -> AppResult<competitor::Model> {
    require_seller(viewer)?;
    let name = required_text(name, "input.name", 200)?;
    let key = name_key(&name);
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    if let Some(existing) = Competitors::find()
        .filter(competitor::Column::NameKey.eq(&key))
        .one(&txn)
        .await?
    {
        return Err(duplicate(&existing));
    }
    let created = competitor::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.split_whitespace().collect::<Vec<_>>().join(" ")),
        name_key: Set(key.clone()),
        archived: Set(false),
        created_by: Set(viewer.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    let created = match created {
        Ok(created) => created,
        // Named at the same moment by someone else.
        Err(err) if crate::error::is_unique_violation(&err) => {
            drop(txn);
            let existing = Competitors::find()
                .filter(competitor::Column::NameKey.eq(&key))
                .one(&state.db)
                .await?
                .ok_or_else(AppError::internal)?;
            return Err(duplicate(&existing));
        }
        Err(err) => return Err(err.into()),
    };
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "competitor.created",
        subject_type: "Competitor",
        subject_id: created.id,
        details: serde_json::json!({"name": created.name}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Renames or archives a competitor (admins). Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `DUPLICATE`.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    name: Option<&str>,
    archived: Option<bool>,
) -> AppResult<competitor::Model> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    let name = name
        .map(|n| required_text(n, "input.name", 200))
        .transpose()?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = Competitors::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Competitor").with_field("input.id"))?;
    let mut model = competitor::ActiveModel {
        id: Set(id),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = &name {
        let key = name_key(name);
        if let Some(existing) = Competitors::find()
            .filter(competitor::Column::NameKey.eq(&key))
            .filter(competitor::Column::Id.ne(id))
            .one(&txn)
            .await?
        {
            return Err(duplicate(&existing));
        }
        model.name = Set(name.split_whitespace().collect::<Vec<_>>().join(" "));
        model.name_key = Set(key);
    }
    if let Some(archived) = archived {
        model.archived = Set(archived);
    }
    let updated = model.update(&txn).await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "competitor.updated",
        subject_type: "Competitor",
        subject_id: id,
        details: serde_json::json!({"from": current.name, "name": updated.name, "archived": updated.archived}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// One competitor named on a deal.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Naming {
    pub competitor_id: Uuid,
    pub note: Option<String>,
}

/// Replaces the competitors an open deal names, at `expected_version` (raising it). Idempotent
/// by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (a competitor twice, missing or
/// archived, a long note, over 20), `CONFLICT`, `INVALID_STATE` (closed deal).
pub async fn set_on_deal(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    namings: Vec<Naming>,
    idempotency_key: Option<String>,
) -> AppResult<opportunity::Model> {
    require_seller(viewer)?;
    let mut problems = crate::input::Problems::default();
    if namings.len() > MAX_PER_DEAL {
        problems.check::<()>(Err(AppError::bad_input(
            "input.competitors",
            format!("At most {MAX_PER_DEAL} competitors per deal"),
        )));
    }
    let mut notes = Vec::with_capacity(namings.len());
    for (i, naming) in namings.iter().enumerate() {
        notes.push(
            problems
                .check(optional_text(
                    naming.note.as_deref(),
                    &format!("input.competitors.{i}.note"),
                    1000,
                ))
                .flatten(),
        );
        if namings[..i]
            .iter()
            .any(|n| n.competitor_id == naming.competitor_id)
        {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.competitors.{i}.competitorId"),
                "Each competitor appears once",
            )));
        }
    }
    problems.finish()?;
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "setOpportunityCompetitors",
        idempotency_key,
        &(id, expected_version, &namings),
    )?;
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = opportunity_for_change(txn, viewer, id).await?;
        crate::versioned::check(expected_version, current.version)?;
        if current.status != OpportunityStatus::Open.as_str() {
            return Err(AppError::invalid_state(
                "A closed deal keeps the competitors it closed with; reopen it first",
            ));
        }
        let ids: Vec<Uuid> = namings.iter().map(|n| n.competitor_id).collect();
        let found = by_ids(txn, &ids).await?;
        let before = of_deals(txn, &[id]).await?;
        for (i, naming) in namings.iter().enumerate() {
            let known = found.iter().find(|c| c.id == naming.competitor_id);
            // An archived competitor stays on the deals that named it, but is not named anew.
            let allowed = known
                .is_some_and(|c| !c.archived || before.iter().any(|b| b.competitor_id == c.id));
            if !allowed {
                return Err(AppError::bad_input(
                    format!("input.competitors.{i}.competitorId"),
                    "No such active competitor",
                ));
            }
        }
        Named::delete_many()
            .filter(named::Column::OpportunityId.eq(id))
            .exec(txn)
            .await?;
        for (naming, note) in namings.iter().zip(&notes) {
            let since = before
                .iter()
                .find(|b| b.competitor_id == naming.competitor_id)
                .map_or(now, |b| b.created_at);
            named::ActiveModel {
                id: Set(Uuid::now_v7()),
                opportunity_id: Set(id),
                competitor_id: Set(naming.competitor_id),
                status: Set(CompetitorStatus::Active.as_str().to_owned()),
                note: Set(note.clone()),
                created_at: Set(since),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
        let bump = opportunity::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        let target = crate::versioned::Target::new(id, expected_version, current.version);
        crate::versioned::write::<Opportunities>(txn, target, bump, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "opportunity.competitors_set",
            subject_type: "Opportunity",
            subject_id: id,
            details: serde_json::json!({"competitors": ids}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?;
    super::access::load(&state.db, id).await
}

/// Marks how a deal that just closed stood against its competitors: a win was won against
/// each; a loss was lost to `winner` (named on the deal if it was not), the others stay
/// `ACTIVE`. Errors: `BAD_USER_INPUT` on `input.wonByCompetitorId` (no such active
/// competitor).
pub(super) async fn on_close(
    txn: &impl ConnectionTrait,
    deal: Uuid,
    won: bool,
    winner: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if won {
        Named::update_many()
            .col_expr(
                named::Column::Status,
                Expr::value(CompetitorStatus::WonAgainst.as_str()),
            )
            .col_expr(named::Column::UpdatedAt, Expr::value(now))
            .filter(named::Column::OpportunityId.eq(deal))
            .exec(txn)
            .await?;
        return Ok(());
    }
    let Some(winner) = winner else {
        return Ok(());
    };
    let on_deal = Named::find()
        .filter(named::Column::OpportunityId.eq(deal))
        .filter(named::Column::CompetitorId.eq(winner))
        .one(txn)
        .await?;
    match on_deal {
        Some(row) => {
            named::ActiveModel {
                id: Set(row.id),
                status: Set(CompetitorStatus::LostTo.as_str().to_owned()),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(txn)
            .await?;
        }
        None => {
            let known = Competitors::find_by_id(winner)
                .one(txn)
                .await?
                .is_some_and(|c| !c.archived);
            if !known {
                return Err(AppError::bad_input(
                    "input.wonByCompetitorId",
                    "No such active competitor",
                ));
            }
            named::ActiveModel {
                id: Set(Uuid::now_v7()),
                opportunity_id: Set(deal),
                competitor_id: Set(winner),
                status: Set(CompetitorStatus::LostTo.as_str().to_owned()),
                note: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// A reopened deal is contested again by every competitor it names.
pub(super) async fn on_reopen(
    txn: &impl ConnectionTrait,
    deal: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    Named::update_many()
        .col_expr(
            named::Column::Status,
            Expr::value(CompetitorStatus::Active.as_str()),
        )
        .col_expr(named::Column::UpdatedAt, Expr::value(now))
        .filter(named::Column::OpportunityId.eq(deal))
        .filter(Expr::col(named::Column::Status).ne(CompetitorStatus::Active.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}
