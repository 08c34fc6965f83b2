//! Leads: capture, duplicates, scoring, assignment, the pool, follow-ups, conversion.

use serde_json::{Value, json};

use crate::helpers::*;

const CREATE: &str = "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id status score grade inPool version owner { id } } possibleDuplicates { __typename ... on Lead { id } ... on Customer { id } } } }";
const CLAIM: &str =
    "mutation($id: ID!) { claimLead(input: {id: $id}) { lead { id inPool owner { id } } } }";
const FOLLOW_UP: &str =
    "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }";
const LEAD: &str = "query($id: ID!) { lead(id: $id) { id status score grade version inPool phone email poolDeadline followUpCount events { nodes { kind actor { id } fromOwner { id } toOwner { id } reason } } } }";

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), CREATE, json!({"input": input})).await
}

async fn a_lead(app: &TestApp, token: &str, input: Value) -> String {
    let mut full = json!({"name": "Wang Fang", "source": "REFERRAL"});
    full.as_object_mut()
        .unwrap()
        .extend(input.as_object().unwrap().clone());
    let body = create(app, token, full).await;
    body["data"]["createLead"]["lead"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn lead(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql(Some(token), LEAD, json!({"id": id})).await;
    body["data"]["lead"].clone()
}

fn ids(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_rep_captures_a_lead_that_is_theirs_new_and_scored() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;

    let body = create(
        &app,
        &rep.token,
        json!({"name": "Wang Fang", "company": "Acme", "phone": "13800138000", "source": "REFERRAL",
               "bant": {"budget": "YES", "authority": "YES", "need": "YES", "timeline": "WITHIN_3_MONTHS"}}),
    )
    .await;

    let created = &body["data"]["createLead"]["lead"];
    assert_eq!(created["status"], "NEW");
    assert_eq!(created["owner"]["id"], rep.id.as_str());
    assert_eq!(created["inPool"], false);
    // budget 20 + authority 15 + need 20 + timeline 20 + referral 10, no follow-ups yet
    assert_eq!(
        (created["score"].as_i64(), created["grade"].as_str()),
        (Some(85), Some("A"))
    );
    let events =
        lead(&app, &rep.token, created["id"].as_str().unwrap()).await["events"]["nodes"].clone();
    assert_eq!(events[0]["kind"], "CREATED");
}

#[tokio::test]
async fn the_same_phone_or_email_in_another_form_is_a_duplicate() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let first = a_lead(
        &app,
        &rep.token,
        json!({"phone": "+86 138-0013-8000", "email": "Wang@Acme.com"}),
    )
    .await;

    let same_phone = create(
        &app,
        &rep.token,
        json!({"name": "X", "source": "EVENT", "phone": "0086 13800138000"}),
    )
    .await;
    let same_email = create(
        &app,
        &rep.token,
        json!({"name": "X", "source": "EVENT", "email": " wang@acme.COM "}),
    )
    .await;
    let hidden = create(
        &app,
        &other.token,
        json!({"name": "X", "source": "EVENT", "phone": "13800138000"}),
    )
    .await;

    assert_eq!(
        (error_code(&same_phone), error_field(&same_phone)),
        (Some("DUPLICATE"), Some("input.phone"))
    );
    assert_eq!(
        same_phone["errors"][0]["extensions"]["existingId"],
        first.as_str()
    );
    assert_eq!(
        (error_code(&same_email), error_field(&same_email)),
        (Some("DUPLICATE"), Some("input.email"))
    );
    assert_eq!(error_code(&hidden), Some("DUPLICATE"));
    assert!(
        hidden["errors"][0]["extensions"]
            .get("existingId")
            .is_none(),
        "another rep's lead is not revealed"
    );
}

#[tokio::test]
async fn a_similar_company_is_reported_without_blocking() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let earlier = a_lead(&app, &rep.token, json!({"company": "Acme Co., Ltd."})).await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "ACME Corporation").await;

    let body = create(
        &app,
        &rep.token,
        json!({"name": "Li", "source": "EVENT", "company": "acme"}),
    )
    .await;

    let found: Vec<&str> = body["data"]["createLead"]["possibleDuplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(body["data"]["createLead"]["lead"]["id"].is_string());
    assert!(
        found.contains(&earlier.as_str()) && found.contains(&customer.as_str()),
        "{body}"
    );
}

#[tokio::test]
async fn retries_with_the_same_key_create_one_lead_and_one_follow_up() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let input = json!({"name": "Retry", "source": "EVENT", "phone": "13900000001", "idempotencyKey": "lead-1"});

    let first = create(&app, &rep.token, input.clone()).await;
    let again = create(&app, &rep.token, input).await;
    let id = first["data"]["createLead"]["lead"]["id"].as_str().unwrap();
    let follow = json!({"input": {"subjectId": id, "kind": "CALL", "content": "Talked", "idempotencyKey": "fu-1"}});
    let one = app.gql(Some(&rep.token), FOLLOW_UP, follow.clone()).await;
    let two = app.gql(Some(&rep.token), FOLLOW_UP, follow).await;

    assert_eq!(again["data"]["createLead"]["lead"]["id"], id);
    assert_eq!(
        one["data"]["logFollowUp"]["followUp"]["id"],
        two["data"]["logFollowUp"]["followUp"]["id"]
    );
    assert_eq!(lead(&app, &rep.token, id).await["followUpCount"], 1);
    let mine = app
        .gql(Some(&rep.token), "{ leads { totalCount } }", json!({}))
        .await;
    assert_eq!(mine["data"]["leads"]["totalCount"], 1);
}

#[tokio::test]
async fn statuses_only_move_forward_and_closed_leads_are_read_only() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_lead(&app, &rep.token, json!({})).await;
    let update = "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { lead { status version } } }";

    let qualified = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": id, "expectedVersion": 1, "status": "QUALIFIED"}}),
        )
        .await;
    let back = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": id, "expectedVersion": 2, "status": "CONTACTED"}}),
        )
        .await;
    let converted_by_update = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": id, "expectedVersion": 2, "status": "CONVERTED"}}),
        )
        .await;
    let disqualified = app
        .gql(Some(&rep.token), "mutation($id: ID!) { disqualifyLead(input: {id: $id, reason: \"No budget\"}) { lead { status } } }", json!({"id": id}))
        .await;
    let after = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": id, "expectedVersion": 3, "name": "Edited"}}),
        )
        .await;

    assert_eq!(
        qualified["data"]["updateLead"]["lead"]["status"],
        "QUALIFIED"
    );
    assert_eq!(error_code(&back), Some("INVALID_STATE"));
    assert_eq!(error_code(&converted_by_update), Some("INVALID_STATE"));
    assert_eq!(
        disqualified["data"]["disqualifyLead"]["lead"]["status"],
        "DISQUALIFIED"
    );
    assert_eq!(error_code(&after), Some("INVALID_STATE"));
}

#[tokio::test]
async fn a_follow_up_contacts_the_lead_raises_its_score_and_pushes_its_deadline() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_lead(&app, &rep.token, json!({})).await;
    let before = lead(&app, &rep.token, &id).await;
    app.clock.advance(chrono::Duration::days(3));
    let token = app.token_for(&rep).await;

    app.gql(
        Some(&token),
        FOLLOW_UP,
        json!({"input": {"subjectId": id, "kind": "MEETING", "content": "Demo"}}),
    )
    .await;

    let after = lead(&app, &token, &id).await;
    assert_eq!(after["status"], "CONTACTED");
    assert_eq!(
        after["score"].as_i64().unwrap() - before["score"].as_i64().unwrap(),
        3
    );
    assert!(after["poolDeadline"].as_str().unwrap() > before["poolDeadline"].as_str().unwrap());
    let future = app
        .gql(Some(&token), FOLLOW_UP, json!({"input": {"subjectId": id, "kind": "CALL", "content": "x", "occurredAt": "2999-01-01T00:00:00Z"}}))
        .await;
    assert_eq!(
        (error_code(&future), error_field(&future)),
        (Some("BAD_USER_INPUT"), Some("input.occurredAt"))
    );
}

#[tokio::test]
async fn reps_cannot_see_or_touch_each_others_leads_and_finance_cannot_touch_leads() {
    let app = TestApp::spawn().await;
    let owner = app.a_user().create().await;
    let other = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let id = a_lead(&app, &owner.token, json!({})).await;

    let read = app.gql(Some(&other.token), LEAD, json!({"id": id})).await;
    let follow = app
        .gql(
            Some(&other.token),
            FOLLOW_UP,
            json!({"input": {"subjectId": id, "kind": "CALL", "content": "x"}}),
        )
        .await;
    let list = app
        .gql(
            Some(&other.token),
            "query($o: ID) { leads(filter: {ownerId: $o}) { totalCount } }",
            json!({"o": owner.id}),
        )
        .await;
    let finance_read = app.gql(Some(&finance.token), LEAD, json!({"id": id})).await;
    let finance_create = create(
        &app,
        &finance.token,
        json!({"name": "F", "source": "OTHER"}),
    )
    .await;

    assert_eq!(error_code(&read), Some("NOT_FOUND"));
    assert_eq!(error_code(&follow), Some("NOT_FOUND"));
    assert_eq!(list["data"]["leads"]["totalCount"], 0);
    assert_eq!(error_code(&finance_read), Some("FORBIDDEN"));
    assert_eq!(error_code(&finance_create), Some("FORBIDDEN"));
}

#[tokio::test]
async fn a_manager_sees_exactly_their_teams_leads_and_assigns_them() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let member = app.a_user().in_team(&team).create().await;
    let colleague = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let manager_token = app.login(&manager.email, PASSWORD).await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = a_lead(&app, &member.token, json!({})).await;
    let theirs = a_lead(&app, &outsider.token, json!({"phone": "13700000000"})).await;

    let seen = app
        .gql(
            Some(&manager_token),
            "{ leads { nodes { id } } }",
            json!({}),
        )
        .await;
    let assign = "mutation($id: ID!, $to: ID!) { assignLead(input: {id: $id, assigneeId: $to}) { lead { owner { id } } } }";
    let moved = app
        .gql(
            Some(&manager_token),
            assign,
            json!({"id": mine, "to": colleague.id}),
        )
        .await;
    let foreign = app
        .gql(
            Some(&manager_token),
            assign,
            json!({"id": theirs, "to": colleague.id}),
        )
        .await;
    let to_outsider = app
        .gql(
            Some(&manager_token),
            assign,
            json!({"id": mine, "to": outsider.id}),
        )
        .await;
    let by_rep = app
        .gql(
            Some(&member.token),
            assign,
            json!({"id": mine, "to": member.id}),
        )
        .await;

    assert_eq!(ids(&seen["data"]["leads"]), vec![mine.clone()]);
    assert_eq!(
        moved["data"]["assignLead"]["lead"]["owner"]["id"],
        colleague.id.as_str()
    );
    assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
    assert_eq!(
        (error_code(&to_outsider), error_field(&to_outsider)),
        (Some("BAD_USER_INPUT"), Some("input.assigneeId"))
    );
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"));
    let events = lead(&app, &colleague.token, &mine).await["events"]["nodes"].clone();
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            last["kind"].as_str(),
            last["fromOwner"]["id"].as_str(),
            last["toOwner"]["id"].as_str()
        ),
        (
            Some("ASSIGNED"),
            Some(member.id.as_str()),
            Some(colleague.id.as_str())
        )
    );
    let notes = app
        .gql(
            Some(&colleague.token),
            "{ notifications(unreadOnly: true) { totalCount nodes { kind subjectId subject { __typename ... on Lead { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        notes["data"]["notifications"]["nodes"][0],
        json!({"kind": "LEAD_ASSIGNED", "subjectId": mine, "subject": {"__typename": "Lead", "id": mine}})
    );
}

#[tokio::test]
async fn pool_leads_are_masked_until_claimed_and_claims_respect_the_limit() {
    let app = TestApp::spawn_with(|c| c.lead_claim_limit = 1).await;
    let rep = app.a_user().create().await;
    let first = a_lead(
        &app,
        &rep.token,
        json!({"assign": "POOL", "phone": "13812345678", "email": "pool@acme.com"}),
    )
    .await;
    let second = a_lead(
        &app,
        &rep.token,
        json!({"assign": "POOL", "phone": "13812345679"}),
    )
    .await;

    let pooled = lead(&app, &rep.token, &first).await;
    assert_eq!(
        (pooled["phone"].as_str(), pooled["email"].as_str()),
        (Some("*******5678"), Some("p***@acme.com"))
    );
    let pool = app
        .gql(
            Some(&rep.token),
            "{ leadPool { totalCount } leads { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (
            pool["data"]["leadPool"]["totalCount"].as_i64(),
            pool["data"]["leads"]["totalCount"].as_i64()
        ),
        (Some(2), Some(0))
    );

    let claimed = app.gql(Some(&rep.token), CLAIM, json!({"id": first})).await;
    let over_limit = app
        .gql(Some(&rep.token), CLAIM, json!({"id": second}))
        .await;

    assert_eq!(
        claimed["data"]["claimLead"]["lead"]["owner"]["id"],
        rep.id.as_str()
    );
    assert_eq!(lead(&app, &rep.token, &first).await["phone"], "13812345678");
    assert_eq!(error_code(&over_limit), Some("INVALID_STATE"));
    let release = app
        .gql(Some(&rep.token), "mutation($id: ID!) { releaseLead(input: {id: $id, reason: \"Wrong region\"}) { lead { inPool } } }", json!({"id": first}))
        .await;
    assert_eq!(release["data"]["releaseLead"]["lead"]["inPool"], true);
    let kinds: Vec<String> = lead(&app, &rep.token, &first).await["events"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["CREATED", "CLAIMED", "RELEASED"]);
}

#[tokio::test]
async fn two_reps_claiming_the_same_lead_at_once_leave_exactly_one_winner() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let a = app.a_user().create().await;
    let b = app.a_user().create().await;
    for round in 0..10 {
        let id = a_lead(
            &app,
            &a.token,
            json!({"assign": "POOL", "phone": format!("1360000{round:04}")}),
        )
        .await;
        let (first, second) = tokio::join!(
            app.gql(Some(&a.token), CLAIM, json!({"id": id})),
            app.gql(Some(&b.token), CLAIM, json!({"id": id}))
        );
        let winners = [&first, &second]
            .iter()
            .filter(|r| r["errors"].is_null())
            .count();
        let losers: Vec<_> = [&first, &second]
            .iter()
            .filter_map(|r| error_code(r).map(str::to_owned))
            .collect();
        assert_eq!(winners, 1, "round {round}: {first} {second}");
        // The loser read the lead in the pool (INVALID_STATE), or after it became the winner's,
        // when it is no longer theirs to see (NOT_FOUND).
        assert!(
            losers == ["INVALID_STATE"] || losers == ["NOT_FOUND"],
            "{losers:?}"
        );
    }
}

#[tokio::test]
async fn the_claim_limit_holds_under_concurrent_claims() {
    let limit = 3;
    let app = TestApp::spawn_on_file_or_postgres_with(|c| c.lead_claim_limit = limit).await;
    for round in 0..4 {
        let rep = app.a_user().create().await;
        let mut pool = Vec::new();
        for i in 0..12 {
            let phone = format!("135{round:02}00{i:04}");
            pool.push(
                a_lead(
                    &app,
                    &app.admin_token,
                    json!({"assign": "POOL", "phone": phone}),
                )
                .await,
            );
        }

        let results = futures_util::future::join_all(
            pool.iter()
                .map(|id| app.gql(Some(&rep.token), CLAIM, json!({"id": id}))),
        )
        .await;

        let won = results.iter().filter(|r| r["errors"].is_null()).count() as u64;
        assert_eq!(won, limit, "round {round}");
        let held = app
            .gql(Some(&rep.token), "{ leads { totalCount } }", json!({}))
            .await;
        assert_eq!(held["data"]["leads"]["totalCount"].as_u64(), Some(limit));
    }
}

#[tokio::test]
async fn round_robin_spreads_leads_evenly_over_the_teams_active_reps() {
    let app = TestApp::spawn().await;
    let team = app.a_team("Inbound", None).await;
    let reps = [
        app.a_user().in_team(&team).create().await,
        app.a_user().in_team(&team).create().await,
        app.a_user().in_team(&team).create().await,
    ];
    app.a_user().role("FINANCE").in_team(&team).create().await;

    for i in 0..30 {
        a_lead(
            &app,
            &app.admin_token,
            json!({"assign": "AUTO", "teamId": team, "phone": format!("1330000{i:04}")}),
        )
        .await;
    }

    for rep in &reps {
        let count = app
            .gql(Some(&rep.token), "{ leads { totalCount } }", json!({}))
            .await;
        assert_eq!(count["data"]["leads"]["totalCount"], 10);
    }
    let note = app
        .gql(
            Some(&reps[0].token),
            "{ notifications { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(note["data"]["notifications"]["totalCount"], 10);
}

#[tokio::test]
async fn the_sweep_returns_exactly_the_neglected_leads_once() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let neglected = a_lead(&app, &rep.token, json!({"phone": "13200000001"})).await;
    let followed = a_lead(&app, &rep.token, json!({"phone": "13200000002"})).await;
    app.clock.advance(chrono::Duration::days(5));
    let token = app.token_for(&rep).await;
    app.gql(
        Some(&token),
        FOLLOW_UP,
        json!({"input": {"subjectId": followed, "kind": "CALL", "content": "Still keen"}}),
    )
    .await;
    app.clock.advance(chrono::Duration::days(3));
    let token = app.token_for(&rep).await;

    let now = salesgraph::clock::Clock::now(&app.clock);
    let first = salesgraph::leads::pool::return_neglected_leads(&app.state, now)
        .await
        .unwrap();
    let second = salesgraph::leads::pool::return_neglected_leads(&app.state, now)
        .await
        .unwrap();

    assert_eq!((first.affected, second.affected), (1, 0));
    let pool = app
        .gql(
            Some(&token),
            "{ leadPool { nodes { id } } leads { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(ids(&pool["data"]["leadPool"]), vec![neglected.clone()]);
    assert_eq!(ids(&pool["data"]["leads"]), vec![followed]);
    let events = lead(&app, &token, &neglected).await["events"]["nodes"].clone();
    assert_eq!(
        events.as_array().unwrap().last().unwrap()["kind"],
        "RETURNED_TO_POOL"
    );
    let notes = app
        .gql(
            Some(&token),
            "{ notifications { nodes { kind } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        notes["data"]["notifications"]["nodes"],
        json!([{"kind": "LEAD_RETURNED_TO_POOL"}])
    );
}

#[tokio::test]
async fn converting_a_qualified_lead_creates_customer_and_contact_in_one_go() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_lead(
        &app,
        &rep.token,
        json!({"company": "Globex", "phone": "13100000001", "email": "li@globex.com"}),
    )
    .await;
    app.gql(
        Some(&rep.token),
        FOLLOW_UP,
        json!({"input": {"subjectId": id, "kind": "CALL", "content": "Intro call"}}),
    )
    .await;
    let convert = "mutation($input: ConvertLeadInput!) { convertLead(input: $input) { lead { status } customer { id name owner { id } followUps { nodes { content } } contacts { nodes { name phone email } } } contact { name } } }";

    let early = app
        .gql(Some(&rep.token), convert, json!({"input": {"id": id}}))
        .await;
    assert_eq!(error_code(&early), Some("INVALID_STATE"));
    let version = lead(&app, &rep.token, &id).await["version"].clone();
    app.gql(
        Some(&rep.token),
        "mutation($id: ID!, $v: Int!) { updateLead(input: {id: $id, expectedVersion: $v, status: QUALIFIED}) { lead { status } } }",
        json!({"id": id, "v": version}),
    )
    .await;
    let body = app
        .gql(Some(&rep.token), convert, json!({"input": {"id": id}}))
        .await;

    let result = &body["data"]["convertLead"];
    assert_eq!(result["lead"]["status"], "CONVERTED", "{body}");
    assert_eq!(result["customer"]["name"], "Globex");
    assert_eq!(result["customer"]["owner"]["id"], rep.id.as_str());
    assert_eq!(
        result["customer"]["contacts"]["nodes"],
        json!([{"name": "Wang Fang", "phone": "13100000001", "email": "li@globex.com"}])
    );
    assert_eq!(
        result["customer"]["followUps"]["nodes"][0]["content"],
        "Intro call"
    );
    let again = app
        .gql(Some(&rep.token), convert, json!({"input": {"id": id}}))
        .await;
    assert_eq!(
        error_code(&again),
        Some("INVALID_STATE"),
        "a converted lead is read-only"
    );
}

#[tokio::test]
async fn changing_the_scoring_rules_rescores_open_leads() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let id = a_lead(&app, &rep.token, json!({})).await;
    let rules = app.admin("{ scoringRules { budget { yes no unknown } authority { yes no unknown } need { yes no unknown } timeline { within3Months within6Months later unknown } engagementPerFollowUp engagementMax source { webForm referral event coldCall campaign other } gradeAMin gradeBMin } }", json!({})).await;
    let mut new_rules = rules["data"]["scoringRules"].clone();
    new_rules["source"]["referral"] = json!(60);
    let update = "mutation($rules: ScoringRulesInput!) { updateScoringRules(input: {rules: $rules}) { rules { source { referral } } } }";

    let by_rep = app
        .gql(Some(&rep.token), update, json!({"rules": new_rules}))
        .await;
    let by_admin = app.admin(update, json!({"rules": new_rules})).await;

    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"));
    assert_eq!(
        by_admin["data"]["updateScoringRules"]["rules"]["source"]["referral"],
        60
    );
    // unknown BANT: 5 + 4 + 5 + 2, referral now 60
    let rescored = lead(&app, &rep.token, &id).await;
    assert_eq!(
        (rescored["score"].as_i64(), rescored["grade"].as_str()),
        (Some(76), Some("A"))
    );
}

#[tokio::test]
async fn lead_lists_filter_search_and_order_within_visibility() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let hot = a_lead(&app, &rep.token, json!({"name": "Hot Prospect", "company": "Initech", "phone": "13011110000",
        "bant": {"budget": "YES", "authority": "YES", "need": "YES", "timeline": "WITHIN_3_MONTHS"}})).await;
    let cold = a_lead(
        &app,
        &rep.token,
        json!({"name": "Cold Caller", "source": "COLD_CALL", "email": "cold@umbrella.com"}),
    )
    .await;
    let warm = a_lead(
        &app,
        &rep.token,
        json!({"name": "Warm Lead", "source": "EVENT", "bant": {"need": "YES"}}),
    )
    .await;
    let query =
        "query($f: LeadFilter, $o: LeadOrder) { leads(filter: $f, orderBy: $o) { nodes { id } } }";
    let run = |filter: Value, order: Value| {
        let token = rep.token.clone();
        let app = &app;
        async move {
            ids(&app
                .gql(Some(&token), query, json!({"f": filter, "o": order}))
                .await["data"]["leads"])
        }
    };

    assert_eq!(
        run(json!({"minScore": 70}), Value::Null).await,
        vec![hot.clone()]
    );
    assert_eq!(
        run(json!({"grade": "C"}), Value::Null).await,
        vec![cold.clone(), warm.clone()]
    );
    assert_eq!(
        run(json!({"source": "EVENT"}), Value::Null).await,
        vec![warm.clone()]
    );
    assert_eq!(
        run(json!({"search": "initech"}), Value::Null).await,
        vec![hot.clone()]
    );
    assert_eq!(
        run(json!({"search": "1111"}), Value::Null).await,
        vec![hot.clone()]
    );
    assert_eq!(
        run(json!({"search": "UMBRELLA"}), Value::Null).await,
        vec![cold.clone()]
    );
    assert_eq!(
        run(Value::Null, json!({"field": "SCORE", "direction": "DESC"})).await,
        vec![hot.clone(), warm.clone(), cold.clone()]
    );
    assert_eq!(
        run(json!({"statuses": ["CONTACTED"]}), Value::Null).await,
        Vec::<String>::new()
    );
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    assert_eq!(
        run(json!({"updatedSince": later.to_rfc3339()}), Value::Null).await,
        Vec::<String>::new()
    );

    let paged = app
        .gql(Some(&rep.token), "{ leads(first: 2, orderBy: {field: SCORE, direction: DESC}) { pageInfo { endCursor hasNextPage } } }", json!({}))
        .await;
    let cursor = paged["data"]["leads"]["pageInfo"]["endCursor"].clone();
    let rest = app
        .gql(Some(&rep.token), "query($c: String) { leads(first: 2, after: $c, orderBy: {field: SCORE, direction: DESC}) { nodes { id } } }", json!({"c": cursor}))
        .await;
    assert_eq!(ids(&rest["data"]["leads"]), vec![cold]);
}

#[tokio::test]
async fn instances_sweeping_at_once_return_each_neglected_lead_once() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let rep = app.a_user().create().await;
    for i in 0..6 {
        a_lead(&app, &rep.token, json!({"phone": format!("1290000{i:04}")})).await;
    }
    app.clock.advance(chrono::Duration::days(8));
    let now = salesgraph::clock::Clock::now(&app.clock);

    let (a, b) = tokio::join!(
        salesgraph::leads::pool::return_neglected_leads(&app.state, now),
        salesgraph::leads::pool::return_neglected_leads(&app.state, now)
    );

    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.affected + b.affected, 6, "{a:?} {b:?}");
    use sea_orm::{EntityTrait, PaginatorTrait};
    let returns = entity::lead_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "RETURNED_TO_POOL")
        .count();
    assert_eq!(returns, 6);
    assert_eq!(
        entity::notification::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        6
    );
}
