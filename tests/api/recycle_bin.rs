//! The recycle bin: a deleted record (with what belongs to it) leaves lists, search, reports
//! and offline copies, and comes back whole with `restoreRecord`; records with money attached
//! and won deals stay; restoring into a clash answers `DUPLICATE`; the sweep purges; who may
//! delete and restore what.

use serde_json::{Value, json};

use crate::helpers::*;

const BIN_ENTRY: &str =
    "recycled { id kind recordId name deletedAt purgeAt deletedBy { id } owner { id } }";
const CARD: &str = "query($id: ID!) { customer(id: $id) { id name version contacts(first: 10) { nodes { id name } } opportunities(first: 10) { nodes { id name contact { id } } } } }";
const RESTORE: &str = "mutation($input: RestoreRecordInput!) { restoreRecord(input: $input) { recycled { id kind } record { __typename id ... on Customer { name } ... on Lead { name } ... on Opportunity { name } ... on Contact { name } ... on Activity { title } } } }";
const BIN: &str = "query($f: RecycleBinFilter) { recycleBin(filter: $f, first: 50) { nodes { id kind recordId name } } }";

async fn delete(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: DeleteRecordInput!) {{ {mutation}(input: $input) {{ deletedId {BIN_ENTRY} }} }}"
    );
    app.gql(Some(token), &query, json!({"input": input})).await
}

async fn restore(app: &TestApp, token: &str, entry: &str) -> Value {
    app.gql(Some(token), RESTORE, json!({"input": {"id": entry}}))
        .await
}

fn entry_of(body: &Value, mutation: &str) -> String {
    assert!(body["errors"].is_null(), "{body}");
    string_at(body, &["data", mutation, "recycled", "id"])
}

async fn created(app: &TestApp, token: &str, query: &str, input: Value, path: &[&str]) -> String {
    let body = app.gql(Some(token), query, json!({"input": input})).await;
    string_at(&body, path)
}

async fn a_contact(app: &TestApp, token: &str, customer: &str, name: &str, phone: &str) -> String {
    created(
        app,
        token,
        "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
        json!({"customerId": customer, "name": name, "phone": phone}),
        &["data", "addContact", "contact", "id"],
    )
    .await
}

async fn a_deal(
    app: &TestApp,
    token: &str,
    customer: &str,
    name: &str,
    contact: Option<&str>,
) -> String {
    created(
        app,
        token,
        "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
        json!({"customerId": customer, "name": name, "amount": "1000.00",
            "expectedCloseDate": "2027-03-31", "contactId": contact}),
        &["data", "createOpportunity", "opportunity", "id"],
    )
    .await
}

async fn a_lead(app: &TestApp, token: &str, name: &str, phone: &str) -> String {
    created(
        app,
        token,
        "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
        json!({"name": name, "phone": phone, "source": "REFERRAL"}),
        &["data", "createLead", "lead", "id"],
    )
    .await
}

async fn an_activity(app: &TestApp, token: &str, subject: &str, title: &str) -> String {
    created(
        app,
        token,
        "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } } }",
        json!({"kind": "CALL", "subjectId": subject, "title": title, "dueAt": "2027-01-05T09:00:00Z"}),
        &["data", "createActivity", "activity", "id"],
    )
    .await
}

fn ids(body: &Value, path: &[&str]) -> Vec<String> {
    let mut at = body;
    for step in path {
        at = &at[*step];
    }
    at.as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A point offline copies synced at, a while after the server started.
async fn synced_at(app: &TestApp, token: &str) -> String {
    app.clock.advance(chrono::Duration::minutes(2));
    let body = app
        .gql(
            Some(token),
            "{ customers(first: 1) { serverTime } }",
            json!({}),
        )
        .await;
    let since = string_at(&body, &["data", "customers", "serverTime"]);
    app.clock.advance(chrono::Duration::minutes(2));
    since
}

#[tokio::test]
async fn a_deleted_customer_leaves_every_list_search_report_and_phone_and_comes_back_whole() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Zephyr Pumps").await;
    let kept = crate::fixtures::a_customer(&app, &rep.token, "Other Co").await;
    let ann = a_contact(&app, &rep.token, &customer, "Ann Zephyr", "+8613800000001").await;
    let deal = a_deal(&app, &rep.token, &customer, "Zephyr pumps deal", Some(&ann)).await;
    let call = an_activity(&app, &rep.token, &customer, "Call Zephyr").await;
    let start = salesgraph::clock::Clock::now(&app.clock) + chrono::Duration::days(1);
    let visit = created(
        &app,
        &rep.token,
        "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
        json!({"customerId": customer, "purpose": "Demo", "plannedStart": start,
            "plannedEnd": start + chrono::Duration::hours(1)}),
        &["data", "planVisit", "visit", "id"],
    )
    .await;
    let since = synced_at(&app, &rep.token).await;

    let deleted = delete(
        &app,
        &rep.token,
        "deleteCustomer",
        json!({"id": customer, "expectedVersion": 1}),
    )
    .await;
    let entry = entry_of(&deleted, "deleteCustomer");
    let recycled = &deleted["data"]["deleteCustomer"]["recycled"];
    assert_eq!(
        deleted["data"]["deleteCustomer"]["deletedId"],
        customer.as_str()
    );
    assert_eq!(recycled["kind"], "CUSTOMER");
    assert_eq!(recycled["recordId"], customer.as_str());
    assert_eq!(recycled["name"], "Zephyr Pumps");
    assert_eq!(recycled["owner"]["id"], rep.id.as_str());

    let lists = app
        .gql(
            Some(&rep.token),
            "{ customers(first: 50) { nodes { id } } opportunities(first: 50) { nodes { id } } activities(first: 50) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ids(&lists, &["data", "customers", "nodes"]),
        vec![kept.clone()],
        "{lists}"
    );
    assert!(
        ids(&lists, &["data", "opportunities", "nodes"]).is_empty(),
        "{lists}"
    );
    assert!(
        ids(&lists, &["data", "activities", "nodes"]).is_empty(),
        "{lists}"
    );
    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": customer}))
        .await;
    assert!(card["data"]["customer"].is_null(), "{card}");
    for id in [&customer, &ann, &deal, &call] {
        let node = app
            .gql(
                Some(&rep.token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert!(
            node["data"]["node"].is_null(),
            "{id} answers like a missing id: {node}"
        );
    }
    let found = app
        .gql(
            Some(&rep.token),
            "{ search(query: \"Zephyr\") { __typename } }",
            json!({}),
        )
        .await;
    assert_eq!(found["data"]["search"], json!([]), "{found}");
    let funnel = app
        .gql(
            Some(&rep.token),
            "{ funnel(input: {from: \"2027-01-01\", to: \"2027-12-31\", scope: ME}) { count } }",
            json!({}),
        )
        .await;
    let counted: i64 = funnel["data"]["funnel"]
        .as_array()
        .unwrap_or_else(|| panic!("{funnel}"))
        .iter()
        .map(|s| s["count"].as_i64().unwrap_or_default())
        .sum();
    assert_eq!(counted, 0, "the deal left the funnel: {funnel}");
    // A phone holding the customer, its deal and its visit learns all three went.
    let delta = app
        .gql(
            Some(&rep.token),
            "query($since: DateTime) { customers(filter: {updatedSince: $since}, first: 100) { removedIds } opportunities(filter: {updatedSince: $since}, first: 100) { removedIds } visitTasks(filter: {updatedSince: $since}, first: 100) { removedIds } }",
            json!({"since": since}),
        )
        .await;
    assert_eq!(
        delta["data"]["customers"]["removedIds"],
        json!([customer]),
        "{delta}"
    );
    assert_eq!(
        delta["data"]["opportunities"]["removedIds"],
        json!([deal]),
        "{delta}"
    );
    assert_eq!(
        delta["data"]["visitTasks"]["removedIds"],
        json!([visit]),
        "{delta}"
    );
    let bin = app.gql(Some(&rep.token), BIN, json!({})).await;
    assert_eq!(
        ids(&bin, &["data", "recycleBin", "nodes"]),
        vec![entry.clone()],
        "{bin}"
    );

    let restored = restore(&app, &rep.token, &entry).await;
    assert!(restored["errors"].is_null(), "{restored}");
    assert_eq!(
        restored["data"]["restoreRecord"]["record"],
        json!({"__typename": "Customer", "id": customer, "name": "Zephyr Pumps"})
    );
    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": customer}))
        .await;
    assert_eq!(
        card["data"]["customer"]["version"], 2,
        "a restore is a change: {card}"
    );
    assert_eq!(
        ids(&card, &["data", "customer", "contacts", "nodes"]),
        vec![ann.clone()]
    );
    assert_eq!(
        card["data"]["customer"]["opportunities"]["nodes"],
        json!([{"id": deal, "name": "Zephyr pumps deal", "contact": {"id": ann}}]),
        "the deal is back with its contact: {card}"
    );
    let activity = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": call}),
        )
        .await;
    assert_eq!(activity["data"]["node"]["id"], call.as_str(), "{activity}");
    let found = app
        .gql(
            Some(&rep.token),
            "{ search(query: \"Zephyr\", types: [CUSTOMER]) { ... on Customer { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        found["data"]["search"],
        json!([{"id": customer}]),
        "indexed again: {found}"
    );
    let bin = app.gql(Some(&rep.token), BIN, json!({})).await;
    assert!(
        ids(&bin, &["data", "recycleBin", "nodes"]).is_empty(),
        "{bin}"
    );
    let again = restore(&app, &rep.token, &entry).await;
    assert_eq!(
        code_and_field(&again),
        (Some("NOT_FOUND"), Some("input.id")),
        "{again}"
    );
    let audit = app
        .admin(
            "{ auditLog(filter: {action: \"customer.\"}, first: 20) { nodes { action } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = audit["data"]["auditLog"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter_map(|n| n["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"customer.deleted") && actions.contains(&"customer.restored"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_contact_deal_lead_and_activity_each_go_alone_and_the_links_to_them_come_back() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Linked Co").await;
    let ann = a_contact(&app, &rep.token, &customer, "Ann", "+8613800000002").await;
    let deal = a_deal(&app, &rep.token, &customer, "Linked deal", Some(&ann)).await;
    let lead = a_lead(&app, &rep.token, "Li Lei", "+8613800000003").await;
    let call = an_activity(&app, &rep.token, &deal, "Call about the deal").await;

    // A contact goes; the deal that named it keeps going without it, and gets it back.
    let gone = delete(&app, &rep.token, "deleteContact", json!({"id": ann})).await;
    let entry = entry_of(&gone, "deleteContact");
    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": customer}))
        .await;
    assert!(
        ids(&card, &["data", "customer", "contacts", "nodes"]).is_empty(),
        "{card}"
    );
    assert!(
        card["data"]["customer"]["opportunities"]["nodes"][0]["contact"].is_null(),
        "{card}"
    );
    assert!(restore(&app, &rep.token, &entry).await["errors"].is_null());
    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": customer}))
        .await;
    assert_eq!(
        card["data"]["customer"]["opportunities"]["nodes"][0]["contact"]["id"],
        ann.as_str(),
        "{card}"
    );

    // An activity goes alone.
    let gone = delete(&app, &rep.token, "deleteActivity", json!({"id": call})).await;
    let call_entry = entry_of(&gone, "deleteActivity");
    // A deal goes with its activities; the activity's own entry waits for the deal.
    let call2 = an_activity(&app, &rep.token, &deal, "Second call").await;
    let gone = delete(&app, &rep.token, "deleteOpportunity", json!({"id": deal})).await;
    let deal_entry = entry_of(&gone, "deleteOpportunity");
    let orphan = restore(&app, &rep.token, &call_entry).await;
    assert_eq!(
        code_and_field(&orphan),
        (Some("INVALID_STATE"), Some("input.id")),
        "{orphan}"
    );
    let node = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": call2}),
        )
        .await;
    assert!(node["data"]["node"].is_null(), "{node}");
    let back = restore(&app, &rep.token, &deal_entry).await;
    assert_eq!(
        back["data"]["restoreRecord"]["record"]["name"], "Linked deal",
        "{back}"
    );
    assert!(restore(&app, &rep.token, &call_entry).await["errors"].is_null());
    for id in [&call, &call2] {
        let node = app
            .gql(
                Some(&rep.token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(node["data"]["node"]["id"], id.as_str(), "{node}");
    }

    // A lead goes (phones learn it) and comes back.
    let since = synced_at(&app, &rep.token).await;
    let gone = delete(
        &app,
        &rep.token,
        "deleteLead",
        json!({"id": lead, "expectedVersion": 1}),
    )
    .await;
    let lead_entry = entry_of(&gone, "deleteLead");
    let delta = app
        .gql(
            Some(&rep.token),
            "query($since: DateTime) { leads(filter: {updatedSince: $since}, first: 10) { removedIds } }",
            json!({"since": since}),
        )
        .await;
    assert_eq!(
        delta["data"]["leads"]["removedIds"],
        json!([lead]),
        "{delta}"
    );
    let listed = app
        .gql(
            Some(&rep.token),
            "{ leads(first: 10) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(
        ids(&listed, &["data", "leads", "nodes"]).is_empty(),
        "{listed}"
    );
    let kinds = app
        .gql(Some(&rep.token), BIN, json!({"f": {"kind": "LEAD"}}))
        .await;
    assert_eq!(
        ids(&kinds, &["data", "recycleBin", "nodes"]),
        vec![lead_entry.clone()],
        "{kinds}"
    );
    let back = restore(&app, &rep.token, &lead_entry).await;
    assert_eq!(
        back["data"]["restoreRecord"]["record"]["name"], "Li Lei",
        "{back}"
    );
    let listed = app
        .gql(
            Some(&rep.token),
            "{ leads(first: 10) { nodes { id version } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["leads"]["nodes"],
        json!([{"id": lead, "version": 2}]),
        "{listed}"
    );
}

#[tokio::test]
async fn records_with_money_attached_and_won_deals_stay_out_of_the_bin() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let contract = crate::fixtures::a_contract(&app, &rep, "5000.00").await;
    let customer = contract["customer"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let refused = delete(&app, &rep.token, "deleteCustomer", json!({"id": customer})).await;
    assert_eq!(
        code_and_field(&refused),
        (Some("INVALID_STATE"), Some("input.id")),
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("contracts"),
        "the reason names what is attached: {refused}"
    );
    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": customer}))
        .await;
    assert_eq!(
        card["data"]["customer"]["id"],
        customer.as_str(),
        "nothing half-done: {card}"
    );

    let other = crate::fixtures::a_customer(&app, &rep.token, "Won Co").await;
    let deal = a_deal(&app, &rep.token, &other, "Won deal", None).await;
    let won = app
        .gql(
            Some(&rep.token),
            "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { status } } }",
            json!({"input": {"id": deal, "expectedVersion": 1, "reasonId": WIN_REASON}}),
        )
        .await;
    assert!(won["errors"].is_null(), "{won}");
    for (mutation, id) in [("deleteOpportunity", &deal), ("deleteCustomer", &other)] {
        let refused = delete(&app, &rep.token, mutation, json!({"id": id})).await;
        assert_eq!(
            code_and_field(&refused),
            (Some("INVALID_STATE"), Some("input.id")),
            "{refused}"
        );
    }
    let card = app.gql(Some(&rep.token), CARD, json!({"id": other})).await;
    assert_eq!(
        ids(&card, &["data", "customer", "opportunities", "nodes"]),
        vec![deal.clone()]
    );
    let bin = app.gql(Some(&rep.token), BIN, json!({})).await;
    assert!(
        ids(&bin, &["data", "recycleBin", "nodes"]).is_empty(),
        "{bin}"
    );
}

#[tokio::test]
async fn a_restore_that_would_make_a_duplicate_answers_duplicate_and_keeps_the_entry() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let lead = a_lead(&app, &rep.token, "Han Mei", "+8613800000004").await;
    let gone = delete(&app, &rep.token, "deleteLead", json!({"id": lead})).await;
    let entry = entry_of(&gone, "deleteLead");
    // Meanwhile someone enters the same person again.
    let again = a_lead(&app, &rep.token, "Han Mei (again)", "+86 138 0000 0004").await;
    let clash = restore(&app, &rep.token, &entry).await;
    assert_eq!(
        code_and_field(&clash),
        (Some("DUPLICATE"), Some("input.id")),
        "{clash}"
    );
    assert_eq!(
        clash["errors"][0]["extensions"]["existingId"],
        again.as_str(),
        "{clash}"
    );
    let bin = app.gql(Some(&rep.token), BIN, json!({})).await;
    assert_eq!(
        ids(&bin, &["data", "recycleBin", "nodes"]),
        vec![entry.clone()],
        "{bin}"
    );

    // A customer whose contact's phone another contact took meanwhile.
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Phone Co").await;
    a_contact(&app, &rep.token, &customer, "Bo", "+8613800000005").await;
    let gone = delete(&app, &rep.token, "deleteCustomer", json!({"id": customer})).await;
    let entry = entry_of(&gone, "deleteCustomer");
    let elsewhere = crate::fixtures::a_customer(&app, &rep.token, "Elsewhere").await;
    a_contact(&app, &rep.token, &elsewhere, "Bo again", "+8613800000005").await;
    let clash = restore(&app, &rep.token, &entry).await;
    assert_eq!(
        code_and_field(&clash),
        (Some("DUPLICATE"), Some("input.id")),
        "{clash}"
    );
    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": customer}))
        .await;
    assert!(
        card["data"]["customer"].is_null(),
        "nothing half-restored: {card}"
    );
}

#[tokio::test]
async fn the_sweep_purges_entries_past_their_days() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let old = crate::fixtures::a_customer(&app, &rep.token, "Old Co").await;
    let gone = delete(&app, &rep.token, "deleteCustomer", json!({"id": old})).await;
    let old_entry = entry_of(&gone, "deleteCustomer");
    app.clock.advance(chrono::Duration::days(20));
    let rep_token = app.token_for(&rep).await;
    let newer = crate::fixtures::a_customer(&app, &rep_token, "Newer Co").await;
    let gone = delete(&app, &rep_token, "deleteCustomer", json!({"id": newer})).await;
    let newer_entry = entry_of(&gone, "deleteCustomer");
    app.clock.advance(chrono::Duration::days(11));
    let now = salesgraph::clock::Clock::now(&app.clock);
    let swept = salesgraph::recycle::service::purge(&app.state, now)
        .await
        .expect("the purge runs");
    assert_eq!(swept.affected, 1);
    let rep_token = app.token_for(&rep).await;
    let bin = app.gql(Some(&rep_token), BIN, json!({})).await;
    assert_eq!(
        ids(&bin, &["data", "recycleBin", "nodes"]),
        vec![newer_entry],
        "{bin}"
    );
    let purged = restore(&app, &rep_token, &old_entry).await;
    assert_eq!(
        code_and_field(&purged),
        (Some("NOT_FOUND"), Some("input.id")),
        "{purged}"
    );
    let again = salesgraph::recycle::service::purge(&app.state, now)
        .await
        .expect("the purge runs");
    assert_eq!(again.affected, 0, "nothing twice");
}

#[tokio::test]
async fn only_who_may_change_a_record_deletes_it_and_the_bin_shows_each_their_own() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let partner = app.a_user().create().await;
    let stranger = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Guarded Co").await;
    let contact = a_contact(&app, &rep.token, &customer, "Cy", "+8613800000006").await;
    let deal = a_deal(&app, &rep.token, &customer, "Guarded deal", None).await;
    let split = app
        .gql(
            Some(&rep.token),
            "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version } } }",
            json!({"input": {"id": deal, "expectedVersion": 1, "splits": [{"userId": rep.id, "percent": "50"}, {"userId": partner.id, "percent": "50"}]}}),
        )
        .await;
    assert!(split["errors"].is_null(), "{split}");
    let pooled = created(
        &app,
        &rep.token,
        "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
        json!({"name": "Pool lead", "phone": "+8613800000007", "source": "REFERRAL", "assign": "POOL"}),
        &["data", "createLead", "lead", "id"],
    )
    .await;

    // Who sees but may not change: finance and customer service see the customer, the
    // partner sees the deal through a split, every seller sees the pool.
    for token in [&finance.token, &support.token] {
        for (mutation, id) in [("deleteCustomer", &customer), ("deleteContact", &contact)] {
            let body = delete(&app, token, mutation, json!({"id": id})).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{mutation}: {body}");
        }
    }
    let body = delete(
        &app,
        &partner.token,
        "deleteOpportunity",
        json!({"id": deal}),
    )
    .await;
    assert_eq!(
        code_and_field(&body),
        (Some("FORBIDDEN"), Some("input.id")),
        "{body}"
    );
    let body = delete(&app, &rep.token, "deleteLead", json!({"id": pooled})).await;
    assert_eq!(
        code_and_field(&body),
        (Some("FORBIDDEN"), Some("input.id")),
        "{body}"
    );
    // What a caller does not see answers like a missing id.
    for (mutation, id) in [
        ("deleteCustomer", &customer),
        ("deleteContact", &contact),
        ("deleteOpportunity", &deal),
    ] {
        let body = delete(&app, &stranger.token, mutation, json!({"id": id})).await;
        assert_eq!(
            code_and_field(&body),
            (Some("NOT_FOUND"), Some("input.id")),
            "{body}"
        );
    }
    // An offline copy never deletes a record changed since.
    let stale = delete(
        &app,
        &rep.token,
        "deleteOpportunity",
        json!({"id": deal, "expectedVersion": 1}),
    )
    .await;
    assert_eq!(
        code_and_field(&stale),
        (Some("CONFLICT"), Some("input.id")),
        "{stale}"
    );

    // The manager deletes the rep's deal and the pool lead; both see the deal's entry.
    let gone = delete(
        &app,
        &manager.token,
        "deleteOpportunity",
        json!({"id": deal, "expectedVersion": 2}),
    )
    .await;
    let entry = entry_of(&gone, "deleteOpportunity");
    let pool_gone = delete(&app, &manager.token, "deleteLead", json!({"id": pooled})).await;
    let pool_entry = entry_of(&pool_gone, "deleteLead");
    let rep_bin = app.gql(Some(&rep.token), BIN, json!({})).await;
    assert_eq!(
        ids(&rep_bin, &["data", "recycleBin", "nodes"]),
        vec![entry.clone()],
        "{rep_bin}"
    );
    let manager_bin = app.gql(Some(&manager.token), BIN, json!({})).await;
    assert_eq!(
        ids(&manager_bin, &["data", "recycleBin", "nodes"]),
        vec![pool_entry.clone(), entry.clone()],
        "{manager_bin}"
    );
    for token in [&stranger.token, &partner.token, &finance.token] {
        let bin = app.gql(Some(token), BIN, json!({})).await;
        assert!(
            ids(&bin, &["data", "recycleBin", "nodes"]).is_empty(),
            "{bin}"
        );
        let body = restore(&app, token, &entry).await;
        assert_eq!(
            code_and_field(&body),
            (Some("NOT_FOUND"), Some("input.id")),
            "{body}"
        );
    }
    let back = restore(&app, &rep.token, &entry).await;
    assert!(back["errors"].is_null(), "the owner restores: {back}");
    let partner_view = app
        .gql(
            Some(&partner.token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": deal}),
        )
        .await;
    assert_eq!(
        partner_view["data"]["node"]["id"],
        deal.as_str(),
        "the split came back: {partner_view}"
    );
    let anonymous = app
        .gql(
            None,
            "mutation { deleteCustomer(input: {id: \"x\"}) { deletedId } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&anonymous),
        Some("UNAUTHENTICATED"),
        "{anonymous}"
    );
}

#[tokio::test]
async fn racing_deletes_and_restores_of_one_record_each_happen_once() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Raced Co").await;
    a_contact(&app, &rep.token, &customer, "Ra", "+8613800000008").await;
    a_deal(&app, &rep.token, &customer, "Raced deal", None).await;
    let deletes =
        (0..4).map(|_| delete(&app, &rep.token, "deleteCustomer", json!({"id": customer})));
    let answers = futures_util::future::join_all(deletes).await;
    let entries: Vec<String> = answers
        .iter()
        .filter(|a| a["errors"].is_null())
        .map(|a| string_at(a, &["data", "deleteCustomer", "recycled", "id"]))
        .collect();
    assert_eq!(entries.len(), 1, "{answers:?}");
    for refused in answers.iter().filter(|a| !a["errors"].is_null()) {
        assert!(
            matches!(error_code(refused), Some("NOT_FOUND" | "CONFLICT")),
            "{refused}"
        );
    }
    let restores = (0..3).map(|_| restore(&app, &rep.token, &entries[0]));
    let answers = futures_util::future::join_all(restores).await;
    let restored = answers.iter().filter(|a| a["errors"].is_null()).count();
    assert_eq!(restored, 1, "{answers:?}");
    for refused in answers.iter().filter(|a| !a["errors"].is_null()) {
        assert_eq!(
            code_and_field(refused),
            (Some("NOT_FOUND"), Some("input.id")),
            "{refused}"
        );
    }
    let card = app
        .gql(Some(&rep.token), CARD, json!({"id": customer}))
        .await;
    assert_eq!(
        card["data"]["customer"]["contacts"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{card}"
    );
    assert_eq!(
        card["data"]["customer"]["opportunities"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{card}"
    );
}

#[tokio::test]
async fn customer_service_deletes_and_restores_its_own_to_dos_and_bad_ids_are_refused() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Served Co").await;
    let todo = an_activity(
        &app,
        &support.token,
        &customer,
        "Call back about the invoice",
    )
    .await;
    let gone = delete(&app, &support.token, "deleteActivity", json!({"id": todo})).await;
    let entry = entry_of(&gone, "deleteActivity");
    let bin = app.gql(Some(&support.token), BIN, json!({})).await;
    assert_eq!(
        ids(&bin, &["data", "recycleBin", "nodes"]),
        vec![entry.clone()],
        "{bin}"
    );
    let back = restore(&app, &support.token, &entry).await;
    assert_eq!(
        back["data"]["restoreRecord"]["record"]["title"], "Call back about the invoice",
        "{back}"
    );
    // The rep sees the customer, not customer service's to-do.
    let body = delete(&app, &rep.token, "deleteActivity", json!({"id": todo})).await;
    assert_eq!(
        code_and_field(&body),
        (Some("NOT_FOUND"), Some("input.id")),
        "{body}"
    );

    for id in [
        json!("not an id"),
        json!("x".repeat(100_000)),
        json!(customer),
    ] {
        let body = delete(&app, &rep.token, "deleteLead", json!({"id": id})).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some("input.id")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn follow_ups_about_others_stay_with_their_subject_when_a_lead_or_deal_goes() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let (lat, lng) = (31.2304, 121.4737);
    let customer = created(
        &app,
        &rep.token,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
        json!({"name": "Visited Co", "address": "1 Bund Road", "location": {"lat": lat, "lng": lng}}),
        &["data", "createCustomer", "customer", "id"],
    )
    .await;
    let lead = a_lead(&app, &rep.token, "Upsell at Visited Co", "+8613800000009").await;
    let deal = a_deal(&app, &rep.token, &customer, "Visited deal", None).await;
    let now = salesgraph::clock::Clock::now(&app.clock);
    let visit = created(
        &app,
        &rep.token,
        "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
        json!({"customerId": customer, "leadId": lead, "purpose": "Upsell", "plannedStart": now,
            "plannedEnd": now + chrono::Duration::hours(1)}),
        &["data", "planVisit", "visit", "id"],
    )
    .await;
    let checked_in = app
        .gql(
            Some(&rep.token),
            "mutation($input: CheckInVisitInput!) { checkInVisit(input: $input) { visit { status } } }",
            json!({"input": {"id": visit, "location": {"lat": lat, "lng": lng, "accuracyMeters": 5.0}, "deviceTime": now}}),
        )
        .await;
    assert!(checked_in["errors"].is_null(), "{checked_in}");
    app.clock.advance(chrono::Duration::minutes(30));
    let token = app.token_for(&rep).await;
    let left = salesgraph::clock::Clock::now(&app.clock);
    let checked_out = app
        .gql(
            Some(&token),
            "mutation($input: CheckOutVisitInput!) { checkOutVisit(input: $input) { visit { status } } }",
            json!({"input": {"id": visit, "summary": "Showed the upgrade", "outcome": "POSITIVE", "deviceTime": left}}),
        )
        .await;
    assert!(checked_out["errors"].is_null(), "{checked_out}");
    const LAST: &str = "query($id: ID!) { customer(id: $id) { lastFollowUp { content } } }";

    // The visit's follow-up is the customer's; it names the lead it worked on.
    let gone = delete(&app, &token, "deleteLead", json!({"id": lead})).await;
    let entry = entry_of(&gone, "deleteLead");
    let last = app.gql(Some(&token), LAST, json!({"id": customer})).await;
    assert_eq!(
        last["data"]["customer"]["lastFollowUp"]["content"], "Showed the upgrade",
        "{last}"
    );
    // A deal going takes its own follow-ups only.
    let gone = delete(&app, &token, "deleteOpportunity", json!({"id": deal})).await;
    entry_of(&gone, "deleteOpportunity");
    let last = app.gql(Some(&token), LAST, json!({"id": customer})).await;
    assert_eq!(
        last["data"]["customer"]["lastFollowUp"]["content"], "Showed the upgrade",
        "{last}"
    );
    let back = restore(&app, &token, &entry).await;
    assert!(back["errors"].is_null(), "{back}");
    let lead_card = app
        .gql(
            Some(&token),
            "query($id: ID!) { lead(id: $id) { followUpCount followUps(first: 5) { nodes { content } } } }",
            json!({"id": lead}),
        )
        .await;
    assert_eq!(
        lead_card["data"]["lead"],
        json!({"followUpCount": 1, "followUps": {"nodes": [{"content": "Showed the upgrade"}]}}),
        "the follow-up names the lead again: {lead_card}"
    );
}
