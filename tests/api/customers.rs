//! Customers, contacts and the 360° view.

use serde_json::{Value, json};

use crate::fixtures::{CREATE_CUSTOMER, CUSTOMER, a_customer};
use crate::helpers::*;

async fn add_contact(app: &TestApp, token: &str, customer: &str, name: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id name phone version } } }",
        json!({"input": {"customerId": customer, "name": name, "phone": "+86 138 0000 0001"}}),
    )
    .await
}

#[tokio::test]
async fn a_rep_creates_a_customer_with_contacts_and_reads_it_back() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;

    let created = app
        .gql(
            Some(&rep.token),
            CREATE_CUSTOMER,
            json!({"input": {"name": "Acme Ltd", "location": {"lat": 31.23, "lng": 121.47}}}),
        )
        .await;
    let customer = &created["data"]["createCustomer"]["customer"];
    let id = customer["id"].as_str().unwrap();
    add_contact(&app, &rep.token, id, "Li Lei").await;
    let view = app
        .gql(Some(&rep.token), "query($id: ID!) { customer(id: $id) { name grade location { lat } owner { id } contacts { nodes { name phone } } } }", json!({"id": id}))
        .await;

    assert_eq!(customer["owner"]["id"], rep.id.as_str());
    assert_eq!(view["data"]["customer"]["location"]["lat"], 31.23);
    assert_eq!(
        view["data"]["customer"]["contacts"]["nodes"],
        json!([{"name": "Li Lei", "phone": "+86 138 0000 0001"}])
    );
}

#[tokio::test]
async fn another_reps_customer_is_indistinguishable_from_a_missing_one() {
    let app = TestApp::spawn().await;
    let owner = app.a_user().create().await;
    let other = app.a_user().create().await;
    let id = a_customer(&app, &owner.token, "Private Co").await;

    let hidden = app
        .gql(Some(&other.token), CUSTOMER, json!({"id": id}))
        .await;
    let update = app
        .gql(Some(&other.token), "mutation($id: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1, name: \"Mine\"}) { customer { id } } }", json!({"id": id}))
        .await;
    let contact = add_contact(&app, &other.token, &id, "Spy").await;
    // A syntactically valid id of a customer that never existed:
    let absent_id = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("Customer:{}", uuid::Uuid::now_v7()))
    };
    let absent = app
        .gql(Some(&other.token), CUSTOMER, json!({"id": absent_id}))
        .await;

    assert_eq!(error_code(&hidden), Some("NOT_FOUND"));
    assert_eq!(error_code(&update), Some("NOT_FOUND"));
    assert_eq!(error_code(&contact), Some("NOT_FOUND"));
    let strip = |mut v: Value| {
        v["errors"][0]["extensions"]["requestId"] = Value::Null;
        v
    };
    assert_eq!(strip(hidden).to_string(), strip(absent).to_string());
}

#[tokio::test]
async fn a_manager_sees_exactly_their_teams_customers_and_finance_reads_all() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("North", Some(&manager.id)).await;
    let member = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let manager_token = app.login(&manager.email, PASSWORD).await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    a_customer(&app, &member.token, "Member Co").await;
    a_customer(&app, &outsider.token, "Outsider Co").await;
    a_customer(&app, &manager_token, "Manager Co").await;
    let list = "{ customers { totalCount nodes { name } } }";

    let names = |body: Value| -> Vec<String> {
        let mut names: Vec<String> = body["data"]["customers"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(app.gql(Some(&manager_token), list, json!({})).await),
        ["Manager Co", "Member Co"]
    );
    assert_eq!(
        names(app.gql(Some(&member.token), list, json!({})).await),
        ["Member Co"]
    );
    assert_eq!(
        names(app.gql(Some(&finance.token), list, json!({})).await),
        ["Manager Co", "Member Co", "Outsider Co"]
    );
    let widened = app
        .gql(
            Some(&member.token),
            "query($o: ID) { customers(filter: {ownerId: $o}) { totalCount } }",
            json!({"o": outsider.id}),
        )
        .await;
    assert_eq!(
        widened["data"]["customers"]["totalCount"], 0,
        "a filter cannot widen visibility"
    );
    let finance_write = app
        .gql(
            Some(&finance.token),
            CREATE_CUSTOMER,
            json!({"input": {"name": "Nope"}}),
        )
        .await;
    assert_eq!(error_code(&finance_write), Some("FORBIDDEN"));
}

#[tokio::test]
async fn customer_updates_need_the_current_version_and_valid_input() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_customer(&app, &rep.token, "Versioned").await;
    let update = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { name region version location { lat } } } }";

    let ok = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": id, "expectedVersion": 1, "region": "East"}}),
        )
        .await;
    let stale = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": id, "expectedVersion": 1, "name": "Stale"}}),
        )
        .await;
    let bad = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": id, "expectedVersion": 2, "location": {"lat": 95, "lng": 0}}}),
        )
        .await;

    assert_eq!(ok["data"]["updateCustomer"]["customer"]["version"], 2);
    assert_eq!(ok["data"]["updateCustomer"]["customer"]["region"], "East");
    assert_eq!(error_code(&stale), Some("CONFLICT"));
    assert_eq!(
        (error_code(&bad), error_field(&bad)),
        (Some("BAD_USER_INPUT"), Some("input.location"))
    );
}

#[tokio::test]
async fn the_360_view_of_many_customers_costs_a_fixed_number_of_statements() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for i in 0..12 {
        let id = a_customer(&app, &rep.token, &format!("Customer {i}")).await;
        add_contact(&app, &rep.token, &id, "Contact A").await;
        app.gql(
            Some(&rep.token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": id, "kind": "CALL", "content": "Called"}}),
        )
        .await;
    }
    let query = "query($n: Int!) { customers(first: $n) { nodes { name owner { email } contacts(first: 5) { nodes { name customer { name } } } followUps(first: 5) { nodes { content author { email } subject { __typename ... on Customer { name } } } } } } }";
    // Warm up with the same shape: the pool opens the connections its parallel loaders need
    // (on PostgreSQL each new one runs a setup statement), so both measured runs meet a warm pool.
    app.gql(Some(&rep.token), query, json!({"n": 12})).await;

    let (small_cost, small) = app
        .cheapest_cost(Some(&rep.token), query, json!({"n": 2}))
        .await;
    let (large_cost, large) = app
        .cheapest_cost(Some(&rep.token), query, json!({"n": 12}))
        .await;

    assert_eq!(
        large["data"]["customers"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        12,
        "{large}"
    );
    assert_eq!(
        large["data"]["customers"]["nodes"][11]["followUps"]["nodes"][0]["content"],
        "Called"
    );
    assert!(small["errors"].is_null());
    // Customers are loaded at the second level from two places (a contact's customer, a
    // follow-up's subject): the two batches merge when both lists come back before the loader
    // runs, which on PostgreSQL's concurrent connections happens in some runs only. A loader
    // that queried per row would cost ten statements more for the larger page.
    assert!(
        large_cost <= small_cost + 1,
        "{large_cost} statements for 12 customers, {small_cost} for 2"
    );
}

#[tokio::test]
async fn one_customers_360_view_costs_two_statements_whatever_it_nests() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_customer(&app, &rep.token, "Harbour Freight").await;
    add_contact(&app, &rep.token, &id, "Contact A").await;
    add_contact(&app, &rep.token, &id, "Contact B").await;
    for (name, call) in [("Cranes", "First call"), ("Forklifts", "Second call")] {
        let deal = app
            .gql(
                Some(&rep.token),
                "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
                json!({"input": {"customerId": id, "name": name, "amount": "1200.50", "expectedCloseDate": "2026-12-31"}}),
            )
            .await;
        assert!(deal["errors"].is_null(), "{deal}");
        app.gql(
            Some(&rep.token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": id, "kind": "CALL", "content": call}}),
        )
        .await;
    }
    let query = "query($id: ID!) { customer(id: $id) { name owner { email } contacts { nodes { name } } \
        opportunities { nodes { name amount stage { name } } } lastFollowUp { content } \
        visits(first: 10) { nodes { id } } contracts { nodes { id } } receivable { outstanding credit } } }";
    app.gql(Some(&rep.token), "{ me { id } }", json!({})).await;

    app.quiet().await;
    let body = app.gql(Some(&rep.token), query, json!({"id": id})).await;
    let cost = app.take_statement_count();

    let customer = &body["data"]["customer"];
    assert_eq!(customer["name"], "Harbour Freight", "{body}");
    assert_eq!(customer["owner"]["email"], rep.email.as_str());
    assert_eq!(
        customer["contacts"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(customer["opportunities"]["nodes"][1]["name"], "Forklifts");
    assert_eq!(customer["opportunities"]["nodes"][1]["amount"], "1200.50");
    assert_eq!(
        customer["opportunities"]["nodes"][1]["stage"]["name"],
        "Initial contact"
    );
    assert_eq!(customer["lastFollowUp"]["content"], "Second call");
    assert_eq!(customer["receivable"]["outstanding"], "0.00");
    // The customer with its owner and newest follow-up, then its five lists (contacts, deals
    // with their stages, visits, contracts, receivable) side by side in a second statement.
    assert_eq!(cost, 2, "statements for one customer's 360° view");
}

/// The 360° view's lists, as one customer's fields.
const LISTS: &str = "id contacts(first: 10) { nodes { name } } \
    opportunities(first: 10) { nodes { name stage { name } } } \
    recent: visits(first: 2) { nodes { purpose plannedStart } } visits(first: 10) { nodes { purpose } } \
    contracts(first: 10) { nodes { title amount status } } receivable { outstanding overdue credit }";

#[tokio::test]
async fn the_360_views_single_statement_answers_as_the_loaders_do() {
    use chrono::{Duration, Utc};
    let app = TestApp::spawn().await;
    let books = crate::fixtures::books(&app).await;
    let id = crate::fixtures::customer(&app, &books, "Side By Side").await;
    let other = crate::fixtures::customer(&app, &books, "Someone Else").await;
    for name in ["Zoe", "Adam"] {
        add_contact(&app, &books.rep.token, &id, name).await;
    }
    add_contact(&app, &books.rep.token, &other, "Not Here").await;
    let plan = "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }";
    let start = Utc::now() + Duration::days(2);
    for (days, purpose) in [(1, "second"), (3, "latest"), (0, "first")] {
        let at = start + Duration::days(days);
        let input = json!({"customerId": id, "purpose": purpose, "plannedStart": at,
            "plannedEnd": at + Duration::hours(1)});
        let body = app
            .gql(Some(&books.rep.token), plan, json!({ "input": input }))
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let owed = crate::fixtures::approved(&app, &books, &id, "1000").await;
    let plan = crate::fixtures::set_plan(
        &app,
        &books.finance.token,
        &owed,
        json!([{"dueDate": "2020-01-01", "amount": "400"}, {"dueDate": "2099-01-01", "amount": "600"}]),
    )
    .await;
    assert!(plan["errors"].is_null(), "{plan}");
    crate::fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": id, "contractId": owed, "amount": "100"}),
    )
    .await;
    let unplanned = crate::fixtures::approved(&app, &books, &id, "250").await;
    let credit = crate::fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": id, "contractId": unplanned, "amount": "80"}),
    )
    .await;
    assert!(credit["errors"].is_null(), "{credit}");

    let one = format!("query($id: ID!) {{ customer(id: $id) {{ {LISTS} }} }}");
    let page = format!("{{ customers(first: 10) {{ nodes {{ {LISTS} }} }} }}");
    app.quiet().await;
    let single = app
        .gql(Some(&books.manager_token), &one, json!({"id": id}))
        .await;
    let cost = app.take_statement_count();
    let listed = app.gql(Some(&books.manager_token), &page, json!({})).await;
    let peer = app.a_user().create().await;
    let hidden = app.gql(Some(&peer.token), &one, json!({"id": id})).await;

    let view = &single["data"]["customer"];
    let from_page = listed["data"]["customers"]["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|node| node["id"] == view["id"]))
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(view, from_page, "the same lists through the loaders");
    assert_eq!(
        view["contacts"]["nodes"],
        json!([{"name": "Zoe"}, {"name": "Adam"}])
    );
    let recent: Vec<&str> = view["recent"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{single}"))
        .iter()
        .filter_map(|visit| visit["purpose"].as_str())
        .collect();
    assert_eq!(recent, ["latest", "second"]);
    assert_eq!(view["visits"]["nodes"].as_array().map(Vec::len), Some(3));
    let amounts: Vec<&str> = view["contracts"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{single}"))
        .iter()
        .filter_map(|contract| contract["amount"].as_str())
        .collect();
    assert_eq!(amounts, ["250.00", "1000.00"], "newest first");
    // 1,000 planned less the 100 paid into its overdue first installment; the 80 paid on the
    // contract without a plan stays as credit.
    assert_eq!(
        view["receivable"],
        json!({"outstanding": "900.00", "overdue": "300.00", "credit": "80.00"})
    );
    assert_eq!(cost, 2, "{single}");
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"));
}

#[tokio::test]
async fn contacts_are_updated_with_versions_and_hidden_with_their_customer() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let customer = a_customer(&app, &rep.token, "Contacts Inc").await;
    let added = add_contact(&app, &rep.token, &customer, "Han Mei").await;
    let contact = added["data"]["addContact"]["contact"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { name title email version } } }";

    let ok = app
        .gql(Some(&rep.token), update, json!({"input": {"id": contact, "expectedVersion": 1, "title": "CTO", "email": "han@contacts.com"}}))
        .await;
    let stale = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": contact, "expectedVersion": 1, "name": "Stale"}}),
        )
        .await;
    let bad_email = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": contact, "expectedVersion": 2, "email": "not-an-email"}}),
        )
        .await;
    let foreign = app
        .gql(
            Some(&other.token),
            update,
            json!({"input": {"id": contact, "expectedVersion": 2, "name": "Mine"}}),
        )
        .await;
    let node = app
        .gql(
            Some(&other.token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": contact}),
        )
        .await;

    assert_eq!(
        ok["data"]["updateContact"]["contact"],
        json!({"name": "Han Mei", "title": "CTO", "email": "han@contacts.com", "version": 2})
    );
    assert_eq!(error_code(&stale), Some("CONFLICT"));
    assert_eq!(
        (error_code(&bad_email), error_field(&bad_email)),
        (Some("BAD_USER_INPUT"), Some("input.email"))
    );
    assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
    assert!(node["data"]["node"].is_null());
}

#[tokio::test]
async fn a_retried_add_contact_creates_one_contact() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = a_customer(&app, &rep.token, "Retry Co").await;
    let add = "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }";
    let input =
        json!({"input": {"customerId": customer, "name": "Once", "idempotencyKey": "contact-1"}});

    let first = app.gql(Some(&rep.token), add, input.clone()).await;
    let again = app.gql(Some(&rep.token), add, input).await;
    let reused = app
        .gql(Some(&rep.token), add, json!({"input": {"customerId": customer, "name": "Other", "idempotencyKey": "contact-1"}}))
        .await;

    assert_eq!(
        first["data"]["addContact"]["contact"]["id"],
        again["data"]["addContact"]["contact"]["id"]
    );
    assert_eq!(error_code(&reused), Some("IDEMPOTENCY_KEY_REUSED"));
    let view = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { customer(id: $id) { contacts { nodes { name } } } }",
            json!({"id": customer}),
        )
        .await;
    assert_eq!(
        view["data"]["customer"]["contacts"]["nodes"],
        json!([{"name": "Once"}])
    );
}
