//! The outbox: every change the audit log records that a webhook may subscribe to also writes
//! an event row, in the same statement batch of the same transaction, so an event exists if
//! and only if its change committed. Nothing is written while no active endpoint subscribes to
//! the type. The sender (`delivery.rs`) turns events into deliveries after commit.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, Value};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use crate::error::AppResult;
use crate::ids::{NodeType, encode_id};
use crate::money::Money;

crate::string_enum! {
    /// What happened, as a webhook endpoint subscribes to it.
    WebhookEventType {
        /// A deal moved to another stage (won and lost deals too).
        OpportunityStageChanged => "OPPORTUNITY_STAGE_CHANGED",
        /// A deal was won.
        DealWon => "DEAL_WON",
        /// A deal was lost.
        DealLost => "DEAL_LOST",
        /// Something was submitted for approval.
        ApprovalRequested => "APPROVAL_REQUESTED",
        /// An approver approved or rejected a step.
        ApprovalDecided => "APPROVAL_DECIDED",
        /// A contract was signed.
        ContractSigned => "CONTRACT_SIGNED",
        /// An invoice was issued.
        InvoiceIssued => "INVOICE_ISSUED",
        /// An invoice was voided.
        InvoiceVoided => "INVOICE_VOIDED",
        /// A payment was recorded.
        PaymentRecorded => "PAYMENT_RECORDED",
        /// A payment was reversed.
        PaymentReversed => "PAYMENT_REVERSED",
        /// A rep checked in at a visit.
        VisitCheckedIn => "VISIT_CHECKED_IN",
        /// A rep checked out of a visit.
        VisitCheckedOut => "VISIT_CHECKED_OUT",
        /// A lead was created.
        LeadCreated => "LEAD_CREATED",
        /// A lead was assigned or claimed from the pool.
        LeadAssigned => "LEAD_ASSIGNED",
        /// A customer was created.
        CustomerCreated => "CUSTOMER_CREATED",
        /// A delivery of an order was recorded.
        OrderDelivered => "ORDER_DELIVERED",
        /// A service ticket was opened.
        TicketOpened => "TICKET_OPENED",
    }
}

impl WebhookEventType {
    pub const ALL: [WebhookEventType; 17] = [
        Self::OpportunityStageChanged,
        Self::DealWon,
        Self::DealLost,
        Self::ApprovalRequested,
        Self::ApprovalDecided,
        Self::ContractSigned,
        Self::InvoiceIssued,
        Self::InvoiceVoided,
        Self::PaymentRecorded,
        Self::PaymentReversed,
        Self::VisitCheckedIn,
        Self::VisitCheckedOut,
        Self::LeadCreated,
        Self::LeadAssigned,
        Self::CustomerCreated,
        Self::OrderDelivered,
        Self::TicketOpened,
    ];

    /// The payload's `type`: lower case, dotted (`deal.won`), as receivers route on it.
    pub fn wire_name(self) -> String {
        let text = self.as_str().to_ascii_lowercase();
        match self {
            // Two words of subject, one of verb.
            Self::OpportunityStageChanged => "opportunity.stage_changed".to_owned(),
            _ => text.replacen('_', ".", 1),
        }
    }

    /// The types an audited action is, given what it recorded.
    pub fn of_action(action: &str, details: &Json) -> Vec<Self> {
        let status = details.get("status").and_then(Json::as_str);
        match action {
            "opportunity.stage_changed" => {
                let mut types = vec![Self::OpportunityStageChanged];
                match status {
                    Some("WON") => types.push(Self::DealWon),
                    Some("LOST") => types.push(Self::DealLost),
                    _ => {}
                }
                types
            }
            "approval.submitted" => vec![Self::ApprovalRequested],
            "approval.step_approved" | "approval.step_rejected" => vec![Self::ApprovalDecided],
            "contract.signed" => vec![Self::ContractSigned],
            "invoice.issued" => vec![Self::InvoiceIssued],
            "invoice.voided" => vec![Self::InvoiceVoided],
            "payment.recorded" => vec![Self::PaymentRecorded],
            "payment.reversed" => vec![Self::PaymentReversed],
            "visit.checked_in" => vec![Self::VisitCheckedIn],
            "visit.checked_out" => vec![Self::VisitCheckedOut],
            "lead.created" => vec![Self::LeadCreated],
            "lead.assigned" | "lead.claimed" => vec![Self::LeadAssigned],
            "customer.created" => vec![Self::CustomerCreated],
            "order.delivered" => vec![Self::OrderDelivered],
            "ticket.opened" => vec![Self::TicketOpened],
            _ => Vec::new(),
        }
    }
}

/// A change the audit log records.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub details: &'a Json,
}

/// Whether an active endpoint subscribes to an event `action` makes; no statement for the
/// actions that make none.
pub async fn subscribed(
    db: &impl ConnectionTrait,
    action: &str,
    details: &Json,
) -> AppResult<bool> {
    let kinds = WebhookEventType::of_action(action, details);
    if kinds.is_empty() {
        return Ok(false);
    }
    let query = Query::select()
        .expr(Expr::val(1))
        .from(Alias::new("webhook_event_types"))
        .inner_join(
            Alias::new("webhooks"),
            Expr::col((Alias::new("webhooks"), Alias::new("id")))
                .equals((Alias::new("webhook_event_types"), Alias::new("webhook_id"))),
        )
        .and_where(
            Expr::col((Alias::new("webhook_event_types"), Alias::new("event_type")))
                .is_in(kinds.iter().map(|kind| kind.as_str())),
        )
        .and_where(Expr::col((Alias::new("webhooks"), Alias::new("status"))).eq("ACTIVE"))
        .limit(1)
        .to_owned();
    Ok(db.query_one(&query).await?.is_some())
}

/// Writes the change's events into the outbox, inside the caller's transaction, for the types
/// an active endpoint subscribes to. Most actions are no event type and cost no statement.
pub async fn record(
    db: &impl ConnectionTrait,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for kind in WebhookEventType::of_action(change.action, change.details) {
        let data = snapshot(change).to_string();
        let subscribed = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new("webhook_event_types"))
            .inner_join(
                Alias::new("webhooks"),
                Expr::col((Alias::new("webhooks"), Alias::new("id")))
                    .equals((Alias::new("webhook_event_types"), Alias::new("webhook_id"))),
            )
            .and_where(
                Expr::col((Alias::new("webhook_event_types"), Alias::new("event_type")))
                    .eq(kind.as_str()),
            )
            .and_where(Expr::col((Alias::new("webhooks"), Alias::new("status"))).eq("ACTIVE"))
            .to_owned();
        let row = Query::select()
            .expr(Expr::val(Value::Uuid(Some(Uuid::now_v7()))))
            .expr(Expr::val(kind.as_str()))
            .expr(Expr::val(change.subject_type))
            .expr(Expr::val(Value::Uuid(Some(change.subject_id))))
            .expr(Expr::val(Value::Uuid(change.actor_id)))
            .expr(Expr::val(data))
            .expr(Expr::val(now))
            .expr(Expr::val(false))
            .and_where(Expr::exists(subscribed))
            .to_owned();
        let insert = Query::insert()
            .into_table(Alias::new("webhook_events"))
            .columns(
                [
                    "id",
                    "event_type",
                    "subject_type",
                    "subject_id",
                    "actor_id",
                    "data",
                    "occurred_at",
                    "dispatched",
                ]
                .map(Alias::new),
            )
            .select_from(row)
            .map_err(|err| sea_orm::DbErr::Custom(err.to_string()))?
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The payload's `data`: the subject's global id and type, who acted, and the fields the change
/// recorded, with money as decimal strings and ids as global ids. Ids of unknown type and
/// anything nested are left out, so a payload never carries more than the change named.
pub fn snapshot(change: Change<'_>) -> Json {
    let mut data = Map::new();
    if let Some(kind) = NodeType::parse(change.subject_type) {
        data.insert(
            "id".into(),
            Json::String(encode_id(kind, change.subject_id).to_string()),
        );
    }
    data.insert("type".into(), Json::String(change.subject_type.to_owned()));
    data.insert(
        "actorId".into(),
        change.actor_id.map_or(Json::Null, |id| {
            Json::String(encode_id(NodeType::User, id).to_string())
        }),
    );
    let Some(fields) = change.details.as_object() else {
        return Json::Object(data);
    };
    for (key, value) in fields {
        if let Some((name, kind)) = id_field(change.action, key) {
            let id = value.as_str().and_then(|text| Uuid::parse_str(text).ok());
            data.insert(
                name.to_owned(),
                id.map_or(Json::Null, |id| {
                    Json::String(encode_id(kind, id).to_string())
                }),
            );
            continue;
        }
        if let Some(name) = key.strip_suffix("Minor")
            && let Some(minor) = value.as_i64()
        {
            let amount = Money::from_minor(minor).to_decimal().to_string();
            data.entry(name.to_owned()).or_insert(Json::String(amount));
            continue;
        }
        let keep = match value {
            Json::String(text) => Uuid::parse_str(text).is_err(),
            Json::Null | Json::Bool(_) | Json::Number(_) => true,
            Json::Array(items) => items.iter().all(Json::is_string),
            Json::Object(_) => false,
        };
        if keep && !data.contains_key(key) {
            data.insert(key.clone(), value.clone());
        }
    }
    Json::Object(data)
}

/// The name and type of an id-valued field the payload (and field history) carries.
pub fn id_field(action: &str, key: &str) -> Option<(&'static str, NodeType)> {
    match (action, key) {
        ("opportunity.stage_changed", "from") => Some(("fromStageId", NodeType::PipelineStage)),
        ("opportunity.stage_changed", "to") => Some(("toStageId", NodeType::PipelineStage)),
        (_, "ownerId") => Some(("ownerId", NodeType::User)),
        (_, "assigneeId") => Some(("assigneeId", NodeType::User)),
        (_, "customerId") => Some(("customerId", NodeType::Customer)),
        (_, "contactId") => Some(("contactId", NodeType::Contact)),
        (_, "nextVisitId") => Some(("nextVisitId", NodeType::VisitTask)),
        (_, "deliveryId") => Some(("deliveryId", NodeType::Delivery)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change<'a>(action: &'a str, details: &'a Json) -> Change<'a> {
        Change {
            action,
            subject_type: "Opportunity",
            subject_id: Uuid::nil(),
            actor_id: None,
            details,
        }
    }

    #[test]
    fn a_won_stage_change_is_two_types_a_move_is_one() {
        let won = json!({"status": "WON"});
        assert_eq!(
            WebhookEventType::of_action("opportunity.stage_changed", &won),
            [
                WebhookEventType::OpportunityStageChanged,
                WebhookEventType::DealWon
            ]
        );
        let open = json!({"status": "OPEN"});
        assert_eq!(
            WebhookEventType::of_action("opportunity.stage_changed", &open),
            [WebhookEventType::OpportunityStageChanged]
        );
        assert!(WebhookEventType::of_action("lead.updated", &open).is_empty());
    }

    #[test]
    fn wire_names_are_dotted() {
        assert_eq!(WebhookEventType::DealWon.wire_name(), "deal.won");
        assert_eq!(
            WebhookEventType::OpportunityStageChanged.wire_name(),
            "opportunity.stage_changed"
        );
        assert_eq!(
            WebhookEventType::VisitCheckedIn.wire_name(),
            "visit.checked_in"
        );
        assert_eq!(WebhookEventType::ALL.len(), 17);
    }

    #[test]
    fn snapshots_carry_money_as_decimals_and_ids_as_global_ids_only() {
        let stage = Uuid::now_v7();
        let details = json!({
            "from": stage, "to": stage, "status": "WON", "amountMinor": 123456,
            "secretId": Uuid::now_v7(), "nested": {"a": 1}, "steps": ["ADMIN"], "onSite": true,
        });
        let data = snapshot(change("opportunity.stage_changed", &details));
        assert_eq!(data["amount"], "1234.56");
        assert_eq!(
            data["toStageId"],
            encode_id(NodeType::PipelineStage, stage).to_string()
        );
        assert_eq!(data["status"], "WON");
        assert_eq!(data["steps"], json!(["ADMIN"]));
        assert_eq!(data["onSite"], true);
        assert!(data.get("secretId").is_none() && data.get("nested").is_none());
        assert!(data.get("from").is_none() && data.get("amountMinor").is_none());
        assert_eq!(data["actorId"], Json::Null);
        // A field may not overwrite the subject's own id or type.
        let spoof = json!({"id": "x", "type": "y"});
        let data = snapshot(change("customer.created", &spoof));
        assert_eq!(data["type"], "Opportunity");
        assert_eq!(
            data["id"],
            encode_id(NodeType::Opportunity, Uuid::nil()).to_string()
        );
    }
}
