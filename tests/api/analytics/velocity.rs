//! Pipeline velocity: dwell times, conversion and stuck deals per scope.

use super::*;

const VELOCITY: &str = "query($input: PipelineVelocityInput!) { pipelineVelocity(input: $input) { stage { name } averageDays medianDays conversionToNext stuckCount stuckDeals { id } } }";

#[tokio::test]
async fn pipeline_velocity_shows_dwell_times_conversion_and_stuck_deals() {
    let app = TestApp::spawn_at(at("2026-11-02T01:00:00Z")).await;
    crate::fixtures::without_playbook(&app).await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Velocity Co").await;
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
        let customer = crate::fixtures::a_customer(&app, &rep.token, "Stuck Co").await;
        for _ in 0..deals {
            let (id, _) = deal(&app, &rep.token, &customer, "100", "2026-12-31").await;
            entered.push(id);
            app.clock.advance(Duration::seconds(10));
        }
    }
    app.clock.advance(Duration::days(5));
    let ann_token = app.token_for(&ann).await;
    let ann_customer = crate::fixtures::a_customer(&app, &ann_token, "Fresh Co").await;
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
