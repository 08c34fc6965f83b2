//! Seeing is not changing: for every mutation on a record reachable through a revenue split
//! or a customer link, every principal who can see the record but may not change it is
//! refused with `FORBIDDEN`, and the record is left as it was.

use serde_json::{Value, json};

use crate::helpers::*;

/// Two teams: A (manager `ma`, rep `ra`, who owns the customer and the deals) and B (manager
/// `mb`, rep `rb`), plus finance and customer service.
pub(crate) struct Org {
    pub(crate) ma: TestUser,
    pub(crate) ra: TestUser,
    pub(crate) mb: TestUser,
    pub(crate) rb: TestUser,
    pub(crate) finance: TestUser,
    pub(crate) support: TestUser,
    pub(crate) customer: String,
    stages: Vec<String>,
}

pub(crate) async fn org(app: &TestApp) -> Org {
    let ma = app.a_user().role("SALES_MANAGER").create().await;
    let mb = app.a_user().role("SALES_MANAGER").create().await;
    let team_a = app.a_team("Team A", Some(&ma.id)).await;
    let team_b = app.a_team("Team B", Some(&mb.id)).await;
    let ra = app.a_user().in_team(&team_a).create().await;
    let rb = app.a_user().in_team(&team_b).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let customer = crate::fixtures::a_customer(app, &ra.token, "Shared Deal Co").await;
    let stages = app
        .gql(Some(&ra.token), "{ pipelineStages { id kind } }", json!({}))
        .await["data"]["pipelineStages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "OPEN")
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    Org {
        ma,
        ra,
        mb,
        rb,
        finance,
        support,
        customer,
        stages,
    }
}

async fn mutate(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let query =
        format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename }} }}");
    app.gql(Some(token), &query, json!({ "input": input }))
        .await
}

/// A deal of `org.ra` for the shared customer, split with `holders` (percent each, the rest
/// to the owner), at version 2.
pub(crate) async fn a_shared_deal(
    app: &TestApp,
    org: &Org,
    holders: &[(&TestUser, u32)],
) -> String {
    let body = app
        .gql(
            Some(&org.ra.token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": org.customer, "name": "Shared", "amount": "80000", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    let id = body["data"]["createOpportunity"]["opportunity"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let owner_share = 100 - holders.iter().map(|(_, p)| p).sum::<u32>();
    let mut splits = vec![json!({"userId": org.ra.id, "percent": owner_share.to_string()})];
    splits.extend(
        holders
            .iter()
            .map(|(user, percent)| json!({"userId": user.id, "percent": percent.to_string()})),
    );
    let set = mutate(
        app,
        &org.ra.token,
        "setOpportunitySplits",
        json!({"id": id, "expectedVersion": 1, "splits": splits}),
    )
    .await;
    assert!(set["errors"].is_null(), "{set}");
    id
}

const STATE: &str = "query($id: ID!) { opportunity(id: $id) { version amount status stage { id } splits { user { id } percent } customer { lastFollowUp { id } } } }";

async fn state_of(app: &TestApp, org: &Org, id: &str) -> Value {
    app.gql(Some(&org.ra.token), STATE, json!({"id": id})).await["data"]["opportunity"].clone()
}

/// Every deal mutation a viewer could aim at the deal `id` (at `version`).
fn deal_mutations(
    org: &Org,
    id: &str,
    version: i64,
    taker: &TestUser,
) -> Vec<(&'static str, Value)> {
    vec![
        (
            "updateOpportunity",
            json!({"id": id, "expectedVersion": version, "amount": "1.00"}),
        ),
        (
            "moveOpportunityStage",
            json!({"id": id, "expectedVersion": version, "stageId": org.stages[1]}),
        ),
        (
            "winOpportunity",
            json!({"id": id, "expectedVersion": version, "reasonId": WIN_REASON}),
        ),
        (
            "loseOpportunity",
            json!({"id": id, "expectedVersion": version, "reason": "Taken over", "reasonId": LOSS_REASON}),
        ),
        (
            "setOpportunitySplits",
            json!({"id": id, "expectedVersion": version, "splits": [{"userId": taker.id, "percent": "100"}]}),
        ),
        (
            "logFollowUp",
            json!({"subjectId": id, "kind": "CALL", "content": "Called the customer"}),
        ),
    ]
}

#[tokio::test]
async fn split_holders_their_managers_and_finance_see_a_deal_but_cannot_change_it() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    // `rb` holds a split (so `mb` sees it through a team member); `mb` holds one himself on
    // the second deal.
    let through_rep = a_shared_deal(&app, &org, &[(&org.rb, 40)]).await;
    let own_split = a_shared_deal(&app, &org, &[(&org.mb, 50)]).await;
    let cases = [
        (&through_rep, &org.rb),
        (&through_rep, &org.mb),
        (&own_split, &org.mb),
        (&through_rep, &org.finance),
    ];
    for (deal, principal) in cases {
        let before = state_of(&app, &org, deal).await;
        let seen = app
            .gql(Some(&principal.token), STATE, json!({"id": deal}))
            .await;
        assert_eq!(seen["data"]["opportunity"]["version"], 2, "{seen}");
        for (name, input) in deal_mutations(&org, deal, 2, principal) {
            let body = mutate(&app, &principal.token, name, input).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{name}: {body}");
        }
        assert_eq!(state_of(&app, &org, deal).await, before);
    }
}

#[tokio::test]
async fn a_won_deal_is_reopened_only_by_those_who_may_change_it() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let deal = a_shared_deal(&app, &org, &[(&org.rb, 30)]).await;
    let won = mutate(
        &app,
        &org.ra.token,
        "winOpportunity",
        json!({"id": deal, "expectedVersion": 2, "reasonId": WIN_REASON}),
    )
    .await;
    assert!(won["errors"].is_null(), "{won}");
    let reopen = json!({"id": deal, "expectedVersion": 3, "stageId": org.stages[0]});
    for principal in [&org.rb, &org.mb, &org.finance] {
        let body = mutate(&app, &principal.token, "reopenOpportunity", reopen.clone()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    assert_eq!(state_of(&app, &org, &deal).await["status"], "WON");
    // The owner's manager may.
    let body = mutate(&app, &org.ma.token, "reopenOpportunity", reopen).await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn the_owner_their_manager_and_admins_still_change_a_shared_deal() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let deal = a_shared_deal(&app, &org, &[(&org.rb, 40)]).await;
    let tokens = [&org.ra.token, &org.ma.token, &app.admin_token];
    for (i, token) in tokens.into_iter().enumerate() {
        let version = 2 + i64::try_from(i).unwrap();
        let body = mutate(
            &app,
            token,
            "updateOpportunity",
            json!({"id": deal, "expectedVersion": version, "amount": format!("{}", 1000 + i)}),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = mutate(
        &app,
        &org.ma.token,
        "logFollowUp",
        json!({"subjectId": deal, "kind": "CALL", "content": "Manager called"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let state = state_of(&app, &org, &deal).await;
    assert_eq!(
        (state["version"].clone(), state["amount"].clone()),
        (json!(5), json!("1002.00"))
    );
}

#[tokio::test]
async fn a_contract_seen_through_its_customer_or_by_customer_service_is_changed_only_by_its_owners_side()
 {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let created = crate::fixtures::create(
        &app,
        &org.ra.token,
        json!({"customerId": org.customer, "title": "Supply", "amount": "5000"}),
    )
    .await;
    let contract = crate::fixtures::contract_of(&created, "createContract")["id"].clone();
    // The customer moves to team B: `rb` and `mb` now see the contract through it.
    let moved = mutate(
        &app,
        &app.admin_token,
        "updateCustomer",
        json!({"id": org.customer, "expectedVersion": 1, "ownerId": org.rb.id}),
    )
    .await;
    assert!(moved["errors"].is_null(), "{moved}");
    let attempts = [
        (
            "updateContract",
            json!({"id": contract, "expectedVersion": 1, "title": "Taken"}),
        ),
        (
            "cancelContract",
            json!({"id": contract, "expectedVersion": 1, "reason": "Taken"}),
        ),
        (
            "markContractSigned",
            json!({"id": contract, "expectedVersion": 1, "signedDate": "2026-01-02"}),
        ),
        (
            "completeContract",
            json!({"id": contract, "expectedVersion": 1}),
        ),
    ];
    for principal in [&org.rb, &org.mb, &org.support] {
        let seen = crate::fixtures::contract(&app, &principal.token, &contract).await;
        assert_eq!(seen["data"]["contract"]["version"], 1, "{seen}");
        for (name, input) in &attempts {
            let body = mutate(&app, &principal.token, name, input.clone()).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{name}: {body}");
        }
    }
    let unchanged = crate::fixtures::contract(&app, &org.ra.token, &contract).await;
    assert_eq!(
        (
            unchanged["data"]["contract"]["title"].clone(),
            unchanged["data"]["contract"]["status"].clone()
        ),
        (json!("Supply"), json!("DRAFT"))
    );
    // The owner's manager may change it.
    let body = mutate(&app, &org.ma.token, "updateContract", attempts[0].1.clone()).await;
    assert!(body["errors"].is_null(), "{body}");
}
