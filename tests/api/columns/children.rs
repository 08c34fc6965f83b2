//! Lists under a record, read through their batch loaders.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// For every `(list, type, fields)`: each node of `list` under every customer of a page (read
/// through its batch loader, with the columns the selection needs) answers, field by field, as
/// `node(id)` reads the record whole.
async fn each_child_field_as_the_whole(
    app: &TestApp,
    token: &str,
    lists: &[(&str, &str, &[&str])],
) {
    for (list, kind, fields) in lists {
        let name = list.split('(').next().unwrap_or(list);
        for item in *fields {
            let query = format!(
                "{{ customers(first: 10) {{ nodes {{ {list} {{ nodes {{ id {item} }} }} }} }} }}"
            );
            let page = app.gql(Some(token), &query, json!({})).await;
            assert!(page["errors"].is_null(), "{list} {item}: {page}");
            let children: Vec<Value> = page["data"]["customers"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|customer| {
                    customer[name]["nodes"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                })
                .collect();
            assert!(children.len() >= 2, "{list} {item}: {page}");
            for child in children {
                let query = format!(
                    "query($id: ID!) {{ node(id: $id) {{ ... on {kind} {{ id {item} }} }} }}"
                );
                let whole = app
                    .gql(Some(token), &query, json!({"id": child["id"]}))
                    .await;
                assert!(whole["errors"].is_null(), "{item}: {whole}");
                assert_eq!(child, whole["data"]["node"], "{list} {item}");
            }
        }
    }
}

#[tokio::test]
async fn every_field_of_a_child_list_answers_as_the_record_read_whole() {
    use crate::fixtures::{approved, books, customer, installments, set_plan};
    let app = TestApp::spawn().await;
    let books = books(&app).await;
    let rep = books.rep.token.clone();
    let finance = books.finance.token.clone();
    let buyer = customer(&app, &books, "Child Columns Co").await;
    for (name, phone) in [
        ("Li Lei", "+86 139 0000 0001"),
        ("Han Meimei", "+86 139 0000 0002"),
    ] {
        let body = app
            .gql(
                Some(&rep),
                "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
                json!({"input": {"customerId": buyer, "name": name, "title": "Buyer", "phone": phone,
                    "email": format!("{}@child.example", phone.replace([' ', '+'], ""))}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let body = app
            .gql(
                Some(&rep),
                "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
                json!({"input": {"subjectId": buyer, "kind": "CALL", "content": format!("Called {name}"),
                    "nextFollowUpAt": "2027-04-01T02:00:00Z"}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let body = app
            .gql(
                Some(&rep),
                "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
                json!({"input": {"customerId": buyer, "purpose": format!("See {name}"), "address": "5 Dock Street",
                    "plannedStart": "2027-03-01T02:00:00Z", "plannedEnd": "2027-03-01T03:00:00Z"}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    for (name, amount) in [("Fleet", "1200"), ("Spares", "300.50")] {
        let body = app
            .gql(
                Some(&rep),
                "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
                json!({"input": {"customerId": buyer, "name": name, "amount": amount, "expectedCloseDate": "2027-05-01"}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    for amount in ["500", "800"] {
        let contract = approved(&app, &books, &buyer, amount).await;
        let plan = installments(
            &set_plan(
                &app,
                &finance,
                &contract,
                json!([{"dueDate": "2027-01-10", "amount": amount}]),
            )
            .await,
        );
        let body = app
            .gql(
                Some(&finance),
                "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }",
                json!({"input": {"contractId": contract, "installmentId": plan[0]["id"], "amount": amount,
                    "issueDate": "2026-11-25", "dueDate": "2027-01-10", "taxRate": "0.13"}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let contacts: &[&str] = &[
        "customerId",
        "name",
        "title",
        "phone",
        "email",
        "createdAt updatedAt version",
        "customer { id }",
    ];
    let follow_ups: &[&str] = &[
        "subjectId",
        "kind",
        "content",
        "occurredAt",
        "nextFollowUpAt",
        "createdAt updatedAt",
        "author { id }",
        "subject { __typename }",
    ];
    let visits: &[&str] = &[
        "status",
        "purpose",
        "plannedStart plannedEnd",
        "address",
        "customer { id }",
        "assignee { id }",
        "cancelReason",
    ];
    let contracts: &[&str] = &[
        "number",
        "title",
        "amount",
        "status",
        "signedDate",
        "terms",
        "receivable { outstanding }",
        "owner { id }",
    ];
    let invoices: &[&str] = &[
        "number",
        "amount",
        "taxRate",
        "netAmount",
        "dueDate",
        "status",
        "contract { id }",
        "installment { id }",
    ];
    let deals: &[&str] = &[
        "name",
        "amount status",
        "expectedCloseDate closedAt lostReason",
        "stage { id name }",
        "customer { id }",
        "owner { id }",
        "probability weightedAmount",
        "createdAt updatedAt version",
    ];
    let lists = [
        ("opportunities", "Opportunity", deals),
        ("contacts", "Contact", contacts),
        ("followUps", "FollowUp", follow_ups),
        ("visits", "VisitTask", visits),
        ("contracts", "Contract", contracts),
    ];
    each_child_field_as_the_whole(&app, &rep, &lists).await;
    // Finance sees every invoice (and no visit).
    each_child_field_as_the_whole(&app, &finance, &[("invoices", "Invoice", invoices)]).await;
    app.record_sql();
    let query = "{ customers(first: 10) { nodes { contacts { nodes { id name } } contracts { nodes { id number } } opportunities { nodes { id name } } } } }";
    let body = app.gql(Some(&finance), query, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let sql = app.recorded_sql();
    for (table, unread) in [
        ("contacts", "email"),
        ("contracts", "terms"),
        ("opportunities", "lost_reason"),
    ] {
        let from = format!("FROM \"{table}\"");
        let reading: Vec<&String> = sql
            .iter()
            .filter(|s| s.contains(&from) && !s.starts_with("SELECT \"customers\""))
            .collect();
        assert_eq!(reading.len(), 1, "{reading:?}");
        assert!(
            !reading[0].contains(unread),
            "{unread} read by {}",
            reading[0]
        );
    }
}
