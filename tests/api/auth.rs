//! Signing in, tokens, sessions and throttling.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::helpers::*;

const ME: &str = "{ me { id email role } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken refreshToken user { role } } }";

async fn status_of(app: &TestApp, token: &str) -> (reqwest::StatusCode, Value) {
    app.post_json(Some(token), &json!({ "query": ME })).await
}

#[tokio::test]
async fn a_user_signs_in_and_reads_their_own_profile() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().role("SALES_REP").create().await;

    let body = app.gql(Some(&rep.token), ME, json!({})).await;

    assert_eq!(body["data"]["me"]["id"], rep.id.as_str());
    assert_eq!(body["data"]["me"]["role"], "SALES_REP");
}

#[tokio::test]
async fn email_matching_ignores_case_and_surrounding_spaces() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().email("Mixed.Case@Test.Local").create().await;

    let body = app.login("  MIXED.case@test.local ", &rep.password).await;

    assert_eq!(
        body["data"]["login"]["user"]["email"],
        "mixed.case@test.local"
    );
}

#[tokio::test]
async fn unknown_email_and_wrong_password_fail_alike() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;

    let wrong_password = app.login(&rep.email, "not-the-password").await;
    let unknown_email = app.login("nobody@test.local", "not-the-password").await;

    assert_eq!(error_code(&wrong_password), Some("UNAUTHENTICATED"));
    assert_eq!(
        wrong_password["errors"][0]["message"],
        unknown_email["errors"][0]["message"]
    );
    assert_eq!(error_code(&unknown_email), Some("UNAUTHENTICATED"));
    assert_eq!(wrong_password["data"], Value::Null);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for _ in 0..5 {
        assert_eq!(
            error_code(&app.login(&rep.email, "wrong-password!").await),
            Some("UNAUTHENTICATED")
        );
    }

    let body = app.login(&rep.email, &rep.password).await;

    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
    assert!(
        body["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_i64()
            .unwrap()
            > 0
    );
    app.clock.advance(chrono::Duration::minutes(16));
    assert!(app.login(&rep.email, &rep.password).await["data"]["login"]["accessToken"].is_string());
}

#[tokio::test]
async fn aliases_cannot_multiply_login_attempts() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let fields: String = (0..8)
        .map(|i| format!("a{i}: login(input: {{email: \"{}\", password: \"guess-number-{i}\"}}) {{ accessToken }}", rep.email))
        .collect::<Vec<_>>()
        .join(" ");

    let body = app
        .gql(None, &format!("mutation {{ {fields} }}"), json!({}))
        .await;

    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["extensions"]["code"].as_str())
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == "UNAUTHENTICATED").count(), 5);
    assert_eq!(codes.iter().filter(|c| **c == "RATE_LIMITED").count(), 3);
}

#[tokio::test]
async fn failures_from_one_client_address_are_throttled_across_accounts() {
    let app = TestApp::spawn_with(|c| c.login_max_failures_per_client = 3).await;
    for i in 0..3 {
        app.login(&format!("someone{i}@test.local"), "whatever-password")
            .await;
    }

    let body = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
}

#[tokio::test]
async fn an_expired_access_token_is_refused_with_401() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    app.clock.advance(chrono::Duration::minutes(16));

    let (status, body) = status_of(&app, &rep.token).await;

    assert_eq!(status, 401);
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

fn forge(token: &str, header: Value, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut claims);
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    )
}

#[tokio::test]
async fn tampered_unsigned_and_foreign_tokens_are_refused_with_401() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let hs256 = json!({"typ": "JWT", "alg": "HS256"});
    let forged = [
        forge(&rep.token, hs256.clone(), |c| {
            c["sub"] = json!(uuid::Uuid::now_v7())
        }),
        format!(
            "{}.",
            forge(&rep.token, json!({"typ": "JWT", "alg": "none"}), |_| {})
                .rsplit_once('.')
                .unwrap()
                .0
        ),
        forge(&rep.token, hs256.clone(), |c| {
            c["aud"] = json!("another-api")
        }),
        forge(&rep.token, hs256, |c| c["typ"] = json!("refresh")),
        "not-a-jwt".to_owned(),
    ];

    for token in forged {
        let (status, body) = status_of(&app, &token).await;
        assert_eq!(status, 401, "{token}");
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    }
    assert_eq!(status_of(&app, &rep.token).await.0, 200);
}

#[tokio::test]
async fn refreshing_rotates_the_token_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;

    let first = app
        .gql(None, REFRESH, json!({"t": rep.refresh_token}))
        .await;
    let rotated = first["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(rotated, rep.refresh_token);
    assert_eq!(
        status_of(
            &app,
            first["data"]["refreshToken"]["accessToken"]
                .as_str()
                .unwrap()
        )
        .await
        .0,
        200
    );

    app.clock.advance(chrono::Duration::minutes(5));
    let reuse = app
        .gql(None, REFRESH, json!({"t": rep.refresh_token}))
        .await;
    assert_eq!(error_code(&reuse), Some("UNAUTHENTICATED"));

    let after_reuse = app.gql(None, REFRESH, json!({"t": rotated})).await;
    assert_eq!(
        error_code(&after_reuse),
        Some("UNAUTHENTICATED"),
        "the whole family is revoked"
    );
}

fn refreshed(body: &Value) -> String {
    body["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap_or_else(|| panic!("a refreshed session: {body}"))
        .to_owned()
}

#[tokio::test]
async fn a_retry_within_the_grace_window_answers_with_the_same_successor() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let lost = refreshed(
        &app.gql(None, REFRESH, json!({"t": rep.refresh_token}))
            .await,
    );

    app.clock.advance(chrono::Duration::seconds(10));
    let retry = app
        .gql(None, REFRESH, json!({"t": rep.refresh_token}))
        .await;

    assert_eq!(refreshed(&retry), lost, "the family does not fork");
    let access = retry["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap();
    assert_eq!(status_of(&app, access).await.0, 200);
    // The successor works once, as any refresh token.
    let next = refreshed(&app.gql(None, REFRESH, json!({"t": lost})).await);
    assert_ne!(next, lost);
}

#[tokio::test]
async fn a_replay_within_the_grace_window_never_keeps_a_session_the_user_lost() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    // The user rotates; someone holding a copy of the old token replays it within the window.
    let users = refreshed(
        &app.gql(None, REFRESH, json!({"t": rep.refresh_token}))
            .await,
    );
    let replayers = refreshed(
        &app.gql(None, REFRESH, json!({"t": rep.refresh_token}))
            .await,
    );
    assert_eq!(
        replayers, users,
        "the replay gets nothing the user does not hold"
    );
    // The user goes on refreshing: the user's session stays good.
    let users_next = refreshed(&app.gql(None, REFRESH, json!({"t": users})).await);

    // The replayer's copy, presented after the window, is a reuse: the family ends for both,
    // never for the user alone.
    app.clock.advance(chrono::Duration::minutes(5));
    let late = app.gql(None, REFRESH, json!({"t": replayers})).await;
    assert_eq!(error_code(&late), Some("UNAUTHENTICATED"));
    assert_eq!(
        error_code(&app.gql(None, REFRESH, json!({"t": users_next})).await),
        Some("UNAUTHENTICATED")
    );

    // Within the window, once the successor was used, the old token is a reuse too.
    let other = app.a_user().create().await;
    let first = refreshed(
        &app.gql(None, REFRESH, json!({"t": other.refresh_token}))
            .await,
    );
    let second = refreshed(&app.gql(None, REFRESH, json!({"t": first})).await);
    let replay = app
        .gql(None, REFRESH, json!({"t": other.refresh_token}))
        .await;
    assert_eq!(error_code(&replay), Some("UNAUTHENTICATED"));
    assert_eq!(
        error_code(&app.gql(None, REFRESH, json!({"t": second})).await),
        Some("UNAUTHENTICATED"),
        "the whole family is revoked"
    );
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_all_get_the_same_successor() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let answers = futures_util::future::join_all(
        (0..8).map(|_| app.gql(None, REFRESH, json!({"t": rep.refresh_token}))),
    )
    .await;
    let successors: std::collections::HashSet<String> = answers.iter().map(refreshed).collect();
    assert_eq!(successors.len(), 1, "{answers:?}");
    let successor = successors.into_iter().next().unwrap();
    assert!(
        app.gql(None, REFRESH, json!({"t": successor})).await["data"]["refreshToken"]
            ["accessToken"]
            .is_string()
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;

    let body = app
        .gql(
            None,
            "mutation($t: String!) { logout(input: {refreshToken: $t}) { success } }",
            json!({"t": rep.refresh_token}),
        )
        .await;

    assert_eq!(body["data"]["logout"]["success"], true);
    assert_eq!(
        error_code(
            &app.gql(None, REFRESH, json!({"t": rep.refresh_token}))
                .await
        ),
        Some("UNAUTHENTICATED")
    );
}

async fn update_user(app: &TestApp, id: &str, version: i64, changes: Value) -> Value {
    let mut input = json!({"id": id, "expectedVersion": version});
    input
        .as_object_mut()
        .unwrap()
        .extend(changes.as_object().unwrap().clone());
    app.admin(
        "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id role active version } } }",
        json!({"input": input}),
    )
    .await
}

#[tokio::test]
async fn a_deactivated_user_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    assert_eq!(status_of(&app, &rep.token).await.0, 200);

    let body = update_user(&app, &rep.id, 1, json!({"active": false})).await;
    assert_eq!(body["data"]["updateUser"]["user"]["active"], false);

    assert_eq!(status_of(&app, &rep.token).await.0, 401);
    assert_eq!(
        error_code(
            &app.gql(None, REFRESH, json!({"t": rep.refresh_token}))
                .await
        ),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(
        error_code(&app.login(&rep.email, &rep.password).await),
        Some("UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn a_role_change_revokes_access_tokens_and_refresh_carries_the_new_role() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;

    update_user(&app, &rep.id, 1, json!({"role": "FINANCE"})).await;

    assert_eq!(status_of(&app, &rep.token).await.0, 401);
    let refreshed = app
        .gql(None, REFRESH, json!({"t": rep.refresh_token}))
        .await;
    assert_eq!(refreshed["data"]["refreshToken"]["user"]["role"], "FINANCE");
    let (status, body) = status_of(
        &app,
        refreshed["data"]["refreshToken"]["accessToken"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["data"]["me"]["role"].as_str()),
        (200, Some("FINANCE"))
    );
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let change =
        "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }";

    let wrong = app
        .gql(Some(&rep.token), change, json!({"input": {"currentPassword": "not-it-at-all", "newPassword": "brand-new-password"}}))
        .await;
    assert_eq!(
        (error_code(&wrong), error_field(&wrong)),
        (Some("BAD_USER_INPUT"), Some("input.currentPassword"))
    );

    let body = app
        .gql(Some(&rep.token), change, json!({"input": {"currentPassword": rep.password, "newPassword": "brand-new-password"}}))
        .await;
    let fresh = body["data"]["changePassword"]["accessToken"]
        .as_str()
        .expect("new session")
        .to_owned();

    assert_eq!(status_of(&app, &rep.token).await.0, 401);
    assert_eq!(status_of(&app, &fresh).await.0, 200);
    assert_eq!(
        error_code(
            &app.gql(None, REFRESH, json!({"t": rep.refresh_token}))
                .await
        ),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(
        error_code(&app.login(&rep.email, &rep.password).await),
        Some("UNAUTHENTICATED")
    );
    assert!(app.login(&rep.email, "brand-new-password").await["data"]["login"].is_object());
}

#[tokio::test]
async fn anonymous_callers_get_unauthenticated_for_protected_fields() {
    let app = TestApp::spawn().await;

    let body = app.gql(None, ME, json!({})).await;

    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

/// Codes of every error in `bodies`, counted by code.
fn tally<'a>(
    bodies: impl IntoIterator<Item = &'a Value>,
) -> std::collections::BTreeMap<String, usize> {
    let mut tally = std::collections::BTreeMap::new();
    for body in bodies {
        for error in body["errors"].as_array().into_iter().flatten() {
            let code = error["extensions"]["code"].as_str().unwrap_or("UNCODED");
            *tally.entry(code.to_owned()).or_default() += 1;
        }
    }
    tally
}

#[tokio::test]
async fn parallel_wrong_passwords_get_exactly_the_allowed_tries() {
    let app =
        TestApp::spawn_on_file_or_postgres_with(|c| c.login_max_failures_per_client = 1_000).await;
    let rep = app.a_user().create().await;
    let guesses: Vec<String> = (0..60).map(|i| format!("guess-{i}")).collect();
    let attempts = guesses.iter().map(|guess| app.login(&rep.email, guess));

    let bodies = futures_util::future::join_all(attempts).await;

    // Racing attempts see each other before any password is checked: never more than the
    // limit are tried (fewer, down to none, when a burst's attempts all see each other
    // before the refused ones are taken back).
    let tally = tally(&bodies);
    let tried = tally.get("UNAUTHENTICATED").copied().unwrap_or(0);
    assert!(tried <= 5, "{tally:?}");
    assert_eq!(tally.get("RATE_LIMITED"), Some(&(60 - tried)), "{tally:?}");
    // The right password gets in only while tries are left.
    let right = app.login(&rep.email, &rep.password).await;
    let expected = if tried == 5 {
        Some("RATE_LIMITED")
    } else {
        None
    };
    assert_eq!(error_code(&right), expected, "{right}");
}

#[tokio::test]
async fn every_login_field_of_a_batch_counts() {
    let app =
        TestApp::spawn_on_file_or_postgres_with(|c| c.login_max_failures_per_client = 1_000).await;
    let rep = app.a_user().create().await;
    let document = |n: usize| {
        let fields: Vec<String> = (0..20)
            .map(|i| format!("a{i}: login(input: {{email: \"{}\", password: \"guess-{n}-{i}\"}}) {{ accessToken }}", rep.email))
            .collect();
        json!({ "query": format!("mutation {{ {} }}", fields.join(" ")) })
    };
    let batch = Value::Array((0..10).map(document).collect());

    let (_, body) = app.post_json(None, &batch).await;

    let answers = body.as_array().unwrap();
    assert_eq!(answers.len(), 10);
    let tally = tally(answers);
    let tried = tally.get("UNAUTHENTICATED").copied().unwrap_or(0);
    assert!(tried <= 5, "{tally:?}");
    assert_eq!(tally.get("RATE_LIMITED"), Some(&(200 - tried)), "{tally:?}");
}

#[tokio::test]
async fn a_successful_login_forgives_the_account_but_not_the_address() {
    let app = TestApp::spawn_with(|c| c.login_max_failures_per_client = 3).await;
    let rep = app.a_user().create().await;
    for _ in 0..2 {
        let failed = app.login(&rep.email, "wrong-password!").await;
        assert_eq!(error_code(&failed), Some("UNAUTHENTICATED"));
    }
    assert!(app.login(&rep.email, &rep.password).await["data"]["login"]["accessToken"].is_string());
    let third = app.login("nobody@test.local", "wrong-password!").await;
    assert_eq!(error_code(&third), Some("UNAUTHENTICATED"));

    // Three failures from this address in the window, one success between them.
    let body = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
}
