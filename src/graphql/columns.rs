//! The columns a client's selection needs from a model (see [`crate::columns`]). Each GraphQL
//! type that allows it names, per field, the columns that field reads ([`FieldColumns`]); a
//! selected field it does not name needs every column, so a field added later is never
//! answered from a column left unread.

use async_graphql::SelectionField;

use crate::columns::Needs;
use crate::db::ReadAt;

/// The columns each field of a GraphQL type reads from its model; `id` is always read (the
/// key, and how an outer join tells a missing row).
pub struct FieldColumns {
    /// `(field, columns)`: a field named with no columns reads only the key (it loads by id).
    pub fields: &'static [(&'static str, &'static [&'static str])],
}

impl FieldColumns {
    /// What the fields under `selections` (every selection of one object, aliases and
    /// fragments included) need from `M`.
    pub fn needs<M: ReadAt>(&self, selections: &[SelectionField<'_>]) -> Needs {
        let mut needs = Needs::of(M::FIELDS, &["id"]);
        for selection in selections {
            for field in selection.selection_set() {
                let name = field.name();
                if name == "__typename" {
                    continue;
                }
                match self.fields.iter().find(|(named, _)| *named == name) {
                    Some((_, columns)) => needs = needs.with(M::FIELDS, columns),
                    None => return Needs::ALL,
                }
            }
        }
        needs
    }

    /// Whether every column this map names is one of `M`'s.
    pub fn names_only_columns_of<M: ReadAt>(&self) -> bool {
        self.fields
            .iter()
            .all(|(_, columns)| columns.iter().all(|c| M::FIELDS.contains(c)))
    }
}

/// The selections of the field `name` under each of `parents` (aliases included).
pub fn children<'a>(parents: &[SelectionField<'a>], name: &str) -> Vec<SelectionField<'a>> {
    parents
        .iter()
        .flat_map(|parent| parent.selection_set())
        .filter(|field| field.name() == name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_a_map_names_is_one_of_its_models() {
        use entity::{contact, customer, follow_up, opportunity, pipeline_stage, visit_task};
        let maps = [
            (
                crate::visits::types::VISIT_TASK_COLUMNS
                    .names_only_columns_of::<visit_task::Model>(),
                "VisitTask",
            ),
            (
                crate::customers::types::CUSTOMER_COLUMNS
                    .names_only_columns_of::<customer::Model>(),
                "Customer",
            ),
            (
                crate::customers::contact_types::CONTACT_COLUMNS
                    .names_only_columns_of::<contact::Model>(),
                "Contact",
            ),
            (
                crate::followups::types::FOLLOW_UP_COLUMNS
                    .names_only_columns_of::<follow_up::Model>(),
                "FollowUp",
            ),
            (
                crate::opportunities::types::OPPORTUNITY_COLUMNS
                    .names_only_columns_of::<opportunity::Model>(),
                "Opportunity",
            ),
            (
                crate::opportunities::types::PIPELINE_STAGE_COLUMNS
                    .names_only_columns_of::<pipeline_stage::Model>(),
                "PipelineStage",
            ),
            (
                crate::leads::types::LEAD_COLUMNS.names_only_columns_of::<entity::lead::Model>(),
                "Lead",
            ),
            (
                crate::contracts::types::CONTRACT_COLUMNS
                    .names_only_columns_of::<entity::contract::Model>(),
                "Contract",
            ),
            (
                crate::billing::types::INVOICE_COLUMNS
                    .names_only_columns_of::<entity::invoice::Model>(),
                "Invoice",
            ),
            (
                crate::billing::types::PAYMENT_COLUMNS
                    .names_only_columns_of::<entity::payment::Model>(),
                "Payment",
            ),
            (
                crate::users::types::USER_COLUMNS.names_only_columns_of::<entity::user::Model>(),
                "User",
            ),
        ];
        for (valid, name) in maps {
            assert!(valid, "{name} names a column its model lacks");
        }
        for fields in [
            <visit_task::Model as ReadAt>::FIELDS,
            <customer::Model as ReadAt>::FIELDS,
            <opportunity::Model as ReadAt>::FIELDS,
        ] {
            assert!(fields.len() <= 64, "a model of more than 64 columns");
        }
    }
}
