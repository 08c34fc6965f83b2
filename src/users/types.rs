//! GraphQL types of users and teams.

use crate::graphql::scalars::Instant;
use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, SimpleObject};

use super::loaders::{TeamLoader, UserLoader};
use crate::graphql::context::ContextExt;
use crate::identity::Role;
use crate::ids::{NodeType, encode_id};
use entity::{team, user};

/// The columns each field of [`User`] reads (see [`crate::columns`]).
pub const USER_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("email", &["email", "team_id"]),
            ("displayName", &["display_name"]),
            ("role", &["role"]),
            ("timezone", &["timezone"]),
            ("active", &["active"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("team", &["team_id"]),
        ],
    };

/// A person who signs in: a rep, a manager, finance staff or an admin.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct User {
    /// Opaque, globally unique identifier.
    pub id: ID,
    #[graphql(skip)]
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// IANA time zone that defines the user's "today".
    pub timezone: String,
    /// False once deactivated: the user can no longer sign in.
    pub active: bool,
    /// When the user was created.
    pub created_at: Instant,
    /// When the user last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub team_id: Option<uuid::Uuid>,
    #[graphql(skip)]
    pub user_id: uuid::Uuid,
    /// Whether the contact details are the caller's own (sign-in payloads), whoever asks.
    #[graphql(skip)]
    pub own: bool,
}

#[ComplexObject]
impl User {
    /// Sign-in e-mail, lower-cased; null unless you are this user, on their team, their
    /// manager (or they are yours), finance or an admin.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        let reveal = self.own
            || ctx
                .data_opt::<crate::identity::Viewer>()
                .is_some_and(|viewer| {
                    crate::policy::can_see_contact(viewer, self.user_id, self.team_id)
                });
        reveal.then_some(self.email.as_str())
    }

    /// The team the user belongs to, if any.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        let Some(team_id) = self.team_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<TeamLoader>()?;
        Ok(loader.load_one(team_id).await?.map(Team::from))
    }
}

impl From<user::Model> for User {
    fn from(model: user::Model) -> Self {
        Self {
            id: encode_id(NodeType::User, model.id),
            role: Role::parse(&model.role).unwrap_or(Role::SalesRep),
            email: model.email,
            display_name: model.display_name,
            timezone: model.timezone,
            active: model.active,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            team_id: model.team_id,
            user_id: model.id,
            own: false,
        }
    }
}

impl User {
    /// The signed-in user themself, as sign-in payloads return them.
    pub fn own(model: user::Model) -> Self {
        Self {
            own: true,
            ..Self::from(model)
        }
    }
}

/// A sales team with its manager.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Team {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Team name, unique ignoring case and spacing.
    pub name: String,
    /// Sales region the team covers.
    pub region: Option<String>,
    /// When the team was created.
    pub created_at: Instant,
    /// When the team last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub manager_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl Team {
    /// The manager who leads the team.
    async fn manager(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(manager_id) = self.manager_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<UserLoader>()?;
        Ok(loader.load_one(manager_id).await?.map(User::from))
    }
}

impl From<team::Model> for Team {
    fn from(model: team::Model) -> Self {
        Self {
            id: encode_id(NodeType::Team, model.id),
            name: model.name,
            region: model.region,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            manager_id: model.manager_id,
        }
    }
}

/// A new user account.
#[derive(InputObject, Debug)]
pub struct CreateUserInput {
    /// Sign-in e-mail; unique regardless of case.
    pub email: String,
    /// Name shown to colleagues (1–100 characters).
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// Initial password (10–128 characters).
    pub password: String,
    /// Team the user belongs to.
    pub team_id: Option<ID>,
    /// IANA time zone; the server default when omitted.
    pub timezone: Option<String>,
    /// Retry key: the same key and input return the first result without a new user.
    pub idempotency_key: Option<String>,
}

/// Changes to a user; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateUserInput {
    /// The user to change.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New display name.
    pub display_name: Option<String>,
    /// New role; revokes the user's current access tokens.
    pub role: Option<Role>,
    /// New team; `null` removes the user from their team.
    pub team_id: MaybeUndefined<ID>,
    /// False deactivates the user and ends all their sessions; true reactivates.
    pub active: Option<bool>,
    /// New IANA time zone.
    pub timezone: Option<String>,
}

/// Filters for `users`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct UserFilter {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Only members of this team.
    pub team_id: Option<ID>,
    /// Only active (true) or deactivated (false) users.
    pub active: Option<bool>,
    /// Text contained in the e-mail or display name, ignoring case.
    pub search: Option<String>,
}

/// A new team.
#[derive(InputObject, Debug)]
pub struct CreateTeamInput {
    /// Team name, unique ignoring case and spacing.
    pub name: String,
    /// Sales region the team covers.
    pub region: Option<String>,
    /// An active `SALES_MANAGER` who leads the team.
    pub manager_id: Option<ID>,
    /// Retry key: the same key and input return the first result without a new team.
    pub idempotency_key: Option<String>,
}

/// Changes to a team; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateTeamInput {
    /// The team to change.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New region; `null` clears it.
    pub region: MaybeUndefined<String>,
    /// New manager; `null` leaves the team without one.
    pub manager_id: MaybeUndefined<ID>,
}

crate::connection_types!(UserConnection, UserEdge, User);
crate::connection_types!(TeamConnection, TeamEdge, Team);

/// Result of `createUser`.
#[derive(SimpleObject, Debug)]
pub struct CreateUserPayload {
    /// The created user (or the one created by the first call with the same idempotency key).
    pub user: User,
}

/// Result of `updateUser`.
#[derive(SimpleObject, Debug)]
pub struct UpdateUserPayload {
    /// The user after the change.
    pub user: User,
}

/// Result of `createTeam`.
#[derive(SimpleObject, Debug)]
pub struct CreateTeamPayload {
    /// The created team.
    pub team: Team,
}

/// Result of `updateTeam`.
#[derive(SimpleObject, Debug)]
pub struct UpdateTeamPayload {
    /// The team after the change.
    pub team: Team,
}

crate::payload_from_model! {
    UpdateUserPayload { user } <- entity::user::Model;
    UpdateTeamPayload { team } <- entity::team::Model;
}
