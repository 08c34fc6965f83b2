//! GraphQL shapes of merges.

use async_graphql::{ID, InputObject, SimpleObject};

pub use super::contacts::MergeContactField;
pub use super::leads::MergeLeadField;
pub use super::service::MergeCustomerField;
use super::service::{CONTACT, LEAD, Merged};
use crate::customers::contact_types::Contact;
use crate::customers::types::Customer;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use crate::leads::types::Lead;

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

/// Which contact a field's value comes from.
#[derive(InputObject, Debug)]
pub struct ContactFieldChoiceInput {
    /// The field.
    pub field: MergeContactField,
    /// The survivor or one of the merged contacts.
    pub from_id: ID,
}

/// Contacts of one customer to merge into one.
#[derive(InputObject, Debug)]
pub struct MergeContactsInput {
    /// The contact that stays.
    pub survivor_id: ID,
    /// The duplicates that go (1 to 10, of the survivor's customer); the deals, visits,
    /// callbacks, tickets and campaign memberships that named them name the survivor.
    pub merged_ids: Vec<ID>,
    /// Fields whose value comes from a merged contact (the survivor's otherwise).
    pub field_choices: Option<Vec<ContactFieldChoiceInput>>,
}

/// Which lead a field's value comes from.
#[derive(InputObject, Debug)]
pub struct LeadFieldChoiceInput {
    /// The field.
    pub field: MergeLeadField,
    /// The survivor or one of the merged leads.
    pub from_id: ID,
}

/// Open leads to merge into one.
#[derive(InputObject, Debug)]
pub struct MergeLeadsInput {
    /// The lead that stays.
    pub survivor_id: ID,
    /// The duplicates that go (1 to 10); their events, follow-ups, activities, deals, visits and
    /// campaign memberships move to the survivor.
    pub merged_ids: Vec<ID>,
    /// Fields whose value comes from a merged lead (the survivor's otherwise).
    pub field_choices: Option<Vec<LeadFieldChoiceInput>>,
}

/// A merge to undo.
#[derive(InputObject, Debug)]
pub struct UndoMergeInput {
    /// The merge.
    pub id: ID,
}

/// A merge of duplicate customers, contacts or leads.
#[derive(SimpleObject, Debug)]
pub struct Merge {
    /// Opaque identifier.
    pub id: ID,
    /// The record that stayed.
    pub survivor_id: ID,
    /// The records merged into it; their ids now answer with the survivor.
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

impl<S> From<&Merged<S>> for Merge {
    fn from(merged: &Merged<S>) -> Self {
        let kind = match merged.merge.kind.as_str() {
            CONTACT => NodeType::Contact,
            LEAD => NodeType::Lead,
            _ => NodeType::Customer,
        };
        Self {
            id: encode_id(NodeType::Merge, merged.merge.id),
            survivor_id: encode_id(kind, merged.merge.survivor_id),
            merged_ids: merged
                .merged_ids
                .iter()
                .map(|id| encode_id(kind, *id))
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

/// Result of `mergeContacts`.
#[derive(SimpleObject)]
pub struct MergeContactsPayload {
    /// The survivor as merged.
    pub contact: Contact,
    /// The merge (its id undoes it).
    pub merge: Merge,
}

/// Result of `mergeLeads`.
#[derive(SimpleObject)]
pub struct MergeLeadsPayload {
    /// The survivor as merged, scored again.
    pub lead: Lead,
    /// The merge (its id undoes it).
    pub merge: Merge,
}

/// Result of `undoMerge`: the survivor as before the merge, in the field of its kind.
#[derive(SimpleObject)]
pub struct UndoMergePayload {
    /// The merge, now undone.
    pub merge: Merge,
    /// The surviving customer, for a merge of customers.
    pub customer: Option<Customer>,
    /// The surviving contact, for a merge of contacts.
    pub contact: Option<Contact>,
    /// The surviving lead, for a merge of leads.
    pub lead: Option<Lead>,
}
