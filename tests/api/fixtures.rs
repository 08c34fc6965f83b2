//! Records many test files need, made through the API: customers, contracts, and approved
//! contracts with collection plans and payments.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

pub const CREATE_CUSTOMER: &str = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id name version location { lat lng } grade owner { id } } } }";
pub const CUSTOMER: &str = "query($id: ID!) { customer(id: $id) { id name } }";

pub async fn a_customer(app: &TestApp, token: &str, name: &str) -> String {
    let body = app
        .gql(
            Some(token),
            CREATE_CUSTOMER,
            json!({"input": {"name": name}}),
        )
        .await;
    body["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

pub const FIELDS: &str = "id number title amount status version startDate endDate signedDate terms cancelReason \
    customer { id } opportunity { id } owner { id } approval { id status }";

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

pub async fn op(app: &TestApp, token: &str, name: &str, input_type: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ contract {{ {FIELDS} }} }} }}"
    );
    app.gql(Some(token), &query, json!({ "input": input }))
        .await
}

pub fn contract_of(body: &Value, name: &str) -> Value {
    let contract = body["data"][name]["contract"].clone();
    assert!(contract.is_object(), "{body}");
    contract
}

pub async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    op(app, token, "createContract", "CreateContractInput", input).await
}

/// A draft contract of `amount` for a new customer of `owner`.
pub async fn a_contract(app: &TestApp, owner: &TestUser, amount: &str) -> Value {
    let customer = crate::fixtures::a_customer(app, &owner.token, "Contract Customer").await;
    contract_of(
        &create(
            app,
            &owner.token,
            json!({"customerId": customer, "title": "Supply agreement", "amount": amount, "terms": "Net 30"}),
        )
        .await,
        "createContract",
    )
}

pub async fn contract(app: &TestApp, token: &str, id: &Value) -> Value {
    let query = format!("query($id: ID!) {{ contract(id: $id) {{ {FIELDS} }} }}");
    app.gql(Some(token), &query, json!({"id": id})).await
}

/// A team (manager, rep), two finance users and the bootstrap admin.
pub struct Books {
    pub rep: TestUser,
    pub manager_token: String,
    pub finance: TestUser,
    pub finance2: TestUser,
}

pub async fn books(app: &TestApp) -> Books {
    books_of_team(app, "Billing").await.0
}

/// [`books`] for a team of this name, with the team's id.
pub async fn books_of_team(app: &TestApp, team_name: &str) -> (Books, String) {
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team(team_name, Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let finance2 = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let books = Books {
        rep,
        manager_token,
        finance,
        finance2,
    };
    (books, team)
}

pub async fn customer(app: &TestApp, books: &Books, name: &str) -> String {
    crate::fixtures::a_customer(app, &books.rep.token, name).await
}

/// A contract of `amount` for `customer`, approved through every step its amount needs.
pub async fn approved(app: &TestApp, books: &Books, customer: &str, amount: &str) -> String {
    let created = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
            json!({"input": {"customerId": customer, "title": "Supply", "amount": amount}}),
        )
        .await;
    let id = created["data"]["createContract"]["contract"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    approve(app, books, &id).await;
    id
}

/// Submits the books' rep's draft contract `id` and approves every step of its request.
pub async fn approve(app: &TestApp, books: &Books, id: &str) {
    let submitted = app
        .gql(
            Some(&books.rep.token),
            "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id steps { role } } } }",
            json!({"id": id}),
        )
        .await;
    let request = &submitted["data"]["submitContract"]["request"];
    for step in request["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{submitted}"))
    {
        let token = match step["role"].as_str().unwrap_or_default() {
            "SALES_MANAGER" => books.manager_token.clone(),
            "FINANCE" => books.finance.token.clone(),
            _ => app.admin_token.clone(),
        };
        let body = app
            .gql(
                Some(&token),
                "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }",
                json!({"r": request["id"]}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
}

/// An approved contract of the books' rep, signed by finance yesterday (the test clock's).
pub async fn signed(app: &TestApp, books: &Books, customer: &str, amount: &str) -> String {
    let id = approved(app, books, customer, amount).await;
    sign(app, books, &id).await;
    id
}

/// Finance signs the approved contract `id` yesterday (the test clock's).
pub async fn sign(app: &TestApp, books: &Books, id: &str) {
    let version = app
        .gql(
            Some(&books.rep.token),
            "query($id: ID!) { contract(id: $id) { version } }",
            json!({"id": id}),
        )
        .await["data"]["contract"]["version"]
        .clone();
    let yesterday =
        salesgraph::clock::Clock::now(&app.clock).date_naive() - chrono::Duration::days(1);
    let body = app
        .gql(
            Some(&books.finance.token),
            "mutation($input: MarkContractSignedInput!) { markContractSigned(input: $input) { contract { status } } }",
            json!({"input": {"id": id, "expectedVersion": version, "signedDate": yesterday}}),
        )
        .await;
    assert_eq!(
        body["data"]["markContractSigned"]["contract"]["status"], "SIGNED",
        "{body}"
    );
}

pub async fn set_plan(app: &TestApp, token: &str, contract: &str, installments: Value) -> Value {
    let query = format!(
        "mutation($input: SetCollectionPlanInput!) {{ setCollectionPlan(input: $input) {{ installments {{ {INSTALLMENT} }} }} }}"
    );
    app.gql(
        Some(token),
        &query,
        json!({"input": {"contractId": contract, "installments": installments}}),
    )
    .await
}

pub fn installments(body: &Value) -> Vec<Value> {
    body["data"]["setCollectionPlan"]["installments"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

pub async fn pay(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: RecordPaymentInput!) {{ recordPayment(input: $input) {{ payment {{ {PAYMENT} }} }} }}"
    );
    let mut full = json!({"receivedDate": "2026-11-25", "method": "BANK_TRANSFER",
        "reference": format!("TX-{}", uuid::Uuid::now_v7().simple())});
    full.as_object_mut()
        .unwrap()
        .extend(input.as_object().unwrap().clone());
    app.gql(Some(token), &query, json!({ "input": full })).await
}

pub fn payment_of(body: &Value) -> Value {
    let payment = body["data"]["recordPayment"]["payment"].clone();
    assert!(payment.is_object(), "{body}");
    payment
}

pub async fn plan_of(app: &TestApp, token: &str, contract: &str) -> Vec<Value> {
    let query =
        format!("query($id: ID!) {{ contract(id: $id) {{ collectionPlan {{ {INSTALLMENT} }} }} }}");
    let body = app.gql(Some(token), &query, json!({"id": contract})).await;
    body["data"]["contract"]["collectionPlan"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

/// Asserts that `verifyLedger` finds nothing wrong.
pub async fn ledger_holds(app: &TestApp) {
    let body = app
        .admin(
            "{ verifyLedger { ok problems installmentsChecked paymentsChecked } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["verifyLedger"]["ok"], true, "{body}");
}

pub const INSTALLMENT: &str = "id seq dueDate amount invoicedAmount paidAmount waivedAmount outstanding status overdue daysOverdue";
pub const PAYMENT: &str = "id amount unallocatedAmount status reversed reference \
    allocations { amount kind installment { seq } }";

/// The books' manager hands `customer` to `to` (a teammate): from then on `to` sees the
/// customer's contracts through it, but changes none of them.
pub async fn pass_customer(app: &TestApp, books: &Books, customer: &Value, to: &TestUser) {
    let version = app
        .gql(
            Some(&books.manager_token),
            "query($id: ID!) { customer(id: $id) { version } }",
            json!({"id": customer}),
        )
        .await["data"]["customer"]["version"]
        .clone();
    let passed = app
        .gql(
            Some(&books.manager_token),
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }",
            json!({"input": {"id": customer, "expectedVersion": version, "ownerId": to.id}}),
        )
        .await;
    assert!(passed["errors"].is_null(), "{passed}");
}

/// Clears every stage's exit criteria (as an admin may): for tests about what moving deals
/// does, not about what a move requires.
pub async fn without_playbook(app: &TestApp) {
    let body = app
        .admin(
            "{ pipelineStages(includeArchived: true) { id name probability kind maxDaysInStage staleRule archived } }",
            json!({}),
        )
        .await;
    let stages: Vec<Value> = body["data"]["pipelineStages"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s["exitCriteria"] = json!([]);
            s
        })
        .collect();
    let cleared = app
        .admin(
            "mutation($s: [PipelineStageInput!]!) { updatePipelineStages(input: {stages: $s}) { stages { id } } }",
            json!({"s": stages}),
        )
        .await;
    assert!(cleared["errors"].is_null(), "{cleared}");
}
