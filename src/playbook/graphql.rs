//! Resolvers of the stage playbook: ticking and unticking a deal's checklist items.

use async_graphql::{Context, Object};

use super::ticks;
use super::types::{
    CompleteChecklistItemInput, CompleteChecklistItemPayload, UncompleteChecklistItemInput,
    UncompleteChecklistItemPayload,
};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::ids::{NodeType, decode_id};

/// The playbook's mutations.
#[derive(Default)]
pub struct PlaybookMutation;

#[Object]
impl PlaybookMutation {
    /// Ticks a `MANUAL` exit criterion of a deal's current stage (again: keeps the first tick).
    #[graphql(guard = "SignedIn")]
    async fn complete_checklist_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CompleteChecklistItemInput`.")]
        input: CompleteChecklistItemInput,
    ) -> async_graphql::Result<CompleteChecklistItemPayload> {
        let viewer = ctx.viewer()?;
        let deal = decode_id(
            &input.opportunity_id,
            NodeType::Opportunity,
            "input.opportunityId",
        )?;
        let item = decode_id(&input.item_id, NodeType::ExitCriterion, "input.itemId")?;
        let deal = ticks::complete(ctx.app(), viewer, deal, item, input.note).await?;
        Ok(CompleteChecklistItemPayload {
            opportunity: deal.into(),
        })
    }

    /// Removes the tick of a `MANUAL` exit criterion of a deal's current stage.
    #[graphql(guard = "SignedIn")]
    async fn uncomplete_checklist_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UncompleteChecklistItemInput`.")]
        input: UncompleteChecklistItemInput,
    ) -> async_graphql::Result<UncompleteChecklistItemPayload> {
        let viewer = ctx.viewer()?;
        let deal = decode_id(
            &input.opportunity_id,
            NodeType::Opportunity,
            "input.opportunityId",
        )?;
        let item = decode_id(&input.item_id, NodeType::ExitCriterion, "input.itemId")?;
        let deal = ticks::uncomplete(ctx.app(), viewer, deal, item).await?;
        Ok(UncompleteChecklistItemPayload {
            opportunity: deal.into(),
        })
    }
}
