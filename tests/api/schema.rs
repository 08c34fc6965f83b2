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

    assert_eq!(allowed["data"]["__schema"]["queryType"]["name"], "Query");
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
        // Arguments are printed on their field's line only when none of them is described.
        if !skip && trimmed.contains('(') && trimmed.contains("):") {
            missing.push(format!("the arguments of {trimmed}"));
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
    let inline = "\"\"\"\nA thing.\n\"\"\"\ntype Thing {\n\t\"\"\"\n\tIts part.\n\t\"\"\"\n\tpart(id: ID!): String\n}\n";
    assert_eq!(
        undescribed(inline),
        vec!["the arguments of part(id: ID!): String".to_owned()]
    );
}

/// A type reference nested `levels` deep through `ofType`, as introspection queries of client
/// tooling spell it out.
fn type_ref(levels: usize) -> String {
    let mut text = String::from("kind name");
    for _ in 0..levels {
        text = format!("kind name ofType {{ {text} }}");
    }
    text
}

#[tokio::test]
async fn the_standard_introspection_query_passes_the_default_limits() {
    let app = TestApp::spawn().await;
    // The shape of graphql-js's `getIntrospectionQuery()`: types, their fields, arguments,
    // input fields, interfaces and possible types, each type reference nested eight deep.
    let refs = type_ref(8);
    let query = format!(
        "query IntrospectionQuery {{ __schema {{ description queryType {{ name }} \
         mutationType {{ name }} subscriptionType {{ name }} types {{ ...FullType }} \
         directives {{ name description isRepeatable locations args {{ ...InputValue }} }} }} }} \
         fragment FullType on __Type {{ kind name description specifiedByURL \
           fields(includeDeprecated: true) {{ name description args {{ ...InputValue }} \
             type {{ ...TypeRef }} isDeprecated deprecationReason }} \
           inputFields {{ ...InputValue }} interfaces {{ ...TypeRef }} \
           enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }} \
           possibleTypes {{ ...TypeRef }} }} \
         fragment InputValue on __InputValue {{ name description type {{ ...TypeRef }} defaultValue }} \
         fragment TypeRef on __Type {{ {refs} }}"
    );

    let body = app.gql(None, &query, json!({})).await;

    assert!(body["errors"].is_null(), "{body}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Opportunity"));
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    assert_eq!(body["data"]["__schema"]["mutationType"]["name"], "Mutation");
    assert_eq!(
        body["data"]["__schema"]["subscriptionType"]["name"],
        "Subscription"
    );
}

#[tokio::test]
async fn introspection_that_fans_out_or_nests_without_end_is_refused_before_it_runs() {
    let app = TestApp::spawn().await;
    let fanning =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let deep = format!("{{ __type(name: \"Query\") {{ {} }} }}", type_ref(30));
    // The same fan-out, hidden in fragments.
    let hidden = "{ __type(name: \"Opportunity\") { ...A } } \
        fragment A on __Type { fields { type { ...B } } } \
        fragment B on __Type { ofType { fields { type { ...C } } } } \
        fragment C on __Type { ofType { fields { name } } }";

    for query in [fanning, deep.as_str(), hidden] {
        let body = app.gql(None, query, json!({})).await;

        assert_eq!(error_code(&body), Some("QUERY_REJECTED"), "{body}");
        assert!(body.get("data").is_none(), "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("introspection"), "{message}");
    }
}

#[tokio::test]
async fn data_depth_is_measured_without_introspection_and_named_in_the_refusal() {
    let app = TestApp::spawn_with(|c| c.max_depth = 3).await;
    let within =
        "{ me { team { id } } __schema { types { fields { type { ofType { name } } } } } }";
    let beyond = "{ me { team { manager { id } } } }";

    let allowed = app.admin(within, json!({})).await;
    let refused = app.admin(beyond, json!({})).await;

    assert!(allowed["errors"].is_null(), "{allowed}");
    assert_eq!(error_code(&refused), Some("QUERY_REJECTED"));
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("4 levels") && message.contains("limit is 3"),
        "{message}"
    );
}
