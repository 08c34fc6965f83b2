//! How HTTP requests run. async-graphql passes every field of a response through the schema's
//! extension chain once any extension is registered (a boxed future per field and extension,
//! and a registry lookup per field): on the morning list that is hundreds of calls per request.
//! HTTP requests therefore run on a copy of the schema without extensions, and this module does
//! around the execution what the extensions do on the WebSocket path: the parsed-document cache,
//! the error codes and the operation metrics.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{BatchRequest, BatchResponse, Request, Response};
use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;

use super::{AppSchema, errors};
use crate::state::AppState;

/// Longest query text worth keeping; longer ones are parsed every time.
const MAX_CACHED_QUERY_BYTES: usize = 16 * 1024;

/// Documents longer than this are parsed, validated and run on a blocking thread, so that a
/// burst of the largest documents the limits allow cannot hold the async workers that answer
/// everyone else.
const LARGE_DOCUMENT_BYTES: usize = MAX_CACHED_QUERY_BYTES;

/// Large documents run at most this many at a time per instance; the rest wait their turn
/// without holding a thread.
const LARGE_DOCUMENTS_AT_ONCE: usize = 2;

/// The extension-free schema with the transport's document cache.
#[derive(Clone)]
pub struct HttpExecutor {
    schema: AppSchema,
    /// The schema with extensions, whose complexity check names the cost: asked again only
    /// about a document the extension-free schema refused as too complex.
    explainer: AppSchema,
    documents: LruCacheStorage,
    limits: errors::DocumentLimits,
    large_documents: Arc<tokio::sync::Semaphore>,
    persisted: super::persisted::Persisted,
}

impl HttpExecutor {
    /// The executor for `state`, keeping at most `capacity` parsed documents.
    pub fn new(state: Arc<AppState>, caches: super::InstanceCaches, capacity: usize) -> Self {
        let limits = errors::DocumentLimits::of(&state.config);
        let persisted = super::persisted::Persisted::new(state.db.clone(), &state.config);
        Self {
            schema: super::build_http_schema(state.clone(), caches.clone()),
            explainer: super::build_schema_with(state, caches),
            documents: LruCacheStorage::new(capacity.max(1)),
            limits,
            large_documents: Arc::new(tokio::sync::Semaphore::new(LARGE_DOCUMENTS_AT_ONCE)),
            persisted,
        }
    }

    /// The parsed document of `query`, from the cache when it was parsed before.
    async fn document(&self, query: &str) -> async_graphql::ServerResult<ExecutableDocument> {
        if query.len() > MAX_CACHED_QUERY_BYTES {
            return errors::parse_document(query, self.limits);
        }
        if let Some(document) = self.documents.get(query.to_owned()).await {
            return Ok(document);
        }
        let document = errors::parse_document(query, self.limits)?;
        self.documents.set(query.to_owned(), document.clone()).await;
        Ok(document)
    }

    /// The documents named by hash, shared with the instance's WebSocket path.
    pub fn persisted(&self) -> &super::persisted::Persisted {
        &self.persisted
    }

    /// Puts the text of a document named by hash (or id) into `request`, refusing what may not
    /// run; a request that sent its text keeps it.
    pub async fn resolve_document(&self, request: &mut Request) -> async_graphql::ServerResult<()> {
        let named = super::persisted::Named::take(request);
        request.query = self.persisted.resolve(named).await?;
        Ok(())
    }

    /// Runs one request: parse (or reuse), execute, code the errors, record the metrics. A large
    /// document runs on a blocking thread, a few at a time.
    pub async fn execute(&self, mut request: Request) -> Response {
        if let Err(error) = self.resolve_document(&mut request).await {
            let response = errors::settle(Response::from_errors(vec![error]));
            crate::metrics::count_errors(&response);
            return response;
        }
        if request.query.len() <= LARGE_DOCUMENT_BYTES {
            return self.run(request).await;
        }
        // The semaphore is never closed; were it, the request would run as a small one.
        let _turn = self.large_documents.acquire().await;
        let this = self.clone();
        let runtime = tokio::runtime::Handle::current();
        match tokio::task::spawn_blocking(move || runtime.block_on(this.run(request))).await {
            Ok(response) => response,
            Err(failed) => {
                tracing::error!(error = %failed, "a large document's execution failed");
                let error = async_graphql::Error::from(crate::error::AppError::internal());
                Response::from_errors(vec![error.into_server_error(Default::default())])
            }
        }
    }

    /// [`Self::execute`] on the current thread.
    async fn run(&self, mut request: Request) -> Response {
        let started = Instant::now();
        let document = match errors::check_variables(&request.variables) {
            Ok(()) => self.document(&request.query).await.and_then(|document| {
                let operation = request.operation_name.as_deref();
                errors::check_required_variables(&document, operation, &request.variables)?;
                // An API key selects only what its scopes open.
                if let Some(access) = request
                    .data
                    .get(&std::any::TypeId::of::<crate::identity::Viewer>())
                    .and_then(|data| data.downcast_ref::<crate::identity::Viewer>())
                    .and_then(|viewer| viewer.service.as_ref())
                {
                    super::key_scopes::check(&document, operation, access)?;
                }
                Ok(document)
            }),
            Err(error) => Err(error),
        };
        let response = match document {
            Ok(document) => {
                let label =
                    crate::metrics::operation_label(&document, request.operation_name.as_deref());
                // The text is not read again once the document is set: it moves to the retry.
                let query = std::mem::take(&mut request.query);
                let mut retry = Request::new(query).variables(request.variables.clone());
                retry.operation_name.clone_from(&request.operation_name);
                request.set_parsed_query(document);
                let mut response = errors::settle(self.schema.execute(request).await);
                if response.errors.len() == 1 && response.errors[0].message == errors::TOO_COMPLEX {
                    response = self.explain(retry).await;
                }
                // Root field names are the client's until validation has matched them to the
                // schema: a refused document is one series, whatever it named.
                let label = if refused_before_execution(&response) {
                    crate::metrics::INVALID_OPERATION.to_owned()
                } else {
                    label
                };
                crate::metrics::record_operation(label, started.elapsed());
                response
            }
            Err(error) => Response::from_errors(vec![error]),
        };
        crate::metrics::count_errors(&response);
        response
    }

    /// The refusal of a document over the complexity limit, with its cost: the schema with
    /// extensions measures it and refuses it in validation, before anything runs.
    async fn explain(&self, request: Request) -> Response {
        self.explainer.execute(request).await
    }

    /// Runs a batch side by side, answering in order.
    pub async fn execute_batch(&self, batch: BatchRequest) -> BatchResponse {
        match batch {
            BatchRequest::Single(request) => BatchResponse::Single(self.execute(request).await),
            BatchRequest::Batch(requests) => BatchResponse::Batch(
                requests
                    .into_iter()
                    .map(|request| self.execute(request))
                    .collect::<FuturesOrdered<_>>()
                    .collect()
                    .await,
            ),
        }
    }
}

/// Whether a response is a refusal of the document (validation or limits), not an execution.
fn refused_before_execution(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && response.errors.iter().any(|error| error.path.is_empty())
}
