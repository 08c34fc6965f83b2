//! Parsed-document cache: mobile clients send the same few query texts all day, so each text
//! is parsed (and its alias budget checked) once per instance and reused from then on.
//! Validation still runs on every request, against the request's variables.

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Variables};

/// Longest query text worth keeping; longer ones are parsed every time.
const MAX_CACHED_QUERY_BYTES: usize = 16 * 1024;

/// The extension factory; one cache shared by every request of the schema.
pub struct DocumentCache {
    storage: LruCacheStorage,
}

impl DocumentCache {
    /// A cache of at most `capacity` distinct query texts (least recently used go first).
    pub fn new(capacity: usize) -> Self {
        Self {
            storage: LruCacheStorage::new(capacity.max(1)),
        }
    }
}

impl ExtensionFactory for DocumentCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Cached {
            storage: self.storage.clone(),
        })
    }
}

struct Cached {
    storage: LruCacheStorage,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Cached {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // New variables meet a cached document: their nesting is checked on every request.
        super::errors::check_variables(variables)?;
        if query.len() > MAX_CACHED_QUERY_BYTES {
            return next.run(ctx, query, variables).await;
        }
        if let Some(document) = self.storage.get(query.to_owned()).await {
            return Ok(document);
        }
        // Only documents that parsed and passed the checks inside `next` are kept.
        let document = next.run(ctx, query, variables).await?;
        self.storage.set(query.to_owned(), document.clone()).await;
        Ok(document)
    }
}
