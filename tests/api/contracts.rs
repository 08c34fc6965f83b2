//! Contracts: drafting with gapless numbers, the lifecycle and its locks, visibility.

use serde_json::json;

use crate::fixtures::{a_contract, at, contract, contract_of, create, op};
use crate::helpers::*;

async fn a_deal(app: &TestApp, token: &str, customer: &str) -> (String, i64) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version } } }",
            json!({"input": {"customerId": customer, "name": "Fleet", "amount": "250000.50", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    let deal = &body["data"]["createOpportunity"]["opportunity"];
    (
        deal["id"].as_str().unwrap().to_owned(),
        deal["version"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn a_contract_comes_from_a_won_or_nearly_won_deal_or_a_customer_with_a_yearly_number() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    crate::fixtures::without_playbook(&app).await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Fleet Co").await;
    let hidden = crate::fixtures::a_customer(&app, &other.token, "Hidden Co").await;
    let (open_deal, _) = a_deal(&app, &rep.token, &customer).await;
    let (won_deal, version) = a_deal(&app, &rep.token, &customer).await;
    app.gql(
        Some(&rep.token),
        "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { status } } }",
        json!({"input": {"id": won_deal, "expectedVersion": version, "reasonId": crate::helpers::WIN_REASON}}),
    )
    .await;
    let (late_deal, version) = a_deal(&app, &rep.token, &customer).await;
    let stages = app
        .gql(
            Some(&rep.token),
            "{ pipelineStages { id name } }",
            json!({}),
        )
        .await;
    let drafting = stages["data"]["pipelineStages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Contract drafting")
        .unwrap()["id"]
        .clone();
    app.gql(
        Some(&rep.token),
        "mutation($input: MoveOpportunityStageInput!) { moveOpportunityStage(input: $input) { opportunity { id } } }",
        json!({"input": {"id": late_deal, "stageId": drafting, "expectedVersion": version}}),
    )
    .await;

    let too_early = create(
        &app,
        &rep.token,
        json!({"opportunityId": open_deal, "title": "Early"}),
    )
    .await;
    let from_won = create(
        &app,
        &rep.token,
        json!({"opportunityId": won_deal, "title": "Fleet supply"}),
    )
    .await;
    let from_late = create(
        &app,
        &rep.token,
        json!({"opportunityId": late_deal, "title": "Fleet supply 2", "amount": "1000"}),
    )
    .await;
    let direct = create(
        &app,
        &rep.token,
        json!({"customerId": customer, "title": "Service", "amount": "0.01", "startDate": "2027-01-01", "endDate": "2027-12-31"}),
    )
    .await;
    let nested = app
        .gql(
            Some(&rep.token),
            "query($c: ID!, $o: ID!) { customer(id: $c) { contracts { nodes { number } } } opportunity(id: $o) { contracts { nodes { number } } } }",
            json!({"c": customer, "o": won_deal}),
        )
        .await;
    let refused = [
        (
            json!({"title": "Nobody"}),
            "BAD_USER_INPUT",
            Some("input.customerId"),
        ),
        (
            json!({"customerId": customer, "title": "Free", "amount": "0"}),
            "BAD_USER_INPUT",
            Some("input.amount"),
        ),
        (
            json!({"customerId": customer, "title": "Tiny", "amount": "0.001"}),
            "BAD_USER_INPUT",
            Some("input.amount"),
        ),
        (
            json!({"customerId": customer, "title": "Backwards", "amount": "1", "startDate": "2027-01-02", "endDate": "2027-01-01"}),
            "BAD_USER_INPUT",
            Some("input.endDate"),
        ),
        (
            json!({"customerId": customer, "title": "", "amount": "1"}),
            "BAD_USER_INPUT",
            Some("input.title"),
        ),
        (
            json!({"customerId": hidden, "title": "Hidden", "amount": "1"}),
            "NOT_FOUND",
            Some("input.customerId"),
        ),
    ];
    let by_finance = create(
        &app,
        &finance.token,
        json!({"customerId": customer, "title": "F", "amount": "1"}),
    )
    .await;

    assert_eq!(
        (error_code(&too_early), error_field(&too_early)),
        (Some("INVALID_STATE"), Some("input.opportunityId"))
    );
    let won = contract_of(&from_won, "createContract");
    assert_eq!(won["number"], "C-2026-000001");
    assert_eq!(won["amount"], "250000.50", "the deal's amount");
    assert_eq!(won["customer"]["id"], customer.as_str());
    assert_eq!(won["opportunity"]["id"], won_deal.as_str());
    assert_eq!(won["owner"]["id"], rep.id.as_str());
    assert_eq!(
        (won["status"].as_str(), won["version"].as_i64()),
        (Some("DRAFT"), Some(1))
    );
    assert!(won["approval"].is_null());
    assert_eq!(
        contract_of(&from_late, "createContract")["number"],
        "C-2026-000002"
    );
    let direct = contract_of(&direct, "createContract");
    assert_eq!(direct["number"], "C-2026-000003");
    assert_eq!(direct["amount"], "0.01");
    assert_eq!(direct["endDate"], "2027-12-31");
    assert_eq!(
        nested["data"]["customer"]["contracts"]["nodes"],
        json!([{"number": "C-2026-000003"}, {"number": "C-2026-000002"}, {"number": "C-2026-000001"}])
    );
    assert_eq!(
        nested["data"]["opportunity"]["contracts"]["nodes"],
        json!([{"number": "C-2026-000001"}])
    );
    for (input, code, field) in refused {
        let body = create(&app, &rep.token, input.clone()).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some(code), field),
            "{input}: {body}"
        );
    }
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"));
}

#[tokio::test]
async fn twenty_concurrent_creates_get_unique_gapless_numbers() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Busy Co").await;

    let results = futures_util::future::join_all((0..20).map(|i| {
        create(
            &app,
            &rep.token,
            json!({"customerId": customer, "title": format!("Order {i}"), "amount": "10"}),
        )
    }))
    .await;

    // Numbers run per year of the company's calendar, on the server's clock.
    let server_now = salesgraph::clock::Clock::now(&app.clock);
    let year = server_now
        .with_timezone(&app.state.config.company_tz())
        .format("%Y")
        .to_string();
    let mut numbers: Vec<String> = results
        .iter()
        .map(|body| {
            contract_of(body, "createContract")["number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=20).map(|n| format!("C-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn only_drafts_and_rejected_contracts_change_and_the_lifecycle_ends_in_completion() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Deals", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let draft = a_contract(&app, &rep, "5000").await;
    let id = draft["id"].clone();

    let edited = op(
        &app,
        &rep.token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": id, "expectedVersion": 1, "amount": "6000", "terms": "Net 45"}),
    )
    .await;
    let stale = op(
        &app,
        &rep.token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": id, "expectedVersion": 1, "title": "Old"}),
    )
    .await;
    let submitted = app
        .gql(
            Some(&rep.token),
            "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id status } } }",
            json!({"id": id}),
        )
        .await;
    let request = submitted["data"]["submitContract"]["request"]["id"].clone();
    let locked_edit = op(
        &app,
        &rep.token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": id, "expectedVersion": 3, "amount": "1"}),
    )
    .await;
    let locked_cancel = op(
        &app,
        &rep.token,
        "cancelContract",
        "CancelContractInput",
        json!({"id": id, "expectedVersion": 3, "reason": "Changed mind"}),
    )
    .await;
    let early_sign = op(
        &app,
        &rep.token,
        "markContractSigned",
        "MarkContractSignedInput",
        json!({"id": id, "expectedVersion": 3, "signedDate": "2026-11-25"}),
    )
    .await;
    app.gql(
        Some(&manager_token),
        "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }",
        json!({"r": request}),
    )
    .await;
    let approved = contract(&app, &rep.token, &id).await;
    let approved_edit = op(
        &app,
        &rep.token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": id, "expectedVersion": 4, "amount": "1"}),
    )
    .await;
    let future_sign = op(
        &app,
        &finance.token,
        "markContractSigned",
        "MarkContractSignedInput",
        json!({"id": id, "expectedVersion": 4, "signedDate": "2026-11-27"}),
    )
    .await;
    let signed = op(
        &app,
        &finance.token,
        "markContractSigned",
        "MarkContractSignedInput",
        json!({"id": id, "expectedVersion": 4, "signedDate": "2026-11-25"}),
    )
    .await;
    let cancel_signed = op(
        &app,
        &rep.token,
        "cancelContract",
        "CancelContractInput",
        json!({"id": id, "expectedVersion": 5, "reason": "Too late"}),
    )
    .await;
    let completed = op(
        &app,
        &rep.token,
        "completeContract",
        "CompleteContractInput",
        json!({"id": id, "expectedVersion": 5}),
    )
    .await;
    let other = a_contract(&app, &rep, "10").await;
    let finance_cancel = op(
        &app,
        &finance.token,
        "cancelContract",
        "CancelContractInput",
        json!({"id": other["id"], "expectedVersion": 1, "reason": "No"}),
    )
    .await;
    let cancelled = op(
        &app,
        &rep.token,
        "cancelContract",
        "CancelContractInput",
        json!({"id": other["id"], "expectedVersion": 1, "reason": "Customer withdrew"}),
    )
    .await;

    let edited = contract_of(&edited, "updateContract");
    assert_eq!(
        (
            edited["amount"].as_str(),
            edited["terms"].as_str(),
            edited["version"].as_i64()
        ),
        (Some("6000.00"), Some("Net 45"), Some(2))
    );
    assert_eq!(error_code(&stale), Some("CONFLICT"));
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(
        submitted["data"]["submitContract"]["request"]["status"], "PENDING",
        "{submitted}"
    );
    for body in [
        &locked_edit,
        &locked_cancel,
        &early_sign,
        &approved_edit,
        &cancel_signed,
    ] {
        assert_eq!(error_code(body), Some("INVALID_STATE"), "{body}");
    }
    assert_eq!(approved["data"]["contract"]["status"], "APPROVED");
    assert_eq!(
        approved["data"]["contract"]["approval"]["status"],
        "APPROVED"
    );
    assert_eq!(
        (error_code(&future_sign), error_field(&future_sign)),
        (Some("BAD_USER_INPUT"), Some("input.signedDate"))
    );
    let signed = contract_of(&signed, "markContractSigned");
    assert_eq!(
        (signed["status"].as_str(), signed["signedDate"].as_str()),
        (Some("SIGNED"), Some("2026-11-25"))
    );
    assert_eq!(
        contract_of(&completed, "completeContract")["status"],
        "COMPLETED"
    );
    assert_eq!(error_code(&finance_cancel), Some("FORBIDDEN"));
    let cancelled = contract_of(&cancelled, "cancelContract");
    assert_eq!(
        (
            cancelled["status"].as_str(),
            cancelled["cancelReason"].as_str()
        ),
        (Some("CANCELLED"), Some("Customer withdrew"))
    );
}

#[tokio::test]
async fn contracts_follow_visibility_by_role() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Visible", Some(&manager.id)).await;
    app.a_team("Invisible", Some(&other_manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let peer = app.a_user().in_team(&team).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let other_manager_token = app.token_for(&other_manager).await;
    let draft = a_contract(&app, &rep, "100").await;
    let list = "{ contracts { totalCount nodes { id } } }";

    for (token, sees) in [
        (&rep.token, true),
        (&manager_token, true),
        (&finance.token, true),
        (&app.admin_token, true),
        (&peer.token, false),
        (&other_manager_token, false),
    ] {
        let one = contract(&app, token, &draft["id"]).await;
        let all = app.gql(Some(token), list, json!({})).await;
        let count = all["data"]["contracts"]["totalCount"].as_i64().unwrap();
        if sees {
            assert_eq!(one["data"]["contract"]["id"], draft["id"], "{one}");
            assert_eq!(count, 1);
        } else {
            assert_eq!(error_code(&one), Some("NOT_FOUND"), "{one}");
            assert_eq!(count, 0);
        }
    }
    let by_peer = op(
        &app,
        &peer.token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": draft["id"], "expectedVersion": 1, "title": "Mine now"}),
    )
    .await;
    let by_manager = op(
        &app,
        &manager_token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": draft["id"], "expectedVersion": 1, "title": "Reviewed"}),
    )
    .await;
    let by_finance = op(
        &app,
        &finance.token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": draft["id"], "expectedVersion": 2, "title": "Finance"}),
    )
    .await;
    let anonymous = app.gql(None, list, json!({})).await;

    assert_eq!(error_code(&by_peer), Some("NOT_FOUND"));
    assert_eq!(
        contract_of(&by_manager, "updateContract")["title"],
        "Reviewed"
    );
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"));
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn contract_lists_with_nested_fields_cost_the_same_whatever_the_page_size() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Counted", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let manager_token = app.token_for(&manager).await;
    for _ in 0..8 {
        let draft = a_contract(&app, &rep, "100").await;
        app.gql(
            Some(&rep.token),
            "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id } } }",
            json!({"id": draft["id"]}),
        )
        .await;
    }
    let contracts = "query($n: Int!) { contracts(first: $n) { nodes { number customer { name } owner { id } opportunity { id } \
        approval { status steps { role status decidedBy { id } } submittedBy { id } } } } }";
    let queue = "query($n: Int!) { myPendingApprovals(first: $n) { nodes { amount submittedBy { id } \
        steps { role status } subject { ... on Contract { number customer { name } approval { id } } } } } }";

    let mut costs = Vec::new();
    for (query, token) in [(contracts, &rep.token), (queue, &manager_token)] {
        app.gql(Some(token), "{ me { id } }", json!({})).await;
        let (small_cost, small) = app.cheapest_cost(Some(token), query, json!({"n": 2})).await;
        let (large_cost, large) = app.cheapest_cost(Some(token), query, json!({"n": 8})).await;
        assert!(small["errors"].is_null(), "{small}");
        assert!(large["errors"].is_null(), "{large}");
        costs.push((small_cost, large_cost));
    }

    for (small, large) in costs {
        assert_eq!(small, large);
    }
}
