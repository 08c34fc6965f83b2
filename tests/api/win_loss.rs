//! Why deals are won and lost: reasons picked from admin-kept lists (with a free-text detail),
//! competitors named on deals and marked when the deal closes, and the win/loss report grouped
//! by reason, competitor, stage and owner.

use serde_json::{Value, json};

use crate::helpers::*;

const CREATE: &str = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }";
const DEAL: &str = "query($id: ID!) { opportunity(id: $id) { version status lostReason closeDetail \
    closeReason { name kind } closedFromStage { name } lostTo { name } \
    competitors { status note competitor { name } } } }";
const NAME: &str = "mutation($input: CreateCompetitorInput!) { createCompetitor(input: $input) { competitor { id name } } }";
const SET: &str = "mutation($input: SetOpportunityCompetitorsInput!) { setOpportunityCompetitors(input: $input) { opportunity { version } } }";
const WIN: &str = "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { version status } } }";
const LOSE: &str = "mutation($input: LoseOpportunityInput!) { loseOpportunity(input: $input) { opportunity { version status } } }";
const REOPEN: &str = "mutation($input: ReopenOpportunityInput!) { reopenOpportunity(input: $input) { opportunity { version } } }";
const REASONS: &str = "mutation($input: UpdateCloseReasonsInput!) { updateCloseReasons(input: $input) { reasons { id name archived } } }";
const REPORT: &str = "query($input: WinLossReportInput!) { winLossReport(input: $input) { groupBy \
    lines { wonCount wonAmount lostCount lostAmount winRate reason { name kind } competitor { name } stage { name } owner { id } } \
    total { wonCount wonAmount lostCount lostAmount winRate } } }";

async fn a_deal(app: &TestApp, token: &str, customer: &str, amount: &str) -> String {
    let body = app
        .gql(
            Some(token),
            CREATE,
            json!({"input": {"customerId": customer, "name": "Cold rooms", "amount": amount, "expectedCloseDate": "2027-03-31"}}),
        )
        .await;
    string_at(&body, &["data", "createOpportunity", "opportunity", "id"])
}

async fn deal(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql(Some(token), DEAL, json!({"id": id})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["opportunity"].clone()
}

async fn competitor(app: &TestApp, token: &str, name: &str) -> String {
    let body = app
        .gql(Some(token), NAME, json!({"input": {"name": name}}))
        .await;
    string_at(&body, &["data", "createCompetitor", "competitor", "id"])
}

/// The id of the reason named `name` in `list` (`winReasons` or `lossReasons`).
async fn reason(app: &TestApp, list: &str, name: &str) -> Value {
    let body = app
        .admin(
            &format!("{{ {list}(includeArchived: true) {{ id name }} }}"),
            json!({}),
        )
        .await;
    body["data"][list]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["name"] == name))
        .unwrap_or_else(|| panic!("no {name}: {body}"))["id"]
        .clone()
}

async fn run(app: &TestApp, token: &str, query: &str, input: Value) -> Value {
    app.gql(Some(token), query, json!({ "input": input })).await
}

#[tokio::test]
async fn closing_a_deal_names_a_reason_and_marks_the_competitors() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let partner = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let token = &rep.token;
    let names = |body: &Value, list: &str| -> Vec<Value> {
        body["data"][list]
            .as_array()
            .map(|all| all.iter().map(|r| r["name"].clone()).collect())
            .unwrap_or_default()
    };
    let lists = app
        .gql(
            Some(token),
            "{ winReasons { name } lossReasons { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        names(&lists, "winReasons"),
        vec![
            json!("Price"),
            json!("Product fit"),
            json!("Relationship"),
            json!("Service and delivery"),
            json!("Other")
        ]
    );
    assert_eq!(
        names(&lists, "lossReasons"),
        vec![
            json!("Price"),
            json!("Lost to a competitor"),
            json!("No budget"),
            json!("No decision or project cancelled"),
            json!("Product fit"),
            json!("Timing"),
            json!("Other")
        ]
    );

    // Competitors are named once, whatever the spelling.
    let haier = competitor(&app, token, "Haier  Cold Chain").await;
    let again = app
        .gql(
            Some(token),
            NAME,
            json!({"input": {"name": " haier cold chain "}}),
        )
        .await;
    assert_eq!(
        code_and_field(&again),
        (Some("DUPLICATE"), Some("input.name")),
        "{again}"
    );
    assert_eq!(again["errors"][0]["extensions"]["existingId"], json!(haier));
    let by_finance = app
        .gql(
            Some(&finance.token),
            NAME,
            json!({"input": {"name": "Carrier"}}),
        )
        .await;
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"), "{by_finance}");
    let carrier = competitor(&app, token, "Carrier").await;
    let daikin = competitor(&app, token, "Daikin").await;
    let found = app
        .gql(
            Some(token),
            "{ competitors(search: \"HAIER\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        found["data"]["competitors"],
        json!([{"name": "Haier Cold Chain"}])
    );

    let customer = crate::fixtures::a_customer(&app, token, "冷库客户").await;
    let id = a_deal(&app, token, &customer, "1000").await;
    let twice = run(&app, token, SET, json!({"id": id, "expectedVersion": 1, "competitors": [{"competitorId": haier}, {"competitorId": haier}]})).await;
    assert_eq!(
        code_and_field(&twice),
        (
            Some("BAD_USER_INPUT"),
            Some("input.competitors.1.competitorId")
        ),
        "{twice}"
    );
    let unknown = run(&app, token, SET, json!({"id": id, "expectedVersion": 1, "competitors": [{"competitorId": missing_id("Competitor")}]})).await;
    assert_eq!(
        code_and_field(&unknown),
        (
            Some("BAD_USER_INPUT"),
            Some("input.competitors.0.competitorId")
        ),
        "{unknown}"
    );
    let set = run(&app, token, SET, json!({"id": id, "expectedVersion": 1, "competitors": [{"competitorId": haier, "note": "Quoted 8% less"}, {"competitorId": carrier}]})).await;
    assert!(set["errors"].is_null(), "{set}");
    // Seeing through a split is not changing.
    let split = app
        .gql(
            Some(token),
            "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version } } }",
            json!({"input": {"id": id, "expectedVersion": 2, "splits": [{"userId": rep.id, "percent": "80"}, {"userId": partner.id, "percent": "20"}]}}),
        )
        .await;
    assert!(split["errors"].is_null(), "{split}");
    let by_partner = run(
        &app,
        &partner.token,
        SET,
        json!({"id": id, "expectedVersion": 3, "competitors": []}),
    )
    .await;
    assert_eq!(error_code(&by_partner), Some("FORBIDDEN"), "{by_partner}");
    let by_partner = run(
        &app,
        &partner.token,
        LOSE,
        json!({"id": id, "expectedVersion": 3, "reasonId": LOSS_REASON}),
    )
    .await;
    assert_eq!(error_code(&by_partner), Some("FORBIDDEN"), "{by_partner}");

    // A loss names a loss reason; the winner joins the deal's competitors as LOST_TO.
    let price_win = reason(&app, "winReasons", "Price").await;
    let to_competitor = reason(&app, "lossReasons", "Lost to a competitor").await;
    let wrong_list = run(
        &app,
        token,
        LOSE,
        json!({"id": id, "expectedVersion": 3, "reasonId": price_win}),
    )
    .await;
    assert_eq!(
        code_and_field(&wrong_list),
        (Some("BAD_USER_INPUT"), Some("input.reasonId")),
        "{wrong_list}"
    );
    let no_winner = run(&app, token, LOSE, json!({"id": id, "expectedVersion": 3, "reasonId": to_competitor, "wonByCompetitorId": missing_id("Competitor")})).await;
    assert_eq!(
        code_and_field(&no_winner),
        (Some("BAD_USER_INPUT"), Some("input.wonByCompetitorId")),
        "{no_winner}"
    );
    assert_eq!(
        deal(&app, token, &id).await["status"],
        "OPEN",
        "nothing was half-written"
    );
    let lost = run(&app, token, LOSE, json!({"id": id, "expectedVersion": 3, "reasonId": to_competitor, "reason": "Daikin bundled maintenance", "wonByCompetitorId": daikin})).await;
    assert!(lost["errors"].is_null(), "{lost}");
    let closed = deal(&app, token, &id).await;
    assert_eq!(
        closed["closeReason"],
        json!({"name": "Lost to a competitor", "kind": "LOSS"})
    );
    assert_eq!(closed["closeDetail"], "Daikin bundled maintenance");
    assert_eq!(closed["lostReason"], "Daikin bundled maintenance");
    assert_eq!(closed["closedFromStage"]["name"], "Initial contact");
    assert_eq!(closed["lostTo"]["name"], "Daikin");
    assert_eq!(
        closed["competitors"],
        json!([
            {"status": "ACTIVE", "note": "Quoted 8% less", "competitor": {"name": "Haier Cold Chain"}},
            {"status": "ACTIVE", "note": null, "competitor": {"name": "Carrier"}},
            {"status": "LOST_TO", "note": null, "competitor": {"name": "Daikin"}},
        ])
    );
    let on_closed = run(
        &app,
        token,
        SET,
        json!({"id": id, "expectedVersion": 4, "competitors": []}),
    )
    .await;
    assert_eq!(error_code(&on_closed), Some("INVALID_STATE"), "{on_closed}");

    // Reopened, contested again; won, against every one of them.
    let stage = app
        .gql(Some(token), "{ pipelineStages { id } }", json!({}))
        .await["data"]["pipelineStages"][0]["id"]
        .clone();
    let reopened = run(
        &app,
        token,
        REOPEN,
        json!({"id": id, "expectedVersion": 4, "stageId": stage}),
    )
    .await;
    assert!(reopened["errors"].is_null(), "{reopened}");
    let open = deal(&app, token, &id).await;
    assert_eq!(
        (
            open["closeReason"].clone(),
            open["lostTo"].clone(),
            open["lostReason"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );
    assert!(
        open["competitors"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|c| c["status"] == "ACTIVE"),
        "{open}"
    );
    let no_reason = app
        .gql(
            Some(token),
            WIN,
            json!({"input": {"id": id, "expectedVersion": 5}}),
        )
        .await;
    assert_eq!(
        code_and_field(&no_reason),
        (Some("BAD_USER_INPUT"), Some("input.reasonId")),
        "{no_reason}"
    );
    let won = run(&app, token, WIN, json!({"id": id, "expectedVersion": 5, "reasonId": price_win, "detail": "Matched on price"})).await;
    assert!(won["errors"].is_null(), "{won}");
    let won = deal(&app, token, &id).await;
    assert_eq!(won["closeReason"]["name"], "Price");
    assert_eq!(won["closeDetail"], "Matched on price");
    assert_eq!(won["lostTo"], Value::Null);
    assert!(
        won["competitors"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|c| c["status"] == "WON_AGAINST"),
        "{won}"
    );
}

#[tokio::test]
async fn admins_keep_the_reason_lists_and_the_competitors() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let token = &rep.token;
    let all =
        app.admin("{ lossReasons { id name } }", json!({})).await["data"]["lossReasons"].clone();
    let id = |i: usize| all[i]["id"].clone();
    // Blank, repeated, and all archived: every problem at once.
    let bad = app
        .admin(REASONS, json!({"input": {"kind": "LOSS", "reasons": [{"name": " ", "archived": true}, {"name": "Price", "archived": true}, {"name": "price", "archived": true}]}}))
        .await;
    let mut fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{bad}"))
        .iter()
        .filter_map(|e| e["extensions"]["field"].as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        vec![
            "input.reasons",
            "input.reasons.0.name",
            "input.reasons.2.name"
        ],
        "{bad}"
    );
    let by_rep = app
        .gql(
            Some(token),
            REASONS,
            json!({"input": {"kind": "LOSS", "reasons": [{"name": "Price"}]}}),
        )
        .await;
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"), "{by_rep}");

    // A reason a deal names stays (archived); unused ones go.
    let customer = crate::fixtures::a_customer(&app, token, "Lists Co").await;
    let deal_id = a_deal(&app, token, &customer, "10").await;
    let lost = run(
        &app,
        token,
        LOSE,
        json!({"id": deal_id, "expectedVersion": 1, "reasonId": id(0)}),
    )
    .await;
    assert!(lost["errors"].is_null(), "{lost}");
    let in_use = app
        .admin(REASONS, json!({"input": {"kind": "LOSS", "reasons": [{"id": id(1), "name": "Competitor won"}]}}))
        .await;
    assert_eq!(error_code(&in_use), Some("INVALID_STATE"), "{in_use}");
    let kept = app
        .admin(
            REASONS,
            json!({"input": {"kind": "LOSS", "reasons": [
                {"id": id(1), "name": "Competitor won"},
                {"id": id(0), "name": "Price", "archived": true},
                {"name": "Payment terms"},
            ]}}),
        )
        .await;
    assert!(kept["errors"].is_null(), "{kept}");
    let offered = app
        .gql(Some(token), "{ lossReasons { name } }", json!({}))
        .await;
    assert_eq!(
        offered["data"]["lossReasons"],
        json!([{"name": "Competitor won"}, {"name": "Payment terms"}])
    );
    let closed = app
        .gql(
            Some(token),
            "query($id: ID!) { opportunity(id: $id) { closeReason { name archived } } }",
            json!({"id": deal_id}),
        )
        .await;
    assert_eq!(
        closed["data"]["opportunity"]["closeReason"],
        json!({"name": "Price", "archived": true})
    );
    let other = a_deal(&app, token, &customer, "10").await;
    let archived = run(
        &app,
        token,
        LOSE,
        json!({"id": other, "expectedVersion": 1, "reasonId": id(0)}),
    )
    .await;
    assert_eq!(
        code_and_field(&archived),
        (Some("BAD_USER_INPUT"), Some("input.reasonId")),
        "{archived}"
    );

    // Admins rename and archive competitors; an archived one stays where named, but is not
    // named anew.
    let acme = competitor(&app, token, "Acme Refrigeration").await;
    let named = run(
        &app,
        token,
        SET,
        json!({"id": other, "expectedVersion": 1, "competitors": [{"competitorId": acme}]}),
    )
    .await;
    assert!(named["errors"].is_null(), "{named}");
    let update = "mutation($input: UpdateCompetitorInput!) { updateCompetitor(input: $input) { competitor { name archived } } }";
    let by_rep = run(&app, token, update, json!({"id": acme, "archived": true})).await;
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"), "{by_rep}");
    let renamed = app
        .admin(
            update,
            json!({"input": {"id": acme, "name": "Acme Cold", "archived": true}}),
        )
        .await;
    assert_eq!(
        renamed["data"]["updateCompetitor"]["competitor"],
        json!({"name": "Acme Cold", "archived": true})
    );
    let kept = run(&app, token, SET, json!({"id": other, "expectedVersion": 2, "competitors": [{"competitorId": acme, "note": "Still in"}]})).await;
    assert!(kept["errors"].is_null(), "{kept}");
    let third = a_deal(&app, token, &customer, "10").await;
    let refused = run(
        &app,
        token,
        SET,
        json!({"id": third, "expectedVersion": 1, "competitors": [{"competitorId": acme}]}),
    )
    .await;
    assert_eq!(
        code_and_field(&refused),
        (
            Some("BAD_USER_INPUT"),
            Some("input.competitors.0.competitorId")
        ),
        "{refused}"
    );
    let listed = app
        .gql(Some(token), "{ competitors { name } }", json!({}))
        .await;
    assert_eq!(listed["data"]["competitors"], json!([]));
}

#[tokio::test]
async fn the_win_loss_report_groups_the_period_s_closed_deals() {
    let app = TestApp::spawn_at(crate::fixtures::at("2026-11-20T02:00:00Z")).await;
    crate::fixtures::without_playbook(&app).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("North", Some(&manager.id)).await;
    let ann = app.a_user().in_team(&team).create().await;
    let bob = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let haier = competitor(&app, &ann.token, "Haier").await;
    let carrier = competitor(&app, &ann.token, "Carrier").await;
    let price_loss = reason(&app, "lossReasons", "Price").await;
    let no_budget = reason(&app, "lossReasons", "No budget").await;
    let timing = reason(&app, "lossReasons", "Timing").await;
    let price_win = reason(&app, "winReasons", "Price").await;
    let relationship = reason(&app, "winReasons", "Relationship").await;
    let stages = app
        .gql(
            Some(&ann.token),
            "{ pipelineStages { id name } }",
            json!({}),
        )
        .await;
    let quotation = stages["data"]["pipelineStages"][2]["id"].clone();

    // Closed in October, outside the period.
    let close = async |user: &TestUser, amount: &str, competitors: &[&str], outcome: Value| {
        let customer = crate::fixtures::a_customer(&app, &user.token, "Report Co").await;
        let id = a_deal(&app, &user.token, &customer, amount).await;
        let mut version = 1;
        if !competitors.is_empty() {
            let list: Vec<Value> = competitors
                .iter()
                .map(|c| json!({"competitorId": c}))
                .collect();
            let set = run(
                &app,
                &user.token,
                SET,
                json!({"id": id, "expectedVersion": version, "competitors": list}),
            )
            .await;
            assert!(set["errors"].is_null(), "{set}");
            version += 1;
        }
        let mut input = outcome.clone();
        input["id"] = json!(id);
        if input["stageId"].is_string() {
            let moved = run(&app, &user.token, "mutation($input: MoveOpportunityStageInput!) { moveOpportunityStage(input: $input) { opportunity { version } } }", json!({"id": id, "stageId": input["stageId"], "expectedVersion": version})).await;
            assert!(moved["errors"].is_null(), "{moved}");
            version += 1;
            input.as_object_mut().map(|m| m.remove("stageId"));
        }
        input["expectedVersion"] = json!(version);
        let mutation = if input["won"] == true { WIN } else { LOSE };
        input.as_object_mut().map(|m| m.remove("won"));
        let body = run(&app, &user.token, mutation, input).await;
        assert!(body["errors"].is_null(), "{body}");
    };
    close(&bob, "400", &[], json!({"won": false, "reasonId": timing})).await;
    app.clock.advance(chrono::Duration::days(15));
    let ann = TestUser {
        token: app.token_for(&ann).await,
        ..ann
    };
    let bob = TestUser {
        token: app.token_for(&bob).await,
        ..bob
    };
    let manager_token = app.token_for(&manager).await;
    close(
        &ann,
        "1000",
        &[&haier],
        json!({"won": true, "reasonId": price_win}),
    )
    .await;
    close(
        &ann,
        "500",
        &[],
        json!({"won": true, "reasonId": relationship}),
    )
    .await;
    close(&ann, "300", &[&carrier], json!({"won": false, "reasonId": price_loss, "wonByCompetitorId": haier, "stageId": quotation})).await;
    close(
        &ann,
        "200",
        &[&carrier],
        json!({"won": false, "reasonId": no_budget}),
    )
    .await;
    close(
        &bob,
        "700",
        &[&haier, &carrier],
        json!({"won": true, "reasonId": price_win}),
    )
    .await;

    let report = async |token: &str, group: &str, scope: &str| {
        let body = app
            .gql(Some(token), REPORT, json!({"input": {"from": "2026-12-01", "to": "2026-12-31", "scope": scope, "groupBy": group}}))
            .await;
        assert!(body["errors"].is_null(), "{body}");
        body["data"]["winLossReport"].clone()
    };
    let by_reason = report(&manager_token, "REASON", "TEAM").await;
    assert_eq!(
        by_reason["total"],
        json!({"wonCount": 3, "wonAmount": "2200.00", "lostCount": 2, "lostAmount": "500.00", "winRate": 0.6})
    );
    let lines: Vec<Value> = by_reason["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            json!([
                l["reason"]["kind"],
                l["reason"]["name"],
                l["wonCount"],
                l["wonAmount"],
                l["lostCount"],
                l["lostAmount"]
            ])
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            json!(["WIN", "Price", 2, "1700.00", 0, "0.00"]),
            json!(["LOSS", "Price", 0, "0.00", 1, "300.00"]),
            json!(["LOSS", "No budget", 0, "0.00", 1, "200.00"]),
            json!(["WIN", "Relationship", 1, "500.00", 0, "0.00"]),
        ],
        "most deals first, then in the lists' order of ids"
    );

    let by_competitor = report(&manager_token, "COMPETITOR", "TEAM").await;
    let lines: Vec<Value> = by_competitor["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            json!([
                l["competitor"]["name"],
                l["wonCount"],
                l["wonAmount"],
                l["lostCount"],
                l["lostAmount"],
                l["winRate"]
            ])
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            json!(["Haier", 2, "1700.00", 1, "300.00", 2.0 / 3.0]),
            json!(["Carrier", 1, "700.00", 0, "0.00", 1.0]),
        ],
        "a loss counts for the competitor it went to, not for those merely present"
    );

    let by_owner = report(&manager_token, "OWNER", "TEAM").await;
    let lines: Vec<Value> = by_owner["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| json!([l["owner"]["id"], l["wonCount"], l["lostCount"]]))
        .collect();
    assert_eq!(lines, vec![json!([ann.id, 2, 2]), json!([bob.id, 1, 0])]);

    let by_stage = report(&manager_token, "STAGE", "TEAM").await;
    let lines: Vec<Value> = by_stage["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| json!([l["stage"]["name"], l["wonCount"], l["lostCount"]]))
        .collect();
    assert_eq!(
        lines,
        vec![json!(["Initial contact", 3, 1]), json!(["Quotation", 0, 1])]
    );

    // Each sees what they may: Bob his own, an outsider nothing.
    let bobs = report(&bob.token, "OWNER", "ME").await;
    assert_eq!(bobs["total"]["wonCount"], 1);
    assert_eq!(bobs["total"]["lostCount"], 0);
    let nothing = report(&app.token_for(&outsider).await, "REASON", "COMPANY").await;
    assert_eq!(nothing["lines"], json!([]));
    assert_eq!(nothing["total"]["winRate"], Value::Null);
    let backwards = app
        .gql(Some(&manager_token), REPORT, json!({"input": {"from": "2026-12-31", "to": "2026-12-01", "scope": "TEAM", "groupBy": "REASON"}}))
        .await;
    assert_eq!(
        code_and_field(&backwards),
        (Some("BAD_USER_INPUT"), Some("input.to")),
        "{backwards}"
    );
}

#[tokio::test]
async fn hostile_lists_and_racing_names_are_refused_cleanly() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let rep = app.a_user().create().await;
    let token = &rep.token;
    // Ten phones name the same competitor at once: one is created, the rest learn its id.
    let names = (0..10).map(|_| app.gql(Some(token), NAME, json!({"input": {"name": "Gree"}})));
    let answers = futures_util::future::join_all(names).await;
    let created: Vec<&Value> = answers.iter().filter(|a| a["errors"].is_null()).collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    let id = &created[0]["data"]["createCompetitor"]["competitor"]["id"];
    for refused in answers.iter().filter(|a| !a["errors"].is_null()) {
        assert_eq!(error_code(refused), Some("DUPLICATE"), "{refused}");
        assert_eq!(&refused["errors"][0]["extensions"]["existingId"], id);
    }
    // Too many, too long.
    let customer = crate::fixtures::a_customer(&app, token, "Hostile Co").await;
    let deal = a_deal(&app, token, &customer, "10").await;
    let many: Vec<Value> = (0..21).map(|_| json!({"competitorId": id})).collect();
    let crowded = run(
        &app,
        token,
        SET,
        json!({"id": deal, "expectedVersion": 1, "competitors": many}),
    )
    .await;
    assert_eq!(error_code(&crowded), Some("BAD_USER_INPUT"), "{crowded}");
    let fields: Vec<&str> = crowded["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["extensions"]["field"].as_str())
        .collect();
    assert!(fields.contains(&"input.competitors"), "{crowded}");
    let long_note = run(&app, token, SET, json!({"id": deal, "expectedVersion": 1, "competitors": [{"competitorId": id, "note": "n".repeat(1001)}]})).await;
    assert_eq!(
        code_and_field(&long_note),
        (Some("BAD_USER_INPUT"), Some("input.competitors.0.note")),
        "{long_note}"
    );
    let long_name = app
        .gql(
            Some(token),
            NAME,
            json!({"input": {"name": "x".repeat(201)}}),
        )
        .await;
    assert_eq!(
        code_and_field(&long_name),
        (Some("BAD_USER_INPUT"), Some("input.name")),
        "{long_name}"
    );
    let long_search = app
        .gql(
            Some(token),
            "query($s: String) { competitors(search: $s) { id } }",
            json!({"s": "x".repeat(201)}),
        )
        .await;
    assert_eq!(
        code_and_field(&long_search),
        (Some("BAD_USER_INPUT"), Some("search")),
        "{long_search}"
    );
    let reasons: Vec<Value> = (0..51)
        .map(|i| json!({"name": format!("Reason {i}")}))
        .collect();
    let too_many = app
        .admin(
            REASONS,
            json!({"input": {"kind": "WIN", "reasons": reasons}}),
        )
        .await;
    assert_eq!(
        code_and_field(&too_many),
        (Some("BAD_USER_INPUT"), Some("input.reasons")),
        "{too_many}"
    );
    let detail = run(&app, token, WIN, json!({"id": deal, "expectedVersion": 1, "reasonId": WIN_REASON, "detail": "d".repeat(1001)})).await;
    assert_eq!(
        code_and_field(&detail),
        (Some("BAD_USER_INPUT"), Some("input.detail")),
        "{detail}"
    );
    assert_eq!(
        deal_status(&app, token, &deal).await,
        "OPEN",
        "nothing was half-written"
    );
}

async fn deal_status(app: &TestApp, token: &str, id: &str) -> Value {
    deal(app, token, id).await["status"].clone()
}
