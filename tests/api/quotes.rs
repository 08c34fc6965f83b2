//! Quotes: drawn from a deal's lines with exact totals, approved when discounted beyond what is
//! allowed, sent, accepted once per deal, expired by the sweep, made into one contract.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, code_and_field, error_code, missing_id};

const QUOTE: &str = "id number status validUntil subtotal discountTotal amount taxRate taxAmount total terms version \
    rejectionReason opportunity { id } customer { id } priceBook { name } createdBy { id } \
    lineItems { position quantity unitPrice bookPrice discountPercent amount product { code } } \
    margin { revenue cost amount rate } approval { status steps { role status } }";
const LINES: &str = "mutation($input: SetOpportunityLineItemsInput!) { setOpportunityLineItems(input: $input) { opportunity { version amount } } }";

/// A manager, a rep in their team, and a deal of the rep.
pub(crate) struct Desk {
    pub manager: TestUser,
    pub rep: TestUser,
    pub deal: String,
}

pub(crate) async fn desk(app: &TestApp) -> Desk {
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let customer = crate::fixtures::a_customer(app, &rep.token, "华东机械厂").await;
    let body = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Pumps", "amount": "1", "expectedCloseDate": "2027-03-31"}}),
        )
        .await;
    let deal = body["data"]["createOpportunity"]["opportunity"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    Desk { manager, rep, deal }
}

/// A rep who shares the desk's deal 40% (the deal at version 2, after its lines are set).
pub(crate) async fn a_split_partner(app: &TestApp, d: &Desk) -> TestUser {
    let partner = app.a_user().create().await;
    let split = app
        .gql(
            Some(&d.rep.token),
            "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version } } }",
            json!({"input": {"id": d.deal, "expectedVersion": 2, "splits": [{"userId": d.rep.id, "percent": "60"}, {"userId": partner.id, "percent": "40"}]}}),
        )
        .await;
    assert!(split["errors"].is_null(), "{split}");
    partner
}

/// A product line allowing `max` percent, with one product in it; the product's id.
pub(crate) async fn product_in_line(
    app: &TestApp,
    line: &str,
    max: &str,
    code: &str,
    list: &str,
    cost: &str,
) -> String {
    let body = app
        .admin(
            "mutation($input: CreateProductLineInput!) { createProductLine(input: $input) { productLine { id } } }",
            json!({"input": {"name": line, "maxDiscountPercent": max}}),
        )
        .await;
    let line = body["data"]["createProductLine"]["productLine"]["id"].clone();
    let body = app
        .admin(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }",
            json!({"input": {"code": code, "name": format!("产品 {code}"), "productLineId": line, "listPrice": list, "costPrice": cost}}),
        )
        .await;
    body["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

pub(crate) async fn set_lines(app: &TestApp, token: &str, deal: &str, items: Value) {
    let version = app
        .gql(
            Some(token),
            "query($id: ID!) { opportunity(id: $id) { version } }",
            json!({"id": deal}),
        )
        .await["data"]["opportunity"]["version"]
        .clone();
    let body = app
        .gql(
            Some(token),
            LINES,
            json!({"input": {"id": deal, "expectedVersion": version, "items": items}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

pub(crate) async fn mutate(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let input_type = match name {
        "markQuoteSent" | "acceptQuote" | "submitQuote" => "QuoteStepInput".to_owned(),
        _ => format!("{}{}Input", name[..1].to_uppercase(), &name[1..]),
    };
    let extra = if name == "submitQuote" {
        "request { id status steps { role status } }"
    } else {
        ""
    };
    let query = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ quote {{ {QUOTE} }} {extra} }} }}"
    );
    app.gql(Some(token), &query, json!({ "input": input }))
        .await
}

pub(crate) fn quote_of(body: &Value, name: &str) -> Value {
    let quote = body["data"][name]["quote"].clone();
    assert!(quote.is_object(), "{body}");
    quote
}

pub(crate) async fn create(app: &TestApp, token: &str, deal: &str, extra: Value) -> Value {
    let mut input = json!({"opportunityId": deal});
    if let Value::Object(map) = extra {
        for (k, v) in map {
            input[k] = v;
        }
    }
    quote_of(
        &mutate(app, token, "createQuote", input).await,
        "createQuote",
    )
}

pub(crate) async fn step(app: &TestApp, token: &str, name: &str, quote: &Value) -> Value {
    mutate(
        app,
        token,
        name,
        json!({"id": quote["id"], "expectedVersion": quote["version"]}),
    )
    .await
}

/// The desk's deal given one line of `product` at `discount` percent, a quote drawn from it
/// and submitted: the quote as drawn and the submission's answer.
async fn submitted_at(app: &TestApp, d: &Desk, product: &str, discount: &str) -> (Value, Value) {
    set_lines(
        app,
        &d.rep.token,
        &d.deal,
        json!([{"productId": product, "quantity": "1", "discountPercent": discount}]),
    )
    .await;
    let quote = create(app, &d.rep.token, &d.deal, json!({})).await;
    let submitted = step(app, &d.rep.token, "submitQuote", &quote).await;
    (quote, submitted)
}

async fn decide(
    app: &TestApp,
    token: &str,
    name: &str,
    request: &Value,
    comment: Option<&str>,
) -> Value {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let query = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ request {{ status subject {{ ... on Quote {{ number status }} }} }} }} }}"
    );
    app.gql(
        Some(token),
        &query,
        json!({"input": {"requestId": request["id"], "comment": comment}}),
    )
    .await
}

#[tokio::test]
async fn a_quote_runs_from_the_deals_lines_to_one_contract_with_exact_totals() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let a = product_in_line(&app, "Pumps", "15", "A", "33.33", "20.00").await;
    let b = product_in_line(&app, "Seals", "15", "B", "8.00", "5.12").await;
    set_lines(
        &app,
        &d.rep.token,
        &d.deal,
        json!([
            {"productId": a, "quantity": "3", "discountPercent": "10"},
            {"productId": b, "quantity": "1.333", "unitPrice": "7.50", "discountPercent": "12.5"},
        ]),
    )
    .await;
    let quote = create(
        &app,
        &d.rep.token,
        &d.deal,
        json!({"taxRate": "13", "terms": "Net 30"}),
    )
    .await;
    // Lines: 3 × 33.33 = 99.99 → 89.99; 1.333 × 7.50 = 9.9975 → 10.00 → 8.75 (12.5% off).
    // Subtotal 109.99, discount 11.25, amount 98.74, tax 13% = 12.8362 → 12.84, total 111.58.
    assert_eq!(
        (
            &quote["status"],
            &quote["subtotal"],
            &quote["discountTotal"],
            &quote["amount"],
            &quote["taxRate"],
            &quote["taxAmount"],
            &quote["total"]
        ),
        (
            &json!("DRAFT"),
            &json!("109.99"),
            &json!("11.25"),
            &json!("98.74"),
            &json!("13"),
            &json!("12.84"),
            &json!("111.58")
        ),
        "{quote}"
    );
    let number = quote["number"].as_str().unwrap();
    assert!(
        number.starts_with("Q-") && number.ends_with("-000001"),
        "{number}"
    );
    assert_eq!(quote["lineItems"][1]["amount"], "8.75");
    assert_eq!(quote["priceBook"]["name"], "Standard");
    assert_eq!(
        (&quote["createdBy"]["id"], &quote["margin"]),
        (&json!(d.rep.id), &Value::Null)
    );
    // The manager sees the margin: cost 60.00 + 6.82 = 66.82.
    let seen = app
        .gql(
            Some(&d.manager.token),
            &format!("query($id: ID!) {{ quote(id: $id) {{ {QUOTE} }} }}"),
            json!({"id": quote["id"]}),
        )
        .await;
    assert_eq!(
        seen["data"]["quote"]["margin"],
        json!({"revenue": "98.74", "cost": "66.82", "amount": "31.92", "rate": "0.3233"}),
        "{seen}"
    );
    // A draft may change; the totals follow its lines.
    let edited = mutate(
        &app,
        &d.rep.token,
        "updateQuote",
        json!({"id": quote["id"], "expectedVersion": 1, "terms": "Net 45", "items": [{"productId": a, "quantity": "2", "discountPercent": "5"}]}),
    )
    .await;
    let edited = quote_of(&edited, "updateQuote");
    // 2 × 33.33 = 66.66, 5% off = 63.327 → 63.33; tax 8.2329 → 8.23.
    assert_eq!(
        (
            &edited["subtotal"],
            &edited["discountTotal"],
            &edited["total"],
            &edited["terms"],
            &edited["version"]
        ),
        (
            &json!("66.66"),
            &json!("3.33"),
            &json!("71.56"),
            &json!("Net 45"),
            &json!(2)
        ),
        "{edited}"
    );
    // Within every allowance: approved on submit, without a request.
    let submitted = mutate(
        &app,
        &d.rep.token,
        "submitQuote",
        json!({"id": quote["id"], "expectedVersion": 2}),
    )
    .await;
    assert_eq!(
        submitted["data"]["submitQuote"]["request"],
        Value::Null,
        "{submitted}"
    );
    let approved = quote_of(&submitted, "submitQuote");
    assert_eq!(approved["status"], "APPROVED");
    let locked = mutate(
        &app,
        &d.rep.token,
        "updateQuote",
        json!({"id": quote["id"], "expectedVersion": approved["version"], "terms": "x"}),
    )
    .await;
    assert_eq!(error_code(&locked), Some("INVALID_STATE"), "{locked}");
    let too_early = app
        .gql(
            Some(&d.rep.token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
            json!({"input": {"quoteId": quote["id"], "title": "Early"}}),
        )
        .await;
    assert_eq!(error_code(&too_early), Some("INVALID_STATE"), "{too_early}");
    let sent = quote_of(
        &step(&app, &d.rep.token, "markQuoteSent", &approved).await,
        "markQuoteSent",
    );
    let accepted = quote_of(
        &step(&app, &d.rep.token, "acceptQuote", &sent).await,
        "acceptQuote",
    );
    assert_eq!(accepted["status"], "ACCEPTED");
    // The contract copies customer, deal, amount and lines.
    let make = "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { amount status customer { id } opportunity { id } quote { number } lineItems { quantity amount product { code } } } } }";
    let made = app
        .gql(
            Some(&d.rep.token),
            make,
            json!({"input": {"quoteId": quote["id"], "title": "Pump supply"}}),
        )
        .await;
    let contract = &made["data"]["createContract"]["contract"];
    assert_eq!(
        (
            &contract["amount"],
            &contract["opportunity"]["id"],
            &contract["customer"]["id"],
            &contract["quote"]["number"]
        ),
        (
            &json!("63.33"),
            &json!(d.deal),
            &quote["customer"]["id"],
            &quote["number"]
        ),
        "{made}"
    );
    assert_eq!(
        contract["lineItems"],
        json!([{"quantity": "2", "amount": "63.33", "product": {"code": "A"}}])
    );
    let twice = app
        .gql(
            Some(&d.rep.token),
            make,
            json!({"input": {"quoteId": quote["id"], "title": "Again"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&twice),
        (Some("DUPLICATE"), Some("input.quoteId")),
        "{twice}"
    );
    let disagreeing = app
        .gql(
            Some(&d.rep.token),
            make,
            json!({"input": {"quoteId": quote["id"], "title": "X", "amount": "1"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&disagreeing),
        (Some("BAD_USER_INPUT"), Some("input.amount"))
    );
    // The next quote takes the next number; the deal lists both, newest first.
    let second = create(&app, &d.rep.token, &d.deal, json!({})).await;
    assert!(
        second["number"].as_str().unwrap().ends_with("-000002"),
        "{second}"
    );
    let listed = app
        .gql(
            Some(&d.rep.token),
            "query($id: ID!) { opportunity(id: $id) { quotes { number status } } }",
            json!({"id": d.deal}),
        )
        .await;
    assert_eq!(
        listed["data"]["opportunity"]["quotes"],
        json!([{"number": second["number"], "status": "DRAFT"}, {"number": quote["number"], "status": "ACCEPTED"}])
    );
}

#[tokio::test]
async fn discounts_beyond_what_is_allowed_wait_for_the_policys_approvers() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let pump = product_in_line(&app, "Pumps", "10", "P", "100.00", "60.00").await;
    // 15% on a line allowing 10%: the manager decides (up to 20%).
    let (quote, submitted) = submitted_at(&app, &d, &pump, "15").await;
    let request = submitted["data"]["submitQuote"]["request"].clone();
    assert_eq!(
        request["steps"],
        json!([{"role": "SALES_MANAGER", "status": "PENDING"}]),
        "{submitted}"
    );
    assert_eq!(
        quote_of(&submitted, "submitQuote")["status"],
        "PENDING_APPROVAL"
    );
    let pending = app
        .gql(
            Some(&d.manager.token),
            "{ myPendingApprovals(first: 5) { nodes { id subject { ... on Quote { number } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        pending["data"]["myPendingApprovals"]["nodes"][0]["subject"]["number"], quote["number"],
        "{pending}"
    );
    // The submitter decides nothing; the manager approves; the quote is approved.
    let own = decide(&app, &d.rep.token, "approveRequest", &request, None).await;
    assert_eq!(error_code(&own), Some("FORBIDDEN"), "{own}");
    let approved = decide(&app, &d.manager.token, "approveRequest", &request, None).await;
    assert_eq!(
        approved["data"]["approveRequest"]["request"],
        json!({"status": "APPROVED", "subject": {"number": quote["number"], "status": "APPROVED"}}),
        "{approved}"
    );
    // 25%: the manager, then an admin; a rejection sends the quote back to draft.
    let (deep, submitted) = submitted_at(&app, &d, &pump, "25").await;
    let request = submitted["data"]["submitQuote"]["request"].clone();
    assert_eq!(
        request["steps"],
        json!([{"role": "SALES_MANAGER", "status": "PENDING"}, {"role": "ADMIN", "status": "WAITING"}]),
        "{submitted}"
    );
    let rejected = decide(
        &app,
        &d.manager.token,
        "rejectRequest",
        &request,
        Some("Too deep"),
    )
    .await;
    assert_eq!(
        rejected["data"]["rejectRequest"]["request"]["subject"]["status"], "DRAFT",
        "{rejected}"
    );
    let back = app
        .gql(
            Some(&d.rep.token),
            &format!("query($id: ID!) {{ quote(id: $id) {{ {QUOTE} }} }}"),
            json!({"id": deep["id"]}),
        )
        .await;
    assert_eq!(
        back["data"]["quote"]["approval"]["status"], "REJECTED",
        "{back}"
    );
    // A lowered unit price is a discount too; the whole-quote threshold applies on its own.
    let set = app
        .admin("mutation { updateQuoteSettings(input: {maxTotalDiscountPercent: \"5\"}) { maxTotalDiscountPercent } }", json!({}))
        .await;
    assert_eq!(
        set["data"]["updateQuoteSettings"]["maxTotalDiscountPercent"], "5",
        "{set}"
    );
    set_lines(
        &app,
        &d.rep.token,
        &d.deal,
        json!([{"productId": pump, "quantity": "1", "unitPrice": "92.00"}]),
    )
    .await;
    let lowered = create(&app, &d.rep.token, &d.deal, json!({})).await;
    let submitted = mutate(
        &app,
        &d.rep.token,
        "submitQuote",
        json!({"id": lowered["id"], "expectedVersion": 1}),
    )
    .await;
    assert_eq!(
        submitted["data"]["submitQuote"]["request"]["steps"],
        json!([{"role": "SALES_MANAGER", "status": "PENDING"}]),
        "8% off the book price is beyond the 5% threshold: {submitted}"
    );
    let forbidden = app
        .gql(Some(&d.manager.token), "mutation { updateQuoteSettings(input: {maxTotalDiscountPercent: \"50\"}) { maxTotalDiscountPercent } }", json!({}))
        .await;
    assert_eq!(error_code(&forbidden), Some("FORBIDDEN"));
}

#[tokio::test]
async fn concurrent_decisions_and_acceptances_have_exactly_one_winner() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let pump = product_in_line(&app, "Pumps", "10", "P", "100.00", "60.00").await;
    let (_, submitted) = submitted_at(&app, &d, &pump, "12").await;
    let request = submitted["data"]["submitQuote"]["request"].clone();
    let (one, two) = tokio::join!(
        decide(
            &app,
            &d.manager.token,
            "approveRequest",
            &request,
            Some("ok")
        ),
        decide(
            &app,
            &d.manager.token,
            "approveRequest",
            &request,
            Some("ok too")
        ),
    );
    let codes = [error_code(&one), error_code(&two)];
    assert!(
        codes.contains(&None) && codes.contains(&Some("INVALID_STATE")),
        "{one} {two}"
    );
    // Two approved quotes of one deal accepted at once: one is accepted, the other refused.
    set_lines(
        &app,
        &d.rep.token,
        &d.deal,
        json!([{"productId": pump, "quantity": "2"}]),
    )
    .await;
    let mut ready = Vec::new();
    for _ in 0..2 {
        let q = create(&app, &d.rep.token, &d.deal, json!({})).await;
        let s = mutate(
            &app,
            &d.rep.token,
            "submitQuote",
            json!({"id": q["id"], "expectedVersion": 1}),
        )
        .await;
        ready.push(quote_of(&s, "submitQuote"));
    }
    let (first, second) = tokio::join!(
        step(&app, &d.rep.token, "acceptQuote", &ready[0]),
        step(&app, &d.manager.token, "acceptQuote", &ready[1]),
    );
    let codes = [error_code(&first), error_code(&second)];
    assert!(
        codes.contains(&None) && codes.contains(&Some("INVALID_STATE")),
        "{first} {second}"
    );
    let accepted = app
        .gql(Some(&d.rep.token), "query($id: ID!) { quotes(filter: {opportunityId: $id, statuses: [ACCEPTED]}) { totalCount } }", json!({"id": d.deal}))
        .await;
    assert_eq!(accepted["data"]["quotes"]["totalCount"], 1, "{accepted}");
}

#[tokio::test]
async fn expired_quotes_are_neither_sent_nor_accepted_and_the_sweep_expires_them() {
    let app = TestApp::spawn_at("2026-12-05T10:00:00Z".parse().unwrap()).await;
    let d = desk(&app).await;
    let pump = product_in_line(&app, "Pumps", "10", "P", "100.00", "60.00").await;
    set_lines(
        &app,
        &d.rep.token,
        &d.deal,
        json!([{"productId": pump, "quantity": "1"}]),
    )
    .await;
    let past = mutate(
        &app,
        &d.rep.token,
        "createQuote",
        json!({"opportunityId": d.deal, "validUntil": "2026-12-04"}),
    )
    .await;
    assert_eq!(
        code_and_field(&past),
        (Some("BAD_USER_INPUT"), Some("input.validUntil"))
    );
    let quote = create(
        &app,
        &d.rep.token,
        &d.deal,
        json!({"validUntil": "2026-12-06"}),
    )
    .await;
    let draft = create(
        &app,
        &d.rep.token,
        &d.deal,
        json!({"validUntil": "2026-12-06"}),
    )
    .await;
    let approved = quote_of(
        &step(&app, &d.rep.token, "submitQuote", &quote).await,
        "submitQuote",
    );
    app.clock.advance(chrono::Duration::days(2));
    let token = app.token_for(&d.rep).await;
    let late = step(&app, &token, "acceptQuote", &approved).await;
    assert_eq!(error_code(&late), Some("INVALID_STATE"), "{late}");
    let unsent = step(&app, &token, "markQuoteSent", &approved).await;
    assert_eq!(error_code(&unsent), Some("INVALID_STATE"), "{unsent}");
    let report = salesgraph::quotes::expiry::expire_due(
        &app.state,
        salesgraph::clock::Clock::now(&app.clock),
    )
    .await
    .unwrap();
    assert_eq!((report.ran, report.affected), (true, 2));
    let again = salesgraph::quotes::expiry::expire_due(
        &app.state,
        salesgraph::clock::Clock::now(&app.clock),
    )
    .await
    .unwrap();
    assert_eq!(again.affected, 0);
    for q in [&quote, &draft] {
        let seen = app
            .gql(
                Some(&token),
                "query($id: ID!) { quote(id: $id) { status } }",
                json!({"id": q["id"]}),
            )
            .await;
        assert_eq!(seen["data"]["quote"]["status"], "EXPIRED", "{seen}");
    }
}

#[tokio::test]
async fn who_sees_a_deal_reads_its_quotes_and_only_who_may_change_it_moves_them() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let pump = product_in_line(&app, "Pumps", "10", "P", "100.00", "60.00").await;
    // Bad input first: a deal without lines, a tax rate beyond 100, a reason left out.
    let empty = mutate(
        &app,
        &d.rep.token,
        "createQuote",
        json!({"opportunityId": d.deal}),
    )
    .await;
    assert_eq!(
        code_and_field(&empty),
        (Some("BAD_USER_INPUT"), Some("input.opportunityId"))
    );
    set_lines(
        &app,
        &d.rep.token,
        &d.deal,
        json!([{"productId": pump, "quantity": "1"}]),
    )
    .await;
    let taxed = mutate(
        &app,
        &d.rep.token,
        "createQuote",
        json!({"opportunityId": d.deal, "taxRate": "100.01"}),
    )
    .await;
    assert_eq!(
        code_and_field(&taxed),
        (Some("BAD_USER_INPUT"), Some("input.taxRate"))
    );
    let quote = create(&app, &d.rep.token, &d.deal, json!({})).await;
    let partner = a_split_partner(&app, &d).await;
    let finance = app.a_user().role("FINANCE").create().await;
    let bystander = app.a_user().create().await;
    let read = "query($id: ID!) { quote(id: $id) { number margin { amount } } }";
    for (who, token, sees_margin) in [
        ("partner", &partner.token, false),
        ("finance", &finance.token, true),
    ] {
        let seen = app.gql(Some(token), read, json!({"id": quote["id"]})).await;
        assert_eq!(
            seen["data"]["quote"]["number"], quote["number"],
            "{who}: {seen}"
        );
        assert_eq!(
            seen["data"]["quote"]["margin"].is_object(),
            sees_margin,
            "{who}: {seen}"
        );
        let attempts = [
            ("createQuote", json!({"opportunityId": d.deal})),
            (
                "updateQuote",
                json!({"id": quote["id"], "expectedVersion": 1, "terms": "x"}),
            ),
            (
                "submitQuote",
                json!({"id": quote["id"], "expectedVersion": 1}),
            ),
            (
                "markQuoteSent",
                json!({"id": quote["id"], "expectedVersion": 1}),
            ),
            (
                "acceptQuote",
                json!({"id": quote["id"], "expectedVersion": 1}),
            ),
            (
                "rejectQuote",
                json!({"id": quote["id"], "expectedVersion": 1, "reason": "No"}),
            ),
        ];
        for (name, input) in attempts {
            let body = mutate(&app, token, name, input).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{who} {name}: {body}");
        }
    }
    // Who cannot see the deal finds no quote, exactly as for a missing one.
    let without_request_id = |body: &Value| {
        let mut errors = body["errors"].clone();
        errors[0]["extensions"]["requestId"].take();
        errors
    };
    let hidden = mutate(
        &app,
        &bystander.token,
        "acceptQuote",
        json!({"id": quote["id"], "expectedVersion": 1}),
    )
    .await;
    let missing = mutate(
        &app,
        &bystander.token,
        "acceptQuote",
        json!({"id": missing_id("Quote"), "expectedVersion": 1}),
    )
    .await;
    assert_eq!(without_request_id(&hidden), without_request_id(&missing));
    assert_eq!(
        code_and_field(&hidden),
        (Some("NOT_FOUND"), Some("input.id"))
    );
    let listed = app
        .gql(
            Some(&bystander.token),
            "{ quotes(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["data"]["quotes"]["totalCount"], 0);
    // The quote has not moved; a reason is required to record a refusal.
    let approved = quote_of(
        &step(&app, &d.rep.token, "submitQuote", &quote).await,
        "submitQuote",
    );
    let no_reason = mutate(
        &app,
        &d.rep.token,
        "rejectQuote",
        json!({"id": quote["id"], "expectedVersion": approved["version"], "reason": " "}),
    )
    .await;
    assert_eq!(
        code_and_field(&no_reason),
        (Some("BAD_USER_INPUT"), Some("input.reason"))
    );
    let refused = mutate(
        &app,
        &d.manager.token,
        "rejectQuote",
        json!({"id": quote["id"], "expectedVersion": approved["version"], "reason": "Budget cut"}),
    )
    .await;
    let refused = quote_of(&refused, "rejectQuote");
    assert_eq!(
        (&refused["status"], &refused["rejectionReason"]),
        (&json!("REJECTED"), &json!("Budget cut"))
    );
    let accept_rejected = step(&app, &d.rep.token, "acceptQuote", &refused).await;
    assert_eq!(error_code(&accept_rejected), Some("INVALID_STATE"));
}

#[tokio::test]
async fn approval_events_tell_the_approver_and_the_submitter_of_a_quote_and_nobody_else() {
    use crate::websocket::{connected, json_of, next, send};
    use std::time::Duration;
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let stranger = app.a_user().role("SALES_MANAGER").create().await;
    let pump = product_in_line(&app, "Pumps", "10", "P", "100.00", "60.00").await;
    set_lines(
        &app,
        &d.rep.token,
        &d.deal,
        json!([{"productId": pump, "quantity": "1", "discountPercent": "18"}]),
    )
    .await;
    let subscription = "subscription { approvalEvents { kind request { status subject { ... on Quote { number status } } } } }";
    let mut sockets = Vec::new();
    for token in [&d.manager.token, &d.rep.token, &stranger.token] {
        let mut socket = connected(&app, token).await;
        send(
            &mut socket,
            json!({"id": "q", "type": "subscribe", "payload": {"query": subscription}}),
        )
        .await;
        sockets.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let quote = create(&app, &d.rep.token, &d.deal, json!({})).await;
    let submitted = step(&app, &d.rep.token, "submitQuote", &quote).await;
    let request = submitted["data"]["submitQuote"]["request"].clone();
    let event = |message| json_of(message)["payload"]["data"]["approvalEvents"].clone();
    let to_manager = event(next(&mut sockets[0]).await);
    assert_eq!(
        to_manager,
        json!({"kind": "AWAITING_YOUR_DECISION", "request": {"status": "PENDING", "subject": {"number": quote["number"], "status": "PENDING_APPROVAL"}}})
    );
    decide(&app, &d.manager.token, "approveRequest", &request, None).await;
    let to_rep = event(next(&mut sockets[1]).await);
    assert_eq!(to_rep["kind"], "APPROVED", "{to_rep}");
    assert_eq!(to_rep["request"]["subject"]["status"], "APPROVED");
    let nothing = tokio::time::timeout(
        Duration::from_millis(400),
        futures_util::StreamExt::next(&mut sockets[2]),
    )
    .await;
    assert!(nothing.is_err(), "another team's manager heard {nothing:?}");
}

#[tokio::test]
async fn oversized_quote_inputs_are_refused_with_their_field_and_retried_edits_apply_once() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let pump = product_in_line(&app, "Pumps", "10", "P", "100.00", "60.00").await;
    set_lines(
        &app,
        &d.rep.token,
        &d.deal,
        json!([{"productId": pump, "quantity": "1"}]),
    )
    .await;
    let too_long = "条".repeat(20_001);
    let created = mutate(
        &app,
        &d.rep.token,
        "createQuote",
        json!({"opportunityId": d.deal, "terms": too_long}),
    )
    .await;
    assert_eq!(
        code_and_field(&created),
        (Some("BAD_USER_INPUT"), Some("input.terms"))
    );
    let quote = create(
        &app,
        &d.rep.token,
        &d.deal,
        json!({"terms": "条".repeat(20_000)}),
    )
    .await;
    let edited = mutate(
        &app,
        &d.rep.token,
        "updateQuote",
        json!({"id": quote["id"], "expectedVersion": 1, "terms": too_long}),
    )
    .await;
    assert_eq!(
        code_and_field(&edited),
        (Some("BAD_USER_INPUT"), Some("input.terms"))
    );
    // An edit sent twice with its key (the answer lost on the way) applies once and answers
    // the first result, not a conflict with itself.
    let edit = json!({"id": quote["id"], "expectedVersion": 1, "terms": "Net 30",
        "idempotencyKey": "edit-terms-1"});
    let first = quote_of(
        &mutate(&app, &d.rep.token, "updateQuote", edit.clone()).await,
        "updateQuote",
    );
    let retried = quote_of(
        &mutate(&app, &d.rep.token, "updateQuote", edit).await,
        "updateQuote",
    );
    assert_eq!(
        (&first["version"], &first["terms"]),
        (&json!(2), &json!("Net 30"))
    );
    assert_eq!(retried["version"], first["version"]);
    let reused = mutate(
        &app,
        &d.rep.token,
        "updateQuote",
        json!({"id": quote["id"], "expectedVersion": 2, "terms": "Net 60",
            "idempotencyKey": "edit-terms-1"}),
    )
    .await;
    assert_eq!(error_code(&reused), Some("IDEMPOTENCY_KEY_REUSED"));
    // A refusal reason beyond 2,000 characters.
    let approved = quote_of(
        &step(&app, &d.rep.token, "submitQuote", &first).await,
        "submitQuote",
    );
    let rejected = mutate(
        &app,
        &d.rep.token,
        "rejectQuote",
        json!({"id": quote["id"], "expectedVersion": approved["version"], "reason": "x".repeat(2_001)}),
    )
    .await;
    assert_eq!(
        code_and_field(&rejected),
        (Some("BAD_USER_INPUT"), Some("input.reason"))
    );
    // A status filter repeated thousands of times reads like the statuses it names.
    let statuses: Vec<&str> = ["APPROVED", "SENT"].repeat(10_000);
    let listed = app
        .gql(
            Some(&d.rep.token),
            "query($s: [QuoteStatus!]) { quotes(first: 5, filter: {statuses: $s}) { totalCount nodes { number } } }",
            json!({"s": statuses}),
        )
        .await;
    assert_eq!(listed["data"]["quotes"]["totalCount"], 1, "{listed}");
    // Removals beyond what one call takes, named by their own field.
    let book = app
        .admin(
            "mutation { createPriceBook(input: {name: \"Export\"}) { priceBook { id } } }",
            json!({}),
        )
        .await["data"]["createPriceBook"]["priceBook"]["id"]
        .clone();
    let removals: Vec<String> = (0..501).map(|_| pump.clone()).collect();
    let removed = app
        .admin(
            "mutation($input: SetPriceBookEntriesInput!) { setPriceBookEntries(input: $input) { priceBook { id } } }",
            json!({"input": {"priceBookId": book, "expectedVersion": 1, "entries": [], "removeProductIds": removals}}),
        )
        .await;
    assert_eq!(
        code_and_field(&removed),
        (Some("BAD_USER_INPUT"), Some("input.removeProductIds"))
    );
}
