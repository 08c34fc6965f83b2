//! Global ids: every object a client can refetch has an opaque id, `base64url("Type:uuid")`.
//! Services take and give these ids through here; the GraphQL `Node` interface that resolves
//! them lives in `graphql::node`.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The object types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeType {
    User,
    Team,
    Customer,
    Contact,
    Lead,
    FollowUp,
    Notification,
    Opportunity,
    PipelineStage,
    VisitTask,
    Contract,
    ApprovalRequest,
    Installment,
    Invoice,
    Payment,
    Waiver,
    SalesTarget,
    Product,
    ProductLine,
    PriceBook,
    Quote,
    Order,
    OrderLine,
    Delivery,
    ContractAmendment,
    Refund,
    ExitCriterion,
    CloseReason,
    Competitor,
    OwnershipTransfer,
    ForecastSubmission,
    Activity,
    WorkReport,
    WorkReportComment,
    Attachment,
    Callback,
    CallbackRule,
    Ticket,
    Campaign,
    Webhook,
    WebhookDelivery,
    ServiceAccount,
    ApiKey,
    Export,
    ImportJob,
    Merge,
    RecycledRecord,
}

impl NodeType {
    const ALL: [NodeType; 47] = [
        Self::User,
        Self::Team,
        Self::Customer,
        Self::Contact,
        Self::Lead,
        Self::FollowUp,
        Self::Notification,
        Self::Opportunity,
        Self::PipelineStage,
        Self::VisitTask,
        Self::Contract,
        Self::ApprovalRequest,
        Self::Installment,
        Self::Invoice,
        Self::Payment,
        Self::Waiver,
        Self::SalesTarget,
        Self::Product,
        Self::ProductLine,
        Self::PriceBook,
        Self::Quote,
        Self::Order,
        Self::OrderLine,
        Self::Delivery,
        Self::ContractAmendment,
        Self::Refund,
        Self::ExitCriterion,
        Self::CloseReason,
        Self::Competitor,
        Self::OwnershipTransfer,
        Self::ForecastSubmission,
        Self::Activity,
        Self::WorkReport,
        Self::WorkReportComment,
        Self::Attachment,
        Self::Callback,
        Self::CallbackRule,
        Self::Ticket,
        Self::Campaign,
        Self::Webhook,
        Self::WebhookDelivery,
        Self::ServiceAccount,
        Self::ApiKey,
        Self::Export,
        Self::ImportJob,
        Self::Merge,
        Self::RecycledRecord,
    ];

    /// The GraphQL name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Team => "Team",
            Self::Customer => "Customer",
            Self::Contact => "Contact",
            Self::Lead => "Lead",
            Self::FollowUp => "FollowUp",
            Self::Notification => "Notification",
            Self::Opportunity => "Opportunity",
            Self::PipelineStage => "PipelineStage",
            Self::VisitTask => "VisitTask",
            Self::Contract => "Contract",
            Self::ApprovalRequest => "ApprovalRequest",
            Self::Installment => "Installment",
            Self::Invoice => "Invoice",
            Self::Payment => "Payment",
            Self::Waiver => "Waiver",
            Self::SalesTarget => "SalesTarget",
            Self::Product => "Product",
            Self::ProductLine => "ProductLine",
            Self::PriceBook => "PriceBook",
            Self::Quote => "Quote",
            Self::Order => "Order",
            Self::OrderLine => "OrderLine",
            Self::Delivery => "Delivery",
            Self::ContractAmendment => "ContractAmendment",
            Self::Refund => "Refund",
            Self::ExitCriterion => "ExitCriterion",
            Self::CloseReason => "CloseReason",
            Self::Competitor => "Competitor",
            Self::OwnershipTransfer => "OwnershipTransfer",
            Self::ForecastSubmission => "ForecastSubmission",
            Self::Activity => "Activity",
            Self::WorkReport => "WorkReport",
            Self::WorkReportComment => "WorkReportComment",
            Self::Attachment => "Attachment",
            Self::Callback => "Callback",
            Self::CallbackRule => "CallbackRule",
            Self::Ticket => "Ticket",
            Self::Campaign => "Campaign",
            Self::Webhook => "Webhook",
            Self::WebhookDelivery => "WebhookDelivery",
            Self::ServiceAccount => "ServiceAccount",
            Self::ApiKey => "ApiKey",
            Self::Export => "Export",
            Self::ImportJob => "ImportJob",
            Self::Merge => "Merge",
            Self::RecycledRecord => "RecycledRecord",
        }
    }

    /// The type whose GraphQL name is `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

pub fn encode_id(kind: NodeType, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Any global id: its type and uuid, or `None` if it is not one of ours.
pub fn decode_any(id: &str) -> Option<(NodeType, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let (kind, uuid) = text.split_once(':')?;
    Some((NodeType::parse(kind)?, Uuid::parse_str(uuid).ok()?))
}

/// An optional global id that must be of `kind` when given.
pub fn decode_optional(id: Option<&ID>, kind: NodeType, field: &str) -> AppResult<Option<Uuid>> {
    id.map(|id| decode_id(id, kind, field)).transpose()
}

/// A global id that must be of `kind`, or the bare UUID of a record of `kind` (the `clientId`
/// it was created with, so a phone can name what it created offline before it learns the
/// record's id); `BAD_USER_INPUT` on `field` otherwise.
pub fn decode_id(id: &ID, kind: NodeType, field: &str) -> AppResult<Uuid> {
    if id.len() == 36
        && let Ok(uuid) = Uuid::parse_str(id)
    {
        return Ok(uuid);
    }
    match decode_any(id) {
        Some((found, uuid)) if found == kind => Ok(uuid),
        _ => Err(AppError::bad_input(
            field,
            format!("Not a {} id", kind.name()),
        )),
    }
}

/// How far back a `clientId`'s time may lie: a record planned offline up to this long ago.
const CLIENT_ID_MAX_AGE_DAYS: i64 = 30;
/// How far ahead of the server's clock a `clientId`'s time may lie (a phone's clock drifts).
const CLIENT_ID_MAX_AHEAD_HOURS: i64 = 24;

/// A client-generated id for a record to create (`input.clientId`): a UUIDv7 whose time lies
/// within the last 30 days and the next 24 hours, so lists in creation order stay in order.
/// Errors: `BAD_USER_INPUT` on `input.clientId`.
pub fn client_id(id: Option<&ID>, now: chrono::DateTime<chrono::Utc>) -> AppResult<Option<Uuid>> {
    let Some(id) = id else { return Ok(None) };
    let bad = || {
        AppError::bad_input(
            "input.clientId",
            "A client id is a UUIDv7 generated within the last 30 days",
        )
    };
    let uuid = Uuid::parse_str(id).map_err(|_| bad())?;
    let (secs, _) = uuid
        .get_timestamp()
        .filter(|_| uuid.get_version_num() == 7)
        .ok_or_else(bad)?
        .to_unix();
    let at = chrono::DateTime::from_timestamp(i64::try_from(secs).map_err(|_| bad())?, 0)
        .ok_or_else(bad)?;
    let earliest = now - chrono::Duration::days(CLIENT_ID_MAX_AGE_DAYS);
    let latest = now + chrono::Duration::hours(CLIENT_ID_MAX_AHEAD_HOURS);
    if at < earliest || at > latest {
        return Err(bad());
    }
    Ok(Some(uuid))
}

/// The idempotency key of a create: the client's, else one made of its `clientId`, so that a
/// retried create with a client id is answered once whether or not it carries a key.
pub fn create_key(idempotency_key: Option<String>, client_id: Option<Uuid>) -> Option<String> {
    idempotency_key.or_else(|| client_id.map(|id| format!("clientId:{id}")))
}

/// The id of a record to create: the client's, else a new UUIDv7.
pub fn new_id(client_id: Option<Uuid>) -> Uuid {
    client_id.unwrap_or_else(Uuid::now_v7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let uuid = Uuid::now_v7();
        let id = encode_id(NodeType::Team, uuid);
        assert_eq!(decode_any(&id), Some((NodeType::Team, uuid)));
        assert_eq!(decode_id(&id, NodeType::Team, "f").unwrap(), uuid);
        assert!(decode_id(&id, NodeType::User, "input.id").is_err());
        assert_eq!(decode_any("garbage"), None);
        let bare = ID(uuid.to_string());
        assert_eq!(decode_id(&bare, NodeType::Customer, "f").unwrap(), uuid);
    }

    #[test]
    fn a_client_id_is_a_recent_uuid_v7() {
        let now = chrono::Utc::now();
        let fresh = Uuid::now_v7();
        assert_eq!(
            client_id(Some(&ID(fresh.to_string())), now).unwrap(),
            Some(fresh)
        );
        assert_eq!(client_id(None, now).unwrap(), None);
        let v4 = ID("f47ac10b-58cc-4372-a567-0e02b2c3d479".into());
        let old = ID(Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            1_000_000_000,
            0,
        ))
        .to_string());
        let future = now + chrono::Duration::days(3);
        let ahead = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            future.timestamp() as u64,
            0,
        ));
        for bad in [
            v4,
            old,
            ID(ahead.to_string()),
            ID("not-a-uuid".into()),
            ID(String::new()),
        ] {
            let err = client_id(Some(&bad), now).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("input.clientId"), "{bad:?}");
        }
    }
}
