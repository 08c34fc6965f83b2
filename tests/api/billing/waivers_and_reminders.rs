//! Waivers through their approval chain, and overdue reminders.

use super::*;

#[tokio::test]
async fn a_waiver_applies_only_once_its_chain_approves() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Waiver Co").await;
    let contract = approved(&app, &books, &customer, "1000").await;
    let plan = installments(
        &set_plan(
            &app,
            &books.finance.token,
            &contract,
            json!([{"dueDate": "2026-12-01", "amount": "1000"}]),
        )
        .await,
    );
    let request_waiver = "mutation($input: RequestWaiverInput!) { requestWaiver(input: $input) { waiver { id status amount } request { id status steps { role status } subject { ... on Waiver { amount installment { seq } } } } } }";
    let ask = |amount: &str| json!({"input": {"installmentId": plan[0]["id"], "amount": amount, "reason": "Late delivery"}});
    let approve =
        "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }";

    let too_much = app
        .gql(Some(&books.finance.token), request_waiver, ask("1000.01"))
        .await;
    let asked = app
        .gql(Some(&books.finance.token), request_waiver, ask("100"))
        .await;
    let request = asked["data"]["requestWaiver"]["request"].clone();
    let pending_plan = plan_of(&app, &books.finance.token, &contract).await;
    let over_pending = app
        .gql(Some(&books.finance.token), request_waiver, ask("900.01"))
        .await;
    let own = app
        .gql(
            Some(&books.finance.token),
            approve,
            json!({"r": request["id"]}),
        )
        .await;
    app.gql(
        Some(&books.finance2.token),
        approve,
        json!({"r": request["id"]}),
    )
    .await;
    let done = app
        .gql(Some(&app.admin_token), approve, json!({"r": request["id"]}))
        .await;
    let applied_plan = plan_of(&app, &books.finance.token, &contract).await;
    let second = app
        .gql(Some(&books.finance.token), request_waiver, ask("50"))
        .await;
    app.gql(
        Some(&books.finance2.token),
        "mutation($r: ID!) { rejectRequest(input: {requestId: $r, comment: \"No\"}) { request { status } } }",
        json!({"r": second["data"]["requestWaiver"]["request"]["id"]}),
    )
    .await;
    let final_plan = plan_of(&app, &books.finance.token, &contract).await;

    assert_eq!(
        (error_code(&too_much), error_field(&too_much)),
        (Some("BAD_USER_INPUT"), Some("input.amount"))
    );
    assert_eq!(
        asked["data"]["requestWaiver"]["waiver"]["status"], "PENDING",
        "{asked}"
    );
    assert_eq!(
        request["steps"],
        json!([{"role": "FINANCE", "status": "PENDING"}, {"role": "ADMIN", "status": "WAITING"}])
    );
    assert_eq!(
        request["subject"],
        json!({"amount": "100.00", "installment": {"seq": 1}})
    );
    assert_eq!(
        pending_plan[0]["waivedAmount"], "0.00",
        "nothing is waived while pending"
    );
    assert_eq!(
        error_code(&over_pending),
        Some("BAD_USER_INPUT"),
        "pending waivers count"
    );
    assert_eq!(error_code(&own), Some("FORBIDDEN"));
    assert_eq!(
        done["data"]["approveRequest"]["request"]["status"],
        "APPROVED"
    );
    assert_eq!(
        (
            applied_plan[0]["waivedAmount"].as_str(),
            applied_plan[0]["outstanding"].as_str()
        ),
        (Some("100.00"), Some("900.00"))
    );
    assert_eq!(
        final_plan[0]["waivedAmount"], "100.00",
        "a rejected waiver changes nothing"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn overdue_reminders_go_once_per_installment_and_level() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Late Co").await;
    let contract = approved(&app, &books, &customer, "300").await;
    set_plan(&app, &books.finance.token, &contract, json!([
        {"dueDate": "2026-11-25", "amount": "100"}, {"dueDate": "2026-11-26", "amount": "100"}, {"dueDate": "2026-12-25", "amount": "100"},
    ])).await;
    let sweep = |when: &str| {
        let state = app.state.clone();
        let now = at(when);
        async move {
            salesgraph::billing::overdue::remind(&state, now)
                .await
                .unwrap()
                .affected
        }
    };

    let due_today = sweep("2026-11-25T02:00:00Z").await;
    let same_day = sweep("2026-11-25T05:00:00Z").await;
    let week_later = sweep("2026-12-02T02:00:00Z").await;
    let month_later = sweep("2026-12-27T02:00:00Z").await;
    let rep_kinds = installment_notices(&app, &books.rep).await;
    let finance_kinds = installment_notices(&app, &books.finance).await;

    assert_eq!(due_today, 1, "the first installment falls due");
    assert_eq!(same_day, 0, "once");
    // Dec 2: #1 is 7 days late, #2 six (its due reminder); Dec 27: #1 32, #2 31, #3 2 days late.
    assert_eq!(week_later, 2);
    assert_eq!(month_later, 3);
    let expected = vec![
        "INSTALLMENT_DUE",
        "INSTALLMENT_DUE",
        "INSTALLMENT_DUE",
        "INSTALLMENT_OVERDUE",
        "INSTALLMENT_OVERDUE",
        "INSTALLMENT_OVERDUE",
    ];
    assert_eq!(rep_kinds, expected);
    assert_eq!(finance_kinds, expected);
    ledger_holds(&app).await;
}

/// The kinds of a user's installment notifications, sorted.
async fn installment_notices(app: &TestApp, user: &TestUser) -> Vec<String> {
    let token = app.token_for(user).await;
    let body = app
        .gql(
            Some(&token),
            "{ notifications(first: 50) { nodes { kind } } }",
            json!({}),
        )
        .await;
    let mut kinds: Vec<String> = body["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .filter(|k| k.starts_with("INSTALLMENT"))
        .map(str::to_owned)
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn old_unpaid_installments_never_starve_newer_ones_of_their_reminders() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Backlog Co").await;
    let contract = approved(&app, &books, &customer, "500").await;
    set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([
            {"dueDate": "2026-11-01", "amount": "100"}, {"dueDate": "2026-11-02", "amount": "100"},
            {"dueDate": "2026-11-03", "amount": "100"}, {"dueDate": "2026-11-20", "amount": "100"},
            {"dueDate": "2026-11-24", "amount": "100"},
        ]),
    )
    .await;
    // Batches of two: fewer than the installments owing a reminder at every sweep below.
    let sweep = |when: &str| {
        let state = app.state.clone();
        let now = at(when);
        async move {
            salesgraph::billing::overdue::remind_in_batches(&state, now, 2)
                .await
                .unwrap()
                .affected
        }
    };

    let first = sweep("2026-11-25T02:00:00Z").await;
    let next_day = sweep("2026-11-26T02:00:00Z").await;
    let week_after_due = sweep("2026-11-28T02:00:00Z").await;
    let again = sweep("2026-11-28T05:00:00Z").await;

    assert_eq!(
        first, 5,
        "every batch of one sweep: #1–#3 at 7 days, #4 and #5 due"
    );
    assert_eq!(next_day, 0, "nothing new is owed");
    assert_eq!(
        week_after_due, 1,
        "#4 reaches 7 days behind three older, fully reminded installments"
    );
    assert_eq!(again, 0);
    let mut expected = vec!["INSTALLMENT_DUE"; 2];
    expected.extend(vec!["INSTALLMENT_OVERDUE"; 4]);
    assert_eq!(installment_notices(&app, &books.rep).await, expected);
    ledger_holds(&app).await;
}

#[tokio::test]
async fn negative_reminder_days_remind_before_the_due_date() {
    let app = TestApp::spawn_with(|config| config.overdue_reminder_days = "-3,0,-1,x".into()).await;
    app.clock.set(at("2026-11-20T01:00:00Z"));
    let books = books(&app).await;
    let customer = customer(&app, &books, "Early Co").await;
    let contract = approved(&app, &books, &customer, "200").await;
    set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-11-25", "amount": "100"}, {"dueDate": "2026-11-30", "amount": "100"}]),
    )
    .await;
    let sweep = |when: &str| {
        let state = app.state.clone();
        let now = at(when);
        async move {
            salesgraph::billing::overdue::remind(&state, now)
                .await
                .unwrap()
                .affected
        }
    };
    assert_eq!(
        sweep("2026-11-21T02:00:00Z").await,
        0,
        "four days ahead: not yet"
    );
    assert_eq!(
        sweep("2026-11-22T02:00:00Z").await,
        1,
        "three days before the first"
    );
    assert_eq!(sweep("2026-11-23T02:00:00Z").await, 0, "once per level");
    assert_eq!(sweep("2026-11-24T02:00:00Z").await, 1, "the day before");
    assert_eq!(sweep("2026-11-25T02:00:00Z").await, 1, "the due date");
    assert_eq!(
        installment_notices(&app, &books.rep).await,
        vec![
            "INSTALLMENT_DUE",
            "INSTALLMENT_DUE_SOON",
            "INSTALLMENT_DUE_SOON"
        ]
    );
    let token = app.token_for(&books.rep).await;
    let titles = app
        .gql(
            Some(&token),
            "{ notifications(first: 10) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert!(titles.to_string().contains("Due in 3 days"), "{titles}");
}
