//! GraphQL shapes of merges.

use async_graphql::{ID, InputObject, SimpleObject};

pub use super::service::MergeCustomerField;
use super::service::Merged;
use crate::customers::types::Customer;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};

/// Which record a field's value comes from.
#[derive(InputObject, Debug)]
pub struct CustomerFieldChoiceInput {
    /// The field.
    pub field: MergeCustomerField,
    /// The survivor or one of the merged customers.
    pub from_id: ID,
}

/// Customers to merge into one.
#[derive(InputObject, Debug)]
pub struct MergeCustomersInput {
    /// The customer that stays.
    pub survivor_id: ID,
    /// The duplicates that go (1 to 10); their contacts, deals, visits, follow-ups, contracts,
    /// invoices, payments, files and activities move to the survivor.
    pub merged_ids: Vec<ID>,
    /// Fields whose value comes from a merged customer (the survivor's otherwise).
    pub field_choices: Option<Vec<CustomerFieldChoiceInput>>,
}

/// A merge to undo.
#[derive(InputObject, Debug)]
pub struct UndoMergeInput {
    /// The merge.
    pub id: ID,
}

/// A merge of duplicate customers.
#[derive(SimpleObject, Debug)]
pub struct Merge {
    /// Opaque identifier.
    pub id: ID,
    /// The customer that stayed.
    pub survivor_id: ID,
    /// The customers merged into it; their ids now answer with the survivor.
    pub merged_ids: Vec<ID>,
    /// Linked records moved to the survivor.
    pub moved: i32,
    /// When it was merged.
    pub created_at: Instant,
    /// Until when `undoMerge` may undo it.
    pub undo_until: Instant,
    /// When it was undone.
    pub undone_at: Option<Instant>,
}

impl From<&Merged> for Merge {
    fn from(merged: &Merged) -> Self {
        Self {
            id: encode_id(NodeType::Merge, merged.merge.id),
            survivor_id: encode_id(NodeType::Customer, merged.merge.survivor_id),
            merged_ids: merged
                .merged_ids
                .iter()
                .map(|id| encode_id(NodeType::Customer, *id))
                .collect(),
            moved: i32::try_from(merged.moved).unwrap_or(i32::MAX),
            created_at: Instant(merged.merge.created_at),
            undo_until: Instant(merged.merge.undo_until),
            undone_at: merged.merge.undone_at.map(Instant),
        }
    }
}

/// Result of `mergeCustomers`.
#[derive(SimpleObject)]
pub struct MergeCustomersPayload {
    /// The survivor as merged.
    pub customer: Customer,
    /// The merge (its id undoes it).
    pub merge: Merge,
}

/// Result of `undoMerge`.
#[derive(SimpleObject)]
pub struct UndoMergePayload {
    /// The merge, now undone.
    pub merge: Merge,
    /// The survivor with its fields as before the merge.
    pub customer: Customer,
}
