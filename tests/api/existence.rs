//! No existence leaks: every id a mutation input names answers a record the caller may not see
//! exactly as it answers an id that names nothing (same code, field and message), and a
//! `NOT_FOUND` names that id's field. The walk
//! covers every id field of every mutation input the server introspects, so a new one fails
//! here until it is added.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::fixtures::{self, Books};
use crate::helpers::*;

/// Who calls: the rep or the manager of team B; everything hidden belongs to team A.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Rep,
    Manager,
}

/// One id of one mutation input: the input with `"$ID"` where the id goes, the id's type, and
/// a record of that type the caller may not see.
pub(crate) struct Case {
    pub(crate) mutation: &'static str,
    path: &'static str,
    caller: Caller,
    kind: &'static str,
    pub(crate) hidden: String,
    pub(crate) input: Value,
}

/// Id fields whose every caller sees every record the field can name: admin-only mutations
/// (admins see everything), pipeline stages, their exit criteria, the reason picklists,
/// competitors and the product catalogue (everyone sees them) and split holders (every
/// colleague is in the directory). Client ids name nothing yet.
const EVERY_CALLER_SEES: &[&str] = &[
    // Admins' alone: everyone else is refused before any id is read (tests/api/webhooks.rs).
    "updateWebhook input.id",
    "rotateWebhookSecret input.id",
    "deleteWebhook input.id",
    "redeliverWebhook input.deliveryId",
    // Admins' alone as well (tests/api/api_keys.rs).
    "createServiceAccount input.intakeTeamId",
    "updateServiceAccount input.id",
    "updateServiceAccount input.intakeTeamId",
    "createApiKey input.serviceAccountId",
    "createWebhook input.serviceAccountId",
    "updateWebhook input.serviceAccountId",
    "revokeApiKey input.id",
    "createUser input.teamId",
    "updateUser input.id",
    "updateUser input.teamId",
    "createTeam input.managerId",
    "updateTeam input.id",
    "updateTeam input.managerId",
    "updatePipelineStages input.stages.N.id",
    "updatePipelineStages input.stages.N.exitCriteria.N.id",
    "completeChecklistItem input.itemId",
    "winOpportunity input.reasonId",
    "loseOpportunity input.reasonId",
    "loseOpportunity input.wonByCompetitorId",
    "setOpportunityCompetitors input.competitors.N.competitorId",
    "updateCloseReasons input.reasons.N.id",
    "updateCompetitor input.id",
    "uncompleteChecklistItem input.itemId",
    "createOpportunity input.stageId",
    "moveOpportunityStage input.stageId",
    "reopenOpportunity input.stageId",
    "setOpportunitySplits input.splits.N.userId",
    // The catalogue is everyone's to read.
    "createProduct input.productLineId",
    "updateProduct input.id",
    "updateProduct input.productLineId",
    "archiveProduct input.id",
    "updateProductLine input.id",
    "archiveProductLine input.id",
    "updatePriceBook input.id",
    "archivePriceBook input.id",
    "setPriceBookEntries input.priceBookId",
    "setOpportunitySplits input.overlays.N.userId",
    "setPriceBookEntries input.entries.N.productId",
    "setPriceBookEntries input.removeProductIds",
    "setOpportunityLineItems input.priceBookId",
    "setOpportunityLineItems input.items.N.productId",
    "updateQuote input.priceBookId",
    "updateQuote input.items.N.productId",
    "createOrder input.lines.N.productId",
    "updateCallbackRules input.rules.N.id",
    // Every signed-in user sees every campaign (a rep picks it on a lead).
    "updateCampaign input.id",
    "recordCampaignCost input.campaignId",
    "createLead input.campaignId",
    "updateLead input.campaignId",
    "addCampaignMembers input.campaignId",
    // A filter: an owner the caller cannot see gives an empty file, as one that never existed.
    "startExport input.filter.ownerId",
];

/// The default playbook's `MANUAL` item ("Decision timeline agreed"), by its UUID.
const DEFAULT_MANUAL_ITEM: &str = "0193a000-0000-7000-8000-000000000203";

pub(crate) fn with_id(template: &Value, id: &str) -> Value {
    match template {
        Value::String(s) if s == "$ID" => Value::String(id.to_owned()),
        Value::Array(items) => Value::Array(items.iter().map(|v| with_id(v, id)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), with_id(v, id)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What a client can tell apart: the code, field and message of each error, and the data.
pub(crate) fn answer(body: &Value) -> Value {
    let errors: Vec<Value> = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    json!([
                        e["extensions"]["code"],
                        e["extensions"]["field"],
                        e["message"]
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    json!({"data": body["data"], "errors": errors})
}

pub(crate) async fn call(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let input_type = match mutation {
        // The steps of a quote share one input.
        "submitQuote" | "markQuoteSent" | "acceptQuote" => "QuoteStepInput".to_owned(),
        // So do the deletions into the recycle bin.
        "deleteLead" | "deleteCustomer" | "deleteContact" | "deleteOpportunity"
        | "deleteActivity" => "DeleteRecordInput".to_owned(),
        _ => format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]),
    };
    let query =
        format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ __typename }} }}");
    if mutation == "uploadAttachment" {
        // A file travels in a multipart request.
        let (_, body) = app
            .upload_request(Some(token), &query, input, "x.png", png(1, 1))
            .await;
        return answer(&body);
    }
    if mutation == "startImport" {
        let (_, body) = app
            .upload_request(
                Some(token),
                &query,
                input,
                "x.csv",
                b"name\nAcme\n".to_vec(),
            )
            .await;
        return answer(&body);
    }
    answer(
        &app.gql(Some(token), &query, json!({ "input": input }))
            .await,
    )
}

/// Every `mutation input.path` whose type is `ID` (lists as `.N.`, `[ID]` as the path itself),
/// from the server's own introspection.
async fn id_fields(app: &TestApp) -> BTreeSet<String> {
    const TYPE: &str =
        "type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";
    let query = format!(
        "{{ __schema {{ mutationType {{ fields {{ name args {{ name {TYPE} }} }} }} \
         types {{ name kind inputFields {{ name {TYPE} }} }} }} }}"
    );
    let body = app.admin(&query, json!({})).await;
    let schema = &body["data"]["__schema"];
    let inputs: std::collections::HashMap<String, Vec<Value>> = schema["types"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|t| t["kind"] == "INPUT_OBJECT")
        .map(|t| {
            let fields = t["inputFields"].as_array().cloned().unwrap_or_default();
            (t["name"].as_str().unwrap_or_default().to_owned(), fields)
        })
        .collect();
    /// The named type under any wrappers, and whether a list wraps it.
    fn named(ty: &Value) -> (String, bool) {
        let mut ty = ty;
        let mut list = false;
        while ty["name"].is_null() {
            list |= ty["kind"] == "LIST";
            ty = &ty["ofType"];
        }
        (ty["name"].as_str().unwrap_or_default().to_owned(), list)
    }
    fn walk(
        inputs: &std::collections::HashMap<String, Vec<Value>>,
        ty: &Value,
        path: String,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        let (base, list) = named(ty);
        if base == "ID" {
            out.push(path);
        } else if let Some(fields) = inputs.get(&base).filter(|_| depth < 4) {
            let prefix = if list { format!("{path}.N") } else { path };
            for field in fields {
                let field_name = field["name"].as_str().unwrap_or_default();
                let next = format!("{prefix}.{field_name}");
                walk(inputs, &field["type"], next, out, depth + 1);
            }
        }
    }
    let mut found = BTreeSet::new();
    for mutation in schema["mutationType"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = mutation["name"].as_str().unwrap_or_default();
        for arg in mutation["args"].as_array().into_iter().flatten() {
            let mut paths = Vec::new();
            let arg_name = arg["name"].as_str().unwrap_or_default().to_owned();
            walk(&inputs, &arg["type"], arg_name, &mut paths, 0);
            for path in paths.into_iter().filter(|p| !p.ends_with("clientId")) {
                found.insert(format!("{name} {path}"));
            }
        }
    }
    found
}

/// Team A's records (none visible to team B) and team B's own.
pub(crate) struct World {
    pub(crate) a: Books,
    pub(crate) rb: TestUser,
    pub(crate) mb: TestUser,
    pub(crate) a_team: String,
    pub(crate) submission_a: String,
    pub(crate) activity_a: String,
    pub(crate) report_a: String,
    pub(crate) activity_b: String,
    pub(crate) customer_a: String,
    pub(crate) contact_a: String,
    pub(crate) lead_a: String,
    pub(crate) deal_a: String,
    pub(crate) quote_a: String,
    pub(crate) visit_a: String,
    pub(crate) visit_b: String,
    pub(crate) attachment_a: String,
    pub(crate) draft_a: String,
    pub(crate) contract_a: String,
    pub(crate) request_a: String,
    pub(crate) installment_a: String,
    pub(crate) invoice_a: String,
    pub(crate) payment_a: String,
    pub(crate) signed_a: String,
    pub(crate) order_a: String,
    pub(crate) order_line_a: String,
    pub(crate) order_b: String,
    pub(crate) signed_customer_b: String,
    pub(crate) refund_a: String,
    pub(crate) notification_a: String,
    pub(crate) customer_b: String,
    pub(crate) deal_b: String,
    pub(crate) signed_b: String,
    pub(crate) lead_b: String,
    pub(crate) callback_a: String,
    pub(crate) callback_b: String,
    pub(crate) ticket_a: String,
    pub(crate) ticket_b: String,
    /// A campaign of team B's manager.
    pub(crate) campaign_b: String,
    /// A merge of two of team A's rep's customers.
    pub(crate) merge_a: String,
    /// A customer of team A's rep in the recycle bin.
    pub(crate) recycled_a: String,
    /// Two contacts of `customer_b`, and a second lead of team B's rep.
    pub(crate) contact_b: String,
    pub(crate) contact_b2: String,
    pub(crate) lead_b2: String,
}

pub(crate) async fn world(app: &TestApp) -> World {
    let (a, a_team) = fixtures::books_of_team(app, "Team A").await;
    let mb = app.a_user().role("SALES_MANAGER").create().await;
    let b_team = app.a_team("Team B", Some(&mb.id)).await;
    let rb = app.a_user().in_team(&b_team).create().await;
    let ra = a.rep.token.clone();
    let gql = async |token: &str, query: &str, input: Value| {
        app.gql(Some(token), query, json!({ "input": input })).await
    };
    let customer_a = fixtures::customer(app, &a, "Hidden Co").await;
    let month = salesgraph::clock::Clock::now(&app.clock)
        .format("%Y-%m")
        .to_string();
    let submission_a = string_at(
        &gql(
            &ra,
            "mutation($input: SubmitForecastInput!) { submitForecast(input: $input) { submission { id } } }",
            json!({"period": month}),
        )
        .await,
        &["data", "submitForecast", "submission", "id"],
    );
    let activity_a = string_at(
        &gql(
            &ra,
            "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } } }",
            json!({"kind": "CALL", "subjectId": customer_a, "title": "Hidden call",
                "dueAt": salesgraph::clock::Clock::now(&app.clock) + chrono::Duration::days(1)}),
        )
        .await,
        &["data", "createActivity", "activity", "id"],
    );
    let today = salesgraph::calendar::today(
        chrono_tz::Asia::Shanghai,
        salesgraph::clock::Clock::now(&app.clock),
    );
    let report_a = string_at(
        &gql(
            &ra,
            "mutation($input: SubmitDailyReportInput!) { submitDailyReport(input: $input) { report { id } } }",
            json!({"date": today, "summary": "Hidden day"}),
        )
        .await,
        &["data", "submitDailyReport", "report", "id"],
    );
    let contact_a = string_at(
        &gql(
            &ra,
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"customerId": customer_a, "name": "Hidden Person"}),
        )
        .await,
        &["data", "addContact", "contact", "id"],
    );
    let create_lead =
        "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }";
    let lead_a = string_at(
        &gql(
            &ra,
            create_lead,
            json!({"name": "Hidden Lead", "source": "REFERRAL"}),
        )
        .await,
        &["data", "createLead", "lead", "id"],
    );
    let create_deal = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }";
    let deal_a = string_at(
        &gql(&ra, create_deal, json!({"customerId": customer_a, "name": "Hidden deal", "amount": "100.00", "expectedCloseDate": "2027-06-30"})).await,
        &["data", "createOpportunity", "opportunity", "id"],
    );
    let product = string_at(
        &app.admin(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }",
            json!({"input": {"code": "HIDDEN-1", "name": "Hidden product", "listPrice": "10.00"}}),
        )
        .await,
        &["data", "createProduct", "product", "id"],
    );
    let lined = gql(
        &ra,
        "mutation($input: SetOpportunityLineItemsInput!) { setOpportunityLineItems(input: $input) { opportunity { id } } }",
        json!({"id": deal_a, "expectedVersion": 1, "items": [{"productId": product, "quantity": "1"}]}),
    )
    .await;
    assert!(lined["errors"].is_null(), "{lined}");
    let quote_a = string_at(
        &gql(
            &ra,
            "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } } }",
            json!({"opportunityId": deal_a}),
        )
        .await,
        &["data", "createQuote", "quote", "id"],
    );
    let start = salesgraph::clock::Clock::now(&app.clock) + chrono::Duration::days(1);
    let visit_a = string_at(
        &gql(&ra, "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"customerId": customer_a, "purpose": "Hidden", "plannedStart": start, "plannedEnd": start + chrono::Duration::hours(1)})).await,
        &["data", "planVisit", "visit", "id"],
    );
    let attachment_a = string_at(
        &app.upload(
            &ra,
            json!({"subjectId": customer_a, "kind": "PHOTO"}),
            "front.png",
            png(4, 3),
        )
        .await,
        &["data", "uploadAttachment", "attachment", "id"],
    );
    let create_contract = "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }";
    let draft_a = string_at(
        &gql(
            &ra,
            create_contract,
            json!({"customerId": customer_a, "title": "Draft", "amount": "500.00"}),
        )
        .await,
        &["data", "createContract", "contract", "id"],
    );
    let pending = string_at(
        &gql(
            &ra,
            create_contract,
            json!({"customerId": customer_a, "title": "Pending", "amount": "500.00"}),
        )
        .await,
        &["data", "createContract", "contract", "id"],
    );
    let request_a = string_at(
        &app.gql(
            Some(&ra),
            "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id } } }",
            json!({"id": pending}),
        )
        .await,
        &["data", "submitContract", "request", "id"],
    );
    let contract_a = fixtures::approved(app, &a, &customer_a, "1000.00").await;
    let plan = fixtures::set_plan(
        app,
        &a.finance.token,
        &contract_a,
        json!([{"dueDate": "2027-01-31", "amount": "1000.00"}]),
    )
    .await;
    let installment_a = fixtures::installments(&plan)[0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{plan}"))
        .to_owned();
    let invoice_a = string_at(
        &gql(&a.finance.token, "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }",
            json!({"contractId": contract_a, "installmentId": installment_a, "amount": "100.00", "issueDate": "2026-12-01", "dueDate": "2027-01-31", "taxRate": "0"})).await,
        &["data", "issueInvoice", "invoice", "id"],
    );
    let payment_a = fixtures::payment_of(
        &fixtures::pay(
            app,
            &a.finance.token,
            json!({"customerId": customer_a, "contractId": contract_a, "amount": "10.00"}),
        )
        .await,
    )["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let signed_a = fixtures::signed(app, &a, &customer_a, "300.00").await;
    let ordered = gql(
        &ra,
        "mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id lines { id } } } }",
        json!({"contractId": signed_a}),
    )
    .await;
    let order_a = string_at(&ordered, &["data", "createOrder", "order", "id"]);
    let order_line_a = string_at(
        &ordered["data"]["createOrder"]["order"]["lines"][0],
        &["id"],
    );
    // Team B's own order, to name a hidden line through.
    let b_books = Books {
        rep: rb.clone(),
        manager_token: mb.token.clone(),
        finance: a.finance.clone(),
        finance2: a.finance2.clone(),
    };
    let customer_b_signed = fixtures::a_customer(app, &rb.token, "Own Signed Co").await;
    let signed_b = fixtures::signed(app, &b_books, &customer_b_signed, "200.00").await;
    let order_b = string_at(
        &gql(
            &rb.token,
            "mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }",
            json!({"contractId": signed_b}),
        )
        .await,
        &["data", "createOrder", "order", "id"],
    );
    let refund_a = string_at(
        &gql(
            &a.finance.token,
            "mutation($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } } }",
            json!({"paymentId": payment_a, "amount": "1.00", "reason": "Returned", "installmentIds": [installment_a]}),
        )
        .await,
        &["data", "requestRefund", "refund", "id"],
    );
    let notes = app
        .gql(
            Some(&ra),
            "{ notifications(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let notification_a = string_at(&notes["data"]["notifications"]["nodes"][0], &["id"]);
    let customer_b = fixtures::a_customer(app, &rb.token, "Own Co").await;
    let activity_b = string_at(
        &gql(
            &rb.token,
            "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } } }",
            json!({"kind": "CALL", "subjectId": customer_b, "title": "Own call",
                "dueAt": salesgraph::clock::Clock::now(&app.clock) + chrono::Duration::days(1)}),
        )
        .await,
        &["data", "createActivity", "activity", "id"],
    );
    let deal_b = string_at(
        &gql(&rb.token, create_deal, json!({"customerId": customer_b, "name": "Own deal", "amount": "100.00", "expectedCloseDate": "2027-06-30"})).await,
        &["data", "createOpportunity", "opportunity", "id"],
    );
    let visit_b = string_at(
        &gql(&rb.token, "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"customerId": customer_b, "purpose": "Own", "plannedStart": start, "plannedEnd": start + chrono::Duration::hours(1)})).await,
        &["data", "planVisit", "visit", "id"],
    );
    let lead_b = string_at(
        &gql(
            &rb.token,
            create_lead,
            json!({"name": "Own Lead", "source": "REFERRAL"}),
        )
        .await,
        &["data", "createLead", "lead", "id"],
    );
    let qualified = gql(
        &rb.token,
        "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { lead { status } } }",
        json!({"id": lead_b, "expectedVersion": 1, "status": "QUALIFIED"}),
    )
    .await;
    assert_eq!(
        qualified["data"]["updateLead"]["lead"]["status"], "QUALIFIED",
        "{qualified}"
    );
    let first_callback = async |token: &str, contract: &str| {
        let body = app
            .gql(
                Some(token),
                "query($id: ID!) { callbacks(filter: {contractId: $id}, first: 1) { nodes { id } } }",
                json!({"id": contract}),
            )
            .await;
        string_at(&body["data"]["callbacks"]["nodes"][0], &["id"])
    };
    let callback_a = first_callback(&ra, &signed_a).await;
    let callback_b = first_callback(&rb.token, &signed_b).await;
    let open_ticket = async |token: &str, customer: &str| {
        let body = app
            .gql(
                Some(token),
                "mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } } }",
                json!({"input": {"customerId": customer, "subject": "Broken"}}),
            )
            .await;
        string_at(&body, &["data", "openTicket", "ticket", "id"])
    };
    let ticket_a = open_ticket(&ra, &customer_a).await;
    let ticket_b = open_ticket(&rb.token, &customer_b).await;
    let mb_token = app.token_for(&mb).await;
    let campaign_b = string_at(
        &gql(
            &mb_token,
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
            json!({"name": "Fair B", "channel": "EXHIBITION", "startDate": "2026-12-01"}),
        )
        .await,
        &["data", "createCampaign", "campaign", "id"],
    );
    let twin_one = fixtures::a_customer(app, &ra, "Twin One").await;
    let twin_two = fixtures::a_customer(app, &ra, "Twin Two").await;
    let merge_a = string_at(
        &gql(
            &ra,
            "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { merge { id } } }",
            json!({"survivorId": twin_one, "mergedIds": [twin_two]}),
        )
        .await,
        &["data", "mergeCustomers", "merge", "id"],
    );
    let binned = fixtures::a_customer(app, &ra, "Binned Co").await;
    let recycled_a = string_at(
        &gql(
            &ra,
            "mutation($input: DeleteRecordInput!) { deleteCustomer(input: $input) { recycled { id } } }",
            json!({"id": binned}),
        )
        .await,
        &["data", "deleteCustomer", "recycled", "id"],
    );
    let mut own = Vec::new();
    for name in ["Own One", "Own Two"] {
        own.push(string_at(
            &gql(
                &rb.token,
                "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
                json!({"customerId": customer_b, "name": name}),
            )
            .await,
            &["data", "addContact", "contact", "id"],
        ));
    }
    let lead_b2 = string_at(
        &gql(
            &rb.token,
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"name": "Own lead two", "source": "REFERRAL"}),
        )
        .await,
        &["data", "createLead", "lead", "id"],
    );
    World {
        merge_a,
        recycled_a,
        contact_b2: own.pop().unwrap_or_default(),
        contact_b: own.pop().unwrap_or_default(),
        lead_b2,
        a,
        rb,
        mb,
        a_team,
        submission_a,
        activity_a,
        report_a,
        activity_b,
        customer_a,
        contact_a,
        lead_a,
        deal_a,
        quote_a,
        visit_a,
        visit_b,
        attachment_a,
        draft_a,
        contract_a,
        request_a,
        installment_a,
        invoice_a,
        payment_a,
        signed_a,
        order_a,
        order_line_a,
        order_b,
        signed_customer_b: customer_b_signed,
        refund_a,
        notification_a,
        customer_b,
        deal_b,
        signed_b,
        lead_b,
        callback_a,
        callback_b,
        ticket_a,
        ticket_b,
        campaign_b,
    }
}

pub(crate) fn cases(w: &World, now: chrono::DateTime<chrono::Utc>) -> Vec<Case> {
    use Caller::{Manager, Rep};
    let start = now + chrono::Duration::days(2);
    let end = start + chrono::Duration::hours(1);
    let plan = |extra: Value| {
        let mut input = json!({"customerId": w.customer_b, "purpose": "Walk", "plannedStart": start, "plannedEnd": end});
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            input.extend(extra.clone());
        }
        input
    };
    let case = |mutation, path, caller, kind, hidden: &String, input| Case {
        mutation,
        path,
        caller,
        kind,
        hidden: hidden.clone(),
        input,
    };
    let ra = &w.a.rep.id;
    let later = (now + chrono::Duration::days(30)).date_naive();
    let by_id = |mutation, caller, kind, hidden: &String| {
        case(
            mutation,
            "input.id",
            caller,
            kind,
            hidden,
            json!({"id": "$ID"}),
        )
    };
    vec![
        by_id("deleteLead", Rep, "Lead", &w.lead_a),
        by_id("deleteCustomer", Rep, "Customer", &w.customer_a),
        by_id("deleteContact", Rep, "Contact", &w.contact_a),
        by_id("deleteOpportunity", Rep, "Opportunity", &w.deal_a),
        by_id("deleteActivity", Manager, "Activity", &w.activity_a),
        by_id("restoreRecord", Manager, "RecycledRecord", &w.recycled_a),
        case(
            "mergeContacts",
            "input.survivorId",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"survivorId": "$ID", "mergedIds": [w.contact_b]}),
        ),
        case(
            "mergeContacts",
            "input.mergedIds",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"survivorId": w.contact_b, "mergedIds": ["$ID"]}),
        ),
        case(
            "mergeContacts",
            "input.fieldChoices.N.fromId",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"survivorId": w.contact_b, "mergedIds": [w.contact_b2],
                "fieldChoices": [{"field": "NAME", "fromId": "$ID"}]}),
        ),
        case(
            "mergeLeads",
            "input.survivorId",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"survivorId": "$ID", "mergedIds": [w.lead_b]}),
        ),
        case(
            "mergeLeads",
            "input.mergedIds",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"survivorId": w.lead_b, "mergedIds": ["$ID"]}),
        ),
        case(
            "mergeLeads",
            "input.fieldChoices.N.fromId",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"survivorId": w.lead_b, "mergedIds": [w.lead_b2],
                "fieldChoices": [{"field": "NAME", "fromId": "$ID"}]}),
        ),
        case(
            "mergeCustomers",
            "input.survivorId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"survivorId": "$ID", "mergedIds": [w.customer_b]}),
        ),
        case(
            "mergeCustomers",
            "input.mergedIds",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"survivorId": w.customer_b, "mergedIds": ["$ID"]}),
        ),
        case(
            "mergeCustomers",
            "input.fieldChoices.N.fromId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"survivorId": w.customer_b, "mergedIds": [w.signed_customer_b],
                "fieldChoices": [{"field": "NAME", "fromId": "$ID"}]}),
        ),
        case(
            "undoMerge",
            "input.id",
            Manager,
            "Merge",
            &w.merge_a,
            json!({"id": "$ID"}),
        ),
        case(
            "openTicket",
            "input.customerId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"customerId": "$ID", "subject": "X"}),
        ),
        case(
            "openTicket",
            "input.contactId",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"customerId": w.customer_b, "subject": "X", "contactId": "$ID"}),
        ),
        case(
            "openTicket",
            "input.contractId",
            Rep,
            "Contract",
            &w.contract_a,
            json!({"customerId": w.customer_b, "subject": "X", "contractId": "$ID"}),
        ),
        case(
            "openTicket",
            "input.assigneeId",
            Manager,
            "User",
            ra,
            json!({"customerId": w.customer_b, "subject": "X", "assigneeId": "$ID"}),
        ),
        case(
            "assignTicket",
            "input.id",
            Rep,
            "Ticket",
            &w.ticket_a,
            json!({"id": "$ID", "expectedVersion": 1, "assigneeId": w.rb.id}),
        ),
        case(
            "assignTicket",
            "input.assigneeId",
            Manager,
            "User",
            ra,
            json!({"id": w.ticket_b, "expectedVersion": 1, "assigneeId": "$ID"}),
        ),
        case(
            "commentOnTicket",
            "input.ticketId",
            Rep,
            "Ticket",
            &w.ticket_a,
            json!({"ticketId": "$ID", "body": "X"}),
        ),
        case(
            "changeTicketStatus",
            "input.id",
            Rep,
            "Ticket",
            &w.ticket_a,
            json!({"id": "$ID", "expectedVersion": 1, "status": "IN_PROGRESS"}),
        ),
        case(
            "completeCallback",
            "input.id",
            Rep,
            "Callback",
            &w.callback_a,
            json!({"id": "$ID", "outcome": "REACHED"}),
        ),
        case(
            "rescheduleCallback",
            "input.id",
            Rep,
            "Callback",
            &w.callback_a,
            json!({"id": "$ID", "expectedVersion": 1, "dueDate": later}),
        ),
        case(
            "rescheduleCallback",
            "input.assigneeId",
            Rep,
            "User",
            ra,
            json!({"id": w.callback_b, "expectedVersion": 1, "dueDate": later, "assigneeId": "$ID"}),
        ),
        case(
            "updateCustomer",
            "input.id",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"id": "$ID", "expectedVersion": 1, "name": "X"}),
        ),
        case(
            "pinCustomerGrade",
            "input.id",
            Manager,
            "Customer",
            &w.customer_a,
            json!({"id": "$ID", "grade": "C", "reason": "Pays late"}),
        ),
        case(
            "unpinCustomerGrade",
            "input.id",
            Manager,
            "Customer",
            &w.customer_a,
            json!({"id": "$ID", "reason": "Paid up"}),
        ),
        case(
            "addCampaignMembers",
            "input.members.N.contactId",
            Manager,
            "Contact",
            &w.contact_a,
            json!({"campaignId": w.campaign_b, "members": [{"contactId": "$ID"}]}),
        ),
        case(
            "addCampaignMembers",
            "input.members.N.leadId",
            Manager,
            "Lead",
            &w.lead_a,
            json!({"campaignId": w.campaign_b, "members": [{"leadId": "$ID", "status": "ATTENDED"}]}),
        ),
        case(
            "setCustomerInfluence",
            "input.id",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"id": "$ID", "influence": "LOCAL"}),
        ),
        case(
            "adjustForecast",
            "input.submissionId",
            Manager,
            "ForecastSubmission",
            &w.submission_a,
            json!({"submissionId": "$ID", "commit": "1.00", "bestCase": "1.00", "note": "X"}),
        ),
        case(
            "createActivity",
            "input.subjectId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"kind": "CALL", "subjectId": "$ID", "title": "X", "dueAt": start}),
        ),
        case(
            "createActivity",
            "input.ownerId",
            Manager,
            "User",
            ra,
            json!({"kind": "CALL", "subjectId": w.customer_b, "title": "X", "dueAt": start, "ownerId": "$ID"}),
        ),
        case(
            "updateActivity",
            "input.id",
            Manager,
            "Activity",
            &w.activity_a,
            json!({"id": "$ID", "expectedVersion": 1, "title": "X"}),
        ),
        case(
            "updateActivity",
            "input.ownerId",
            Manager,
            "User",
            ra,
            json!({"id": w.activity_b, "expectedVersion": 1, "ownerId": "$ID"}),
        ),
        case(
            "commentOnReport",
            "input.reportId",
            Manager,
            "WorkReport",
            &w.report_a,
            json!({"reportId": "$ID", "body": "X"}),
        ),
        case(
            "completeActivity",
            "input.id",
            Rep,
            "Activity",
            &w.activity_a,
            json!({"id": "$ID"}),
        ),
        case(
            "submitTeamForecast",
            "input.teamId",
            Manager,
            "Team",
            &w.a_team,
            json!({"period": "2099-12", "teamId": "$ID"}),
        ),
        case(
            "transferOwnership",
            "input.fromUserId",
            Manager,
            "User",
            ra,
            json!({"fromUserId": "$ID", "toUserId": w.rb.id}),
        ),
        case(
            "transferOwnership",
            "input.toUserId",
            Manager,
            "User",
            ra,
            json!({"fromUserId": w.rb.id, "toUserId": "$ID"}),
        ),
        case(
            "updateOpportunity",
            "input.ownerId",
            Manager,
            "User",
            ra,
            json!({"id": w.deal_b, "expectedVersion": 1, "ownerId": "$ID"}),
        ),
        case(
            "updateContract",
            "input.ownerId",
            Manager,
            "User",
            ra,
            json!({"id": w.signed_b, "expectedVersion": 1, "ownerId": "$ID"}),
        ),
        case(
            "updateCustomer",
            "input.ownerId",
            Manager,
            "User",
            ra,
            json!({"id": w.customer_b, "expectedVersion": 1, "ownerId": "$ID"}),
        ),
        case(
            "addContact",
            "input.customerId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"customerId": "$ID", "name": "X"}),
        ),
        case(
            "updateContact",
            "input.id",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"id": "$ID", "expectedVersion": 1, "name": "X"}),
        ),
        case(
            "createLead",
            "input.assigneeId",
            Manager,
            "User",
            ra,
            json!({"name": "X", "source": "REFERRAL", "assign": "USER", "assigneeId": "$ID"}),
        ),
        case(
            "createLead",
            "input.teamId",
            Manager,
            "Team",
            &w.a_team,
            json!({"name": "X", "source": "REFERRAL", "assign": "AUTO", "teamId": "$ID"}),
        ),
        case(
            "updateLead",
            "input.id",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"id": "$ID", "expectedVersion": 1, "name": "X"}),
        ),
        case(
            "claimLead",
            "input.id",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"id": "$ID"}),
        ),
        case(
            "releaseLead",
            "input.id",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"id": "$ID", "reason": "X"}),
        ),
        case(
            "assignLead",
            "input.id",
            Manager,
            "Lead",
            &w.lead_a,
            json!({"id": "$ID", "assigneeId": w.rb.id}),
        ),
        case(
            "assignLead",
            "input.assigneeId",
            Manager,
            "User",
            ra,
            json!({"id": w.lead_b, "assigneeId": "$ID"}),
        ),
        case(
            "disqualifyLead",
            "input.id",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"id": "$ID", "reason": "X"}),
        ),
        case(
            "convertLead",
            "input.id",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"id": "$ID"}),
        ),
        case(
            "convertLead",
            "input.customerId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"id": w.lead_b, "customerId": "$ID"}),
        ),
        case(
            "logFollowUp",
            "input.subjectId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"subjectId": "$ID", "kind": "CALL", "content": "X"}),
        ),
        case(
            "logFollowUp",
            "input.subjectId",
            Rep,
            "Lead",
            &w.lead_a,
            json!({"subjectId": "$ID", "kind": "CALL", "content": "X"}),
        ),
        case(
            "logFollowUp",
            "input.subjectId",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"subjectId": "$ID", "kind": "CALL", "content": "X"}),
        ),
        case(
            "markNotificationsRead",
            "input.ids",
            Rep,
            "Notification",
            &w.notification_a,
            json!({"ids": ["$ID"]}),
        ),
        case(
            "createOpportunity",
            "input.customerId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"customerId": "$ID", "name": "X", "amount": "1.00", "expectedCloseDate": "2027-06-30"}),
        ),
        case(
            "createOpportunity",
            "input.contactId",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"customerId": w.customer_b, "name": "X", "amount": "1.00", "expectedCloseDate": "2027-06-30", "contactId": "$ID"}),
        ),
        case(
            "createOpportunity",
            "input.decisionMakerId",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"customerId": w.customer_b, "name": "X", "amount": "1.00", "expectedCloseDate": "2027-06-30", "decisionMakerId": "$ID"}),
        ),
        case(
            "updateOpportunity",
            "input.contactId",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"id": w.deal_b, "expectedVersion": 1, "contactId": "$ID"}),
        ),
        case(
            "updateOpportunity",
            "input.decisionMakerId",
            Rep,
            "Contact",
            &w.contact_a,
            json!({"id": w.deal_b, "expectedVersion": 1, "decisionMakerId": "$ID"}),
        ),
        case(
            "setOpportunityCompetitors",
            "input.id",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"id": "$ID", "expectedVersion": 1, "competitors": []}),
        ),
        case(
            "completeChecklistItem",
            "input.opportunityId",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"opportunityId": "$ID", "itemId": DEFAULT_MANUAL_ITEM}),
        ),
        case(
            "uncompleteChecklistItem",
            "input.opportunityId",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"opportunityId": "$ID", "itemId": DEFAULT_MANUAL_ITEM}),
        ),
        case(
            "updateOpportunity",
            "input.id",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"id": "$ID", "expectedVersion": 1, "name": "X"}),
        ),
        case(
            "moveOpportunityStage",
            "input.id",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"id": "$ID", "expectedVersion": 1, "stageId": missing_id("PipelineStage")}),
        ),
        case(
            "winOpportunity",
            "input.id",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"id": "$ID", "expectedVersion": 1, "reasonId": WIN_REASON}),
        ),
        case(
            "loseOpportunity",
            "input.id",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"id": "$ID", "expectedVersion": 1, "reason": "X", "reasonId": LOSS_REASON}),
        ),
        case(
            "setOpportunitySplits",
            "input.id",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"id": "$ID", "expectedVersion": 1, "splits": [{"userId": w.rb.id, "percent": "100"}]}),
        ),
        case(
            "createQuote",
            "input.opportunityId",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"opportunityId": "$ID"}),
        ),
        case(
            "updateQuote",
            "input.id",
            Rep,
            "Quote",
            &w.quote_a,
            json!({"id": "$ID", "expectedVersion": 1, "terms": "X"}),
        ),
        case(
            "submitQuote",
            "input.id",
            Manager,
            "Quote",
            &w.quote_a,
            json!({"id": "$ID", "expectedVersion": 1}),
        ),
        case(
            "markQuoteSent",
            "input.id",
            Rep,
            "Quote",
            &w.quote_a,
            json!({"id": "$ID", "expectedVersion": 1}),
        ),
        case(
            "acceptQuote",
            "input.id",
            Manager,
            "Quote",
            &w.quote_a,
            json!({"id": "$ID", "expectedVersion": 1}),
        ),
        case(
            "rejectQuote",
            "input.id",
            Rep,
            "Quote",
            &w.quote_a,
            json!({"id": "$ID", "expectedVersion": 1, "reason": "X"}),
        ),
        case(
            "createContract",
            "input.quoteId",
            Rep,
            "Quote",
            &w.quote_a,
            json!({"quoteId": "$ID", "title": "X"}),
        ),
        case(
            "setOpportunityLineItems",
            "input.id",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"id": "$ID", "expectedVersion": 1, "items": []}),
        ),
        case(
            "reopenOpportunity",
            "input.id",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"id": "$ID", "expectedVersion": 1, "stageId": missing_id("PipelineStage")}),
        ),
        case(
            "planVisit",
            "input.customerId",
            Rep,
            "Customer",
            &w.customer_a,
            plan(json!({"customerId": "$ID"})),
        ),
        case(
            "planVisit",
            "input.contactId",
            Rep,
            "Contact",
            &w.contact_a,
            plan(json!({"contactId": "$ID"})),
        ),
        case(
            "planVisit",
            "input.opportunityId",
            Rep,
            "Opportunity",
            &w.deal_a,
            plan(json!({"opportunityId": "$ID"})),
        ),
        case(
            "planVisit",
            "input.leadId",
            Rep,
            "Lead",
            &w.lead_a,
            plan(json!({"leadId": "$ID"})),
        ),
        case(
            "planVisit",
            "input.assigneeId",
            Manager,
            "User",
            ra,
            plan(json!({"assigneeId": "$ID"})),
        ),
        case(
            "rescheduleVisit",
            "input.id",
            Rep,
            "VisitTask",
            &w.visit_a,
            json!({"id": "$ID", "expectedVersion": 1, "plannedStart": start, "plannedEnd": end}),
        ),
        case(
            "cancelVisit",
            "input.id",
            Rep,
            "VisitTask",
            &w.visit_a,
            json!({"id": "$ID", "expectedVersion": 1}),
        ),
        case(
            "checkInVisit",
            "input.id",
            Rep,
            "VisitTask",
            &w.visit_a,
            json!({"id": "$ID", "location": {"lat": 31.23, "lng": 121.47, "accuracyMeters": 10.0}, "deviceTime": now}),
        ),
        case(
            "checkInVisit",
            "input.photoIds",
            Rep,
            "Attachment",
            &w.attachment_a,
            json!({"id": w.visit_b, "location": {"lat": 31.23, "lng": 121.47, "accuracyMeters": 10.0}, "deviceTime": now, "photoIds": ["$ID"]}),
        ),
        case(
            "uploadAttachment",
            "input.subjectId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"subjectId": "$ID", "kind": "PHOTO"}),
        ),
        case(
            "deleteAttachment",
            "input.id",
            Rep,
            "Attachment",
            &w.attachment_a,
            json!({"id": "$ID"}),
        ),
        case(
            "checkOutVisit",
            "input.id",
            Rep,
            "VisitTask",
            &w.visit_a,
            json!({"id": "$ID", "summary": "X", "outcome": "NEUTRAL"}),
        ),
        case(
            "createContract",
            "input.customerId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"customerId": "$ID", "title": "X", "amount": "1.00"}),
        ),
        case(
            "createContract",
            "input.opportunityId",
            Rep,
            "Opportunity",
            &w.deal_a,
            json!({"opportunityId": "$ID", "title": "X", "amount": "1.00"}),
        ),
        case(
            "updateContract",
            "input.id",
            Rep,
            "Contract",
            &w.draft_a,
            json!({"id": "$ID", "expectedVersion": 1, "title": "X"}),
        ),
        case(
            "cancelContract",
            "input.id",
            Rep,
            "Contract",
            &w.draft_a,
            json!({"id": "$ID", "expectedVersion": 1, "reason": "X"}),
        ),
        case(
            "markContractSigned",
            "input.id",
            Rep,
            "Contract",
            &w.contract_a,
            json!({"id": "$ID", "expectedVersion": 1, "signedDate": "2026-12-01"}),
        ),
        case(
            "createOrder",
            "input.contractId",
            Rep,
            "Contract",
            &w.signed_a,
            json!({"contractId": "$ID"}),
        ),
        case(
            "cancelOrder",
            "input.id",
            Rep,
            "Order",
            &w.order_a,
            json!({"id": "$ID", "expectedVersion": 1, "reason": "X"}),
        ),
        case(
            "recordDelivery",
            "input.orderId",
            Manager,
            "Order",
            &w.order_a,
            json!({"orderId": "$ID", "lines": [{"lineId": w.order_line_a, "amount": "1.00"}], "deliveredOn": "2026-12-01"}),
        ),
        case(
            "recordDelivery",
            "input.lines.N.lineId",
            Rep,
            "OrderLine",
            &w.order_line_a,
            json!({"orderId": w.order_b, "lines": [{"lineId": "$ID", "amount": "1.00"}], "deliveredOn": "2026-12-01"}),
        ),
        case(
            "completeContract",
            "input.id",
            Rep,
            "Contract",
            &w.contract_a,
            json!({"id": "$ID", "expectedVersion": 1}),
        ),
        case(
            "submitContract",
            "input.id",
            Rep,
            "Contract",
            &w.draft_a,
            json!({"id": "$ID"}),
        ),
        case(
            "approveRequest",
            "input.requestId",
            Manager,
            "ApprovalRequest",
            &w.request_a,
            json!({"requestId": "$ID"}),
        ),
        case(
            "rejectRequest",
            "input.requestId",
            Manager,
            "ApprovalRequest",
            &w.request_a,
            json!({"requestId": "$ID", "comment": "X"}),
        ),
        case(
            "withdrawRequest",
            "input.requestId",
            Rep,
            "ApprovalRequest",
            &w.request_a,
            json!({"requestId": "$ID"}),
        ),
        case(
            "setCollectionPlan",
            "input.contractId",
            Rep,
            "Contract",
            &w.contract_a,
            json!({"contractId": "$ID", "installments": [{"dueDate": "2027-01-31", "amount": "1000.00"}]}),
        ),
        case(
            "issueInvoice",
            "input.contractId",
            Rep,
            "Contract",
            &w.contract_a,
            json!({"contractId": "$ID", "installmentId": w.installment_a, "amount": "1.00", "issueDate": "2026-12-01", "dueDate": "2027-01-31", "taxRate": "0"}),
        ),
        case(
            "issueInvoice",
            "input.installmentId",
            Rep,
            "Installment",
            &w.installment_a,
            json!({"contractId": w.contract_a, "installmentId": "$ID", "amount": "1.00", "issueDate": "2026-12-01", "dueDate": "2027-01-31", "taxRate": "0"}),
        ),
        case(
            "voidInvoice",
            "input.id",
            Rep,
            "Invoice",
            &w.invoice_a,
            json!({"id": "$ID", "reason": "X"}),
        ),
        case(
            "recordPayment",
            "input.customerId",
            Rep,
            "Customer",
            &w.customer_a,
            json!({"customerId": "$ID", "amount": "1.00", "receivedDate": "2026-12-01", "method": "CASH", "reference": "X-1"}),
        ),
        case(
            "recordPayment",
            "input.contractId",
            Rep,
            "Contract",
            &w.contract_a,
            json!({"customerId": w.customer_b, "contractId": "$ID", "amount": "1.00", "receivedDate": "2026-12-01", "method": "CASH", "reference": "X-2"}),
        ),
        case(
            "reversePayment",
            "input.id",
            Rep,
            "Payment",
            &w.payment_a,
            json!({"id": "$ID", "reason": "X"}),
        ),
        case(
            "amendContract",
            "input.id",
            Rep,
            "Contract",
            &w.signed_a,
            json!({"id": "$ID", "expectedVersion": 1, "changes": {"terms": "X"}, "reason": "X"}),
        ),
        case(
            "requestRefund",
            "input.paymentId",
            Rep,
            "Payment",
            &w.payment_a,
            json!({"paymentId": "$ID", "amount": "1.00", "reason": "X"}),
        ),
        case(
            "requestRefund",
            "input.customerId",
            Manager,
            "Customer",
            &w.customer_a,
            json!({"customerId": "$ID", "amount": "1.00", "reason": "X"}),
        ),
        case(
            "requestRefund",
            "input.installmentIds",
            Rep,
            "Installment",
            &w.installment_a,
            json!({"customerId": w.signed_customer_b, "amount": "1.00", "reason": "X", "installmentIds": ["$ID"]}),
        ),
        case(
            "recordRefund",
            "input.id",
            Manager,
            "Refund",
            &w.refund_a,
            json!({"id": "$ID", "method": "CASH", "reference": "X"}),
        ),
        case(
            "requestWaiver",
            "input.installmentId",
            Rep,
            "Installment",
            &w.installment_a,
            json!({"installmentId": "$ID", "amount": "1.00", "reason": "X"}),
        ),
    ]
}

#[tokio::test]
async fn every_id_an_input_names_answers_alike_whether_hidden_or_missing() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let now = salesgraph::clock::Clock::now(&app.clock);
    let cases = cases(&w, now);

    let covered: BTreeSet<String> = cases
        .iter()
        .map(|c| format!("{} {}", c.mutation, c.path))
        .chain(EVERY_CALLER_SEES.iter().map(|s| (*s).to_owned()))
        .collect();
    let introspected = id_fields(&app).await;
    assert_eq!(
        introspected, covered,
        "every id field of every mutation input is walked (or listed as seen by every caller)"
    );

    let rep = app.token_for(&w.rb).await;
    let manager = app.token_for(&w.mb).await;
    for case in &cases {
        let token = match case.caller {
            Caller::Rep => &rep,
            Caller::Manager => &manager,
        };
        let missing = call(
            &app,
            token,
            case.mutation,
            with_id(&case.input, &missing_id(case.kind)),
        )
        .await;
        let hidden = call(
            &app,
            token,
            case.mutation,
            with_id(&case.input, &case.hidden),
        )
        .await;
        assert_eq!(
            hidden, missing,
            "{} {} ({:?}): a hidden {} answers as a missing one",
            case.mutation, case.path, case.caller, case.kind
        );
        // Marking read is a no-op for ids that are not yours, answered alike (checked below).
        if case.mutation == "markNotificationsRead" {
            continue;
        }
        assert!(
            !missing["errors"].as_array().is_none_or(Vec::is_empty),
            "{} {}: a missing id is refused: {missing}",
            case.mutation,
            case.path
        );
        // A record that is not there is named by the field that named it.
        let first = &missing["errors"][0];
        assert_ne!(
            first[0], "GRAPHQL_VALIDATION_FAILED",
            "{} {}: the walk calls the mutation as the schema has it: {missing}",
            case.mutation, case.path
        );
        if first[0] == "NOT_FOUND" {
            // A list of ids names the element (`input.installmentIds.0`).
            let field = case.path.replace(".N.", ".0.");
            let named = first[1].as_str().unwrap_or_default();
            assert!(
                named == field || named == format!("{field}.0"),
                "{} {}: NOT_FOUND names its field, not {named}",
                case.mutation,
                case.path
            );
        }
    }
    let owner = app.token_for(&w.a.rep).await;
    let unread = app
        .gql(
            Some(&owner),
            "query($id: ID!) { node(id: $id) { ... on Notification { readAt } } }",
            json!({"id": w.notification_a}),
        )
        .await;
    assert_eq!(
        unread["data"]["node"]["readAt"],
        Value::Null,
        "still unread: {unread}"
    );
}
