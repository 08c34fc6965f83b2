//! The resolver of hand-overs.

use async_graphql::{Context, Object};

use super::ownership_transfer::{self, Coverage};
use super::transfer_types::{TransferOwnershipInput, TransferOwnershipPayload};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::ids::{NodeType, decode_id};

/// The hand-over mutation.
#[derive(Default)]
pub struct TransferMutation;

#[Object]
impl TransferMutation {
    /// Hands one person's open leads, customers, open deals, live contracts and planned visits, open activities
    /// to another in one transaction (managers within their teams, admins for all).
    #[graphql(guard = "SignedIn")]
    async fn transfer_ownership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `TransferOwnershipInput`.")]
        input: TransferOwnershipInput,
    ) -> async_graphql::Result<TransferOwnershipPayload> {
        let viewer = ctx.viewer()?;
        let from = decode_id(&input.from_user_id, NodeType::User, "input.fromUserId")?;
        let to = decode_id(&input.to_user_id, NodeType::User, "input.toUserId")?;
        let coverage = input.scope.map_or(
            Coverage {
                leads: true,
                customers: true,
                opportunities: true,
                contracts: true,
                visits: true,
                activities: true,
            },
            |s| Coverage {
                leads: s.leads,
                customers: s.customers,
                opportunities: s.opportunities,
                contracts: s.contracts,
                visits: s.visits,
                activities: s.activities,
            },
        );
        let done = ownership_transfer::transfer(
            ctx.app(),
            viewer,
            from,
            to,
            coverage,
            input.include_closed,
            input.idempotency_key,
        )
        .await?;
        Ok(TransferOwnershipPayload {
            transfer: done.into(),
        })
    }
}
