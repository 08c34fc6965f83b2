//! Receivables and aging: buckets, visibility and filters.

use super::*;

#[tokio::test]
async fn aging_puts_each_boundary_day_in_its_bucket() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Aging Co").await;
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    // Days late, with an amount of its own so every bucket's sum shows which days it holds.
    let days = [91_i64, 90, 61, 60, 31, 30, 1, 0];
    let amounts = [1_i64, 2, 4, 8, 16, 32, 64, 128];
    let total: i64 = amounts.iter().sum();
    let contract = approved(&app, &books, &customer, &format!("{total}")).await;
    let lines: Vec<Value> = days
        .iter()
        .zip(amounts)
        .map(|(d, a)| json!({"dueDate": as_of - Duration::days(*d), "amount": a.to_string()}))
        .collect();
    set_plan(&app, &books.finance.token, &contract, json!(lines)).await;
    let aging = "query($g: AgingGroupBy!, $d: Date) { receivablesAging(input: {asOf: $d, groupBy: $g}) { asOf rows { key label buckets { current d1To30 d31To60 d61To90 over90 total } } totals { current d1To30 d31To60 d61To90 over90 total } } }";

    let by_customer = app
        .gql(
            Some(&books.finance.token),
            aging,
            json!({"g": "CUSTOMER", "d": as_of}),
        )
        .await;
    let by_owner = app
        .gql(
            Some(&books.finance.token),
            aging,
            json!({"g": "OWNER", "d": as_of}),
        )
        .await;
    let by_region = app
        .gql(
            Some(&books.finance.token),
            aging,
            json!({"g": "REGION", "d": as_of}),
        )
        .await;
    let by_team = app
        .gql(
            Some(&books.manager_token),
            aging,
            json!({"g": "TEAM", "d": as_of}),
        )
        .await;
    let overdue = app
        .gql(Some(&books.finance.token), "query($d: Date) { receivables(filter: {overdueOnly: true, asOf: $d}) { totalCount totals { installments amount outstanding overdue } nodes { daysOverdue } } }", json!({"d": as_of}))
        .await;
    let all_as_of = app
        .gql(
            Some(&books.finance.token),
            "query($d: Date) { receivables(filter: {asOf: $d}) { nodes { overdue daysOverdue } } }",
            json!({"d": as_of}),
        )
        .await;
    let plan_today = plan_of(&app, &books.finance.token, &contract).await;

    let expected = json!({"current": "128.00", "d1To30": "96.00", "d31To60": "24.00", "d61To90": "6.00", "over90": "1.00", "total": "255.00"});
    let report = &by_customer["data"]["receivablesAging"];
    assert_eq!(report["rows"][0]["buckets"], expected, "{by_customer}");
    assert_eq!(report["rows"][0]["key"], customer.as_str());
    assert_eq!(report["rows"][0]["label"], "Aging Co");
    assert_eq!(report["totals"], expected);
    assert_eq!(
        by_owner["data"]["receivablesAging"]["rows"][0]["key"],
        books.rep.id.as_str()
    );
    assert_eq!(
        by_region["data"]["receivablesAging"]["rows"][0]["key"],
        Value::Null,
        "no region"
    );
    assert_eq!(
        by_team["data"]["receivablesAging"]["totals"], expected,
        "the manager sees the team's"
    );
    assert_eq!(
        overdue["data"]["receivables"]["totalCount"], 7,
        "every day but the due date itself"
    );
    assert_eq!(
        overdue["data"]["receivables"]["totals"]["overdue"],
        "127.00"
    );
    let rows = all_as_of["data"]["receivables"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{all_as_of}"));
    let late: Vec<i64> = rows
        .iter()
        .filter_map(|r| r["daysOverdue"].as_i64())
        .collect();
    assert_eq!(late, days, "rows count to asOf, like the totals");
    let flags: Vec<bool> = rows.iter().filter_map(|r| r["overdue"].as_bool()).collect();
    assert_eq!(flags, days.iter().map(|d| *d > 0).collect::<Vec<_>>());
    let late_today: Vec<i64> = plan_today
        .iter()
        .filter_map(|i| i["daysOverdue"].as_i64())
        .collect();
    assert_eq!(
        late_today,
        vec![55, 54, 25, 24, 0, 0, 0, 0],
        "a plan counts to today (2026-11-25)"
    );
    let flags_today: Vec<bool> = plan_today
        .iter()
        .filter_map(|i| i["overdue"].as_bool())
        .collect();
    assert_eq!(
        flags_today,
        [true, true, true, true, false, false, false, false]
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn receivables_follow_visibility_and_only_finance_writes() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let outsider = app.a_user().create().await;
    let customer = customer(&app, &books, "Visible Co").await;
    let contract = approved(&app, &books, &customer, "500").await;
    let plan = installments(
        &set_plan(
            &app,
            &books.finance.token,
            &contract,
            json!([{"dueDate": "2026-11-20", "amount": "500"}]),
        )
        .await,
    );
    let list = "{ receivables { totalCount totals { outstanding overdue } } }";
    let queue = "{ receivablesAging(input: {groupBy: CUSTOMER}) { totals { total } } collectionForecast(input: {from: \"2026-11-01\", to: \"2026-12-31\"}) { total months { month expectedAmount installments } } }";

    for (token, count) in [
        (&books.rep.token, 1),
        (&books.manager_token, 1),
        (&books.finance.token, 1),
        (&app.admin_token, 1),
        (&outsider.token, 0),
    ] {
        let body = app.gql(Some(token), list, json!({})).await;
        assert_eq!(body["data"]["receivables"]["totalCount"], count, "{body}");
    }
    let rep_view = app.gql(Some(&books.rep.token), list, json!({})).await;
    let outsider_reports = app.gql(Some(&outsider.token), queue, json!({})).await;
    let finance_reports = app.gql(Some(&books.finance.token), queue, json!({})).await;
    let by_outsider = pay(
        &app,
        &outsider.token,
        json!({"customerId": customer, "amount": "1"}),
    )
    .await;
    let by_manager = pay(
        &app,
        &books.manager_token,
        json!({"customerId": customer, "amount": "1"}),
    )
    .await;
    let waiver_by_rep = app
        .gql(Some(&books.rep.token), "mutation($i: ID!) { requestWaiver(input: {installmentId: $i, amount: \"1\", reason: \"Goodwill\"}) { waiver { id } } }", json!({"i": plan[0]["id"]}))
        .await;
    let ledger_by_finance = app
        .gql(
            Some(&books.finance.token),
            "{ verifyLedger { ok } }",
            json!({}),
        )
        .await;

    assert_eq!(
        rep_view["data"]["receivables"]["totals"],
        json!({"outstanding": "500.00", "overdue": "500.00"})
    );
    assert_eq!(
        outsider_reports["data"]["receivablesAging"]["totals"]["total"],
        "0.00"
    );
    assert_eq!(
        outsider_reports["data"]["collectionForecast"]["total"],
        "0.00"
    );
    assert_eq!(
        finance_reports["data"]["collectionForecast"]["months"],
        json!([{"month": "2026-11", "expectedAmount": "500.00", "installments": 1}])
    );
    assert_eq!(error_code(&by_outsider), Some("FORBIDDEN"));
    assert_eq!(error_code(&by_manager), Some("FORBIDDEN"));
    assert_eq!(error_code(&waiver_by_rep), Some("FORBIDDEN"));
    assert_eq!(
        error_code(&ledger_by_finance),
        Some("FORBIDDEN"),
        "verifyLedger is for admins"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn receivables_filter_by_customer_owner_team_region_and_due_dates() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let land = territories(&app).await;
    let due_dates = |filter: Value| {
        let app = &app;
        let token = land.east.finance.token.clone();
        async move {
            let body = app
                .gql(Some(&token), "query($f: ReceivableFilter) { receivables(filter: $f) { totalCount nodes { dueDate } } }", json!({"f": filter}))
                .await;
            let mut dates: Vec<String> = body["data"]["receivables"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{filter}: {body}"))
                .iter()
                .filter_map(|n| n["dueDate"].as_str().map(str::to_owned))
                .collect();
            dates.sort();
            dates
        }
    };

    let cases = [
        (
            json!({"customerId": land.east_customer}),
            vec!["2026-11-01", "2026-12-01"],
        ),
        (
            json!({"customerId": land.plain_customer}),
            vec!["2027-01-01"],
        ),
        (
            json!({"customerId": land.west_customer}),
            vec!["2026-12-15"],
        ),
        (json!({"ownerId": land.north.rep.id}), vec!["2026-12-15"]),
        (
            json!({"ownerId": land.east.rep.id}),
            vec!["2026-11-01", "2026-12-01", "2027-01-01"],
        ),
        (
            json!({"teamId": land.east_team}),
            vec!["2026-11-01", "2026-12-01", "2027-01-01"],
        ),
        (json!({"teamId": land.north_team}), vec!["2026-12-15"]),
        (json!({"region": "East"}), vec!["2026-11-01", "2026-12-01"]),
        (json!({"region": "West"}), vec!["2026-12-15"]),
        (
            json!({"dueFrom": "2026-12-01"}),
            vec!["2026-12-01", "2026-12-15", "2027-01-01"],
        ),
        (
            json!({"dueTo": "2026-12-01"}),
            vec!["2026-11-01", "2026-12-01"],
        ),
        (
            json!({"dueFrom": "2026-12-02", "dueTo": "2026-12-31"}),
            vec!["2026-12-15"],
        ),
        (
            json!({"region": "East", "dueFrom": "2026-11-02"}),
            vec!["2026-12-01"],
        ),
    ];

    for (filter, expected) in cases {
        assert_eq!(due_dates(filter.clone()).await, expected, "{filter}");
    }
    let by_north_rep = app
        .gql(
            Some(&land.north.rep.token),
            "query($c: ID!) { receivables(filter: {customerId: $c}) { totalCount } }",
            json!({"c": land.east_customer}),
        )
        .await;
    assert_eq!(
        by_north_rep["data"]["receivables"]["totalCount"], 0,
        "filters never widen visibility"
    );
    ledger_holds(&app).await;
}
