//! Signed, short-lived links to files (a quote's PDF, an attachment) for clients that cannot
//! send a bearer token: issued to the signed-in viewer, refused once expired, after the user
//! signs out everywhere or is deactivated. The signature itself is [`crate::documents::links`].

use uuid::Uuid;

use crate::documents::links::Grant;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::identity::Viewer;
use crate::ids::{NodeType, encode_id};
use crate::state::AppState;

/// The parameters of a signed link as they arrive.
#[derive(Debug, Clone, Default)]
pub struct LinkParams {
    pub version: i32,
    pub user_id: Uuid,
    pub expires: i64,
    pub signature: String,
}

/// What a link opens: a kind of file, one record, at one version.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: Uuid,
    pub version: i32,
}

/// `path` with the `v`, `u`, `exp` and `sig` parameters of a link to `target` for the viewer,
/// valid `SALESGRAPH_DOCUMENT_LINK_TTL_SECS`. Errors: `UNAUTHENTICATED` (the viewer's account
/// is gone).
pub async fn sign(
    state: &AppState,
    viewer: &Viewer,
    target: Target<'_>,
    path: &str,
) -> AppResult<String> {
    let record = crate::auth::service::current_record(state, viewer.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let ttl = i64::try_from(state.config.document_link_ttl_secs).unwrap_or(300);
    let grant = Grant {
        kind: target.kind,
        id: target.id,
        version: target.version,
        user_id: viewer.user_id,
        token_version: record.token_version,
        expires: state.clock.now().timestamp() + ttl,
    };
    let signature = state.document_links.sign(&grant);
    Ok(format!(
        "{path}?v={}&u={}&exp={}&sig={}",
        grant.version,
        encode_id(NodeType::User, grant.user_id).0,
        grant.expires,
        signature
    ))
}

/// The viewer a link to the record `id` of `kind` was issued to, if the link is genuine,
/// unexpired, and its user still active and signed in as when it was made. Errors:
/// `UNAUTHENTICATED`.
pub async fn viewer_of(
    state: &AppState,
    kind: &str,
    id: Uuid,
    params: &LinkParams,
) -> AppResult<Viewer> {
    let refused = || {
        AppError::new(
            ErrorCode::Unauthenticated,
            "The link is invalid or has expired; ask for a new one",
        )
    };
    if params.expires <= state.clock.now().timestamp() {
        return Err(refused());
    }
    let record = crate::auth::service::current_record(state, params.user_id)
        .await?
        .ok_or_else(refused)?;
    let grant = Grant {
        kind,
        id,
        version: params.version,
        user_id: params.user_id,
        token_version: record.token_version,
        expires: params.expires,
    };
    if !record.active || !state.document_links.verify(&grant, &params.signature) {
        return Err(refused());
    }
    Ok(record.viewer)
}
