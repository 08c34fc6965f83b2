//! Every report company-wide for finance, and team-wide for managers.

use super::*;

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
    let ann_customer = crate::fixtures::a_customer(&app, &ann.token, "Ann Co").await;
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
    let cid_customer = crate::fixtures::a_customer(&app, &cid.token, "Cid Co").await;
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
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Boundary Co").await;
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
