//! The report scope of a GraphQL request: the ids it names decoded, then resolved by
//! [`crate::report_scope::Scope::resolve`].

use async_graphql::ID;

use crate::error::AppResult;
use crate::identity::Viewer;
use crate::ids::{NodeType, decode_optional};
use crate::report_scope::{Breadth, Scope};

/// Whose deals a report counts: `userId` when named, else the breadth asked for (a `teamId` is
/// read only for a team breadth). Errors: `BAD_USER_INPUT` on `input.userId` or `input.teamId`.
pub fn report_scope(
    viewer: &Viewer,
    breadth: impl Into<Breadth>,
    team_id: Option<ID>,
    user_id: Option<ID>,
) -> AppResult<Scope> {
    let breadth = breadth.into();
    let user = decode_optional(user_id.as_ref(), NodeType::User, "input.userId")?;
    let team = match (user, breadth) {
        (None, Breadth::Team) => decode_optional(team_id.as_ref(), NodeType::Team, "input.teamId")?,
        _ => None,
    };
    Scope::resolve(viewer, breadth, team, user)
}
