//! Customers, leads and contracts pages read only the columns their selection needs (and a
//! contracts page joins the customer when asked): every field, asked alone so that the fewest
//! columns are read for it, answers as the record read whole by its lookup does; cursors keep
//! their sort value whatever is selected; a narrow selection reads fewer columns.

use serde_json::{Value, json};

use crate::fixtures::a_customer;
use crate::helpers::TestApp;

/// For every field of `alone`: each node of `list` (a connection field with its arguments)
/// answers as the same record read whole by `lookup(id: …)` does (`node` with a fragment on
/// `on_type` when given), with `expected` nodes.
pub async fn each_field_as_the_whole(
    app: &TestApp,
    token: &str,
    (list, lookup, on_type): (&str, &str, Option<&str>),
    alone: &[&str],
    expected: usize,
) {
    let name = list.split('(').next().unwrap_or(list);
    for item in alone {
        let page = app
            .gql(
                Some(token),
                &format!("{{ {list} {{ edges {{ node {{ id {item} }} }} }} }}"),
                json!({}),
            )
            .await;
        assert!(page["errors"].is_null(), "{item}: {page}");
        let edges = page["data"][name]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), expected, "{item}: {page}");
        for edge in edges {
            let node = &edge["node"];
            let query = match on_type {
                Some(kind) => format!(
                    "query($id: ID!) {{ {lookup}(id: $id) {{ ... on {kind} {{ id {item} }} }} }}"
                ),
                None => format!("query($id: ID!) {{ {lookup}(id: $id) {{ id {item} }} }}"),
            };
            let whole = app
                .gql(Some(token), &query, json!({"id": node["id"]}))
                .await;
            assert!(whole["errors"].is_null(), "{item}: {whole}");
            assert_eq!(node, &whole["data"][lookup], "{item}");
        }
    }
}

/// Walks `list` one node at a time selecting only ids, for each `(order field, a field showing
/// it)`, both directions: the walk meets the nodes in the order a page selecting that field
/// shows them.
pub async fn cursors_follow_every_order(
    app: &TestApp,
    token: &str,
    list: &str,
    orders: &[(&str, &str)],
) {
    for (field, selected) in orders {
        for direction in ["ASC", "DESC"] {
            let order = format!("orderBy: {{field: {field}, direction: {direction}}}");
            let query = format!("{{ {list}(first: 50, {order}) {{ nodes {{ id {selected} }} }} }}");
            let whole = app.gql(Some(token), &query, json!({})).await;
            let expected: Vec<Value> = whole["data"][list]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{whole}"))
                .iter()
                .map(|node| node["id"].clone())
                .collect();
            assert!(expected.len() >= 3, "{whole}");
            let mut walked = Vec::new();
            let mut after = Value::Null;
            loop {
                let query = format!(
                    "query($after: String) {{ {list}(first: 1, after: $after, {order}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }}"
                );
                let page = app.gql(Some(token), &query, json!({"after": after})).await;
                assert!(page["errors"].is_null(), "{order}: {page}");
                let found = &page["data"][list];
                walked.extend(
                    found["nodes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n["id"].clone()),
                );
                if found["pageInfo"]["hasNextPage"] != json!(true) {
                    break;
                }
                assert!(walked.len() <= expected.len(), "{order}: no end");
                after = found["pageInfo"]["endCursor"].clone();
            }
            assert_eq!(walked, expected, "{list} {order}");
        }
    }
}

/// The one statement reading `table` while `query` runs.
pub async fn the_statement_of(app: &TestApp, token: &str, query: &str, table: &str) -> String {
    app.record_sql();
    let body = app.gql(Some(token), query, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let from = format!("FROM \"{table}\"");
    let reading: Vec<String> = app
        .recorded_sql()
        .into_iter()
        .filter(|s| s.contains(&from))
        .collect();
    assert_eq!(reading.len(), 1, "{query}: {reading:?}");
    reading[0].clone()
}

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
                json!({"input": {"name": name, "industry": "Trade", "region": region, "grade": grade,
                    "address": "1 Harbour Road", "location": {"lat": 31.2, "lng": 121.5}}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
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

#[tokio::test]
async fn every_field_of_invoices_and_payments_pages_answers_as_the_record_read_whole() {
    use crate::fixtures::{approved, books, customer, installments, pay, set_plan};
    let app = TestApp::spawn().await;
    let books = books(&app).await;
    let buyer = customer(&app, &books, "Billing Columns Co").await;
    let contract = approved(&app, &books, &buyer, "900").await;
    let finance = books.finance.token.clone();
    let plan = installments(
        &set_plan(
            &app,
            &finance,
            &contract,
            json!([
                {"dueDate": "2026-12-01", "amount": "300"},
                {"dueDate": "2027-01-01", "amount": "300"},
                {"dueDate": "2027-02-01", "amount": "300"},
            ]),
        )
        .await,
    );
    for (installment, (amount, rate)) in
        plan.iter()
            .zip([("300", "0.13"), ("120.50", "0.06"), ("300", "0")])
    {
        let body = app
            .gql(
                Some(&finance),
                "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }",
                json!({"input": {"contractId": contract, "installmentId": installment["id"], "amount": amount,
                    "issueDate": "2026-11-25", "dueDate": "2026-12-20", "taxRate": rate}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    for amount in ["100", "250.25", "40"] {
        let body = pay(
            &app,
            &finance,
            json!({"customerId": buyer, "contractId": contract, "amount": amount}),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let invoice_fields = [
        "number",
        "amount",
        "taxRate",
        "taxAmount",
        "netAmount",
        "issueDate",
        "dueDate",
        "status",
        "voidReason",
        "voidedAt",
        "createdAt",
        "updatedAt",
        "version",
        "contract { id }",
        "installment { id dueDate }",
        "customer { id name }",
        "__typename",
    ];
    let lists = ("invoices(first: 10)", "node", Some("Invoice"));
    each_field_as_the_whole(&app, &finance, lists, &invoice_fields, 3).await;
    let payment_fields = [
        "amount",
        "receivedDate",
        "method",
        "reference",
        "unallocatedAmount",
        "status",
        "reversed",
        "reversedAt",
        "reverseReason",
        "createdAt",
        "updatedAt",
        "version",
        "allocations { amount }",
        "customer { id }",
        "contract { id number }",
        "__typename",
    ];
    let lists = ("payments(first: 10)", "node", Some("Payment"));
    each_field_as_the_whole(&app, &finance, lists, &payment_fields, 3).await;
    let orders = [
        ("AMOUNT", "amount"),
        ("DUE_DATE", "dueDate"),
        ("ISSUE_DATE", "issueDate"),
    ];
    cursors_follow_every_order(&app, &finance, "invoices", &orders).await;
    let orders = [("AMOUNT", "amount"), ("RECEIVED_DATE", "receivedDate")];
    cursors_follow_every_order(&app, &finance, "payments", &orders).await;
    let narrow = the_statement_of(
        &app,
        &finance,
        "{ invoices(first: 5) { nodes { id number } } }",
        "invoices",
    )
    .await;
    for unread in ["void_reason", "tax_minor", "created_by"] {
        assert!(!narrow.contains(unread), "{unread} read by {narrow}");
    }
    let narrow = the_statement_of(
        &app,
        &finance,
        "{ payments(first: 5) { nodes { id amount } } }",
        "payments",
    )
    .await;
    for unread in ["reverse_reason", "reference_key", "created_by"] {
        assert!(!narrow.contains(unread), "{unread} read by {narrow}");
    }
}

#[tokio::test]
async fn every_field_of_a_visit_tasks_page_answers_as_the_task_read_whole() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let buyer = a_customer(&app, &rep.token, "Visit Columns Co").await;
    for (hour, purpose) in [
        ("02", "Demo"),
        ("05", "Contract talk"),
        ("07", "Collect feedback"),
    ] {
        let body = app
            .gql(
                Some(&rep.token),
                "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
                json!({"input": {"customerId": buyer, "purpose": purpose, "address": "5 Dock Street",
                    "plannedStart": format!("2027-03-01T{hour}:00:00Z"), "plannedEnd": format!("2027-03-01T{hour}:45:00Z")}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let alone = [
        "version",
        "status",
        "purpose",
        "plannedStart",
        "plannedEnd",
        "localDate",
        "address",
        "location { lat lng }",
        "checkIn { at }",
        "checkOut { at }",
        "cancelledAt",
        "cancelReason",
        "missedAt",
        "createdAt",
        "updatedAt",
        "customer { id name }",
        "assignee { id }",
        "createdBy { id }",
        "opportunity { id }",
        "contact { id }",
        "__typename",
    ];
    let lists = ("visitTasks(first: 10)", "visitTask", None);
    each_field_as_the_whole(&app, &rep.token, lists, &alone, 3).await;
    let orders = [
        ("PLANNED_START", "plannedStart"),
        ("UPDATED_AT", "updatedAt"),
    ];
    cursors_follow_every_order(&app, &rep.token, "visitTasks", &orders).await;
    let query = "{ visitTasks(first: 5) { nodes { id status } } }";
    let narrow = the_statement_of(&app, &rep.token, query, "visit_tasks").await;
    for unread in ["purpose", "cancel_reason", "check_in_latitude"] {
        assert!(!narrow.contains(unread), "{unread} read by {narrow}");
    }
}
