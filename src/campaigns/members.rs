//! Who a campaign reached: contacts and leads added in bulk by the campaign's owner (or an
//! admin), each once per campaign; adding one again moves it to the new status.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::model::{MAX_MEMBERS_PER_CALL, MemberStatus};
use super::service::{get, require_owner};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::policy;
use crate::state::AppState;
use entity::{campaign, campaign_member, contact, lead};

/// Whom one entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Member {
    Contact(Uuid),
    Lead(Uuid),
}

/// What `add` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Added {
    pub added: i64,
    pub updated: i64,
}

/// Ids of the contacts the viewer may see (through their customers).
fn visible_contact_ids(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(contact::Column::Id)
        .from(contact::Entity)
        .and_where(
            sea_orm::sea_query::Expr::col(contact::Column::CustomerId)
                .in_subquery(policy::visible_customer_ids(viewer)),
        )
        .to_owned()
}

/// Ids of the leads the viewer may see.
fn visible_lead_ids(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(lead::Column::Id)
        .from(lead::Entity)
        .cond_where(policy::leads(viewer))
        .to_owned()
}

/// The members among `members` the viewer may see, in one statement.
async fn visible(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    contacts: Vec<Uuid>,
    leads: Vec<Uuid>,
) -> AppResult<HashSet<Member>> {
    let mut seen = HashSet::new();
    if !contacts.is_empty() {
        let found: Vec<Uuid> = contact::Entity::find()
            .select_only()
            .column(contact::Column::Id)
            .filter(contact::Column::Id.is_in(contacts))
            .filter(contact::Column::Id.in_subquery(visible_contact_ids(viewer)))
            .into_tuple()
            .all(db)
            .await?;
        seen.extend(found.into_iter().map(Member::Contact));
    }
    if !leads.is_empty() {
        let found: Vec<Uuid> = lead::Entity::find()
            .select_only()
            .column(lead::Column::Id)
            .filter(lead::Column::Id.is_in(leads))
            .filter(lead::Column::Id.in_subquery(visible_lead_ids(viewer)))
            .into_tuple()
            .all(db)
            .await?;
        seen.extend(found.into_iter().map(Member::Lead));
    }
    Ok(seen)
}

/// Adds `members` to a campaign, or moves those already in it to their new status (the
/// campaign's owner and admins; every contact and lead must be one the caller sees). All or
/// nothing; idempotent by key. Errors: `NOT_FOUND` (the campaign, or a member on
/// `input.members.N.contactId` / `leadId`), `FORBIDDEN`, `BAD_USER_INPUT` (none, or more than
/// 500, or one named twice), `IDEMPOTENCY_KEY_REUSED`.
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    campaign_id: Uuid,
    members: Vec<(Member, MemberStatus)>,
    idempotency_key: Option<String>,
) -> AppResult<(campaign::Model, Added)> {
    let call = IdempotentCall::new(
        viewer.user_id,
        "addCampaignMembers",
        idempotency_key,
        &(campaign_id, &members),
    )?;
    if members.is_empty() || members.len() > MAX_MEMBERS_PER_CALL {
        return Err(AppError::bad_input(
            "input.members",
            format!("Add 1 to {MAX_MEMBERS_PER_CALL} members at a time"),
        ));
    }
    let mut seen = HashSet::new();
    for (index, (member, _)) in members.iter().enumerate() {
        if !seen.insert(*member) {
            return Err(AppError::bad_input(
                format!("input.members.{index}"),
                "Each contact or lead once per call",
            ));
        }
    }
    let now = state.clock.now();
    let added = idempotency::run(&state.db, &call, now, async |txn| {
        let current = get(txn, campaign_id)
            .await
            .map_err(|e| e.naming("input.campaignId"))?;
        require_owner(viewer, &current)?;
        let contacts: Vec<Uuid> = members
            .iter()
            .filter_map(|(m, _)| match m {
                Member::Contact(id) => Some(*id),
                Member::Lead(_) => None,
            })
            .collect();
        let leads: Vec<Uuid> = members
            .iter()
            .filter_map(|(m, _)| match m {
                Member::Lead(id) => Some(*id),
                Member::Contact(_) => None,
            })
            .collect();
        let seen = visible(txn, viewer, contacts.clone(), leads.clone()).await?;
        for (index, (member, _)) in members.iter().enumerate() {
            if !seen.contains(member) {
                let (what, field) = match member {
                    Member::Contact(_) => ("Contact", "contactId"),
                    Member::Lead(_) => ("Lead", "leadId"),
                };
                return Err(
                    AppError::not_found(what).with_field(format!("input.members.{index}.{field}"))
                );
            }
        }
        let existing: Vec<campaign_member::Model> = campaign_member::Entity::find()
            .filter(campaign_member::Column::CampaignId.eq(campaign_id))
            .filter(
                Condition::any()
                    .add(campaign_member::Column::ContactId.is_in(contacts))
                    .add(campaign_member::Column::LeadId.is_in(leads)),
            )
            .all(txn)
            .await?;
        let mut by_member: HashMap<Member, campaign_member::Model> = HashMap::new();
        for row in existing {
            let key = match (row.contact_id, row.lead_id) {
                (Some(contact), _) => Member::Contact(contact),
                (None, Some(lead)) => Member::Lead(lead),
                (None, None) => continue,
            };
            by_member.insert(key, row);
        }
        let mut counts = Added::default();
        for (member, status) in &members {
            match by_member.get(member) {
                Some(row) if row.status == status.as_str() => {}
                Some(row) => {
                    campaign_member::ActiveModel {
                        id: Set(row.id),
                        status: Set(status.as_str().to_owned()),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .update(txn)
                    .await?;
                    counts.updated += 1;
                }
                None => {
                    let (contact_id, lead_id) = match member {
                        Member::Contact(id) => (Some(*id), None),
                        Member::Lead(id) => (None, Some(*id)),
                    };
                    campaign_member::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        campaign_id: Set(campaign_id),
                        contact_id: Set(contact_id),
                        lead_id: Set(lead_id),
                        status: Set(status.as_str().to_owned()),
                        added_by: Set(viewer.user_id),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(txn)
                    .await?;
                    counts.added += 1;
                }
            }
        }
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "campaign.members_added",
            subject_type: "Campaign",
            subject_id: campaign_id,
            details: serde_json::json!({"added": counts.added, "updated": counts.updated}),
        }
        .record(txn, now)
        .await?;
        Ok(counts)
    })
    .await?
    .into_inner();
    Ok((get(&state.db, campaign_id).await?, added))
}

/// Members the viewer may see: contacts of the customers they see, and the leads they see.
pub fn visible_members(viewer: &Viewer) -> Condition {
    Condition::any()
        .add(campaign_member::Column::ContactId.in_subquery(visible_contact_ids(viewer)))
        .add(campaign_member::Column::LeadId.in_subquery(visible_lead_ids(viewer)))
}

/// Members per status of each campaign in `ids`, over the members the viewer may see.
pub async fn counts(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, HashMap<String, i64>>> {
    let visible = visible_members(viewer);
    let rows: Vec<(Uuid, String, i64)> = campaign_member::Entity::find()
        .select_only()
        .column(campaign_member::Column::CampaignId)
        .column(campaign_member::Column::Status)
        .column_as(
            sea_orm::sea_query::Expr::cust("CAST(COUNT(*) AS BIGINT)"),
            "members",
        )
        .filter(campaign_member::Column::CampaignId.is_in(ids.to_vec()))
        .filter(visible)
        .group_by(campaign_member::Column::CampaignId)
        .group_by(campaign_member::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_campaign: HashMap<Uuid, HashMap<String, i64>> = HashMap::new();
    for (campaign, status, members) in rows {
        by_campaign
            .entry(campaign)
            .or_default()
            .insert(status, members);
    }
    Ok(by_campaign)
}
