//! Where deals stand against their stages' exit criteria: what each deal has done (its facts,
//! gathered for many deals in a fixed number of statements) and, from those, whether each
//! criterion is met.
//!
//! Over 500 lines with its tests: the facts of every kind of criterion are gathered in one
//! place, so that a page of deals reads each kind once, and judged beside them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::model::{CriterionKind, DealField, DocumentKind};
use crate::error::AppResult;
use entity::{
    attachment, checklist_tick, contract, exit_criterion, follow_up, opportunity,
    opportunity_competitor, opportunity_line_item, quote, visit_task,
};

/// What one deal has done that exit criteria read.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Whether it has at least one line item.
    pub has_line_items: bool,
    /// Whether it names at least one competitor.
    pub has_competitors: bool,
    /// The latest time each kind of contact was made with the deal or its customer (visits
    /// checked in count as `VISIT`).
    pub activities: HashMap<String, DateTime<Utc>>,
    /// When each kind of document came to be (the latest one).
    pub documents: HashMap<DocumentKind, DateTime<Utc>>,
    /// Its ticked `MANUAL` criteria, by criterion.
    pub ticks: HashMap<Uuid, checklist_tick::Model>,
}

/// One criterion as it stands for one deal.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemState {
    pub criterion: exit_criterion::Model,
    pub done: bool,
    /// Who ticked it (`MANUAL` only).
    pub done_by: Option<Uuid>,
    /// When it was ticked, or when the activity or document that meets it happened.
    pub done_at: Option<DateTime<Utc>>,
    /// The note given with the tick.
    pub note: Option<String>,
}

/// The follow-up kind that is no contact with the customer: an `ACTIVITY` criterion of no
/// particular kind takes any other.
const NOTE: &str = "NOTE";
/// The follow-up kind a visit checked in counts as.
const VISIT: &str = "VISIT";

/// Whether `field` of `deal` is set.
pub fn field_set(deal: &opportunity::Model, field: DealField, facts: &Facts) -> bool {
    match field {
        DealField::Amount => deal.amount_minor > 0,
        DealField::ExpectedCloseDate => true,
        DealField::Contact => deal.contact_id.is_some(),
        DealField::DecisionMaker => deal.decision_maker_id.is_some(),
        DealField::LineItems => facts.has_line_items,
        DealField::Competitor => facts.has_competitors,
        DealField::Need => deal.need.as_deref().is_some_and(|n| !n.trim().is_empty()),
        DealField::Budget => deal.budget_minor.is_some(),
    }
}

/// How `criterion` stands for `deal`: activities count from when the deal entered its
/// current stage.
pub fn evaluate(
    criterion: &exit_criterion::Model,
    deal: &opportunity::Model,
    facts: &Facts,
) -> ItemState {
    let mut state = ItemState {
        criterion: criterion.clone(),
        done: false,
        done_by: None,
        done_at: None,
        note: None,
    };
    match CriterionKind::parse(&criterion.kind) {
        Some(CriterionKind::Manual) => {
            if let Some(tick) = facts.ticks.get(&criterion.id) {
                state.done = true;
                state.done_by = Some(tick.done_by);
                state.done_at = Some(tick.done_at);
                state.note = tick.note.clone();
            }
        }
        Some(CriterionKind::Field) => {
            state.done = criterion
                .field
                .as_deref()
                .and_then(DealField::parse)
                .is_some_and(|field| field_set(deal, field, facts));
        }
        Some(CriterionKind::Activity) => {
            let wanted = |kind: &str| match criterion.activity_kind.as_deref() {
                Some(wanted) => kind == wanted,
                None => kind != NOTE,
            };
            state.done_at = facts
                .activities
                .iter()
                .filter(|(kind, at)| wanted(kind) && **at >= deal.stage_entered_at)
                .map(|(_, at)| at)
                .max()
                .copied();
            state.done = state.done_at.is_some();
        }
        Some(CriterionKind::Document) => {
            state.done_at = criterion
                .document_kind
                .as_deref()
                .and_then(DocumentKind::parse)
                .and_then(|kind| facts.documents.get(&kind))
                .copied();
            state.done = state.done_at.is_some();
        }
        None => {}
    }
    state
}

/// The facts of each of `deals` that `criteria` read, in at most seven statements whatever the
/// number of deals (none for kinds no criterion has).
pub async fn facts_of(
    db: &impl ConnectionTrait,
    deals: &[opportunity::Model],
    criteria: &[exit_criterion::Model],
) -> AppResult<HashMap<Uuid, Facts>> {
    let mut facts: HashMap<Uuid, Facts> = deals.iter().map(|d| (d.id, Facts::default())).collect();
    if deals.is_empty() || criteria.is_empty() {
        return Ok(facts);
    }
    let ids: Vec<Uuid> = deals.iter().map(|d| d.id).collect();
    let kinds: HashSet<CriterionKind> = criteria
        .iter()
        .filter_map(|c| CriterionKind::parse(&c.kind))
        .collect();
    if kinds.contains(&CriterionKind::Manual) {
        for tick in checklist_tick::Entity::find()
            .filter(checklist_tick::Column::OpportunityId.is_in(ids.clone()))
            .all(db)
            .await?
        {
            if let Some(f) = facts.get_mut(&tick.opportunity_id) {
                f.ticks.insert(tick.criterion_id, tick);
            }
        }
    }
    let wants_lines = criteria
        .iter()
        .any(|c| c.field.as_deref() == Some(DealField::LineItems.as_str()));
    if wants_lines {
        let with_lines: Vec<Uuid> = opportunity_line_item::Entity::find()
            .select_only()
            .column(opportunity_line_item::Column::OpportunityId)
            .distinct()
            .filter(opportunity_line_item::Column::OpportunityId.is_in(ids.clone()))
            .into_tuple()
            .all(db)
            .await?;
        for id in with_lines {
            if let Some(f) = facts.get_mut(&id) {
                f.has_line_items = true;
            }
        }
    }
    let wants_competitors = criteria
        .iter()
        .any(|c| c.field.as_deref() == Some(DealField::Competitor.as_str()));
    if wants_competitors {
        let named: Vec<Uuid> = opportunity_competitor::Entity::find()
            .select_only()
            .column(opportunity_competitor::Column::OpportunityId)
            .distinct()
            .filter(opportunity_competitor::Column::OpportunityId.is_in(ids.clone()))
            .into_tuple()
            .all(db)
            .await?;
        for id in named {
            if let Some(f) = facts.get_mut(&id) {
                f.has_competitors = true;
            }
        }
    }
    if kinds.contains(&CriterionKind::Activity) {
        activities(db, deals, &mut facts).await?;
    }
    if kinds.contains(&CriterionKind::Document) {
        documents(db, &ids, &mut facts).await?;
    }
    Ok(facts)
}

/// Keeps the later of `at` and what `map` holds for `key`.
fn keep_latest<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, DateTime<Utc>>,
    key: K,
    at: DateTime<Utc>,
) {
    let slot = map.entry(key).or_insert(at);
    if at > *slot {
        *slot = at;
    }
}

/// The latest follow-up of each kind on each deal or its customer, and the latest visit
/// checked in for the deal or the customer (not for another deal), since the earliest stage
/// entry among `deals`.
async fn activities(
    db: &impl ConnectionTrait,
    deals: &[opportunity::Model],
    facts: &mut HashMap<Uuid, Facts>,
) -> AppResult<()> {
    let ids: Vec<Uuid> = deals.iter().map(|d| d.id).collect();
    let customers: Vec<Uuid> = deals.iter().map(|d| d.customer_id).collect();
    let since = deals
        .iter()
        .map(|d| d.stage_entered_at)
        .min()
        .unwrap_or_default();
    let logged: Vec<(String, Uuid, String, DateTime<Utc>)> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::SubjectType)
        .column(follow_up::Column::SubjectId)
        .column(follow_up::Column::Kind)
        .column_as(Expr::col(follow_up::Column::OccurredAt).max(), "latest")
        .filter(
            Condition::any()
                .add(
                    follow_up::Column::SubjectType
                        .eq("OPPORTUNITY")
                        .and(follow_up::Column::SubjectId.is_in(ids.clone())),
                )
                .add(
                    follow_up::Column::SubjectType
                        .eq("CUSTOMER")
                        .and(follow_up::Column::SubjectId.is_in(customers.clone())),
                ),
        )
        .filter(follow_up::Column::OccurredAt.gte(since))
        .group_by(follow_up::Column::SubjectType)
        .group_by(follow_up::Column::SubjectId)
        .group_by(follow_up::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let visited: Vec<(Uuid, Option<Uuid>, DateTime<Utc>)> = visit_task::Entity::find()
        .select_only()
        .column(visit_task::Column::CustomerId)
        .column(visit_task::Column::OpportunityId)
        .column_as(Expr::col(visit_task::Column::CheckInAt).max(), "latest")
        .filter(
            Condition::any()
                .add(visit_task::Column::OpportunityId.is_in(ids))
                .add(
                    visit_task::Column::CustomerId
                        .is_in(customers)
                        .and(visit_task::Column::OpportunityId.is_null()),
                ),
        )
        .filter(visit_task::Column::CheckInAt.gte(since))
        .group_by(visit_task::Column::CustomerId)
        .group_by(visit_task::Column::OpportunityId)
        .into_tuple()
        .all(db)
        .await?;
    for deal in deals {
        let Some(f) = facts.get_mut(&deal.id) else {
            continue;
        };
        for (subject_type, subject_id, kind, at) in &logged {
            let concerns = match subject_type.as_str() {
                "OPPORTUNITY" => *subject_id == deal.id,
                _ => *subject_id == deal.customer_id,
            };
            if concerns {
                keep_latest(&mut f.activities, kind.clone(), *at);
            }
        }
        for (customer_id, opportunity_id, at) in &visited {
            let concerns = match opportunity_id {
                Some(id) => *id == deal.id,
                None => *customer_id == deal.customer_id,
            };
            if concerns {
                keep_latest(&mut f.activities, VISIT.to_owned(), *at);
            }
        }
    }
    Ok(())
}

/// When each deal's quotes were last sent and accepted, and its latest live contract.
async fn documents(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    facts: &mut HashMap<Uuid, Facts>,
) -> AppResult<()> {
    type Sent = Option<DateTime<Utc>>;
    let quotes: Vec<(Uuid, Sent, Sent)> = quote::Entity::find()
        .select_only()
        .column(quote::Column::OpportunityId)
        .column_as(Expr::col(quote::Column::SentAt).max(), "sent")
        .column_as(Expr::col(quote::Column::AcceptedAt).max(), "accepted")
        .filter(quote::Column::OpportunityId.is_in(ids.to_vec()))
        .filter(quote::Column::SentAt.is_not_null())
        .group_by(quote::Column::OpportunityId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, sent, accepted) in quotes {
        if let Some(f) = facts.get_mut(&id) {
            if let Some(at) = sent {
                f.documents.insert(DocumentKind::QuoteSent, at);
            }
            if let Some(at) = accepted {
                f.documents.insert(DocumentKind::QuoteAccepted, at);
            }
        }
    }
    let contracts: Vec<(Option<Uuid>, DateTime<Utc>)> = contract::Entity::find()
        .select_only()
        .column(contract::Column::OpportunityId)
        .column_as(Expr::col(contract::Column::CreatedAt).max(), "latest")
        .filter(contract::Column::OpportunityId.is_in(ids.to_vec()))
        .filter(contract::Column::Status.is_not_in(["REJECTED", "CANCELLED"]))
        .group_by(contract::Column::OpportunityId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, at) in contracts {
        if let Some(f) = id.and_then(|id| facts.get_mut(&id)) {
            f.documents.insert(DocumentKind::Contract, at);
        }
    }
    // The attachments' own names, read here below their layer: stored files on the deal.
    let files: Vec<(Uuid, DateTime<Utc>)> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::SubjectId)
        .column_as(Expr::col(attachment::Column::CreatedAt).max(), "latest")
        .filter(attachment::Column::SubjectId.is_in(ids.to_vec()))
        .filter(attachment::Column::SubjectType.eq("OPPORTUNITY"))
        .filter(attachment::Column::Status.eq("READY"))
        .group_by(attachment::Column::SubjectId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, at) in files {
        if let Some(f) = facts.get_mut(&id) {
            f.documents.insert(DocumentKind::Attachment, at);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn deal() -> opportunity::Model {
        opportunity::Model {
            id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            owner_id: Uuid::now_v7(),
            name: "Deal".into(),
            amount_minor: 0,
            stage_id: Uuid::now_v7(),
            probability_override: None,
            forecast_category: "PIPELINE".into(),
            status: "OPEN".into(),
            expected_close_date: at(20).date_naive(),
            closed_at: None,
            lost_reason: None,
            stage_entered_at: at(10),
            lead_id: None,
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
            version: 1,
            created_at: at(1),
            updated_at: at(1),
        }
    }

    fn criterion(kind: CriterionKind) -> exit_criterion::Model {
        exit_criterion::Model {
            id: Uuid::now_v7(),
            stage_id: Uuid::now_v7(),
            position: 1,
            name: "Item".into(),
            kind: kind.as_str().into(),
            field: None,
            activity_kind: None,
            document_kind: None,
            required: true,
            created_at: at(1),
            updated_at: at(1),
        }
    }

    #[test]
    fn fields_are_met_once_set() {
        let mut deal = deal();
        let facts = Facts::default();
        let mut need = criterion(CriterionKind::Field);
        need.field = Some("NEED".into());
        assert!(!evaluate(&need, &deal, &facts).done);
        deal.need = Some("   ".into());
        assert!(!evaluate(&need, &deal, &facts).done, "blank is not a need");
        deal.need = Some("Cold storage".into());
        assert!(evaluate(&need, &deal, &facts).done);
        let mut amount = criterion(CriterionKind::Field);
        amount.field = Some("AMOUNT".into());
        assert!(!evaluate(&amount, &deal, &facts).done, "zero is no amount");
        deal.amount_minor = 1;
        assert!(evaluate(&amount, &deal, &facts).done);
        let mut lines = criterion(CriterionKind::Field);
        lines.field = Some("LINE_ITEMS".into());
        assert!(!evaluate(&lines, &deal, &facts).done);
        let with_lines = Facts {
            has_line_items: true,
            ..Facts::default()
        };
        assert!(evaluate(&lines, &deal, &with_lines).done);
        let mut rivals = criterion(CriterionKind::Field);
        rivals.field = Some("COMPETITOR".into());
        assert!(!evaluate(&rivals, &deal, &with_lines).done);
        let with_rivals = Facts {
            has_competitors: true,
            ..Facts::default()
        };
        assert!(evaluate(&rivals, &deal, &with_rivals).done);
    }

    #[test]
    fn activities_count_only_since_the_stage_was_entered() {
        let deal = deal();
        let any = criterion(CriterionKind::Activity);
        let mut calls = criterion(CriterionKind::Activity);
        calls.activity_kind = Some("CALL".into());
        let mut facts = Facts::default();
        facts.activities.insert("CALL".into(), at(9));
        assert!(!evaluate(&any, &deal, &facts).done, "before the stage");
        facts.activities.insert("NOTE".into(), at(11));
        assert!(!evaluate(&any, &deal, &facts).done, "a note is no contact");
        facts.activities.insert("VISIT".into(), at(12));
        let state = evaluate(&any, &deal, &facts);
        assert!(state.done);
        assert_eq!(state.done_at, Some(at(12)));
        assert!(!evaluate(&calls, &deal, &facts).done, "a visit is no call");
        facts.activities.insert("CALL".into(), at(10));
        assert_eq!(evaluate(&calls, &deal, &facts).done_at, Some(at(10)));
    }

    #[test]
    fn manual_items_carry_who_ticked_them() {
        let deal = deal();
        let item = criterion(CriterionKind::Manual);
        let mut facts = Facts::default();
        assert!(!evaluate(&item, &deal, &facts).done);
        let by = Uuid::now_v7();
        facts.ticks.insert(
            item.id,
            checklist_tick::Model {
                id: Uuid::now_v7(),
                opportunity_id: deal.id,
                criterion_id: item.id,
                done_by: by,
                done_at: at(11),
                note: Some("Agreed on the phone".into()),
            },
        );
        let state = evaluate(&item, &deal, &facts);
        assert!(state.done);
        assert_eq!(state.done_by, Some(by));
        assert_eq!(state.note.as_deref(), Some("Agreed on the phone"));
    }

    #[test]
    fn documents_are_met_when_they_exist() {
        let deal = deal();
        let mut sent = criterion(CriterionKind::Document);
        sent.document_kind = Some("QUOTE_SENT".into());
        let mut facts = Facts::default();
        assert!(!evaluate(&sent, &deal, &facts).done);
        facts.documents.insert(DocumentKind::QuoteAccepted, at(3));
        assert!(!evaluate(&sent, &deal, &facts).done);
        facts.documents.insert(DocumentKind::QuoteSent, at(2));
        assert!(
            evaluate(&sent, &deal, &facts).done,
            "a quote sent before the stage still counts"
        );
    }
}
