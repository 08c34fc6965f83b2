//! Relay connections from keyset pages: `connection_types!` declares a node type's
//! `XxxConnection` and `XxxEdge`, with descriptions, and converts keyset pages into them.

use std::borrow::Cow;

use async_graphql::connection::PageInfo;
use async_graphql::parser::types::Field;
use async_graphql::{
    ContextSelectionSet, OutputType, Positioned, ServerError, ServerResult, Value, registry,
};

use crate::error::AppResult;
use crate::pagination::{Page, PageRequest};

/// A value computed only when the client selected its field (a count, sums over every page),
/// typed in the schema as the value itself; never read when not computed.
#[derive(Debug, Clone, Copy)]
pub struct Asked<T>(pub Option<T>);

/// A connection's `totalCount` (an `Int!`), known when the list's rows were counted
/// ([`list_request`]).
pub type TotalCount = Asked<u64>;

impl<T: OutputType> OutputType for Asked<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut registry::Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match &self.0 {
            Some(value) => value.resolve(ctx, field).await,
            // Only a look-ahead that missed the selection gets here: a server fault, not the
            // client's.
            None => Err(ServerError::new(
                format!("{} was not computed", field.node.name.node),
                Some(field.pos),
            )),
        }
    }
}

/// Whether the client selected `totalCount` on the connection being resolved.
pub fn wants_total(ctx: &async_graphql::Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// The page a list's Relay arguments ask for, counting its rows only when the client selected
/// `totalCount`; errors name the offending argument.
pub fn list_request(
    ctx: &async_graphql::Context<'_>,
    after: Option<&str>,
    before: Option<&str>,
    first: Option<i32>,
    last: Option<i32>,
) -> AppResult<PageRequest> {
    Ok(PageRequest::parse(after, before, first, last)?.counting(wants_total(ctx)))
}

/// Page info and `(cursor, node)` pairs of a page.
pub fn edges_of<M, N>(
    page: Page<M>,
    node: impl Fn(M) -> N,
) -> (PageInfo, Vec<(String, N)>, TotalCount) {
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
    (info, edges, Asked(page.total_count))
}

/// The selections of the nodes of the connection being resolved: under `edges.node` and under
/// `nodes`, aliases and fragments included.
pub fn node_selections<'a>(
    ctx: &'a async_graphql::Context<'_>,
) -> Vec<async_graphql::SelectionField<'a>> {
    use super::columns::children;
    let connection = ctx.look_ahead().selection_fields();
    let mut nodes = children(&children(&connection, "edges"), "node");
    nodes.extend(children(&connection, "nodes"));
    nodes
}

/// The columns of `M` the nodes of the connection being resolved need, by `columns`.
pub fn node_needs<M: crate::db::ReadAt>(
    ctx: &async_graphql::Context<'_>,
    columns: &super::columns::FieldColumns,
) -> crate::columns::Needs {
    columns.needs::<M>(&node_selections(ctx))
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
            pub total_count: $crate::graphql::pagination::TotalCount,
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

/// A child list paged under many parents at once (a page of contacts under each customer of a
/// page); [`PagesOf`] batches its pages, one statement per distinct page request.
pub trait ChildPages: Send + Sync + 'static {
    /// What the list holds.
    type Item: Clone + Send + Sync + 'static;

    /// The columns of each item the fields under `selections` (its nodes' selections) need;
    /// every column unless the list says otherwise.
    fn needs(selections: &[async_graphql::SelectionField<'_>]) -> crate::columns::Needs {
        let _ = selections;
        crate::columns::Needs::ALL
    }

    /// One page of each parent's children, keyed by parent (a parent without children may be
    /// left out).
    fn pages(
        &self,
        parents: &[uuid::Uuid],
        request: &crate::pagination::PageRequest,
    ) -> impl std::future::Future<
        Output = crate::error::AppResult<std::collections::HashMap<uuid::Uuid, Page<Self::Item>>>,
    > + Send;
}

/// Declares `$name`, the batch loader of a child list bound to the request's viewer (none
/// signed in: no pages): `$pages` reads the pages with `$db`, `$viewer`, `$parents` and
/// `$request`; with `columns`, the items are models read with the columns that map names for
/// the selection (otherwise whole).
#[macro_export]
macro_rules! viewer_pages {
    (
        $(#[$meta:meta])* $name:ident, $item:ty, $(columns: $columns:expr,)?
        |$db:ident, $viewer:ident, $parents:ident, $request:ident| $pages:expr
    ) => {
        $(#[$meta])*
        pub struct $name {
            pub db: sea_orm::DatabaseConnection,
            pub viewer: Option<$crate::identity::Viewer>,
        }

        impl $crate::graphql::pagination::ChildPages for $name {
            type Item = $item;

            $(fn needs(
                selections: &[async_graphql::SelectionField<'_>],
            ) -> $crate::columns::Needs {
                $columns.needs::<$item>(selections)
            })?

            async fn pages(
                &self,
                $parents: &[uuid::Uuid],
                $request: &$crate::pagination::PageRequest,
            ) -> $crate::error::AppResult<
                std::collections::HashMap<uuid::Uuid, $crate::pagination::Page<$item>>,
            > {
                let Some($viewer) = &self.viewer else {
                    return Ok(std::collections::HashMap::new());
                };
                let $db = &self.db;
                $pages.await
            }
        }
    };
}

/// The batch loader of a child list's pages, keyed by parent and page request.
pub struct PagesOf<T>(pub T);

impl<T: ChildPages> async_graphql::dataloader::Loader<(uuid::Uuid, crate::pagination::PageRequest)>
    for PagesOf<T>
{
    type Value = Page<T::Item>;
    type Error = crate::error::AppError;

    async fn load(
        &self,
        keys: &[(uuid::Uuid, crate::pagination::PageRequest)],
    ) -> Result<
        std::collections::HashMap<(uuid::Uuid, crate::pagination::PageRequest), Self::Value>,
        Self::Error,
    > {
        let mut found = std::collections::HashMap::new();
        for (request, parents) in crate::pagination::children::by_request(keys) {
            for (parent, page) in self.0.pages(&parents, &request).await? {
                found.insert((parent, request.clone()), page);
            }
        }
        Ok(found)
    }
}

/// The page of `parent`'s children that the Relay arguments ask for: the one `prefetched`
/// when it answers the same request, otherwise through `T`'s loader, batched with the pages
/// its siblings ask for.
pub async fn child_page<T: ChildPages>(
    ctx: &async_graphql::Context<'_>,
    parent: uuid::Uuid,
    args: PageArgs,
    prefetched: Option<&(crate::pagination::PageRequest, Page<T::Item>)>,
) -> async_graphql::Result<Page<T::Item>>
where
    PagesOf<T>: super::loaders::Lazy,
{
    use super::context::ContextExt;
    let request = args
        .request()?
        .counting(wants_total(ctx))
        .needing(T::needs(&node_selections(ctx)));
    if let Some(page) = prefetched.and_then(|(read_for, page)| page.answering(read_for, &request)) {
        return Ok(page);
    }
    let loader = ctx.loader::<PagesOf<T>>()?;
    Ok(loader
        .load_one((parent, request.clone()))
        .await?
        .unwrap_or_else(|| Page::empty(&request)))
}

/// The Relay arguments of a list, as a resolver received them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// The validated request; errors name the offending argument.
    pub fn request(&self) -> crate::error::AppResult<crate::pagination::PageRequest> {
        crate::pagination::PageRequest::parse(
            self.after.as_deref(),
            self.before.as_deref(),
            self.first,
            self.last,
        )
    }
}

/// The one page that answers every selection of a child list (aliases included): the page
/// they all ask for, or the largest when all ask for a first page of some size (a smaller one
/// is its start, see [`Page::answering`]), counted when one of them selects `totalCount`;
/// `None` otherwise, or when one is invalid (each selection then asks its loader).
pub fn selected_page(
    look: &async_graphql::Lookahead<'_>,
) -> Option<crate::pagination::PageRequest> {
    let count = look.field("totalCount").exists();
    let mut found: Option<crate::pagination::PageRequest> = None;
    for field in look.selection_fields() {
        let arguments = field.arguments().ok()?;
        let given = |name: &str| {
            arguments
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, value)| value)
        };
        let number = |name: &str| match given(name) {
            Some(Value::Number(n)) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
            _ => None,
        };
        let text = |name: &str| match given(name) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let args = PageArgs {
            first: number("first"),
            after: text("after"),
            last: number("last"),
            before: text("before"),
        };
        let request = args.request().ok()?.counting(count);
        found = match found {
            None => Some(request),
            Some(earlier) if earlier.answers(&request) => Some(earlier),
            Some(earlier) if request.answers(&earlier) => Some(request),
            Some(_) => return None,
        };
    }
    found
}
