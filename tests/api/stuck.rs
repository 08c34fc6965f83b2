//! Stuck deals out of the box: the default stages ship with limits, each stage reports the
//! median and 80th percentile of observed stays, and an `AUTO` stage's limit follows them once
//! enough deals left it — for `isStale`, the stale list and the sweep alike.

use serde_json::{Value, json};

use crate::helpers::*;

const CREATE: &str = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }";
const MOVE: &str = "mutation($input: MoveOpportunityStageInput!) { moveOpportunityStage(input: $input) { opportunity { version } } }";
const STAGES: &str = "{ pipelineStages { id name probability kind maxDaysInStage staleRule \
    observedSample observedMedianDays observedP80Days effectiveMaxDaysInStage } }";

async fn stages(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app.gql(Some(token), STAGES, json!({})).await;
    body["data"]["pipelineStages"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

fn named<'a>(stages: &'a [Value], name: &str) -> &'a Value {
    stages
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
}

#[tokio::test]
async fn default_stages_ship_with_limits_and_auto_follows_observed_stays() {
    let app = TestApp::spawn().await;
    crate::fixtures::without_playbook(&app).await;
    let rep = app.a_user().create().await;
    let defaults = stages(&app, &rep.token).await;
    let limits: Vec<(&str, &Value, &Value)> = defaults
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default(),
                &s["maxDaysInStage"],
                &s["staleRule"],
            )
        })
        .collect();
    assert_eq!(
        limits,
        vec![
            ("Initial contact", &json!(14), &json!("FIXED")),
            ("Requirements confirmed", &json!(21), &json!("FIXED")),
            ("Quotation", &json!(14), &json!("FIXED")),
            ("Contract drafting", &json!(30), &json!("FIXED")),
            ("Won", &Value::Null, &json!("FIXED")),
            ("Lost", &Value::Null, &json!("FIXED")),
        ]
    );
    // Quotation reads its limit from observed stays, 30 days until enough are seen.
    let specs: Vec<Value> = defaults
        .iter()
        .map(|s| {
            let auto = s["name"] == "Quotation";
            json!({"id": s["id"], "name": s["name"], "probability": s["probability"], "kind": s["kind"],
                "maxDaysInStage": if auto { json!(30) } else { s["maxDaysInStage"].clone() },
                "staleRule": if auto { "AUTO" } else { "FIXED" }})
        })
        .collect();
    let updated = app
        .admin(
            "mutation($s: [PipelineStageInput!]!) { updatePipelineStages(input: {stages: $s}) { stages { id } } }",
            json!({"s": specs}),
        )
        .await;
    assert!(updated["errors"].is_null(), "{updated}");
    let quotation = named(&defaults, "Quotation")["id"].clone();
    let drafting = named(&defaults, "Contract drafting")["id"].clone();
    // Eleven deals enter Quotation today; ten leave it after 1, 2, …, 10 days; the eleventh
    // stays.
    let mut deals = Vec::new();
    for _ in 0..11 {
        let customer = crate::fixtures::a_customer(&app, &rep.token, "Dwell Co").await;
        let body = app
            .gql(
                Some(&rep.token),
                CREATE,
                json!({"input": {"customerId": customer, "name": "D", "amount": "10.00",
                "expectedCloseDate": "2027-06-30", "stageId": quotation}}),
            )
            .await;
        deals.push(
            body["data"]["createOpportunity"]["opportunity"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
    }
    let waiting = deals.pop().unwrap_or_default();
    let stale_of = async |token: &str, id: &str| {
        let body = app
            .gql(
                Some(token),
                "query($id: ID!) { opportunity(id: $id) { isStale } }",
                json!({"id": id}),
            )
            .await;
        body["data"]["opportunity"]["isStale"].clone()
    };
    let mut token = rep.token.clone();
    for (i, id) in deals.iter().enumerate() {
        app.clock.advance(chrono::Duration::days(1));
        // Days pass: the rep signs in again.
        token = app.token_for(&rep).await;
        let moved = app
            .gql(
                Some(&token),
                MOVE,
                json!({"input": {"id": id, "expectedVersion": 1, "stageId": drafting}}),
            )
            .await;
        assert!(moved["errors"].is_null(), "{moved}");
        if i == 8 {
            // Nine stays seen: too few, the fixed 30 days still rule.
            let quotation = named(&stages(&app, &token).await, "Quotation").clone();
            assert_eq!(
                (
                    &quotation["observedSample"],
                    &quotation["effectiveMaxDaysInStage"]
                ),
                (&json!(9), &json!(30))
            );
            assert_eq!(stale_of(&token, &waiting).await, json!(false));
        }
    }
    // Ten stays of 1–10 days: median 5.5, 80th percentile 8; the deal still waiting has
    // stayed 10 days, beyond 8.
    let quotation = named(&stages(&app, &token).await, "Quotation").clone();
    assert_eq!(
        (
            &quotation["observedSample"],
            &quotation["observedMedianDays"],
            &quotation["observedP80Days"],
            &quotation["effectiveMaxDaysInStage"]
        ),
        (&json!(10), &json!(5.5), &json!(8.0), &json!(8))
    );
    assert_eq!(stale_of(&token, &waiting).await, json!(true));
    let listed = app
        .gql(
            Some(&token),
            "{ staleOpportunities(first: 20) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["staleOpportunities"]["nodes"],
        json!([{"id": waiting}]),
        "{listed}"
    );
    let now = salesgraph::clock::Clock::now(&app.clock);
    let swept = salesgraph::opportunities::service::report_stale(&app.state, now)
        .await
        .map(|r| r.affected)
        .ok();
    assert_eq!(swept, Some(1));
    // A fixed stage ignores what it observed: Contract drafting's deals are not stuck.
    let drafting = named(&stages(&app, &token).await, "Contract drafting").clone();
    assert_eq!(drafting["effectiveMaxDaysInStage"], 30);
}
