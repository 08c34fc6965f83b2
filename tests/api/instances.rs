//! Several instances on one PostgreSQL database: events cross instances, sweeps run once.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use crate::websocket::{connected_at, json_of, next, send};

#[tokio::test]
async fn a_change_made_through_one_instance_reaches_a_subscriber_on_another() {
    let app = TestApp::spawn_on_postgres().await;
    crate::fixtures::without_playbook(&app).await;
    let (second, _) = app.second_instance().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Across", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let manager_token = app.token_for(&manager).await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Across Co").await;
    let created = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Across", "amount": "10", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    let deal = created["data"]["createOpportunity"]["opportunity"]["id"].clone();
    let stages = app
        .gql(Some(&rep.token), "{ pipelineStages { id } }", json!({}))
        .await;
    let next_stage = stages["data"]["pipelineStages"][1]["id"].clone();
    let subscription =
        "subscription { opportunityStageChanged { opportunity { id } toStage { name } } }";
    let mut watching = connected_at(second, &manager_token).await;
    let mut outside = connected_at(second, &outsider.token).await;
    for socket in [&mut watching, &mut outside] {
        send(
            socket,
            json!({"id": "s", "type": "subscribe", "payload": {"query": subscription}}),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let moved = app
        .gql(
            Some(&rep.token),
            "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s, expectedVersion: 1}) { opportunity { id } } }",
            json!({"id": deal, "s": next_stage}),
        )
        .await;
    let event = json_of(next(&mut watching).await);

    assert!(moved["errors"].is_null(), "{moved}");
    assert_eq!(
        event["payload"]["data"]["opportunityStageChanged"]["opportunity"]["id"], deal,
        "{event}"
    );
    let nothing = tokio::time::timeout(
        Duration::from_millis(500),
        futures_util::StreamExt::next(&mut outside),
    )
    .await;
    assert!(
        nothing.is_err(),
        "the outsider on the other instance heard {nothing:?}"
    );
}

#[tokio::test]
async fn a_sweep_started_on_two_instances_at_once_runs_once() {
    let app = TestApp::spawn_on_postgres().await;
    let (_, second) = app.second_instance().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Swept Co").await;
    let now = salesgraph::clock::Clock::now(&app.clock);
    for _ in 0..3 {
        let body = app
            .gql(
                Some(&rep.token),
                "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
                json!({"input": {"customerId": customer, "purpose": "Swept",
                    "plannedStart": now + chrono::Duration::minutes(5), "plannedEnd": now + chrono::Duration::minutes(35)}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let later = now + chrono::Duration::days(3);

    let (one, two) = tokio::join!(
        salesgraph::visits::missed::mark_missed(&app.state, later),
        salesgraph::visits::missed::mark_missed(&second, later),
    );
    let (one, two) = (one.unwrap(), two.unwrap());

    assert_eq!(one.affected + two.affected, 3, "{one:?} {two:?}");
    let again = salesgraph::visits::missed::mark_missed(&second, later)
        .await
        .unwrap();
    assert_eq!(again.affected, 0);
}

#[tokio::test]
async fn each_period_of_a_sweep_is_claimed_by_one_instance_only() {
    let app = TestApp::spawn_on_postgres().await;
    let (_, second) = app.second_instance().await;
    let claim = salesgraph::jobs::claim_period;
    let hour = chrono::Duration::hours(1);
    let t0 = salesgraph::clock::Clock::now(&app.clock);
    let at = |minutes: i64| t0 + chrono::Duration::minutes(minutes);

    let first = claim(&app.state, "test-sweep", hour, at(0)).await.unwrap();
    let other_instance_soon = claim(&second, "test-sweep", hour, at(1)).await.unwrap();
    let other_instance_later = claim(&second, "test-sweep", hour, at(50)).await.unwrap();
    let next_period_early_tick = claim(&second, "test-sweep", hour, at(58)).await.unwrap();
    let first_again = claim(&app.state, "test-sweep", hour, at(60)).await.unwrap();
    let another_sweep = claim(&second, "other-sweep", hour, at(60)).await.unwrap();
    let (one, two) = tokio::join!(
        claim(&app.state, "test-sweep", hour, at(180)),
        claim(&second, "test-sweep", hour, at(180)),
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    let (fresh_one, fresh_two) = tokio::join!(
        claim(&app.state, "fresh-sweep", hour, at(180)),
        claim(&second, "fresh-sweep", hour, at(180)),
    );

    assert!(first, "the first tick ever runs the sweep");
    assert!(!other_instance_soon && !other_instance_later);
    assert!(
        next_period_early_tick,
        "a tick within a twentieth of the period before it is due belongs to the new period"
    );
    assert!(!first_again, "the period starting at 58 minutes is taken");
    assert!(another_sweep, "periods are per sweep");
    assert!(
        one ^ two,
        "exactly one of two simultaneous ticks: {one} {two}"
    );
    assert!(
        fresh_one.unwrap() ^ fresh_two.unwrap(),
        "exactly one instance creates a sweep's first period"
    );
}
