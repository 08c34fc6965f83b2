//! The approval engine through the API: chains by amount, who may decide, races, withdrawals,
//! idempotency, the pending list and live events.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fixtures::{a_contract, contract, op};
use crate::helpers::*;

const REQUEST: &str = "id status amount currentPosition version submittedBy { id } \
    subject { ... on Contract { id number status customer { id name } } } \
    steps { position role status decidedBy { id } decidedAt comment }";

async fn call(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let query = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ request {{ {REQUEST} }} }} }}"
    );
    app.gql(Some(token), &query, json!({ "input": input }))
        .await
}

fn request_of(body: &Value, name: &str) -> Value {
    let request = body["data"][name]["request"].clone();
    assert!(request.is_object(), "{body}");
    request
}

async fn submit(app: &TestApp, token: &str, contract: &Value) -> Value {
    request_of(
        &call(app, token, "submitContract", json!({"id": contract["id"]})).await,
        "submitContract",
    )
}

async fn approve(app: &TestApp, token: &str, request: &Value) -> Value {
    call(
        app,
        token,
        "approveRequest",
        json!({"requestId": request["id"]}),
    )
    .await
}

fn roles(request: &Value) -> Vec<String> {
    request["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["role"].as_str().unwrap().to_owned())
        .collect()
}

/// A team with a manager and a rep, finance and an admin besides the bootstrap one.
struct Org {
    manager: TestUser,
    manager_token: String,
    rep: TestUser,
    finance: TestUser,
    admin: TestUser,
    admin_token: String,
}

async fn org(app: &TestApp) -> Org {
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Approvals", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let admin = app.a_user().role("ADMIN").create().await;
    let manager_token = app.token_for(&manager).await;
    let admin_token = app.token_for(&admin).await;
    Org {
        manager,
        manager_token,
        rep,
        finance,
        admin,
        admin_token,
    }
}

#[tokio::test]
async fn the_default_policy_chains_by_amount_just_below_and_at_each_threshold() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let policy = app
        .gql(
            Some(&org.rep.token),
            "{ approvalPolicy { kind tiers { minAmount steps } } }",
            json!({}),
        )
        .await;
    let cases = [
        ("99999.99", vec!["SALES_MANAGER"]),
        ("100000.00", vec!["SALES_MANAGER", "FINANCE"]),
        ("999999.99", vec!["SALES_MANAGER", "FINANCE"]),
        ("1000000.00", vec!["SALES_MANAGER", "FINANCE", "ADMIN"]),
    ];

    assert_eq!(
        policy["data"]["approvalPolicy"],
        json!({"kind": "CONTRACT", "tiers": [
            {"minAmount": "0.00", "steps": ["SALES_MANAGER"]},
            {"minAmount": "100000.00", "steps": ["SALES_MANAGER", "FINANCE"]},
            {"minAmount": "1000000.00", "steps": ["SALES_MANAGER", "FINANCE", "ADMIN"]},
        ]})
    );
    for (amount, expected) in cases {
        let draft = a_contract(&app, &org.rep, amount).await;
        let request = submit(&app, &org.rep.token, &draft).await;
        assert_eq!(roles(&request), expected, "{amount}");
        assert_eq!(request["amount"], amount);
        let deciders = [
            (&org.manager_token, &org.manager.id),
            (&org.finance.token, &org.finance.id),
            (&org.admin_token, &org.admin.id),
        ];
        for (i, (token, _)) in deciders.iter().take(expected.len()).enumerate() {
            let pending = contract(&app, &org.rep.token, &draft["id"]).await;
            assert_eq!(
                pending["data"]["contract"]["status"], "PENDING_APPROVAL",
                "{amount} step {i}"
            );
            let body = approve(&app, token, &request).await;
            let after = request_of(&body, "approveRequest");
            let done = i + 1 == expected.len();
            assert_eq!(after["status"], if done { "APPROVED" } else { "PENDING" });
        }
        let finished = app
            .gql(
                Some(&org.rep.token),
                &format!("query($id: ID!) {{ approvalRequest(id: $id) {{ {REQUEST} }} }}"),
                json!({"id": request["id"]}),
            )
            .await;
        let steps = finished["data"]["approvalRequest"]["steps"]
            .as_array()
            .unwrap();
        for (step, (_, id)) in steps.iter().zip(deciders.iter()) {
            assert_eq!(step["status"], "APPROVED");
            assert_eq!(step["decidedBy"]["id"], id.as_str());
            assert!(step["decidedAt"].is_string());
        }
        let approved = contract(&app, &org.rep.token, &draft["id"]).await;
        assert_eq!(
            approved["data"]["contract"]["status"], "APPROVED",
            "{amount}"
        );
    }
}

#[tokio::test]
async fn nobody_decides_their_own_request_whatever_their_role() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    // A manager outside any team, so the manager step falls to admins.
    let lone_manager = app.a_user().role("SALES_MANAGER").create().await;

    for owner in [&org.rep, &org.manager, &lone_manager, &org.admin] {
        let token = app.token_for(owner).await;
        let draft = a_contract(&app, owner, "2000000").await;
        let request = submit(&app, &token, &draft).await;
        let own = approve(&app, &token, &request).await;
        let own_reject = call(
            &app,
            &token,
            "rejectRequest",
            json!({"requestId": request["id"], "comment": "No"}),
        )
        .await;
        assert_eq!(error_code(&own), Some("FORBIDDEN"), "{own}");
        assert_eq!(error_code(&own_reject), Some("FORBIDDEN"));
    }
    let customer = crate::fixtures::a_customer(&app, &org.rep.token, "Finance Reads").await;
    let by_finance = app
        .gql(
            Some(&org.finance.token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
            json!({"input": {"customerId": customer, "title": "t", "amount": "1"}}),
        )
        .await;
    assert_eq!(
        error_code(&by_finance),
        Some("FORBIDDEN"),
        "finance never owns a contract to submit"
    );
}

#[tokio::test]
async fn only_an_eligible_approver_of_the_current_step_decides_and_rights_are_read_at_decision_time()
 {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_team = app.a_team("Elsewhere", Some(&other_manager.id)).await;
    let other_token = app.token_for(&other_manager).await;
    let draft = a_contract(&app, &org.rep, "150000").await;
    let request = submit(&app, &org.rep.token, &draft).await;

    let finance_too_early = approve(&app, &org.finance.token, &request).await;
    let admin_not_manager = approve(&app, &org.admin_token, &request).await;
    let other_team_manager = approve(&app, &other_token, &request).await;
    let teammate = app.a_user().in_team(&other_team).create().await;
    let rep_decides = approve(&app, &teammate.token, &request).await;
    let reject_without_comment = call(
        &app,
        &org.manager_token,
        "rejectRequest",
        json!({"requestId": request["id"], "comment": " "}),
    )
    .await;
    // The manager is replaced before deciding: the right goes with the team.
    let team_id = app
        .gql(Some(&org.rep.token), "{ me { team { id } } }", json!({}))
        .await["data"]["me"]["team"]["id"]
        .clone();
    let successor = app.a_user().role("SALES_MANAGER").create().await;
    let changed = app
        .admin(
            "mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { team { id } } }",
            json!({"input": {"id": team_id, "managerId": successor.id, "expectedVersion": 1}}),
        )
        .await;
    let former = approve(&app, &org.manager_token, &request).await;
    let successor_token = app.token_for(&successor).await;
    let by_successor = approve(&app, &successor_token, &request).await;

    assert_eq!(
        error_code(&finance_too_early),
        Some("FORBIDDEN"),
        "{finance_too_early}"
    );
    assert_eq!(error_code(&admin_not_manager), Some("FORBIDDEN"));
    assert_eq!(
        error_code(&other_team_manager),
        Some("NOT_FOUND"),
        "cannot even see it"
    );
    assert_eq!(error_code(&rep_decides), Some("NOT_FOUND"));
    assert_eq!(
        (
            error_code(&reject_without_comment),
            error_field(&reject_without_comment)
        ),
        (Some("BAD_USER_INPUT"), Some("input.comment"))
    );
    assert!(changed["errors"].is_null(), "{changed}");
    assert!(
        matches!(error_code(&former), Some("NOT_FOUND") | Some("FORBIDDEN")),
        "{former}"
    );
    let after = request_of(&by_successor, "approveRequest");
    assert_eq!(
        (after["status"].as_str(), after["currentPosition"].as_i64()),
        (Some("PENDING"), Some(2))
    );
    assert_eq!(after["steps"][0]["decidedBy"]["id"], successor.id.as_str());
    assert_eq!(after["steps"][1]["status"], "PENDING");
}

#[tokio::test]
async fn a_pending_contract_is_locked_and_a_rejected_one_is_edited_and_resubmitted_as_a_new_request()
 {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let draft = a_contract(&app, &org.rep, "5000").await;
    let first = submit(&app, &org.rep.token, &draft).await;
    let edit = op(
        &app,
        &org.rep.token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": draft["id"], "expectedVersion": 2, "amount": "1"}),
    )
    .await;
    let rejected = call(
        &app,
        &org.manager_token,
        "rejectRequest",
        json!({"requestId": first["id"], "comment": "Price too low"}),
    )
    .await;
    let after_reject = contract(&app, &org.rep.token, &draft["id"]).await;
    let approve_rejected = approve(&app, &org.manager_token, &first).await;
    let fixed = op(
        &app,
        &org.rep.token,
        "updateContract",
        "UpdateContractInput",
        json!({"id": draft["id"], "expectedVersion": 3, "amount": "5500"}),
    )
    .await;
    let second = submit(&app, &org.rep.token, &draft).await;
    let approved = approve(&app, &org.manager_token, &second).await;
    let history = app
        .gql(
            Some(&org.rep.token),
            &format!("query($id: ID!) {{ approvalRequest(id: $id) {{ {REQUEST} }} }}"),
            json!({"id": first["id"]}),
        )
        .await;

    assert_eq!(error_code(&edit), Some("INVALID_STATE"));
    let rejected = request_of(&rejected, "rejectRequest");
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["steps"][0]["comment"], "Price too low");
    assert_eq!(after_reject["data"]["contract"]["status"], "REJECTED");
    assert_eq!(
        after_reject["data"]["contract"]["approval"]["id"],
        first["id"]
    );
    assert_eq!(error_code(&approve_rejected), Some("INVALID_STATE"));
    assert_eq!(contract_of_update(&fixed)["amount"], "5500.00");
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["amount"], "5500.00");
    assert_eq!(
        request_of(&approved, "approveRequest")["status"],
        "APPROVED"
    );
    assert_eq!(
        history["data"]["approvalRequest"]["status"], "REJECTED",
        "the first request keeps its outcome"
    );
    let now = contract(&app, &org.rep.token, &draft["id"]).await;
    assert_eq!(now["data"]["contract"]["approval"]["id"], second["id"]);
}

fn contract_of_update(body: &Value) -> Value {
    crate::fixtures::contract_of(body, "updateContract")
}

#[tokio::test]
async fn double_taps_decide_once_and_a_second_key_finds_the_step_decided() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let draft = a_contract(&app, &org.rep, "5000").await;
    let submit_input = json!({"id": draft["id"], "idempotencyKey": "submit-1"});
    let first = call(&app, &org.rep.token, "submitContract", submit_input.clone()).await;
    let again = call(&app, &org.rep.token, "submitContract", submit_input).await;
    let other_key = call(
        &app,
        &org.rep.token,
        "submitContract",
        json!({"id": draft["id"], "idempotencyKey": "submit-2"}),
    )
    .await;
    let request = request_of(&first, "submitContract");
    let tap = json!({"requestId": request["id"], "idempotencyKey": "tap-1"});
    let one = call(&app, &org.manager_token, "approveRequest", tap.clone()).await;
    let two = call(&app, &org.manager_token, "approveRequest", tap).await;
    let three = call(
        &app,
        &org.manager_token,
        "approveRequest",
        json!({"requestId": request["id"], "idempotencyKey": "tap-2"}),
    )
    .await;
    let withdraw_late = call(
        &app,
        &org.rep.token,
        "withdrawRequest",
        json!({"requestId": request["id"]}),
    )
    .await;
    let other = a_contract(&app, &org.rep, "700").await;
    let submit_by_manager = call(
        &app,
        &org.manager_token,
        "submitContract",
        json!({"id": other["id"]}),
    )
    .await;
    let pending = submit(&app, &org.rep.token, &other).await;
    let withdraw_by_manager = call(
        &app,
        &org.manager_token,
        "withdrawRequest",
        json!({"requestId": pending["id"]}),
    )
    .await;
    let withdraw_by_finance = call(
        &app,
        &org.finance.token,
        "withdrawRequest",
        json!({"requestId": pending["id"]}),
    )
    .await;
    let withdrawn = call(
        &app,
        &org.rep.token,
        "withdrawRequest",
        json!({"requestId": pending["id"], "idempotencyKey": "w-1"}),
    )
    .await;
    let back_to_draft = contract(&app, &org.rep.token, &other["id"]).await;

    assert_eq!(request_of(&again, "submitContract")["id"], request["id"]);
    assert_eq!(error_code(&other_key), Some("INVALID_STATE"));
    assert_eq!(
        request_of(&one, "approveRequest"),
        request_of(&two, "approveRequest")
    );
    assert_eq!(error_code(&three), Some("INVALID_STATE"));
    assert_eq!(error_code(&withdraw_late), Some("INVALID_STATE"));
    assert_eq!(
        error_code(&submit_by_manager),
        Some("FORBIDDEN"),
        "only the owner submits"
    );
    assert_eq!(
        error_code(&withdraw_by_manager),
        Some("FORBIDDEN"),
        "only the submitter withdraws"
    );
    assert_eq!(error_code(&withdraw_by_finance), Some("FORBIDDEN"));
    let withdrawn = request_of(&withdrawn, "withdrawRequest");
    assert_eq!(withdrawn["status"], "WITHDRAWN");
    assert_eq!(withdrawn["steps"][0]["status"], "CANCELLED");
    assert_eq!(back_to_draft["data"]["contract"]["status"], "DRAFT");
}

#[tokio::test]
async fn concurrent_decisions_have_exactly_one_winner_every_time() {
    let app = TestApp::spawn_on_file_or_postgres_with(|c| c.approval_race_delay_ms = 40).await;
    let org = org(&app).await;
    let second_finance = app.a_user().role("FINANCE").create().await;
    for round in 0..4 {
        let draft = a_contract(&app, &org.rep, "200000").await;
        let request = submit(&app, &org.rep.token, &draft).await;
        approve(&app, &org.manager_token, &request).await;
        // Both finance users may decide the finance step; the race window is widened.
        let reject = json!({"requestId": request["id"], "comment": "Budget frozen"});
        let (a, b) = if round % 2 == 0 {
            tokio::join!(
                approve(&app, &org.finance.token, &request),
                approve(&app, &second_finance.token, &request),
            )
        } else {
            tokio::join!(
                approve(&app, &org.finance.token, &request),
                call(&app, &second_finance.token, "rejectRequest", reject),
            )
        };
        let winners = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
        let losers: Vec<Option<&str>> = [&a, &b]
            .iter()
            .filter(|r| !r["errors"].is_null())
            .map(|r| error_code(r))
            .collect();
        assert_eq!(winners, 1, "round {round}: {a} {b}");
        assert_eq!(losers, vec![Some("INVALID_STATE")], "round {round}");
        let final_state = app
            .gql(
                Some(&org.rep.token),
                &format!("query($id: ID!) {{ approvalRequest(id: $id) {{ {REQUEST} }} }}"),
                json!({"id": request["id"]}),
            )
            .await;
        let steps = final_state["data"]["approvalRequest"]["steps"]
            .as_array()
            .unwrap();
        let decided = steps.iter().filter(|s| s["decidedBy"].is_object()).count();
        assert_eq!(decided, 2, "manager plus exactly one finance decision");
        let status = final_state["data"]["approvalRequest"]["status"]
            .as_str()
            .unwrap();
        let contract_status =
            contract(&app, &org.rep.token, &draft["id"]).await["data"]["contract"]["status"]
                .clone();
        assert_eq!(
            contract_status,
            if status == "APPROVED" {
                "APPROVED"
            } else {
                "REJECTED"
            }
        );
    }
}

#[tokio::test]
async fn withdraw_and_approve_race_to_one_consistent_outcome() {
    let app = TestApp::spawn_on_file_or_postgres_with(|c| c.approval_race_delay_ms = 40).await;
    let org = org(&app).await;
    for round in 0..4 {
        let draft = a_contract(&app, &org.rep, "500").await;
        let request = submit(&app, &org.rep.token, &draft).await;
        let (withdrawn, approved) = tokio::join!(
            call(
                &app,
                &org.rep.token,
                "withdrawRequest",
                json!({"requestId": request["id"]})
            ),
            approve(&app, &org.manager_token, &request),
        );
        let outcomes = [withdrawn["errors"].is_null(), approved["errors"].is_null()];
        assert_eq!(
            outcomes.iter().filter(|ok| **ok).count(),
            1,
            "round {round}: {withdrawn} {approved}"
        );
        let status =
            contract(&app, &org.rep.token, &draft["id"]).await["data"]["contract"]["status"]
                .clone();
        if outcomes[0] {
            assert_eq!(status, "DRAFT");
            assert_eq!(error_code(&approved), Some("INVALID_STATE"));
        } else {
            assert_eq!(status, "APPROVED");
            assert_eq!(error_code(&withdrawn), Some("INVALID_STATE"));
        }
    }
}

#[tokio::test]
async fn approvers_see_their_queue_oldest_first_with_what_they_decide_on() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let small = a_contract(&app, &org.rep, "100").await;
    let large = a_contract(&app, &org.rep, "300000").await;
    let first = submit(&app, &org.rep.token, &large).await;
    let second = submit(&app, &org.rep.token, &small).await;
    let queue = "{ myPendingApprovals { totalCount nodes { id amount submittedBy { id } subject { ... on Contract { number customer { name } } } } } }";

    let manager_queue = app.gql(Some(&org.manager_token), queue, json!({})).await;
    let finance_before = app.gql(Some(&org.finance.token), queue, json!({})).await;
    let rep_queue = app.gql(Some(&org.rep.token), queue, json!({})).await;
    approve(&app, &org.manager_token, &first).await;
    let finance_after = app.gql(Some(&org.finance.token), queue, json!({})).await;
    let manager_after = app.gql(Some(&org.manager_token), queue, json!({})).await;

    let nodes = &manager_queue["data"]["myPendingApprovals"]["nodes"];
    assert_eq!(nodes.as_array().unwrap().len(), 2, "{manager_queue}");
    assert_eq!(nodes[0]["id"], first["id"], "oldest first");
    assert_eq!(nodes[1]["id"], second["id"]);
    assert_eq!(nodes[0]["amount"], "300000.00");
    assert_eq!(nodes[0]["submittedBy"]["id"], org.rep.id.as_str());
    assert_eq!(nodes[0]["subject"]["customer"]["name"], "Contract Customer");
    assert_eq!(
        finance_before["data"]["myPendingApprovals"]["totalCount"],
        0
    );
    assert_eq!(rep_queue["data"]["myPendingApprovals"]["totalCount"], 0);
    assert_eq!(
        finance_after["data"]["myPendingApprovals"]["nodes"][0]["id"],
        first["id"]
    );
    assert_eq!(manager_after["data"]["myPendingApprovals"]["totalCount"], 1);
}

#[tokio::test]
async fn the_policy_is_edited_by_admins_only_and_applies_to_new_requests() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let update = "mutation($input: UpdateApprovalPolicyInput!) { updateApprovalPolicy(input: $input) { policy { tiers { minAmount steps } } } }";
    let stricter = json!({"input": {"kind": "CONTRACT", "tiers": [
        {"minAmount": "0", "steps": ["SALES_MANAGER", "FINANCE"]},
        {"minAmount": "5000", "steps": ["SALES_MANAGER", "FINANCE", "ADMIN"]},
    ]}});
    let before = a_contract(&app, &org.rep, "6000").await;
    let before_request = submit(&app, &org.rep.token, &before).await;

    let by_manager = app
        .gql(Some(&org.manager_token), update, stricter.clone())
        .await;
    let by_rep = app
        .gql(Some(&org.rep.token), update, stricter.clone())
        .await;
    let by_finance = app
        .gql(Some(&org.finance.token), update, stricter.clone())
        .await;
    let bad = app.admin(update, json!({"input": {"kind": "CONTRACT", "tiers": [{"minAmount": "10", "steps": ["FINANCE"]}]}})).await;
    let by_admin = app.admin(update, stricter).await;
    let after = a_contract(&app, &org.rep, "6000").await;
    let after_request = submit(&app, &org.rep.token, &after).await;

    assert_eq!(error_code(&by_manager), Some("FORBIDDEN"));
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"));
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"));
    assert_eq!(
        (error_code(&bad), error_field(&bad)),
        (Some("BAD_USER_INPUT"), Some("input.tiers"))
    );
    assert_eq!(
        by_admin["data"]["updateApprovalPolicy"]["policy"]["tiers"][1],
        json!({"minAmount": "5000.00", "steps": ["SALES_MANAGER", "FINANCE", "ADMIN"]})
    );
    assert_eq!(
        roles(&before_request),
        vec!["SALES_MANAGER"],
        "submitted requests keep their steps"
    );
    assert_eq!(
        roles(&after_request),
        vec!["SALES_MANAGER", "FINANCE", "ADMIN"]
    );
}

#[tokio::test]
async fn approval_events_reach_the_right_approver_and_the_submitter_and_nobody_else() {
    use crate::websocket::{connected, json_of, next, send};
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_token = app.token_for(&other_manager).await;
    let subscription =
        "subscription { approvalEvents { kind request { id status currentPosition } } }";
    let mut sockets = Vec::new();
    for token in [
        &org.manager_token,
        &org.finance.token,
        &org.rep.token,
        &other_token,
        &org.admin_token,
    ] {
        let mut socket = connected(&app, token).await;
        send(
            &mut socket,
            json!({"id": "a", "type": "subscribe", "payload": {"query": subscription}}),
        )
        .await;
        sockets.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kind = |message| json_of(message)["payload"]["data"]["approvalEvents"]["kind"].clone();

    let draft = a_contract(&app, &org.rep, "150000").await;
    let request = submit(&app, &org.rep.token, &draft).await;
    let to_manager = kind(next(&mut sockets[0]).await);
    // Finance's step is not reached yet: nothing for finance before the manager decides.
    let finance_early = tokio::time::timeout(
        Duration::from_millis(400),
        futures_util::StreamExt::next(&mut sockets[1]),
    )
    .await;
    approve(&app, &org.manager_token, &request).await;
    let to_finance = kind(next(&mut sockets[1]).await);
    let to_rep = kind(next(&mut sockets[2]).await);
    call(
        &app,
        &org.finance.token,
        "rejectRequest",
        json!({"requestId": request["id"], "comment": "Terms unclear"}),
    )
    .await;
    let rejected = kind(next(&mut sockets[2]).await);

    assert_eq!(to_manager, "AWAITING_YOUR_DECISION");
    assert_eq!(to_finance, "AWAITING_YOUR_DECISION");
    assert_eq!(to_rep, "STEP_APPROVED");
    assert_eq!(rejected, "REJECTED");
    assert!(finance_early.is_err(), "unexpected {finance_early:?}");
    // Another team's manager, an admin with no step in this chain, and the deciders hear nothing.
    for i in [3, 4, 0, 1] {
        let nothing = tokio::time::timeout(
            Duration::from_millis(400),
            futures_util::StreamExt::next(&mut sockets[i]),
        )
        .await;
        assert!(nothing.is_err(), "unexpected {nothing:?}");
    }
    let feed = app
        .gql(
            Some(&org.finance.token),
            "{ notifications { nodes { kind subjectId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        feed["data"]["notifications"]["nodes"][0],
        json!({"kind": "APPROVAL_REQUESTED", "subjectId": request["id"]})
    );
}

#[tokio::test]
async fn an_admin_decides_the_manager_step_when_the_team_has_no_active_manager() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let draft = a_contract(&app, &org.rep, "800").await;
    let request = submit(&app, &org.rep.token, &draft).await;
    let queue = "{ myPendingApprovals { totalCount nodes { id } } }";
    let admin_before = app.gql(Some(&org.admin_token), queue, json!({})).await;

    let deactivated = app
        .admin(
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { active } } }",
            json!({"input": {"id": org.manager.id, "active": false, "expectedVersion": 1}}),
        )
        .await;
    let admin_after = app.gql(Some(&org.admin_token), queue, json!({})).await;
    let decided = approve(&app, &org.admin_token, &request).await;

    assert!(deactivated["errors"].is_null(), "{deactivated}");
    assert_eq!(admin_before["data"]["myPendingApprovals"]["totalCount"], 0);
    assert_eq!(
        admin_after["data"]["myPendingApprovals"]["nodes"][0]["id"],
        request["id"]
    );
    assert_eq!(request_of(&decided, "approveRequest")["status"], "APPROVED");
}

#[tokio::test]
async fn a_late_second_tap_on_a_chain_finds_its_step_decided_and_nobody_decides_two_steps() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let two_steps = submit(
        &app,
        &org.rep.token,
        &a_contract(&app, &org.rep, "200000").await,
    )
    .await;
    let tap = |key: &str| json!({"requestId": two_steps["id"], "idempotencyKey": key});
    let manager_first = call(&app, &org.manager_token, "approveRequest", tap("tap-1")).await;
    let manager_again = call(&app, &org.manager_token, "approveRequest", tap("tap-2")).await;
    let manager_rejects_late = call(
        &app,
        &org.manager_token,
        "rejectRequest",
        json!({"requestId": two_steps["id"], "comment": "Too late", "stepPosition": 1}),
    )
    .await;
    let finance_saw_step_one = call(
        &app,
        &org.finance.token,
        "approveRequest",
        json!({"requestId": two_steps["id"], "stepPosition": 1}),
    )
    .await;
    let finance_on_step_two = call(
        &app,
        &org.finance.token,
        "approveRequest",
        json!({"requestId": two_steps["id"], "stepPosition": 2}),
    )
    .await;

    // Without a team manager an admin takes the manager step, and then not the admin step too.
    let deactivated = app
        .admin(
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { active } } }",
            json!({"input": {"id": org.manager.id, "active": false, "expectedVersion": 1}}),
        )
        .await;
    let three_steps = submit(
        &app,
        &org.rep.token,
        &a_contract(&app, &org.rep, "1000000").await,
    )
    .await;
    let other_admin = app.a_user().role("ADMIN").create().await;
    let admin_as_manager = approve(&app, &org.admin_token, &three_steps).await;
    let by_finance = approve(&app, &org.finance.token, &three_steps).await;
    let admin_twice = approve(&app, &org.admin_token, &three_steps).await;
    let by_other_admin = approve(&app, &other_admin.token, &three_steps).await;

    assert_eq!(
        request_of(&manager_first, "approveRequest")["status"],
        "PENDING"
    );
    assert_eq!(
        error_code(&manager_again),
        Some("INVALID_STATE"),
        "{manager_again}"
    );
    assert_eq!(error_code(&manager_rejects_late), Some("INVALID_STATE"));
    assert_eq!(error_code(&finance_saw_step_one), Some("INVALID_STATE"));
    let approved = request_of(&finance_on_step_two, "approveRequest");
    assert_eq!(approved["status"], "APPROVED");
    assert_eq!(statuses(&approved), ["APPROVED", "APPROVED"]);
    assert!(deactivated["errors"].is_null(), "{deactivated}");
    assert_eq!(
        request_of(&admin_as_manager, "approveRequest")["status"],
        "PENDING"
    );
    assert_eq!(
        request_of(&by_finance, "approveRequest")["status"],
        "PENDING"
    );
    assert_eq!(
        error_code(&admin_twice),
        Some("INVALID_STATE"),
        "{admin_twice}"
    );
    let approved = request_of(&by_other_admin, "approveRequest");
    assert_eq!(approved["status"], "APPROVED");
    assert_eq!(statuses(&approved), ["APPROVED", "APPROVED", "APPROVED"]);
}

/// The steps' statuses in order.
fn statuses(request: &Value) -> Vec<String> {
    request["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn only_the_current_steps_approvers_reject_and_only_the_submitter_withdraws() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Matrix", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let peer = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let request = submit(&app, &rep.token, &a_contract(&app, &rep, "5000").await).await;
    let reject = json!({"requestId": request["id"], "comment": "No"});
    let withdraw = json!({"requestId": request["id"]});

    let rejected_by = |token: String| {
        let (app, reject) = (&app, reject.clone());
        async move { call(app, &token, "rejectRequest", reject).await }
    };
    let withdrawn_by = |token: String| {
        let (app, withdraw) = (&app, withdraw.clone());
        async move { call(app, &token, "withdrawRequest", withdraw).await }
    };
    let reject_by_peer = rejected_by(peer.token.clone()).await;
    let approve_by_peer = approve(&app, &peer.token, &request).await;
    let reject_by_outsider = rejected_by(outsider.token.clone()).await;
    let reject_by_finance = rejected_by(finance.token.clone()).await;
    let reject_by_admin = rejected_by(app.admin_token.clone()).await;
    let withdraw_by_peer = withdrawn_by(peer.token.clone()).await;
    let withdraw_by_outsider = withdrawn_by(outsider.token.clone()).await;
    let withdraw_by_admin = withdrawn_by(app.admin_token.clone()).await;
    let withdraw_by_manager = withdrawn_by(manager_token.clone()).await;
    let still = app
        .gql(
            Some(&rep.token),
            &format!("query($id: ID!) {{ approvalRequest(id: $id) {{ {REQUEST} }} }}"),
            json!({"id": request["id"]}),
        )
        .await;
    let reject_by_manager = rejected_by(manager_token).await;

    // A peer of the same team sees the contract's team only through the manager: not at all.
    for body in [&reject_by_peer, &approve_by_peer, &withdraw_by_peer] {
        assert_eq!(error_code(body), Some("NOT_FOUND"), "{body}");
    }
    assert_eq!(error_code(&reject_by_outsider), Some("NOT_FOUND"));
    assert_eq!(error_code(&withdraw_by_outsider), Some("NOT_FOUND"));
    // Those who see it but hold no step of it, or did not submit it, are refused.
    for body in [
        &reject_by_finance,
        &reject_by_admin,
        &withdraw_by_admin,
        &withdraw_by_manager,
    ] {
        assert_eq!(error_code(body), Some("FORBIDDEN"), "{body}");
    }
    assert_eq!(still["data"]["approvalRequest"]["status"], "PENDING");
    assert_eq!(
        still["data"]["approvalRequest"]["version"],
        request["version"]
    );
    let rejected = request_of(&reject_by_manager, "rejectRequest");
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["steps"][0]["comment"], "No");
}
