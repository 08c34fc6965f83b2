//! Resolver for logging follow-ups.

use async_graphql::{Context, Object, SimpleObject};

use super::service::{self, NewFollowUp, Subject};
use super::types::{FollowUp, LogFollowUpInput};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::ids::{NodeType, decode_any};

/// Result of `logFollowUp`.
#[derive(SimpleObject, Debug)]
pub struct LogFollowUpPayload {
    /// The logged follow-up (or the one logged by the first call with the same key).
    pub follow_up: FollowUp,
    /// The activity its `nextFollowUpAt` scheduled for you; null without one.
    pub next_activity: Option<crate::activities::types::Activity>,
}

#[derive(Default)]
pub struct FollowUpMutation;

#[Object]
impl FollowUpMutation {
    /// Logs a call, visit, e-mail, meeting or note on a lead, customer or opportunity.
    #[graphql(guard = "SignedIn")]
    async fn log_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `LogFollowUpInput`.")] input: LogFollowUpInput,
    ) -> async_graphql::Result<LogFollowUpPayload> {
        let viewer = ctx.viewer()?;
        let subject = match decode_any(&input.subject_id) {
            Some((NodeType::Lead, id)) => Subject::Lead(id),
            Some((NodeType::Customer, id)) => Subject::Customer(id),
            Some((NodeType::Opportunity, id)) => Subject::Opportunity(id),
            _ => {
                return Err(AppError::bad_input(
                    "input.subjectId",
                    "Not a lead, customer or opportunity id",
                )
                .into());
            }
        };
        let new = NewFollowUp {
            subject,
            kind: input.kind,
            content: input.content,
            occurred_at: input.occurred_at.map(Into::into),
            next_follow_up_at: input.next_follow_up_at.map(Into::into),
            client_id: crate::ids::client_id(input.client_id.as_ref(), ctx.app().clock.now())?,
        };
        let follow_up = service::log_follow_up(ctx.app(), viewer, new, input.idempotency_key)
            .await
            .map_err(|e| e.naming("input.subjectId"))?;
        let next_activity =
            crate::activities::service::of_follow_up(&ctx.app().db, follow_up.id).await?;
        Ok(LogFollowUpPayload {
            follow_up: follow_up.into(),
            next_activity: next_activity.map(Into::into),
        })
    }
}
