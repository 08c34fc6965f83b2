//! Invoices: never above what is uninvoiced, voiding, lists and their statement counts.

use super::*;

#[tokio::test]
async fn invoices_never_exceed_the_uninvoiced_amount_and_voiding_gives_it_back() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Invoice Co").await;
    let contract = approved(&app, &books, &customer, "1000").await;
    let plan = installments(&set_plan(&app, &books.finance.token, &contract, json!([
        {"dueDate": "2026-12-01", "amount": "300"}, {"dueDate": "2027-01-01", "amount": "700"},
    ])).await);
    let issue = "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id number amount taxRate taxAmount netAmount status installment { invoicedAmount } } } }";
    let input = |amount: &str, rate: &str| {
        json!({"input": {"contractId": contract, "installmentId": plan[0]["id"],
        "amount": amount, "issueDate": "2026-11-25", "dueDate": "2026-12-01", "taxRate": rate}})
    };

    let first = app
        .gql(Some(&books.finance.token), issue, input("300", "0.13"))
        .await;
    let over = app
        .gql(Some(&books.finance.token), issue, input("0.01", "0.13"))
        .await;
    let by_rep = app
        .gql(Some(&books.rep.token), issue, input("1", "0.13"))
        .await;
    let bad_rate = app
        .gql(Some(&books.finance.token), issue, input("1", "1.5"))
        .await;
    let invoice = first["data"]["issueInvoice"]["invoice"].clone();
    let void = app
        .gql(Some(&books.finance.token), "mutation($input: VoidInvoiceInput!) { voidInvoice(input: $input) { invoice { status voidReason installment { invoicedAmount } } } }",
            json!({"input": {"id": invoice["id"], "reason": "Wrong address"}}))
        .await;
    let second = app
        .gql(Some(&books.finance.token), issue, input("100", "0.06"))
        .await;
    let listed = app
        .gql(
            Some(&books.rep.token),
            "query($c: ID!) { customer(id: $c) { invoices { nodes { number status } } } }",
            json!({"c": customer}),
        )
        .await;

    let year = "2026";
    assert_eq!(invoice["number"], format!("INV-{year}-000001"));
    assert_eq!(
        (
            invoice["taxRate"].as_str(),
            invoice["taxAmount"].as_str(),
            invoice["netAmount"].as_str()
        ),
        (Some("0.13"), Some("34.51"), Some("265.49"))
    );
    assert_eq!(invoice["installment"]["invoicedAmount"], "300.00");
    assert_eq!(
        (error_code(&over), error_field(&over)),
        (Some("BAD_USER_INPUT"), Some("input.amount"))
    );
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"));
    assert_eq!(
        (error_code(&bad_rate), error_field(&bad_rate)),
        (Some("BAD_USER_INPUT"), Some("input.taxRate"))
    );
    assert_eq!(
        void["data"]["voidInvoice"]["invoice"],
        json!({"status": "VOID", "voidReason": "Wrong address", "installment": {"invoicedAmount": "0.00"}})
    );
    assert_eq!(
        second["data"]["issueInvoice"]["invoice"]["number"],
        format!("INV-{year}-000002")
    );
    assert_eq!(
        listed["data"]["customer"]["invoices"]["nodes"],
        json!([{"number": "INV-2026-000002", "status": "ISSUED"}, {"number": "INV-2026-000001", "status": "VOID"}]),
        "the owner reads them"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn invoices_list_by_customer_contract_status_and_issue_date_and_under_their_contract() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let land = territories(&app).await;
    let finance = land.east.finance.token.clone();
    let [east_contract, plain_contract, _] = &land.contracts;
    let east_plan = plan_of(&app, &finance, east_contract).await;
    let plain_plan = plan_of(&app, &finance, plain_contract).await;
    let issue =
        "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }";
    let mut ids = Vec::new();
    for (contract, item, amount, day) in [
        (east_contract, &east_plan[0], "100", "2026-11-20"),
        (east_contract, &east_plan[1], "60", "2026-11-25"),
        (plain_contract, &plain_plan[0], "40", "2026-11-25"),
    ] {
        let body = app
            .gql(
                Some(&finance),
                issue,
                json!({"input": {"contractId": contract, "installmentId": item["id"],
                "amount": amount, "issueDate": day, "dueDate": "2026-12-31", "taxRate": "0.13"}}),
            )
            .await;
        ids.push(body["data"]["issueInvoice"]["invoice"]["id"].clone());
    }
    app.gql(Some(&finance), "mutation($id: ID!) { voidInvoice(input: {id: $id, reason: \"Wrong\"}) { invoice { id } } }", json!({"id": ids[1]}))
        .await;
    let numbers = |token: String, filter: Value| {
        let app = &app;
        async move {
            let body = app
                .gql(Some(&token), "query($f: InvoiceFilter) { invoices(filter: $f) { totalCount nodes { number } } }", json!({"f": filter}))
                .await;
            body["data"]["invoices"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{filter}: {body}"))
                .iter()
                .filter_map(|n| n["number"].as_str())
                .map(|n| n.trim_start_matches("INV-2026-").to_owned())
                .collect::<Vec<_>>()
        }
    };

    let cases = [
        (json!({}), vec!["000003", "000002", "000001"]),
        (
            json!({"contractId": east_contract}),
            vec!["000002", "000001"],
        ),
        (json!({"customerId": land.plain_customer}), vec!["000003"]),
        (json!({"statuses": ["VOID"]}), vec!["000002"]),
        (json!({"statuses": ["ISSUED"]}), vec!["000003", "000001"]),
        (
            json!({"statuses": ["ISSUED", "VOID"]}),
            vec!["000003", "000002", "000001"],
        ),
        (
            json!({"issuedFrom": "2026-11-21"}),
            vec!["000003", "000002"],
        ),
        (json!({"issuedTo": "2026-11-20"}), vec!["000001"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            numbers(finance.clone(), filter.clone()).await,
            expected,
            "{filter}"
        );
    }
    assert_eq!(
        numbers(land.east.rep.token.clone(), json!({})).await,
        vec!["000003", "000002", "000001"],
        "the owner reads their customers' invoices"
    );
    assert!(
        numbers(land.north.rep.token.clone(), json!({}))
            .await
            .is_empty(),
        "another team's rep reads none"
    );
    let under_contract = app
        .gql(Some(&land.east.rep.token), "query($id: ID!) { contract(id: $id) { invoices { nodes { number amount status installment { seq } } } } }", json!({"id": east_contract}))
        .await;
    assert_eq!(
        under_contract["data"]["contract"]["invoices"]["nodes"],
        json!([
            {"number": "INV-2026-000002", "amount": "60.00", "status": "VOID", "installment": {"seq": 2}},
            {"number": "INV-2026-000001", "amount": "100.00", "status": "ISSUED", "installment": {"seq": 1}},
        ])
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn billing_lists_with_nested_fields_cost_the_same_whatever_the_page_size() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    for i in 0..6 {
        let customer = customer(&app, &books, &format!("Count {i}")).await;
        let contract = approved(&app, &books, &customer, "100").await;
        set_plan(&app, &books.finance.token, &contract, json!([{"dueDate": "2026-11-01", "amount": "60"}, {"dueDate": "2026-12-01", "amount": "40"}])).await;
        pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "amount": "70"}),
        )
        .await;
    }
    let queries = [
        "query($n: Int!) { receivables(first: $n) { totals { outstanding } nodes { outstanding overdue contract { number owner { id } } customer { name receivable { credit } } } } }",
        "query($n: Int!) { payments(first: $n) { nodes { amount customer { name } allocations { amount installment { seq contract { number } } } } } }",
        "query($n: Int!) { contracts(first: $n) { nodes { number receivable { outstanding } collectionPlan { seq paidAmount } payments { nodes { amount } } invoices { nodes { number } } customer { receivable { outstanding credit } invoices { nodes { number } } } } } }",
    ];

    for query in queries {
        app.gql(Some(&books.finance.token), "{ me { id } }", json!({}))
            .await;
        let token = Some(books.finance.token.as_str());
        let (small_cost, small) = app.cheapest_cost(token, query, json!({"n": 2})).await;
        let (large_cost, large) = app.cheapest_cost(token, query, json!({"n": 6})).await;
        assert!(
            small["errors"].is_null() && large["errors"].is_null(),
            "{small} {large}"
        );
        assert_eq!(small_cost, large_cost, "{query}");
    }
    ledger_holds(&app).await;
}
