//! Users and teams: admin operations, authorization, idempotency, versions, visibility.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email role version team { id name } } } }";
const UPDATE_USER: &str = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id displayName role version } } }";

fn new_user(email: &str) -> Value {
    json!({"email": email, "displayName": "Ann Rep", "role": "SALES_REP", "password": PASSWORD})
}

#[tokio::test]
async fn an_admin_creates_a_team_and_a_member_who_can_see_their_team() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East Coast", Some(&manager.id)).await;

    let mut input = new_user("ann@test.local");
    input["teamId"] = json!(team);
    let body = app.admin(CREATE_USER, json!({"input": input})).await;

    let user = &body["data"]["createUser"]["user"];
    assert_eq!(user["team"]["name"], "East Coast");
    assert_eq!(user["version"], 1);
    let ann = app.login("ann@test.local", PASSWORD).await;
    let token = ann["data"]["login"]["accessToken"].as_str().unwrap();
    let me = app
        .gql(
            Some(token),
            "{ me { team { name manager { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["data"]["me"]["team"]["manager"]["id"],
        manager.id.as_str()
    );
}

#[tokio::test]
async fn non_admins_may_not_run_admin_operations_and_anonymous_callers_must_sign_in() {
    let app = TestApp::spawn().await;
    let team = app.a_team("North", None).await;
    let target = app.a_user().create().await;
    let operations = [
        (CREATE_USER, json!({"input": new_user("x@test.local")})),
        (
            UPDATE_USER,
            json!({"input": {"id": target.id, "expectedVersion": 1, "displayName": "X"}}),
        ),
        (
            "mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }",
            json!({"input": {"name": "South"}}),
        ),
        (
            "mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { team { id } } }",
            json!({"input": {"id": team, "expectedVersion": 1, "name": "Y"}}),
        ),
        ("{ users { totalCount } }", json!({})),
        ("{ teams { totalCount } }", json!({})),
    ];
    let mut callers = Vec::new();
    for role in ["SALES_REP", "SALES_MANAGER", "FINANCE"] {
        callers.push((role, Some(app.a_user().role(role).create().await.token)));
    }
    callers.push(("anonymous", None));

    for (query, variables) in &operations {
        for (role, token) in &callers {
            let body = app.gql(token.as_deref(), query, variables.clone()).await;
            let expected = if token.is_some() {
                "FORBIDDEN"
            } else {
                "UNAUTHENTICATED"
            };
            assert_eq!(
                error_code(&body),
                Some(expected),
                "{role} on {query}: {body}"
            );
        }
    }
    let still = app
        .admin("{ users { totalCount } teams { totalCount } }", json!({}))
        .await;
    assert_eq!(
        still["data"]["teams"]["totalCount"], 1,
        "nothing was created"
    );
    assert_eq!(
        still["data"]["users"]["totalCount"], 5,
        "admin, target and three callers"
    );
}

#[tokio::test]
async fn create_user_replays_with_the_same_key_and_refuses_a_reused_key() {
    let app = TestApp::spawn().await;
    let mut input = new_user("retry@test.local");
    input["idempotencyKey"] = json!("phone-retry-1");

    let first = app.admin(CREATE_USER, json!({"input": input})).await;
    let replay = app.admin(CREATE_USER, json!({"input": input})).await;
    input["displayName"] = json!("Someone Else");
    let reused = app.admin(CREATE_USER, json!({"input": input})).await;

    assert_eq!(
        first["data"]["createUser"]["user"]["id"],
        replay["data"]["createUser"]["user"]["id"]
    );
    assert_eq!(error_code(&reused), Some("IDEMPOTENCY_KEY_REUSED"));
    let count = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq("retry@test.local"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_second_account_with_the_same_email_in_another_case_is_a_duplicate() {
    let app = TestApp::spawn().await;
    app.admin(CREATE_USER, json!({"input": new_user("dup@test.local")}))
        .await;

    let body = app
        .admin(CREATE_USER, json!({"input": new_user("DUP@Test.Local")}))
        .await;

    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("DUPLICATE"), Some("input.email"))
    );
}

#[tokio::test]
async fn invalid_user_input_names_the_offending_field() {
    let app = TestApp::spawn().await;
    let cases = [
        ("email", json!("not-an-email"), "input.email"),
        ("password", json!("short"), "input.password"),
        ("timezone", json!("Mars/Olympus"), "input.timezone"),
        ("displayName", json!("   "), "input.displayName"),
        ("teamId", json!("bm90LWFuLWlk"), "input.teamId"),
    ];
    for (key, value, field) in cases {
        let mut input = new_user("valid@test.local");
        input[key] = value;
        let body = app.admin(CREATE_USER, json!({"input": input})).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{key}"
        );
    }
}

#[tokio::test]
async fn a_stale_expected_version_conflicts_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let first = app
        .admin(
            UPDATE_USER,
            json!({"input": {"id": rep.id, "expectedVersion": 1, "displayName": "First Edit"}}),
        )
        .await;
    assert_eq!(first["data"]["updateUser"]["user"]["version"], 2);

    let stale = app
        .admin(
            UPDATE_USER,
            json!({"input": {"id": rep.id, "expectedVersion": 1, "displayName": "Offline Edit"}}),
        )
        .await;

    assert_eq!(error_code(&stale), Some("CONFLICT"));
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    let now = app
        .admin(
            "query($id: ID!) { node(id: $id) { ... on User { displayName } } }",
            json!({"id": rep.id}),
        )
        .await;
    assert_eq!(now["data"]["node"]["displayName"], "First Edit");
}

#[tokio::test]
async fn every_admin_change_is_audited_in_its_transaction() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    app.admin(
        UPDATE_USER,
        json!({"input": {"id": rep.id, "expectedVersion": 1, "role": "FINANCE"}}),
    )
    .await;
    app.a_team("Audited", None).await;

    let actions: Vec<String> = entity::audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect();

    assert_eq!(actions.iter().filter(|a| *a == "user.created").count(), 1);
    assert!(actions.contains(&"user.updated".to_owned()));
    assert!(actions.contains(&"team.created".to_owned()));
}

#[tokio::test]
async fn an_admin_cannot_deactivate_themself() {
    let app = TestApp::spawn().await;
    let me = app.admin("{ me { id version } }", json!({})).await;

    let body = app
        .admin(UPDATE_USER, json!({"input": {"id": me["data"]["me"]["id"], "expectedVersion": me["data"]["me"]["version"], "active": false}}))
        .await;

    assert_eq!(error_code(&body), Some("INVALID_STATE"));
}

#[tokio::test]
async fn a_team_manager_must_be_an_active_sales_manager_and_names_are_unique() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().role("SALES_REP").create().await;
    let create = "mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }";

    let with_rep = app
        .admin(
            create,
            json!({"input": {"name": "Alpha", "managerId": rep.id}}),
        )
        .await;
    app.a_team("Beta  Team", None).await;
    let clash = app
        .admin(create, json!({"input": {"name": "beta team"}}))
        .await;

    assert_eq!(
        (error_code(&with_rep), error_field(&with_rep)),
        (Some("BAD_USER_INPUT"), Some("input.managerId"))
    );
    assert_eq!(error_code(&clash), Some("DUPLICATE"));
}

#[tokio::test]
async fn users_are_paged_with_cursors_and_filtered() {
    let app = TestApp::spawn().await;
    for _ in 0..4 {
        app.a_user().role("FINANCE").create().await;
    }
    let query = "query($after: String) { users(first: 2, after: $after, filter: {role: FINANCE}) { totalCount pageInfo { hasNextPage endCursor } nodes { id role } } }";

    let first = app.admin(query, json!({})).await;
    let cursor = first["data"]["users"]["pageInfo"]["endCursor"].clone();
    let second = app.admin(query, json!({"after": cursor})).await;

    assert_eq!(first["data"]["users"]["totalCount"], 4);
    assert_eq!(first["data"]["users"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(second["data"]["users"]["pageInfo"]["hasNextPage"], false);
    let ids: Vec<&Value> = first["data"]["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["data"]["users"]["nodes"].as_array().unwrap())
        .map(|n| &n["id"])
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] != w[1]));
    let too_big = app
        .admin("{ users(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        (error_code(&too_big), error_field(&too_big)),
        (Some("BAD_USER_INPUT"), Some("first"))
    );
}

#[tokio::test]
async fn node_resolves_colleagues_with_contact_details_for_their_circle_only() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Managed", Some(&manager.id)).await;
    let member = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    // The manager's token predates the team; sign in again to pick up the new scope.
    let manager_token = app.login(&manager.email, PASSWORD).await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { email } } }";

    let seen = app
        .gql(
            Some(&manager_token),
            query,
            json!({"ids": [member.id, outsider.id, team]}),
        )
        .await;
    let rep_view = app
        .gql(
            Some(&member.token),
            query,
            json!({"ids": [member.id, outsider.id, manager.id]}),
        )
        .await;

    // Colleagues are seen by everyone (name and team); their e-mail only by their own team,
    // their managers, finance and admins.
    assert_eq!(
        seen["data"]["nodes"],
        json!([{"id": member.id, "email": member.email}, {"id": outsider.id, "email": null}, {"id": team}])
    );
    assert_eq!(
        rep_view["data"]["nodes"],
        json!([
            {"id": member.id, "email": member.email},
            {"id": outsider.id, "email": null},
            {"id": manager.id, "email": manager.email}
        ])
    );
}

#[tokio::test]
async fn nested_lists_cost_the_same_statements_whatever_the_page_size() {
    let app = TestApp::spawn().await;
    for i in 0..3 {
        let manager = app.a_user().role("SALES_MANAGER").create().await;
        let team = app.a_team(&format!("Team {i}"), Some(&manager.id)).await;
        app.admin(
            UPDATE_USER,
            json!({"input": {"id": manager.id, "expectedVersion": 1, "teamId": team}}),
        )
        .await;
        for _ in 0..3 {
            app.a_user().in_team(&team).create().await;
        }
    }
    let query = "query($n: Int!) { users(first: $n) { nodes { id team { name manager { email team { name } } } } } }";
    app.admin("{ me { id } }", json!({})).await;

    let (small_cost, small) = app
        .cheapest_cost(Some(&app.admin_token), query, json!({"n": 2}))
        .await;
    let (large_cost, large) = app
        .cheapest_cost(Some(&app.admin_token), query, json!({"n": 13}))
        .await;

    assert_eq!(small["data"]["users"]["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(
        large["data"]["users"]["nodes"].as_array().unwrap().len(),
        13
    );
    assert!(
        large["data"]["users"]["nodes"][12]["team"]["manager"]["team"]["name"].is_string(),
        "{large}"
    );
    assert_eq!(small_cost, large_cost);
    // count + page + one batch per nested level (team, manager, manager's team)
    assert!(large_cost <= 5, "{large_cost} statements");
}

#[tokio::test]
async fn concurrent_writers_wait_for_each_other_instead_of_failing() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let create = "mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }";

    let results = futures_util::future::join_all((0..16).map(|i| {
        app.admin(
            create,
            json!({"input": {"name": format!("Parallel {i}"), "idempotencyKey": format!("k{i}")}}),
        )
    }))
    .await;

    for body in &results {
        assert!(body["errors"].is_null(), "{body}");
    }
    let teams = app.admin("{ teams { totalCount } }", json!({})).await;
    assert_eq!(teams["data"]["teams"]["totalCount"], 16);
}
