//! Visibility: which rows a viewer may see. Every list, by-id read, nested field, count and
//! subscription asks this module, so "records outside your visibility do not exist" holds
//! everywhere. Domains add their rules here as they arrive.

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::auth::viewer::{Role, Viewer};

/// Users: admins see everyone, managers their teams' members and themselves, others themselves.
pub fn users(viewer: &Viewer) -> Condition {
    use entity::user::Column;
    match viewer.role {
        Role::Admin => Condition::all(),
        Role::SalesManager => Condition::any()
            .add(Column::Id.eq(viewer.user_id))
            .add(Column::TeamId.is_in(viewer.managed_team_ids.clone())),
        Role::SalesRep | Role::Finance => Condition::all().add(Column::Id.eq(viewer.user_id)),
    }
}

/// Teams: admins see all; others the team they belong to and the teams they manage.
pub fn teams(viewer: &Viewer) -> Condition {
    use entity::team::Column;
    match viewer.role {
        Role::Admin => Condition::all(),
        _ => {
            let mut ids: Vec<Uuid> = viewer.managed_team_ids.clone();
            ids.extend(viewer.team_id);
            Condition::all().add(Column::Id.is_in(ids))
        }
    }
}

/// Whether `viewer` may see a user with this id and team (the same rule as [`users`]).
pub fn can_see_user(viewer: &Viewer, user_id: Uuid, team_id: Option<Uuid>) -> bool {
    match viewer.role {
        Role::Admin => true,
        Role::SalesManager => user_id == viewer.user_id || viewer.manages(team_id),
        Role::SalesRep | Role::Finance => user_id == viewer.user_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, team: Option<Uuid>, managed: Vec<Uuid>) -> Viewer {
        Viewer {
            user_id: Uuid::now_v7(),
            role,
            team_id: team,
            managed_team_ids: managed,
            timezone: chrono_tz::UTC,
        }
    }

    #[test]
    fn a_manager_sees_members_of_managed_teams_only() {
        let team = Uuid::now_v7();
        let other = Uuid::now_v7();
        let manager = viewer(Role::SalesManager, None, vec![team]);
        assert!(can_see_user(&manager, Uuid::now_v7(), Some(team)));
        assert!(!can_see_user(&manager, Uuid::now_v7(), Some(other)));
        assert!(!can_see_user(&manager, Uuid::now_v7(), None));
        assert!(can_see_user(&manager, manager.user_id, None));
    }

    #[test]
    fn reps_and_finance_see_themselves_and_admins_everyone() {
        let team = Uuid::now_v7();
        for role in [Role::SalesRep, Role::Finance] {
            let v = viewer(role, Some(team), vec![]);
            assert!(can_see_user(&v, v.user_id, Some(team)));
            assert!(!can_see_user(&v, Uuid::now_v7(), Some(team)));
        }
        let admin = viewer(Role::Admin, None, vec![]);
        assert!(can_see_user(&admin, Uuid::now_v7(), None));
    }
}
