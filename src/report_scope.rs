//! Whose deals a report counts: forecasts, funnels, velocity and team performance all take
//! the same scope, resolved the same way from what the request names.

use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;

/// Whose credit a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One user's credited shares.
    User(Uuid),
    /// The credited shares of a team's members.
    Team(Uuid),
    /// Every visible deal in full.
    Company,
}

/// How widely a report request looks before it names anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breadth {
    /// The viewer (or the user the request names).
    Me,
    /// A team: the one named, else the one the viewer manages or belongs to.
    Team,
    /// Everything the viewer may see.
    Company,
}

impl Scope {
    /// The scope a request asks for: a named user wins over the breadth; a team breadth without
    /// a named team means the first team the viewer manages, else the viewer's own. Errors:
    /// `BAD_USER_INPUT` on `input.teamId` when there is no such team.
    pub fn resolve(
        viewer: &Viewer,
        breadth: Breadth,
        team_id: Option<Uuid>,
        user_id: Option<Uuid>,
    ) -> AppResult<Self> {
        Ok(match (user_id, breadth) {
            (Some(user), _) => Self::User(user),
            (None, Breadth::Me) => Self::User(viewer.user_id),
            (None, Breadth::Company) => Self::Company,
            (None, Breadth::Team) => Self::Team(
                team_id
                    .or_else(|| viewer.managed_team_ids.first().copied())
                    .or(viewer.team_id)
                    .ok_or_else(|| {
                        AppError::bad_input("input.teamId", "Name the team to report on")
                    })?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    fn viewer(team: Option<Uuid>, managed: Vec<Uuid>) -> Viewer {
        Viewer {
            user_id: Uuid::now_v7(),
            role: Role::SalesManager,
            team_id: team,
            managed_team_ids: managed,
            team_manager_id: None,
            timezone: chrono_tz::UTC,
            service: None,
        }
    }

    #[test]
    fn a_named_user_wins_over_the_breadth() {
        let me = viewer(None, vec![]);
        let other = Uuid::now_v7();
        for breadth in [Breadth::Me, Breadth::Team, Breadth::Company] {
            assert_eq!(
                Scope::resolve(&me, breadth, None, Some(other)).ok(),
                Some(Scope::User(other))
            );
        }
    }

    #[test]
    fn a_team_defaults_to_the_managed_one_then_the_own_one() {
        let (own, managed, named) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let manager = viewer(Some(own), vec![managed]);
        let member = viewer(Some(own), vec![]);
        let loner = viewer(None, vec![]);
        assert_eq!(
            Scope::resolve(&manager, Breadth::Team, Some(named), None).ok(),
            Some(Scope::Team(named))
        );
        assert_eq!(
            Scope::resolve(&manager, Breadth::Team, None, None).ok(),
            Some(Scope::Team(managed))
        );
        assert_eq!(
            Scope::resolve(&member, Breadth::Team, None, None).ok(),
            Some(Scope::Team(own))
        );
        let refused = Scope::resolve(&loner, Breadth::Team, None, None).err();
        assert_eq!(
            refused.and_then(|e| e.field),
            Some("input.teamId".to_owned())
        );
        assert_eq!(
            Scope::resolve(&loner, Breadth::Me, None, None).ok(),
            Some(Scope::User(loner.user_id))
        );
    }
}
