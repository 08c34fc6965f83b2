//! `targetPlan`: the reverse funnel against a hand-computed fixture, per stage, the suggestion
//! from last year and growth, visibility, bad input and a constant statement count.

use super::*;

const PLAN: &str = "query($input: TargetPlanInput!) { targetPlan(input: $input) { period scope scopeId target wonAmount remainingAmount \
    lookbackPeriods observedFrom observedTo observedWonDeals observedClosedDeals winRate averageDealSize observedLeads observedConvertedLeads leadConversionRate \
    dealsNeeded opportunitiesNeeded leadsNeeded openOpportunities openPipelineAmount openLeads opportunitiesShort leadsShort \
    stages { stage { name } reachedDeals wonDeals winRateFromStage dealsNeeded openDeals openAmount dealsShort } \
    previousPeriodWonAmount growthRate growthObserved suggestedTarget } }";

fn plan_input(scope: &str, scope_id: Option<&str>) -> Value {
    json!({"input": {"period": "2026-12", "scope": scope, "scopeId": scope_id}})
}

async fn open_stages(app: &TestApp, token: &str) -> Vec<String> {
    let body = app
        .gql(Some(token), "{ pipelineStages { id kind } }", json!({}))
        .await;
    body["data"]["pipelineStages"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|s| s["kind"] == "OPEN")
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect()
}

/// A deal of `amount` for `customer`, won at once.
async fn won(app: &TestApp, token: &str, customer: &str, amount: &str, close: &str) {
    let (id, version) = deal(app, token, customer, amount, close).await;
    super::close(app, token, &id, version, true).await;
}

#[tokio::test]
async fn the_reverse_funnel_and_the_suggestion_match_hand_computed_figures() {
    // 15 September 2025: a year and a quarter before the planned December 2026.
    let app = TestApp::spawn_at(at("2025-09-15T02:00:00Z")).await;
    crate::fixtures::without_playbook(&app).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "Plan East", "East", &manager.id).await;
    team(&app, "Plan West", "West", &other_manager.id).await;
    let r1 = app.a_user().in_team(&east).name("Plan One").create().await;
    let r2 = app.a_user().in_team(&east).name("Plan Two").create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let customer = crate::fixtures::a_customer(&app, &r1.token, "Plan Co").await;
    // A year earlier: 1,000 won in September 2025 (the growth basis), 1,500 in December 2025
    // (last year's same period).
    won(&app, &r1.token, &customer, "1000", "2025-09-30").await;
    app.clock.advance(Duration::days(86));
    let r1t = app.token_for(&r1).await;
    won(&app, &r1t, &customer, "1500", "2025-12-31").await;

    // 15 September 2026 (observed from September): five leads, one converted into deal D.
    app.clock.advance(Duration::days(279));
    let r1t = app.token_for(&r1).await;
    let stages = open_stages(&app, &r1t).await;
    let mut leads = Vec::new();
    for i in 0..5 {
        let lead = app
            .gql(Some(&r1t), "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
                json!({"input": {"name": format!("Plan lead {i}"), "company": format!("Plan Lead Co {i}"), "source": "REFERRAL"}}))
            .await;
        leads.push(string_at(&lead, &["data", "createLead", "lead", "id"]));
    }
    app.gql(Some(&r1t), "mutation($id: ID!) { updateLead(input: {id: $id, expectedVersion: 1, status: QUALIFIED}) { lead { id } } }", json!({"id": leads[0]})).await;
    let converted = app
        .gql(Some(&r1t), "mutation($id: ID!) { convertLead(input: {id: $id, opportunity: {name: \"D\", amount: \"200\", expectedCloseDate: \"2026-10-15\"}}) { opportunity { id version } } }", json!({"id": leads[0]}))
        .await;
    let d = &converted["data"]["convertLead"]["opportunity"];
    assert!(d.is_object(), "{converted}");
    // A (1,000) won from the first stage; B (3,000) won after the second; C (500) and D lost.
    won(&app, &r1t, &customer, "1000", "2026-10-15").await;
    let (b, _) = deal(&app, &r1t, &customer, "3000", "2026-10-15").await;
    let moved = app
        .gql(Some(&r1t), "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s, expectedVersion: 1}) { opportunity { version } } }", json!({"id": b, "s": stages[1]}))
        .await;
    let version = moved["data"]["moveOpportunityStage"]["opportunity"]["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("{moved}"));
    close(&app, &r1t, &b, version, true).await;
    let (c, version) = deal(&app, &r1t, &customer, "500", "2026-10-15").await;
    close(&app, &r1t, &c, version, false).await;
    close(
        &app,
        &r1t,
        d["id"].as_str().unwrap_or_default(),
        d["version"].as_i64().unwrap_or(1),
        false,
    )
    .await;

    // 5 December 2026: E (2,000) won; F (2,000) open in the first stage and G (1,000) open in
    // the second, both expected this month; H expected next year does not count.
    app.clock.advance(Duration::days(81));
    let r1t = app.token_for(&r1).await;
    won(&app, &r1t, &customer, "2000", "2026-12-20").await;
    deal(&app, &r1t, &customer, "2000", "2026-12-20").await;
    let (g, _) = deal(&app, &r1t, &customer, "1000", "2026-12-25").await;
    let moved = app
        .gql(Some(&r1t), "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s, expectedVersion: 1}) { opportunity { version } } }", json!({"id": g, "s": stages[1]}))
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    deal(&app, &r1t, &customer, "9000", "2027-01-20").await;
    let manager_token = app.token_for(&manager).await;
    let target = set(
        &app,
        &manager_token,
        "2026-12",
        "USER",
        Some(&r1.id),
        "10000",
    )
    .await;
    assert!(target["errors"].is_null(), "{target}");

    let plan = app
        .gql(Some(&manager_token), PLAN, plan_input("USER", Some(&r1.id)))
        .await;
    let mut found = plan["data"]["targetPlan"].clone();
    assert!(found.is_object(), "{plan}");
    let stages_found = found["stages"].as_array().cloned().unwrap_or_default();
    found["stages"] = json!(stages_found.iter().take(2).collect::<Vec<_>>());
    // Observed September to December 2026: won A, B, E (6,000; 2,000 each on average) of five
    // closed; five leads, one converted. Remaining 8,000: ⌈8000 ÷ 2000⌉ = 4 deals; ÷ 0.6 →
    // 6.67 → 7 in play; ÷ 0.2 → 35 leads. Open: F and G (3,000), four leads: 5 deals short,
    // ⌈5 ÷ 0.2⌉ − 4 = 21 leads short. Stage one: five reached, three won → ⌈4 × 5 ÷ 3⌉ = 7,
    // one open; stage two: B reached and won → 4, G open. Growth: 4,000 won in
    // August–November 2026 against 1,000 a year earlier = 3; 1,500 × 4 = 6,000.
    assert_eq!(
        found,
        json!({"period": "2026-12", "scope": "USER", "scopeId": r1.id, "target": "10000.00",
            "wonAmount": "2000.00", "remainingAmount": "8000.00", "lookbackPeriods": 4,
            "observedFrom": "2026-09-01", "observedTo": "2027-01-01",
            "observedWonDeals": 3, "observedClosedDeals": 5, "winRate": 0.6,
            "averageDealSize": "2000.00", "observedLeads": 5, "observedConvertedLeads": 1,
            "leadConversionRate": 0.2, "dealsNeeded": 4, "opportunitiesNeeded": 7,
            "leadsNeeded": 35, "openOpportunities": 2, "openPipelineAmount": "3000.00",
            "openLeads": 4, "opportunitiesShort": 5, "leadsShort": 21,
            "stages": [
                {"stage": {"name": stages_found[0]["stage"]["name"]}, "reachedDeals": 5, "wonDeals": 3,
                    "winRateFromStage": 0.6, "dealsNeeded": 7, "openDeals": 1, "openAmount": "2000.00", "dealsShort": 6},
                {"stage": {"name": stages_found[1]["stage"]["name"]}, "reachedDeals": 1, "wonDeals": 1,
                    "winRateFromStage": 1.0, "dealsNeeded": 4, "openDeals": 1, "openAmount": "1000.00", "dealsShort": 3},
            ],
            "previousPeriodWonAmount": "1500.00", "growthRate": 3.0, "growthObserved": true,
            "suggestedTarget": "6000.00"}),
        "{plan}"
    );
    assert!(
        stages_found
            .iter()
            .skip(2)
            .all(|s| s["reachedDeals"] == 0 && s["openDeals"] == 0 && s["dealsNeeded"].is_null()),
        "later stages saw nothing, so they have no rate: {plan}"
    );

    // The team has no target: no funnel, but the same observations and a suggestion at the
    // growth given.
    let team_plan = app
        .gql(
            Some(&manager_token),
            PLAN,
            json!({"input": {"period": "2026-12", "scope": "TEAM", "scopeId": east, "growthRate": "0.1"}}),
        )
        .await;
    let t = &team_plan["data"]["targetPlan"];
    assert_eq!(
        (
            &t["target"],
            &t["remainingAmount"],
            &t["dealsNeeded"],
            &t["leadsShort"],
            &t["observedWonDeals"],
            &t["growthRate"],
            &t["growthObserved"],
            &t["suggestedTarget"],
            &t["stages"][0]["dealsNeeded"],
        ),
        (
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &json!(3),
            &json!(0.1),
            &json!(false),
            &json!("1650.00"),
            &Value::Null,
        ),
        "{team_plan}"
    );

    // Visibility: a rep sees their own plan only; another team's manager and ids that never
    // existed answer alike; the company is the admin's and finance's.
    let r2t = app.token_for(&r2).await;
    let own = app
        .gql(Some(&r2t), PLAN, plan_input("USER", Some(&r2.id)))
        .await;
    assert_eq!(own["data"]["targetPlan"]["observedWonDeals"], 0, "{own}");
    let other_manager_token = app.token_for(&other_manager).await;
    let finance_token = app.token_for(&finance).await;
    let company = app
        .gql(Some(&finance_token), PLAN, plan_input("COMPANY", None))
        .await;
    assert_eq!(
        company["data"]["targetPlan"]["observedWonDeals"], 3,
        "{company}"
    );
    let admin = fresh_admin_token(&app).await;
    let region = app
        .gql(Some(&admin), PLAN, plan_input("REGION", Some("East")))
        .await;
    assert_eq!(
        region["data"]["targetPlan"]["wonAmount"], "2000.00",
        "{region}"
    );
    let refused = [
        (
            app.gql(Some(&r2t), PLAN, plan_input("USER", Some(&r1.id)))
                .await,
            ("NOT_FOUND", Some("input.scopeId")),
        ),
        (
            app.gql(
                Some(&r2t),
                PLAN,
                plan_input("USER", Some(&missing_id("User"))),
            )
            .await,
            ("NOT_FOUND", Some("input.scopeId")),
        ),
        (
            app.gql(
                Some(&other_manager_token),
                PLAN,
                plan_input("TEAM", Some(&east)),
            )
            .await,
            ("NOT_FOUND", Some("input.scopeId")),
        ),
        (
            app.gql(
                Some(&other_manager_token),
                PLAN,
                plan_input("TEAM", Some(&missing_id("Team"))),
            )
            .await,
            ("NOT_FOUND", Some("input.scopeId")),
        ),
        (
            app.gql(Some(&r2t), PLAN, plan_input("COMPANY", None)).await,
            ("FORBIDDEN", None),
        ),
        (
            app.gql(
                Some(&app.token_for(&support).await),
                PLAN,
                plan_input("USER", Some(&r1.id)),
            )
            .await,
            ("FORBIDDEN", None),
        ),
        (
            app.gql(
                Some(&admin),
                PLAN,
                plan_input("REGION", Some("Nowhere")),
            )
            .await,
            ("NOT_FOUND", Some("input.scopeId")),
        ),
        (
            app.gql(
                Some(&manager_token),
                PLAN,
                json!({"input": {"period": "2026-12", "scope": "TEAM", "scopeId": east, "growthRate": "11"}}),
            )
            .await,
            ("BAD_USER_INPUT", Some("input.growthRate")),
        ),
        (
            app.gql(
                Some(&manager_token),
                PLAN,
                json!({"input": {"period": "2026-W54", "scope": "TEAM", "scopeId": east}}),
            )
            .await,
            ("BAD_USER_INPUT", Some("input.period")),
        ),
    ];
    for (body, (code, field)) in &refused {
        assert_eq!(code_and_field(body), (Some(*code), *field), "{body}");
    }
}

#[tokio::test]
async fn the_plan_costs_the_same_statements_for_few_or_many_deals() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    crate::fixtures::without_playbook(&app).await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Counted Plan Co").await;
    set(&app, &app.admin_token, "2026-12", "COMPANY", None, "50000").await;
    let query = plan_input("COMPANY", None);
    app.gql(Some(&app.admin_token), "{ me { id } }", json!({}))
        .await;
    app.quiet().await;
    let few = app.admin(PLAN, query.clone()).await;
    let few_cost = app.take_statement_count();
    for i in 0..4 {
        won(&app, &rep.token, &customer, "100", "2026-12-20").await;
        deal(
            &app,
            &rep.token,
            &customer,
            &format!("{}", 10 + i),
            "2026-12-21",
        )
        .await;
    }
    app.gql(Some(&app.admin_token), "{ me { id } }", json!({}))
        .await;
    app.quiet().await;
    let many = app.admin(PLAN, query).await;
    let many_cost = app.take_statement_count();
    assert!(few["errors"].is_null(), "{few}");
    assert_eq!(
        (
            &many["data"]["targetPlan"]["observedWonDeals"],
            &many["data"]["targetPlan"]["openOpportunities"]
        ),
        (&json!(4), &json!(4)),
        "{many}"
    );
    assert_eq!(few_cost, many_cost, "statements grew with the deals");
}
