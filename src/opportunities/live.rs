//! Stage changes delivered live: what every subscriber of an instance needs to know about one
//! change is read once per instance, and each subscriber's right to see it is decided in memory
//! by the same rule as [`crate::policy::opportunities`]. Thousands of subscribers then cost a
//! handful of statements per change instead of several each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use entity::{opportunity, opportunity_split, pipeline_stage, stage_change};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::error::AppResult;
use crate::identity::Viewer;

/// Changes remembered per instance; older ones are dropped wholesale past this many.
const REMEMBERED: usize = 512;

/// One stage change with the deal, the owner's team, split holders and both stages.
#[derive(Debug)]
pub struct ChangeFacts {
    pub change: stage_change::Model,
    pub deal: opportunity::Model,
    pub owner_team: Option<Uuid>,
    /// Members holding a revenue split, with their teams.
    pub holders: Vec<(Uuid, Option<Uuid>)>,
    pub from_stage: Option<pipeline_stage::Model>,
    pub to_stage: Option<pipeline_stage::Model>,
}

impl ChangeFacts {
    /// Whether `viewer` may see the deal (the rule of [`crate::policy::opportunities`]).
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        crate::policy::can_see_opportunity(
            viewer,
            (self.deal.owner_id, self.owner_team),
            &self.holders,
        )
    }
}

type Slot = Arc<OnceCell<Option<Arc<ChangeFacts>>>>;

/// The per-instance memory of recent changes: the first subscriber to ask reads the database,
/// the others wait for that read and share it.
#[derive(Debug, Default)]
pub struct LiveChanges {
    slots: Mutex<HashMap<Uuid, Slot>>,
}

impl LiveChanges {
    /// The facts of change `id`; `None` when it does not exist.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> AppResult<Option<Arc<ChangeFacts>>> {
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if slots.len() >= REMEMBERED && !slots.contains_key(&id) {
                slots.clear();
            }
            slots.entry(id).or_default().clone()
        };
        slot.get_or_try_init(|| read(db, id)).await.cloned()
    }
}

async fn read(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Arc<ChangeFacts>>> {
    let Some(change) = stage_change::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let Some(deal) = opportunity::Entity::find_by_id(change.opportunity_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let splits = opportunity_split::Entity::find()
        .filter(opportunity_split::Column::OpportunityId.eq(deal.id))
        .all(db)
        .await?;
    let mut people: Vec<Uuid> = splits.iter().map(|s| s.user_id).collect();
    people.push(deal.owner_id);
    let teams: HashMap<Uuid, Option<Uuid>> = crate::users::service::users_by_ids(db, &people)
        .await?
        .into_iter()
        .map(|u| (u.id, u.team_id))
        .collect();
    let team_of = |user: Uuid| teams.get(&user).copied().flatten();
    let stage_ids: Vec<Uuid> = change
        .from_stage_id
        .into_iter()
        .chain([change.to_stage_id])
        .collect();
    let stages = pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::Id.is_in(stage_ids))
        .all(db)
        .await?;
    let stage = |id: Option<Uuid>| id.and_then(|id| stages.iter().find(|s| s.id == id).cloned());
    Ok(Some(Arc::new(ChangeFacts {
        owner_team: team_of(deal.owner_id),
        holders: splits
            .iter()
            .map(|s| (s.user_id, team_of(s.user_id)))
            .collect(),
        from_stage: stage(change.from_stage_id),
        to_stage: stage(Some(change.to_stage_id)),
        change,
        deal,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;
    use chrono::Utc;

    fn viewer(role: Role, user_id: Uuid, managed: Vec<Uuid>) -> Viewer {
        Viewer {
            user_id,
            role,
            team_id: None,
            managed_team_ids: managed,
            team_manager_id: None,
            timezone: chrono_tz::UTC,
            service: None,
        }
    }

    fn facts(
        owner: Uuid,
        owner_team: Option<Uuid>,
        holders: Vec<(Uuid, Option<Uuid>)>,
    ) -> ChangeFacts {
        let now = Utc::now();
        let id = Uuid::now_v7();
        ChangeFacts {
            change: stage_change::Model {
                id,
                opportunity_id: id,
                from_stage_id: None,
                to_stage_id: id,
                changed_by: owner,
                changed_at: now,
                days_in_previous_stage: None,
                note: None,
                override_reason: None,
                overridden_items: None,
            },
            deal: opportunity::Model {
                id,
                customer_id: id,
                owner_id: owner,
                name: "Deal".into(),
                amount_minor: 100,
                stage_id: id,
                probability_override: None,
                forecast_category: "PIPELINE".into(),
                status: "OPEN".into(),
                expected_close_date: now.date_naive(),
                closed_at: None,
                lost_reason: None,
                stage_entered_at: now,
                lead_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
                stale_notified_at: None,
                price_book_id: None,
                need: None,
                budget_minor: None,
                contact_id: None,
                decision_maker_id: None,
                close_reason_id: None,
                close_detail: None,
                closed_from_stage_id: None,
                campaign_id: None,
            },
            owner_team,
            holders,
            from_stage: None,
            to_stage: None,
        }
    }

    #[test]
    fn the_in_memory_rule_matches_who_may_see_a_deal() {
        let (owner, holder, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (team, holder_team, other_team) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let deal = facts(owner, Some(team), vec![(holder, Some(holder_team))]);

        assert!(deal.visible_to(&viewer(Role::Admin, other, vec![])));
        assert!(deal.visible_to(&viewer(Role::Finance, other, vec![])));
        assert!(deal.visible_to(&viewer(Role::SalesRep, owner, vec![])));
        assert!(deal.visible_to(&viewer(Role::SalesRep, holder, vec![])));
        assert!(!deal.visible_to(&viewer(Role::SalesRep, other, vec![])));
        assert!(deal.visible_to(&viewer(Role::SalesManager, other, vec![team])));
        assert!(deal.visible_to(&viewer(Role::SalesManager, other, vec![holder_team])));
        assert!(!deal.visible_to(&viewer(Role::SalesManager, other, vec![other_team])));
        assert!(!facts(owner, None, vec![]).visible_to(&viewer(
            Role::SalesManager,
            other,
            vec![team]
        )));
    }
}
