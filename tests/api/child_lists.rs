//! Lists under a record (a customer's contacts, a lead's follow-ups, a contract's payments)
//! are Relay connections: paged with cursors both ways, counted, ordered like their parent
//! list's documentation says, batched under a page of parents, and bounded by the cost limit.

use serde_json::{Value, json};

use crate::fixtures::a_customer;
use crate::helpers::*;

async fn add_contact(app: &TestApp, token: &str, customer: &str, name: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": name}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

const CONTACTS: &str = "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { \
    customer(id: $id) { contacts(first: $first, after: $after, last: $last, before: $before) { \
    totalCount nodes { name } edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }";

fn names(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{connection}"))
        .iter()
        .filter_map(|node| node["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_customers_contacts_page_forward_and_back_with_their_count() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_customer(&app, &rep.token, "Paged Ltd").await;
    for name in ["A", "B", "C", "D", "E"] {
        add_contact(&app, &rep.token, &id, name).await;
    }
    let page = |vars: Value| {
        let app = &app;
        let token = rep.token.clone();
        let mut vars = vars;
        vars["id"] = json!(id);
        async move {
            let body = app.gql(Some(&token), CONTACTS, vars).await;
            body["data"]["customer"]["contacts"].clone()
        }
    };

    let first = page(json!({"first": 2})).await;
    let cursor = |c: &Value, at: &str| c["pageInfo"][at].as_str().unwrap_or_default().to_owned();
    let second = page(json!({"first": 2, "after": cursor(&first, "endCursor")})).await;
    let third = page(json!({"first": 2, "after": cursor(&second, "endCursor")})).await;
    let beyond = page(json!({"first": 2, "after": cursor(&third, "endCursor")})).await;
    let tail = page(json!({"last": 2})).await;
    let before_tail = page(json!({"last": 2, "before": cursor(&tail, "startCursor")})).await;
    let everything = page(json!({})).await;

    assert_eq!(names(&first), ["A", "B"], "oldest first");
    assert_eq!(first["totalCount"], 5);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(first["edges"][1]["cursor"], first["pageInfo"]["endCursor"]);
    assert_eq!(names(&second), ["C", "D"]);
    assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(names(&third), ["E"]);
    assert_eq!(third["pageInfo"]["hasNextPage"], false);
    // Past the end: nothing, still counted.
    assert_eq!(names(&beyond), Vec::<String>::new());
    assert_eq!(beyond["totalCount"], 5);
    assert_eq!(beyond["pageInfo"]["hasNextPage"], false);
    assert_eq!(names(&tail), ["D", "E"]);
    assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(names(&before_tail), ["B", "C"]);
    assert_eq!(before_tail["pageInfo"]["hasNextPage"], true);
    assert_eq!(names(&everything), ["A", "B", "C", "D", "E"]);
    assert_eq!(everything["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn each_customer_of_a_page_gets_its_own_page_of_contacts_in_the_same_statements() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for i in 0..8 {
        let id = a_customer(&app, &rep.token, &format!("Customer {i}")).await;
        // Customer i has i contacts: pages and counts differ from one customer to the next.
        for c in 0..i {
            add_contact(&app, &rep.token, &id, &format!("C{i}-{c}")).await;
        }
    }
    let query = "query($n: Int!) { customers(first: $n) { nodes { name \
        firstTwo: contacts(first: 2) { totalCount nodes { name } pageInfo { hasNextPage } } \
        lastOne: contacts(last: 1) { nodes { name } pageInfo { hasPreviousPage } } } } }";

    let (small_cost, _) = app
        .cheapest_cost(Some(&rep.token), query, json!({"n": 2}))
        .await;
    let (large_cost, large) = app
        .cheapest_cost(Some(&rep.token), query, json!({"n": 8}))
        .await;

    let nodes = large["data"]["customers"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{large}"));
    assert_eq!(nodes.len(), 8);
    for (i, node) in nodes.iter().enumerate() {
        let expected: Vec<String> = (0..i.min(2)).map(|c| format!("C{i}-{c}")).collect();
        assert_eq!(names(&node["firstTwo"]), expected, "{node}");
        assert_eq!(node["firstTwo"]["totalCount"], i);
        assert_eq!(node["firstTwo"]["pageInfo"]["hasNextPage"], i > 2);
        let last: Vec<String> = i
            .checked_sub(1)
            .map(|c| format!("C{i}-{c}"))
            .into_iter()
            .collect();
        assert_eq!(names(&node["lastOne"]), last);
        assert_eq!(node["lastOne"]["pageInfo"]["hasPreviousPage"], i > 1);
    }
    // One statement per distinct page request, however many customers.
    assert_eq!(
        large_cost, small_cost,
        "statements for 8 customers and for 2"
    );
}

#[tokio::test]
async fn follow_ups_page_newest_first_through_time_cursors() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_customer(&app, &rep.token, "Timed").await;
    for (content, at) in [
        ("second", "2026-11-02T09:00:00Z"),
        ("first", "2026-11-01T09:00:00Z"),
        ("third", "2026-11-03T09:00:00Z"),
    ] {
        let body = app
            .gql(
                Some(&rep.token),
                "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
                json!({"input": {"subjectId": id, "kind": "CALL", "content": content, "occurredAt": at}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let query = "query($id: ID!, $after: String) { customer(id: $id) { followUps(first: 2, after: $after) { \
        totalCount nodes { content } pageInfo { hasNextPage endCursor } } } }";
    let contents = |body: &Value| -> Vec<String> {
        body["data"]["customer"]["followUps"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .filter_map(|f| f["content"].as_str().map(str::to_owned))
            .collect()
    };

    let first = app.gql(Some(&rep.token), query, json!({"id": id})).await;
    let after = string_at(
        &first,
        &["data", "customer", "followUps", "pageInfo", "endCursor"],
    );
    let rest = app
        .gql(Some(&rep.token), query, json!({"id": id, "after": after}))
        .await;

    assert_eq!(contents(&first), ["third", "second"]);
    assert_eq!(first["data"]["customer"]["followUps"]["totalCount"], 3);
    assert_eq!(contents(&rest), ["first"]);
    assert_eq!(
        rest["data"]["customer"]["followUps"]["pageInfo"]["hasNextPage"],
        false
    );
}

#[tokio::test]
async fn child_list_arguments_are_checked_like_a_root_lists() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_customer(&app, &rep.token, "Checked").await;
    add_contact(&app, &rep.token, &id, "Only").await;
    let followed = app
        .gql(
            Some(&rep.token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": id, "kind": "CALL", "content": "x"}}),
        )
        .await;
    assert!(followed["errors"].is_null(), "{followed}");
    let timed = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { customer(id: $id) { followUps(first: 1) { pageInfo { endCursor } } } }",
            json!({"id": id}),
        )
        .await;
    let time_cursor = string_at(
        &timed,
        &["data", "customer", "followUps", "pageInfo", "endCursor"],
    );
    let ask = |vars: Value| {
        let app = &app;
        let token = rep.token.clone();
        let mut vars = vars;
        vars["id"] = json!(id);
        async move { app.gql(Some(&token), CONTACTS, vars).await }
    };

    let too_many = ask(json!({"first": 101})).await;
    let both = ask(json!({"first": 1, "last": 1})).await;
    let garbage = ask(json!({"after": "not-a-cursor"})).await;
    // A follow-up cursor carries a time; contacts are ordered by id alone.
    let foreign = ask(json!({"before": time_cursor})).await;
    let costly = app
        .gql(
            Some(&rep.token),
            "{ customers(first: 100) { nodes { contacts(first: 100) { nodes { name } } } } }",
            json!({}),
        )
        .await;

    assert_eq!(
        (error_code(&too_many), error_field(&too_many)),
        (Some("BAD_USER_INPUT"), Some("first"))
    );
    assert_eq!(error_code(&both), Some("BAD_USER_INPUT"));
    assert_eq!(
        (error_code(&garbage), error_field(&garbage)),
        (Some("BAD_USER_INPUT"), Some("after"))
    );
    assert_eq!(
        (error_code(&foreign), error_field(&foreign)),
        (Some("BAD_USER_INPUT"), Some("before"))
    );
    // The list answers the error at its own path (its null then reaches the nullable customer).
    assert_eq!(
        foreign["errors"][0]["path"],
        json!(["customer", "contacts"]),
        "{foreign}"
    );
    assert_eq!(error_code(&costly), Some("QUERY_REJECTED"), "{costly}");
    assert!(costly["errors"][0]["extensions"]["cost"].as_u64() > Some(10_000));
}

#[tokio::test]
async fn one_customers_view_pages_its_lists_in_its_one_statement_as_the_loaders_do() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_customer(&app, &rep.token, "Viewed").await;
    for name in ["A", "B", "C", "D"] {
        add_contact(&app, &rep.token, &id, name).await;
    }
    let cursor = app
        .gql(Some(&rep.token), CONTACTS, json!({"id": id, "first": 1}))
        .await;
    let after = string_at(
        &cursor,
        &["data", "customer", "contacts", "pageInfo", "endCursor"],
    );
    let single = "query($id: ID!, $after: String) { customer(id: $id) { \
        contacts(first: 2, after: $after) { totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage } } } }";
    let listed = "query($after: String) { customers(first: 5) { nodes { \
        contacts(first: 2, after: $after) { totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage } } } } }";

    app.gql(Some(&rep.token), "{ me { id } }", json!({})).await;
    app.quiet().await;
    let view = app
        .gql(Some(&rep.token), single, json!({"id": id, "after": after}))
        .await;
    let cost = app.take_statement_count();
    let page = app
        .gql(Some(&rep.token), listed, json!({"after": after}))
        .await;

    let contacts = &view["data"]["customer"]["contacts"];
    assert_eq!(names(contacts), ["B", "C"], "{view}");
    assert_eq!(contacts["totalCount"], 4);
    assert_eq!(contacts["pageInfo"]["hasNextPage"], true);
    assert_eq!(contacts["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(
        contacts, &page["data"]["customers"]["nodes"][0]["contacts"],
        "the same page through the loader"
    );
    // The customer's statement and the one of its lists.
    assert_eq!(cost, 2, "{view}");
}
