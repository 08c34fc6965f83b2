//! Invoices, payments and visit tasks pages.

use serde_json::json;

use super::{cursors_follow_every_order, each_field_as_the_whole, the_statement_of};
use crate::fixtures::a_customer;
use crate::helpers::TestApp;

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
