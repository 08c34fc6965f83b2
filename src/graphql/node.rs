//! Global object identification: opaque ids (`base64url("Type:uuid")`) and `node`/`nodes`.

use async_graphql::{ID, Interface};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::users::types::{Team, User};

/// Every object a client can refetch by id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "&ID", desc = "Opaque, globally unique identifier."))]
pub enum Node {
    User(User),
    Team(Team),
}

/// The object types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    User,
    Team,
}

impl NodeType {
    fn name(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Team => "Team",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "User" => Some(Self::User),
            "Team" => Some(Self::Team),
            _ => None,
        }
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
