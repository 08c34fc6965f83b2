//! Hand-overs: a leaving rep's book moves to a colleague in one call — open leads, customers,
//! open deals with their revenue shares, live contracts, planned visits — once per key, with
//! the history kept and everyone concerned told; and only by those who manage both people.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const TRANSFER: &str = "mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { transfer { \
    id leads customers opportunities contracts visits activities total includeClosed fromUser { id } toUser { id } } } }";

fn uuid_of(id: &str) -> Uuid {
    salesgraph::ids::decode_any(id)
        .map(|(_, uuid)| uuid)
        .unwrap_or_else(|| panic!("not an id: {id}"))
}

/// `n` customers of `owner`, each with one open deal, written straight to the database (a
/// book the size of a long career; the API writes the rest).
async fn a_large_book(app: &TestApp, owner: Uuid, n: usize) {
    let now = salesgraph::clock::Clock::now(&app.clock);
    let stage = Uuid::parse_str("0193a000-0000-7000-8000-000000000001").unwrap_or_default();
    let ids: Vec<(Uuid, Uuid)> = (0..n).map(|_| (Uuid::now_v7(), Uuid::now_v7())).collect();
    for chunk in ids.chunks(400) {
        let customers = chunk.iter().map(|(c, _)| {
            entity::customer::ActiveModel::from(entity::customer::Model {
                id: *c,
                name: format!("Book customer {c}"),
                company_key: format!("book customer {c}"),
                industry: None,
                region: None,
                address: None,
                latitude: None,
                longitude: None,
                grade: None,
                owner_id: owner,
                version: 1,
                created_at: now,
                updated_at: now,
                influence: None,
                pinned_grade: None,
                grade_pin_reason: None,
                grade_pinned_by: None,
                grade_pinned_at: None,
                campaign_id: None,
            })
        });
        entity::customer::Entity::insert_many(customers)
            .exec(&app.state.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let deals = chunk.iter().map(|(c, d)| {
            entity::opportunity::ActiveModel::from(entity::opportunity::Model {
                id: *d,
                customer_id: *c,
                owner_id: owner,
                name: "Book deal".into(),
                amount_minor: 10_000,
                stage_id: stage,
                probability_override: None,
                forecast_category: "PIPELINE".into(),
                status: "OPEN".into(),
                expected_close_date: now.date_naive(),
                closed_at: None,
                lost_reason: None,
                stage_entered_at: now,
                lead_id: None,
                stale_notified_at: None,
                price_book_id: None,
                need: None,
                budget_minor: None,
                contact_id: None,
                decision_maker_id: None,
                close_reason_id: None,
                close_detail: None,
                closed_from_stage_id: None,
                campaign_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
            })
        });
        entity::opportunity::Entity::insert_many(deals)
            .exec(&app.state.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

async fn owned_by(app: &TestApp, owner: Uuid) -> (u64, u64) {
    let customers = entity::customer::Entity::find()
        .filter(entity::customer::Column::OwnerId.eq(owner))
        .count(&app.state.db)
        .await
        .unwrap_or_default();
    let deals = entity::opportunity::Entity::find()
        .filter(entity::opportunity::Column::OwnerId.eq(owner))
        .count(&app.state.db)
        .await
        .unwrap_or_default();
    (customers, deals)
}

#[tokio::test]
async fn a_leaving_reps_book_of_five_thousand_moves_once_in_one_call() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Coast", Some(&manager.id)).await;
    let leaver = app.a_user().in_team(&team).create().await;
    let heir = app.a_user().in_team(&team).create().await;
    let partner = app.a_user().in_team(&team).create().await;
    let token = &leaver.token;
    // Through the API: a split deal, a won deal, a lead, a contract, a planned visit.
    let customer = crate::fixtures::a_customer(&app, token, "Split Co").await;
    let create = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }";
    let mut deals = Vec::new();
    for name in ["Split deal", "Won deal"] {
        let body = app
            .gql(Some(token), create, json!({"input": {"customerId": customer, "name": name, "amount": "100", "expectedCloseDate": "2027-01-31"}}))
            .await;
        deals.push(string_at(
            &body,
            &["data", "createOpportunity", "opportunity", "id"],
        ));
    }
    let split = app
        .gql(
            Some(token),
            "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version } } }",
            json!({"input": {"id": deals[0], "expectedVersion": 1, "splits": [{"userId": leaver.id, "percent": "60"}, {"userId": heir.id, "percent": "25"}, {"userId": partner.id, "percent": "15"}]}}),
        )
        .await;
    assert!(split["errors"].is_null(), "{split}");
    let won = app
        .gql(Some(token), "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { id } } }", json!({"input": {"id": deals[1], "expectedVersion": 1, "reasonId": WIN_REASON}}))
        .await;
    assert!(won["errors"].is_null(), "{won}");
    let lead = app
        .gql(Some(token), "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }", json!({"input": {"name": "Zhang Wei", "company": "Port Logistics", "source": "REFERRAL"}}))
        .await;
    assert!(lead["errors"].is_null(), "{lead}");
    let contract = crate::fixtures::a_contract(&app, &leaver, "500.00").await;
    let start = salesgraph::clock::Clock::now(&app.clock) + chrono::Duration::days(1);
    let visit = app
        .gql(Some(token), "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }", json!({"input": {"customerId": customer, "purpose": "Handover call", "plannedStart": start, "plannedEnd": start + chrono::Duration::hours(1)}}))
        .await;
    assert!(visit["errors"].is_null(), "{visit}");
    // Two to-dos: the open one moves, the one done stays with who did it.
    let mut todos = Vec::new();
    for title in ["Call about the renewal", "Send the price list"] {
        let body = app
            .gql(Some(token), "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } } }", json!({"input": {"kind": "CALL", "subjectId": customer, "title": title, "dueAt": start}}))
            .await;
        todos.push(string_at(
            &body,
            &["data", "createActivity", "activity", "id"],
        ));
    }
    let done = app
        .gql(Some(token), "mutation($input: CompleteActivityInput!) { completeActivity(input: $input) { activity { done } } }", json!({"input": {"id": todos[1]}}))
        .await;
    assert_eq!(
        done["data"]["completeActivity"]["activity"]["done"], true,
        "{done}"
    );
    let (from, to) = (uuid_of(&leaver.id), uuid_of(&heir.id));
    a_large_book(&app, from, 2_500).await;

    let input = json!({"input": {"fromUserId": leaver.id, "toUserId": heir.id, "idempotencyKey": "handover-coast-1"}});
    let started = std::time::Instant::now();
    let first = app.gql(Some(&manager.token), TRANSFER, input.clone()).await;
    let took = started.elapsed();
    assert!(first["errors"].is_null(), "{first}");
    eprintln!("a hand-over of 5,006 records answered in {took:?}");
    let transfer = &first["data"]["transferOwnership"]["transfer"];
    assert_eq!(
        [
            &transfer["leads"],
            &transfer["customers"],
            &transfer["opportunities"],
            &transfer["contracts"],
            &transfer["visits"],
            &transfer["activities"],
            &transfer["total"]
        ],
        [
            &json!(1),
            &json!(2_502),
            &json!(2_501),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(5_007)
        ],
        "{transfer} in {took:?}"
    );
    assert_eq!(owned_by(&app, to).await, (2_502, 2_501));
    let owner_of = async |id: &str| {
        entity::activity::Entity::find_by_id(uuid_of(id))
            .one(&app.state.db)
            .await
            .unwrap()
            .map(|a| a.owner_id)
    };
    assert_eq!(
        (owner_of(&todos[0]).await, owner_of(&todos[1]).await),
        (Some(to), Some(from))
    );
    assert_eq!(
        owned_by(&app, from).await,
        (0, 1),
        "the won deal stays with who won it"
    );

    // Retried with the same key, three times at once: the same answer, nothing moved twice.
    let retries = (0..3).map(|_| app.gql(Some(&manager.token), TRANSFER, input.clone()));
    for again in futures_util::future::join_all(retries).await {
        assert_eq!(again["data"], first["data"], "{again}");
    }
    assert_eq!(
        entity::ownership_transfer::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap_or_default(),
        1
    );

    // The split's share went to the heir, added to theirs; the history stays.
    let deal = app
        .gql(
            Some(&heir.token),
            "query($id: ID!) { opportunity(id: $id) { owner { id } version splits { percent user { id } } stageHistory { nodes { changedBy { id } } } } }",
            json!({"id": deals[0]}),
        )
        .await;
    let deal = &deal["data"]["opportunity"];
    assert_eq!(deal["owner"]["id"], json!(heir.id));
    assert_eq!(
        deal["version"], 3,
        "moved deals change version, so offline edits conflict"
    );
    let shares: Vec<Value> = deal["splits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| json!([s["user"]["id"], s["percent"]]))
        .collect();
    assert_eq!(
        shares,
        vec![json!([heir.id, "85.00"]), json!([partner.id, "15.00"])]
    );
    assert_eq!(
        deal["stageHistory"]["nodes"][0]["changedBy"]["id"],
        json!(leaver.id)
    );
    let moved_contract = crate::fixtures::contract(&app, &heir.token, &contract["id"]).await;
    assert_eq!(
        moved_contract["data"]["contract"]["owner"]["id"],
        json!(heir.id)
    );

    // Told: the giver, the receiver (the manager did it).
    for user in [&leaver, &heir] {
        let notes = app
            .gql(
                Some(&user.token),
                "{ notifications(first: 5) { nodes { kind body } } }",
                json!({}),
            )
            .await;
        let kinds: Vec<Value> = notes["data"]["notifications"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| n["kind"].clone())
            .collect();
        assert!(kinds.contains(&json!("OWNERSHIP_TRANSFERRED")), "{notes}");
    }
    let audited = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("ownership.transferred"))
        .count(&app.state.db)
        .await
        .unwrap_or_default();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn only_who_manages_both_people_hands_over_and_bad_receivers_are_refused() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("North", Some(&manager.id)).await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_team = app.a_team("South", Some(&other_manager.id)).await;
    let leaver = app.a_user().in_team(&team).create().await;
    let heir = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().in_team(&other_team).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let customer = crate::fixtures::a_customer(&app, &leaver.token, "Kept Co").await;
    let run = async |token: &str, from: &str, to: &str| {
        app.gql(
            Some(token),
            TRANSFER,
            json!({"input": {"fromUserId": from, "toUserId": to}}),
        )
        .await
    };
    let by_rep = run(&heir.token, &leaver.id, &heir.id).await;
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"), "{by_rep}");
    let by_finance = run(&finance.token, &leaver.id, &heir.id).await;
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"), "{by_finance}");
    // Outside the manager's teams answers exactly like a missing user.
    let outside = run(&manager.token, &leaver.id, &outsider.id).await;
    let missing = run(&manager.token, &leaver.id, &missing_id("User")).await;
    assert_eq!(
        code_and_field(&outside),
        (Some("NOT_FOUND"), Some("input.toUserId")),
        "{outside}"
    );
    assert_eq!(
        outside["errors"][0]["message"],
        missing["errors"][0]["message"]
    );
    let from_outside = run(&manager.token, &outsider.id, &heir.id).await;
    assert_eq!(
        code_and_field(&from_outside),
        (Some("NOT_FOUND"), Some("input.fromUserId")),
        "{from_outside}"
    );
    let to_self = run(&manager.token, &leaver.id, &leaver.id).await;
    assert_eq!(
        code_and_field(&to_self),
        (Some("BAD_USER_INPUT"), Some("input.toUserId")),
        "{to_self}"
    );
    let deactivated = app
        .admin(
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { active } } }",
            json!({"input": {"id": heir.id, "expectedVersion": 1, "active": false}}),
        )
        .await;
    assert!(deactivated["errors"].is_null(), "{deactivated}");
    let inactive = run(&manager.token, &leaver.id, &heir.id).await;
    assert_eq!(
        code_and_field(&inactive),
        (Some("BAD_USER_INPUT"), Some("input.toUserId")),
        "{inactive}"
    );
    let kept = app
        .admin(
            "query($id: ID!) { customer(id: $id) { owner { id } } }",
            json!({"id": customer}),
        )
        .await;
    assert_eq!(
        kept["data"]["customer"]["owner"]["id"],
        json!(leaver.id),
        "nothing moved"
    );
    // Admins hand over across teams, here only the customers.
    let across = app
        .admin(TRANSFER, json!({"input": {"fromUserId": leaver.id, "toUserId": outsider.id, "scope": {"leads": false, "opportunities": false, "contracts": false, "visits": false, "activities": false}}}))
        .await;
    assert_eq!(
        across["data"]["transferOwnership"]["transfer"]["customers"], 1,
        "{across}"
    );
    assert_eq!(
        across["data"]["transferOwnership"]["transfer"]["total"], 1,
        "{across}"
    );
}

#[tokio::test]
async fn managers_hand_over_one_deal_or_contract_and_reps_may_not() {
    let app = TestApp::spawn().await;
    let books = crate::fixtures::books(&app).await;
    let rep = &books.rep;
    let heir = app
        .a_user()
        .in_team(&string_at(
            &app.gql(Some(&rep.token), "{ me { team { id } } }", json!({}))
                .await,
            &["data", "me", "team", "id"],
        ))
        .create()
        .await;
    let outsider = app.a_user().create().await;
    let customer = crate::fixtures::customer(&app, &books, "One Deal Co").await;
    let created = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "One deal", "amount": "100", "expectedCloseDate": "2027-01-31"}}),
        )
        .await;
    let deal = string_at(
        &created,
        &["data", "createOpportunity", "opportunity", "id"],
    );
    let update = "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) { opportunity { version owner { id } } } }";
    let by_rep = app
        .gql(
            Some(&rep.token),
            update,
            json!({"input": {"id": deal, "expectedVersion": 1, "ownerId": heir.id}}),
        )
        .await;
    assert_eq!(
        code_and_field(&by_rep),
        (Some("FORBIDDEN"), Some("input.ownerId")),
        "{by_rep}"
    );
    let outside = app
        .gql(
            Some(&books.manager_token),
            update,
            json!({"input": {"id": deal, "expectedVersion": 1, "ownerId": outsider.id}}),
        )
        .await;
    assert_eq!(
        code_and_field(&outside),
        (Some("BAD_USER_INPUT"), Some("input.ownerId")),
        "{outside}"
    );
    let handed = app
        .gql(
            Some(&books.manager_token),
            update,
            json!({"input": {"id": deal, "expectedVersion": 1, "ownerId": heir.id}}),
        )
        .await;
    assert_eq!(
        handed["data"]["updateOpportunity"]["opportunity"],
        json!({"version": 2, "owner": {"id": heir.id}}),
        "{handed}"
    );

    // A signed contract changes hands too (its terms stay locked).
    let signed = crate::fixtures::signed(&app, &books, &customer, "300.00").await;
    let current = crate::fixtures::contract(&app, &rep.token, &json!(signed)).await;
    let version = current["data"]["contract"]["version"].clone();
    let contract_update = "mutation($input: UpdateContractInput!) { updateContract(input: $input) { contract { owner { id } status } } }";
    let by_rep = app
        .gql(
            Some(&rep.token),
            contract_update,
            json!({"input": {"id": signed, "expectedVersion": version, "ownerId": heir.id}}),
        )
        .await;
    assert_eq!(
        code_and_field(&by_rep),
        (Some("FORBIDDEN"), Some("input.ownerId")),
        "{by_rep}"
    );
    let locked = app
        .gql(Some(&books.manager_token), contract_update, json!({"input": {"id": signed, "expectedVersion": version, "ownerId": heir.id, "title": "New"}}))
        .await;
    assert_eq!(error_code(&locked), Some("INVALID_STATE"), "{locked}");
    let moved = app
        .gql(
            Some(&books.manager_token),
            contract_update,
            json!({"input": {"id": signed, "expectedVersion": version, "ownerId": heir.id}}),
        )
        .await;
    assert_eq!(
        moved["data"]["updateContract"]["contract"],
        json!({"owner": {"id": heir.id}, "status": "SIGNED"}),
        "{moved}"
    );
}
