//! The manager's numbers against hand-computed figures: scopes, split credit, on-site rates,
//! statement counts.

use super::*;

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
    let c1 = crate::fixtures::a_customer(&app, &r1.token, "Perf One").await;
    let c2 = crate::fixtures::a_customer(&app, &r2.token, "Perf Two").await;
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
    let books = crate::fixtures::Books {
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
    let contract = crate::fixtures::approved(&app, &books, &c1, "100").await;
    crate::fixtures::set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-12-01", "amount": "100"}]),
    )
    .await;
    crate::fixtures::pay(&app, &books.finance.token, json!({"customerId": c1, "contractId": contract, "amount": "40", "receivedDate": "2026-11-22"})).await;
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
    let customer = crate::fixtures::a_customer(&app, &r1.token, "Split Co").await;
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
async fn sales_performance_costs_the_same_statements_for_few_or_many_groups() {
    let app = TestApp::spawn_at(at("2026-11-20T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    team(&app, "Count Perf", "North", &manager.id).await;
    let query = json!({"input": {"period": "2026-Q4", "groupBy": "USER"}});
    app.gql(Some(&app.admin_token), "{ me { id } }", json!({}))
        .await;
    app.quiet().await;
    let few = app.admin(PERFORMANCE, query.clone()).await;
    let few_cost = app.take_statement_count();
    for _ in 0..6 {
        let rep = app.a_user().create().await;
        let customer = crate::fixtures::a_customer(&app, &rep.token, "Counted").await;
        deal(&app, &rep.token, &customer, "10", "2026-12-01").await;
    }
    app.gql(Some(&app.admin_token), "{ me { id } }", json!({}))
        .await;
    app.quiet().await;
    let many = app.admin(PERFORMANCE, query).await;
    let many_cost = app.take_statement_count();

    assert!(few["errors"].is_null(), "{few}");
    assert_eq!(
        many["data"]["salesPerformance"].as_array().unwrap().len(),
        7
    );
    assert_eq!(few_cost, many_cost);
}
