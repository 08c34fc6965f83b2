//! The resolvers of merges.

use async_graphql::{Context, Object};

use async_graphql::ID;

use super::service::{self, CONTACT, LEAD};
use super::types::{
    Merge, MergeContactsInput, MergeContactsPayload, MergeCustomersInput, MergeCustomersPayload,
    MergeLeadsInput, MergeLeadsPayload, UndoMergeInput, UndoMergePayload,
};
use crate::graphql::context::ContextExt;
use crate::ids::{NodeType, decode_id};

/// A merge input's merged ids and field choices, decoded.
type Decoded<F> = (Vec<uuid::Uuid>, Vec<(F, uuid::Uuid)>);

/// The merged ids and field choices of a merge input, decoded as `kind`.
fn decode_merge<F: Copy>(
    kind: NodeType,
    merged_ids: &[ID],
    choices: &[(F, &ID)],
) -> async_graphql::Result<Decoded<F>> {
    let merged = merged_ids
        .iter()
        .enumerate()
        .map(|(i, id)| decode_id(id, kind, &format!("input.mergedIds.{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    let choices = choices
        .iter()
        .enumerate()
        .map(|(i, (field, from))| {
            decode_id(from, kind, &format!("input.fieldChoices.{i}.fromId")).map(|id| (*field, id))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((merged, choices))
}

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
        let choices: Vec<_> = input
            .field_choices
            .iter()
            .flatten()
            .map(|c| (c.field, &c.from_id))
            .collect();
        let (merged, choices) = decode_merge(NodeType::Customer, &input.merged_ids, &choices)?;
        let merged = service::merge_customers(ctx.app(), viewer, survivor, merged, choices).await?;
        Ok(MergeCustomersPayload {
            merge: Merge::from(&merged),
            customer: merged.survivor.into(),
        })
    }

    /// Merges duplicate contacts of one customer into one: the survivor takes the chosen
    /// fields, the deals, visits, callbacks, tickets and campaign memberships that named the
    /// others name it, their ids answer with it; audited, and undoable for a while.
    async fn merge_contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `MergeContactsInput`.")]
        input: MergeContactsInput,
    ) -> async_graphql::Result<MergeContactsPayload> {
        let viewer = ctx.viewer()?;
        let survivor = decode_id(&input.survivor_id, NodeType::Contact, "input.survivorId")?;
        let choices: Vec<_> = input
            .field_choices
            .iter()
            .flatten()
            .map(|c| (c.field, &c.from_id))
            .collect();
        let (merged, choices) = decode_merge(NodeType::Contact, &input.merged_ids, &choices)?;
        let merged =
            super::contacts::merge_contacts(ctx.app(), viewer, survivor, merged, choices).await?;
        Ok(MergeContactsPayload {
            merge: Merge::from(&merged),
            contact: merged.survivor.into(),
        })
    }

    /// Merges duplicate open leads into one: the survivor takes the chosen fields and the
    /// follow-ups of all and is scored again; their events, activities, deals, visits and
    /// campaign memberships move to it, their ids answer with it; audited, and undoable.
    async fn merge_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `MergeLeadsInput`.")] input: MergeLeadsInput,
    ) -> async_graphql::Result<MergeLeadsPayload> {
        let viewer = ctx.viewer()?;
        let survivor = decode_id(&input.survivor_id, NodeType::Lead, "input.survivorId")?;
        let choices: Vec<_> = input
            .field_choices
            .iter()
            .flatten()
            .map(|c| (c.field, &c.from_id))
            .collect();
        let (merged, choices) = decode_merge(NodeType::Lead, &input.merged_ids, &choices)?;
        let merged =
            super::leads::merge_leads(ctx.app(), viewer, survivor, merged, choices).await?;
        Ok(MergeLeadsPayload {
            merge: Merge::from(&merged),
            lead: merged.survivor.into(),
        })
    }

    /// Undoes a merge you made (admins: any) within its window, while the survivor is unchanged
    /// and nothing new was linked to it: the merged records come back with what was theirs.
    async fn undo_merge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UndoMergeInput`.")] input: UndoMergeInput,
    ) -> async_graphql::Result<UndoMergePayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Merge, "input.id")?;
        let state = ctx.app();
        let found = service::get(&state.db, viewer, id)
            .await
            .map_err(|e| e.with_field("input.id"))?;
        Ok(match found.kind.as_str() {
            CONTACT => {
                let undone = super::contacts::undo(state, viewer, id).await?;
                UndoMergePayload {
                    merge: Merge::from(&undone),
                    customer: None,
                    contact: Some(undone.survivor.into()),
                    lead: None,
                }
            }
            LEAD => {
                let undone = super::leads::undo(state, viewer, id).await?;
                UndoMergePayload {
                    merge: Merge::from(&undone),
                    customer: None,
                    contact: None,
                    lead: Some(undone.survivor.into()),
                }
            }
            _ => {
                let undone = service::undo(state, viewer, id).await?;
                UndoMergePayload {
                    merge: Merge::from(&undone),
                    customer: Some(undone.survivor.into()),
                    contact: None,
                    lead: None,
                }
            }
        })
    }
}
