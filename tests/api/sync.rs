//! Offline sync through the real API: a delta (`updatedSince`) names what left the caller's
//! list (`removedIds`) — handed to a colleague, a split removed, taken from the pool, no longer
//! matching the filter — to those who saw it and nobody else, shows again what a changed link
//! touches (a task whose customer became invisible), and asks for a fresh start
//! (`resyncRequired`) when the caller's scope changed, the delta is too old or too large.

use chrono::Duration;
use serde_json::{Value, json};

use crate::fixtures::a_customer;
use crate::helpers::*;

/// A delta of list `list` (with `filter` beside `updatedSince`), selecting `node` on its nodes.
fn delta_query(list: &str, filter: &str, node: &str) -> String {
    format!(
        "query($since: DateTime) {{ {list}(filter: {{updatedSince: $since{filter}}}, first: 100) \
         {{ serverTime removedIds resyncRequired nodes {{ {node} }} }} }}"
    )
}

/// The connection a delta answered.
async fn delta(app: &TestApp, user: &TestUser, query: &str, since: &Value) -> Value {
    let token = app.token_for(user).await;
    let body = app
        .gql(Some(&token), query, json!({ "since": since }))
        .await;
    let data = body["data"].as_object().and_then(|d| d.values().next());
    match data {
        Some(connection) if connection.is_object() => connection.clone(),
        _ => panic!("no connection: {body}"),
    }
}

fn ids(connection: &Value) -> Vec<&str> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {connection}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default())
        .collect()
}

fn removed(connection: &Value) -> Vec<&str> {
    connection["removedIds"]
        .as_array()
        .unwrap_or_else(|| panic!("no removedIds: {connection}"))
        .iter()
        .map(|id| id.as_str().unwrap_or_default())
        .collect()
}

const UPDATE_CUSTOMER: &str = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id version } } }";

async fn hand_over(app: &TestApp, token: &str, customer: &str, version: i64, to: &TestUser) {
    let body = app
        .gql(
            Some(token),
            UPDATE_CUSTOMER,
            json!({"input": {"id": customer, "expectedVersion": version, "ownerId": to.id}}),
        )
        .await;
    assert!(
        body["data"]["updateCustomer"]["customer"].is_object(),
        "{body}"
    );
}

#[tokio::test]
async fn a_customer_handed_over_leaves_the_old_owners_delta_and_its_tasks_and_deals_come_again() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Coast", Some(&manager.id)).await;
    let a = app.a_user().in_team(&team).create().await;
    let b = app.a_user().in_team(&team).create().await;
    let bystander = app.a_user().create().await;
    let customer = a_customer(&app, &a.token, "Harbour Supplies").await;
    let deal = app
        .gql(Some(&a.token), "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Cranes", "amount": "900.00", "expectedCloseDate": "2027-03-31"}}))
        .await;
    let deal = string_at(&deal, &["data", "createOpportunity", "opportunity", "id"]);
    let start = salesgraph::clock::Clock::now(&app.clock) + Duration::days(1);
    let task = app
        .gql(Some(&a.token), "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"input": {"customerId": customer, "purpose": "Demo", "plannedStart": start, "plannedEnd": start + Duration::hours(1)}}))
        .await;
    let task = string_at(&task, &["data", "planVisit", "visit", "id"]);
    let contract = app
        .gql(Some(&a.token), "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
            json!({"input": {"customerId": customer, "title": "Supply", "amount": "900.00", "terms": "Net 30"}}))
        .await;
    let contract = string_at(&contract, &["data", "createContract", "contract", "id"]);
    let customers = delta_query("customers", "", "id");
    let tasks = delta_query("visitTasks", "", "id customer { id }");
    let deals = delta_query("opportunities", "", "id customer { id }");
    let contracts = delta_query("contracts", "", "id");

    app.clock.advance(Duration::minutes(2));
    let first = delta(&app, &a, &customers, &Value::Null).await;
    let since = first["serverTime"].clone();
    assert_eq!(ids(&first), vec![customer.as_str()]);
    assert_eq!(
        removed(&first),
        Vec::<&str>::new(),
        "a full read removes nothing"
    );
    app.clock.advance(Duration::minutes(2));
    let quiet = delta(&app, &a, &customers, &since).await;
    assert_eq!(
        (ids(&quiet), removed(&quiet), &quiet["resyncRequired"]),
        (vec![], vec![], &json!(false)),
        "nothing changed since"
    );

    let token = app.token_for(&manager).await;
    hand_over(&app, &token, &customer, 1, &b).await;
    app.clock.advance(Duration::minutes(2));

    let gone = delta(&app, &a, &customers, &since).await;
    assert_eq!(ids(&gone), Vec::<&str>::new());
    assert_eq!(removed(&gone), vec![customer.as_str()]);
    assert_eq!(gone["resyncRequired"], false);
    let a_tasks = delta(&app, &a, &tasks, &since).await;
    assert_eq!(
        (a_tasks["nodes"].clone(), removed(&a_tasks)),
        (json!([{"id": task, "customer": null}]), vec![]),
        "the task stays, its customer is no longer shown"
    );
    let a_deals = delta(&app, &a, &deals, &since).await;
    assert_eq!(
        (a_deals["nodes"].clone(), removed(&a_deals)),
        (json!([{"id": deal, "customer": null}]), vec![])
    );
    let a_contracts = delta(&app, &a, &contracts, &since).await;
    assert_eq!(
        (ids(&a_contracts), removed(&a_contracts)),
        (vec![contract.as_str()], vec![]),
        "the contract is still the owner's"
    );
    for (who, user) in [("the manager", &manager), ("the new owner", &b)] {
        let seen = delta(&app, user, &customers, &since).await;
        assert_eq!(
            (ids(&seen), removed(&seen)),
            (vec![customer.as_str()], vec![]),
            "{who}"
        );
    }
    let unrelated = delta(&app, &bystander, &customers, &since).await;
    assert_eq!(
        (ids(&unrelated), removed(&unrelated)),
        (vec![], vec![]),
        "nobody learns an id they never saw"
    );

    // The new owner sees the old owner's contract through the customer; handing the customer
    // back takes it out of their contracts.
    let b_contracts = delta(&app, &b, &contracts, &since).await;
    assert_eq!(ids(&b_contracts), vec![contract.as_str()]);
    let since = b_contracts["serverTime"].clone();
    app.clock.advance(Duration::minutes(2));
    let token = app.token_for(&manager).await;
    hand_over(&app, &token, &customer, 2, &a).await;
    app.clock.advance(Duration::minutes(2));
    let b_contracts = delta(&app, &b, &contracts, &since).await;
    assert_eq!(
        (ids(&b_contracts), removed(&b_contracts)),
        (vec![], vec![contract.as_str()])
    );
    let a_back = delta(&app, &a, &customers, &since).await;
    assert_eq!(
        (ids(&a_back), removed(&a_back)),
        (vec![customer.as_str()], vec![]),
        "back in view"
    );
}

#[tokio::test]
async fn a_removed_split_takes_the_deal_out_of_the_holders_and_their_managers_deltas_only() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Partners", Some(&manager.id)).await;
    let holder = app.a_user().in_team(&team).create().await;
    let owner = app.a_user().create().await;
    let bystander = app.a_user().create().await;
    let customer = a_customer(&app, &owner.token, "Split Co").await;
    let deal = app
        .gql(Some(&owner.token), "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Shared", "amount": "100.00", "expectedCloseDate": "2027-03-31"}}))
        .await;
    let deal = string_at(&deal, &["data", "createOpportunity", "opportunity", "id"]);
    let splits = "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version } } }";
    let shared = app
        .gql(Some(&owner.token), splits, json!({"input": {"id": deal, "expectedVersion": 1,
            "splits": [{"userId": owner.id, "percent": "70"}, {"userId": holder.id, "percent": "30"}]}}))
        .await;
    assert_eq!(
        shared["data"]["setOpportunitySplits"]["opportunity"]["version"], 2,
        "{shared}"
    );
    let deals = delta_query("opportunities", "", "id");
    app.clock.advance(Duration::minutes(2));
    let since = delta(&app, &holder, &deals, &Value::Null).await["serverTime"].clone();
    assert_eq!(
        ids(&delta(&app, &manager, &deals, &Value::Null).await),
        vec![deal.as_str()],
        "the manager sees the deal through the split"
    );
    app.clock.advance(Duration::minutes(2));
    let token = app.token_for(&owner).await;
    let alone = app
        .gql(
            Some(&token),
            splits,
            json!({"input": {"id": deal, "expectedVersion": 2,
            "splits": [{"userId": owner.id, "percent": "100"}]}}),
        )
        .await;
    assert!(alone["data"]["setOpportunitySplits"].is_object(), "{alone}");
    app.clock.advance(Duration::minutes(2));

    for (who, user) in [("the holder", &holder), ("the holder's manager", &manager)] {
        let seen = delta(&app, user, &deals, &since).await;
        assert_eq!(
            (ids(&seen), removed(&seen)),
            (vec![], vec![deal.as_str()]),
            "{who}"
        );
    }
    let kept = delta(&app, &owner, &deals, &since).await;
    assert_eq!((ids(&kept), removed(&kept)), (vec![deal.as_str()], vec![]));
    let unrelated = delta(&app, &bystander, &deals, &since).await;
    assert_eq!((ids(&unrelated), removed(&unrelated)), (vec![], vec![]));
}

#[tokio::test]
async fn a_lead_taken_from_the_pool_and_a_task_leaving_the_filter_are_removed() {
    let app = TestApp::spawn().await;
    let a = app.a_user().create().await;
    let b = app.a_user().create().await;
    let lead = app
        .gql(
            Some(&a.token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": "Mei Lin", "company": "Pool Co", "source": "REFERRAL"}}),
        )
        .await;
    let lead = string_at(&lead, &["data", "createLead", "lead", "id"]);
    let released = app
        .gql(Some(&a.token), "mutation($id: ID!) { releaseLead(input: {id: $id, reason: \"Wrong region\"}) { lead { inPool } } }", json!({"id": lead}))
        .await;
    assert_eq!(
        released["data"]["releaseLead"]["lead"]["inPool"], true,
        "{released}"
    );
    let customer = a_customer(&app, &a.token, "Filter Co").await;
    let start = salesgraph::clock::Clock::now(&app.clock) + Duration::days(1);
    let task = app
        .gql(Some(&a.token), "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"input": {"customerId": customer, "purpose": "Demo", "plannedStart": start, "plannedEnd": start + Duration::hours(1)}}))
        .await;
    let task = string_at(&task, &["data", "planVisit", "visit", "id"]);
    let pool = delta_query("leadPool", "", "id");
    let owned = delta_query("leads", "", "id");
    let planned = delta_query("visitTasks", ", statuses: [PLANNED]", "id");
    app.clock.advance(Duration::minutes(2));
    let since = delta(&app, &a, &pool, &Value::Null).await["serverTime"].clone();
    app.clock.advance(Duration::minutes(2));

    let token = app.token_for(&b).await;
    let claimed = app
        .gql(
            Some(&token),
            "mutation($id: ID!) { claimLead(input: {id: $id}) { lead { id } } }",
            json!({"id": lead}),
        )
        .await;
    assert!(
        claimed["data"]["claimLead"]["lead"].is_object(),
        "{claimed}"
    );
    let token = app.token_for(&a).await;
    let cancelled = app
        .gql(Some(&token), "mutation($input: CancelVisitInput!) { cancelVisit(input: $input) { visit { status } } }",
            json!({"input": {"id": task, "expectedVersion": 1, "reason": "Closed for the holidays"}}))
        .await;
    assert_eq!(
        cancelled["data"]["cancelVisit"]["visit"]["status"], "CANCELLED",
        "{cancelled}"
    );
    app.clock.advance(Duration::minutes(2));

    for (who, user) in [("the rep who released it", &a), ("the rep who took it", &b)] {
        let seen = delta(&app, user, &pool, &since).await;
        assert_eq!(
            (ids(&seen), removed(&seen)),
            (vec![], vec![lead.as_str()]),
            "{who}"
        );
    }
    let mine = delta(&app, &b, &owned, &since).await;
    assert_eq!((ids(&mine), removed(&mine)), (vec![lead.as_str()], vec![]));
    let plans = delta(&app, &a, &planned, &since).await;
    assert_eq!(
        (ids(&plans), removed(&plans)),
        (vec![], vec![task.as_str()]),
        "a cancelled task no longer matches `statuses: [PLANNED]`"
    );
}

#[tokio::test]
async fn a_changed_scope_an_old_delta_or_too_many_removals_ask_for_a_fresh_start() {
    let app = TestApp::spawn_with(|config| config.sync_max_removed_ids = 2).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let north = app.a_team("North", Some(&manager.id)).await;
    let south = app.a_team("South", None).await;
    let mover = app.a_user().in_team(&north).create().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let mut owned = Vec::new();
    for name in ["One", "Two", "Three"] {
        owned.push(a_customer(&app, &rep.token, name).await);
    }
    let customers = delta_query("customers", "", "id");
    app.clock.advance(Duration::minutes(2));
    let since = delta(&app, &rep, &customers, &Value::Null).await["serverTime"].clone();
    app.clock.advance(Duration::minutes(2));

    let moved = app
        .admin(
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }",
            json!({"input": {"id": mover.id, "expectedVersion": 1, "teamId": south}}),
        )
        .await;
    assert!(moved["data"]["updateUser"]["user"].is_object(), "{moved}");
    app.clock.advance(Duration::minutes(2));
    for (who, user, expected) in [
        ("the old team's manager", &manager, true),
        ("the user who moved", &mover, true),
        ("a rep elsewhere", &rep, false),
    ] {
        let seen = delta(&app, user, &customers, &since).await;
        assert_eq!(seen["resyncRequired"], expected, "{who}: {seen}");
        if expected {
            assert_eq!(removed(&seen), Vec::<&str>::new(), "{who}");
        }
    }
    let full = delta(&app, &manager, &customers, &Value::Null).await;
    assert_eq!(full["resyncRequired"], false, "a full read is always whole");

    let long_ago =
        json!((salesgraph::clock::Clock::now(&app.clock) - Duration::days(31)).to_rfc3339());
    assert_eq!(
        delta(&app, &rep, &customers, &long_ago).await["resyncRequired"],
        true,
        "older than the retention"
    );

    // Removals are named up to the configured bound, in a fixed number of statements.
    let mut counts = Vec::new();
    for (n, customer) in owned.iter().enumerate() {
        let body = app
            .admin(
                UPDATE_CUSTOMER,
                json!({"input": {"id": customer, "expectedVersion": 1, "ownerId": other.id}}),
            )
            .await;
        assert!(body["data"]["updateCustomer"].is_object(), "{body}");
        app.clock.advance(Duration::minutes(1));
        let token = app.token_for(&rep).await;
        app.quiet().await;
        let body = app
            .gql(Some(&token), &customers, json!({ "since": since }))
            .await;
        counts.push(app.take_statement_count());
        let seen = &body["data"]["customers"];
        if n < 2 {
            assert_eq!(removed(seen), owned[..=n].to_vec(), "{body}");
            assert_eq!(seen["resyncRequired"], false);
        } else {
            assert_eq!(
                (removed(seen), &seen["resyncRequired"]),
                (vec![], &json!(true)),
                "more than the bound"
            );
        }
    }
    assert_eq!(counts[0], counts[1], "statements do not grow with removals");
}

const PLAN: &str = "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id purpose customer { id } } } }";

#[tokio::test]
async fn records_made_offline_are_named_by_their_client_ids_and_retries_answer_once() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let colleague = app.a_user().create().await;
    let customer_uuid = uuid::Uuid::now_v7().to_string();
    let created = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": "Offline Co", "clientId": customer_uuid}}),
        )
        .await;
    let customer = string_at(&created, &["data", "createCustomer", "customer", "id"]);
    let visit_uuid = uuid::Uuid::now_v7().to_string();
    let start = salesgraph::clock::Clock::now(&app.clock) + Duration::days(1);
    // Planned offline: the customer is named by the id the phone gave it.
    let plan = json!({"input": {"clientId": visit_uuid, "customerId": customer_uuid, "purpose": "Demo",
        "plannedStart": start, "plannedEnd": start + Duration::hours(1)}});
    let first = app.gql(Some(&rep.token), PLAN, plan.clone()).await;
    let retry = app.gql(Some(&rep.token), PLAN, plan.clone()).await;
    let visit = &first["data"]["planVisit"]["visit"];
    assert_eq!(visit["customer"]["id"], customer.as_str(), "{first}");
    assert_eq!(
        retry["data"]["planVisit"]["visit"], *visit,
        "a retry answers the same task"
    );
    let count = app
        .gql(Some(&rep.token), "{ visitTasks { totalCount } }", json!({}))
        .await;
    assert_eq!(count["data"]["visitTasks"]["totalCount"], 1, "{count}");

    // Queued after it, still offline: the task is named by its client id.
    let cancelled = app
        .gql(Some(&rep.token), "mutation($input: CancelVisitInput!) { cancelVisit(input: $input) { visit { id status } } }",
            json!({"input": {"id": visit_uuid, "expectedVersion": 1}}))
        .await;
    assert_eq!(
        cancelled["data"]["cancelVisit"]["visit"],
        json!({"id": visit["id"], "status": "CANCELLED"}),
        "{cancelled}"
    );
    let by_client_id = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { visitTask(id: $id) { id } }",
            json!({"id": visit_uuid}),
        )
        .await;
    assert_eq!(by_client_id["data"]["visitTask"]["id"], visit["id"]);

    let mut changed = plan.clone();
    changed["input"]["purpose"] = json!("Another purpose");
    let reused = app.gql(Some(&rep.token), PLAN, changed).await;
    assert_eq!(
        error_code(&reused),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{reused}"
    );
    let theirs = a_customer(&app, &colleague.token, "Their Co").await;
    let mut taken = plan.clone();
    taken["input"]["customerId"] = json!(theirs);
    let taken = app.gql(Some(&colleague.token), PLAN, taken).await;
    assert_eq!(
        (error_code(&taken), error_field(&taken)),
        (Some("DUPLICATE"), Some("input.clientId")),
        "{taken}"
    );
    for bad in [
        json!("f47ac10b-58cc-4372-a567-0e02b2c3d479"),
        json!("0190a1b2-0000-7000-8000-000000000000"),
        json!("not a uuid"),
    ] {
        let mut input = plan.clone();
        input["input"]["clientId"] = bad.clone();
        let body = app.gql(Some(&rep.token), PLAN, input).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some("input.clientId")),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn a_conflict_carries_the_current_record_in_the_clients_own_selection() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = a_customer(&app, &rep.token, "Before").await;
    let update = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id name version } } }";
    let newer = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": customer, "expectedVersion": 1, "name": "Newer"}}),
        )
        .await;
    assert_eq!(
        newer["data"]["updateCustomer"]["customer"]["version"], 2,
        "{newer}"
    );
    let stale = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": customer, "expectedVersion": 1, "name": "Offline edit"}}),
        )
        .await;
    let extensions = &stale["errors"][0]["extensions"];
    assert_eq!(extensions["code"], "CONFLICT", "{stale}");
    assert_eq!(extensions["currentVersion"], 2);
    assert_eq!(
        extensions["current"],
        json!({"customer": {"id": customer, "name": "Newer", "version": 2}}),
        "what the mutation answers, for the record as it stands"
    );

    let start = salesgraph::clock::Clock::now(&app.clock) + Duration::days(1);
    let planned = app
        .gql(
            Some(&rep.token),
            PLAN,
            json!({"input": {"customerId": customer, "purpose": "Demo",
            "plannedStart": start, "plannedEnd": start + Duration::hours(1)}}),
        )
        .await;
    let visit = string_at(&planned, &["data", "planVisit", "visit", "id"]);
    let cancel = "mutation($input: CancelVisitInput!) { cancelVisit(input: $input) { visit { status version cancelReason } } }";
    let first = app
        .gql(
            Some(&rep.token),
            cancel,
            json!({"input": {"id": visit, "expectedVersion": 1, "reason": "Closed"}}),
        )
        .await;
    assert!(first["data"]["cancelVisit"].is_object(), "{first}");
    let again = app
        .gql(
            Some(&rep.token),
            cancel,
            json!({"input": {"id": visit, "expectedVersion": 1, "reason": "Other"}}),
        )
        .await;
    let extensions = &again["errors"][0]["extensions"];
    assert_eq!(
        (&extensions["code"], &extensions["current"]),
        (
            &json!("CONFLICT"),
            &json!({"visit": {"status": "CANCELLED", "version": 2, "cancelReason": "Closed"}})
        ),
        "{again}"
    );

    // A target is named by its period and subject, not an id; the answer carries it all the same.
    let set = "mutation($input: SetSalesTargetInput!) { setSalesTarget(input: $input) { target { amount version } } }";
    let target = |amount: &str, version: i64| json!({"input": {"period": "2027-Q1", "scope": "COMPANY", "amount": amount, "expectedVersion": version}});
    let first = app.admin(set, target("1000.00", 0)).await;
    assert_eq!(
        first["data"]["setSalesTarget"]["target"]["version"], 1,
        "{first}"
    );
    let stale = app.admin(set, target("2000.00", 0)).await;
    assert_eq!(
        stale["errors"][0]["extensions"]["current"],
        json!({"target": {"amount": "1000.00", "version": 1}}),
        "{stale}"
    );
}

#[tokio::test]
async fn pruning_the_log_keeps_its_start_so_a_restart_does_not_send_every_phone_back_to_scratch() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    a_customer(&app, &rep.token, "Restart Co").await;
    let customers = delta_query("customers", "", "id");
    // Past the retention, housekeeping prunes the log.
    app.clock.advance(Duration::days(40));
    let now = salesgraph::clock::Clock::now(&app.clock);
    salesgraph::jobs::housekeeping(&app.state, now)
        .await
        .expect("housekeeping");
    let since = delta(&app, &rep, &customers, &Value::Null).await["serverTime"].clone();
    app.clock.advance(Duration::minutes(2));
    // A restart marks the log's start only if it has none.
    let now = salesgraph::clock::Clock::now(&app.clock);
    salesgraph::sync::mark_start(&app.state.db, now - Duration::seconds(60))
        .await
        .expect("mark start");
    let after_restart = delta(&app, &rep, &customers, &since).await;
    assert_eq!(after_restart["resyncRequired"], false, "{after_restart}");
}
