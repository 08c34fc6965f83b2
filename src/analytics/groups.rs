//! Sellers' figures rolled up by seller, team or region: the grouping `salesPerformance` and
//! `activityReport` share.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use entity::{team, user};

/// How to group a report of sellers' figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    User,
    Team,
    Region,
}

/// Whose figures a group holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum GroupKey {
    User(Uuid),
    /// `None`: sellers without a team.
    Team(Option<Uuid>),
    /// `None`: sellers without a region.
    Region(Option<String>),
}

impl GroupKey {
    /// Whose targets the group's are; `None` for sellers without a team or region.
    pub(super) fn subject(&self) -> Option<super::targets::Subject> {
        use super::targets::Subject;
        match self {
            Self::User(id) => Some(Subject::User(*id)),
            Self::Team(team) => team.map(Subject::Team),
            Self::Region(region) => region.clone().map(Subject::Region),
        }
    }
}

/// One group: its key, id (a user's or team's), name, and its sellers' figures folded.
pub(super) struct Group<A> {
    pub(super) key: GroupKey,
    pub(super) id: Option<Uuid>,
    pub(super) name: Option<String>,
    pub(super) acc: A,
}

/// Folds each seller's figures into their group with `add`, groups in a stable order (sellers
/// as given; teams and regions by key).
pub(super) fn group<A: Default>(
    group_by: GroupBy,
    sellers: &[user::Model],
    teams: &HashMap<Uuid, team::Model>,
    mut add: impl FnMut(&mut A, Uuid),
) -> Vec<Group<A>> {
    match group_by {
        GroupBy::User => sellers
            .iter()
            .map(|u| {
                let mut acc = A::default();
                add(&mut acc, u.id);
                Group {
                    key: GroupKey::User(u.id),
                    id: Some(u.id),
                    name: Some(u.display_name.clone()),
                    acc,
                }
            })
            .collect(),
        GroupBy::Team => {
            let mut groups: BTreeMap<Option<Uuid>, A> = BTreeMap::new();
            for u in sellers {
                add(groups.entry(u.team_id).or_default(), u.id);
            }
            groups
                .into_iter()
                .map(|(team_id, acc)| Group {
                    key: GroupKey::Team(team_id),
                    id: team_id,
                    name: team_id.and_then(|t| teams.get(&t)).map(|t| t.name.clone()),
                    acc,
                })
                .collect()
        }
        GroupBy::Region => {
            let mut groups: BTreeMap<Option<String>, A> = BTreeMap::new();
            for u in sellers {
                let region = u
                    .team_id
                    .and_then(|t| teams.get(&t))
                    .and_then(|t| t.region.clone());
                add(groups.entry(region).or_default(), u.id);
            }
            groups
                .into_iter()
                .map(|(region, acc)| Group {
                    key: GroupKey::Region(region.clone()),
                    id: None,
                    name: region,
                    acc,
                })
                .collect()
        }
    }
}
