//! The audit entries of records, by (type, id): one statement for every record of a response.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;
use crate::ids::NodeType;
use entity::audit_log;

/// Most entries a record's history is built from (its latest).
pub const MAX_ENTRIES: usize = 1000;

/// Audit entries of records, oldest first.
pub struct EntriesBySubject(pub DatabaseConnection);

impl Loader<(NodeType, Uuid)> for EntriesBySubject {
    type Value = Vec<audit_log::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[(NodeType, Uuid)],
    ) -> Result<HashMap<(NodeType, Uuid), Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|(_, id)| *id).collect();
        let mut kinds: Vec<NodeType> = Vec::new();
        for (kind, _) in keys {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
        let wanted: std::collections::HashSet<(NodeType, Uuid)> = keys.iter().copied().collect();
        let mut found: HashMap<(NodeType, Uuid), Self::Value> = HashMap::new();
        // Along the (subject type, subject id) index.
        for entry in audit_log::Entity::find()
            .filter(audit_log::Column::SubjectType.is_in(kinds.iter().map(|kind| kind.name())))
            .filter(audit_log::Column::SubjectId.is_in(ids))
            .all(&self.0)
            .await?
        {
            let Some(key) = kinds
                .iter()
                .find(|kind| kind.name() == entry.subject_type)
                .map(|kind| (*kind, entry.subject_id))
                .filter(|key| wanted.contains(key))
            else {
                continue;
            };
            found.entry(key).or_default().push(entry);
        }
        for entries in found.values_mut() {
            entries.sort_by_key(|entry| entry.id);
            let extra = entries.len().saturating_sub(MAX_ENTRIES);
            entries.drain(..extra);
        }
        Ok(found)
    }
}
