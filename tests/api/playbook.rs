//! The stage playbook: a deal moves on only when its stage's exit criteria are met (ticked
//! items, set fields, logged contacts, sent quotes), managers and admins override with a reason
//! the history keeps, admins shape each stage's checklist, and who only sees a deal may not
//! tick it.

use std::collections::HashMap;

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::*;

const DEAL: &str = "query($id: ID!) { opportunity(id: $id) { version stage { name } need budget \
    contact { id } decisionMaker { id } \
    checklist { done doneAt note doneBy { id } item { id name kind field activityKind documentKind required } } \
    stageHistory(last: 1) { nodes { toStage { name } note overrideReason overriddenItems changedBy { id } } } } }";
const CREATE: &str = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version } } }";
const UPDATE: &str = "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) { opportunity { version } } }";
const MOVE: &str = "mutation($input: MoveOpportunityStageInput!) { moveOpportunityStage(input: $input) { opportunity { version stage { name } } } }";
const TICK: &str = "mutation($input: CompleteChecklistItemInput!) { completeChecklistItem(input: $input) { opportunity { checklist { done note doneBy { id } item { id } } } } }";
const UNTICK: &str = "mutation($input: UncompleteChecklistItemInput!) { uncompleteChecklistItem(input: $input) { opportunity { checklist { done item { id } } } } }";
const LOG: &str =
    "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }";
const STAGES: &str = "{ pipelineStages(includeArchived: true) { id name probability kind maxDaysInStage staleRule archived \
    exitCriteria { id name kind field activityKind documentKind required position } } }";
const SET_STAGES: &str = "mutation($s: [PipelineStageInput!]!) { updatePipelineStages(input: {stages: $s}) { stages { name exitCriteria { id name kind required } } } }";

/// A manager, a rep of their team, the rep's customer and a new deal in the first stage.
struct Desk {
    manager: TestUser,
    rep: TestUser,
    customer: String,
    deal: String,
}

async fn desk(app: &TestApp) -> Desk {
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Field", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let customer = crate::fixtures::a_customer(app, &rep.token, "冷链物流").await;
    let deal = a_deal(app, &rep.token, &customer).await;
    Desk {
        manager,
        rep,
        customer,
        deal,
    }
}

async fn a_deal(app: &TestApp, token: &str, customer: &str) -> String {
    let body = app
        .gql(
            Some(token),
            CREATE,
            json!({"input": {"customerId": customer, "name": "Cold rooms", "amount": "1", "expectedCloseDate": "2027-03-31"}}),
        )
        .await;
    string_at(&body, &["data", "createOpportunity", "opportunity", "id"])
}

async fn stages(app: &TestApp) -> Vec<Value> {
    let body = app.admin(STAGES, json!({})).await;
    body["data"]["pipelineStages"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

fn ids_by_name(stages: &[Value]) -> HashMap<String, Value> {
    stages
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                s["id"].clone(),
            )
        })
        .collect()
}

async fn deal(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql(Some(token), DEAL, json!({"id": id})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["opportunity"].clone()
}

/// The checklist as (name, done) pairs.
fn checklist(deal: &Value) -> Vec<(String, bool)> {
    deal["checklist"]
        .as_array()
        .unwrap_or_else(|| panic!("{deal}"))
        .iter()
        .map(|i| {
            (
                i["item"]["name"].as_str().unwrap_or_default().to_owned(),
                i["done"].as_bool().unwrap_or_default(),
            )
        })
        .collect()
}

fn item_id(deal: &Value, name: &str) -> Value {
    deal["checklist"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["item"]["name"] == name))
        .unwrap_or_else(|| panic!("no item {name}: {deal}"))["item"]["id"]
        .clone()
}

fn missing_names(body: &Value) -> Vec<String> {
    body["errors"][0]["extensions"]["missing"]
        .as_array()
        .unwrap_or_else(|| panic!("no missing list: {body}"))
        .iter()
        .map(|m| m["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn move_to(app: &TestApp, token: &str, id: &str, stage: &Value, version: &Value) -> Value {
    app.gql(
        Some(token),
        MOVE,
        json!({"input": {"id": id, "stageId": stage, "expectedVersion": version}}),
    )
    .await
}

fn updated_version(body: &Value) -> Value {
    let version = body["data"]["updateOpportunity"]["opportunity"]["version"].clone();
    assert!(version.is_number(), "{body}");
    version
}

async fn update(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), UPDATE, json!({ "input": input }))
        .await
}

async fn log(app: &TestApp, token: &str, subject: &str, kind: &str) {
    let body = app
        .gql(
            Some(token),
            LOG,
            json!({"input": {"subjectId": subject, "kind": kind, "content": "Talked it through"}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn a_contact(app: &TestApp, token: &str, customer: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": "王经理", "title": "Purchasing director"}}),
        )
        .await;
    string_at(&body, &["data", "addContact", "contact", "id"])
}

#[tokio::test]
async fn the_default_playbook_asks_for_each_kind_of_item_before_a_deal_moves_on() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let all = stages(&app).await;
    let playbook: Vec<(Value, Vec<Value>)> = all
        .iter()
        .map(|s| {
            let items = s["exitCriteria"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| {
                            json!([
                                i["name"],
                                i["kind"],
                                i["field"],
                                i["activityKind"],
                                i["documentKind"],
                                i["required"]
                            ])
                        })
                        .collect()
                })
                .unwrap_or_default();
            (s["name"].clone(), items)
        })
        .collect();
    assert_eq!(
        playbook,
        vec![
            (
                json!("Initial contact"),
                vec![
                    json!([
                        "Contact with the customer logged",
                        "ACTIVITY",
                        null,
                        null,
                        null,
                        true
                    ]),
                    json!([
                        "The customer's need described",
                        "FIELD",
                        "NEED",
                        null,
                        null,
                        true
                    ]),
                ]
            ),
            (
                json!("Requirements confirmed"),
                vec![
                    json!(["Budget confirmed", "FIELD", "BUDGET", null, null, true]),
                    json!([
                        "Decision-maker identified",
                        "FIELD",
                        "DECISION_MAKER",
                        null,
                        null,
                        true
                    ]),
                    json!([
                        "Decision timeline agreed with the customer",
                        "MANUAL",
                        null,
                        null,
                        null,
                        true
                    ]),
                ]
            ),
            (
                json!("Quotation"),
                vec![json!([
                    "Quote sent to the customer",
                    "DOCUMENT",
                    null,
                    null,
                    "QUOTE_SENT",
                    true
                ]),]
            ),
            (json!("Contract drafting"), vec![]),
            (json!("Won"), vec![]),
            (json!("Lost"), vec![]),
        ]
    );
    let stage = ids_by_name(&all);
    let token = &d.rep.token;

    // Initial contact: nothing done yet, and the move says what is missing.
    let fresh = deal(&app, token, &d.deal).await;
    assert_eq!(
        checklist(&fresh),
        vec![
            ("Contact with the customer logged".to_owned(), false),
            ("The customer's need described".to_owned(), false),
        ]
    );
    let refused = move_to(
        &app,
        token,
        &d.deal,
        &stage["Requirements confirmed"],
        &json!(1),
    )
    .await;
    assert_eq!(
        code_and_field(&refused),
        (Some("INVALID_STATE"), Some("input.stageId")),
        "{refused}"
    );
    assert_eq!(
        missing_names(&refused),
        vec![
            "Contact with the customer logged",
            "The customer's need described"
        ]
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["missing"][0]["id"],
        item_id(&fresh, "Contact with the customer logged")
    );
    assert_eq!(refused["data"], Value::Null);

    // A note is no contact; a call with the customer is, and the need is a field.
    log(&app, token, &d.deal, "NOTE").await;
    assert!(!checklist(&deal(&app, token, &d.deal).await)[0].1);
    log(&app, token, &d.customer, "CALL").await;
    let version = updated_version(
        &update(&app, token, json!({"id": d.deal, "expectedVersion": 1, "need": "Three cold rooms at the port depot"})).await,
    );
    let ready = deal(&app, token, &d.deal).await;
    assert_eq!(
        checklist(&ready).iter().filter(|(_, done)| *done).count(),
        2,
        "{ready}"
    );
    assert!(ready["checklist"][0]["doneAt"].is_string(), "{ready}");
    let moved = move_to(
        &app,
        token,
        &d.deal,
        &stage["Requirements confirmed"],
        &version,
    )
    .await;
    assert!(moved["errors"].is_null(), "{moved}");

    // Requirements confirmed: fields are met by the deal, only MANUAL items are ticked, and
    // only the current stage's.
    let there = deal(&app, token, &d.deal).await;
    let timeline = item_id(&there, "Decision timeline agreed with the customer");
    let budget_item = item_id(&there, "Budget confirmed");
    let tick = async |item: &Value, note: Option<&str>, who: &str| {
        app.gql(
            Some(who),
            TICK,
            json!({"input": {"opportunityId": d.deal, "itemId": item, "note": note}}),
        )
        .await
    };
    let field_tick = tick(&budget_item, None, token).await;
    assert_eq!(
        code_and_field(&field_tick),
        (Some("BAD_USER_INPUT"), Some("input.itemId")),
        "{field_tick}"
    );
    let earlier = tick(
        &item_id(&fresh, "The customer's need described"),
        None,
        token,
    )
    .await;
    assert_eq!(
        code_and_field(&earlier),
        (Some("BAD_USER_INPUT"), Some("input.itemId")),
        "{earlier}"
    );
    let ticked = tick(&timeline, Some("Board decides on 15 January"), token).await;
    assert!(ticked["errors"].is_null(), "{ticked}");
    let again = tick(&timeline, Some("Changed my mind"), token).await;
    let item = again["data"]["completeChecklistItem"]["opportunity"]["checklist"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["item"]["id"] == timeline).cloned())
        .unwrap_or_default();
    assert_eq!(item["done"], true);
    assert_eq!(
        item["note"], "Board decides on 15 January",
        "the first tick stays"
    );
    assert_eq!(item["doneBy"]["id"], json!(d.rep.id));
    let unticked = app
        .gql(
            Some(token),
            UNTICK,
            json!({"input": {"opportunityId": d.deal, "itemId": timeline}}),
        )
        .await;
    assert!(unticked["errors"].is_null(), "{unticked}");
    assert_eq!(
        checklist(&deal(&app, token, &d.deal).await)[2],
        (
            "Decision timeline agreed with the customer".to_owned(),
            false
        )
    );
    tick(&timeline, None, token).await;
    let version = there["version"].as_i64().unwrap_or_default();
    let refused = move_to(&app, token, &d.deal, &stage["Quotation"], &json!(version)).await;
    assert_eq!(
        missing_names(&refused),
        vec!["Budget confirmed", "Decision-maker identified"]
    );
    let contact = a_contact(&app, token, &d.customer).await;
    let set = update(
        &app,
        token,
        json!({"id": d.deal, "expectedVersion": version, "budget": "480000.00", "decisionMakerId": contact, "contactId": contact}),
    )
    .await;
    assert!(set["errors"].is_null(), "{set}");
    let set_deal = deal(&app, token, &d.deal).await;
    assert_eq!(set_deal["budget"], "480000.00");
    assert_eq!(set_deal["decisionMaker"]["id"], json!(contact));
    assert!(
        checklist(&set_deal).iter().all(|(_, done)| *done),
        "{set_deal}"
    );
    let moved = move_to(
        &app,
        token,
        &d.deal,
        &stage["Quotation"],
        &set_deal["version"],
    )
    .await;
    assert!(moved["errors"].is_null(), "{moved}");

    // Quotation: the quote must have gone out.
    let product =
        crate::quotes::product_in_line(&app, "Cold rooms", "10", "CR-1", "1000.00", "600.00").await;
    crate::quotes::set_lines(
        &app,
        token,
        &d.deal,
        json!([{"productId": product, "quantity": "2"}]),
    )
    .await;
    let quote = crate::quotes::create(&app, token, &d.deal, json!({})).await;
    let submitted = crate::quotes::quote_of(
        &crate::quotes::step(&app, token, "submitQuote", &quote).await,
        "submitQuote",
    );
    let at_quote = deal(&app, token, &d.deal).await;
    assert_eq!(
        checklist(&at_quote),
        vec![("Quote sent to the customer".to_owned(), false)]
    );
    let refused = move_to(
        &app,
        token,
        &d.deal,
        &stage["Contract drafting"],
        &at_quote["version"],
    )
    .await;
    assert_eq!(missing_names(&refused), vec!["Quote sent to the customer"]);
    let sent = crate::quotes::step(&app, token, "markQuoteSent", &submitted).await;
    assert!(sent["errors"].is_null(), "{sent}");
    let at_quote = deal(&app, token, &d.deal).await;
    assert_eq!(
        checklist(&at_quote),
        vec![("Quote sent to the customer".to_owned(), true)]
    );
    let moved = move_to(
        &app,
        token,
        &d.deal,
        &stage["Contract drafting"],
        &at_quote["version"],
    )
    .await;
    assert!(moved["errors"].is_null(), "{moved}");

    // Moving back is free; on the way forward again the contact must be fresh (made in the
    // stage), while the need and the tick stay.
    app.clock.advance(chrono::Duration::hours(1));
    let token = &app.token_for(&d.rep).await;
    let version = moved["data"]["moveOpportunityStage"]["opportunity"]["version"].clone();
    let back = move_to(&app, token, &d.deal, &stage["Initial contact"], &version).await;
    assert!(back["errors"].is_null(), "{back}");
    let version = back["data"]["moveOpportunityStage"]["opportunity"]["version"].clone();
    let refused = move_to(
        &app,
        token,
        &d.deal,
        &stage["Requirements confirmed"],
        &version,
    )
    .await;
    assert_eq!(
        missing_names(&refused),
        vec!["Contact with the customer logged"]
    );
    log(&app, token, &d.deal, "VISIT").await;
    let forward = move_to(
        &app,
        token,
        &d.deal,
        &stage["Requirements confirmed"],
        &version,
    )
    .await;
    assert!(forward["errors"].is_null(), "{forward}");
    assert!(
        checklist(&deal(&app, token, &d.deal).await)
            .iter()
            .all(|(_, done)| *done),
        "the tick and the fields were kept"
    );
}

#[tokio::test]
async fn skipping_stages_asks_for_theirs_too_and_managers_override_with_a_reason() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let stage = ids_by_name(&stages(&app).await);
    let quotation = &stage["Quotation"];
    let by = async |token: &str, reason: Value| {
        app.gql(
            Some(token),
            MOVE,
            json!({"input": {"id": d.deal, "stageId": quotation, "expectedVersion": 1, "overrideReason": reason}}),
        )
        .await
    };
    let refused = by(&d.rep.token, Value::Null).await;
    assert_eq!(
        missing_names(&refused),
        vec![
            "Contact with the customer logged",
            "The customer's need described",
            "Budget confirmed",
            "Decision-maker identified",
            "Decision timeline agreed with the customer",
        ],
        "the current stage's, then the skipped stage's"
    );
    let rep_override = by(&d.rep.token, json!("I know the customer")).await;
    assert_eq!(
        code_and_field(&rep_override),
        (Some("FORBIDDEN"), Some("input.overrideReason")),
        "{rep_override}"
    );
    let blank = by(&d.manager.token, json!("   ")).await;
    assert_eq!(
        code_and_field(&blank),
        (Some("BAD_USER_INPUT"), Some("input.overrideReason")),
        "{blank}"
    );
    assert_eq!(
        deal(&app, &d.rep.token, &d.deal).await["stage"]["name"],
        "Initial contact"
    );

    let overridden = by(
        &d.manager.token,
        json!("Framework agreement signed at head office"),
    )
    .await;
    assert!(overridden["errors"].is_null(), "{overridden}");
    let moved = deal(&app, &d.rep.token, &d.deal).await;
    assert_eq!(moved["stage"]["name"], "Quotation");
    let last = &moved["stageHistory"]["nodes"][0];
    assert_eq!(
        last["overrideReason"],
        "Framework agreement signed at head office"
    );
    assert_eq!(
        last["overriddenItems"].as_array().map(Vec::len),
        Some(5),
        "{last}"
    );
    assert_eq!(
        last["overriddenItems"][4],
        "Decision timeline agreed with the customer"
    );
    assert_eq!(last["changedBy"]["id"], json!(d.manager.id));
    let audited: Vec<String> = entity::audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        audited
            .iter()
            .filter(|a| *a == "opportunity.exit_criteria_overridden")
            .count(),
        1
    );

    // Admins override too; a move with nothing missing records no override.
    let by_admin = app
        .admin(
            MOVE,
            json!({"input": {"id": d.deal, "stageId": stage["Contract drafting"], "expectedVersion": moved["version"], "overrideReason": "Quote sent by e-mail outside the system"}}),
        )
        .await;
    assert!(by_admin["errors"].is_null(), "{by_admin}");
    let drafted = deal(&app, &d.rep.token, &d.deal).await;
    assert_eq!(
        drafted["stageHistory"]["nodes"][0]["overriddenItems"],
        json!(["Quote sent to the customer"])
    );
    let back = app
        .admin(
            MOVE,
            json!({"input": {"id": d.deal, "stageId": quotation, "expectedVersion": drafted["version"], "overrideReason": "Back to pricing"}}),
        )
        .await;
    assert!(back["errors"].is_null(), "{back}");
    let last = &deal(&app, &d.rep.token, &d.deal).await["stageHistory"]["nodes"][0];
    assert_eq!(
        last["overrideReason"],
        Value::Null,
        "moving back overrides nothing"
    );
    assert_eq!(last["overriddenItems"], json!([]));
}

#[tokio::test]
async fn admins_shape_each_stages_checklist_and_bad_lists_change_nothing() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let all = stages(&app).await;
    let with_first = |criteria: Value| -> Value {
        let list: Vec<Value> = all
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut s = s.clone();
                s.as_object_mut().map(|m| m.remove("exitCriteria"));
                if i == 0 {
                    s["exitCriteria"] = criteria.clone();
                }
                s
            })
            .collect();
        json!(list)
    };
    let bad = app
        .admin(
            SET_STAGES,
            json!({"s": with_first(json!([
                {"name": " ", "kind": "MANUAL"},
                {"name": "Lines", "kind": "FIELD"},
                {"name": "Quote", "kind": "MANUAL", "documentKind": "QUOTE_SENT"},
                {"name": "Call", "kind": "FIELD", "field": "AMOUNT", "activityKind": "CALL"},
            ]))}),
        )
        .await;
    let mut fields: Vec<String> = bad["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{bad}"))
        .iter()
        .map(|e| {
            assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{bad}");
            e["extensions"]["field"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "input.stages.0.exitCriteria.0.name",
            "input.stages.0.exitCriteria.1.field",
            "input.stages.0.exitCriteria.2.documentKind",
            "input.stages.0.exitCriteria.3.activityKind",
        ]
    );
    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"name": format!("Step {i}"), "kind": "MANUAL"}))
        .collect();
    let long = app
        .admin(SET_STAGES, json!({"s": with_first(json!(too_many))}))
        .await;
    assert_eq!(
        code_and_field(&long),
        (Some("BAD_USER_INPUT"), Some("input.stages.0.exitCriteria")),
        "{long}"
    );
    // Another stage's item cannot be claimed; the whole change is refused.
    let foreign = all[1]["exitCriteria"][0]["id"].clone();
    let stolen = app
        .admin(
            SET_STAGES,
            json!({"s": with_first(json!([{"name": "New", "kind": "MANUAL"}, {"id": foreign, "name": "Budget", "kind": "FIELD", "field": "BUDGET"}]))}),
        )
        .await;
    assert_eq!(
        code_and_field(&stolen),
        (
            Some("BAD_USER_INPUT"),
            Some("input.stages.0.exitCriteria.1.id")
        ),
        "{stolen}"
    );
    assert_eq!(stages(&app).await, all, "nothing was written");
    let by_rep = app
        .gql(
            Some(&d.rep.token),
            SET_STAGES,
            json!({"s": with_first(json!([]))}),
        )
        .await;
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"), "{by_rep}");

    // A checklist of every kind: an optional photo tick, line items, a meeting, a contract.
    let kept = all[0]["exitCriteria"][1]["id"].clone();
    let set = app
        .admin(
            SET_STAGES,
            json!({"s": with_first(json!([
                {"name": "Site photos taken", "kind": "MANUAL", "required": false},
                {"id": kept, "name": "Need written down", "kind": "FIELD", "field": "NEED"},
                {"name": "Products chosen", "kind": "FIELD", "field": "LINE_ITEMS"},
                {"name": "Met the buyer", "kind": "ACTIVITY", "activityKind": "MEETING"},
                {"name": "Visited the site", "kind": "ACTIVITY", "activityKind": "VISIT"},
                {"name": "Floor plan on the deal", "kind": "DOCUMENT", "documentKind": "ATTACHMENT"},
            ]))}),
        )
        .await;
    assert!(set["errors"].is_null(), "{set}");
    let now = stages(&app).await;
    assert_eq!(now[0]["exitCriteria"][1]["id"], kept, "a listed id is kept");
    assert_eq!(now[0]["exitCriteria"][1]["name"], "Need written down");
    assert_eq!(
        now[1]["exitCriteria"], all[1]["exitCriteria"],
        "an omitted list stays"
    );

    let token = &d.rep.token;
    let photos = item_id(&deal(&app, token, &d.deal).await, "Site photos taken");
    let ticked = app
        .gql(
            Some(token),
            TICK,
            json!({"input": {"opportunityId": d.deal, "itemId": photos}}),
        )
        .await;
    assert!(ticked["errors"].is_null(), "{ticked}");
    let stage = ids_by_name(&now);
    let refused = move_to(
        &app,
        token,
        &d.deal,
        &stage["Requirements confirmed"],
        &json!(1),
    )
    .await;
    assert_eq!(
        missing_names(&refused),
        vec![
            "Need written down",
            "Products chosen",
            "Met the buyer",
            "Visited the site",
            "Floor plan on the deal"
        ],
        "an optional item never holds a deal back"
    );
    let plan = app
        .upload(
            token,
            json!({"subjectId": d.deal, "kind": "DOCUMENT"}),
            "floor-plan.png",
            png(800, 600),
        )
        .await;
    assert!(plan["errors"].is_null(), "{plan}");
    log(&app, token, &d.deal, "CALL").await;
    log(&app, token, &d.customer, "MEETING").await;
    // A visit for the deal, checked in.
    let start = salesgraph::clock::Clock::now(&app.clock) + chrono::Duration::minutes(30);
    let planned = app
        .gql(
            Some(token),
            "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"input": {"customerId": d.customer, "opportunityId": d.deal, "purpose": "See the depot", "plannedStart": start, "plannedEnd": start + chrono::Duration::hours(1)}}),
        )
        .await;
    let visit = string_at(&planned, &["data", "planVisit", "visit", "id"]);
    let device = salesgraph::clock::Clock::now(&app.clock);
    let checked = app
        .gql(
            Some(token),
            "mutation($input: CheckInVisitInput!) { checkInVisit(input: $input) { visit { status } } }",
            json!({"input": {"id": visit, "location": {"lat": 31.23, "lng": 121.47, "accuracyMeters": 10.0}, "deviceTime": device}}),
        )
        .await;
    assert!(checked["errors"].is_null(), "{checked}");
    let refused = move_to(
        &app,
        token,
        &d.deal,
        &stage["Requirements confirmed"],
        &json!(1),
    )
    .await;
    assert_eq!(
        missing_names(&refused),
        vec!["Need written down", "Products chosen"]
    );

    // Removing an item removes its ticks; adding it back starts it afresh.
    let without = app
        .admin(
            SET_STAGES,
            json!({"s": with_first(json!([{"id": kept, "name": "Need written down", "kind": "FIELD", "field": "NEED"}]))}),
        )
        .await;
    assert!(without["errors"].is_null(), "{without}");
    assert_eq!(
        entity::checklist_tick::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap_or(u64::MAX),
        0
    );
    let cleared = app
        .admin(SET_STAGES, json!({"s": with_first(json!([]))}))
        .await;
    assert!(cleared["errors"].is_null(), "{cleared}");
    assert_eq!(deal(&app, token, &d.deal).await["checklist"], json!([]));
    let free = move_to(
        &app,
        token,
        &d.deal,
        &stage["Requirements confirmed"],
        &json!(1),
    )
    .await;
    assert!(
        free["errors"].is_null(),
        "an empty checklist holds nothing back: {free}"
    );
}

#[tokio::test]
async fn who_sees_a_deal_but_may_not_change_it_may_not_tick_its_checklist() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let stage = ids_by_name(&stages(&app).await);
    let partner = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let stranger = app.a_user().create().await;
    let split = app
        .gql(
            Some(&d.rep.token),
            "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version } } }",
            json!({"input": {"id": d.deal, "expectedVersion": 1, "splits": [{"userId": d.rep.id, "percent": "70"}, {"userId": partner.id, "percent": "30"}]}}),
        )
        .await;
    assert!(split["errors"].is_null(), "{split}");
    // Get the deal to Requirements confirmed, where a MANUAL item waits.
    log(&app, &d.rep.token, &d.deal, "CALL").await;
    let version = updated_version(
        &update(
            &app,
            &d.rep.token,
            json!({"id": d.deal, "expectedVersion": 2, "need": "Cold rooms"}),
        )
        .await,
    );
    let moved = move_to(
        &app,
        &d.rep.token,
        &d.deal,
        &stage["Requirements confirmed"],
        &version,
    )
    .await;
    assert!(moved["errors"].is_null(), "{moved}");
    let seen = deal(&app, &partner.token, &d.deal).await;
    let item = item_id(&seen, "Decision timeline agreed with the customer");
    let tick = async |token: &str, deal: &str| {
        app.gql(
            Some(token),
            TICK,
            json!({"input": {"opportunityId": deal, "itemId": item}}),
        )
        .await
    };
    let by_partner = tick(&partner.token, &d.deal).await;
    assert_eq!(error_code(&by_partner), Some("FORBIDDEN"), "{by_partner}");
    let untick = app
        .gql(
            Some(&partner.token),
            UNTICK,
            json!({"input": {"opportunityId": d.deal, "itemId": item}}),
        )
        .await;
    assert_eq!(error_code(&untick), Some("FORBIDDEN"), "{untick}");
    let by_finance = tick(&finance.token, &d.deal).await;
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"), "{by_finance}");
    // Hidden answers exactly like missing.
    let hidden = tick(&stranger.token, &d.deal).await;
    let missing = tick(&stranger.token, &missing_id("Opportunity")).await;
    assert_eq!(
        code_and_field(&hidden),
        (Some("NOT_FOUND"), Some("input.opportunityId")),
        "{hidden}"
    );
    assert_eq!(
        hidden["errors"][0]["message"],
        missing["errors"][0]["message"]
    );
    let no_item = app
        .gql(
            Some(&d.rep.token),
            TICK,
            json!({"input": {"opportunityId": d.deal, "itemId": missing_id("ExitCriterion")}}),
        )
        .await;
    assert_eq!(
        code_and_field(&no_item),
        (Some("NOT_FOUND"), Some("input.itemId")),
        "{no_item}"
    );
    let not_an_item = app
        .gql(
            Some(&d.rep.token),
            TICK,
            json!({"input": {"opportunityId": d.deal, "itemId": d.deal}}),
        )
        .await;
    assert_eq!(
        code_and_field(&not_an_item),
        (Some("BAD_USER_INPUT"), Some("input.itemId")),
        "{not_an_item}"
    );
    assert!(
        checklist(&deal(&app, &d.rep.token, &d.deal).await)
            .iter()
            .any(|(_, done)| !done)
    );

    // The manager may tick; a closed deal's checklist is settled.
    let by_manager = tick(&d.manager.token, &d.deal).await;
    assert!(by_manager["errors"].is_null(), "{by_manager}");
    let current = deal(&app, &d.rep.token, &d.deal).await;
    let lost = app
        .gql(
            Some(&d.rep.token),
            "mutation($input: LoseOpportunityInput!) { loseOpportunity(input: $input) { opportunity { status } } }",
            json!({"input": {"id": d.deal, "expectedVersion": current["version"], "reason": "Budget frozen", "reasonId": LOSS_REASON}}),
        )
        .await;
    assert!(lost["errors"].is_null(), "{lost}");
    let closed = app
        .gql(
            Some(&d.rep.token),
            UNTICK,
            json!({"input": {"opportunityId": d.deal, "itemId": item}}),
        )
        .await;
    assert_eq!(error_code(&closed), Some("INVALID_STATE"), "{closed}");
}

#[tokio::test]
async fn a_tick_retried_many_times_at_once_lands_once() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let d = desk(&app).await;
    let all = stages(&app).await;
    let item = all[1]["exitCriteria"][2]["id"].clone();
    let stage = ids_by_name(&all);
    let overridden = app
        .gql(
            Some(&d.manager.token),
            MOVE,
            json!({"input": {"id": d.deal, "stageId": stage["Requirements confirmed"], "expectedVersion": 1, "overrideReason": "Met at the fair"}}),
        )
        .await;
    assert!(overridden["errors"].is_null(), "{overridden}");
    let ticks = (0..12).map(|i| {
        app.gql(
            Some(&d.rep.token),
            TICK,
            json!({"input": {"opportunityId": d.deal, "itemId": item, "note": format!("try {i}")}}),
        )
    });
    for body in futures_util::future::join_all(ticks).await {
        assert!(body["errors"].is_null(), "{body}");
    }
    assert_eq!(
        entity::checklist_tick::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap_or_default(),
        1
    );
    let audited = entity::audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.action == "opportunity.checklist_item_completed")
        .count();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn deal_fields_the_playbook_reads_are_checked() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let token = &d.rep.token;
    let other_customer = crate::fixtures::a_customer(&app, token, "Other Co").await;
    let foreign_contact = a_contact(&app, token, &other_customer).await;
    let bad = app
        .gql(
            Some(token),
            CREATE,
            json!({"input": {"customerId": d.customer, "name": "X", "amount": "1", "expectedCloseDate": "2027-03-31",
                "budget": "-1.00", "need": "n".repeat(2001)}}),
        )
        .await;
    let mut fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{bad}"))
        .iter()
        .filter_map(|e| e["extensions"]["field"].as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, vec!["input.budget", "input.need"], "{bad}");
    let foreign = app
        .gql(
            Some(token),
            CREATE,
            json!({"input": {"customerId": d.customer, "name": "X", "amount": "1", "expectedCloseDate": "2027-03-31", "contactId": foreign_contact}}),
        )
        .await;
    assert_eq!(
        code_and_field(&foreign),
        (Some("NOT_FOUND"), Some("input.contactId")),
        "{foreign}"
    );
    let foreign = update(
        &app,
        token,
        json!({"id": d.deal, "expectedVersion": 1, "decisionMakerId": foreign_contact}),
    )
    .await;
    assert_eq!(
        code_and_field(&foreign),
        (Some("NOT_FOUND"), Some("input.decisionMakerId")),
        "{foreign}"
    );
    // Set, then cleared with null.
    let own = a_contact(&app, token, &d.customer).await;
    let set = update(&app, token, json!({"id": d.deal, "expectedVersion": 1, "need": " Cold rooms ", "budget": "10.50", "contactId": own})).await;
    assert!(set["errors"].is_null(), "{set}");
    let now = deal(&app, token, &d.deal).await;
    assert_eq!(
        (
            now["need"].clone(),
            now["budget"].clone(),
            now["contact"]["id"].clone()
        ),
        (json!("Cold rooms"), json!("10.50"), json!(own))
    );
    let cleared = update(&app, token, json!({"id": d.deal, "expectedVersion": 2, "need": null, "budget": null, "contactId": null})).await;
    assert!(cleared["errors"].is_null(), "{cleared}");
    let now = deal(&app, token, &d.deal).await;
    assert_eq!(
        (
            now["need"].clone(),
            now["budget"].clone(),
            now["contact"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn checklists_of_a_page_of_deals_cost_the_same_statements_for_two_deals_or_ten() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let stage = ids_by_name(&stages(&app).await);
    let query = "query($n: Int!) { opportunities(first: $n) { nodes { id stage { exitCriteria { name } } \
        checklist { done doneAt doneBy { id } item { name kind } } } } }";
    let mut deals = vec![d.deal.clone()];
    for _ in 0..9 {
        deals.push(a_deal(&app, &d.rep.token, &d.customer).await);
    }
    // Some deals further on, with ticks, calls and visits of their own.
    for (i, id) in deals.iter().enumerate() {
        log(&app, &d.rep.token, id, "CALL").await;
        if i % 2 == 0 {
            let moved = app
                .gql(
                    Some(&d.manager.token),
                    MOVE,
                    json!({"input": {"id": id, "stageId": stage["Requirements confirmed"], "expectedVersion": 1, "overrideReason": "Known account"}}),
                )
                .await;
            assert!(moved["errors"].is_null(), "{moved}");
            let item = item_id(
                &deal(&app, &d.rep.token, id).await,
                "Decision timeline agreed with the customer",
            );
            app.gql(
                Some(&d.rep.token),
                TICK,
                json!({"input": {"opportunityId": id, "itemId": item}}),
            )
            .await;
        }
    }
    let (two, body) = app
        .cheapest_cost(Some(&d.rep.token), query, json!({"n": 2}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (ten, body) = app
        .cheapest_cost(Some(&d.rep.token), query, json!({"n": 10}))
        .await;
    assert_eq!(
        body["data"]["opportunities"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(10)
    );
    assert!(
        body["data"]["opportunities"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|n| n["checklist"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|i| i["doneBy"]["id"] == json!(d.rep.id))),
        "{body}"
    );
    assert_eq!(two, ten, "statements do not grow with the deals listed");
}
