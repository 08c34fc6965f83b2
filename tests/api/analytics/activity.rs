//! `activityReport` against hand-computed figures: follow-ups by kind, visits, leads, customers
//! and deals per seller, team and region; first-response times from assignment, across the
//! company's midnight; visibility per role.

use super::*;

const ACTIVITY: &str = "query($input: ActivityReportInput!) { activityReport(input: $input) { groupId groupName \
    followUps { calls meetings emails visits notes total } visitsPlanned visitsCompleted visitsMissed \
    newLeads qualifiedLeads newCustomers opportunitiesCreated leadsResponded \
    firstResponseMedianMinutes firstResponseP90Minutes } }";

async fn a_lead(app: &TestApp, token: &str, name: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": name, "company": format!("{name} Co"), "source": "WEB_FORM"}}),
        )
        .await;
    string_at(&body, &["data", "createLead", "lead", "id"])
}

async fn follow_up(app: &TestApp, token: &str, subject: &str, kind: &str, at: Option<&str>) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": subject, "kind": kind, "content": "Talked", "occurredAt": at}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

fn row_of<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["data"]["activityReport"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|r| r["groupName"] == name)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

fn input(period: &str, group_by: &str) -> Value {
    json!({"input": {"period": period, "groupBy": group_by}})
}

#[tokio::test]
async fn activity_and_first_response_times_match_hand_computed_figures() {
    // 23:00 on Monday 30 November in Shanghai, the company's zone.
    let app = TestApp::spawn_at(at("2026-11-30T15:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Act", "East", &manager.id).await;
    let west = team(&app, "West Act", "West", &other_manager.id).await;
    let r1 = app.a_user().in_team(&east).name("Rep One").create().await;
    let r2 = app.a_user().in_team(&east).name("Rep Two").create().await;
    let r3 = app.a_user().in_team(&west).name("Rep Three").create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;

    // R1 takes four leads, a customer and a deal at 23:00; one lead goes to R2 later.
    let la = a_lead(&app, &r1.token, "La").await;
    let lb = a_lead(&app, &r1.token, "Lb").await;
    let lc = a_lead(&app, &r1.token, "Lc").await;
    let ld = a_lead(&app, &r1.token, "Ld").await;
    let customer = crate::fixtures::a_customer(&app, &r1.token, "Act Co").await;
    deal(&app, &r1.token, &customer, "100", "2026-12-20").await;
    // Ld was answered before it was entered (a back-dated note): a response at once.
    follow_up(&app, &r1.token, &ld, "NOTE", Some("2026-11-30T14:00:00Z")).await;
    // Two visits planned for Wednesday, one cancelled.
    for (i, cancels) in [(0, false), (1, true)] {
        let planned = app
            .gql(Some(&r1.token), "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id version } } }",
                json!({"input": {"customerId": customer, "purpose": format!("Visit {i}"), "plannedStart": "2026-12-02T02:00:00Z", "plannedEnd": "2026-12-02T03:00:00Z"}}))
            .await;
        let visit = &planned["data"]["planVisit"]["visit"];
        assert!(visit.is_object(), "{planned}");
        if cancels {
            let cancelled = app
                .gql(Some(&r1.token), "mutation($input: CancelVisitInput!) { cancelVisit(input: $input) { visit { status } } }",
                    json!({"input": {"id": visit["id"], "expectedVersion": visit["version"], "reason": "Closed"}}))
                .await;
            assert_eq!(
                cancelled["data"]["cancelVisit"]["visit"]["status"], "CANCELLED",
                "{cancelled}"
            );
        }
    }
    // 23:30: a meeting on Lb (30 minutes).
    app.clock.advance(Duration::minutes(30));
    let r1t = app.token_for(&r1).await;
    follow_up(&app, &r1t, &lb, "MEETING", None).await;
    // 01:00 on Tuesday: a call on La (120 minutes), which R1 then qualifies.
    app.clock.advance(Duration::minutes(90));
    let r1t = app.token_for(&r1).await;
    follow_up(&app, &r1t, &la, "CALL", None).await;
    let version = app
        .gql(
            Some(&r1t),
            "query($id: ID!) { lead(id: $id) { version } }",
            json!({"id": la}),
        )
        .await["data"]["lead"]["version"]
        .clone();
    let qualified = app
        .gql(Some(&r1t), "mutation($id: ID!, $v: Int!) { updateLead(input: {id: $id, expectedVersion: $v, status: QUALIFIED}) { lead { status } } }", json!({"id": la, "v": version}))
        .await;
    assert!(qualified["errors"].is_null(), "{qualified}");
    // 04:00: an e-mail on Lb, no longer its first follow-up.
    app.clock.advance(Duration::hours(3));
    let r1t = app.token_for(&r1).await;
    follow_up(&app, &r1t, &lb, "EMAIL", None).await;
    // 09:00: the manager hands Lc to R2, who calls an hour later (60 minutes from the hand-over).
    app.clock.advance(Duration::hours(5));
    let manager_token = app.token_for(&manager).await;
    let assigned = app
        .gql(Some(&manager_token), "mutation($id: ID!, $to: ID!) { assignLead(input: {id: $id, assigneeId: $to}) { lead { id } } }",
            json!({"id": lc, "to": r2.id}))
        .await;
    assert!(assigned["errors"].is_null(), "{assigned}");
    app.clock.advance(Duration::hours(1));
    let r2t = app.token_for(&r2).await;
    follow_up(&app, &r2t, &lc, "CALL", None).await;
    // West's rep works too.
    let r3t = app.token_for(&r3).await;
    let lw = a_lead(&app, &r3t, "Lw").await;
    follow_up(&app, &r3t, &lw, "CALL", None).await;
    let manager_token = app.token_for(&manager).await;

    let by_user = app
        .gql(Some(&manager_token), ACTIVITY, input("2026-W49", "USER"))
        .await;
    assert!(by_user["errors"].is_null(), "{by_user}");
    assert_eq!(
        row_of(&by_user, "Rep One"),
        &json!({"groupId": r1.id, "groupName": "Rep One",
            "followUps": {"calls": 1, "meetings": 1, "emails": 1, "visits": 0, "notes": 1, "total": 4},
            "visitsPlanned": 1, "visitsCompleted": 0, "visitsMissed": 0,
            "newLeads": 3, "qualifiedLeads": 1, "newCustomers": 1, "opportunitiesCreated": 1,
            "leadsResponded": 3, "firstResponseMedianMinutes": 30.0, "firstResponseP90Minutes": 120.0}),
        "{by_user}"
    );
    assert_eq!(
        (
            &row_of(&by_user, "Rep Two")["newLeads"],
            &row_of(&by_user, "Rep Two")["firstResponseMedianMinutes"],
            &row_of(&by_user, "Rep Two")["followUps"]["total"],
        ),
        (&json!(1), &json!(60.0), &json!(1)),
        "{by_user}"
    );
    let names: Vec<&str> = by_user["data"]["activityReport"]
        .as_array()
        .unwrap_or_else(|| panic!("{by_user}"))
        .iter()
        .filter_map(|r| r["groupName"].as_str())
        .collect();
    assert!(
        !names.contains(&"Rep Three"),
        "another team's rep: {names:?}"
    );

    // The team: four responses (0, 30, 60, 120 minutes): median 45, p90 the fourth.
    let by_team = app
        .gql(Some(&manager_token), ACTIVITY, input("2026-W49", "TEAM"))
        .await;
    let east_row = row_of(&by_team, "East Act");
    assert_eq!(
        (
            &east_row["leadsResponded"],
            &east_row["firstResponseMedianMinutes"],
            &east_row["firstResponseP90Minutes"],
            &east_row["followUps"]["total"]
        ),
        (&json!(4), &json!(45.0), &json!(120.0), &json!(5)),
        "{by_team}"
    );
    // Regions for finance, who sees every seller.
    let finance_token = app.token_for(&finance).await;
    let by_region = app
        .gql(Some(&finance_token), ACTIVITY, input("2026-W49", "REGION"))
        .await;
    assert_eq!(
        row_of(&by_region, "West")["followUps"]["calls"],
        1,
        "{by_region}"
    );
    assert_eq!(row_of(&by_region, "East")["newLeads"], 4, "{by_region}");

    // Shanghai's midnight splits the week: by 23:59 on 30 November, Ld (0) and Lb (30) were
    // answered; La's call at 01:00 belongs to December.
    let november = app
        .gql(Some(&manager_token), ACTIVITY, input("2026-11", "USER"))
        .await;
    let r1_november = row_of(&november, "Rep One");
    assert_eq!(
        (
            &r1_november["leadsResponded"],
            &r1_november["firstResponseMedianMinutes"],
            &r1_november["followUps"]["total"]
        ),
        (&json!(2), &json!(15.0), &json!(2)),
        "{november}"
    );
    let december = app
        .gql(Some(&manager_token), ACTIVITY, input("2026-12", "USER"))
        .await;
    assert_eq!(
        row_of(&december, "Rep One")["firstResponseMedianMinutes"],
        120.0,
        "{december}"
    );

    // A rep sees only themselves; customer service is refused; a week 2026 lacks is refused.
    let r1t = app.token_for(&r1).await;
    let own = app
        .gql(Some(&r1t), ACTIVITY, input("2026-W49", "USER"))
        .await;
    assert_eq!(
        own["data"]["activityReport"].as_array().map(Vec::len),
        Some(1),
        "{own}"
    );
    let support_token = app.token_for(&support).await;
    let refused = app
        .gql(Some(&support_token), ACTIVITY, input("2026-W49", "USER"))
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let bad = app
        .gql(Some(&manager_token), ACTIVITY, input("2026-W54", "USER"))
        .await;
    assert_eq!(
        code_and_field(&bad),
        (Some("BAD_USER_INPUT"), Some("input.period")),
        "{bad}"
    );
}

#[tokio::test]
async fn the_activity_report_costs_the_same_statements_for_few_or_many_sellers() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    team(&app, "Count Act", "North", &manager.id).await;
    let query = input("2026-W49", "USER");
    app.gql(Some(&app.admin_token), "{ me { id } }", json!({}))
        .await;
    app.quiet().await;
    let few = app.admin(ACTIVITY, query.clone()).await;
    let few_cost = app.take_statement_count();
    for i in 0..5 {
        let rep = app.a_user().create().await;
        let lead = a_lead(&app, &rep.token, &format!("Counted {i}")).await;
        follow_up(&app, &rep.token, &lead, "CALL", None).await;
    }
    app.gql(Some(&app.admin_token), "{ me { id } }", json!({}))
        .await;
    app.quiet().await;
    let many = app.admin(ACTIVITY, query).await;
    let many_cost = app.take_statement_count();
    assert!(few["errors"].is_null(), "{few}");
    assert_eq!(
        many["data"]["activityReport"].as_array().map(Vec::len),
        Some(6),
        "{many}"
    );
    assert_eq!(few_cost, many_cost, "statements grew with the sellers");
}
