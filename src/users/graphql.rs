//! Resolvers for users and teams.

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};

use super::service::{self, NewTeam, NewUser, TeamChanges, UserChanges};
use super::types::{
    CreateTeamInput, CreateTeamPayload, CreateUserInput, CreateUserPayload, Team, TeamConnection,
    UpdateTeamInput, UpdateTeamPayload, UpdateUserInput, UpdateUserPayload, User, UserConnection,
    UserFilter,
};
use crate::error::AppError;
use crate::events::EventKind;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id};

fn maybe_id(
    value: async_graphql::MaybeUndefined<ID>,
    kind: NodeType,
    field: &str,
) -> async_graphql::Result<Option<Option<uuid::Uuid>>> {
    Ok(match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(id) => Some(Some(decode_id(&id, kind, field)?)),
    })
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    #[graphql(guard = "SignedIn")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let viewer = ctx.viewer()?;
        Ok(service::get_user(&ctx.app().db, viewer, viewer.user_id)
            .await?
            .into())
    }

    /// One colleague by id (name, team and role for everyone; e-mail and phone as the directory
    /// allows); `null` with a `NOT_FOUND` error when missing.
    #[graphql(guard = "SignedIn")]
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
    ) -> async_graphql::Result<Option<User>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::User, "id")?;
            Ok(service::get_user(&ctx.app().db, viewer, id).await?.into())
        })
        .await
    }

    /// All users, oldest first (admin).
    #[graphql(
        guard = "ADMIN",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only users matching this filter.")] filter: Option<UserFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<UserConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let filter = filter.unwrap_or_default();
        let filter = service::UserFilter {
            role: filter.role,
            team_id: filter
                .team_id
                .map(|id| decode_id(&id, NodeType::Team, "filter.teamId"))
                .transpose()?,
            active: filter.active,
            search: filter.search,
        };
        let page = service::list_users(&ctx.app().db, viewer, filter, &page).await?;
        Ok(UserConnection::from_page(page, User::from))
    }

    /// All teams, oldest first (admin).
    #[graphql(
        guard = "ADMIN",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn teams(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<TeamConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let page = service::list_teams(&ctx.app().db, viewer, &page).await?;
        Ok(TeamConnection::from_page(page, Team::from))
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a user (admin).
    #[graphql(guard = "ADMIN")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateUserInput`.")] input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let viewer = ctx.viewer()?;
        let team_id = input
            .team_id
            .map(|id| decode_id(&id, NodeType::Team, "input.teamId"))
            .transpose()?;
        let new = NewUser {
            email: input.email,
            display_name: input.display_name,
            role: input.role,
            password: input.password,
            team_id,
            timezone: input.timezone,
        };
        let user = service::create_user(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(CreateUserPayload {
            user: user.into_inner().into(),
        })
    }

    /// Changes a user's profile, role, team or activity (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateUserInput`.")] input: UpdateUserInput,
    ) -> async_graphql::Result<UpdateUserPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::User, "input.id")?;
        let changes = UserChanges {
            display_name: input.display_name,
            role: input.role,
            team_id: maybe_id(input.team_id, NodeType::Team, "input.teamId")?,
            active: input.active,
            timezone: input.timezone,
        };
        let changed =
            service::update_user(ctx.app(), viewer, id, input.expected_version, changes).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_user(db, viewer, id).await,
        )
        .await
    }

    /// Creates a team (admin).
    #[graphql(guard = "ADMIN")]
    async fn create_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateTeamInput`.")] input: CreateTeamInput,
    ) -> async_graphql::Result<CreateTeamPayload> {
        let viewer = ctx.viewer()?;
        let manager_id = input
            .manager_id
            .map(|id| decode_id(&id, NodeType::User, "input.managerId"))
            .transpose()?;
        let new = NewTeam {
            name: input.name,
            region: input.region,
            manager_id,
        };
        let team = service::create_team(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(CreateTeamPayload { team: team.into() })
    }

    /// Renames a team, changes its region or manager (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateTeamInput`.")] input: UpdateTeamInput,
    ) -> async_graphql::Result<UpdateTeamPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Team, "input.id")?;
        let changes = TeamChanges {
            name: input.name,
            region: match input.region {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(region) => Some(Some(region)),
            },
            manager_id: maybe_id(input.manager_id, NodeType::User, "input.managerId")?,
        };
        let changed =
            service::update_team(ctx.app(), viewer, id, input.expected_version, changes).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_team(db, viewer, id).await,
        )
        .await
    }
}

/// What happened to the account.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AccountEventKind {
    /// Profile, role or team changed; a role change requires refreshing the access token.
    Updated,
    /// The account was deactivated; every session has ended.
    Deactivated,
}

/// A change to the signed-in user's own account.
#[derive(SimpleObject, Debug)]
pub struct AccountEvent {
    /// What happened.
    pub kind: AccountEventKind,
    /// The account as it is now.
    pub user: User,
}

#[derive(Default)]
pub struct UserSubscription;

#[Subscription]
impl UserSubscription {
    /// Changes an admin makes to the signed-in user's own account, so a phone can react to a new
    /// role or to being signed out.
    #[graphql(guard = "SignedIn")]
    async fn my_account_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<AccountEvent>>> {
        let viewer = ctx.viewer()?.clone();
        let app = ctx.app().clone();
        let events = app.events.subscribe();
        Ok(events
            .filter(move |event| {
                let mine =
                    event.kind == EventKind::UserUpdated && event.subject_id == viewer.user_id;
                async move { mine }
            })
            .then(move |event| {
                let app = app.clone();
                async move {
                    // Re-read the row: events carry ids only.
                    let user = service::users_by_ids(&app.db, &[event.subject_id])
                        .await?
                        .into_iter()
                        .next()
                        .ok_or_else(|| AppError::not_found("User"))?;
                    let kind = if user.active {
                        AccountEventKind::Updated
                    } else {
                        AccountEventKind::Deactivated
                    };
                    Ok(AccountEvent {
                        kind,
                        user: user.into(),
                    })
                }
            }))
    }
}
