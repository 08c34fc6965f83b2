//! What goes to the bin with each kind of record, what stays put with its link to it cleared,
//! and what keeps a record out of the bin: money (contracts, quotes, orders, plans, invoices,
//! payments, refunds), after-sales tickets, and won deals, which count in results.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoCondition, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Value};
use uuid::Uuid;

use super::rows::{Reference, Snapshot, Table};
use crate::error::{AppError, AppResult};
use crate::sync::Kind;
use entity::{
    activity, campaign_member, checklist_tick, contact, customer, follow_up, lead, lead_event,
    opportunity, opportunity_competitor, opportunity_line_item, opportunity_split, stage_change,
    visit_task,
};

const fn reference(table: &'static str, column: &'static str, stamped: bool) -> Reference {
    Reference {
        table,
        column,
        stamped,
    }
}

const CONVERTED_CUSTOMER: Reference = reference("leads", "converted_customer_id", true);
const CONVERTED_CONTACT: Reference = reference("leads", "converted_contact_id", true);
const CONVERTED_DEAL: Reference = reference("leads", "converted_opportunity_id", true);
const DEAL_CONTACT: Reference = reference("opportunities", "contact_id", true);
const DEAL_DECIDER: Reference = reference("opportunities", "decision_maker_id", true);
const DEAL_LEAD: Reference = reference("opportunities", "lead_id", true);
const VISIT_CONTACT: Reference = reference("visit_tasks", "contact_id", true);
const VISIT_DEAL: Reference = reference("visit_tasks", "opportunity_id", true);
const VISIT_LEAD: Reference = reference("visit_tasks", "lead_id", true);
const CALLBACK_CONTACT: Reference = reference("callbacks", "contact_id", true);
const TICKET_CONTACT: Reference = reference("tickets", "contact_id", true);
const FOLLOW_UP_LEAD: Reference = reference("follow_ups", "lead_id", false);
const FOLLOW_UP_CUSTOMER: Reference = reference("follow_ups", "customer_id", false);

/// Every reference a deletion may clear (a restore sets only these again).
pub const REFERENCES: &[Reference] = &[
    CONVERTED_CUSTOMER,
    CONVERTED_CONTACT,
    CONVERTED_DEAL,
    DEAL_CONTACT,
    DEAL_DECIDER,
    DEAL_LEAD,
    VISIT_CONTACT,
    VISIT_DEAL,
    VISIT_LEAD,
    CALLBACK_CONTACT,
    TICKET_CONTACT,
    FOLLOW_UP_LEAD,
    FOLLOW_UP_CUSTOMER,
];

/// Rows naming a customer that keep it out of the bin, with what they are.
const CUSTOMER_KEEPERS: &[(&str, &str)] = &[
    ("contracts", "contracts"),
    ("quotes", "quotes"),
    ("orders", "orders"),
    ("installments", "collection plans"),
    ("invoices", "invoices"),
    ("payments", "payments"),
    ("refunds", "refunds"),
    ("tickets", "service tickets"),
];

/// Rows naming a deal that keep it out of the bin.
const DEAL_KEEPERS: &[(&str, &str)] = &[("contracts", "contracts"), ("quotes", "quotes")];

/// A record whose link ended: offline copies of it are told it went.
pub struct Gone {
    pub kind: Kind,
    pub id: Uuid,
    /// Through whom it was seen (its owner, a split's holder; `None`: the lead pool).
    pub principal: Option<Uuid>,
}

/// A deletion under way: the snapshot, and what offline copies are told went.
#[derive(Default)]
pub struct Deletion {
    pub snapshot: Snapshot,
    pub gone: Vec<Gone>,
    /// Search documents to drop, as (`entity_type`, id).
    pub unindexed: Vec<(&'static str, Uuid)>,
}

fn uuids(ids: &[Uuid]) -> Vec<Value> {
    ids.iter().map(|id| Value::Uuid(Some(*id))).collect()
}

/// `INVALID_STATE` naming the first of `keepers` with a row whose `column` names one of `ids`.
async fn refuse_kept(
    db: &impl ConnectionTrait,
    keepers: &[(&str, &str)],
    column: &str,
    ids: &[Uuid],
    what: &str,
) -> AppResult<()> {
    for (table, label) in keepers {
        let select = Query::select()
            .expr(Expr::cust("1"))
            .from(Alias::new(*table))
            .and_where(Expr::col(Alias::new(column)).is_in(uuids(ids)))
            .limit(1)
            .to_owned();
        if db.query_one(&select).await?.is_some() {
            return Err(AppError::invalid_state(format!(
                "{what} has {label} attached: records with money or service history stay"
            ))
            .with_field("input.id"));
        }
    }
    Ok(())
}

fn about(subject: &str, ids: &[Uuid]) -> (Condition, Condition) {
    (
        Condition::all()
            .add(activity::Column::SubjectType.eq(subject))
            .add(activity::Column::SubjectId.is_in(ids.to_vec())),
        Condition::all()
            .add(follow_up::Column::SubjectType.eq(subject))
            .add(follow_up::Column::SubjectId.is_in(ids.to_vec())),
    )
}

impl Deletion {
    /// Activities (first: they may name a follow-up) and follow-ups about these records (and
    /// those `also` matches).
    async fn notes(
        &mut self,
        db: &impl ConnectionTrait,
        subject: &str,
        ids: &[Uuid],
        also: Option<Condition>,
    ) -> AppResult<()> {
        let (activities, about_follow_ups) = about(subject, ids);
        let follow_ups = match also {
            Some(also) => Condition::any().add(about_follow_ups).add(also),
            None => about_follow_ups,
        };
        self.snapshot
            .take::<activity::Entity>(db, Table::Activities, activities)
            .await?;
        self.snapshot
            .take::<follow_up::Entity>(db, Table::FollowUps, follow_ups)
            .await?;
        Ok(())
    }

    /// Leads, with their events, campaign memberships, activities and follow-ups; deals and
    /// visits started from them keep going without the link.
    pub async fn leads(
        &mut self,
        db: &impl ConnectionTrait,
        ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> AppResult<Vec<lead::Model>> {
        self.notes(db, "LEAD", ids, None).await?;
        // A follow-up about someone else that names the lead (a customer's visit that worked
        // on it) stays with its subject.
        self.snapshot.clear(db, FOLLOW_UP_LEAD, ids, now).await?;
        self.snapshot
            .take::<lead_event::Entity>(
                db,
                Table::LeadEvents,
                lead_event::Column::LeadId
                    .is_in(ids.to_vec())
                    .into_condition(),
            )
            .await?;
        self.snapshot
            .take::<campaign_member::Entity>(
                db,
                Table::CampaignMembers,
                campaign_member::Column::LeadId
                    .is_in(ids.to_vec())
                    .into_condition(),
            )
            .await?;
        for reference in [DEAL_LEAD, VISIT_LEAD] {
            self.snapshot.clear(db, reference, ids, now).await?;
        }
        let leads = self
            .snapshot
            .take::<lead::Entity>(
                db,
                Table::Leads,
                lead::Column::Id.is_in(ids.to_vec()).into_condition(),
            )
            .await?;
        for gone in &leads {
            self.gone.push(Gone {
                kind: Kind::Lead,
                id: gone.id,
                principal: if gone.in_pool { None } else { gone.owner_id },
            });
            self.unindexed.push(("LEAD", gone.id));
        }
        Ok(leads)
    }

    /// Contacts, with their campaign memberships; deals, visits, callbacks, tickets and
    /// converted leads that named them keep going without the link.
    pub async fn contacts(
        &mut self,
        db: &impl ConnectionTrait,
        ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> AppResult<Vec<contact::Model>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.snapshot
            .take::<campaign_member::Entity>(
                db,
                Table::CampaignMembers,
                campaign_member::Column::ContactId
                    .is_in(ids.to_vec())
                    .into_condition(),
            )
            .await?;
        for reference in [
            DEAL_CONTACT,
            DEAL_DECIDER,
            VISIT_CONTACT,
            CALLBACK_CONTACT,
            TICKET_CONTACT,
            CONVERTED_CONTACT,
        ] {
            self.snapshot.clear(db, reference, ids, now).await?;
        }
        let contacts = self
            .snapshot
            .take::<contact::Entity>(
                db,
                Table::Contacts,
                contact::Column::Id.is_in(ids.to_vec()).into_condition(),
            )
            .await?;
        for gone in &contacts {
            self.unindexed.push(("CONTACT", gone.id));
        }
        Ok(contacts)
    }

    /// Deals, with their stage history, splits, products, competitors, checklist, activities
    /// and follow-ups; visits and converted leads that named them keep going without the link.
    /// Errors: `INVALID_STATE` (a won deal, or one with contracts or quotes).
    pub async fn opportunities(
        &mut self,
        db: &impl ConnectionTrait,
        deals: &[opportunity::Model],
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        if deals.is_empty() {
            return Ok(());
        }
        if let Some(won) = deals.iter().find(|d| d.status == "WON") {
            return Err(AppError::invalid_state(format!(
                "The deal {} is won: won deals count in results and stay",
                won.name
            ))
            .with_field("input.id"));
        }
        let ids: Vec<Uuid> = deals.iter().map(|d| d.id).collect();
        refuse_kept(db, DEAL_KEEPERS, "opportunity_id", &ids, "The deal").await?;
        self.notes(db, "OPPORTUNITY", &ids, None).await?;
        self.snapshot
            .take::<stage_change::Entity>(
                db,
                Table::StageChanges,
                stage_change::Column::OpportunityId
                    .is_in(ids.clone())
                    .into_condition(),
            )
            .await?;
        let splits = self
            .snapshot
            .take::<opportunity_split::Entity>(
                db,
                Table::Splits,
                opportunity_split::Column::OpportunityId
                    .is_in(ids.clone())
                    .into_condition(),
            )
            .await?;
        self.snapshot
            .take::<opportunity_line_item::Entity>(
                db,
                Table::LineItems,
                opportunity_line_item::Column::OpportunityId
                    .is_in(ids.clone())
                    .into_condition(),
            )
            .await?;
        self.snapshot
            .take::<opportunity_competitor::Entity>(
                db,
                Table::Competitors,
                opportunity_competitor::Column::OpportunityId
                    .is_in(ids.clone())
                    .into_condition(),
            )
            .await?;
        self.snapshot
            .take::<checklist_tick::Entity>(
                db,
                Table::ChecklistTicks,
                checklist_tick::Column::OpportunityId
                    .is_in(ids.clone())
                    .into_condition(),
            )
            .await?;
        for reference in [VISIT_DEAL, CONVERTED_DEAL] {
            self.snapshot.clear(db, reference, &ids, now).await?;
        }
        self.snapshot
            .take::<opportunity::Entity>(
                db,
                Table::Opportunities,
                opportunity::Column::Id.is_in(ids.clone()).into_condition(),
            )
            .await?;
        for deal in deals {
            self.gone.push(Gone {
                kind: Kind::Opportunity,
                id: deal.id,
                principal: Some(deal.owner_id),
            });
            self.unindexed.push(("OPPORTUNITY", deal.id));
        }
        for split in splits.iter().filter(|s| {
            deals
                .iter()
                .all(|d| d.id != s.opportunity_id || d.owner_id != s.user_id)
        }) {
            self.gone.push(Gone {
                kind: Kind::Opportunity,
                id: split.opportunity_id,
                principal: Some(split.user_id),
            });
        }
        Ok(())
    }

    /// Customers, with their deals, contacts, visits, activities and follow-ups; leads
    /// converted into them keep going without the link. Errors: `INVALID_STATE` (money or
    /// service history attached, or a deal that may not go).
    pub async fn customers(
        &mut self,
        db: &impl ConnectionTrait,
        ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> AppResult<Vec<customer::Model>> {
        refuse_kept(db, CUSTOMER_KEEPERS, "customer_id", ids, "The customer").await?;
        let deals = opportunity::Entity::find()
            .filter(opportunity::Column::CustomerId.is_in(ids.to_vec()))
            .all(db)
            .await?;
        // Visits first: they may name the deals and contacts that follow.
        let visits = self
            .snapshot
            .take::<visit_task::Entity>(
                db,
                Table::VisitTasks,
                visit_task::Column::CustomerId
                    .is_in(ids.to_vec())
                    .into_condition(),
            )
            .await?;
        for visit in &visits {
            self.gone.push(Gone {
                kind: Kind::VisitTask,
                id: visit.id,
                principal: Some(visit.assignee_id),
            });
        }
        self.opportunities(db, &deals, now).await?;
        let contact_ids: Vec<Uuid> = contact::Entity::find()
            .filter(contact::Column::CustomerId.is_in(ids.to_vec()))
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        self.contacts(db, &contact_ids, now).await?;
        // Follow-ups about the customer or its deals go; a lead's (converted into it) stays
        // with the lead.
        self.notes(
            db,
            "CUSTOMER",
            ids,
            Some(
                Condition::all()
                    .add(follow_up::Column::CustomerId.is_in(ids.to_vec()))
                    .add(follow_up::Column::SubjectType.ne("LEAD")),
            ),
        )
        .await?;
        self.snapshot
            .clear(db, FOLLOW_UP_CUSTOMER, ids, now)
            .await?;
        self.snapshot
            .clear(db, CONVERTED_CUSTOMER, ids, now)
            .await?;
        let customers = self
            .snapshot
            .take::<customer::Entity>(
                db,
                Table::Customers,
                customer::Column::Id.is_in(ids.to_vec()).into_condition(),
            )
            .await?;
        for gone in &customers {
            self.gone.push(Gone {
                kind: Kind::Customer,
                id: gone.id,
                principal: Some(gone.owner_id),
            });
            self.unindexed.push(("CUSTOMER", gone.id));
        }
        Ok(customers)
    }
}
