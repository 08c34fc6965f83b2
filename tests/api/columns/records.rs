//! Customers, leads and contracts pages (a contracts page joins the customer when asked).

use serde_json::json;

use super::{cursors_follow_every_order, each_field_as_the_whole, the_statement_of};
use crate::fixtures::a_customer;
use crate::helpers::TestApp;

async fn three_customers(app: &TestApp, token: &str) {
    for (name, grade, region) in [
        ("Zeta Metals", "A", "North"),
        ("alpha Foods", "C", "East"),
        ("Mid Logistics", "B", "West"),
    ] {
        let body = app
            .gql(
                Some(token),
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
                json!({"input": {"name": name, "industry": "Trade", "region": region,
                    "address": "1 Harbour Road", "location": {"lat": 31.2, "lng": 121.5}}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        // Every column set: an influence level, and a grade an admin pinned.
        let id = &body["data"]["createCustomer"]["customer"]["id"];
        let influenced = app
            .gql(
                Some(token),
                "mutation($input: SetCustomerInfluenceInput!) { setCustomerInfluence(input: $input) { customer { id } } }",
                json!({"input": {"id": id, "influence": "LOCAL"}}),
            )
            .await;
        assert!(influenced["errors"].is_null(), "{influenced}");
        let pinned = app
            .admin(
                "mutation($input: PinCustomerGradeInput!) { pinCustomerGrade(input: $input) { customer { id } } }",
                json!({"input": {"id": id, "grade": grade, "reason": "Key account"}}),
            )
            .await;
        assert!(pinned["errors"].is_null(), "{pinned}");
    }
}

#[tokio::test]
async fn every_field_of_a_customers_page_answers_as_the_customer_read_whole() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    three_customers(&app, &rep.token).await;
    let alone = [
        "name",
        "industry",
        "region",
        "address",
        "grade",
        "storedGrade",
        "influence",
        "gradePin { grade reason pinnedAt pinnedBy { id } }",
        "health { score grade components { influence service } }",
        "location { lat lng }",
        "createdAt",
        "updatedAt",
        "version",
        "owner { id displayName }",
        "contacts(first: 2) { totalCount }",
        "opportunities(first: 2) { totalCount }",
        "lastFollowUp { id }",
        "visits(first: 2) { totalCount }",
        "invoices(first: 2) { totalCount }",
        "receivable { outstanding overdue credit }",
        "contracts(first: 2) { totalCount }",
        "followUps(first: 2) { totalCount }",
        "__typename",
    ];
    each_field_as_the_whole(
        &app,
        &rep.token,
        ("customers(first: 10)", "customer", None),
        &alone,
        3,
    )
    .await;
    let orders = [
        ("NAME", "name"),
        ("UPDATED_AT", "updatedAt"),
        ("CREATED_AT", "createdAt"),
    ];
    cursors_follow_every_order(&app, &rep.token, "customers", &orders).await;
    let narrow = the_statement_of(
        &app,
        &rep.token,
        "{ customers(first: 5) { nodes { id name } } }",
        "customers",
    )
    .await;
    for unread in ["industry", "address", "latitude", "company_key"] {
        assert!(!narrow.contains(unread), "{unread} read by {narrow}");
    }
    let sorted = "{ customers(first: 5, orderBy: {field: NAME, direction: ASC}) { nodes { id } } }";
    let sorted = the_statement_of(&app, &rep.token, sorted, "customers").await;
    assert!(
        sorted.contains("company_key"),
        "the sort column is read: {sorted}"
    );
}

#[tokio::test]
async fn every_field_of_a_leads_page_answers_as_the_lead_read_whole() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for (name, budget, phone) in [
        ("Lead One", "YES", 1),
        ("Lead Two", "NO", 2),
        ("Lead Three", "YES", 3),
    ] {
        let body = app
            .gql(
                Some(&rep.token),
                "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
                json!({"input": {"name": name, "company": format!("{name} Ltd"), "phone": format!("+86 138 0000 000{phone}"),
                    "email": format!("{}@leads.example", name.replace(' ', ".")), "source": "REFERRAL",
                    "region": "East", "industry": "Trade", "notes": "Met at the fair",
                    "bant": {"budget": budget, "authority": "YES", "need": "YES", "timeline": "WITHIN_3_MONTHS"}}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let first = app
        .gql(
            Some(&rep.token),
            "{ leads(first: 1) { nodes { id version } } }",
            json!({}),
        )
        .await;
    let lead = &first["data"]["leads"]["nodes"][0];
    let qualified = app
        .gql(
            Some(&rep.token),
            "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { lead { id } } }",
            json!({"input": {"id": lead["id"], "expectedVersion": lead["version"], "status": "QUALIFIED"}}),
        )
        .await;
    assert!(qualified["errors"].is_null(), "{qualified}");
    let converted = app
        .gql(
            Some(&rep.token),
            "mutation($input: ConvertLeadInput!) { convertLead(input: $input) { lead { id } } }",
            json!({"input": {"id": lead["id"], "opportunity": {"name": "From the lead", "amount": "900", "expectedCloseDate": "2027-02-01"}}}),
        )
        .await;
    assert!(converted["errors"].is_null(), "{converted}");
    let alone = [
        "name",
        "company",
        "source",
        "status",
        "score",
        "grade",
        "bant { budget authority need timeline }",
        "region",
        "industry",
        "notes",
        "inPool",
        "poolDeadline",
        "lastFollowUpAt",
        "followUpCount",
        "disqualifiedReason",
        "convertedAt",
        "createdAt",
        "updatedAt",
        "version",
        "phone",
        "email",
        "owner { id }",
        "followUps(first: 2) { totalCount }",
        "events(first: 2) { totalCount nodes { kind } }",
        "convertedOpportunity { id name }",
        "convertedCustomer { id name }",
        "__typename",
    ];
    each_field_as_the_whole(
        &app,
        &rep.token,
        ("leads(first: 10)", "lead", None),
        &alone,
        3,
    )
    .await;
    let orders = [
        ("SCORE", "score"),
        ("UPDATED_AT", "updatedAt"),
        ("CREATED_AT", "createdAt"),
    ];
    cursors_follow_every_order(&app, &rep.token, "leads", &orders).await;
    let narrow = the_statement_of(
        &app,
        &rep.token,
        "{ leads(first: 5) { nodes { id name } } }",
        "leads",
    )
    .await;
    for unread in ["notes", "bant_budget", "phone", "\"score\""] {
        assert!(!narrow.contains(unread), "{unread} read by {narrow}");
    }
}

#[tokio::test]
async fn every_field_of_a_contracts_page_answers_as_the_contract_read_whole() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Contract Columns", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let customer = a_customer(&app, &rep.token, "Contract Columns Co").await;
    for (title, amount) in [
        ("Supply", "1000"),
        ("Service", "250.75"),
        ("Spare parts", "4000"),
    ] {
        let body = app
            .gql(
                Some(&rep.token),
                "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
                json!({"input": {"customerId": customer, "title": title, "amount": amount, "terms": "Net 30",
                    "startDate": "2027-01-01", "endDate": "2027-12-31"}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let alone = [
        "number",
        "title",
        "amount",
        "startDate",
        "endDate",
        "signedDate",
        "terms",
        "status",
        "cancelReason",
        "createdAt",
        "updatedAt",
        "version",
        "customer { id }",
        "customer { name grade }",
        "customer { owner { id } }",
        "opportunity { id }",
        "owner { id displayName }",
        "collectionPlan { dueDate }",
        "invoices(first: 2) { totalCount }",
        "payments(first: 2) { totalCount }",
        "receivable { outstanding overdue credit }",
        "approval { id }",
        "__typename",
    ];
    for token in [&rep.token, &manager.token] {
        each_field_as_the_whole(
            &app,
            token,
            ("contracts(first: 10)", "contract", None),
            &alone,
            3,
        )
        .await;
    }
    let orders = [
        ("AMOUNT", "amount"),
        ("UPDATED_AT", "updatedAt"),
        ("CREATED_AT", "createdAt"),
    ];
    cursors_follow_every_order(&app, &manager.token, "contracts", &orders).await;
    let query = "{ contracts(first: 5) { nodes { id number customer { name } } } }";
    app.record_sql();
    let body = app.gql(Some(&manager.token), query, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let sql = app.recorded_sql();
    let customers: Vec<&String> = sql
        .iter()
        .filter(|s| s.starts_with("SELECT \"customers\""))
        .collect();
    assert!(
        customers.is_empty(),
        "the customer is joined, not loaded: {customers:?}"
    );
    let narrow = the_statement_of(&app, &manager.token, query, "contracts").await;
    assert!(narrow.contains("\"cu_name\""), "{narrow}");
    for unread in ["terms", "title", "cu_industry", "cancel_reason"] {
        assert!(!narrow.contains(unread), "{unread} read by {narrow}");
    }
}
