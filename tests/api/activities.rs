//! Activities: to-dos with reminders, the agenda of a rep's day, the next activity a follow-up
//! schedules, and who may see and change them.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::fixtures::at;
use crate::helpers::*;

const FIELDS: &str = "id kind subjectType title note dueAt remindAt done doneAt overdue version \
    owner { id } createdBy { id } subject { __typename ... on Customer { id } ... on Opportunity { id } ... on Lead { id } ... on Contract { id } }";

fn mutation(name: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ activity {{ {FIELDS} }} }} }}"
    )
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &mutation("createActivity", "CreateActivityInput"),
        json!({ "input": input }),
    )
    .await
}

async fn update(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &mutation("updateActivity", "UpdateActivityInput"),
        json!({ "input": input }),
    )
    .await
}

async fn complete(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &mutation("completeActivity", "CompleteActivityInput"),
        json!({ "input": input }),
    )
    .await
}

fn activity_of(body: &Value, name: &str) -> Value {
    let activity = body["data"][name]["activity"].clone();
    assert!(activity.is_object(), "{body}");
    activity
}

fn now(app: &TestApp) -> DateTime<Utc> {
    salesgraph::clock::Clock::now(&app.clock)
}

async fn listed(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let body = app
        .gql(
            Some(token),
            "query($f: ActivityFilter) { activities(filter: $f, first: 100) { nodes { id } } }",
            json!({ "f": filter }),
        )
        .await;
    body["data"]["activities"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The kinds of a user's notifications about activities, oldest first.
async fn activity_notices(app: &TestApp, user: &TestUser) -> Vec<(String, String)> {
    let token = app.token_for(user).await;
    let body = app
        .gql(
            Some(&token),
            "{ notifications(first: 50) { nodes { kind title subject { ... on Activity { id } } } } }",
            json!({}),
        )
        .await;
    let mut found: Vec<(String, String)> = body["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|n| {
            n["kind"]
                .as_str()
                .is_some_and(|k| k.starts_with("ACTIVITY"))
        })
        .map(|n| {
            (
                n["kind"].as_str().unwrap_or_default().to_owned(),
                n["subject"]["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    found.reverse();
    found
}

#[tokio::test]
async fn a_rep_plans_changes_and_completes_activities_and_retries_count_once() {
    let app = TestApp::spawn_at(at("2026-12-05T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Todo Co").await;
    let due = now(&app) + Duration::hours(3);
    let input = json!({"kind": "CALL", "subjectId": customer, "title": "Call about the offer",
        "note": "Ask for the buyer", "dueAt": due, "idempotencyKey": "a-1"});
    let made = activity_of(
        &create(&app, &rep.token, input.clone()).await,
        "createActivity",
    );
    assert_eq!(
        (
            made["kind"].clone(),
            made["subjectType"].clone(),
            made["subject"].clone(),
            made["owner"]["id"].clone(),
            made["done"].clone(),
            made["overdue"].clone(),
            made["version"].clone()
        ),
        (
            json!("CALL"),
            json!("CUSTOMER"),
            json!({"__typename": "Customer", "id": customer}),
            json!(rep.id),
            json!(false),
            json!(false),
            json!(1)
        )
    );
    let remind: DateTime<Utc> = made["remindAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(remind, due - Duration::minutes(15), "the default lead");
    let again = activity_of(&create(&app, &rep.token, input).await, "createActivity");
    assert_eq!(again["id"], made["id"], "a retry answers the first");
    assert_eq!(listed(&app, &rep.token, json!({})).await.len(), 1);

    // Moving the due time moves the reminder with its lead; an old version conflicts.
    let later = due + Duration::days(1);
    let moved = activity_of(
        &update(
            &app,
            &rep.token,
            json!({"id": made["id"], "expectedVersion": 1, "dueAt": later, "note": ""}),
        )
        .await,
        "updateActivity",
    );
    let moved_remind: DateTime<Utc> = moved["remindAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(moved_remind, later - Duration::minutes(15));
    assert_eq!(
        (moved["version"].clone(), moved["note"].clone()),
        (json!(2), Value::Null)
    );
    let stale = update(
        &app,
        &rep.token,
        json!({"id": made["id"], "expectedVersion": 1, "title": "Offline edit"}),
    )
    .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");

    // Done, and a retry of done changes nothing; open again.
    let done = activity_of(
        &complete(
            &app,
            &rep.token,
            json!({"id": made["id"], "expectedVersion": 2}),
        )
        .await,
        "completeActivity",
    );
    assert_eq!(
        (done["done"].clone(), done["version"].clone()),
        (json!(true), json!(3))
    );
    assert!(done["doneAt"].is_string());
    let retried = activity_of(
        &complete(
            &app,
            &rep.token,
            json!({"id": made["id"], "expectedVersion": 2}),
        )
        .await,
        "completeActivity",
    );
    assert_eq!(retried["version"], 3, "already done: nothing changes");
    let open = activity_of(
        &complete(&app, &rep.token, json!({"id": made["id"], "done": false})).await,
        "completeActivity",
    );
    assert_eq!(
        (open["done"].clone(), open["doneAt"].clone()),
        (json!(false), Value::Null)
    );

    // Refetch by id through the Node interface.
    let node = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { node(id: $id) { __typename ... on Activity { title } } }",
            json!({"id": made["id"]}),
        )
        .await;
    assert_eq!(
        node["data"]["node"],
        json!({"__typename": "Activity", "title": "Call about the offer"})
    );

    // Filters.
    let overdue = activity_of(
        &create(&app, &rep.token, json!({"kind": "TASK", "subjectId": customer, "title": "Send the brochure", "dueAt": now(&app) - Duration::hours(2)})).await,
        "createActivity",
    );
    assert_eq!(overdue["overdue"], true);
    assert_eq!(
        listed(&app, &rep.token, json!({"overdue": true})).await,
        vec![overdue["id"].as_str().unwrap()]
    );
    assert_eq!(
        listed(&app, &rep.token, json!({"overdue": false})).await,
        vec![made["id"].as_str().unwrap()]
    );
    assert_eq!(
        listed(&app, &rep.token, json!({"done": true})).await.len(),
        0
    );
    assert_eq!(
        listed(
            &app,
            &rep.token,
            json!({"dueFrom": now(&app), "dueTo": now(&app) + Duration::days(3)})
        )
        .await,
        vec![made["id"].as_str().unwrap()]
    );
    assert_eq!(
        listed(&app, &rep.token, json!({"subjectId": customer}))
            .await
            .len(),
        2
    );
    let other = crate::fixtures::a_customer(&app, &rep.token, "Other Co").await;
    assert_eq!(
        listed(&app, &rep.token, json!({"subjectId": other}))
            .await
            .len(),
        0
    );
}

#[tokio::test]
async fn only_the_owner_their_managers_and_admins_see_an_activity_and_owners_must_see_the_record() {
    let app = TestApp::spawn_at(at("2026-12-05T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("North", Some(&manager.id)).await;
    let ann = app.a_user().in_team(&team).create().await;
    let bob = app.a_user().in_team(&team).create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let south = app.a_team("South", Some(&other_manager.id)).await;
    let cid = app.a_user().in_team(&south).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let anns_customer = crate::fixtures::a_customer(&app, &ann.token, "Ann's Co").await;
    let due = now(&app) + Duration::hours(5);
    let made = activity_of(
        &create(
            &app,
            &ann.token,
            json!({"kind": "MEETING", "subjectId": anns_customer, "title": "Demo", "dueAt": due}),
        )
        .await,
        "createActivity",
    );
    let id = made["id"].as_str().unwrap();

    // Bob (same team), the other manager, the other team's rep and finance: as if missing.
    let missing = missing_id("Activity");
    for (who, token) in [
        ("bob", &bob.token),
        ("other manager", &other_manager.token),
        ("cid", &cid.token),
        ("finance", &finance.token),
    ] {
        assert!(listed(&app, token, json!({})).await.is_empty(), "{who}");
        let hidden = update(
            &app,
            token,
            json!({"id": id, "expectedVersion": 1, "title": "Mine now"}),
        )
        .await;
        let absent = update(
            &app,
            token,
            json!({"id": missing, "expectedVersion": 1, "title": "Mine now"}),
        )
        .await;
        assert_eq!(
            code_and_field(&hidden),
            (Some("NOT_FOUND"), Some("input.id")),
            "{who}: {hidden}"
        );
        assert_eq!(
            hidden["errors"][0]["message"], absent["errors"][0]["message"],
            "{who}"
        );
        let hidden_done = complete(&app, token, json!({"id": id})).await;
        assert_eq!(
            code_and_field(&hidden_done),
            (Some("NOT_FOUND"), Some("input.id")),
            "{who}"
        );
    }
    // A rep cannot create on a customer they cannot see, nor give a to-do to a colleague.
    let on_hidden = create(
        &app,
        &bob.token,
        json!({"kind": "CALL", "subjectId": anns_customer, "title": "Call", "dueAt": due}),
    )
    .await;
    let on_missing = create(
        &app,
        &bob.token,
        json!({"kind": "CALL", "subjectId": missing_id("Customer"), "title": "Call", "dueAt": due}),
    )
    .await;
    assert_eq!(
        code_and_field(&on_hidden),
        (Some("NOT_FOUND"), Some("input.subjectId")),
        "{on_hidden}"
    );
    assert_eq!(
        on_hidden["errors"][0]["message"],
        on_missing["errors"][0]["message"]
    );
    let to_colleague = create(&app, &ann.token, json!({"kind": "CALL", "subjectId": anns_customer, "title": "Call", "dueAt": due, "ownerId": bob.id})).await;
    assert_eq!(
        code_and_field(&to_colleague),
        (Some("NOT_FOUND"), Some("input.ownerId")),
        "{to_colleague}"
    );

    // The manager sees and reschedules the team's, and may hand it to a member who can open
    // the customer — not to Bob, who cannot, nor to another team's rep.
    assert_eq!(
        listed(&app, &manager.token, json!({"ownerId": ann.id})).await,
        vec![id]
    );
    let to_bob = update(
        &app,
        &manager.token,
        json!({"id": id, "expectedVersion": 1, "ownerId": bob.id}),
    )
    .await;
    assert_eq!(
        code_and_field(&to_bob),
        (Some("BAD_USER_INPUT"), Some("input.ownerId")),
        "{to_bob}"
    );
    let to_cid = update(
        &app,
        &manager.token,
        json!({"id": id, "expectedVersion": 1, "ownerId": cid.id}),
    )
    .await;
    assert_eq!(
        code_and_field(&to_cid),
        (Some("NOT_FOUND"), Some("input.ownerId")),
        "{to_cid}"
    );
    let bobs_customer = crate::fixtures::a_customer(&app, &bob.token, "Bob's Co").await;
    let assigned = activity_of(
        &create(&app, &manager.token, json!({"kind": "VISIT", "subjectId": bobs_customer, "title": "Visit", "dueAt": due, "ownerId": bob.id})).await,
        "createActivity",
    );
    assert_eq!(
        (
            assigned["owner"]["id"].clone(),
            assigned["createdBy"]["id"].clone()
        ),
        (json!(bob.id), json!(manager.id))
    );
    assert_eq!(
        listed(&app, &bob.token, json!({})).await,
        vec![assigned["id"].as_str().unwrap()]
    );
    let rescheduled = activity_of(
        &update(
            &app,
            &manager.token,
            json!({"id": id, "expectedVersion": 1, "dueAt": due + Duration::hours(1)}),
        )
        .await,
        "updateActivity",
    );
    assert_eq!(rescheduled["version"], 2);
    // Admins see everything; finance keeps their own to-dos, on a contract's customer here.
    assert_eq!(listed(&app, &app.admin_token, json!({})).await.len(), 2);
    let own = activity_of(
        &create(&app, &finance.token, json!({"kind": "CALL", "subjectId": anns_customer, "title": "Chase the payment", "dueAt": due})).await,
        "createActivity",
    );
    assert_eq!(
        listed(&app, &finance.token, json!({})).await,
        vec![own["id"].as_str().unwrap()]
    );
    assert_eq!(
        listed(&app, &ann.token, json!({})).await,
        vec![id],
        "not finance's"
    );
}

#[tokio::test]
async fn reminders_go_once_at_their_time_and_once_more_when_overdue() {
    // Two instances need a database both can open.
    let app = TestApp::spawn_on_file_or_postgres().await;
    app.clock.set(at("2026-12-05T01:00:00Z"));
    let rep = app.a_user().timezone("Asia/Shanghai").create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Remind Co").await;
    let due = at("2026-12-05T03:00:00Z");
    let call = activity_of(
        &create(
            &app,
            &rep.token,
            json!({"kind": "CALL", "subjectId": customer, "title": "Call back", "dueAt": due}),
        )
        .await,
        "createActivity",
    );
    let task = activity_of(
        &create(&app, &rep.token, json!({"kind": "TASK", "subjectId": customer, "title": "Prepare", "dueAt": due, "remindAt": at("2026-12-05T01:30:00Z")})).await,
        "createActivity",
    );
    let (_, second) = app.second_instance().await;
    let sweep = |when: &str, state: std::sync::Arc<salesgraph::state::AppState>| {
        let now = at(when);
        async move {
            salesgraph::activities::reminders::remind(&state, now)
                .await
                .unwrap()
                .affected
        }
    };
    assert_eq!(
        sweep("2026-12-05T01:10:00Z", app.state.clone()).await,
        0,
        "nothing due yet"
    );
    // Both instances sweep at once: each reminder goes once.
    let (one, two) = tokio::join!(
        sweep("2026-12-05T01:31:00Z", app.state.clone()),
        sweep("2026-12-05T01:31:00Z", second.clone())
    );
    assert_eq!(one + two, 1, "the task's own reminder time");
    assert_eq!(
        sweep("2026-12-05T02:46:00Z", app.state.clone()).await,
        1,
        "the call, 15 minutes ahead"
    );
    assert_eq!(
        sweep("2026-12-05T02:50:00Z", second.clone()).await,
        0,
        "once"
    );
    // The task is done in time; the call is not.
    complete(&app, &app.token_for(&rep).await, json!({"id": task["id"]})).await;
    assert_eq!(
        sweep("2026-12-05T03:01:00Z", app.state.clone()).await,
        1,
        "the call is overdue"
    );
    assert_eq!(sweep("2026-12-05T04:00:00Z", second.clone()).await, 0);
    let call_id = call["id"].as_str().unwrap().to_owned();
    let task_id = task["id"].as_str().unwrap().to_owned();
    assert_eq!(
        activity_notices(&app, &rep).await,
        vec![
            ("ACTIVITY_REMINDER".to_owned(), task_id),
            ("ACTIVITY_REMINDER".to_owned(), call_id.clone()),
            ("ACTIVITY_OVERDUE".to_owned(), call_id.clone()),
        ]
    );
    // The reminder tells the time in the rep's zone (11:00 in Shanghai is 03:00 UTC).
    let token = app.token_for(&rep).await;
    let bodies = app
        .gql(
            Some(&token),
            "{ notifications(first: 5) { nodes { kind body } } }",
            json!({}),
        )
        .await;
    assert!(
        bodies["data"]["notifications"]["nodes"][0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("2026-12-05 11:00 CST")),
        "{bodies}"
    );

    // Moving it into the future re-arms both notices.
    app.clock.set(at("2026-12-05T04:00:00Z"));
    let token = app.token_for(&rep).await;
    let moved = update(
        &app,
        &token,
        json!({"id": call_id, "expectedVersion": 1, "dueAt": at("2026-12-06T03:00:00Z")}),
    )
    .await;
    assert!(moved["errors"].is_null(), "{moved}");
    assert_eq!(sweep("2026-12-06T02:45:00Z", app.state.clone()).await, 1);
    assert_eq!(sweep("2026-12-06T03:00:00Z", app.state.clone()).await, 1);
    // A to-do created already late is not announced as late.
    let late = create(&app, &token, json!({"kind": "TASK", "subjectId": customer, "title": "Forgotten", "dueAt": at("2026-12-05T02:00:00Z")})).await;
    assert!(late["errors"].is_null(), "{late}");
    assert_eq!(sweep("2026-12-06T05:00:00Z", app.state.clone()).await, 0);
}

#[tokio::test]
async fn the_agenda_is_the_reps_day_in_their_time_zone_in_a_bounded_number_of_statements() {
    // 23:30 on Dec 4 in New York.
    let app = TestApp::spawn_at(at("2026-12-05T04:30:00Z")).await;
    let rep = app.a_user().timezone("America/New_York").create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Agenda Co").await;
    let task = |title: &str, due: &str| json!({"kind": "CALL", "subjectId": customer, "title": title, "dueAt": at(due)});
    for (title, due) in [
        ("Late from yesterday", "2026-12-04T14:00:00Z"),
        ("Tonight, still the 4th", "2026-12-05T04:45:00Z"),
        ("First thing on the 5th", "2026-12-05T05:30:00Z"),
        ("Last thing on the 5th", "2026-12-06T04:59:00Z"),
        ("The 6th", "2026-12-06T05:00:00Z"),
    ] {
        let body = create(&app, &rep.token, task(title, due)).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let visit = app
        .gql(
            Some(&rep.token),
            "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"input": {"customerId": customer, "purpose": "Walk the site",
                "plannedStart": at("2026-12-05T15:00:00Z"), "plannedEnd": at("2026-12-05T16:00:00Z")}}),
        )
        .await;
    assert!(visit["errors"].is_null(), "{visit}");
    const AGENDA: &str = "query($d: Date) { myAgenda(date: $d) { date timeZone activities { title overdue subject { ... on Customer { name } } } \
        overdue { title } visitTasks { purpose customer { name } } } }";
    let titles = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap_or_else(|| panic!("{list}"))
            .iter()
            .map(|a| a["title"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let today = app.gql(Some(&rep.token), AGENDA, json!({})).await;
    let agenda = &today["data"]["myAgenda"];
    assert_eq!(
        (agenda["date"].clone(), agenda["timeZone"].clone()),
        (json!("2026-12-04"), json!("America/New_York")),
        "{today}"
    );
    assert_eq!(
        titles(&agenda["activities"]),
        vec!["Late from yesterday", "Tonight, still the 4th"]
    );
    assert_eq!(agenda["activities"][0]["overdue"], true);
    let fifth = app
        .gql(Some(&rep.token), AGENDA, json!({"d": "2026-12-05"}))
        .await;
    let agenda = &fifth["data"]["myAgenda"];
    assert_eq!(
        titles(&agenda["activities"]),
        vec!["First thing on the 5th", "Last thing on the 5th"]
    );
    assert_eq!(
        titles(&agenda["overdue"]),
        vec!["Late from yesterday", "Tonight, still the 4th"],
        "open and due before the day"
    );
    assert_eq!(agenda["activities"][0]["subject"]["name"], "Agenda Co");
    assert_eq!(
        agenda["visitTasks"],
        json!([{"purpose": "Walk the site", "customer": {"name": "Agenda Co"}}])
    );

    // The statements of one agenda do not grow with its rows.
    app.quiet().await;
    app.gql(Some(&rep.token), AGENDA, json!({"d": "2026-12-05"}))
        .await;
    app.quiet().await;
    let few = app.take_statement_count();
    for i in 0..20 {
        let body = create(
            &app,
            &rep.token,
            task(&format!("More {i}"), "2026-12-05T20:00:00Z"),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    app.quiet().await;
    let body = app
        .gql(Some(&rep.token), AGENDA, json!({"d": "2026-12-05"}))
        .await;
    assert_eq!(
        body["data"]["myAgenda"]["activities"]
            .as_array()
            .map(Vec::len),
        Some(22)
    );
    app.quiet().await;
    assert_eq!(app.take_statement_count(), few);
}

#[tokio::test]
async fn a_follow_up_with_a_next_date_schedules_the_next_activity_once() {
    let app = TestApp::spawn_at(at("2026-12-05T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Next Co").await;
    let next = at("2026-12-08T02:00:00Z");
    const LOG: &str = "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } \
        nextActivity { id kind title dueAt remindAt subject { ... on Customer { id } } owner { id } } } }";
    let input = json!({"input": {"subjectId": customer, "kind": "CALL", "content": "Asked for a new quote\nDetails follow",
        "nextFollowUpAt": next, "idempotencyKey": "fu-1"}});
    let first = app.gql(Some(&rep.token), LOG, input.clone()).await;
    let second = app.gql(Some(&rep.token), LOG, input).await;
    let scheduled = &first["data"]["logFollowUp"]["nextActivity"];
    assert_eq!(
        (
            scheduled["kind"].clone(),
            scheduled["title"].clone(),
            scheduled["subject"]["id"].clone(),
            scheduled["owner"]["id"].clone()
        ),
        (
            json!("CALL"),
            json!("Follow up: Asked for a new quote"),
            json!(customer),
            json!(rep.id)
        ),
        "{first}"
    );
    let due: DateTime<Utc> = scheduled["dueAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, next);
    assert_eq!(
        second["data"]["logFollowUp"]["nextActivity"]["id"],
        scheduled["id"]
    );
    assert_eq!(listed(&app, &rep.token, json!({})).await.len(), 1, "once");
    let without = app
        .gql(
            Some(&rep.token),
            LOG,
            json!({"input": {"subjectId": customer, "kind": "NOTE", "content": "Quiet week"}}),
        )
        .await;
    assert_eq!(
        without["data"]["logFollowUp"]["nextActivity"],
        Value::Null,
        "{without}"
    );
    let note = app
        .gql(Some(&rep.token), LOG, json!({"input": {"subjectId": customer, "kind": "NOTE", "content": "Budget review", "nextFollowUpAt": next}}))
        .await;
    assert_eq!(
        note["data"]["logFollowUp"]["nextActivity"]["kind"], "TASK",
        "{note}"
    );
}

#[tokio::test]
async fn hostile_activity_inputs_are_refused_on_their_field_and_write_nothing() {
    let app = TestApp::spawn_at(at("2026-12-05T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Hostile Co").await;
    let due = now(&app) + Duration::hours(2);
    let base = json!({"kind": "CALL", "subjectId": customer, "title": "Call", "dueAt": due});
    let with = |extra: Value| {
        let mut input = base.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        input
    };
    for (input, field) in [
        (with(json!({"title": "  "})), "input.title"),
        (with(json!({"title": "標".repeat(201)})), "input.title"),
        (with(json!({"title": "x".repeat(10_000)})), "input.title"),
        (with(json!({"note": "n".repeat(2001)})), "input.note"),
        (
            with(json!({"dueAt": "9999-12-31T23:59:59Z"})),
            "input.dueAt",
        ),
        (
            with(json!({"dueAt": "1900-01-01T00:00:00Z"})),
            "input.dueAt",
        ),
        (
            with(json!({"remindAt": due + Duration::minutes(1)})),
            "input.remindAt",
        ),
        (
            with(json!({"remindAt": due - Duration::days(40)})),
            "input.remindAt",
        ),
        (with(json!({"subjectId": rep.id})), "input.subjectId"),
        (with(json!({"subjectId": "not an id"})), "input.subjectId"),
        (
            with(json!({"idempotencyKey": "k".repeat(129)})),
            "input.idempotencyKey",
        ),
        (with(json!({"kind": "PARTY"})), "input.kind"),
    ] {
        let refused = create(&app, &rep.token, input).await;
        assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused}");
        assert_eq!(error_field(&refused), Some(field), "{refused}");
    }
    // Every problem of one input at once.
    let many = create(
        &app,
        &rep.token,
        with(json!({"title": "", "note": "n".repeat(2001)})),
    )
    .await;
    let fields: Vec<&str> = many["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["extensions"]["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["input.title", "input.note"], "{many}");
    assert!(
        listed(&app, &rep.token, json!({})).await.is_empty(),
        "nothing written"
    );
    let bad_filter = app
        .gql(
            Some(&rep.token),
            "query($f: ActivityFilter) { activities(filter: $f) { nodes { id } } }",
            json!({"f": {"subjectId": rep.id}}),
        )
        .await;
    assert_eq!(
        code_and_field(&bad_filter),
        (Some("BAD_USER_INPUT"), Some("filter.subjectId")),
        "{bad_filter}"
    );
    let made = activity_of(
        &create(&app, &rep.token, base.clone()).await,
        "createActivity",
    );
    let bad_move = update(
        &app,
        &rep.token,
        json!({"id": made["id"], "expectedVersion": 1, "dueAt": "3000-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        code_and_field(&bad_move),
        (Some("BAD_USER_INPUT"), Some("input.dueAt")),
        "{bad_move}"
    );
    let long_title = update(
        &app,
        &rep.token,
        json!({"id": made["id"], "expectedVersion": 1, "title": "x".repeat(201)}),
    )
    .await;
    assert_eq!(
        code_and_field(&long_title),
        (Some("BAD_USER_INPUT"), Some("input.title")),
        "{long_title}"
    );
}
