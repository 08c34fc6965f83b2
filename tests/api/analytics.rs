//! Targets and the manager's numbers, against hand-computed fixtures.

use chrono::Duration;
use serde_json::{Value, json};

use crate::contracts::at;
use crate::helpers::*;

const SET: &str = "mutation($input: SetSalesTargetInput!) { setSalesTarget(input: $input) { target { id period scope scopeId amount version } } }";
const ALLOCATION: &str = "query($input: TargetAllocationInput!) { targetAllocation(input: $input) { target childrenTotal difference status children { scope scopeId label target } } }";
const PERFORMANCE: &str = "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId groupName target wonAmount achievementRate collectedAmount pipelineAmount weightedPipelineAmount pipelineCoverage winRate winRateByAmount avgDealSize avgSalesCycleDays leadConversionRate visitsCompleted onSiteRate } }";

async fn team(app: &TestApp, name: &str, region: &str, manager: &str) -> String {
    let body = app
        .admin(
            "mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }",
            json!({"input": {"name": name, "region": region, "managerId": manager}}),
        )
        .await;
    body["data"]["createTeam"]["team"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn set(
    app: &TestApp,
    token: &str,
    period: &str,
    scope: &str,
    scope_id: Option<&str>,
    amount: &str,
) -> Value {
    app.gql(
        Some(token),
        SET,
        json!({"input": {"period": period, "scope": scope, "scopeId": scope_id, "amount": amount}}),
    )
    .await
}

#[tokio::test]
async fn targets_are_set_by_the_right_roles_and_allocations_show_imbalance() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let east_manager = app.a_user().role("SALES_MANAGER").create().await;
    let west_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East One", "East", &east_manager.id).await;
    let west = team(&app, "West One", "West", &west_manager.id).await;
    let ann = app.a_user().in_team(&east).create().await;
    let bob = app.a_user().in_team(&east).create().await;
    let cid = app.a_user().in_team(&west).create().await;
    let east_token = app.token_for(&east_manager).await;
    let admin = app.admin_token.clone();

    let company = set(&app, &admin, "2026-Q4", "COMPANY", None, "1000000").await;
    set(&app, &admin, "2026-Q4", "REGION", Some("East"), "600000").await;
    set(&app, &admin, "2026-Q4", "REGION", Some("West"), "300000").await;
    let team_target = set(&app, &east_token, "2026-Q4", "TEAM", Some(&east), "250000").await;
    set(
        &app,
        &east_token,
        "2026-Q4",
        "USER",
        Some(&ann.id),
        "150000",
    )
    .await;
    set(
        &app,
        &east_token,
        "2026-Q4",
        "USER",
        Some(&bob.id),
        "100000",
    )
    .await;
    let changed = set(
        &app,
        &east_token,
        "2026-Q4",
        "USER",
        Some(&bob.id),
        "120000",
    )
    .await;
    let stale = app
        .gql(
            Some(&east_token),
            SET,
            json!({"input": {"period": "2026-Q4", "scope": "USER", "scopeId": bob.id, "amount": "1", "expectedVersion": 1}}),
        )
        .await;
    let refused = [
        (
            set(&app, &east_token, "2026-Q4", "COMPANY", None, "1").await,
            "FORBIDDEN",
            None,
        ),
        (
            set(&app, &east_token, "2026-Q4", "REGION", Some("East"), "1").await,
            "FORBIDDEN",
            None,
        ),
        (
            set(&app, &east_token, "2026-Q4", "TEAM", Some(&west), "1").await,
            "FORBIDDEN",
            None,
        ),
        (
            set(&app, &east_token, "2026-Q4", "USER", Some(&cid.id), "1").await,
            "FORBIDDEN",
            None,
        ),
        (
            set(&app, &ann.token, "2026-Q4", "USER", Some(&ann.id), "1").await,
            "FORBIDDEN",
            None,
        ),
        (
            set(&app, &admin, "2026-Q5", "COMPANY", None, "1").await,
            "BAD_USER_INPUT",
            Some("input.period"),
        ),
        (
            set(&app, &admin, "2026-11", "COMPANY", None, "-1").await,
            "BAD_USER_INPUT",
            Some("input.amount"),
        ),
        (
            set(&app, &admin, "2026-11", "TEAM", None, "1").await,
            "BAD_USER_INPUT",
            Some("input.scopeId"),
        ),
    ];
    let allocation = |scope: &str, scope_id: Option<&str>| json!({"input": {"period": "2026-Q4", "scope": scope, "scopeId": scope_id}});
    let company_view = app
        .gql(Some(&admin), ALLOCATION, allocation("COMPANY", None))
        .await;
    let team_view = app
        .gql(
            Some(&east_token),
            ALLOCATION,
            allocation("TEAM", Some(&east)),
        )
        .await;
    let region_view = app
        .gql(Some(&admin), ALLOCATION, allocation("REGION", Some("West")))
        .await;
    let other_team = app
        .gql(
            Some(&east_token),
            ALLOCATION,
            allocation("TEAM", Some(&west)),
        )
        .await;
    let ann_targets = app
        .gql(
            Some(&ann.token),
            "{ salesTargets(filter: {period: \"2026-Q4\"}) { scope scopeId amount } }",
            json!({}),
        )
        .await;

    assert_eq!(
        company["data"]["setSalesTarget"]["target"]["amount"], "1000000.00",
        "{company}"
    );
    assert_eq!(
        team_target["data"]["setSalesTarget"]["target"]["scopeId"],
        east.as_str()
    );
    assert_eq!(changed["data"]["setSalesTarget"]["target"]["version"], 2);
    assert_eq!(
        error_code(&stale),
        Some("CONFLICT"),
        "an edit based on version 1 overwrites nothing"
    );
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    for (body, code, field) in refused {
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some(code), field),
            "{body}"
        );
    }
    assert_eq!(
        company_view["data"]["targetAllocation"],
        json!({"target": "1000000.00", "childrenTotal": "900000.00", "difference": "100000.00", "status": "UNDER_ALLOCATED",
        "children": [
            {"scope": "REGION", "scopeId": "East", "label": "East", "target": "600000.00"},
            {"scope": "REGION", "scopeId": "West", "label": "West", "target": "300000.00"},
        ]})
    );
    let team_view = &team_view["data"]["targetAllocation"];
    assert_eq!(
        team_view["status"], "OVER_ALLOCATED",
        "150,000 + 120,000 > 250,000"
    );
    assert_eq!(team_view["difference"], "-20000.00");
    assert_eq!(team_view["childrenTotal"], "270000.00");
    assert_eq!(team_view["children"].as_array().unwrap().len(), 2);
    assert_eq!(
        region_view["data"]["targetAllocation"],
        json!({"target": "300000.00", "childrenTotal": "0.00", "difference": "300000.00", "status": "UNDER_ALLOCATED",
            "children": [{"scope": "TEAM", "scopeId": west, "label": "West One", "target": null}]})
    );
    assert_eq!(error_code(&other_team), Some("NOT_FOUND"));
    let scopes: Vec<(String, Value)> = ann_targets["data"]["salesTargets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["scope"].as_str().unwrap().to_owned(), t["amount"].clone()))
        .collect();
    assert_eq!(
        scopes,
        vec![
            ("COMPANY".to_owned(), json!("1000000.00")),
            ("REGION".to_owned(), json!("600000.00")),
            ("REGION".to_owned(), json!("300000.00")),
            ("TEAM".to_owned(), json!("250000.00")),
            ("USER".to_owned(), json!("150000.00")),
        ],
        "a rep sees the company, the regions, their team and themselves, not Bob"
    );
}

async fn deal(
    app: &TestApp,
    token: &str,
    customer: &str,
    amount: &str,
    close: &str,
) -> (String, i64) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version } } }",
            json!({"input": {"customerId": customer, "name": "Deal", "amount": amount, "expectedCloseDate": close}}),
        )
        .await;
    let deal = &body["data"]["createOpportunity"]["opportunity"];
    (
        deal["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        deal["version"].as_i64().unwrap(),
    )
}

async fn close(app: &TestApp, token: &str, id: &str, version: i64, won: bool) {
    let body = if won {
        app.gql(Some(token), "mutation($id: ID!, $v: Int!) { winOpportunity(input: {id: $id, expectedVersion: $v}) { opportunity { status } } }", json!({"id": id, "v": version})).await
    } else {
        app.gql(Some(token), "mutation($id: ID!, $v: Int!) { loseOpportunity(input: {id: $id, expectedVersion: $v, reason: \"Price\"}) { opportunity { status } } }", json!({"id": id, "v": version})).await
    };
    assert!(body["errors"].is_null(), "{body}");
}

fn close_to(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[tokio::test]
async fn sales_performance_matches_hand_computed_figures_within_visibility() {
    let app = TestApp::spawn_at(at("2026-11-20T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Perf", "East", &manager.id).await;
    let west = team(&app, "West Perf", "West", &other_manager.id).await;
    let r1 = app.a_user().in_team(&east).create().await;
    let r2 = app.a_user().in_team(&east).create().await;
    let r3 = app.a_user().in_team(&west).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let finance2 = app.a_user().role("FINANCE").create().await;
    let c1 = crate::customers::a_customer(&app, &r1.token, "Perf One").await;
    let c2 = crate::customers::a_customer(&app, &r2.token, "Perf Two").await;
    // R2's deal is opened two days before it is won: a two-day sales cycle.
    let (d3, d3_version) = deal(&app, &r2.token, &c2, "200", "2026-11-30").await;
    app.clock.advance(Duration::days(2));
    let (r1t, r2t) = (app.token_for(&r1).await, app.token_for(&r2).await);
    let manager_token = app.token_for(&manager).await;
    let (d1, _) = deal(&app, &r1t, &c1, "1000", "2026-11-30").await;
    let split = app
        .gql(Some(&r1t), "mutation($id: ID!) { setOpportunitySplits(input: {id: $id, expectedVersion: 1, splits: [{userId: \"R1\", percent: \"70\"}, {userId: \"R2\", percent: \"30\"}]}) { opportunity { version } } }"
            .replace("\"R1\"", &format!("\"{}\"", r1.id)).replace("\"R2\"", &format!("\"{}\"", r2.id)).as_str(), json!({"id": d1}))
        .await;
    assert!(split["errors"].is_null(), "{split}");
    close(&app, &r1t, &d1, 2, true).await;
    close(&app, &r2t, &d3, d3_version, true).await;
    let (d2, d2_version) = deal(&app, &r1t, &c1, "500", "2026-11-30").await;
    close(&app, &r1t, &d2, d2_version, false).await;
    deal(&app, &r1t, &c1, "1000", "2026-11-28").await; // open, 10%: pipeline 1000, weighted 100
    // Two leads, one becoming a deal (closing in December: outside the pipeline).
    for (i, converts) in [(0, true), (1, false)] {
        let lead = app
            .gql(Some(&r1t), "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
                json!({"input": {"name": format!("Lead {i}"), "company": format!("Lead Co {i}"), "source": "REFERRAL"}}))
            .await;
        let id = lead["data"]["createLead"]["lead"]["id"].clone();
        if converts {
            app.gql(Some(&r1t), "mutation($id: ID!) { updateLead(input: {id: $id, expectedVersion: 1, status: QUALIFIED}) { lead { id } } }", json!({"id": id})).await;
            let converted = app
                .gql(Some(&r1t), "mutation($id: ID!) { convertLead(input: {id: $id, opportunity: {name: \"From lead\", amount: \"50\", expectedCloseDate: \"2026-12-15\"}}) { opportunity { id } } }", json!({"id": id}))
                .await;
            assert!(converted["errors"].is_null(), "{converted}");
        }
    }
    // A contract of R1 collecting 40.00.
    let books = crate::billing::Books {
        rep: TestUser {
            token: r1t.clone(),
            ..r1.clone()
        },
        manager_token: manager_token.clone(),
        finance: TestUser {
            token: app.token_for(&finance).await,
            ..finance.clone()
        },
        finance2: TestUser {
            token: app.token_for(&finance2).await,
            ..finance2.clone()
        },
    };
    let contract = crate::billing::approved(&app, &books, &c1, "100").await;
    crate::billing::set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-12-01", "amount": "100"}]),
    )
    .await;
    crate::billing::pay(&app, &books.finance.token, json!({"customerId": c1, "contractId": contract, "amount": "40", "receivedDate": "2026-11-22"})).await;
    // One visit made on site.
    let visit = app
        .gql(Some(&r1t), "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"input": {"customerId": c1, "purpose": "Review", "plannedStart": "2026-11-22T03:00:00Z", "plannedEnd": "2026-11-22T04:00:00Z", "location": {"lat": 31.0, "lng": 121.0}}}))
        .await;
    let visit_id = visit["data"]["planVisit"]["visit"]["id"].clone();
    app.gql(Some(&r1t), "mutation($id: ID!, $t: DateTime!) { checkInVisit(input: {id: $id, deviceTime: $t, location: {lat: 31.0, lng: 121.0, accuracyMeters: 5}}) { visit { id } } }", json!({"id": visit_id, "t": app.state.clock.now()})).await;
    app.gql(Some(&r1t), "mutation($id: ID!) { checkOutVisit(input: {id: $id, summary: \"Fine\", outcome: POSITIVE}) { visit { status } } }", json!({"id": visit_id})).await;
    let admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    set(&app, &admin, "2026-11", "USER", Some(&r1.id), "2000").await;
    set(&app, &admin, "2026-11", "TEAM", Some(&east), "3000").await;
    set(&app, &admin, "2026-11", "REGION", Some("East"), "4000").await;
    let input = |group: &str| json!({"input": {"period": "2026-11", "groupBy": group}});

    let by_user = app
        .gql(Some(&manager_token), PERFORMANCE, input("USER"))
        .await;
    let by_team = app
        .gql(Some(&manager_token), PERFORMANCE, input("TEAM"))
        .await;
    let by_region = app.gql(Some(&admin), PERFORMANCE, input("REGION")).await;
    let r3_view = app
        .gql(Some(&app.token_for(&r3).await), PERFORMANCE, input("USER"))
        .await;
    let december = app
        .gql(
            Some(&manager_token),
            PERFORMANCE,
            json!({"input": {"period": "2026-12", "groupBy": "USER"}}),
        )
        .await;

    let rows = by_user["data"]["salesPerformance"]
        .as_array()
        .unwrap_or_else(|| panic!("{by_user}"));
    assert_eq!(
        rows.len(),
        3,
        "R1, R2 and the manager; nobody of the other team"
    );
    let one = &rows[0];
    assert_eq!(one["groupId"], r1.id.as_str());
    assert_eq!(
        (
            one["target"].as_str(),
            one["wonAmount"].as_str(),
            one["collectedAmount"].as_str()
        ),
        (Some("2000.00"), Some("700.00"), Some("40.00")),
        "70% of the 1000 deal; the 40 collected"
    );
    assert!(close_to(&one["achievementRate"], 0.35));
    assert_eq!(
        (
            one["pipelineAmount"].as_str(),
            one["weightedPipelineAmount"].as_str()
        ),
        (Some("1000.00"), Some("100.00"))
    );
    assert!(close_to(&one["pipelineCoverage"], 1000.0 / 1300.0));
    assert!(close_to(&one["winRate"], 0.5), "one won, one lost");
    assert!(close_to(&one["winRateByAmount"], 1000.0 / 1500.0));
    assert_eq!(one["avgDealSize"], "1000.00");
    assert!(close_to(&one["avgSalesCycleDays"], 0.0));
    assert!(close_to(&one["leadConversionRate"], 0.5));
    assert_eq!(one["visitsCompleted"], 1);
    assert!(close_to(&one["onSiteRate"], 1.0));
    let two = &rows[1];
    assert_eq!(two["groupId"], r2.id.as_str());
    assert_eq!(
        two["wonAmount"], "500.00",
        "30% of 1000 plus their own 200 — never the full 1000 twice"
    );
    assert!(
        two["target"].is_null()
            && two["achievementRate"].is_null()
            && two["pipelineCoverage"].is_null()
    );
    assert!(close_to(&two["winRate"], 1.0));
    assert_eq!(two["avgDealSize"], "200.00");
    assert!(close_to(&two["avgSalesCycleDays"], 2.0));
    assert!(
        two["leadConversionRate"].is_null() && two["onSiteRate"].is_null(),
        "no base, no rate"
    );
    let empty = &rows[2];
    assert_eq!(
        (empty["groupId"].as_str(), empty["wonAmount"].as_str()),
        (Some(manager.id.as_str()), Some("0.00"))
    );
    assert!(empty["winRate"].is_null() && empty["avgDealSize"].is_null());

    let teams = by_team["data"]["salesPerformance"].as_array().unwrap();
    assert_eq!(teams.len(), 2, "East, and the manager without a team");
    assert_eq!(teams[0]["groupId"], east.as_str());
    assert_eq!(
        (teams[0]["wonAmount"].as_str(), teams[0]["target"].as_str()),
        (Some("1200.00"), Some("3000.00"))
    );
    assert!(close_to(&teams[0]["achievementRate"], 0.4));
    assert!(close_to(&teams[0]["winRate"], 2.0 / 3.0));
    assert!(
        teams[1]["groupId"].is_null(),
        "the manager has no team of their own"
    );
    let regions = by_region["data"]["salesPerformance"].as_array().unwrap();
    let east_row = regions.iter().find(|r| r["groupName"] == "East").unwrap();
    assert_eq!(
        (east_row["wonAmount"].as_str(), east_row["target"].as_str()),
        (Some("1200.00"), Some("4000.00"))
    );
    let west_row = regions.iter().find(|r| r["groupName"] == "West").unwrap();
    assert_eq!(
        west_row["wonAmount"], "0.00",
        "an empty group is listed, with no division by zero"
    );
    assert!(west_row["winRate"].is_null());
    let r3_rows = r3_view["data"]["salesPerformance"].as_array().unwrap();
    assert_eq!(r3_rows.len(), 1, "a rep sees their own row only");
    assert_eq!(r3_rows[0]["groupId"], r3.id.as_str());
    let december_rows = december["data"]["salesPerformance"].as_array().unwrap();
    let r1_december = december_rows
        .iter()
        .find(|r| r["groupId"] == r1.id.as_str())
        .unwrap();
    assert_eq!(
        r1_december["pipelineAmount"], "50.00",
        "the converted lead's deal closes in December"
    );
    let _ = west;
}

#[tokio::test]
async fn sales_performance_narrows_to_the_requested_scope_within_visibility() {
    let app = TestApp::spawn_at(at("2026-11-20T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Scope", "East", &manager.id).await;
    let west = team(&app, "West Scope", "West", &other_manager.id).await;
    let r1 = app.a_user().in_team(&east).create().await;
    let r2 = app.a_user().in_team(&east).create().await;
    let r3 = app.a_user().in_team(&west).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let rows = |token: String, input: Value| {
        let app = &app;
        async move {
            let mut input = input;
            input["period"] = json!("2026-11");
            input["groupBy"] = json!("USER");
            let body = app
                .gql(Some(&token), PERFORMANCE, json!({"input": input}))
                .await;
            let mut ids: Vec<String> = body["data"]["salesPerformance"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|r| r["groupId"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |ids: &[&str]| {
        let mut ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        ids.sort();
        ids
    };
    let m = || manager_token.clone();

    let own = rows(m(), json!({"scope": "ME"})).await;
    let one_rep = rows(m(), json!({"scope": "ME", "userId": r2.id})).await;
    let default_team = rows(m(), json!({"scope": "TEAM"})).await;
    let by_team_id = rows(m(), json!({"teamId": east})).await;
    let other_team = rows(m(), json!({"scope": "TEAM", "teamId": west})).await;
    let company = rows(m(), json!({"scope": "COMPANY"})).await;
    let unscoped = rows(m(), json!({})).await;
    let admin_west = rows(
        app.admin_token.clone(),
        json!({"scope": "TEAM", "teamId": west}),
    )
    .await;
    let rep_company = rows(r3.token.clone(), json!({"scope": "COMPANY"})).await;
    let rep_on_another = rows(r3.token.clone(), json!({"scope": "ME", "userId": r1.id})).await;
    let teamless = app
        .gql(
            Some(&finance.token),
            PERFORMANCE,
            json!({"input": {"period": "2026-11", "groupBy": "USER", "scope": "TEAM"}}),
        )
        .await;

    assert_eq!(own, sorted(&[&manager.id]));
    assert_eq!(one_rep, sorted(&[&r2.id]));
    assert_eq!(
        default_team,
        sorted(&[&r1.id, &r2.id]),
        "the team they manage"
    );
    assert_eq!(
        by_team_id, default_team,
        "teamId alone still means that team"
    );
    assert!(
        other_team.is_empty(),
        "another team's sellers do not exist for them"
    );
    assert_eq!(company, sorted(&[&manager.id, &r1.id, &r2.id]));
    assert_eq!(unscoped, company);
    assert_eq!(admin_west, sorted(&[&r3.id]));
    assert_eq!(
        rep_company,
        sorted(&[&r3.id]),
        "a rep's company is themself"
    );
    assert!(rep_on_another.is_empty());
    assert_eq!(
        (error_code(&teamless), error_field(&teamless)),
        (Some("BAD_USER_INPUT"), Some("input.teamId")),
        "finance belongs to no team: name one"
    );
}

#[tokio::test]
async fn open_split_deals_credit_the_pipeline_by_share_and_off_site_check_ins_lower_the_on_site_rate()
 {
    let app = TestApp::spawn_at(at("2026-11-22T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Split", "East", &manager.id).await;
    let r1 = app.a_user().in_team(&east).create().await;
    let r2 = app.a_user().in_team(&east).create().await;
    let customer = crate::customers::a_customer(&app, &r1.token, "Split Co").await;
    // Open at 10%, closing in November, split 70/30: R1 700 (weighted 70), R2 300 (weighted 30).
    let (open, _) = deal(&app, &r1.token, &customer, "1000", "2026-11-28").await;
    let split = app
        .gql(
            Some(&r1.token),
            "mutation($id: ID!, $s: [SplitInput!]!) { setOpportunitySplits(input: {id: $id, expectedVersion: 1, splits: $s}) { opportunity { version } } }",
            json!({"id": open, "s": [{"userId": r1.id, "percent": "70"}, {"userId": r2.id, "percent": "30"}]}),
        )
        .await;
    assert!(split["errors"].is_null(), "{split}");
    // Two visits at the same spot: one checked in there, one about 11 km away.
    for (hour, lat) in [(3, 31.0), (5, 31.1)] {
        let planned = app
            .gql(Some(&r1.token), "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
                json!({"input": {"customerId": customer, "purpose": "Review", "plannedStart": format!("2026-11-22T0{hour}:00:00Z"),
                    "plannedEnd": format!("2026-11-22T0{}:30:00Z", hour), "location": {"lat": 31.0, "lng": 121.0}}}))
            .await;
        let id = planned["data"]["planVisit"]["visit"]["id"].clone();
        let checked_in = app
            .gql(Some(&r1.token), "mutation($id: ID!, $t: DateTime!, $lat: Float!) { checkInVisit(input: {id: $id, deviceTime: $t, location: {lat: $lat, lng: 121.0, accuracyMeters: 5}}) { visit { checkIn { onSite } } } }",
                json!({"id": id, "t": app.state.clock.now(), "lat": lat}))
            .await;
        assert_eq!(
            checked_in["data"]["checkInVisit"]["visit"]["checkIn"]["onSite"],
            lat == 31.0,
            "{checked_in}"
        );
        let out = app
            .gql(Some(&r1.token), "mutation($id: ID!) { checkOutVisit(input: {id: $id, summary: \"Done\", outcome: POSITIVE}) { visit { status } } }", json!({"id": id}))
            .await;
        assert_eq!(
            out["data"]["checkOutVisit"]["visit"]["status"], "COMPLETED",
            "{out}"
        );
    }
    let manager_token = app.token_for(&manager).await;

    let body = app
        .gql(
            Some(&manager_token),
            PERFORMANCE,
            json!({"input": {"period": "2026-11", "groupBy": "USER", "scope": "TEAM"}}),
        )
        .await;

    let rows = body["data"]["salesPerformance"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let row = |id: &str| rows.iter().find(|r| r["groupId"] == id).unwrap();
    let (one, two) = (row(&r1.id), row(&r2.id));
    assert_eq!(
        (
            one["pipelineAmount"].as_str(),
            one["weightedPipelineAmount"].as_str()
        ),
        (Some("700.00"), Some("70.00")),
        "70% of the open 1000, at 10%"
    );
    assert_eq!(
        (
            two["pipelineAmount"].as_str(),
            two["weightedPipelineAmount"].as_str()
        ),
        (Some("300.00"), Some("30.00"))
    );
    assert_eq!(one["wonAmount"], "0.00");
    assert_eq!(one["visitsCompleted"], 2);
    assert!(
        close_to(&one["onSiteRate"], 0.5),
        "one of two verified check-ins on site: {one}"
    );
}

#[tokio::test]
async fn allocations_balance_or_lack_a_target_for_a_year() {
    let app = TestApp::spawn_at(at("2026-03-01T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Year", "East", &manager.id).await;
    team(&app, "West Year", "West", &manager.id).await;
    let rep = app.a_user().in_team(&east).create().await;
    let admin = app.admin_token.clone();
    let manager_token = app.token_for(&manager).await;
    let company = set(&app, &admin, "2026", "COMPANY", None, "900000").await;
    set(&app, &admin, "2026", "REGION", Some("East"), "500000").await;
    set(&app, &admin, "2026", "REGION", Some("West"), "400000").await;
    set(&app, &manager_token, "2026", "USER", Some(&rep.id), "1000").await;
    let allocation = |token: String, scope: &str, scope_id: Option<&str>| {
        let app = &app;
        let input = json!({"input": {"period": "2026", "scope": scope, "scopeId": scope_id}});
        async move { app.gql(Some(&token), ALLOCATION, input).await["data"]["targetAllocation"].clone() }
    };

    let whole_year = allocation(admin.clone(), "COMPANY", None).await;
    let east_team = allocation(manager_token.clone(), "TEAM", Some(&east)).await;

    let target = &company["data"]["setSalesTarget"]["target"];
    assert_eq!(
        (target["period"].as_str(), target["amount"].as_str()),
        (Some("2026"), Some("900000.00"))
    );
    assert_eq!(
        whole_year,
        json!({"target": "900000.00", "childrenTotal": "900000.00", "difference": "0.00", "status": "BALANCED",
        "children": [
            {"scope": "REGION", "scopeId": "East", "label": "East", "target": "500000.00"},
            {"scope": "REGION", "scopeId": "West", "label": "West", "target": "400000.00"},
        ]})
    );
    assert_eq!(
        (
            east_team["status"].as_str(),
            east_team["target"].is_null(),
            east_team["difference"].is_null(),
            east_team["childrenTotal"].as_str()
        ),
        (Some("NO_TARGET"), true, true, Some("1000.00")),
        "the team has no 2026 target; its member has: {east_team}"
    );
}

#[tokio::test]
async fn sales_performance_costs_the_same_statements_for_few_or_many_groups() {
    let app = TestApp::spawn_at(at("2026-11-20T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    team(&app, "Count Perf", "North", &manager.id).await;
    let query = json!({"input": {"period": "2026-Q4", "groupBy": "USER"}});
    app.gql(Some(&app.admin_token), "{ me { id } }", json!({}))
        .await;
    app.take_statement_count();
    let few = app.admin(PERFORMANCE, query.clone()).await;
    let few_cost = app.take_statement_count();
    for _ in 0..6 {
        let rep = app.a_user().create().await;
        let customer = crate::customers::a_customer(&app, &rep.token, "Counted").await;
        deal(&app, &rep.token, &customer, "10", "2026-12-01").await;
    }
    app.gql(Some(&app.admin_token), "{ me { id } }", json!({}))
        .await;
    app.take_statement_count();
    let many = app.admin(PERFORMANCE, query).await;
    let many_cost = app.take_statement_count();

    assert!(few["errors"].is_null(), "{few}");
    assert_eq!(
        many["data"]["salesPerformance"].as_array().unwrap().len(),
        7
    );
    assert_eq!(few_cost, many_cost);
}

/// Gives the first pipeline stage a `maxDaysInStage`; returns the stages' ids in order.
async fn limit_first_stage(app: &TestApp, token: &str, max_days: i64) -> Vec<Value> {
    let stages = app
        .gql(
            Some(token),
            "{ pipelineStages { id name probability kind } }",
            json!({}),
        )
        .await;
    let stages = stages["data"]["pipelineStages"].as_array().unwrap().clone();
    let mut specs: Vec<Value> = stages
        .iter()
        .map(|s| json!({"id": s["id"], "name": s["name"], "probability": s["probability"], "kind": s["kind"]}))
        .collect();
    specs[0]["maxDaysInStage"] = json!(max_days);
    let body = app
        .gql(Some(token), "mutation($s: [PipelineStageInput!]!) { updatePipelineStages(input: {stages: $s}) { stages { id } } }", json!({"s": specs}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    stages.iter().map(|s| s["id"].clone()).collect()
}

async fn fresh_admin_token(app: &TestApp) -> String {
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

const VELOCITY: &str = "query($input: PipelineVelocityInput!) { pipelineVelocity(input: $input) { stage { name } averageDays medianDays conversionToNext stuckCount stuckDeals { id } } }";

#[tokio::test]
async fn pipeline_velocity_shows_dwell_times_conversion_and_stuck_deals() {
    let app = TestApp::spawn_at(at("2026-11-02T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = crate::customers::a_customer(&app, &rep.token, "Velocity Co").await;
    let stages = app
        .admin("{ pipelineStages { id name probability kind } }", json!({}))
        .await;
    let mut specs: Vec<Value> = stages["data"]["pipelineStages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"id": s["id"], "name": s["name"], "probability": s["probability"], "kind": s["kind"]}))
        .collect();
    specs[0]["maxDaysInStage"] = json!(4);
    app.admin("mutation($s: [PipelineStageInput!]!) { updatePipelineStages(input: {stages: $s}) { stages { id } } }", json!({"s": specs})).await;
    let requirements = stages["data"]["pipelineStages"][1]["id"].clone();
    let mut deals = Vec::new();
    for _ in 0..4 {
        deals.push(
            deal(&app, &rep.token, &customer, "100", "2026-12-31")
                .await
                .0,
        );
    }
    let advance = |days| {
        app.clock.advance(Duration::days(days));
    };
    let mv = |token: String, id: String| {
        let app = &app;
        let requirements = requirements.clone();
        async move {
            let body = app
                .gql(Some(&token), "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s, expectedVersion: 1}) { opportunity { id } } }", json!({"id": id, "s": requirements}))
                .await;
            assert!(body["errors"].is_null(), "{body}");
        }
    };
    advance(2);
    mv(app.token_for(&rep).await, deals[1].clone()).await;
    advance(3);
    let token = app.token_for(&rep).await;
    mv(token.clone(), deals[0].clone()).await;
    mv(token.clone(), deals[3].clone()).await;

    let body = app
        .gql(Some(&token), "{ pipelineVelocity(input: {from: \"2026-11-01\", to: \"2026-11-30\", scope: ME}) { stage { name } averageDays medianDays conversionToNext stuckCount stuckDeals { id } } }", json!({}))
        .await;

    let lines = body["data"]["pipelineVelocity"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let first = &lines[0];
    assert_eq!(first["stage"]["name"], "Initial contact");
    assert!(
        close_to(&first["averageDays"], 4.0),
        "2, 5 and 5 days: {first}"
    );
    assert!(close_to(&first["medianDays"], 5.0));
    assert!(
        close_to(&first["conversionToNext"], 0.75),
        "three of four moved on"
    );
    assert_eq!(
        first["stuckCount"], 1,
        "the fourth sits 5 days, over the limit of 4"
    );
    assert_eq!(first["stuckDeals"][0]["id"], deals[2].as_str());
    let second = &lines[1];
    assert!(
        second["averageDays"].is_null() && second["medianDays"].is_null(),
        "nobody left it yet"
    );
    assert!(close_to(&second["conversionToNext"], 0.0));
    assert_eq!(lines.len(), 4, "the open stages only");
}

#[tokio::test]
async fn stuck_deals_are_counted_exactly_per_scope_and_sampled_longest_first() {
    let app = TestApp::spawn_at(at("2026-11-02T01:00:00Z")).await;
    let east_manager = app.a_user().role("SALES_MANAGER").create().await;
    let west_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Stuck", "East", &east_manager.id).await;
    let west = team(&app, "West Stuck", "West", &west_manager.id).await;
    let ann = app.a_user().in_team(&east).create().await;
    let bob = app.a_user().in_team(&east).create().await;
    let cid = app.a_user().in_team(&west).create().await;
    limit_first_stage(&app, &app.admin_token, 4).await;
    // Twelve deals of Ann, two of Bob, three of Cid, one every ten seconds.
    let mut entered = Vec::new();
    for (rep, deals) in [(&ann, 12), (&bob, 2), (&cid, 3)] {
        let customer = crate::customers::a_customer(&app, &rep.token, "Stuck Co").await;
        for _ in 0..deals {
            let (id, _) = deal(&app, &rep.token, &customer, "100", "2026-12-31").await;
            entered.push(id);
            app.clock.advance(Duration::seconds(10));
        }
    }
    app.clock.advance(Duration::days(5));
    let ann_token = app.token_for(&ann).await;
    let ann_customer = crate::customers::a_customer(&app, &ann_token, "Fresh Co").await;
    deal(&app, &ann_token, &ann_customer, "100", "2026-12-31").await; // in the stage for no time
    let admin = fresh_admin_token(&app).await;
    let east_token = app.token_for(&east_manager).await;
    let velocity = |token: String, scope: &str, team: Option<&str>, user: Option<&str>| {
        let app = &app;
        let input = json!({"input": {"from": "2026-11-01", "to": "2026-11-30", "scope": scope, "teamId": team, "userId": user}});
        async move {
            let body = app.gql(Some(&token), VELOCITY, input).await;
            let lines = body["data"]["pipelineVelocity"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .clone();
            assert_eq!(lines[0]["stage"]["name"], "Initial contact");
            assert!(
                lines[1..].iter().all(|l| l["stuckCount"] == 0),
                "the other stages have no limit: {body}"
            );
            let sample: Vec<String> = lines[0]["stuckDeals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned())
                .collect();
            (lines[0]["stuckCount"].as_i64().unwrap(), sample)
        }
    };

    let east_team = velocity(admin.clone(), "TEAM", Some(&east), None).await;
    let west_team = velocity(admin.clone(), "TEAM", Some(&west), None).await;
    let bob_only = velocity(admin.clone(), "ME", None, Some(&bob.id)).await;
    let company = velocity(admin.clone(), "COMPANY", None, None).await;
    let east_managers_company = velocity(east_token.clone(), "COMPANY", None, None).await;
    let east_managers_default_team = velocity(east_token.clone(), "TEAM", None, None).await;
    let east_manager_on_west = velocity(east_token, "TEAM", Some(&west), None).await;

    assert_eq!(
        east_team,
        (14, entered[..10].to_vec()),
        "Ann's 12 and Bob's 2 are stuck, not the fresh deal nor West's; the sample lists the 10 longest-stuck"
    );
    assert_eq!(west_team, (3, entered[14..].to_vec()));
    assert_eq!(bob_only, (2, entered[12..14].to_vec()));
    assert_eq!(company.0, 17);
    assert_eq!(company.1.len(), 10);
    assert_eq!(
        east_managers_company.0, 14,
        "a manager sees their team only"
    );
    assert_eq!(east_managers_default_team, east_team);
    assert_eq!(
        east_manager_on_west,
        (0, Vec::new()),
        "another team's deals do not exist for the manager"
    );
}

#[tokio::test]
async fn lead_sources_show_which_channel_pays_within_visibility() {
    let app = TestApp::spawn_at(at("2026-11-20T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let create = "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }";
    let mut referral = None;
    for (token, source, company) in [
        (&rep.token, "REFERRAL", "Ref One"),
        (&rep.token, "REFERRAL", "Ref Two"),
        (&rep.token, "WEB_FORM", "Web One"),
        (&other.token, "EVENT", "Event One"),
    ] {
        let body = app
            .gql(
                Some(token),
                create,
                json!({"input": {"name": company, "company": company, "source": source}}),
            )
            .await;
        referral.get_or_insert(body["data"]["createLead"]["lead"]["id"].clone());
    }
    let lead = referral.unwrap();
    app.gql(Some(&rep.token), "mutation($id: ID!) { updateLead(input: {id: $id, expectedVersion: 1, status: QUALIFIED}) { lead { id } } }", json!({"id": lead})).await;
    let converted = app
        .gql(Some(&rep.token), "mutation($id: ID!) { convertLead(input: {id: $id, opportunity: {name: \"First\", amount: \"800\", expectedCloseDate: \"2026-12-15\"}}) { opportunity { id version } } }", json!({"id": lead}))
        .await;
    let opportunity = &converted["data"]["convertLead"]["opportunity"];
    close(
        &app,
        &rep.token,
        opportunity["id"].as_str().unwrap(),
        opportunity["version"].as_i64().unwrap(),
        true,
    )
    .await;
    let report = "{ leadSourceReport(input: {period: \"2026-11\"}) { source leads converted conversionRate wonDeals wonAmount } }";

    let mine = app.gql(Some(&rep.token), report, json!({})).await;
    let everything = app.admin(report, json!({})).await;

    assert_eq!(
        mine["data"]["leadSourceReport"],
        json!([
            {"source": "REFERRAL", "leads": 2, "converted": 1, "conversionRate": 0.5, "wonDeals": 1, "wonAmount": "800.00"},
            {"source": "WEB_FORM", "leads": 1, "converted": 0, "conversionRate": 0.0, "wonDeals": 0, "wonAmount": "0.00"},
        ]),
        "{mine}"
    );
    assert_eq!(
        everything["data"]["leadSourceReport"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "the admin sees the event lead too"
    );
}

#[tokio::test]
async fn retention_counts_repeat_buyers_and_renewed_contracts() {
    let app = TestApp::spawn_at(at("2026-10-10T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "Retain", "East", &manager.id).await;
    let rep = app.a_user().in_team(&east).create().await;
    let returning = crate::customers::a_customer(&app, &rep.token, "Returning Co").await;
    let fresh = crate::customers::a_customer(&app, &rep.token, "Fresh Co").await;
    let (october, version) = deal(&app, &rep.token, &returning, "100", "2026-10-31").await;
    close(&app, &rep.token, &october, version, true).await;
    app.clock.advance(Duration::days(41));
    let token = app.token_for(&rep).await;
    let manager_token = app.token_for(&manager).await;
    for customer in [&returning, &fresh] {
        let (id, version) = deal(&app, &token, customer, "100", "2026-11-30").await;
        close(&app, &token, &id, version, true).await;
    }
    let contract = |customer: &str, start: &str, end: &str| {
        let app = &app;
        let token = token.clone();
        let manager_token = manager_token.clone();
        let customer = customer.to_owned();
        let (start, end) = (start.to_owned(), end.to_owned());
        async move {
            let created = app
                .gql(Some(&token), "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
                    json!({"input": {"customerId": customer, "title": "Term", "amount": "100", "startDate": start, "endDate": end}}))
                .await;
            let id = created["data"]["createContract"]["contract"]["id"].clone();
            let request = app
                .gql(
                    Some(&token),
                    "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id } } }",
                    json!({"id": id}),
                )
                .await["data"]["submitContract"]["request"]["id"]
                .clone();
            app.gql(Some(&manager_token), "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }", json!({"r": request})).await;
        }
    };
    contract(&returning, "2025-12-01", "2026-11-30").await;
    contract(&fresh, "2025-11-16", "2026-11-15").await;
    contract(&returning, "2026-12-15", "2027-12-14").await; // renews the first within 60 days

    let body = app
        .gql(Some(&token), "{ customerRetention(input: {period: \"2026-11\"}) { customersWithWins repeatCustomers repeatPurchaseRate contractsEnding renewed renewalRate renewalWindowDays } }", json!({}))
        .await;

    assert_eq!(
        body["data"]["customerRetention"],
        json!({"customersWithWins": 2, "repeatCustomers": 1, "repeatPurchaseRate": 0.5,
            "contractsEnding": 2, "renewed": 1, "renewalRate": 0.5, "renewalWindowDays": 60}),
        "{body}"
    );
}

/// How far a test contract gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reached {
    Draft,
    Pending,
    Approved,
}

/// A contract of 100.00 drafted by `token`'s user, submitted and approved by their manager as far
/// as `reached`.
async fn a_contract(
    app: &TestApp,
    token: &str,
    manager_token: &str,
    customer: &str,
    (start, end): (&str, &str),
    reached: Reached,
) -> Value {
    let created = app
        .gql(Some(token), "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
            json!({"input": {"customerId": customer, "title": "Term", "amount": "100", "startDate": start, "endDate": end}}))
        .await;
    let id = created["data"]["createContract"]["contract"]["id"].clone();
    assert!(id.is_string(), "{created}");
    if reached == Reached::Draft {
        return id;
    }
    let submitted = app
        .gql(
            Some(token),
            "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id } } }",
            json!({"id": id}),
        )
        .await;
    let request = submitted["data"]["submitContract"]["request"]["id"].clone();
    assert!(request.is_string(), "{submitted}");
    if reached == Reached::Approved {
        let approved = app
            .gql(Some(manager_token), "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }", json!({"r": request}))
            .await;
        assert_eq!(
            approved["data"]["approveRequest"]["request"]["status"], "APPROVED",
            "{approved}"
        );
    }
    id
}

const RETENTION: &str = "query($p: String!) { customerRetention(input: {period: $p}) { customersWithWins repeatCustomers repeatPurchaseRate contractsEnding renewed renewalRate renewalWindowDays } }";

#[tokio::test]
async fn renewals_are_binding_contracts_starting_after_the_old_start_and_within_the_window_of_its_end()
 {
    let app = TestApp::spawn_at(at("2026-11-10T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "Renewals", "East", &manager.id).await;
    let rep = app.a_user().in_team(&east).create().await;
    let manager_token = app.token_for(&manager).await;
    let contract = |customer: String, term: (&'static str, &'static str), reached: Reached| {
        let (app, token, manager_token) = (&app, rep.token.clone(), manager_token.clone());
        async move { a_contract(app, &token, &manager_token, &customer, term, reached).await }
    };
    let mut customers = Vec::new();
    for name in ["On time", "Too late", "Drafted", "Pending", "Early"] {
        customers.push(crate::customers::a_customer(&app, &rep.token, name).await);
    }
    let [on_time, too_late, drafted, pending, early] = customers.try_into().unwrap();
    // Five contracts ending in November 2026 …
    contract(
        on_time.clone(),
        ("2025-12-01", "2026-11-30"),
        Reached::Approved,
    )
    .await;
    contract(
        too_late.clone(),
        ("2025-11-16", "2026-11-15"),
        Reached::Approved,
    )
    .await;
    contract(
        drafted.clone(),
        ("2025-11-21", "2026-11-20"),
        Reached::Approved,
    )
    .await;
    contract(
        pending.clone(),
        ("2025-11-26", "2026-11-25"),
        Reached::Approved,
    )
    .await;
    contract(
        early.clone(),
        ("2025-11-11", "2026-11-10"),
        Reached::Approved,
    )
    .await;
    app.clock.advance(Duration::minutes(1));
    // … and what follows them.
    contract(on_time, ("2027-01-29", "2028-01-28"), Reached::Approved).await; // end + 60 days
    contract(too_late, ("2027-01-15", "2028-01-14"), Reached::Approved).await; // end + 61 days
    contract(drafted, ("2026-11-21", "2027-11-20"), Reached::Draft).await;
    contract(pending, ("2026-11-26", "2027-11-25"), Reached::Pending).await;
    contract(early, ("2026-06-01", "2027-05-31"), Reached::Approved).await; // renewed mid-term

    let november = app
        .gql(Some(&rep.token), RETENTION, json!({"p": "2026-11"}))
        .await;
    let quiet_month = app
        .gql(Some(&rep.token), RETENTION, json!({"p": "2026-09"}))
        .await;

    assert_eq!(
        november["data"]["customerRetention"],
        json!({"customersWithWins": 0, "repeatCustomers": 0, "repeatPurchaseRate": null,
            "contractsEnding": 5, "renewed": 2, "renewalRate": 0.4, "renewalWindowDays": 60}),
        "renewed: the one starting on the window's last day and the early one; not the one a day \
         late, the draft nor the pending one: {november}"
    );
    assert_eq!(
        quiet_month["data"]["customerRetention"],
        json!({"customersWithWins": 0, "repeatCustomers": 0, "repeatPurchaseRate": null,
            "contractsEnding": 0, "renewed": 0, "renewalRate": null, "renewalWindowDays": 60}),
        "nothing ends, nothing is won: no rates"
    );
}

#[tokio::test]
async fn a_renewal_counts_only_when_the_viewer_may_see_it() {
    let app = TestApp::spawn_at(at("2026-11-10T01:00:00Z")).await;
    let east_manager = app.a_user().role("SALES_MANAGER").create().await;
    let west_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Renew", "East", &east_manager.id).await;
    let west = team(&app, "West Renew", "West", &west_manager.id).await;
    let ann = app.a_user().in_team(&east).create().await;
    let cid = app.a_user().in_team(&west).create().await;
    let east_token = app.token_for(&east_manager).await;
    let west_token = app.token_for(&west_manager).await;
    let customer = crate::customers::a_customer(&app, &ann.token, "Shared Co").await;
    a_contract(
        &app,
        &ann.token,
        &east_token,
        &customer,
        ("2025-12-01", "2026-11-30"),
        Reached::Approved,
    )
    .await;
    // The customer moves to West, whose rep signs the follow-up contract.
    let admin = fresh_admin_token(&app).await;
    let moved = app
        .gql(Some(&admin), "mutation($id: ID!, $owner: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1, ownerId: $owner}) { customer { id } } }", json!({"id": customer, "owner": cid.id}))
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    app.clock.advance(Duration::minutes(1));
    let cid_token = app.token_for(&cid).await;
    a_contract(
        &app,
        &cid_token,
        &west_token,
        &customer,
        ("2026-12-01", "2027-11-30"),
        Reached::Approved,
    )
    .await;

    let ann_view = app
        .gql(
            Some(&app.token_for(&ann).await),
            RETENTION,
            json!({"p": "2026-11"}),
        )
        .await;
    let admin_view = app
        .gql(Some(&admin), RETENTION, json!({"p": "2026-11"}))
        .await;

    assert_eq!(
        (
            ann_view["data"]["customerRetention"]["contractsEnding"].as_i64(),
            ann_view["data"]["customerRetention"]["renewed"].as_i64()
        ),
        (Some(1), Some(0)),
        "Ann sees her own contract end, not West's follow-up: {ann_view}"
    );
    assert_eq!(admin_view["data"]["customerRetention"]["renewed"], 1);
}

#[tokio::test]
async fn finance_reads_every_report_company_wide_and_managers_their_teams_only() {
    let app = TestApp::spawn_at(at("2026-11-20T01:00:00Z")).await;
    let east_manager = app.a_user().role("SALES_MANAGER").create().await;
    let west_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Read", "East", &east_manager.id).await;
    let west = team(&app, "West Read", "West", &west_manager.id).await;
    let ann = app.a_user().in_team(&east).create().await;
    let cid = app.a_user().in_team(&west).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let create_lead =
        "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }";
    // East: Ann's referral lead, a deal won for 100 and one left open.
    app.gql(
        Some(&ann.token),
        create_lead,
        json!({"input": {"name": "Ref", "company": "Ref Co", "source": "REFERRAL"}}),
    )
    .await;
    let ann_customer = crate::customers::a_customer(&app, &ann.token, "Ann Co").await;
    let (ann_won, ann_version) = deal(&app, &ann.token, &ann_customer, "100", "2026-11-30").await;
    deal(&app, &ann.token, &ann_customer, "50", "2026-11-30").await;
    // West: Cid's two event leads and a deal won for 300.
    for company in ["Event One", "Event Two"] {
        app.gql(
            Some(&cid.token),
            create_lead,
            json!({"input": {"name": company, "company": company, "source": "EVENT"}}),
        )
        .await;
    }
    let cid_customer = crate::customers::a_customer(&app, &cid.token, "Cid Co").await;
    let (cid_won, cid_version) = deal(&app, &cid.token, &cid_customer, "300", "2026-11-30").await;
    app.clock.advance(Duration::minutes(1));
    close(&app, &ann.token, &ann_won, ann_version, true).await;
    close(&app, &cid.token, &cid_won, cid_version, true).await;
    let east_token = app.token_for(&east_manager).await;
    let admin = app.admin_token.clone();
    set(&app, &admin, "2026-11", "COMPANY", None, "1000").await;
    set(&app, &east_token, "2026-11", "TEAM", Some(&east), "500").await;
    set(&app, &east_token, "2026-11", "USER", Some(&ann.id), "400").await;
    let reports = "{ pipelineVelocity(input: {from: \"2026-11-01\", to: \"2026-11-30\", scope: COMPANY}) { conversionToNext } \
        leadSourceReport(input: {period: \"2026-11\"}) { source leads } \
        customerRetention(input: {period: \"2026-11\"}) { customersWithWins } \
        salesTargets(filter: {period: \"2026-11\"}) { scope amount } }";
    let performance = json!({"input": {"period": "2026-11", "groupBy": "USER"}});
    let allocation = json!({"input": {"period": "2026-11", "scope": "TEAM", "scopeId": east}});

    let finance_reports = app.gql(Some(&finance.token), reports, json!({})).await;
    let finance_rows = app
        .gql(Some(&finance.token), PERFORMANCE, performance)
        .await;
    let finance_allocation = app.gql(Some(&finance.token), ALLOCATION, allocation).await;
    let finance_setting = set(&app, &finance.token, "2026-11", "COMPANY", None, "1").await;
    let east_reports = app.gql(Some(&east_token), reports, json!({})).await;
    let west_reports = app.gql(Some(&west_manager.token), reports, json!({})).await;

    let data = &finance_reports["data"];
    assert_eq!(
        data["pipelineVelocity"][0]["conversionToNext"].as_f64(),
        Some(2.0 / 3.0),
        "every deal: three entered, two won: {finance_reports}"
    );
    assert_eq!(data["leadSourceReport"], json!([]), "finance sees no leads");
    assert_eq!(data["customerRetention"]["customersWithWins"], 2);
    assert_eq!(
        data["salesTargets"],
        json!([{"scope": "COMPANY", "amount": "1000.00"}, {"scope": "TEAM", "amount": "500.00"}, {"scope": "USER", "amount": "400.00"}])
    );
    let rows = finance_rows["data"]["salesPerformance"]
        .as_array()
        .unwrap_or_else(|| panic!("{finance_rows}"));
    assert_eq!(rows.len(), 4, "both managers and both reps");
    let won: Vec<(&str, &str)> = rows
        .iter()
        .take(2)
        .map(|r| {
            (
                r["groupId"].as_str().unwrap(),
                r["wonAmount"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        won,
        vec![(cid.id.as_str(), "300.00"), (ann.id.as_str(), "100.00")]
    );
    let team_allocation = &finance_allocation["data"]["targetAllocation"];
    assert_eq!(
        (
            team_allocation["target"].as_str(),
            team_allocation["childrenTotal"].as_str(),
            team_allocation["status"].as_str(),
            team_allocation["children"][0]["scopeId"].as_str(),
            team_allocation["children"].as_array().map(Vec::len),
        ),
        (
            Some("500.00"),
            Some("400.00"),
            Some("UNDER_ALLOCATED"),
            Some(ann.id.as_str()),
            Some(1)
        ),
        "{finance_allocation}"
    );
    assert_eq!(error_code(&finance_setting), Some("FORBIDDEN"));
    assert_eq!(
        east_reports["data"]["pipelineVelocity"][0]["conversionToNext"], 0.5,
        "East's two deals, one won: {east_reports}"
    );
    assert_eq!(
        east_reports["data"]["leadSourceReport"],
        json!([{"source": "REFERRAL", "leads": 1}])
    );
    assert_eq!(
        east_reports["data"]["customerRetention"]["customersWithWins"],
        1
    );
    assert_eq!(
        west_reports["data"]["pipelineVelocity"][0]["conversionToNext"], 1.0,
        "{west_reports}"
    );
    assert_eq!(
        west_reports["data"]["leadSourceReport"],
        json!([{"source": "EVENT", "leads": 2}])
    );
    assert_eq!(
        west_reports["data"]["customerRetention"]["customersWithWins"],
        1
    );
}

#[tokio::test]
async fn periods_follow_the_company_time_zone_and_every_report_stays_within_visibility() {
    // 2026-11-30T16:00Z is already December 1st in Shanghai, the company's zone.
    let app = TestApp::spawn_at(at("2026-11-30T15:30:00Z")).await;
    let rep = app.a_user().create().await;
    let outsider = app.a_user().create().await;
    limit_first_stage(&app, &app.admin_token, 1).await;
    let customer = crate::customers::a_customer(&app, &rep.token, "Boundary Co").await;
    deal(&app, &rep.token, &customer, "10", "2026-12-31").await; // stays open, and gets stuck
    let (late_november, v1) = deal(&app, &rep.token, &customer, "100", "2026-11-30").await;
    app.clock.advance(Duration::minutes(1));
    close(&app, &rep.token, &late_november, v1, true).await; // 23:31 on Nov 30 in Shanghai
    app.clock.advance(Duration::hours(1)); // 00:31 on Dec 1 in Shanghai
    let rep = TestUser {
        token: app.token_for(&rep).await,
        ..rep
    };
    let (early_december, v2) = deal(&app, &rep.token, &customer, "1", "2026-12-31").await;
    app.clock.advance(Duration::minutes(1));
    close(&app, &rep.token, &early_december, v2, true).await;
    app.gql(
        Some(&rep.token),
        "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
        json!({"input": {"name": "Dec lead", "company": "Dec Co", "source": "EVENT"}}),
    )
    .await;
    let won = |period: &str, token: String| {
        let app = &app;
        let period = period.to_owned();
        async move {
            let body = app
                .gql(
                    Some(&token),
                    PERFORMANCE,
                    json!({"input": {"period": period, "groupBy": "USER"}}),
                )
                .await;
            body["data"]["salesPerformance"][0]["wonAmount"].clone()
        }
    };
    let november = won("2026-11", rep.token.clone()).await;
    let december = won("2026-12", rep.token.clone()).await;
    let quarter = won("2026-Q4", rep.token.clone()).await;
    app.clock.advance(Duration::days(2)); // the open deal now sits two days in a one-day stage
    let rep = TestUser {
        token: app.token_for(&rep).await,
        ..rep
    };
    let outsider = TestUser {
        token: app.token_for(&outsider).await,
        ..outsider
    };
    let reports = "{ leadSourceReport(input: {period: \"2026-12\"}) { source leads } \
        customerRetention(input: {period: \"2026-12\"}) { customersWithWins } \
        november: pipelineVelocity(input: {from: \"2026-11-01\", to: \"2026-11-30\", scope: COMPANY}) { stuckCount conversionToNext } \
        december: pipelineVelocity(input: {from: \"2026-12-01\", to: \"2026-12-31\", scope: COMPANY}) { stuckCount conversionToNext } }";
    let mine = app.gql(Some(&rep.token), reports, json!({})).await;
    let theirs = app.gql(Some(&outsider.token), reports, json!({})).await;

    assert_eq!(november, "100.00");
    assert_eq!(december, "1.00", "won after midnight in Shanghai");
    assert_eq!(quarter, "101.00");
    assert_eq!(
        mine["data"]["leadSourceReport"],
        json!([{"source": "EVENT", "leads": 1}])
    );
    assert_eq!(mine["data"]["customerRetention"]["customersWithWins"], 1);
    assert_eq!(
        mine["data"]["november"][0],
        json!({"stuckCount": 1, "conversionToNext": 0.5}),
        "Shanghai's November: the stuck deal and the first win entered, one moved on: {mine}"
    );
    assert_eq!(
        mine["data"]["december"][0]["conversionToNext"], 1.0,
        "the deal opened at 00:31 on December 1st and won a minute later counts in December, though it is still November 30th in UTC"
    );
    assert_eq!(theirs["data"]["leadSourceReport"], json!([]), "{theirs}");
    assert_eq!(theirs["data"]["customerRetention"]["customersWithWins"], 0);
    for period in ["november", "december"] {
        assert!(
            theirs["data"][period]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["conversionToNext"].is_null() && s["stuckCount"] == 0),
            "nothing of the rep's pipeline, stuck deal included, shows to another rep: {theirs}"
        );
    }
    let their_row = app
        .gql(
            Some(&outsider.token),
            PERFORMANCE,
            json!({"input": {"period": "2026-Q4", "groupBy": "USER"}}),
        )
        .await;
    assert_eq!(
        their_row["data"]["salesPerformance"][0]["wonAmount"],
        "0.00"
    );
}
