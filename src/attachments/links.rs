//! Download links of attachments: `/attachments/{id}`, signed for one viewer and a short time.

use uuid::Uuid;

use crate::auth::links::{self, LinkParams, Target};
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::ids::{NodeType, encode_id};
use crate::state::AppState;

/// The kind named in attachments' signed links.
const LINK_KIND: &str = "attachment";

/// The download path of an attachment (its global id).
pub fn path(id: Uuid) -> String {
    format!("/attachments/{}", encode_id(NodeType::Attachment, id).0)
}

/// A signed download link for the viewer.
pub async fn signed(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<String> {
    let target = Target {
        kind: LINK_KIND,
        id,
        version: 0,
    };
    links::sign(state, viewer, target, &path(id)).await
}

/// The viewer a download link was issued to. Errors: `UNAUTHENTICATED`.
pub async fn viewer_of_link(state: &AppState, id: Uuid, params: &LinkParams) -> AppResult<Viewer> {
    links::viewer_of(state, LINK_KIND, id, params).await
}
