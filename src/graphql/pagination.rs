//! Relay connections from keyset pages: `connection_types!` declares a node type's
//! `XxxConnection` and `XxxEdge`, with descriptions, and converts keyset pages into them.

use async_graphql::connection::PageInfo;

use crate::pagination::Page;

/// Page info and `(cursor, node)` pairs of a page.
pub fn edges_of<M, N>(page: Page<M>, node: impl Fn(M) -> N) -> (PageInfo, Vec<(String, N)>, u64) {
    let edges: Vec<(String, N)> = page
        .cursors
        .into_iter()
        .zip(page.items)
        .map(|(cursor, item)| (cursor, node(item)))
        .collect();
    let info = PageInfo {
        has_previous_page: page.has_previous_page,
        has_next_page: page.has_next_page,
        start_cursor: edges.first().map(|(cursor, _)| cursor.clone()),
        end_cursor: edges.last().map(|(cursor, _)| cursor.clone()),
    };
    (info, edges, page.total_count)
}

/// Whether the client selected `field` on the nodes of the connection being resolved (under
/// `edges.node` or `nodes`), so a list can join that link into its page's statement.
pub fn node_wants(ctx: &async_graphql::Context<'_>, field: &str) -> bool {
    let look = ctx.look_ahead();
    look.field("edges").field("node").field(field).exists()
        || look.field("nodes").field(field).exists()
}

/// Declares `$connection` and `$edge` for `$node`, with `$connection::from_page`. With
/// `synced`, the connection also answers what offline sync needs (`serverTime`, `removedIds`,
/// `resyncRequired`), set by `with_sync`.
#[macro_export]
macro_rules! connection_types {
    ($connection:ident, $edge:ident, $node:ty) => {
        $crate::connection_types!(@define $connection, $edge, $node, {}, {});
    };
    ($connection:ident, $edge:ident, $node:ty, synced) => {
        $crate::connection_types!(@define $connection, $edge, $node, {
            /// Pass as `filter.updatedSince` in the next sync: when this read began, less the
            /// sync overlap, so changes committing during the read come again. Keep the one of
            /// a sync's first page.
            pub server_time: $crate::graphql::scalars::Instant,
            /// With `filter.updatedSince`: ids of the records that left this list since then
            /// (deleted, no longer matching the filter, or no longer visible to you); drop them
            /// from a local copy. Empty without `updatedSince` and when `resyncRequired`.
            pub removed_ids: Vec<async_graphql::ID>,
            /// With `filter.updatedSince`: the delta cannot be complete (older than the sync
            /// retention, your scope changed, or too many removals to name); drop the local copy
            /// and sync from scratch.
            pub resync_required: bool,
        }, {
            server_time: $crate::graphql::scalars::Instant(chrono::DateTime::UNIX_EPOCH),
            removed_ids: Vec::new(),
            resync_required: false,
        });

        impl $connection {
            /// This page with the sync fields of its read.
            pub fn with_sync(self, sync: $crate::graphql::sync::SyncFields) -> Self {
                Self {
                    server_time: sync.server_time,
                    removed_ids: sync.removed_ids,
                    resync_required: sync.resync_required,
                    ..self
                }
            }
        }
    };
    (@define $connection:ident, $edge:ident, $node:ty, { $($field:tt)* }, { $($init:tt)* }) => {
        /// One page of a list, with cursors to page on (Relay cursor connection).
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// The items of this page, without cursors.
            pub nodes: Vec<$node>,
            /// Whether more pages exist and the cursors to reach them.
            pub page_info: async_graphql::connection::PageInfo,
            /// How many items match the filter, across all pages.
            pub total_count: u64,
            $($field)*
        }

        /// An item of a page with the cursor that points at it.
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this item, for `after` or `before`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $connection {
            /// Converts a keyset page of rows into this connection.
            pub fn from_page<M>(
                page: $crate::pagination::Page<M>,
                node: impl Fn(M) -> $node,
            ) -> Self {
                let (page_info, edges, total_count) =
                    $crate::graphql::pagination::edges_of(page, node);
                Self {
                    nodes: edges.iter().map(|(_, node)| node.clone()).collect(),
                    edges: edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info,
                    total_count,
                    $($init)*
                }
            }
        }
    };
}
