//! Global ids: every object a client can refetch has an opaque id, `base64url("Type:uuid")`.
//! Services take and give these ids through here; the GraphQL `Node` interface that resolves
//! them lives in `graphql::node`.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

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
