//! Daily and weekly reports: the draft counted from a rep's day, submission and its retries
//! and revisions, the manager's evening (the team's reports, who is missing, comments), who
//! may read them, and the missing-report reminder across time zones and instances.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::fixtures::at;
use crate::helpers::*;

const REPORT: &str = "id kind from to timeZone submitted summary plans problems version submittedAt \
    owner { id } comments { body author { id } } \
    facts { visitsDone visitsMissed followUpsLogged dealsMoved activitiesDone collected dailyReportsSubmitted }";

async fn my_daily(app: &TestApp, token: &str, date: Option<&str>) -> Value {
    let query = format!("query($d: Date) {{ myDailyReport(date: $d) {{ {REPORT} }} }}");
    app.gql(Some(token), &query, json!({"d": date})).await
}

async fn submit_daily(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: SubmitDailyReportInput!) {{ submitDailyReport(input: $input) {{ report {{ {REPORT} }} }} }}"
    );
    app.gql(Some(token), &query, json!({"input": input})).await
}

fn report_of(body: &Value, name: &str) -> Value {
    let report = if name.starts_with("submit") {
        body["data"][name]["report"].clone()
    } else {
        body["data"][name].clone()
    };
    assert!(report.is_object(), "{body}");
    report
}

async fn listed(app: &TestApp, token: &str, list: &str, filter: Value) -> Value {
    let query = format!(
        "query($f: WorkReportFilter) {{ {list}(filter: $f, first: 50) {{ totalCount nodes {{ {REPORT} }} }} }}"
    );
    app.gql(Some(token), &query, json!({"f": filter})).await
}

fn owners(body: &Value, list: &str) -> Vec<String> {
    let mut ids: Vec<String> = body["data"][list]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["owner"]["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    ids.sort();
    ids
}

async fn comment(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        "mutation($input: CommentOnReportInput!) { commentOnReport(input: $input) { comment { id body author { id } } report { id comments { body } } } }",
        json!({"input": input}),
    )
    .await
}

async fn notices(app: &TestApp, token: &str, prefix: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            "{ notifications(first: 50) { nodes { kind title subject { __typename ... on WorkReport { id } } } } }",
            json!({}),
        )
        .await;
    body["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|n| {
            n["kind"]
                .as_str()
                .is_some_and(|k| k.starts_with(prefix) || k.contains(prefix))
        })
        .cloned()
        .collect()
}

fn now(app: &TestApp) -> DateTime<Utc> {
    salesgraph::clock::Clock::now(&app.clock)
}

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.gql(Some(token), query, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body
}

/// A customer at People's Square, Shanghai.
async fn a_located_customer(app: &TestApp, token: &str, name: &str) -> String {
    let body = ok(
        app,
        token,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
        json!({"input": {"name": name, "location": {"lat": 31.2304, "lng": 121.4737}}}),
    )
    .await;
    string_at(&body, &["data", "createCustomer", "customer", "id"])
}

async fn plan_visit(app: &TestApp, token: &str, customer: &str, start: DateTime<Utc>) -> String {
    let body = ok(
        app,
        token,
        "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
        json!({"input": {"customerId": customer, "purpose": "Walk the site",
            "plannedStart": start, "plannedEnd": start + chrono::Duration::hours(1)}}),
    )
    .await;
    string_at(&body, &["data", "planVisit", "visit", "id"])
}

#[tokio::test]
async fn a_rep_s_day_drafts_the_report_which_is_submitted_once_and_revised_at_its_version() {
    let app = TestApp::spawn_at(at("2026-12-02T02:00:00Z")).await;
    crate::fixtures::without_playbook(&app).await;
    let books = crate::fixtures::books(&app).await;
    let customer = a_located_customer(&app, &books.rep.token, "Daily Co").await;
    // Yesterday's visit nobody made.
    plan_visit(
        &app,
        &books.rep.token,
        &customer,
        at("2026-12-02T03:00:00Z"),
    )
    .await;

    // Thursday 3 December, 10:00 in Shanghai.
    app.clock.set(at("2026-12-03T02:00:00Z"));
    salesgraph::visits::missed::mark_missed(&app.state, now(&app))
        .await
        .unwrap();
    let rep = app.token_for(&books.rep).await;
    let finance = app.token_for(&books.finance).await;
    let visit = plan_visit(&app, &rep, &customer, at("2026-12-03T02:05:00Z")).await;
    app.clock.advance(chrono::Duration::minutes(6));
    ok(&app, &rep, "mutation($input: CheckInVisitInput!) { checkInVisit(input: $input) { visit { id } } }",
        json!({"input": {"id": visit, "location": {"lat": 31.2304, "lng": 121.4737, "accuracyMeters": 10.0}, "deviceTime": now(&app)}})).await;
    app.clock.advance(chrono::Duration::minutes(2));
    ok(&app, &rep, "mutation($input: CheckOutVisitInput!) { checkOutVisit(input: $input) { visit { status } } }",
        json!({"input": {"id": visit, "summary": "Walked the site", "outcome": "POSITIVE", "deviceTime": now(&app)}})).await;
    ok(
        &app,
        &rep,
        "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
        json!({"input": {"subjectId": customer, "kind": "CALL", "content": "Called the buyer"}}),
    )
    .await;
    let deal = ok(&app, &rep, "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version } } }",
        json!({"input": {"customerId": customer, "name": "Fleet", "amount": "5000", "expectedCloseDate": "2026-12-31"}})).await;
    let deal = &deal["data"]["createOpportunity"]["opportunity"];
    let stages = ok(&app, &rep, "{ pipelineStages { id kind } }", json!({})).await;
    let second = stages["data"]["pipelineStages"][1]["id"].clone();
    ok(&app, &rep, "mutation($input: MoveOpportunityStageInput!) { moveOpportunityStage(input: $input) { opportunity { id } } }",
        json!({"input": {"id": deal["id"], "stageId": second, "expectedVersion": deal["version"]}})).await;
    let todo = ok(&app, &rep, "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id version } } }",
        json!({"input": {"kind": "CALL", "subjectId": customer, "title": "Confirm the order", "dueAt": "2026-12-03T09:00:00Z"}})).await;
    ok(&app, &rep, "mutation($input: CompleteActivityInput!) { completeActivity(input: $input) { activity { done } } }",
        json!({"input": {"id": todo["data"]["createActivity"]["activity"]["id"]}})).await;
    let paid = crate::fixtures::pay(
        &app,
        &finance,
        json!({"customerId": customer, "amount": "70.50", "receivedDate": "2026-12-03"}),
    )
    .await;
    crate::fixtures::payment_of(&paid);

    let draft = report_of(&my_daily(&app, &rep, None).await, "myDailyReport");
    assert_eq!(
        (
            draft["kind"].clone(),
            draft["from"].clone(),
            draft["to"].clone(),
            draft["timeZone"].clone(),
            draft["submitted"].clone(),
            draft["summary"].clone(),
            draft["version"].clone(),
            draft["owner"]["id"].clone(),
        ),
        (
            json!("DAILY"),
            json!("2026-12-03"),
            json!("2026-12-03"),
            json!("Asia/Shanghai"),
            json!(false),
            Value::Null,
            Value::Null,
            json!(books.rep.id),
        )
    );
    // The check-out logged a follow-up of its own beside the call.
    assert_eq!(
        draft["facts"],
        json!({"visitsDone": 1, "visitsMissed": 0, "followUpsLogged": 2, "dealsMoved": 1,
            "activitiesDone": 1, "collected": "70.50", "dailyReportsSubmitted": null})
    );
    let yesterday = report_of(
        &my_daily(&app, &rep, Some("2026-12-02")).await,
        "myDailyReport",
    );
    assert_eq!(
        (
            yesterday["facts"]["visitsMissed"].clone(),
            yesterday["facts"]["visitsDone"].clone()
        ),
        (json!(1), json!(0))
    );

    let input = json!({"date": "2026-12-03", "summary": "Good site walk at Daily Co",
        "plans": "Send the quote", "problems": "Needs a discount approval"});
    let submitted = report_of(
        &submit_daily(&app, &rep, input.clone()).await,
        "submitDailyReport",
    );
    assert_eq!(
        (
            submitted["id"].clone(),
            submitted["submitted"].clone(),
            submitted["version"].clone(),
            submitted["summary"].clone(),
            submitted["plans"].clone(),
            submitted["facts"].clone(),
        ),
        (
            draft["id"].clone(),
            json!(true),
            json!(1),
            json!("Good site walk at Daily Co"),
            json!("Send the quote"),
            draft["facts"].clone(),
        ),
        "the draft's id and numbers"
    );
    // A retry (the same text) answers the report as it is.
    let retried = report_of(
        &submit_daily(&app, &rep, input.clone()).await,
        "submitDailyReport",
    );
    assert_eq!(retried, submitted);

    // What happens later no longer changes the submitted numbers.
    ok(
        &app,
        &rep,
        "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
        json!({"input": {"subjectId": customer, "kind": "NOTE", "content": "Evening note"}}),
    )
    .await;
    let read = report_of(&my_daily(&app, &rep, None).await, "myDailyReport");
    assert_eq!(read, submitted);

    // Other text without the version is an offline edit racing a newer one.
    let mut edited = input.clone();
    edited["summary"] = json!("Rewritten offline");
    let stale = submit_daily(&app, &rep, edited.clone()).await;
    assert_eq!(
        code_and_field(&stale),
        (Some("CONFLICT"), Some("input.expectedVersion")),
        "{stale}"
    );
    edited["expectedVersion"] = json!(1);
    let revised = report_of(
        &submit_daily(&app, &rep, edited.clone()).await,
        "submitDailyReport",
    );
    assert_eq!(
        (
            revised["version"].clone(),
            revised["summary"].clone(),
            revised["submittedAt"].clone(),
            revised["facts"]["followUpsLogged"].clone(),
        ),
        (
            json!(2),
            json!("Rewritten offline"),
            submitted["submittedAt"].clone(),
            json!(3)
        ),
        "a revision counts again and keeps the first submission time"
    );
    edited["summary"] = json!("Third try at version 1");
    assert_eq!(
        error_code(&submit_daily(&app, &rep, edited).await),
        Some("CONFLICT")
    );

    // Node refetch.
    let node = ok(
        &app,
        &rep,
        "query($id: ID!) { node(id: $id) { __typename ... on WorkReport { summary } } }",
        json!({"id": submitted["id"]}),
    )
    .await;
    assert_eq!(
        node["data"]["node"],
        json!({"__typename": "WorkReport", "summary": "Rewritten offline"})
    );
}

#[tokio::test]
async fn reports_of_days_not_begun_or_long_gone_and_bad_text_are_refused() {
    let app = TestApp::spawn_at(at("2026-12-03T02:00:00Z")).await;
    let rep = app.a_user().create().await;
    let base = json!({"date": "2026-12-03", "summary": "Fine"});
    let cases = [
        (json!({"date": "2026-12-04"}), "input.date"),
        (json!({"date": "2026-10-30"}), "input.date"),
        (json!({"summary": "   "}), "input.summary"),
        (json!({"summary": "x".repeat(4001)}), "input.summary"),
        (json!({"plans": "p".repeat(4001)}), "input.plans"),
        (json!({"problems": "p".repeat(4001)}), "input.problems"),
    ];
    for (change, field) in cases {
        let mut input = base.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let body = submit_daily(&app, &rep.token, input).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }
    // Tomorrow in Shanghai is already today in Auckland: each rep's own zone decides.
    let kiwi = app.a_user().timezone("Pacific/Auckland").create().await;
    let body = submit_daily(
        &app,
        &kiwi.token,
        json!({"date": "2026-12-03", "summary": "Done"}),
    )
    .await;
    assert_eq!(
        report_of(&body, "submitDailyReport")["timeZone"],
        "Pacific/Auckland"
    );
    let ahead = my_daily(&app, &rep.token, Some("2026-12-04")).await;
    assert_eq!(
        code_and_field(&ahead),
        (Some("BAD_USER_INPUT"), Some("date"))
    );
    let weekly = app
        .gql(
            Some(&rep.token),
            "{ myWeeklyReport(week: \"2026-12-07\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        code_and_field(&weekly),
        (Some("BAD_USER_INPUT"), Some("week"))
    );
    // Nothing was stored by the refusals.
    let mine = listed(&app, &rep.token, "dailyReports", json!({})).await;
    assert_eq!(mine["data"]["dailyReports"]["totalCount"], 0, "{mine}");
    // Finance and admins write no reports.
    let finance = app.a_user().role("FINANCE").create().await;
    for token in [finance.token.as_str(), app.admin_token.as_str()] {
        assert_eq!(
            error_code(&submit_daily(&app, token, base.clone()).await),
            Some("FORBIDDEN")
        );
    }
}

#[tokio::test]
async fn a_manager_reads_the_team_s_reports_sees_who_is_missing_and_comments() {
    let app = TestApp::spawn_at(at("2026-12-03T11:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("North", Some(&manager.id)).await;
    let ann = app.a_user().in_team(&team).create().await;
    let bob = app.a_user().in_team(&team).create().await;
    let cid = app.a_user().in_team(&team).create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let south = app.a_team("South", Some(&other_manager.id)).await;
    let dan = app.a_user().in_team(&south).create().await;
    let finance = app.a_user().role("FINANCE").create().await;

    let submit = |user: TestUser, summary: &'static str| {
        let app = &app;
        async move {
            report_of(
                &submit_daily(
                    app,
                    &user.token,
                    json!({"date": "2026-12-03", "summary": summary}),
                )
                .await,
                "submitDailyReport",
            )
        }
    };
    let anns = submit(ann.clone(), "Ann's day").await;
    submit(dan.clone(), "Dan's day").await;

    let team_view = listed(
        &app,
        &manager.token,
        "dailyReports",
        json!({"date": "2026-12-03"}),
    )
    .await;
    assert_eq!(owners(&team_view, "dailyReports"), sorted(&[&ann.id]));
    let missing = listed(
        &app,
        &manager.token,
        "dailyReports",
        json!({"date": "2026-12-03", "submitted": false}),
    )
    .await;
    assert_eq!(
        owners(&missing, "dailyReports"),
        sorted(&[&bob.id, &cid.id]),
        "{missing}"
    );
    let bobs_draft = missing["data"]["dailyReports"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["owner"]["id"] == bob.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (
            bobs_draft["submitted"].clone(),
            bobs_draft["facts"]["visitsDone"].clone()
        ),
        (json!(false), json!(0))
    );
    let bobs_own = report_of(&my_daily(&app, &bob.token, None).await, "myDailyReport");
    assert_eq!(bobs_own["id"], bobs_draft["id"], "one id for one report");
    let undated = listed(
        &app,
        &manager.token,
        "dailyReports",
        json!({"submitted": false}),
    )
    .await;
    assert_eq!(
        code_and_field(&undated),
        (Some("BAD_USER_INPUT"), Some("filter.date"))
    );
    // Admins see every team; a rep only their own; finance none.
    let all = listed(&app, &app.admin_token, "dailyReports", json!({})).await;
    assert_eq!(owners(&all, "dailyReports"), sorted(&[&ann.id, &dan.id]));
    let own = listed(&app, &bob.token, "dailyReports", json!({})).await;
    assert!(owners(&own, "dailyReports").is_empty());
    let by_team = listed(
        &app,
        &app.admin_token,
        "dailyReports",
        json!({"teamId": south}),
    )
    .await;
    assert_eq!(owners(&by_team, "dailyReports"), sorted(&[&dan.id]));
    let finance_view = listed(
        &app,
        &finance.token,
        "dailyReports",
        json!({"date": "2026-12-03", "submitted": false}),
    )
    .await;
    assert!(
        owners(&finance_view, "dailyReports").is_empty(),
        "{finance_view}"
    );

    // The manager comments, once however often retried; Ann is told and answers.
    let said = comment(
        &app,
        &manager.token,
        json!({"reportId": anns["id"], "body": "Push the quote tomorrow", "idempotencyKey": "c-1"}),
    )
    .await;
    let again = comment(
        &app,
        &manager.token,
        json!({"reportId": anns["id"], "body": "Push the quote tomorrow", "idempotencyKey": "c-1"}),
    )
    .await;
    assert_eq!(
        said["data"]["commentOnReport"]["comment"]["id"],
        again["data"]["commentOnReport"]["comment"]["id"],
        "{said}"
    );
    let told = notices(&app, &ann.token, "REPORT_COMMENTED").await;
    assert_eq!(told.len(), 1);
    assert_eq!(
        told[0]["subject"],
        json!({"__typename": "WorkReport", "id": anns["id"]})
    );
    comment(
        &app,
        &ann.token,
        json!({"reportId": anns["id"], "body": "Will do"}),
    )
    .await;
    assert_eq!(
        notices(&app, &manager.token, "REPORT_COMMENTED")
            .await
            .len(),
        1
    );
    let read = report_of(&my_daily(&app, &ann.token, None).await, "myDailyReport");
    assert_eq!(
        read["comments"],
        json!([{"body": "Push the quote tomorrow", "author": {"id": manager.id}},
               {"body": "Will do", "author": {"id": ann.id}}])
    );

    // Whoever cannot read a report cannot comment on it, and learns nothing more than from
    // a missing id.
    let unknown = missing_id("WorkReport");
    for token in [&bob.token, &dan.token, &other_manager.token, &finance.token] {
        let refused = comment(&app, token, json!({"reportId": anns["id"], "body": "Nosy"})).await;
        let missing = comment(&app, token, json!({"reportId": unknown, "body": "Nosy"})).await;
        assert_eq!(
            code_and_field(&refused),
            (Some("NOT_FOUND"), Some("input.reportId"))
        );
        assert_eq!(
            refused["errors"][0]["message"],
            missing["errors"][0]["message"]
        );
        let node = app
            .gql(
                Some(token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": anns["id"]}),
            )
            .await;
        assert_eq!(node["data"]["node"], Value::Null);
    }
    // A manager who reads Ann's report writes only their own: submitting makes theirs.
    let managers = report_of(
        &submit_daily(
            &app,
            &manager.token,
            json!({"date": "2026-12-03", "summary": "Team is fine"}),
        )
        .await,
        "submitDailyReport",
    );
    assert_eq!(managers["owner"]["id"], manager.id.as_str());
    assert_ne!(managers["id"], anns["id"]);
    let ann_after = report_of(&my_daily(&app, &ann.token, None).await, "myDailyReport");
    assert_eq!(ann_after["summary"], "Ann's day");
}

#[tokio::test]
async fn the_team_lists_take_the_same_statements_for_one_report_or_many() {
    let app = TestApp::spawn_at(at("2026-12-03T11:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("North", Some(&manager.id)).await;
    let mut reps = Vec::new();
    for _ in 0..4 {
        reps.push(app.a_user().in_team(&team).create().await);
    }
    let count = |filter: Value| {
        let app = &app;
        let token = manager.token.clone();
        async move {
            app.quiet().await;
            app.take_statement_count();
            let body = listed(app, &token, "dailyReports", filter).await;
            assert!(body["errors"].is_null(), "{body}");
            (
                app.take_statement_count(),
                body["data"]["dailyReports"]["nodes"]
                    .as_array()
                    .map_or(0, Vec::len),
            )
        }
    };
    let submitted = json!({"date": "2026-12-03"});
    let missing = json!({"date": "2026-12-03", "submitted": false});
    let first = submit_daily(
        &app,
        &reps[0].token,
        json!({"date": "2026-12-03", "summary": "One"}),
    )
    .await;
    let first = report_of(&first, "submitDailyReport");
    comment(
        &app,
        &manager.token,
        json!({"reportId": first["id"], "body": "x"}),
    )
    .await;
    let (one, n1) = count(submitted.clone()).await;
    let (three_missing, m3) = count(missing.clone()).await;
    for rep in &reps[1..] {
        submit_daily(
            &app,
            &rep.token,
            json!({"date": "2026-12-03", "summary": "More"}),
        )
        .await;
    }
    let (four, n4) = count(submitted).await;
    let (none_missing, m0) = count(missing).await;
    assert_eq!((n1, n4, m3, m0), (1, 4, 3, 0));
    assert_eq!(
        one, four,
        "submitted reports: statements do not grow with rows"
    );
    assert!(
        none_missing <= three_missing,
        "missing reports: {none_missing} vs {three_missing}"
    );
}

#[tokio::test]
async fn the_week_counts_its_days_and_its_daily_reports() {
    let app = TestApp::spawn_at(at("2026-12-02T03:00:00Z")).await;
    let rep = app.a_user().create().await;
    submit_daily(
        &app,
        &rep.token,
        json!({"date": "2026-11-30", "summary": "Monday"}),
    )
    .await;
    submit_daily(
        &app,
        &rep.token,
        json!({"date": "2026-12-01", "summary": "Tuesday"}),
    )
    .await;
    submit_daily(
        &app,
        &rep.token,
        json!({"date": "2026-11-29", "summary": "Last Sunday"}),
    )
    .await;
    let query = format!("query($w: Date) {{ myWeeklyReport(week: $w) {{ {REPORT} }} }}");
    let week = report_of(
        &ok(&app, &rep.token, &query, json!({"w": null})).await,
        "myWeeklyReport",
    );
    assert_eq!(
        (
            week["kind"].clone(),
            week["from"].clone(),
            week["to"].clone(),
            week["facts"]["dailyReportsSubmitted"].clone()
        ),
        (
            json!("WEEKLY"),
            json!("2026-11-30"),
            json!("2026-12-06"),
            json!(2)
        )
    );
    let submit = format!(
        "mutation($input: SubmitWeeklyReportInput!) {{ submitWeeklyReport(input: $input) {{ report {{ {REPORT} }} }} }}"
    );
    let done = ok(&app, &rep.token, &submit, json!({"input": {"week": "2026-12-06", "summary": "A steady week", "plans": "Close Fleet"}})).await;
    let done = report_of(&done, "submitWeeklyReport");
    assert_eq!(
        (
            done["id"].clone(),
            done["submitted"].clone(),
            done["from"].clone()
        ),
        (week["id"].clone(), json!(true), json!("2026-11-30"))
    );
    let weeks = listed(
        &app,
        &rep.token,
        "weeklyReports",
        json!({"date": "2026-12-01"}),
    )
    .await;
    assert_eq!(weeks["data"]["weeklyReports"]["totalCount"], 1, "{weeks}");
    let days = listed(
        &app,
        &rep.token,
        "dailyReports",
        json!({"from": "2026-11-30", "to": "2026-12-06"}),
    )
    .await;
    assert_eq!(days["data"]["dailyReports"]["totalCount"], 2);
    let next = app
        .gql(
            Some(&rep.token),
            &submit,
            json!({"input": {"week": "2026-12-07", "summary": "Too soon"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&next),
        (Some("BAD_USER_INPUT"), Some("input.week"))
    );
}

#[tokio::test]
async fn a_missing_report_is_reminded_once_after_the_hour_in_each_rep_s_zone() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    app.clock.set(at("2026-12-04T10:00:00Z"));
    let shanghai = app.a_user().create().await;
    let reported = app.a_user().create().await;
    let berlin = app.a_user().timezone("Europe/Berlin").create().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    submit_daily(
        &app,
        &reported.token,
        json!({"date": "2026-12-04", "summary": "Done early"}),
    )
    .await;
    let (_, second) = app.second_instance().await;
    let sweep = |when: &str, state: std::sync::Arc<salesgraph::state::AppState>| {
        let now = at(when);
        async move {
            salesgraph::work_reports::reminders::remind(&state, now)
                .await
                .unwrap()
                .affected
        }
    };
    // Friday 18:59 in Shanghai: not yet.
    assert_eq!(sweep("2026-12-04T10:59:00Z", app.state.clone()).await, 0);
    // 19:00 there (12:00 in Berlin): the day's and the week's, for the rep without a report,
    // once however many instances sweep.
    let (one, two) = tokio::join!(
        sweep("2026-12-04T11:00:00Z", app.state.clone()),
        sweep("2026-12-04T11:00:00Z", second.clone())
    );
    assert_eq!(
        one + two,
        3,
        "Shanghai's daily and weekly, and the reporter's weekly"
    );
    assert_eq!(sweep("2026-12-04T11:30:00Z", second.clone()).await, 0);
    let kinds = |notes: Vec<Value>| {
        let mut kinds: Vec<String> = notes
            .iter()
            .map(|n| n["kind"].as_str().unwrap_or_default().to_owned())
            .collect();
        kinds.sort();
        kinds
    };
    app.clock.set(at("2026-12-04T11:30:00Z"));
    let token = app.token_for(&shanghai).await;
    assert_eq!(
        kinds(notices(&app, &token, "REPORT_MISSING").await),
        vec!["DAILY_REPORT_MISSING", "WEEKLY_REPORT_MISSING"]
    );
    let token = app.token_for(&reported).await;
    assert_eq!(
        kinds(notices(&app, &token, "REPORT_MISSING").await),
        vec!["WEEKLY_REPORT_MISSING"]
    );
    // Berlin's evening comes later; managers are not reminded.
    assert_eq!(sweep("2026-12-04T17:59:00Z", app.state.clone()).await, 0);
    assert_eq!(sweep("2026-12-04T18:00:00Z", app.state.clone()).await, 2);
    app.clock.set(at("2026-12-04T18:01:00Z"));
    let token = app.token_for(&berlin).await;
    assert_eq!(notices(&app, &token, "REPORT_MISSING").await.len(), 2);
    let token = app.token_for(&manager).await;
    assert!(notices(&app, &token, "REPORT_MISSING").await.is_empty());
    // Saturday evening: no workday, no reminder.
    assert_eq!(sweep("2026-12-05T12:00:00Z", app.state.clone()).await, 0);
}

#[tokio::test]
async fn racing_first_submissions_store_one_report_and_bad_comments_are_refused() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    app.clock.set(at("2026-12-03T11:00:00Z"));
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("North", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let same = json!({"date": "2026-12-03", "summary": "Same text"});
    let (one, two) = tokio::join!(
        submit_daily(&app, &rep.token, same.clone()),
        submit_daily(&app, &rep.token, same.clone())
    );
    let (one, two) = (
        report_of(&one, "submitDailyReport"),
        report_of(&two, "submitDailyReport"),
    );
    assert_eq!(
        (one["id"].clone(), one["version"].clone()),
        (two["id"].clone(), json!(1))
    );
    // Two different first texts for one day: one is stored, the other told it raced.
    let (a, b) = tokio::join!(
        submit_daily(
            &app,
            &rep.token,
            json!({"date": "2026-12-02", "summary": "Phone A"})
        ),
        submit_daily(
            &app,
            &rep.token,
            json!({"date": "2026-12-02", "summary": "Phone B"})
        )
    );
    let mut codes = vec![
        error_code(&a).unwrap_or("OK"),
        error_code(&b).unwrap_or("OK"),
    ];
    codes.sort_unstable();
    assert_eq!(codes, vec!["CONFLICT", "OK"], "{a} {b}");
    let all = listed(&app, &rep.token, "dailyReports", json!({})).await;
    assert_eq!(all["data"]["dailyReports"]["totalCount"], 2);

    let cases = [
        (json!("   "), "input.body"),
        (json!("x".repeat(2001)), "input.body"),
    ];
    for (body, field) in cases {
        let refused = comment(
            &app,
            &manager.token,
            json!({"reportId": one["id"], "body": body}),
        )
        .await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some(field))
        );
    }
    let wrong_kind = comment(
        &app,
        &manager.token,
        json!({"reportId": rep.id, "body": "Hi"}),
    )
    .await;
    assert_eq!(
        code_and_field(&wrong_kind),
        (Some("BAD_USER_INPUT"), Some("input.reportId"))
    );
    let read = report_of(&my_daily(&app, &rep.token, None).await, "myDailyReport");
    assert_eq!(read["comments"], json!([]), "nothing half-written");
}
