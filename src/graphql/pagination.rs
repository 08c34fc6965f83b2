//! Relay connections from keyset pages.

use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge};
use async_graphql::OutputType;
use uuid::Uuid;

use crate::pagination::{Page, encode_cursor};

/// Fields every connection carries besides edges and page info.
#[derive(SimpleObject, Debug)]
pub struct ConnectionTotals {
    /// How many items match the filter, across all pages.
    pub total_count: u64,
}

/// A Relay connection of `N` with opaque string cursors and `totalCount`.
pub type RelayConnection<N> = Connection<String, N, ConnectionTotals>;

/// Converts a page of rows into a connection of GraphQL nodes.
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    id: impl Fn(&M) -> Uuid,
    node: impl Fn(M) -> N,
) -> RelayConnection<N> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        ConnectionTotals { total_count: page.total_count },
    );
    connection.edges = page
        .items
        .into_iter()
        .map(|item| Edge::new(encode_cursor(id(&item)), node(item)))
        .collect();
    connection
}
