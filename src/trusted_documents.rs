//! Trusted documents: the operations a client build ships, registered ahead of time from the
//! persisted-documents manifest its build writes (graphql-codegen's client preset writes one:
//! a JSON object from each document's SHA-256, in hex, to its text). A registered document may
//! be sent by its hash alone, and with `SALESGRAPH_TRUSTED_DOCUMENTS=require` only registered
//! documents run.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::trusted_document;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// Most documents one manifest may register.
pub const MAX_DOCUMENTS: usize = 10_000;

/// The SHA-256 of `text`, in lower-case hex: a document's id.
pub fn hash_of(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A hash as clients send it: bare hex or `sha256:`-prefixed, in either case; `None` when it is
/// not 64 hex digits.
pub fn normalize_hash(id: &str) -> Option<String> {
    let hex = id
        .strip_prefix("sha256:")
        .unwrap_or(id)
        .to_ascii_lowercase();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// Reads a manifest (`{"<sha256 hex>": "<document>", …}`), checking that every key is the hash
/// of its document. Errors: `BAD_USER_INPUT` naming the first bad entry.
pub fn parse_manifest(json: &str) -> AppResult<BTreeMap<String, String>> {
    let entries: BTreeMap<String, String> = serde_json::from_str(json).map_err(|_| {
        AppError::bad_input(
            "manifest",
            "Expected a JSON object from each document's SHA-256 (hex) to its text",
        )
    })?;
    if entries.len() > MAX_DOCUMENTS {
        return Err(AppError::bad_input(
            "manifest",
            format!("At most {MAX_DOCUMENTS} documents per manifest"),
        ));
    }
    let mut documents = BTreeMap::new();
    for (key, text) in entries {
        let hash = normalize_hash(&key)
            .filter(|hash| *hash == hash_of(&text))
            .ok_or_else(|| {
                AppError::bad_input(
                    "manifest",
                    format!("The key {key:?} is not the SHA-256 of its document"),
                )
            })?;
        documents.insert(hash, text);
    }
    Ok(documents)
}

/// Registers `documents` (hash → text); already registered ones stay as they are. Returns how
/// many were new.
pub async fn register(
    db: &impl ConnectionTrait,
    documents: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let mut added = 0;
    for (hash, body) in documents {
        let inserted = trusted_document::Entity::insert(trusted_document::ActiveModel {
            hash: Set(hash.clone()),
            body: Set(body.clone()),
            registered_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(trusted_document::Column::Hash)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        added += usize::try_from(inserted).unwrap_or(0);
    }
    Ok(added)
}

/// The registered document with this hash (normalized hex).
pub async fn find(db: &impl ConnectionTrait, hash: &str) -> AppResult<Option<String>> {
    Ok(trusted_document::Entity::find_by_id(hash.to_owned())
        .one(db)
        .await?
        .map(|document| document.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sha256_hex_with_or_without_the_prefix() {
        let hash = hash_of("{ me { id } }");
        assert_eq!(hash.len(), 64);
        assert_eq!(
            normalize_hash(&format!("sha256:{hash}")),
            Some(hash.clone())
        );
        assert_eq!(normalize_hash(&hash.to_ascii_uppercase()), Some(hash));
        assert_eq!(normalize_hash("sha256:abc"), None);
        assert_eq!(normalize_hash(&"g".repeat(64)), None);
    }

    #[test]
    fn a_manifest_entry_must_be_keyed_by_its_own_hash() {
        let good = format!(
            "{{\"{}\": \"{{ me {{ id }} }}\"}}",
            hash_of("{ me { id } }")
        );
        let parsed = parse_manifest(&good).unwrap();
        assert_eq!(parsed.len(), 1);
        let forged = format!(
            "{{\"{}\": \"{{ users {{ totalCount }} }}\"}}",
            hash_of("{ me { id } }")
        );
        assert_eq!(
            parse_manifest(&forged).unwrap_err().field.as_deref(),
            Some("manifest")
        );
        assert!(parse_manifest("[1, 2]").is_err());
    }
}
