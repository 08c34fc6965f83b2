//! Documents sent by hash: Apollo's automatic persisted queries (a hash alone; when unknown,
//! `PERSISTED_QUERY_NOT_FOUND`, and the client sends hash and text, which registers it on this
//! instance) and trusted documents (registered ahead of time, sent as `documentId`, and with
//! `SALESGRAPH_TRUSTED_DOCUMENTS=require` the only documents that run). The same rules hold
//! over HTTP (POST and GET) and WebSocket.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::{Request, ServerError, Value};
use lru::LruCache;
use sea_orm::DatabaseConnection;

use crate::error::{AppError, ErrorCode};
use crate::trusted_documents::{self, hash_of, normalize_hash};

/// Where a request names its document by id (GraphQL over HTTP's persisted documents).
pub const DOCUMENT_ID: &str = "documentId";

/// Apollo's extension naming a document by hash.
const PERSISTED_QUERY: &str = "persistedQuery";

/// Trusted documents kept in memory per instance (they never change: the id is the hash).
const TRUSTED_CACHE_CAPACITY: usize = 4096;

/// Texts by hash, the least recently used forgotten first.
type Texts = Arc<Mutex<LruCache<String, Arc<str>>>>;

fn texts(capacity: usize) -> Texts {
    Arc::new(Mutex::new(LruCache::new(
        NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
    )))
}

fn recall(texts: &Texts, hash: &str) -> Option<String> {
    texts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(hash)
        .map(|text| text.to_string())
}

fn keep(texts: &Texts, hash: String, text: &str) {
    texts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .put(hash, Arc::from(text));
}

/// Resolves documents sent by hash, for one instance.
#[derive(Clone)]
pub struct Persisted {
    db: DatabaseConnection,
    require_trusted: bool,
    /// Documents registered by clients through the automatic protocol, on this instance
    /// (bounded: `SALESGRAPH_PERSISTED_QUERY_CAPACITY`). Another instance answers
    /// `PERSISTED_QUERY_NOT_FOUND` once, and the client sends the text there too.
    automatic: Texts,
    /// Trusted documents already read from the database.
    trusted: Texts,
}

/// A request's document as the client named it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Named {
    /// The text, when sent.
    pub query: String,
    /// `documentId`, when sent.
    pub document_id: Option<String>,
    /// `extensions.persistedQuery.sha256Hash`, when sent (`Err` when the extension is there but
    /// malformed).
    pub hash: Option<Result<String, ()>>,
}

impl Named {
    /// What `request` names, taken out of it (so that resolving again changes nothing).
    pub fn take(request: &mut Request) -> Self {
        let document_id = match request.extensions.0.remove(DOCUMENT_ID) {
            Some(Value::String(id)) => Some(id),
            Some(_) => Some(String::new()),
            None => None,
        };
        let hash = request.extensions.0.remove(PERSISTED_QUERY).map(|value| {
            let Value::Object(fields) = value else {
                return Err(());
            };
            match (fields.get("version"), fields.get("sha256Hash")) {
                (Some(Value::Number(version)), Some(Value::String(hash)))
                    if version.as_u64() == Some(1) =>
                {
                    Ok(hash.clone())
                }
                _ => Err(()),
            }
        });
        Self {
            query: std::mem::take(&mut request.query),
            document_id,
            hash,
        }
    }
}

fn coded(error: AppError) -> ServerError {
    let error: async_graphql::Error = error.into();
    error.into_server_error(Default::default())
}

/// Apollo's clients recognise this message (and the code) and send the text.
fn not_found() -> ServerError {
    coded(AppError::new(
        ErrorCode::PersistedQueryNotFound,
        "PersistedQueryNotFound",
    ))
}

fn not_in_list() -> ServerError {
    coded(AppError::new(
        ErrorCode::PersistedQueryNotInList,
        "Only registered documents run on this server; send a document of the app's build \
         (by its documentId or hash)",
    ))
}

impl Persisted {
    pub fn new(db: DatabaseConnection, config: &crate::config::Config) -> Self {
        Self {
            db,
            require_trusted: config.trusted_documents == "require",
            automatic: texts(config.persisted_query_capacity),
            trusted: texts(TRUSTED_CACHE_CAPACITY),
        }
    }

    /// The trusted document with this hash.
    async fn trusted(&self, hash: &str) -> Result<Option<String>, ServerError> {
        if let Some(found) = recall(&self.trusted, hash) {
            return Ok(Some(found));
        }
        let found = trusted_documents::find(&self.db, hash)
            .await
            .map_err(coded)?;
        if let Some(text) = &found {
            keep(&self.trusted, hash.to_owned(), text);
        }
        Ok(found)
    }

    /// The text to run for what the client named. Errors: `PERSISTED_QUERY_NOT_FOUND` for an
    /// unknown hash or id, `PERSISTED_QUERY_NOT_IN_LIST` for an unregistered document where
    /// only registered ones run, `BAD_USER_INPUT` for a malformed id or a hash that is not the
    /// text's.
    pub async fn resolve(&self, named: Named) -> Result<String, ServerError> {
        if let Some(id) = named.document_id {
            let hash = normalize_hash(&id).ok_or_else(|| {
                coded(AppError::bad_input(
                    DOCUMENT_ID,
                    "Expected `sha256:` and 64 hex digits",
                ))
            })?;
            return self.trusted(&hash).await?.ok_or_else(not_found);
        }
        if let Some(hash) = named.hash {
            let hash = hash.ok().and_then(|h| normalize_hash(&h)).ok_or_else(|| {
                coded(AppError::bad_input(
                    "extensions.persistedQuery",
                    "Expected {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}",
                ))
            })?;
            if named.query.is_empty() {
                if let Some(text) = recall(&self.automatic, &hash) {
                    return Ok(text);
                }
                return self.trusted(&hash).await?.ok_or_else(not_found);
            }
            if hash_of(&named.query) != hash {
                return Err(coded(AppError::bad_input(
                    "extensions.persistedQuery.sha256Hash",
                    "The hash is not the SHA-256 of the query",
                )));
            }
            self.check_trusted(&hash).await?;
            keep(&self.automatic, hash, &named.query);
            return Ok(named.query);
        }
        if named.query.is_empty() {
            return Err(coded(AppError::bad_input(
                "query",
                "`query` must be a non-empty string",
            )));
        }
        if self.require_trusted {
            self.check_trusted(&hash_of(&named.query)).await?;
        }
        Ok(named.query)
    }

    /// Where only registered documents run, refuses any other.
    async fn check_trusted(&self, hash: &str) -> Result<(), ServerError> {
        if self.require_trusted && self.trusted(hash).await?.is_none() {
            return Err(not_in_list());
        }
        Ok(())
    }
}
