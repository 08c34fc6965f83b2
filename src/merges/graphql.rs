//! The resolvers of merges.

use async_graphql::{Context, Object};

use super::service;
use super::types::{
    Merge, MergeCustomersInput, MergeCustomersPayload, UndoMergeInput, UndoMergePayload,
};
use crate::graphql::context::ContextExt;
use crate::ids::{NodeType, decode_id};

#[derive(Default)]
pub struct MergeMutation;

#[Object]
impl MergeMutation {
    /// Merges duplicate customers into one, in one step: the survivor takes the chosen fields,
    /// everything linked to the others moves to it, their ids answer with it; audited, and
    /// undoable for a while (`undoMerge`).
    async fn merge_customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `MergeCustomersInput`.")]
        input: MergeCustomersInput,
    ) -> async_graphql::Result<MergeCustomersPayload> {
        let viewer = ctx.viewer()?;
        let survivor = decode_id(&input.survivor_id, NodeType::Customer, "input.survivorId")?;
        let merged = input
            .merged_ids
            .iter()
            .enumerate()
            .map(|(i, id)| decode_id(id, NodeType::Customer, &format!("input.mergedIds.{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let choices = input
            .field_choices
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                decode_id(
                    &c.from_id,
                    NodeType::Customer,
                    &format!("input.fieldChoices.{i}.fromId"),
                )
                .map(|from| (c.field, from))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let merged = service::merge_customers(ctx.app(), viewer, survivor, merged, choices).await?;
        Ok(MergeCustomersPayload {
            merge: Merge::from(&merged),
            customer: merged.survivor.into(),
        })
    }

    /// Undoes a merge you made (admins: any) within its window, while the survivor is unchanged
    /// and nothing new was linked to it: the merged customers come back with what was theirs.
    async fn undo_merge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UndoMergeInput`.")] input: UndoMergeInput,
    ) -> async_graphql::Result<UndoMergePayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Merge, "input.id")?;
        let undone = service::undo(ctx.app(), viewer, id).await?;
        Ok(UndoMergePayload {
            merge: Merge::from(&undone),
            customer: undone.survivor.into(),
        })
    }
}
