//! The pipeline: stages, deals, moves and their history, live stage changes.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;

const CREATE: &str = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version amount probability weightedAmount status forecastCategory stage { name } owner { id } customer { id } } } }";
const MOVE: &str = "mutation($input: MoveOpportunityStageInput!) { moveOpportunityStage(input: $input) { opportunity { version stage { name } daysInStage } } }";
const DEAL: &str = "query($id: ID!) { opportunity(id: $id) { id status version forecastCategory lostReason isStale daysInStage stage { name } stageHistory { nodes { fromStage { name } toStage { name } daysInPreviousStage note changedBy { id } } } } }";

async fn stage_id(app: &TestApp, token: &str, name: &str) -> String {
    let stages = app
        .gql(Some(token), "{ pipelineStages { id name } }", json!({}))
        .await;
    stages["data"]["pipelineStages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stage {name}: {stages}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_deal(app: &TestApp, user: &TestUser, amount: &str) -> (String, String) {
    let customer = crate::fixtures::a_customer(app, &user.token, "Deal Customer").await;
    let body = app
        .gql(Some(&user.token), CREATE, json!({"input": {"customerId": customer, "name": "Big deal", "amount": amount, "expectedCloseDate": "2026-12-31"}}))
        .await;
    let id = body["data"]["createOpportunity"]["opportunity"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    (id, customer)
}

/// The current stages as `PipelineStageInput` values, in order.
async fn stage_specs(app: &TestApp) -> Vec<Value> {
    let stages = app
        .admin("{ pipelineStages { id name probability kind } }", json!({}))
        .await;
    stages["data"]["pipelineStages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"id": s["id"], "name": s["name"], "probability": s["probability"], "kind": s["kind"]}))
        .collect()
}

/// Gives the first stage a `maxDaysInStage` (as admin).
async fn limit_first_stage(app: &TestApp, days: i64) {
    let mut specs = stage_specs(app).await;
    specs[0]["maxDaysInStage"] = json!(days);
    let body = app
        .admin("mutation($s: [PipelineStageInput!]!) { updatePipelineStages(input: {stages: $s}) { stages { id } } }", json!({"s": specs}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn deal(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(Some(token), DEAL, json!({"id": id})).await["data"]["opportunity"].clone()
}

#[tokio::test]
async fn the_default_pipeline_has_the_documented_stages() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;

    let body = app
        .gql(
            Some(&rep.token),
            "{ pipelineStages { name probability kind position } }",
            json!({}),
        )
        .await;

    let stages: Vec<(String, i64, String)> = body["data"]["pipelineStages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["probability"].as_i64().unwrap(),
                s["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("Initial contact", 10, "OPEN"),
        ("Requirements confirmed", 30, "OPEN"),
        ("Quotation", 50, "OPEN"),
        ("Contract drafting", 80, "OPEN"),
        ("Won", 100, "WON"),
        ("Lost", 0, "LOST"),
    ];
    assert_eq!(
        stages,
        expected.map(|(n, p, k)| (n.to_owned(), p, k.to_owned()))
    );
}

#[tokio::test]
async fn a_rep_opens_a_deal_with_a_weighted_amount_in_exact_money() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Money Co").await;
    let input = |amount: Value| json!({"input": {"customerId": customer, "name": "Deal", "amount": amount, "expectedCloseDate": "2026-12-31"}});

    let body = app
        .gql(Some(&rep.token), CREATE, input(json!("1234.55")))
        .await;
    let too_precise = app
        .gql(Some(&rep.token), CREATE, input(json!("1.005")))
        .await;
    let as_number = app.gql(Some(&rep.token), CREATE, input(json!(12.5))).await;
    let negative = app.gql(Some(&rep.token), CREATE, input(json!("-1"))).await;

    let deal = &body["data"]["createOpportunity"]["opportunity"];
    assert_eq!(deal["amount"], "1234.55");
    assert_eq!(deal["probability"], 10);
    assert_eq!(
        deal["weightedAmount"], "123.46",
        "10% of 1234.55 rounded half-up"
    );
    assert_eq!(
        (deal["status"].as_str(), deal["stage"]["name"].as_str()),
        (Some("OPEN"), Some("Initial contact"))
    );
    assert_eq!(
        (error_code(&too_precise), error_field(&too_precise)),
        (Some("BAD_USER_INPUT"), Some("input.amount"))
    );
    assert!(
        as_number["errors"].is_array() && as_number["data"].is_null(),
        "{as_number}"
    );
    assert_eq!(error_code(&negative), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn moves_write_history_with_dwell_time_from_the_clock() {
    let app = TestApp::spawn().await;
    crate::fixtures::without_playbook(&app).await;
    let rep = app.a_user().create().await;
    let (id, _) = a_deal(&app, &rep, "5000").await;
    let quotation = stage_id(&app, &rep.token, "Quotation").await;
    app.clock.advance(chrono::Duration::days(3));
    let token = app.token_for(&rep).await;

    let moved = app.gql(Some(&token), MOVE, json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 1, "note": "Sent the quote"}})).await;
    let again = app
        .gql(
            Some(&token),
            MOVE,
            json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 2}}),
        )
        .await;
    let stale = app
        .gql(
            Some(&token),
            MOVE,
            json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 1}}),
        )
        .await;

    assert_eq!(
        moved["data"]["moveOpportunityStage"]["opportunity"]["stage"]["name"], "Quotation",
        "{moved}"
    );
    assert_eq!(error_code(&again), Some("INVALID_STATE"));
    assert_eq!(error_code(&stale), Some("CONFLICT"));
    app.clock.advance(chrono::Duration::days(2));
    let token = app.token_for(&rep).await;
    let history = deal(&app, &token, &id).await;
    assert_eq!(history["daysInStage"], 2);
    assert_eq!(
        history["stageHistory"]["nodes"],
        json!([
            {"fromStage": null, "toStage": {"name": "Initial contact"}, "daysInPreviousStage": null, "note": null, "changedBy": {"id": rep.id}},
            {"fromStage": {"name": "Initial contact"}, "toStage": {"name": "Quotation"}, "daysInPreviousStage": 3, "note": "Sent the quote", "changedBy": {"id": rep.id}}
        ])
    );
}

#[tokio::test]
async fn closing_and_reopening_follow_the_rules() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let (id, _) = a_deal(&app, &rep, "100").await;
    let quotation = stage_id(&app, &rep.token, "Quotation").await;
    let won_stage = stage_id(&app, &rep.token, "Won").await;
    let lose = "mutation($input: LoseOpportunityInput!) { loseOpportunity(input: $input) { opportunity { status lostReason version } } }";
    let win = "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { status forecastCategory version stage { name } } } }";
    let reopen = "mutation($input: ReopenOpportunityInput!) { reopenOpportunity(input: $input) { opportunity { status forecastCategory version } } }";

    let into_won_stage = app
        .gql(
            Some(&rep.token),
            MOVE,
            json!({"input": {"id": id, "stageId": won_stage, "expectedVersion": 1}}),
        )
        .await;
    let no_reason = app
        .gql(
            Some(&rep.token),
            lose,
            json!({"input": {"id": id, "reason": "No budget", "expectedVersion": 1}}),
        )
        .await;
    let won = app
        .gql(
            Some(&rep.token),
            win,
            json!({"input": {"id": id, "expectedVersion": 1, "reasonId": WIN_REASON}}),
        )
        .await;
    let move_closed = app
        .gql(
            Some(&rep.token),
            MOVE,
            json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 2}}),
        )
        .await;
    let lose_closed = app
        .gql(
            Some(&rep.token),
            lose,
            json!({"input": {"id": id, "reason": "x", "expectedVersion": 2, "reasonId": LOSS_REASON}}),
        )
        .await;
    let reopened = app
        .gql(
            Some(&rep.token),
            reopen,
            json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 2}}),
        )
        .await;
    let lost = app
        .gql(
            Some(&rep.token),
            lose,
            json!({"input": {"id": id, "reason": "Budget cut", "expectedVersion": 3, "reasonId": LOSS_REASON}}),
        )
        .await;

    assert_eq!(
        (error_code(&into_won_stage), error_field(&into_won_stage)),
        (Some("BAD_USER_INPUT"), Some("input.stageId"))
    );
    assert_eq!(
        (error_code(&no_reason), error_field(&no_reason)),
        (Some("BAD_USER_INPUT"), Some("input.reasonId")),
        "a loss names a reason of the list: {no_reason}"
    );
    assert_eq!(
        won["data"]["winOpportunity"]["opportunity"],
        json!({"status": "WON", "forecastCategory": "CLOSED", "version": 2, "stage": {"name": "Won"}})
    );
    assert_eq!(error_code(&move_closed), Some("INVALID_STATE"));
    assert_eq!(error_code(&lose_closed), Some("INVALID_STATE"));
    assert_eq!(
        reopened["data"]["reopenOpportunity"]["opportunity"],
        json!({"status": "OPEN", "forecastCategory": "PIPELINE", "version": 3})
    );
    assert_eq!(
        lost["data"]["loseOpportunity"]["opportunity"]["lostReason"],
        "Budget cut"
    );
}

#[tokio::test]
async fn twenty_retries_of_one_move_change_the_stage_once() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    crate::fixtures::without_playbook(&app).await;
    let rep = app.a_user().create().await;
    let (id, _) = a_deal(&app, &rep, "100").await;
    let quotation = stage_id(&app, &rep.token, "Quotation").await;
    let input = json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 1, "idempotencyKey": "move-1"}});

    let results = futures_util::future::join_all(
        (0..20).map(|_| app.gql(Some(&rep.token), MOVE, input.clone())),
    )
    .await;

    // The key is claimed when the first call starts: the others wait for it and replay.
    let ok = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(ok, 20, "{results:?}");
    let history = deal(&app, &rep.token, &id).await["stageHistory"]["nodes"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(history, 2, "creation plus exactly one move");
}

#[tokio::test]
async fn deals_follow_visibility_and_finance_only_reads() {
    let app = TestApp::spawn().await;
    let owner = app.a_user().create().await;
    let other = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let (id, customer) = a_deal(&app, &owner, "100").await;
    let quotation = stage_id(&app, &owner.token, "Quotation").await;

    let hidden = app.gql(Some(&other.token), DEAL, json!({"id": id})).await;
    let foreign_move = app
        .gql(
            Some(&other.token),
            MOVE,
            json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 1}}),
        )
        .await;
    let foreign_create = app
        .gql(Some(&other.token), CREATE, json!({"input": {"customerId": customer, "name": "Steal", "amount": "1", "expectedCloseDate": "2026-12-31"}}))
        .await;
    let finance_read = app.gql(Some(&finance.token), DEAL, json!({"id": id})).await;
    let finance_move = app
        .gql(
            Some(&finance.token),
            MOVE,
            json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 1}}),
        )
        .await;
    let finance_list = app
        .gql(
            Some(&finance.token),
            "{ opportunities { totalCount } }",
            json!({}),
        )
        .await;

    assert_eq!(error_code(&hidden), Some("NOT_FOUND"));
    assert_eq!(error_code(&foreign_move), Some("NOT_FOUND"));
    assert_eq!(
        (error_code(&foreign_create), error_field(&foreign_create)),
        (Some("NOT_FOUND"), Some("input.customerId"))
    );
    assert_eq!(finance_read["data"]["opportunity"]["id"], id.as_str());
    assert_eq!(error_code(&finance_move), Some("FORBIDDEN"));
    assert_eq!(finance_list["data"]["opportunities"]["totalCount"], 1);
}

#[tokio::test]
async fn stages_in_use_cannot_be_removed_only_archived() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    a_deal(&app, &rep, "100").await;
    let all = stage_specs(&app).await;
    let update = "mutation($stages: [PipelineStageInput!]!) { updatePipelineStages(input: {stages: $stages}) { stages { name archived maxDaysInStage } } }";

    let without_first: Vec<Value> = all[1..].to_vec();
    let removed = app.admin(update, json!({"stages": without_first})).await;
    let mut archived = all.clone();
    archived[0]["archived"] = json!(true);
    archived[1]["maxDaysInStage"] = json!(14);
    let ok = app.admin(update, json!({"stages": archived})).await;
    let by_rep = app
        .gql(Some(&rep.token), update, json!({"stages": all}))
        .await;

    assert_eq!(error_code(&removed), Some("INVALID_STATE"));
    assert_eq!(
        ok["data"]["updatePipelineStages"]["stages"][0]["archived"], true,
        "{ok}"
    );
    assert_eq!(
        ok["data"]["updatePipelineStages"]["stages"][1]["maxDaysInStage"],
        14
    );
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"));
    let visible = app
        .gql(Some(&rep.token), "{ pipelineStages { name } }", json!({}))
        .await;
    assert_eq!(
        visible["data"]["pipelineStages"].as_array().unwrap().len(),
        5
    );
}

#[tokio::test]
async fn deals_beyond_their_stage_limit_are_stale() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let (id, _) = a_deal(&app, &rep, "100").await;
    limit_first_stage(&app, 5).await;

    let fresh = deal(&app, &rep.token, &id).await["isStale"].clone();
    // Five and a half days in a five-day stage: stale on the deal and in the list alike.
    app.clock.advance(chrono::Duration::hours(5 * 24 + 12));
    let token = app.token_for(&rep).await;
    let later = deal(&app, &token, &id).await;
    let listed = app
        .gql(
            Some(&token),
            "{ staleOpportunities { nodes { id } } opportunities(filter: {staleOnly: true}) { totalCount } }",
            json!({}),
        )
        .await;

    assert_eq!(fresh, json!(false));
    assert_eq!(
        (later["isStale"].clone(), later["daysInStage"].clone()),
        (json!(true), json!(5))
    );
    assert_eq!(
        listed["data"]["staleOpportunities"]["nodes"],
        json!([{"id": id}])
    );
    assert_eq!(listed["data"]["opportunities"]["totalCount"], 1);
}

#[tokio::test]
async fn a_converted_lead_can_open_its_deal_in_the_same_step() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let lead = app
        .gql(Some(&rep.token), "mutation { createLead(input: {name: \"Qi\", company: \"Qi Corp\", source: EVENT}) { lead { id } } }", json!({}))
        .await["data"]["createLead"]["lead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql(Some(&rep.token), "mutation($id: ID!) { updateLead(input: {id: $id, expectedVersion: 1, status: QUALIFIED}) { lead { id } } }", json!({"id": lead})).await;

    let body = app
        .gql(
            Some(&rep.token),
            "mutation($id: ID!) { convertLead(input: {id: $id, opportunity: {name: \"First order\", amount: \"8000\", expectedCloseDate: \"2027-01-31\"}}) { lead { convertedOpportunity { id } } customer { opportunities { nodes { name amount } } } opportunity { id name } } }",
            json!({"id": lead}),
        )
        .await;

    let result = &body["data"]["convertLead"];
    assert_eq!(result["opportunity"]["name"], "First order", "{body}");
    assert_eq!(
        result["lead"]["convertedOpportunity"]["id"],
        result["opportunity"]["id"]
    );
    assert_eq!(
        result["customer"]["opportunities"]["nodes"],
        json!([{"name": "First order", "amount": "8000.00"}])
    );
}

#[tokio::test]
async fn the_opportunity_list_with_nested_fields_costs_the_same_whatever_the_page_size() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for _ in 0..10 {
        a_deal(&app, &rep, "100").await;
    }
    let query = "query($n: Int!) { opportunities(first: $n) { nodes { name customer { name contacts { nodes { name } } } owner { email } stage { name } probability weightedAmount stageHistory { nodes { toStage { name } } } } } }";
    app.gql(Some(&rep.token), "{ me { id } }", json!({})).await;

    let (small_cost, small) = app
        .cheapest_cost(Some(&rep.token), query, json!({"n": 2}))
        .await;
    let (large_cost, large) = app
        .cheapest_cost(Some(&rep.token), query, json!({"n": 10}))
        .await;

    assert!(small["errors"].is_null(), "{small}");
    assert_eq!(
        large["data"]["opportunities"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(small_cost, large_cost);
}

#[tokio::test]
async fn a_manager_sees_their_reps_stage_changes_live_and_others_see_nothing() {
    use crate::websocket::{connected, json_of, next, send};
    let app = TestApp::spawn().await;
    crate::fixtures::without_playbook(&app).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Live Deals", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let manager_token = app.token_for(&manager).await;
    let (id, _) = a_deal(&app, &rep, "100").await;
    let (other_deal, _) = a_deal(&app, &rep, "200").await;
    let quotation = stage_id(&app, &rep.token, "Quotation").await;
    let subscription = "subscription($f: StageChangeFilter) { opportunityStageChanged(filter: $f) { opportunity { id } toStage { name } changedBy { id } } }";
    let mut manager_socket = connected(&app, &manager_token).await;
    let mut outsider_socket = connected(&app, &outsider.token).await;
    let mut filtered_socket = connected(&app, &manager_token).await;
    send(
        &mut manager_socket,
        json!({"id": "m", "type": "subscribe", "payload": {"query": subscription}}),
    )
    .await;
    send(
        &mut outsider_socket,
        json!({"id": "o", "type": "subscribe", "payload": {"query": subscription}}),
    )
    .await;
    send(&mut filtered_socket, json!({"id": "f", "type": "subscribe", "payload": {"query": subscription, "variables": {"f": {"opportunityId": other_deal}}}})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    app.gql(
        Some(&rep.token),
        MOVE,
        json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 1}}),
    )
    .await;
    let event = json_of(next(&mut manager_socket).await);
    let latency = started.elapsed();
    app.gql(
        Some(&rep.token),
        MOVE,
        json!({"input": {"id": other_deal, "stageId": quotation, "expectedVersion": 1}}),
    )
    .await;
    let filtered = json_of(next(&mut filtered_socket).await);

    assert_eq!(
        event["payload"]["data"]["opportunityStageChanged"]["opportunity"]["id"],
        id.as_str()
    );
    assert_eq!(
        event["payload"]["data"]["opportunityStageChanged"]["toStage"]["name"],
        "Quotation"
    );
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    eprintln!("stage change reached the subscriber {latency:?} after the mutation was sent");
    assert_eq!(
        filtered["payload"]["data"]["opportunityStageChanged"]["opportunity"]["id"],
        other_deal.as_str(),
        "the filter skipped the first deal"
    );
    let nothing = tokio::time::timeout(
        Duration::from_millis(500),
        futures_util::StreamExt::next(&mut outsider_socket),
    )
    .await;
    assert!(nothing.is_err(), "the outsider received {nothing:?}");
}

#[tokio::test]
async fn the_owners_manager_is_notified_of_wins() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Winners", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let (id, _) = a_deal(&app, &rep, "100").await;

    app.gql(Some(&rep.token), "mutation($id: ID!) { winOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000505\", id: $id, expectedVersion: 1}) { opportunity { status } } }", json!({"id": id})).await;

    let token = app.token_for(&manager).await;
    let notes = app
        .gql(
            Some(&token),
            "{ notifications { nodes { kind subjectId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        notes["data"]["notifications"]["nodes"],
        json!([{"kind": "OPPORTUNITY_WON", "subjectId": id}])
    );
}

const SPLITS: &str = "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version splits { user { id } percent creditedAmount weightedAmount } } } }";

#[tokio::test]
async fn revenue_splits_sum_to_100_credit_exactly_and_share_visibility() {
    let app = TestApp::spawn().await;
    let owner = app.a_user().create().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Partners", Some(&manager.id)).await;
    let partner = app.a_user().in_team(&team).create().await;
    let bystander = app.a_user().create().await;
    let (id, _) = a_deal(&app, &owner, "100.01").await;
    let input = |a: &str, b: &str, version: i64| json!({"input": {"id": id, "expectedVersion": version, "splits": [{"userId": owner.id, "percent": a}, {"userId": partner.id, "percent": b}]}});

    let default = app
        .gql(
            Some(&owner.token),
            DEAL.replace(
                "stageHistory",
                "splits { percent creditedAmount } stageHistory",
            )
            .as_str(),
            json!({"id": id}),
        )
        .await;
    let short = app
        .gql(Some(&owner.token), SPLITS, input("70", "29", 1))
        .await;
    let over = app
        .gql(Some(&owner.token), SPLITS, input("70", "31", 1))
        .await;
    let by_bystander = app
        .gql(Some(&bystander.token), SPLITS, input("70", "30", 1))
        .await;
    let split = app
        .gql(Some(&owner.token), SPLITS, input("70", "30", 1))
        .await;

    assert_eq!(
        default["data"]["opportunity"]["splits"],
        json!([{"percent": "100.00", "creditedAmount": "100.01"}])
    );
    assert_eq!(
        (error_code(&short), error_field(&short)),
        (Some("BAD_USER_INPUT"), Some("input.splits"))
    );
    assert_eq!(error_code(&over), Some("BAD_USER_INPUT"));
    assert_eq!(error_code(&by_bystander), Some("NOT_FOUND"));
    let splits = &split["data"]["setOpportunitySplits"]["opportunity"]["splits"];
    assert_eq!(splits[0]["creditedAmount"], "70.01", "{split}");
    assert_eq!(splits[1]["creditedAmount"], "30.00");
    assert_eq!(
        (
            splits[0]["weightedAmount"].as_str(),
            splits[1]["weightedAmount"].as_str()
        ),
        (Some("7.00"), Some("3.00"))
    );
    assert_eq!(
        deal(&app, &partner.token, &id).await["id"],
        id.as_str(),
        "a split member sees the deal"
    );
    let manager_token = app.token_for(&manager).await;
    assert_eq!(
        deal(&app, &manager_token, &id).await["id"],
        id.as_str(),
        "so does the member's manager"
    );
    assert!(deal(&app, &bystander.token, &id).await.is_null());
    let through_split = app
        .gql(
            Some(&partner.token),
            "query($id: ID!) { opportunity(id: $id) { customer { id } } }",
            json!({"id": id}),
        )
        .await;
    assert!(
        through_split["data"]["opportunity"]["customer"].is_null(),
        "a split does not reveal another rep's customer: {through_split}"
    );
    let member_change = app
        .gql(Some(&partner.token), SPLITS, input("50", "50", 2))
        .await;
    assert_eq!(
        error_code(&member_change),
        Some("FORBIDDEN"),
        "only the owner, managers and admins set splits"
    );
}

#[tokio::test]
async fn stale_deals_are_reported_once_to_owner_and_manager() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Slow", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let (id, _) = a_deal(&app, &rep, "100").await;
    limit_first_stage(&app, 2).await;
    app.clock.advance(chrono::Duration::days(3));
    let now = salesgraph::clock::Clock::now(&app.clock);

    let first = salesgraph::opportunities::service::report_stale(&app.state, now)
        .await
        .unwrap();
    let second = salesgraph::opportunities::service::report_stale(&app.state, now)
        .await
        .unwrap();

    assert_eq!((first.affected, second.affected), (1, 0));
    for user in [&rep, &manager] {
        let token = app.token_for(user).await;
        let notes = app
            .gql(
                Some(&token),
                "{ notifications { nodes { kind subjectId } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            notes["data"]["notifications"]["nodes"],
            json!([{"kind": "OPPORTUNITY_STALE", "subjectId": id}])
        );
    }
}

#[tokio::test]
async fn the_forecast_matches_hand_computed_numbers_within_visibility() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Forecasters", Some(&manager.id)).await;
    let a = app.a_user().in_team(&team).create().await;
    let b = app.a_user().in_team(&team).create().await;
    let c = app.a_user().create().await;
    let stage = |name: &'static str| {
        let app = &app;
        let token = a.token.clone();
        async move { stage_id(app, &token, name).await }
    };
    let (quotation, initial, requirements) = (
        stage("Quotation").await,
        stage("Initial contact").await,
        stage("Requirements confirmed").await,
    );
    let open = |user: &TestUser, amount: &str, stage: &str, category: &str, close: &str| {
        let app = &app;
        let token = user.token.clone();
        let (amount, stage, category, close) = (
            amount.to_owned(),
            stage.to_owned(),
            category.to_owned(),
            close.to_owned(),
        );
        async move {
            let customer = crate::fixtures::a_customer(app, &token, "Forecast Co").await;
            let body = app
                .gql(Some(&token), CREATE, json!({"input": {"customerId": customer, "name": "F", "amount": amount, "stageId": stage,
                    "forecastCategory": category, "expectedCloseDate": close}}))
                .await;
            body["data"]["createOpportunity"]["opportunity"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned()
        }
    };
    // Dates relative to the test clock's today, so the fixture never ages.
    let today = salesgraph::clock::Clock::now(&app.clock).date_naive();
    let close = (today + chrono::Duration::days(20)).to_string();
    let beyond = (today + chrono::Duration::days(200)).to_string();
    open(&a, "1000.00", &quotation, "COMMIT", &close).await;
    let split = open(&a, "500.00", &initial, "BEST_CASE", &close).await;
    open(&b, "200.00", &requirements, "PIPELINE", &close).await;
    open(&c, "9999.00", &quotation, "PIPELINE", &close).await;
    let won = open(&a, "300.00", &initial, "PIPELINE", &close).await;
    open(&a, "50.00", &initial, "COMMIT", &beyond).await;
    app.gql(Some(&a.token), SPLITS, json!({"input": {"id": split, "expectedVersion": 1, "splits": [{"userId": a.id, "percent": "70"}, {"userId": b.id, "percent": "30"}]}})).await;
    app.gql(Some(&a.token), "mutation($id: ID!) { winOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000505\", id: $id, expectedVersion: 1}) { opportunity { id } } }", json!({"id": won})).await;
    let query = "query($input: ForecastInput!) { forecast(input: $input) { pipelineAmount weightedAmount commitAmount bestCaseAmount closedWonAmount byStage { stage { name } count amount weightedAmount } byMonth { month pipelineAmount weightedAmount closedWonAmount } } }";
    let (from, to) = (
        (today - chrono::Duration::days(1)).to_string(),
        (today + chrono::Duration::days(60)).to_string(),
    );
    let ask = |token: String, scope: &'static str| {
        let app = &app;
        let (from, to) = (from.clone(), to.clone());
        async move {
            app.gql(
                Some(&token),
                query,
                json!({"input": {"from": from, "to": to, "scope": scope}}),
            )
            .await["data"]["forecast"]
                .clone()
        }
    };
    let totals = |f: &Value| {
        [
            "pipelineAmount",
            "weightedAmount",
            "commitAmount",
            "bestCaseAmount",
            "closedWonAmount",
        ]
        .map(|k| f[k].as_str().unwrap_or("?").to_owned())
    };
    let manager_token = app.token_for(&manager).await;

    let mine = ask(a.token.clone(), "ME").await;
    let team_view = ask(manager_token.clone(), "TEAM").await;
    let company_as_manager = ask(manager_token, "COMPANY").await;
    let company_as_admin = ask(app.admin_token.clone(), "COMPANY").await;
    let outsider = ask(c.token.clone(), "COMPANY").await;

    assert_eq!(
        totals(&mine),
        ["1350.00", "535.00", "1000.00", "1350.00", "300.00"],
        "{mine}"
    );
    assert_eq!(
        totals(&team_view),
        ["1700.00", "610.00", "1000.00", "1500.00", "300.00"],
        "{team_view}"
    );
    assert_eq!(
        totals(&company_as_manager),
        totals(&team_view),
        "the manager cannot see the other team's deal"
    );
    assert_eq!(company_as_admin["pipelineAmount"], "11699.00");
    assert_eq!(
        totals(&outsider),
        ["9999.00", "4999.50", "0.00", "0.00", "0.00"]
    );
    let quotation_line = team_view["byStage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["stage"]["name"] == "Quotation")
        .unwrap()
        .clone();
    assert_eq!(
        quotation_line,
        json!({"stage": {"name": "Quotation"}, "count": 1, "amount": "1000.00", "weightedAmount": "500.00"})
    );
    let initial_line = team_view["byStage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["stage"]["name"] == "Initial contact")
        .unwrap()
        .clone();
    assert_eq!(
        (
            initial_line["count"].as_i64(),
            initial_line["amount"].as_str()
        ),
        (Some(1), Some("500.00"))
    );
    let close_month = &close[..7];
    let month = team_view["byMonth"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == close_month)
        .unwrap()
        .clone();
    assert_eq!(
        (
            month["pipelineAmount"].as_str(),
            month["weightedAmount"].as_str()
        ),
        (Some("1700.00"), Some("610.00"))
    );
    let won_month = team_view["byMonth"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["closedWonAmount"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(
        won_month.contains(&"300.00".to_owned()),
        "the win counts in the month it happened"
    );
}

#[tokio::test]
async fn the_funnel_counts_conversions_and_dwell_times_from_the_history() {
    let app = TestApp::spawn().await;
    crate::fixtures::without_playbook(&app).await;
    let rep = app.a_user().create().await;
    let (d1, _) = a_deal(&app, &rep, "100").await;
    let (d2, _) = a_deal(&app, &rep, "200").await;
    let (_d3, _) = a_deal(&app, &rep, "300").await;
    let requirements = stage_id(&app, &rep.token, "Requirements confirmed").await;
    let quotation = stage_id(&app, &rep.token, "Quotation").await;
    let today = salesgraph::clock::Clock::now(&app.clock).date_naive();
    app.clock.advance(chrono::Duration::days(1));
    let token = app.token_for(&rep).await;
    app.gql(Some(&token), "mutation($id: ID!) { loseOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000407\", id: $id, reason: \"No budget\", expectedVersion: 1}) { opportunity { id } } }", json!({"id": d2})).await;
    app.clock.advance(chrono::Duration::days(1));
    let token = app.token_for(&rep).await;
    app.gql(
        Some(&token),
        MOVE,
        json!({"input": {"id": d1, "stageId": requirements, "expectedVersion": 1}}),
    )
    .await;
    app.clock.advance(chrono::Duration::days(3));
    let token = app.token_for(&rep).await;
    app.gql(
        Some(&token),
        MOVE,
        json!({"input": {"id": d1, "stageId": quotation, "expectedVersion": 2}}),
    )
    .await;

    let body = app
        .gql(
            Some(&token),
            "query($input: FunnelInput!) { funnel(input: $input) { stage { name } count amount conversionToNext averageDaysInStage } }",
            json!({"input": {"from": (today - chrono::Duration::days(1)).to_string(), "to": (today + chrono::Duration::days(30)).to_string(), "scope": "ME"}}),
        )
        .await;

    let line = |name: &str| {
        body["data"]["funnel"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .find(|l| l["stage"]["name"] == name)
            .unwrap()
            .clone()
    };
    let initial = line("Initial contact");
    assert_eq!(
        (initial["count"].as_i64(), initial["amount"].as_str()),
        (Some(1), Some("300.00"))
    );
    assert!(
        (initial["conversionToNext"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9,
        "{initial}"
    );
    assert_eq!(initial["averageDaysInStage"].as_f64(), Some(1.5));
    let req = line("Requirements confirmed");
    assert_eq!(
        (
            req["count"].as_i64(),
            req["conversionToNext"].as_f64(),
            req["averageDaysInStage"].as_f64()
        ),
        (Some(0), Some(1.0), Some(3.0))
    );
    let quote = line("Quotation");
    assert_eq!(
        (quote["count"].as_i64(), quote["conversionToNext"].as_f64()),
        (Some(1), Some(0.0))
    );
    assert!(quote["averageDaysInStage"].is_null());
    assert!(line("Won")["conversionToNext"].is_null());
    assert_eq!(line("Lost")["count"], 1);
}

#[tokio::test]
async fn opportunity_filters_narrow_within_visibility() {
    let app = TestApp::spawn().await;
    crate::fixtures::without_playbook(&app).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Filtered", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let other = app.a_user().create().await;
    let (small, customer) = a_deal(&app, &rep, "100").await;
    let (large, _) = a_deal(&app, &rep, "5000").await;
    let (foreign, _) = a_deal(&app, &other, "5000").await;
    let quotation = stage_id(&app, &rep.token, "Quotation").await;
    app.gql(
        Some(&rep.token),
        MOVE,
        json!({"input": {"id": large, "stageId": quotation, "expectedVersion": 1}}),
    )
    .await;
    let token = app.token_for(&manager).await;
    let query = "query($f: OpportunityFilter) { opportunities(filter: $f) { nodes { id } } }";
    let run = |filter: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let body = app.gql(Some(&token), query, json!({"f": filter})).await;
            body["data"]["opportunities"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };

    assert_eq!(run(Value::Null).await, vec![small.clone(), large.clone()]);
    assert_eq!(run(json!({"amountMin": "1000"})).await, vec![large.clone()]);
    assert_eq!(
        run(json!({"amountMax": "100.00"})).await,
        vec![small.clone()]
    );
    assert_eq!(
        run(json!({"stageId": quotation})).await,
        vec![large.clone()]
    );
    assert_eq!(
        run(json!({"teamId": team})).await,
        vec![small.clone(), large.clone()]
    );
    assert_eq!(
        run(json!({"customerId": customer})).await,
        vec![small.clone()]
    );
    assert_eq!(
        run(json!({"closeFrom": "2027-01-01"})).await,
        Vec::<String>::new()
    );
    assert_eq!(
        run(json!({"closeTo": "2026-12-31", "statuses": ["OPEN"]})).await,
        vec![small.clone(), large]
    );
    assert_eq!(
        run(json!({"ownerId": other.id})).await,
        Vec::<String>::new(),
        "filters never widen: {foreign}"
    );
}

#[tokio::test]
async fn every_deal_mutation_is_refused_to_finance_and_retried_updates_apply_once() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let (id, customer) = a_deal(&app, &rep, "100").await;
    let quotation = stage_id(&app, &rep.token, "Quotation").await;
    let operations = [
        (
            CREATE,
            json!({"input": {"customerId": customer, "name": "F", "amount": "1", "expectedCloseDate": "2026-12-31"}}),
        ),
        (
            "mutation($id: ID!) { updateOpportunity(input: {id: $id, expectedVersion: 1, name: \"F\"}) { opportunity { id } } }",
            json!({"id": id}),
        ),
        (
            MOVE,
            json!({"input": {"id": id, "stageId": quotation, "expectedVersion": 1}}),
        ),
        (
            "mutation($id: ID!) { winOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000505\", id: $id, expectedVersion: 1}) { opportunity { id } } }",
            json!({"id": id}),
        ),
        (
            "mutation($id: ID!) { loseOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000407\", id: $id, reason: \"x\", expectedVersion: 1}) { opportunity { id } } }",
            json!({"id": id}),
        ),
        (
            "mutation($id: ID!, $s: ID!) { reopenOpportunity(input: {id: $id, stageId: $s, expectedVersion: 1}) { opportunity { id } } }",
            json!({"id": id, "s": quotation}),
        ),
        (
            SPLITS,
            json!({"input": {"id": id, "expectedVersion": 1, "splits": [{"userId": rep.id, "percent": "100"}]}}),
        ),
    ];
    for (query, variables) in &operations {
        let body = app
            .gql(Some(&finance.token), query, variables.clone())
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{query}");
        let anonymous = app.gql(None, query, variables.clone()).await;
        assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"), "{query}");
    }
    let update = "mutation($id: ID!) { updateOpportunity(input: {id: $id, expectedVersion: 1, amount: \"250\", idempotencyKey: \"upd-1\"}) { opportunity { amount version } } }";
    let first = app.gql(Some(&rep.token), update, json!({"id": id})).await;
    let retry = app.gql(Some(&rep.token), update, json!({"id": id})).await;
    assert_eq!(
        first["data"]["updateOpportunity"]["opportunity"],
        json!({"amount": "250.00", "version": 2})
    );
    assert_eq!(
        retry["data"]["updateOpportunity"]["opportunity"],
        json!({"amount": "250.00", "version": 2}),
        "{retry}"
    );
}

#[tokio::test]
async fn follow_ups_on_a_deal_show_on_its_customer() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let (id, customer) = a_deal(&app, &rep, "100").await;
    let log = "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id subjectId } } }";

    let logged = app
        .gql(
            Some(&rep.token),
            log,
            json!({"input": {"subjectId": id, "kind": "MEETING", "content": "Pricing talk"}}),
        )
        .await;
    let foreign = app
        .gql(
            Some(&other.token),
            log,
            json!({"input": {"subjectId": id, "kind": "CALL", "content": "x"}}),
        )
        .await;
    let view = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { customer(id: $id) { followUps { nodes { content } } } }",
            json!({"id": customer}),
        )
        .await;

    assert_eq!(
        logged["data"]["logFollowUp"]["followUp"]["subjectId"],
        id.as_str(),
        "{logged}"
    );
    assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
    assert_eq!(
        view["data"]["customer"]["followUps"]["nodes"],
        json!([{"content": "Pricing talk"}])
    );
}

#[tokio::test]
async fn forecast_categories_project_commit_in_full_and_the_rest_by_probability() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let today = salesgraph::clock::Clock::now(&app.clock).date_naive();
    let close = (today + chrono::Duration::days(10)).to_string();
    let open = |amount: &'static str, category: &'static str, probability: i64| {
        let app = &app;
        let token = rep.token.clone();
        let close = close.clone();
        async move {
            let customer = crate::fixtures::a_customer(app, &token, "Seed Co").await;
            let body = app
                .gql(Some(&token), CREATE, json!({"input": {"customerId": customer, "name": "S", "amount": amount,
                    "forecastCategory": category, "probability": probability, "expectedCloseDate": close}}))
                .await;
            body["data"]["createOpportunity"]["opportunity"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned()
        }
    };
    // The seed's example: 6,000,000 committed; the rest weighted.
    open("6000000.00", "COMMIT", 60).await;
    open("3000000.00", "BEST_CASE", 50).await;
    open("2000000.00", "PIPELINE", 20).await;
    open("3000000.00", "PIPELINE", 20).await;
    open("1000000.00", "OMITTED", 40).await;
    let won = open("2000000.00", "PIPELINE", 30).await;
    let lost = open("700000.00", "BEST_CASE", 30).await;
    for (id, mutation) in [(won, "winOpportunity"), (lost, "loseOpportunity")] {
        let reason = if mutation == "loseOpportunity" {
            format!(", reason: \"Price\", reasonId: \"{LOSS_REASON}\"")
        } else {
            format!(", reasonId: \"{WIN_REASON}\"")
        };
        let body = app
            .gql(
                Some(&rep.token),
                &format!("mutation($id: ID!) {{ {mutation}(input: {{id: $id, expectedVersion: 1{reason}}}) {{ opportunity {{ status }} }} }}"),
                json!({"id": id}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = app
        .gql(
            Some(&rep.token),
            "query($input: ForecastInput!) { forecast(input: $input) { projectedAmount commitAmount \
             byCategory { category count amount weightedAmount } } }",
            json!({"input": {"from": (today - chrono::Duration::days(1)).to_string(),
                "to": (today + chrono::Duration::days(30)).to_string(), "scope": "ME"}}),
        )
        .await;
    let forecast = &body["data"]["forecast"];
    assert_eq!(
        forecast["byCategory"],
        json!([
            {"category": "PIPELINE", "count": 2, "amount": "5000000.00", "weightedAmount": "1000000.00"},
            {"category": "BEST_CASE", "count": 1, "amount": "3000000.00", "weightedAmount": "1500000.00"},
            {"category": "COMMIT", "count": 1, "amount": "6000000.00", "weightedAmount": "3600000.00"},
            {"category": "OMITTED", "count": 1, "amount": "1000000.00", "weightedAmount": "400000.00"},
            {"category": "CLOSED_WON", "count": 1, "amount": "2000000.00", "weightedAmount": "2000000.00"}
        ]),
        "{body}"
    );
    // 2,000,000 won + 6,000,000 committed + 1,500,000 + 1,000,000 weighted.
    assert_eq!(
        (&forecast["projectedAmount"], &forecast["commitAmount"]),
        (&json!("10500000.00"), &json!("6000000.00"))
    );
}
