//! What resolvers read from the request: the state, the caller, the client address.

use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;

/// The client's network address, as the HTTP layer determined it.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

/// The request id, echoed in `x-request-id` and in every error's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub trait ContextExt {
    fn app(&self) -> &Arc<AppState>;
    /// The authenticated caller, or `UNAUTHENTICATED`.
    fn viewer(&self) -> AppResult<&Viewer>;
    fn client_addr(&self) -> &str;
    /// This instance's resolver caches (schema data; missing only if the schema was built
    /// without them, which is an internal error).
    fn caches(&self) -> AppResult<&super::InstanceCaches>;
    /// The request's batch loader of type `T`, built on first use (`INTERNAL` if the request
    /// was built without loaders, instead of a panic).
    fn loader<T: super::loaders::Lazy>(&self) -> AppResult<&DataLoader<T>>;
}

impl ContextExt for Context<'_> {
    fn app(&self) -> &Arc<AppState> {
        self.data_unchecked::<Arc<AppState>>()
    }

    fn viewer(&self) -> AppResult<&Viewer> {
        self.data_opt::<Viewer>()
            .ok_or_else(AppError::unauthenticated)
    }

    fn client_addr(&self) -> &str {
        self.data_opt::<ClientAddr>()
            .map_or("unknown", |addr| addr.0.as_str())
    }

    fn loader<T: super::loaders::Lazy>(&self) -> AppResult<&DataLoader<T>> {
        self.data_opt::<super::loaders::Loaders>()
            .map(super::loaders::Loaders::get::<T>)
            .ok_or_else(AppError::internal)
    }

    fn caches(&self) -> AppResult<&super::InstanceCaches> {
        self.data_opt::<super::InstanceCaches>()
            .ok_or_else(AppError::internal)
    }
}

/// Runs a single lookup (`customer(id)`, `lead(id)`, …) so that a failure answers the field as
/// `null` with the error at its path, beside the rest of the answer: what generated client
/// types expect of a nullable field. (The library would leave the key out of `data`.)
pub async fn lookup<T>(
    ctx: &Context<'_>,
    found: impl std::future::Future<Output = async_graphql::Result<T>>,
) -> async_graphql::Result<Option<T>> {
    match found.await {
        Ok(value) => Ok(Some(value)),
        Err(error) => {
            let error = ctx.set_error_path(error.into_server_error(ctx.item.pos));
            ctx.add_error(error);
            Ok(None)
        }
    }
}
