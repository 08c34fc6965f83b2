//! Who may write billing records, and whose payments reps read.

use super::*;

/// What the role matrix writes on: a contract collecting money (with an invoice to void and a
/// payment to reverse for each of finance and the admin) and one without a plan yet.
struct Matrix {
    customer: String,
    collecting: String,
    unplanned: String,
    installment: Value,
    invoices: Vec<Value>,
    payments: Vec<Value>,
}

async fn attempt(app: &TestApp, token: &str, operation: &str, on: &Matrix, turn: usize) -> Value {
    let input = |fields: Value| json!({ "input": fields });
    match operation {
        "setCollectionPlan" => {
            set_plan(app, token, &on.unplanned, json!([{"dueDate": "2026-12-01", "amount": "100"}])).await
        }
        "issueInvoice" => {
            app.gql(Some(token), "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }",
                input(json!({"contractId": on.collecting, "installmentId": on.installment, "amount": "10",
                    "issueDate": "2026-11-25", "dueDate": "2026-12-01", "taxRate": "0.13"})))
            .await
        }
        "voidInvoice" => {
            app.gql(Some(token), "mutation($input: VoidInvoiceInput!) { voidInvoice(input: $input) { invoice { id } } }",
                input(json!({"id": on.invoices[turn], "reason": "Matrix"})))
            .await
        }
        "recordPayment" => {
            pay(app, token, json!({"customerId": on.customer, "contractId": on.collecting, "amount": "10"})).await
        }
        "reversePayment" => {
            app.gql(Some(token), "mutation($input: ReversePaymentInput!) { reversePayment(input: $input) { payment { id } } }",
                input(json!({"id": on.payments[turn], "reason": "Matrix"})))
            .await
        }
        "requestWaiver" => {
            app.gql(Some(token), "mutation($input: RequestWaiverInput!) { requestWaiver(input: $input) { waiver { id } } }",
                input(json!({"installmentId": on.installment, "amount": "1", "reason": "Matrix"})))
            .await
        }
        other => panic!("no billing write {other}"),
    }
}

#[tokio::test]
async fn billing_writes_follow_the_role_matrix_and_reps_read_only_their_customers_payments() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let outsider = app.a_user().create().await;
    let customer = customer(&app, &books, "Matrix Co").await;
    let collecting = approved(&app, &books, &customer, "1000").await;
    let unplanned = approved(&app, &books, &customer, "100").await;
    let plan = installments(
        &set_plan(
            &app,
            &books.finance.token,
            &collecting,
            json!([{"dueDate": "2026-12-01", "amount": "1000"}]),
        )
        .await,
    );
    let mut on = Matrix {
        customer,
        collecting,
        unplanned,
        installment: plan[0]["id"].clone(),
        invoices: Vec::new(),
        payments: Vec::new(),
    };
    for _ in 0..2 {
        let invoice = attempt(&app, &books.finance.token, "issueInvoice", &on, 0).await;
        on.invoices
            .push(invoice["data"]["issueInvoice"]["invoice"]["id"].clone());
        let payment = attempt(&app, &books.finance.token, "recordPayment", &on, 0).await;
        on.payments.push(payment_of(&payment)["id"].clone());
    }
    // Who writes, and which of the prepared invoices and payments they use up.
    let roles = [
        ("owning rep", books.rep.token.clone(), 0),
        ("team manager", books.manager_token.clone(), 0),
        ("finance", books.finance.token.clone(), 0),
        ("admin", app.admin_token.clone(), 1),
        ("other rep", outsider.token.clone(), 0),
    ];
    let finance_only = [
        Some("FORBIDDEN"),
        Some("FORBIDDEN"),
        None,
        None,
        Some("FORBIDDEN"),
    ];
    let matrix = [
        (
            "setCollectionPlan",
            [None, Some("FORBIDDEN"), None, None, Some("NOT_FOUND")],
        ),
        ("issueInvoice", finance_only),
        ("voidInvoice", finance_only),
        ("recordPayment", finance_only),
        ("reversePayment", finance_only),
        ("requestWaiver", finance_only),
    ];

    for (operation, expected) in matrix {
        for ((role, token, turn), code) in roles.iter().zip(expected) {
            let body = attempt(&app, token, operation, &on, *turn).await;
            assert_eq!(error_code(&body), code, "{operation} by {role}: {body}");
            if code.is_none() {
                assert!(!body["data"].is_null(), "{operation} by {role}: {body}");
            }
        }
    }
    let count = "{ payments { totalCount } }";
    let under_contract = "query($id: ID!) { contract(id: $id) { payments { nodes { id } } } }";
    let collecting = &on.collecting;
    let seen = |token: String| {
        let app = &app;
        async move {
            let listed = app.gql(Some(&token), count, json!({})).await;
            let nested = app
                .gql(Some(&token), under_contract, json!({"id": collecting}))
                .await;
            (
                listed["data"]["payments"]["totalCount"].as_u64(),
                nested["data"]["contract"]["payments"]["nodes"]
                    .as_array()
                    .map(Vec::len),
            )
        }
    };
    assert_eq!(
        seen(books.rep.token.clone()).await,
        (Some(4), Some(4)),
        "the rep reads their customer's payments"
    );
    assert_eq!(seen(books.manager_token.clone()).await, (Some(4), Some(4)));
    assert_eq!(
        seen(outsider.token.clone()).await,
        (Some(0), None),
        "another rep reads none"
    );
    ledger_holds(&app).await;
}
