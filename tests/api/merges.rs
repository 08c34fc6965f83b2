//! Merging duplicate customers: everything linked moves to the survivor in one step, the old
//! id answers with the survivor, the merge is audited and undone within its window while
//! nothing new was linked; who may merge and undo what.

use serde_json::{Value, json};

use crate::helpers::*;

const MERGE: &str = "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id name industry version } merge { id survivorId mergedIds moved undoUntil undoneAt } } }";
const UNDO: &str = "mutation($input: UndoMergeInput!) { undoMerge(input: $input) { merge { id undoneAt } customer { id name industry } } }";
const CARD: &str = "query($id: ID!) { customer(id: $id) { id name industry contacts(first: 10) { nodes { name } } opportunities(first: 10) { nodes { name } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Customer { name } } }";

async fn merge(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), MERGE, json!({"input": input})).await
}

async fn contact(app: &TestApp, token: &str, customer: &str, name: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": name}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn deal(app: &TestApp, token: &str, customer: &str, name: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": name, "amount": "1000.00", "expectedCloseDate": "2027-03-31"}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

fn names(card: &Value, list: &str) -> Vec<String> {
    let mut names: Vec<String> = card["data"]["customer"][list]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{card}"))
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_merge_moves_everything_to_the_survivor_and_an_undo_puts_it_back() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let survivor = crate::fixtures::a_customer(&app, &rep.token, "Acme").await;
    let duplicate = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": "ACME Ltd.", "industry": "Retail"}}),
        )
        .await;
    let duplicate = string_at(&duplicate, &["data", "createCustomer", "customer", "id"]);
    contact(&app, &rep.token, &survivor, "Ann").await;
    contact(&app, &rep.token, &duplicate, "Bo").await;
    deal(&app, &rep.token, &duplicate, "Pumps for Acme").await;

    // A phone synced a while after the server started (its log's start).
    app.clock.advance(chrono::Duration::minutes(2));
    let synced = app
        .gql(
            Some(&rep.token),
            "{ customers(first: 10) { serverTime } }",
            json!({}),
        )
        .await;
    let since = string_at(&synced, &["data", "customers", "serverTime"]);
    app.clock.advance(chrono::Duration::minutes(2));
    let merged = merge(
        &app,
        &rep.token,
        json!({"survivorId": survivor, "mergedIds": [duplicate],
            "fieldChoices": [{"field": "INDUSTRY", "fromId": duplicate}]}),
    )
    .await;
    assert!(merged["errors"].is_null(), "{merged}");
    let result = &merged["data"]["mergeCustomers"];
    assert_eq!(result["customer"]["name"], "Acme");
    assert_eq!(result["customer"]["industry"], "Retail");
    assert!(
        result["merge"]["moved"].as_i64() >= Some(2),
        "a contact and a deal at least: {merged}"
    );
    assert_eq!(result["merge"]["mergedIds"], json!([duplicate]));
    let merge_id = result["merge"]["id"].as_str().unwrap().to_owned();

    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": survivor}))
        .await;
    assert_eq!(names(&card, "contacts"), vec!["Ann", "Bo"]);
    assert_eq!(names(&card, "opportunities"), vec!["Pumps for Acme"]);
    // The merged id answers with the survivor, through node and customer alike.
    let node = app
        .gql(Some(&rep.token), NODE, json!({"id": duplicate}))
        .await;
    assert_eq!(node["data"]["node"]["id"], survivor.as_str(), "{node}");
    let old = app
        .gql(Some(&rep.token), CARD, json!({"id": duplicate}))
        .await;
    assert_eq!(old["data"]["customer"]["id"], survivor.as_str(), "{old}");
    let listed = app
        .gql(
            Some(&rep.token),
            "{ customers(first: 10) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["customers"]["nodes"],
        json!([{"id": survivor}]),
        "the duplicate is gone from lists"
    );
    // A phone syncing since before the merge learns the duplicate went.
    let delta = app
        .gql(
            Some(&rep.token),
            "query($since: DateTime) { customers(filter: {updatedSince: $since}, first: 100) { removedIds resyncRequired nodes { id } } }",
            json!({"since": since}),
        )
        .await;
    assert_eq!(
        delta["data"]["customers"]["removedIds"],
        json!([duplicate]),
        "{delta}"
    );
    let audit = app
        .admin(
            "query($f: AuditLogFilter) { auditLog(filter: $f, first: 20) { nodes { action } } }",
            json!({"f": {"action": "customer.merged"}}),
        )
        .await;
    assert_eq!(
        audit["data"]["auditLog"]["nodes"].as_array().map(Vec::len),
        Some(1),
        "{audit}"
    );

    let undone = app
        .gql(Some(&rep.token), UNDO, json!({"input": {"id": merge_id}}))
        .await;
    assert!(undone["errors"].is_null(), "{undone}");
    assert!(undone["data"]["undoMerge"]["merge"]["undoneAt"].is_string());
    assert!(undone["data"]["undoMerge"]["customer"]["industry"].is_null());
    let back = app
        .gql(Some(&rep.token), CARD, json!({"id": duplicate}))
        .await;
    assert_eq!(back["data"]["customer"]["id"], duplicate.as_str(), "{back}");
    assert_eq!(back["data"]["customer"]["industry"], "Retail");
    assert_eq!(names(&back, "contacts"), vec!["Bo"]);
    assert_eq!(names(&back, "opportunities"), vec!["Pumps for Acme"]);
    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": survivor}))
        .await;
    assert_eq!(names(&card, "contacts"), vec!["Ann"]);
    let again = app
        .gql(Some(&rep.token), UNDO, json!({"input": {"id": merge_id}}))
        .await;
    assert_eq!(error_code(&again), Some("INVALID_STATE"), "{again}");
}

#[tokio::test]
async fn only_sellers_who_see_every_record_merge_and_only_the_merger_or_an_admin_undoes() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let stranger = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let one = crate::fixtures::a_customer(&app, &rep.token, "One").await;
    let two = crate::fixtures::a_customer(&app, &rep.token, "Two").await;
    let three = crate::fixtures::a_customer(&app, &rep.token, "Three").await;
    let theirs = crate::fixtures::a_customer(&app, &stranger.token, "Theirs").await;

    // Finance and customer service see every customer but change none.
    for token in [&finance.token, &support.token] {
        let body = merge(&app, token, json!({"survivorId": one, "mergedIds": [two]})).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let refusals = [
        (
            json!({"survivorId": one, "mergedIds": [theirs]}),
            "NOT_FOUND",
            "input.mergedIds.0",
        ),
        (
            json!({"survivorId": theirs, "mergedIds": [one]}),
            "NOT_FOUND",
            "input.survivorId",
        ),
        (
            json!({"survivorId": one, "mergedIds": [one]}),
            "BAD_USER_INPUT",
            "input.mergedIds",
        ),
        (
            json!({"survivorId": one, "mergedIds": []}),
            "BAD_USER_INPUT",
            "input.mergedIds",
        ),
        (
            json!({"survivorId": one, "mergedIds": [two, two]}),
            "BAD_USER_INPUT",
            "input.mergedIds",
        ),
        (
            json!({"survivorId": one, "mergedIds": vec![two.clone(); 11]}),
            "BAD_USER_INPUT",
            "input.mergedIds",
        ),
        (
            json!({"survivorId": one, "mergedIds": [two],
                "fieldChoices": [{"field": "NAME", "fromId": three}]}),
            "BAD_USER_INPUT",
            "input.fieldChoices.0.fromId",
        ),
    ];
    for (input, code, field) in refusals {
        let body = merge(&app, &rep.token, input.clone()).await;
        assert_eq!(
            code_and_field(&body),
            (Some(code), Some(field)),
            "{input}: {body}"
        );
    }
    let listed = app
        .gql(
            Some(&rep.token),
            "{ customers(first: 10) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["customers"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "nothing was merged: {listed}"
    );

    // The team's manager merges the rep's duplicates; the rep may not undo the manager's merge.
    let merged = merge(
        &app,
        &manager.token,
        json!({"survivorId": one, "mergedIds": [two]}),
    )
    .await;
    let merge_id = string_at(&merged, &["data", "mergeCustomers", "merge", "id"]);
    let body = app
        .gql(Some(&rep.token), UNDO, json!({"input": {"id": merge_id}}))
        .await;
    assert_eq!(
        code_and_field(&body),
        (Some("NOT_FOUND"), Some("input.id")),
        "{body}"
    );
    // Something new linked to the survivor since: the undo would lose track of it.
    contact(&app, &rep.token, &one, "New since").await;
    let body = app
        .gql(
            Some(&manager.token),
            UNDO,
            json!({"input": {"id": merge_id}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("INVALID_STATE"), "{body}");

    // Past the window, not even an admin undoes.
    let merged = merge(
        &app,
        &rep.token,
        json!({"survivorId": one, "mergedIds": [three]}),
    )
    .await;
    let late = string_at(&merged, &["data", "mergeCustomers", "merge", "id"]);
    app.clock.advance(chrono::Duration::hours(25));
    let admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let admin = string_at(&admin, &["data", "login", "accessToken"]);
    let body = app
        .gql(Some(&admin), UNDO, json!({"input": {"id": late}}))
        .await;
    assert_eq!(error_code(&body), Some("INVALID_STATE"), "{body}");
}
