//! Lists read only the columns their selection needs: every field, asked alone so that the
//! fewest columns are read for it, answers as the record read whole by its lookup does;
//! cursors keep their sort value whatever is selected; a narrow selection reads fewer columns.

mod billing;
mod children;
mod deals;
mod records;

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// For every field of `alone`: each node of `list` (a connection field with its arguments)
/// answers as the same record read whole by `lookup(id: …)` does (`node` with a fragment on
/// `on_type` when given), with `expected` nodes.
pub async fn each_field_as_the_whole(
    app: &TestApp,
    token: &str,
    (list, lookup, on_type): (&str, &str, Option<&str>),
    alone: &[&str],
    expected: usize,
) {
    let name = list.split('(').next().unwrap_or(list);
    for item in alone {
        let page = app
            .gql(
                Some(token),
                &format!("{{ {list} {{ edges {{ node {{ id {item} }} }} }} }}"),
                json!({}),
            )
            .await;
        assert!(page["errors"].is_null(), "{item}: {page}");
        let edges = page["data"][name]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), expected, "{item}: {page}");
        for edge in edges {
            let node = &edge["node"];
            let query = match on_type {
                Some(kind) => format!(
                    "query($id: ID!) {{ {lookup}(id: $id) {{ ... on {kind} {{ id {item} }} }} }}"
                ),
                None => format!("query($id: ID!) {{ {lookup}(id: $id) {{ id {item} }} }}"),
            };
            let whole = app
                .gql(Some(token), &query, json!({"id": node["id"]}))
                .await;
            assert!(whole["errors"].is_null(), "{item}: {whole}");
            assert_eq!(node, &whole["data"][lookup], "{item}");
        }
    }
}

/// Walks `list` one node at a time selecting only ids, for each `(order field, a field showing
/// it)`, both directions: the walk meets the nodes in the order a page selecting that field
/// shows them.
pub async fn cursors_follow_every_order(
    app: &TestApp,
    token: &str,
    list: &str,
    orders: &[(&str, &str)],
) {
    for (field, selected) in orders {
        for direction in ["ASC", "DESC"] {
            let order = format!("orderBy: {{field: {field}, direction: {direction}}}");
            let query = format!("{{ {list}(first: 50, {order}) {{ nodes {{ id {selected} }} }} }}");
            let whole = app.gql(Some(token), &query, json!({})).await;
            let expected: Vec<Value> = whole["data"][list]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{whole}"))
                .iter()
                .map(|node| node["id"].clone())
                .collect();
            assert!(expected.len() >= 3, "{whole}");
            let mut walked = Vec::new();
            let mut after = Value::Null;
            loop {
                let query = format!(
                    "query($after: String) {{ {list}(first: 1, after: $after, {order}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }}"
                );
                let page = app.gql(Some(token), &query, json!({"after": after})).await;
                assert!(page["errors"].is_null(), "{order}: {page}");
                let found = &page["data"][list];
                walked.extend(
                    found["nodes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n["id"].clone()),
                );
                if found["pageInfo"]["hasNextPage"] != json!(true) {
                    break;
                }
                assert!(walked.len() <= expected.len(), "{order}: no end");
                after = found["pageInfo"]["endCursor"].clone();
            }
            assert_eq!(walked, expected, "{list} {order}");
        }
    }
}

/// The one statement reading `table` while `query` runs.
pub async fn the_statement_of(app: &TestApp, token: &str, query: &str, table: &str) -> String {
    app.record_sql();
    let body = app.gql(Some(token), query, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let from = format!("FROM \"{table}\"");
    let reading: Vec<String> = app
        .recorded_sql()
        .into_iter()
        .filter(|s| s.contains(&from))
        .collect();
    assert_eq!(reading.len(), 1, "{query}: {reading:?}");
    reading[0].clone()
}
