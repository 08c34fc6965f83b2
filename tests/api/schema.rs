//! The published schema is exactly what the server serves.

use serde_json::json;

use crate::helpers::*;

#[test]
fn schema_graphql_matches_the_served_schema() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists");
    assert!(
        committed == salesgraph::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- export-schema --output schema.graphql`"
    );
}

#[tokio::test]
async fn introspection_is_on_by_default_and_can_be_switched_off() {
    let on = TestApp::spawn().await;
    let off = TestApp::spawn_with(|c| c.introspection = false).await;
    let query = "{ __schema { queryType { name } } }";

    let allowed = on.gql(None, query, json!({})).await;
    let refused = off.gql(None, query, json!({})).await;

    assert_eq!(allowed["data"]["__schema"]["queryType"]["name"], "QueryRoot");
    assert!(refused["errors"].is_array());
    let typo = off.gql(None, "{ serverInf { version } }", json!({})).await;
    assert!(!typo["errors"][0]["message"].as_str().unwrap().contains("Did you mean"));
}

#[test]
fn every_type_and_field_of_the_schema_is_described() {
    let sdl = salesgraph::graphql::sdl();
    let mut undocumented = Vec::new();
    let mut previous = "";
    for line in sdl.lines() {
        let trimmed = line.trim();
        let is_definition = ["type ", "input ", "enum ", "interface ", "scalar "].iter().any(|k| trimmed.starts_with(k));
        let is_member = line.starts_with('\t') || line.starts_with("  ");
        let is_member = is_member && !trimmed.starts_with('"') && !trimmed.is_empty() && !trimmed.starts_with('}');
        let documented = previous.ends_with('"');
        if (is_definition || is_member) && !documented && !trimmed.contains("@") {
            undocumented.push(trimmed.to_owned());
        }
        previous = trimmed;
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:#?}");
}
