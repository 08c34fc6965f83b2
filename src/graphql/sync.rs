//! The fields offline sync adds to a list (`serverTime`, `removedIds`, `resyncRequired`): the
//! read's time is taken before the read, what left the list asked only when selected.

use async_graphql::{Context, ID};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::scalars::Instant;
use crate::error::AppResult;
use crate::ids::{NodeType, encode_id};
use crate::sync::Removed;

/// What a synced connection answers besides its page.
#[derive(Debug, Clone)]
pub struct SyncFields {
    pub server_time: Instant,
    pub removed_ids: Vec<ID>,
    pub resync_required: bool,
}

/// The `serverTime` of a read starting now: one overlap back, so that whatever commits while
/// the read runs has a later `updatedAt` and comes again next time. Take it before reading.
pub fn server_time(ctx: &Context<'_>) -> DateTime<Utc> {
    let app = ctx.app();
    app.clock.now() - chrono::Duration::seconds(app.config.sync_overlap_secs.max(0))
}

/// The window of a delta since `since`, with this instance's clock and retention.
pub fn window(ctx: &Context<'_>, since: DateTime<Utc>) -> crate::sync::Window {
    let app = ctx.app();
    crate::sync::Window {
        since,
        now: app.clock.now(),
        retention_days: app.config.sync_retention_days,
        max_removed: app.config.sync_max_removed_ids,
    }
}

/// Whether the client selected what [`Removed`] answers.
fn wants_removed(ctx: &Context<'_>) -> bool {
    let look = ctx.look_ahead();
    look.field("removedIds").exists() || look.field("resyncRequired").exists()
}

/// The sync fields of a read of `node` records begun at `server_time`: with `since` and when
/// selected, what `removed` finds left the list.
pub async fn fields<F>(
    ctx: &Context<'_>,
    node: NodeType,
    server_time: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
    removed: impl FnOnce(crate::sync::Window) -> F,
) -> AppResult<SyncFields>
where
    F: std::future::Future<Output = AppResult<Removed>>,
{
    let found = match since {
        Some(since) if wants_removed(ctx) => removed(window(ctx, since)).await?,
        _ => Removed::default(),
    };
    Ok(SyncFields {
        server_time: server_time.into(),
        removed_ids: found
            .ids
            .into_iter()
            .map(|id| encode_id(node, id))
            .collect(),
        resync_required: found.resync_required,
    })
}

/// The sync fields of a list read without `updatedSince` (a list under a record): the read's
/// time, nothing removed.
pub fn unfiltered(ctx: &Context<'_>) -> SyncFields {
    SyncFields {
        server_time: Instant(server_time(ctx)),
        removed_ids: Vec::new(),
        resync_required: false,
    }
}
