//! Global object identification: opaque ids (`base64url("Type:uuid")`) and `node`/`nodes`.

use async_graphql::{ID, Interface};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::analytics::types::SalesTarget;
use crate::approvals::types::ApprovalRequest;
use crate::billing::types::{Installment, Invoice, Payment, Waiver};
use crate::contracts::types::Contract;
use crate::customers::types::{Contact, Customer};
use crate::error::{AppError, AppResult};
use crate::followups::types::FollowUp;
use crate::leads::types::Lead;
use crate::notifications::graphql::Notification;
use crate::opportunities::types::{Opportunity, PipelineStage};
use crate::users::types::{Team, User};
use crate::visits::types::VisitTask;

/// Every object a client can refetch by id.
// A node lives for one response; boxing the variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "&ID", desc = "Opaque, globally unique identifier."))]
pub enum Node {
    User(User),
    Team(Team),
    Customer(Customer),
    Contact(Contact),
    Lead(Lead),
    FollowUp(FollowUp),
    Notification(Notification),
    Opportunity(Opportunity),
    PipelineStage(PipelineStage),
    VisitTask(VisitTask),
    Contract(Contract),
    ApprovalRequest(ApprovalRequest),
    Installment(Installment),
    Invoice(Invoice),
    Payment(Payment),
    Waiver(Waiver),
    SalesTarget(SalesTarget),
}

/// The object types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

impl NodeType {
    const ALL: [NodeType; 17] = [
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
    ];

    fn name(self) -> &'static str {
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
        }
    }

    fn parse(name: &str) -> Option<Self> {
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

/// A global id that must be of `kind`; `BAD_USER_INPUT` on `field` otherwise.
pub fn decode_id(id: &ID, kind: NodeType, field: &str) -> AppResult<Uuid> {
    match decode_any(id) {
        Some((found, uuid)) if found == kind => Ok(uuid),
        _ => Err(AppError::bad_input(
            field,
            format!("Not a {} id", kind.name()),
        )),
    }
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
    }
}
