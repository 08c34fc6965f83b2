//! Sales targets: who sets them, and allocations that balance or lack a target.

use super::*;

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
        // Another team, another team's rep and ids that never existed answer alike.
        (
            set(&app, &east_token, "2026-Q4", "TEAM", Some(&west), "1").await,
            "NOT_FOUND",
            Some("input.scopeId"),
        ),
        (
            set(
                &app,
                &east_token,
                "2026-Q4",
                "TEAM",
                Some(&missing_id("Team")),
                "1",
            )
            .await,
            "NOT_FOUND",
            Some("input.scopeId"),
        ),
        (
            set(&app, &east_token, "2026-Q4", "USER", Some(&cid.id), "1").await,
            "NOT_FOUND",
            Some("input.scopeId"),
        ),
        (
            set(
                &app,
                &east_token,
                "2026-Q4",
                "USER",
                Some(&missing_id("User")),
                "1",
            )
            .await,
            "NOT_FOUND",
            Some("input.scopeId"),
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
