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

    assert_eq!(
        allowed["data"]["__schema"]["queryType"]["name"],
        "QueryRoot"
    );
    assert!(refused["data"]["__schema"].is_null(), "{refused}");
    let typo = off.gql(None, "{ serverInf { version } }", json!({})).await;
    assert_eq!(error_code(&typo), Some("GRAPHQL_VALIDATION_FAILED"));
    assert!(
        !typo["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );
}

/// Definitions and members of an SDL document that no description precedes.
fn undescribed(sdl: &str) -> Vec<String> {
    let mut missing = Vec::new();
    let mut in_block = false;
    let mut described = false;
    let mut in_schema = false;
    for line in sdl.lines() {
        let trimmed = line.trim();
        if in_block {
            if trimmed.ends_with("\"\"\"") {
                in_block = false;
                described = true;
            }
            continue;
        }
        if trimmed.starts_with("\"\"\"") {
            in_block = !(trimmed.len() > 3 && trimmed.ends_with("\"\"\""));
            described = !in_block;
            continue;
        }
        if trimmed.starts_with('"') {
            described = true;
            continue;
        }
        if trimmed.starts_with("schema") {
            in_schema = true;
        }
        let skip = trimmed.is_empty()
            || trimmed.starts_with('}')
            || trimmed.starts_with(')')
            || trimmed.starts_with("directive ")
            || trimmed.starts_with("extend ")
            || in_schema;
        if trimmed.starts_with('}') {
            in_schema = false;
        }
        if !skip && !described {
            missing.push(trimmed.to_owned());
        }
        described = false;
    }
    missing
}

#[test]
fn every_type_and_field_of_the_schema_is_described() {
    let missing = undescribed(&salesgraph::graphql::sdl());
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}

#[test]
fn the_description_check_notices_a_missing_description() {
    let sdl = "\"\"\"\nA thing.\n\"\"\"\ntype Thing {\n\t\"\"\"\n\tIts id.\n\t\"\"\"\n\tid: ID!\n\tname: String!\n}\n";
    assert_eq!(undescribed(sdl), vec!["name: String!".to_owned()]);
}
