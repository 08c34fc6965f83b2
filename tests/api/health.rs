//! Customer health and computed grades against hand-computed fixtures: each component from the
//! records it counts, the weighted score and its grade, always current when read; pinning by
//! managers (recorded, the owner told) and unpinning; the grade sweep storing grades once
//! across instances and telling owners; admin rules recomputing every health at once.

use serde_json::{Value, json};

use crate::fixtures::{self, Books, at};
use crate::helpers::*;

const HEALTH: &str = "query($id: ID!) { customer(id: $id) { grade storedGrade influence version \
    health { score grade components { purchasing repeat influence engagement service } } \
    gradePin { grade reason pinnedBy { id } } } }";
const PIN: &str = "mutation($input: PinCustomerGradeInput!) { pinCustomerGrade(input: $input) { customer { grade gradePin { grade reason } } } }";
const UNPIN: &str = "mutation($input: UnpinCustomerGradeInput!) { unpinCustomerGrade(input: $input) { customer { grade gradePin { grade } } } }";
const INFLUENCE: &str = "mutation($input: SetCustomerInfluenceInput!) { setCustomerInfluence(input: $input) { customer { influence } } }";
const RULES: &str = "mutation($input: UpdateCustomerHealthRulesInput!) { updateCustomerHealthRules(input: $input) { rules { gradeAMin purchasingFullAmount influenceLevels { key points } } } }";
const READ_RULES: &str = "{ customerHealthRules { weights { purchasing repeat influence engagement service } \
    purchasingFullAmount repeatPerPurchase engagementWindowDays engagementPerVisit engagementPerFollowUp \
    serviceUnrated servicePerOpenTicket gradeAMin gradeBMin influenceLevels { key label points } } }";

async fn customer_health(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql(Some(token), HEALTH, json!({"id": id})).await;
    let customer = body["data"]["customer"].clone();
    assert!(customer.is_object(), "{body}");
    customer
}

fn components(values: [i64; 5]) -> Value {
    let [purchasing, repeat, influence, engagement, service] = values;
    json!({"purchasing": purchasing, "repeat": repeat, "influence": influence,
        "engagement": engagement, "service": service})
}

async fn won_deal(app: &TestApp, token: &str, customer: &str, amount: &str) {
    let created = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Supply", "amount": amount,
                "expectedCloseDate": "2026-12-20"}}),
        )
        .await;
    let id = string_at(
        &created,
        &["data", "createOpportunity", "opportunity", "id"],
    );
    let won = app
        .gql(
            Some(token),
            "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { status } } }",
            json!({"input": {"id": id, "expectedVersion": 1, "reasonId": WIN_REASON}}),
        )
        .await;
    assert_eq!(
        won["data"]["winOpportunity"]["opportunity"]["status"], "WON",
        "{won}"
    );
}

async fn follow_up(app: &TestApp, token: &str, customer: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": customer, "kind": "CALL", "content": "Checked in"}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn open_ticket(app: &TestApp, token: &str, customer: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } } }",
            json!({"input": {"customerId": customer, "subject": "Late part", "priority": "NORMAL"}}),
        )
        .await;
    string_at(&body, &["data", "openTicket", "ticket", "id"])
}

async fn resolve(app: &TestApp, token: &str, ticket: &str, satisfaction: i32) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { ticket { status } } }",
            json!({"input": {"id": ticket, "expectedVersion": 1, "status": "RESOLVED",
                "satisfaction": satisfaction}}),
        )
        .await;
    assert_eq!(
        body["data"]["changeTicketStatus"]["ticket"]["status"], "RESOLVED",
        "{body}"
    );
}

async fn set_influence(app: &TestApp, token: &str, customer: &str, level: Value) -> Value {
    app.gql(
        Some(token),
        INFLUENCE,
        json!({"input": {"id": customer, "influence": level}}),
    )
    .await
}

/// A customer of `books`' rep with, as of 2026-12-01: influence INDUSTRY (100 points), a
/// contract signed without a deal (100,000.00), a won deal (100,000.00) and a payment
/// (100,000.00) — purchasing 100, two purchases (repeat 25) — three follow-ups (engagement 30)
/// and one open ticket (service 60 − 20 = 40), which `support` opened.
async fn graded_customer(app: &TestApp, books: &Books, support: &TestUser) -> (String, String) {
    let customer = fixtures::customer(app, books, "Health Co").await;
    let set = set_influence(app, &books.rep.token, &customer, json!("INDUSTRY")).await;
    assert_eq!(
        set["data"]["setCustomerInfluence"]["customer"]["influence"], "INDUSTRY",
        "{set}"
    );
    fixtures::signed(app, books, &customer, "100000.00").await;
    won_deal(app, &books.rep.token, &customer, "100000.00").await;
    let paid = fixtures::pay(
        app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "100000.00"}),
    )
    .await;
    fixtures::payment_of(&paid);
    for _ in 0..3 {
        follow_up(app, &books.rep.token, &customer).await;
    }
    let ticket = open_ticket(app, &support.token, &customer).await;
    (customer, ticket)
}

#[tokio::test]
async fn health_counts_each_component_from_the_records_and_the_grade_follows_it() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;

    // A new customer: only the service points of one who never rated anything.
    let fresh = fixtures::customer(&app, &books, "Fresh Co").await;
    let seen = customer_health(&app, &books.rep.token, &fresh).await;
    assert_eq!(seen["health"]["components"], components([0, 0, 0, 0, 60]));
    assert_eq!(
        (&seen["health"]["score"], &seen["grade"]),
        (&json!(9), &json!("C"))
    );
    assert_eq!(seen["gradePin"], Value::Null);

    let (customer, ticket) = graded_customer(&app, &books, &support).await;
    let seen = customer_health(&app, &books.rep.token, &customer).await;
    assert_eq!(
        seen["health"]["components"],
        components([100, 25, 100, 30, 40])
    );
    // 35×100 + 20×25 + 15×100 + 15×30 + 15×40 = 6550 → 65.5 → 66: B.
    assert_eq!(seen["health"]["score"], 66);
    assert_eq!(
        (&seen["health"]["grade"], &seen["grade"]),
        (&json!("B"), &json!("B"))
    );

    // Resolved with a 5: service 100, and at once 7450 → 74.5 → 75: A.
    resolve(&app, &support.token, &ticket, 5).await;
    let seen = customer_health(&app, &books.rep.token, &customer).await;
    assert_eq!(seen["health"]["components"]["service"], 100);
    assert_eq!(seen["health"]["score"], 75);
    assert_eq!(seen["grade"], "A");
    // Customer service and finance read the same health; none of it is an amount.
    for token in [&support.token, &books.finance.token, &books.manager_token] {
        let other = customer_health(&app, token, &customer).await;
        assert_eq!(other["health"], seen["health"]);
    }

    // A year and a month on, purchases, payments, follow-ups and the rating have aged out:
    // 20×25 + 15×100 + 15×60 = 2900 → 29: C.
    app.clock.set(at("2028-01-10T02:00:00Z"));
    let token = app.token_for(&books.rep).await;
    let later = customer_health(&app, &token, &customer).await;
    assert_eq!(
        later["health"]["components"],
        components([0, 25, 100, 0, 60])
    );
    assert_eq!(
        (&later["health"]["score"], &later["grade"]),
        (&json!(29), &json!("C"))
    );
}

#[tokio::test]
async fn health_of_a_page_of_customers_takes_the_same_statements_for_one_or_many() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let rep = app.a_user().create().await;
    let list =
        "{ customers(first: 50) { nodes { grade health { score components { service } } } } }";
    let mut counts = Vec::new();
    for round in 0..2 {
        for n in 0..(1 + round * 4) {
            let id = fixtures::a_customer(&app, &rep.token, &format!("Page {round}-{n}")).await;
            follow_up(&app, &rep.token, &id).await;
        }
        app.quiet().await;
        let body = app.gql(Some(&rep.token), list, json!({})).await;
        counts.push(app.take_statement_count());
        let nodes = body["data"]["customers"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        assert_eq!(nodes.len(), 1 + round * 5, "{body}");
        assert!(
            nodes
                .iter()
                .all(|n| n["health"]["score"] == 11 && n["grade"] == "C"),
            "{body}"
        );
    }
    assert_eq!(counts[0], counts[1], "statements per page: {counts:?}");
}

#[tokio::test]
async fn a_manager_pins_a_grade_with_a_reason_and_the_owner_is_told() {
    let app = TestApp::spawn_on_file_or_postgres_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let stranger_manager = app.a_user().role("SALES_MANAGER").create().await;
    app.a_team("Elsewhere", Some(&stranger_manager.id)).await;
    let stranger_token = app.token_for(&stranger_manager).await;
    let (customer, ticket) = graded_customer(&app, &books, &support).await;
    resolve(&app, &support.token, &ticket, 5).await;
    let before = customer_health(&app, &books.manager_token, &customer).await;
    assert_eq!(before["grade"], "A");

    let pin = |reason: &str, grade: &str| json!({"input": {"id": customer, "grade": grade, "reason": reason}});
    // Seeing is not changing: the owner, finance and customer service see it and may not pin;
    // another team's manager does not see it.
    for token in [&books.rep.token, &books.finance.token, &support.token] {
        let refused = app.gql(Some(token), PIN, pin("Pays late", "C")).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    let hidden = app
        .gql(Some(&stranger_token), PIN, pin("Pays late", "C"))
        .await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
    let reasonless = app
        .gql(Some(&books.manager_token), PIN, pin("  ", "C"))
        .await;
    assert_eq!(
        code_and_field(&reasonless),
        (Some("BAD_USER_INPUT"), Some("input.reason"))
    );
    // The owner may no longer type a grade in.
    let version = customer_health(&app, &books.rep.token, &customer).await["version"].clone();
    let typed = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { grade } } }",
            json!({"input": {"id": customer, "expectedVersion": version, "grade": "A"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&typed),
        (Some("FORBIDDEN"), Some("input.grade"))
    );
    assert!(
        notified_about(&app, &books.rep.token, "CUSTOMER_GRADE_CHANGED")
            .await
            .is_empty()
    );

    let pinned = app
        .gql(Some(&books.manager_token), PIN, pin("Pays late", "C"))
        .await;
    assert_eq!(
        pinned["data"]["pinCustomerGrade"]["customer"],
        json!({"grade": "C", "gradePin": {"grade": "C", "reason": "Pays late"}}),
        "{pinned}"
    );
    let seen = customer_health(&app, &books.rep.token, &customer).await;
    assert_eq!(
        (
            &seen["grade"],
            &seen["storedGrade"],
            &seen["health"]["grade"]
        ),
        (&json!("C"), &json!("C"), &json!("A"))
    );
    let manager = app
        .gql(Some(&books.manager_token), "{ me { id } }", json!({}))
        .await;
    assert_eq!(
        seen["gradePin"]["pinnedBy"]["id"],
        manager["data"]["me"]["id"]
    );
    assert_eq!(
        notified_about(&app, &books.rep.token, "CUSTOMER_GRADE_CHANGED").await,
        [json!(customer)]
    );
    // Lists filter on the stored grade, which the pin set.
    let graded_c = app
        .gql(
            Some(&books.rep.token),
            "{ customers(filter: {grade: C}) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        graded_c["data"]["customers"]["nodes"],
        json!([{"id": customer}]),
        "{graded_c}"
    );
    // The sweep leaves a pinned grade alone.
    salesgraph::health::sweep::regrade(&app.state, at("2026-12-01T03:00:00Z"))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        customer_health(&app, &books.rep.token, &customer).await["storedGrade"],
        "C"
    );

    // Those who see the customer but may not pin may not unpin either; the pin stays.
    for token in [&books.rep.token, &books.finance.token, &support.token] {
        let refused = app
            .gql(Some(token), UNPIN, json!({"input": {"id": customer}}))
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    let hidden = app
        .gql(
            Some(&stranger_token),
            UNPIN,
            json!({"input": {"id": customer}}),
        )
        .await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
    assert_eq!(
        customer_health(&app, &books.rep.token, &customer).await["gradePin"]["grade"],
        "C"
    );

    // Unpinned, the grade follows the health again; the stored grade follows at the sweep,
    // which tells the owner once, however many instances run it.
    let unpinned = app
        .gql(
            Some(&books.manager_token),
            UNPIN,
            json!({"input": {"id": customer, "reason": "Paid up"}}),
        )
        .await;
    assert_eq!(
        unpinned["data"]["unpinCustomerGrade"]["customer"],
        json!({"grade": "A", "gradePin": null}),
        "{unpinned}"
    );
    assert_eq!(
        customer_health(&app, &books.rep.token, &customer).await["storedGrade"],
        "C"
    );
    let (_, second) = app.second_instance().await;
    let now = at("2026-12-01T04:00:00Z");
    let (one, two) = tokio::join!(
        salesgraph::health::sweep::regrade(&app.state, now),
        salesgraph::health::sweep::regrade(&second, now)
    );
    let changed = one.map(|r| r.affected).unwrap_or_else(|e| panic!("{e:?}"))
        + two.map(|r| r.affected).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(changed, 1);
    assert_eq!(
        customer_health(&app, &books.rep.token, &customer).await["storedGrade"],
        "A"
    );
    let again = salesgraph::health::sweep::regrade(&second, now)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(again.affected, 0);
    assert_eq!(
        notified_about(&app, &books.rep.token, "CUSTOMER_GRADE_CHANGED").await,
        [json!(customer), json!(customer)]
    );
}

#[tokio::test]
async fn admin_rules_recompute_every_health_at_once_and_bad_rules_are_refused() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let (customer, ticket) = graded_customer(&app, &books, &support).await;
    resolve(&app, &support.token, &ticket, 5).await;
    assert_eq!(
        customer_health(&app, &books.rep.token, &customer).await["grade"],
        "A"
    );

    let current = app.gql(Some(&books.rep.token), READ_RULES, json!({})).await;
    let mut rules = current["data"]["customerHealthRules"].clone();
    assert_eq!(rules["purchasingFullAmount"], "100000.00", "{current}");
    assert_eq!(rules["gradeAMin"], 70);
    rules["gradeAMin"] = json!(80);
    rules["influenceLevels"] = json!([{"key": "INDUSTRY", "label": "Leader", "points": 40}]);
    // Everyone reads the rules; only admins change them.
    for token in [
        &books.manager_token,
        &books.rep.token,
        &books.finance.token,
        &support.token,
    ] {
        let refused = app
            .gql(Some(token), RULES, json!({"input": {"rules": rules}}))
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    let updated = app.admin(RULES, json!({"input": {"rules": rules}})).await;
    assert_eq!(
        updated["data"]["updateCustomerHealthRules"]["rules"]["gradeAMin"], 80,
        "{updated}"
    );
    // Influence 40 now: 7450 − 15×60 = 6550 → 66, under the new A threshold: B.
    let seen = customer_health(&app, &books.rep.token, &customer).await;
    assert_eq!(seen["health"]["components"]["influence"], 40);
    assert_eq!(
        (&seen["health"]["score"], &seen["grade"]),
        (&json!(66), &json!("B"))
    );

    let mut uneven = rules.clone();
    uneven["weights"]["service"] = json!(30);
    let mut twice = rules.clone();
    twice["influenceLevels"] =
        json!([{"key": "A", "label": "x", "points": 1}, {"key": "A", "label": "y", "points": 2}]);
    let mut fractional = rules.clone();
    fractional["purchasingFullAmount"] = json!("10.001");
    let mut inverted = rules.clone();
    inverted["gradeBMin"] = json!(90);
    for (bad, field) in [
        (uneven, "input.rules.weights"),
        (twice, "input.rules.influenceLevels"),
        (fractional, "input.rules.purchasingFullAmount"),
        (inverted, "input.rules.gradeAMin"),
    ] {
        let body = app.admin(RULES, json!({"input": {"rules": bad}})).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }
    let kept = app.gql(Some(&books.rep.token), READ_RULES, json!({})).await;
    assert_eq!(kept["data"]["customerHealthRules"]["gradeAMin"], 80);
}

#[tokio::test]
async fn influence_is_set_from_the_picklist_by_those_who_may_change_the_customer() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let other_rep = app.a_user().create().await;
    let customer = fixtures::customer(&app, &books, "Picklist Co").await;

    let unknown = set_influence(&app, &books.rep.token, &customer, json!("GLOBAL")).await;
    assert_eq!(
        code_and_field(&unknown),
        (Some("BAD_USER_INPUT"), Some("input.influence"))
    );
    for token in [&books.finance.token, &support.token] {
        let refused = set_influence(&app, token, &customer, json!("LOCAL")).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    let hidden = set_influence(&app, &other_rep.token, &customer, json!("LOCAL")).await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
    let missing = set_influence(
        &app,
        &books.rep.token,
        &missing_id("Customer"),
        json!("LOCAL"),
    )
    .await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"), "{missing}");
    assert_eq!(
        customer_health(&app, &books.rep.token, &customer).await["influence"],
        Value::Null
    );

    let by_manager = set_influence(&app, &books.manager_token, &customer, json!("REGIONAL")).await;
    assert_eq!(
        by_manager["data"]["setCustomerInfluence"]["customer"]["influence"],
        "REGIONAL"
    );
    let seen = customer_health(&app, &books.rep.token, &customer).await;
    assert_eq!(seen["health"]["components"]["influence"], 60);
    let cleared = set_influence(&app, &books.rep.token, &customer, Value::Null).await;
    assert_eq!(
        cleared["data"]["setCustomerInfluence"]["customer"]["influence"],
        Value::Null,
        "{cleared}"
    );
}

#[tokio::test]
async fn hostile_health_inputs_are_refused_on_their_field_and_change_nothing() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let customer = fixtures::customer(&app, &books, "Hostile Co").await;

    let long_reason = "x".repeat(501);
    let pinned = app
        .gql(
            Some(&books.manager_token),
            PIN,
            json!({"input": {"id": customer, "grade": "A", "reason": long_reason}}),
        )
        .await;
    assert_eq!(
        code_and_field(&pinned),
        (Some("BAD_USER_INPUT"), Some("input.reason"))
    );
    let unpinned = app
        .gql(
            Some(&books.manager_token),
            UNPIN,
            json!({"input": {"id": customer, "reason": long_reason}}),
        )
        .await;
    assert_eq!(
        code_and_field(&unpinned),
        (Some("BAD_USER_INPUT"), Some("input.reason"))
    );
    for level in [
        json!("L".repeat(100_000)),
        json!(""),
        json!("local"),
        json!("LOCAL\u{0}"),
    ] {
        let body = set_influence(&app, &books.rep.token, &customer, level).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some("input.influence")),
            "{body}"
        );
    }
    let seen = customer_health(&app, &books.rep.token, &customer).await;
    assert_eq!(
        (&seen["influence"], &seen["gradePin"], &seen["version"]),
        (&Value::Null, &Value::Null, &json!(1)),
        "nothing was written"
    );

    let current = app.gql(Some(&books.rep.token), READ_RULES, json!({})).await;
    let rules = current["data"]["customerHealthRules"].clone();
    let with = |path: &[&str], value: Value| {
        let mut changed = rules.clone();
        let mut at = &mut changed;
        for key in path {
            at = &mut at[*key];
        }
        *at = value;
        changed
    };
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"key": format!("L{i}"), "label": "Level", "points": 10}))
        .collect();
    for (bad, field) in [
        (
            with(&["weights", "purchasing"], json!(-5)),
            "input.rules.weights",
        ),
        (
            with(&["influenceLevels"], json!(many)),
            "input.rules.influenceLevels",
        ),
        (
            with(
                &["influenceLevels"],
                json!([{"key": "OK", "label": " ", "points": 10}]),
            ),
            "input.rules.influenceLevels",
        ),
        (
            with(
                &["influenceLevels"],
                json!([{"key": "OK", "label": "Fine", "points": 101}]),
            ),
            "input.rules.influenceLevels",
        ),
        (
            with(&["engagementWindowDays"], json!(0)),
            "input.rules.engagementWindowDays",
        ),
        (with(&["serviceUnrated"], json!(1000)), "input.rules"),
        (
            with(&["purchasingFullAmount"], json!("-1.00")),
            "input.rules.purchasingFullAmount",
        ),
        (
            with(&["purchasingFullAmount"], json!("1e30")),
            "input.rules.purchasingFullAmount",
        ),
    ] {
        let body = app.admin(RULES, json!({"input": {"rules": bad}})).await;
        let (code, named) = code_and_field(&body);
        assert_eq!(code, Some("BAD_USER_INPUT"), "{body}");
        assert!(
            named.is_some_and(|n| n.starts_with(field)),
            "{field}: {body}"
        );
    }
    let kept = app.gql(Some(&books.rep.token), READ_RULES, json!({})).await;
    assert_eq!(kept, current, "the rules did not change");
}
