//! Field history of the records a caller sees (`Customer.history`, `Opportunity.history`,
//! `Contract.history`, `Lead.history`), from the audit log, masked where a role may not look.

use serde_json::{Value, json};

use crate::helpers::*;

const NODES: &str = "history(first: 50) { nodes { at action field from to masked actor { id } } pageInfo { hasNextPage endCursor } }";

fn changes(body: &Value, path: &[&str]) -> Vec<(String, Value, Value, bool)> {
    let mut at = body.clone();
    for key in path {
        at = at[*key].clone();
    }
    at["history"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| {
            (
                n["field"].as_str().unwrap().to_owned(),
                n["from"].clone(),
                n["to"].clone(),
                n["masked"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_customer_s_history_names_each_field_before_and_after_for_those_who_see_it() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let stranger = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Hist Co").await;
    let renamed = app
        .gql(
            Some(&rep.token),
            "mutation($id: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1, name: \"Hist Ltd\"}) { customer { id } } }",
            json!({"id": customer}),
        )
        .await;
    assert!(renamed["errors"].is_null(), "{renamed}");
    let query = format!("query($id: ID!) {{ customer(id: $id) {{ {NODES} }} }}");
    let read = app
        .gql(Some(&rep.token), &query, json!({"id": customer}))
        .await;
    let names: Vec<_> = changes(&read, &["data", "customer"])
        .into_iter()
        .filter(|(field, ..)| field == "name")
        .collect();
    assert_eq!(
        names,
        [
            (
                "name".to_owned(),
                json!("Hist Co"),
                json!("Hist Ltd"),
                false
            ),
            ("name".to_owned(), json!(null), json!("Hist Co"), false),
        ],
        "{read}"
    );
    let first = &read["data"]["customer"]["history"]["nodes"][0];
    assert_eq!(first["action"], "customer.updated");
    assert_eq!(first["actor"]["id"], rep.id.as_str());
    // Someone who cannot see the customer cannot reach its history either.
    let hidden = app
        .gql(Some(&stranger.token), &query, json!({"id": customer}))
        .await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
}

#[tokio::test]
async fn a_deal_s_stage_moves_show_both_stages() {
    let app = TestApp::spawn().await;
    crate::fixtures::without_playbook(&app).await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Stage Co").await;
    let created = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id stage { id } } } }",
            json!({"input": {"customerId": customer, "name": "Moving", "amount": "10", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    let deal = &created["data"]["createOpportunity"]["opportunity"];
    let stages = app
        .gql(Some(&rep.token), "{ pipelineStages { id } }", json!({}))
        .await;
    let next = stages["data"]["pipelineStages"][1]["id"].clone();
    let moved = app
        .gql(
            Some(&rep.token),
            "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s, expectedVersion: 1}) { opportunity { id } } }",
            json!({"id": deal["id"], "s": next}),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    let query = format!("query($id: ID!) {{ opportunity(id: $id) {{ {NODES} }} }}");
    let read = app
        .gql(Some(&rep.token), &query, json!({"id": deal["id"]}))
        .await;
    let found = changes(&read, &["data", "opportunity"]);
    assert_eq!(
        found[0],
        (
            "stageId".to_owned(),
            deal["stage"]["id"].clone(),
            next,
            false
        ),
        "{read}"
    );
    assert!(found.contains(&("amount".to_owned(), json!(null), json!("10.00"), false)));
}

#[tokio::test]
async fn customer_service_reads_a_contract_s_history_without_its_money() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let contract = crate::fixtures::a_contract(&app, &rep, "1200.00").await;
    let query = format!("query($id: ID!) {{ contract(id: $id) {{ {NODES} }} }}");
    let amount = |body: &Value| {
        changes(body, &["data", "contract"])
            .into_iter()
            .find(|(field, ..)| field == "amount")
            .unwrap_or_else(|| panic!("{body}"))
    };
    let owner = app
        .gql(Some(&rep.token), &query, json!({"id": contract["id"]}))
        .await;
    assert_eq!(
        amount(&owner),
        ("amount".to_owned(), json!(null), json!("1200.00"), false)
    );
    let service = app
        .gql(Some(&support.token), &query, json!({"id": contract["id"]}))
        .await;
    assert_eq!(
        amount(&service),
        ("amount".to_owned(), json!(null), json!(null), true),
        "{service}"
    );
    assert!(
        changes(&service, &["data", "contract"])
            .iter()
            .any(|(field, _, to, masked)| field == "number" && !masked && !to.is_null())
    );
}

#[tokio::test]
async fn histories_of_a_whole_list_take_one_statement_and_page_on() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let count = async |app: &TestApp| {
        app.quiet().await;
        let _ = app.take_statement_count();
        let read = app
            .gql(
                Some(&rep.token),
                "{ customers(first: 50) { nodes { id history(first: 5) { nodes { field } } } } }",
                json!({}),
            )
            .await;
        assert!(read["errors"].is_null(), "{read}");
        (
            read["data"]["customers"]["nodes"].as_array().unwrap().len(),
            app.take_statement_count(),
        )
    };
    crate::fixtures::a_customer(&app, &rep.token, "A Co").await;
    let (one, few) = count(&app).await;
    for name in ["B Co", "C Co", "D Co"] {
        crate::fixtures::a_customer(&app, &rep.token, name).await;
    }
    let (four, many) = count(&app).await;
    assert_eq!((one, four), (1, 4));
    assert_eq!(few, many, "one statement for every customer's history");

    // Paging through one history.
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Paged Co").await;
    for (version, name) in [(1, "P1"), (2, "P2"), (3, "P3")] {
        app.gql(
            Some(&rep.token),
            "mutation($id: ID!, $v: Int!, $n: String!) { updateCustomer(input: {id: $id, expectedVersion: $v, name: $n}) { customer { id } } }",
            json!({"id": customer, "v": version, "n": name}),
        )
        .await;
    }
    let page = "query($id: ID!, $after: String) { customer(id: $id) { history(first: 2, after: $after) { nodes { to } pageInfo { hasNextPage endCursor } } } }";
    let first = app
        .gql(Some(&rep.token), page, json!({"id": customer}))
        .await;
    let history = &first["data"]["customer"]["history"];
    assert_eq!(
        history["nodes"],
        json!([{"to": "P3"}, {"to": "P2"}]),
        "{first}"
    );
    assert_eq!(history["pageInfo"]["hasNextPage"], true);
    let rest = app
        .gql(
            Some(&rep.token),
            page,
            json!({"id": customer, "after": history["pageInfo"]["endCursor"]}),
        )
        .await;
    assert_eq!(
        rest["data"]["customer"]["history"]["nodes"][0],
        json!({"to": "P1"}),
        "{rest}"
    );
}
