//! Targets of other metrics than won money: setting them (weekly too), where they make no
//! sense, their allocation per metric, and their achievement in `activityReport` and
//! `salesPerformance`.

use super::*;

const SET_METRIC: &str = "mutation($input: SetSalesTargetInput!) { setSalesTarget(input: $input) { target { id period scope scopeId metric amount version } } }";
const ACHIEVED: &str = "query($input: ActivityReportInput!) { activityReport(input: $input) { groupId groupName followUps { calls } achievements { metric target actual achievementRate } } }";
const PERFORMED: &str = "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId groupName target wonAmount collectedAmount achievements { metric target actual achievementRate } } }";
const METRIC_ALLOCATION: &str = "query($input: TargetAllocationInput!) { targetAllocation(input: $input) { metric target childrenTotal difference status children { scopeId target } } }";

async fn set_metric(
    app: &TestApp,
    token: &str,
    period: &str,
    (scope, scope_id): (&str, Option<&str>),
    metric: &str,
    amount: &str,
) -> Value {
    app.gql(
        Some(token),
        SET_METRIC,
        json!({"input": {"period": period, "scope": scope, "scopeId": scope_id, "metric": metric, "amount": amount}}),
    )
    .await
}

fn target_of(body: &Value) -> &Value {
    let target = &body["data"]["setSalesTarget"]["target"];
    assert!(target.is_object(), "{body}");
    target
}

async fn a_lead(app: &TestApp, token: &str, name: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": name, "company": format!("{name} Co"), "source": "WEB_FORM"}}),
        )
        .await;
    string_at(&body, &["data", "createLead", "lead", "id"])
}

async fn call(app: &TestApp, token: &str, subject: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": subject, "kind": "CALL", "content": "Rang"}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

fn row<'a>(body: &'a Value, report: &str, name: &str) -> &'a Value {
    body["data"][report]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|r| r["groupName"] == name)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

#[tokio::test]
async fn counted_targets_show_their_achievement_in_the_activity_report() {
    // Tuesday 1 December 2026, 10:00 in Shanghai: ISO week 49.
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Goals", "East", &manager.id).await;
    let r1 = app.a_user().in_team(&east).name("Goal One").create().await;
    let r2 = app.a_user().in_team(&east).name("Goal Two").create().await;
    let manager_token = app.token_for(&manager).await;
    let week = "2026-W49";
    for (metric, amount) in [
        ("CALLS", "4"),
        ("VISITS", "2"),
        ("NEW_LEADS", "2"),
        ("NEW_CUSTOMERS", "1"),
        ("QUALIFIED_LEADS", "1.0"),
    ] {
        let set = set_metric(
            &app,
            &manager_token,
            week,
            ("USER", Some(&r1.id)),
            metric,
            amount,
        )
        .await;
        assert_eq!(target_of(&set)["metric"], metric, "{set}");
    }
    let team_calls = set_metric(
        &app,
        &manager_token,
        week,
        ("TEAM", Some(&east)),
        "CALLS",
        "10",
    )
    .await;
    assert_eq!(target_of(&team_calls)["amount"], "10", "{team_calls}");

    // R1: two new leads, three calls, one new customer; R2: one call.
    let la = a_lead(&app, &r1.token, "Goal A").await;
    let lb = a_lead(&app, &r1.token, "Goal B").await;
    call(&app, &r1.token, &la).await;
    call(&app, &r1.token, &la).await;
    call(&app, &r1.token, &lb).await;
    crate::fixtures::a_customer(&app, &r1.token, "Goal Co").await;
    let lr2 = a_lead(&app, &r2.token, "Goal C").await;
    call(&app, &r2.token, &lr2).await;

    let by_user = app
        .gql(
            Some(&manager_token),
            ACHIEVED,
            json!({"input": {"period": week, "groupBy": "USER"}}),
        )
        .await;
    assert_eq!(
        row(&by_user, "activityReport", "Goal One")["achievements"],
        json!([
            {"metric": "NEW_CUSTOMERS", "target": "1", "actual": "1", "achievementRate": 1.0},
            {"metric": "VISITS", "target": "2", "actual": "0", "achievementRate": 0.0},
            {"metric": "CALLS", "target": "4", "actual": "3", "achievementRate": 0.75},
            {"metric": "NEW_LEADS", "target": "2", "actual": "2", "achievementRate": 1.0},
            {"metric": "QUALIFIED_LEADS", "target": "1", "actual": "0", "achievementRate": 0.0},
        ]),
        "{by_user}"
    );
    assert_eq!(
        row(&by_user, "activityReport", "Goal Two")["achievements"],
        json!([]),
        "no targets, no achievements: {by_user}"
    );
    let by_team = app
        .gql(
            Some(&manager_token),
            ACHIEVED,
            json!({"input": {"period": week, "groupBy": "TEAM"}}),
        )
        .await;
    assert_eq!(
        row(&by_team, "activityReport", "East Goals")["achievements"],
        json!([{"metric": "CALLS", "target": "10", "actual": "4", "achievementRate": 0.4}]),
        "{by_team}"
    );
    // A week's targets are not the month's.
    let month = app
        .gql(
            Some(&manager_token),
            ACHIEVED,
            json!({"input": {"period": "2026-12", "groupBy": "USER"}}),
        )
        .await;
    assert_eq!(
        row(&month, "activityReport", "Goal One")["achievements"],
        json!([]),
        "{month}"
    );
    // The rep sees their own achievement.
    let own = app
        .gql(
            Some(&r1.token),
            ACHIEVED,
            json!({"input": {"period": week, "groupBy": "USER"}}),
        )
        .await;
    assert_eq!(
        row(&own, "activityReport", "Goal One")["achievements"][2]["actual"],
        "3",
        "{own}"
    );
}

#[tokio::test]
async fn money_targets_of_both_kinds_show_in_sales_performance() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let (books, team_id) = crate::fixtures::books_of_team(&app, "Money Goals").await;
    crate::fixtures::without_playbook(&app).await;
    let customer = crate::fixtures::customer(&app, &books, "Paying Co").await;
    let (won, version) = deal(&app, &books.rep.token, &customer, "300", "2026-12-20").await;
    close(&app, &books.rep.token, &won, version, true).await;
    let contract = crate::fixtures::approved(&app, &books, &customer, "300").await;
    crate::fixtures::set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-12-10", "amount": "300"}]),
    )
    .await;
    let paid = crate::fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "contractId": contract, "amount": "120.50", "receivedDate": "2026-12-01"}),
    )
    .await;
    assert!(paid["errors"].is_null(), "{paid}");
    let manager = &books.manager_token;
    for (metric, amount) in [("WON_AMOUNT", "600"), ("COLLECTED_AMOUNT", "241")] {
        let set = set_metric(
            &app,
            manager,
            "2026-12",
            ("TEAM", Some(&team_id)),
            metric,
            amount,
        )
        .await;
        assert_eq!(target_of(&set)["metric"], metric, "{set}");
    }
    let by_team = app
        .gql(
            Some(manager),
            PERFORMED,
            json!({"input": {"period": "2026-12", "groupBy": "TEAM"}}),
        )
        .await;
    let row = row(&by_team, "salesPerformance", "Money Goals");
    assert_eq!(
        (&row["target"], &row["wonAmount"], &row["collectedAmount"]),
        (&json!("600.00"), &json!("300.00"), &json!("120.50")),
        "{by_team}"
    );
    assert_eq!(
        row["achievements"],
        json!([
            {"metric": "WON_AMOUNT", "target": "600.00", "actual": "300.00", "achievementRate": 0.5},
            {"metric": "COLLECTED_AMOUNT", "target": "241.00", "actual": "120.50", "achievementRate": 0.5},
        ]),
        "{by_team}"
    );
}

#[tokio::test]
async fn metrics_are_checked_kept_apart_and_allocated_on_their_own() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let north = team(&app, "North Goals", "North", &manager.id).await;
    let r1 = app.a_user().in_team(&north).create().await;
    let r2 = app.a_user().in_team(&north).create().await;
    let manager_token = app.token_for(&manager).await;
    let admin = app.admin_token.clone();

    // One subject and period holds a target per metric, each with its own version.
    let won = set(
        &app,
        &manager_token,
        "2026-W50",
        "TEAM",
        Some(&north),
        "5000",
    )
    .await;
    let calls = set_metric(
        &app,
        &manager_token,
        "2026-W50",
        ("TEAM", Some(&north)),
        "CALLS",
        "30",
    )
    .await;
    let calls_again = set_metric(
        &app,
        &manager_token,
        "2026-W50",
        ("TEAM", Some(&north)),
        "CALLS",
        "25",
    )
    .await;
    let won = &won["data"]["setSalesTarget"]["target"];
    assert_ne!(won["id"], target_of(&calls)["id"], "{calls}");
    assert_eq!(
        (
            &target_of(&calls_again)["id"],
            &target_of(&calls_again)["version"],
            &won["version"]
        ),
        (&target_of(&calls)["id"], &json!(2), &json!(1)),
        "{calls_again}"
    );
    for (rep, amount) in [(&r1, "12"), (&r2, "8")] {
        let set = set_metric(
            &app,
            &manager_token,
            "2026-W50",
            ("USER", Some(&rep.id)),
            "CALLS",
            amount,
        )
        .await;
        target_of(&set);
    }
    let allocation = app
        .gql(
            Some(&manager_token),
            METRIC_ALLOCATION,
            json!({"input": {"period": "2026-W50", "scope": "TEAM", "scopeId": north, "metric": "CALLS"}}),
        )
        .await;
    let mut found = allocation["data"]["targetAllocation"].clone();
    let mut children = found["children"]
        .as_array()
        .unwrap_or_else(|| panic!("{allocation}"))
        .clone();
    children.sort_by_key(|c| c["target"].as_str().map(str::to_owned));
    found["children"] = json!(children);
    assert_eq!(
        found,
        json!({"metric": "CALLS", "target": "25", "childrenTotal": "20", "difference": "5",
            "status": "UNDER_ALLOCATED",
            "children": [{"scopeId": r1.id, "target": "12"}, {"scopeId": r2.id, "target": "8"}]}),
        "{allocation}"
    );
    let money = app
        .gql(
            Some(&manager_token),
            METRIC_ALLOCATION,
            json!({"input": {"period": "2026-W50", "scope": "TEAM", "scopeId": north}}),
        )
        .await;
    assert_eq!(
        (
            &money["data"]["targetAllocation"]["metric"],
            &money["data"]["targetAllocation"]["target"],
            &money["data"]["targetAllocation"]["childrenTotal"],
            &money["data"]["targetAllocation"]["status"]
        ),
        (
            &json!("WON_AMOUNT"),
            &json!("5000.00"),
            &json!("0.00"),
            &json!("UNDER_ALLOCATED")
        ),
        "{money}"
    );
    let listed = app
        .gql(
            Some(&manager_token),
            "query($f: SalesTargetFilter) { salesTargets(filter: $f) { metric amount } }",
            json!({"f": {"period": "2026-W50", "metric": "CALLS", "scope": "TEAM"}}),
        )
        .await;
    assert_eq!(
        listed["data"]["salesTargets"],
        json!([{"metric": "CALLS", "amount": "25"}]),
        "{listed}"
    );

    // A rep reads their own counted target but may not change it.
    let own = app
        .gql(
            Some(&r1.token),
            "query($f: SalesTargetFilter) { salesTargets(filter: $f) { scopeId metric amount } }",
            json!({"f": {"period": "2026-W50", "scope": "USER"}}),
        )
        .await;
    assert_eq!(
        own["data"]["salesTargets"],
        json!([{"scopeId": r1.id, "metric": "CALLS", "amount": "12"}]),
        "{own}"
    );
    let refused = [
        (
            set_metric(
                &app,
                &r1.token,
                "2026-W50",
                ("USER", Some(&r1.id)),
                "CALLS",
                "1",
            )
            .await,
            ("FORBIDDEN", None),
        ),
        // Visits and calls are goals for people and teams, not regions or the company.
        (
            set_metric(&app, &admin, "2026-W50", ("COMPANY", None), "VISITS", "100").await,
            ("BAD_USER_INPUT", Some("input.metric")),
        ),
        (
            set_metric(
                &app,
                &admin,
                "2026-W50",
                ("REGION", Some("North")),
                "CALLS",
                "100",
            )
            .await,
            ("BAD_USER_INPUT", Some("input.metric")),
        ),
        // Counts are whole, not negative and bounded; money keeps two decimals.
        (
            set_metric(
                &app,
                &manager_token,
                "2026-W50",
                ("USER", Some(&r1.id)),
                "VISITS",
                "2.5",
            )
            .await,
            ("BAD_USER_INPUT", Some("input.amount")),
        ),
        (
            set_metric(
                &app,
                &manager_token,
                "2026-W50",
                ("USER", Some(&r1.id)),
                "NEW_LEADS",
                "-3",
            )
            .await,
            ("BAD_USER_INPUT", Some("input.amount")),
        ),
        (
            set_metric(
                &app,
                &manager_token,
                "2026-W50",
                ("USER", Some(&r1.id)),
                "NEW_CUSTOMERS",
                "10000000000",
            )
            .await,
            ("BAD_USER_INPUT", Some("input.amount")),
        ),
        (
            set_metric(
                &app,
                &admin,
                "2026-W50",
                ("COMPANY", None),
                "COLLECTED_AMOUNT",
                "1.005",
            )
            .await,
            ("BAD_USER_INPUT", Some("input.amount")),
        ),
        (
            set_metric(
                &app,
                &admin,
                "2027-W53",
                ("COMPANY", None),
                "NEW_LEADS",
                "5",
            )
            .await,
            ("BAD_USER_INPUT", Some("input.period")),
        ),
    ];
    for (body, (code, field)) in &refused {
        assert_eq!(code_and_field(body), (Some(*code), *field), "{body}");
    }
    // Nothing refused was written.
    let all = app
        .admin(
            "query($f: SalesTargetFilter) { salesTargets(filter: $f) { metric } }",
            json!({"f": {"period": "2026-W50"}}),
        )
        .await;
    assert_eq!(
        all["data"]["salesTargets"].as_array().map(Vec::len),
        Some(4),
        "{all}"
    );
    // Region and company targets of the other counted metrics are fine.
    let company_leads = set_metric(
        &app,
        &admin,
        "2026-W50",
        ("COMPANY", None),
        "QUALIFIED_LEADS",
        "40",
    )
    .await;
    assert_eq!(target_of(&company_leads)["amount"], "40", "{company_leads}");
}
