//! `CONFLICT` answers that carry the record as it now stands: a phone whose offline edit lost
//! to a newer one gets, in `extensions.current`, what the mutation would have answered for the
//! current record — in the client's own selection of the payload — so it can merge or ask the
//! user without another round trip.

use async_graphql::{Context, ErrorExtensions, OutputType};

use crate::error::{AppResult, ErrorCode};

/// The extension that carries the current record of a `CONFLICT`.
pub const CURRENT: &str = "current";

/// `changed` as the mutation's payload; when it is a `CONFLICT`, the error also carries
/// [`CURRENT`]: the payload of the record `reload` reads (through the viewer's visibility),
/// resolved with the selection the client made. Reading it is best effort: if it fails, the
/// `CONFLICT` stands alone.
pub async fn or_current<M, P>(
    ctx: &Context<'_>,
    changed: AppResult<M>,
    reload: impl AsyncFnOnce() -> AppResult<M>,
) -> async_graphql::Result<P>
where
    P: OutputType + From<M>,
{
    let err = match changed {
        Ok(model) => return Ok(P::from(model)),
        Err(err) => err,
    };
    let conflict = err.code == ErrorCode::Conflict;
    let error = async_graphql::Error::from(err);
    if !conflict {
        return Err(error);
    }
    let Ok(current) = reload().await else {
        return Err(error);
    };
    let payload = P::from(current);
    let selection = ctx.with_selection_set(&ctx.item.node.selection_set);
    match OutputType::resolve(&payload, &selection, ctx.item).await {
        Ok(value) => Err(error.extend_with(|_, ext| ext.set(CURRENT, value))),
        Err(_) => Err(error),
    }
}

/// `impl From<$model> for $payload`, for payloads that hold one record in field `$field`.
#[macro_export]
macro_rules! payload_from_model {
    ($($payload:ident { $field:ident } <- $model:ty;)+) => {
        $(impl From<$model> for $payload {
            fn from(model: $model) -> Self {
                Self { $field: model.into() }
            }
        })+
    };
}
