//! Resolvers for signing in and out.

use crate::graphql::scalars::Instant;
use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::service::{self, Session};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::users::types::User;

/// Credentials for `login`.
#[derive(InputObject, Debug)]
pub struct LoginInput {
    /// The account's e-mail (any case).
    pub email: String,
    /// The account's password.
    #[graphql(secret)]
    pub password: String,
}

/// A refresh token to exchange.
#[derive(InputObject, Debug)]
pub struct RefreshTokenInput {
    /// The refresh token from the last `login`, `refreshToken` or `changePassword`.
    #[graphql(secret)]
    pub refresh_token: String,
}

/// The session to end.
#[derive(InputObject, Debug)]
pub struct LogoutInput {
    /// The refresh token of the session to end.
    #[graphql(secret)]
    pub refresh_token: String,
}

/// A password change.
#[derive(InputObject, Debug)]
pub struct ChangePasswordInput {
    /// The password in use now.
    #[graphql(secret)]
    pub current_password: String,
    /// The new password (10–128 characters).
    #[graphql(secret)]
    pub new_password: String,
}

/// The payload types of the mutations that start a session: one type per mutation (so a
/// client may select differently from each and a later field need not appear on all), the same
/// fields on each.
macro_rules! session_payload {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject, Debug)]
        pub struct $name {
            /// Bearer token for `Authorization: Bearer …` and the WebSocket `connection_init`
            /// payload.
            pub access_token: String,
            /// When the access token stops working; refresh before then.
            pub access_token_expires_at: Instant,
            /// One-time token for `refreshToken`; keep it secret.
            pub refresh_token: String,
            /// The signed-in user.
            pub user: User,
        }

        impl From<Session> for $name {
            fn from(session: Session) -> Self {
                Self {
                    access_token: session.access_token,
                    access_token_expires_at: session.access_token_expires_at.into(),
                    refresh_token: session.refresh_token,
                    user: crate::users::types::User::own(session.user),
                }
            }
        }
    };
}

session_payload!(LoginPayload, "Result of `login`: a new session.");
session_payload!(
    RefreshTokenPayload,
    "Result of `refreshToken`: the session's next access and refresh tokens."
);
session_payload!(
    ChangePasswordPayload,
    "Result of `changePassword`: a new session (every other one has ended)."
);

/// Result of `logout`.
#[derive(SimpleObject, Debug)]
pub struct LogoutPayload {
    /// Always true: the session, if it existed, has ended.
    pub success: bool,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with e-mail and password.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `LoginInput`.")] input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        let session =
            service::login(ctx.app(), &input.email, &input.password, ctx.client_addr()).await?;
        Ok(session.into())
    }

    /// Exchanges a refresh token for a new access token and a new refresh token.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RefreshTokenInput`.")]
        input: RefreshTokenInput,
    ) -> async_graphql::Result<RefreshTokenPayload> {
        Ok(service::refresh(ctx.app(), &input.refresh_token)
            .await?
            .into())
    }

    /// Ends the session a refresh token belongs to.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `LogoutInput`.")] input: LogoutInput,
    ) -> async_graphql::Result<LogoutPayload> {
        service::logout(ctx.app(), &input.refresh_token).await?;
        Ok(LogoutPayload { success: true })
    }

    /// Changes the signed-in user's password, ends every other session and returns a new one.
    #[graphql(guard = "SignedIn")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ChangePasswordInput`.")]
        input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        let viewer = ctx.viewer()?;
        let session = service::change_password(
            ctx.app(),
            viewer,
            &input.current_password,
            &input.new_password,
            ctx.client_addr(),
        )
        .await?;
        Ok(session.into())
    }
}
