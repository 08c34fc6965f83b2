//! Service accounts and API keys: made by admins, shown once, scoped to root fields, limited
//! per key across instances, revoked, expired and deactivated; web-form lead intake through
//! `createLead` and `POST /intake/leads`.

use serde_json::{Value, json};

use salesgraph::clock::Clock;

use crate::helpers::*;

const CREATE_ACCOUNT: &str = "mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { serviceAccount { id name role scopes active version intakeTeam { id } } } }";
const CREATE_KEY: &str = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name prefix rateLimitPerMinute lastUsedAt expiresAt revokedAt } } }";
const ACCOUNTS: &str =
    "{ serviceAccounts { id name scopes active apiKeys { id prefix lastUsedAt revokedAt } } }";

/// A service account of `role` holding `scopes` (and its intake team); its id.
pub(crate) async fn an_account(
    app: &TestApp,
    role: &str,
    scopes: &[&str],
    team: Option<&str>,
) -> String {
    let made = app
        .admin(
            CREATE_ACCOUNT,
            json!({"input": {"name": "ERP", "role": role, "scopes": scopes, "intakeTeamId": team}}),
        )
        .await;
    assert!(made["errors"].is_null(), "{made}");
    string_at(
        &made,
        &["data", "createServiceAccount", "serviceAccount", "id"],
    )
}

/// A key of `account` with `extra` input fields; the key itself and its id.
async fn a_key(app: &TestApp, token: &str, account: &str, extra: Value) -> (String, String) {
    let mut input = json!({"serviceAccountId": account, "name": "main"});
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    let made = app
        .gql(Some(token), CREATE_KEY, json!({"input": input}))
        .await;
    assert!(made["errors"].is_null(), "{made}");
    (
        string_at(&made, &["data", "createApiKey", "secret"]),
        string_at(&made, &["data", "createApiKey", "apiKey", "id"]),
    )
}

#[tokio::test]
async fn admins_make_accounts_and_keys_shown_once_and_listed_by_prefix_only() {
    let app = TestApp::spawn().await;
    let team = app.a_team("Inbound", None).await;
    let made = app
        .admin(
            CREATE_ACCOUNT,
            json!({"input": {"name": "Website", "role": "SALES_REP", "intakeTeamId": team,
                "scopes": ["customers:read", "leads:create", "customers:read"]}}),
        )
        .await;
    assert!(made["errors"].is_null(), "{made}");
    let account = &made["data"]["createServiceAccount"]["serviceAccount"];
    assert_eq!(account["scopes"], json!(["leads:create", "customers:read"]));
    assert_eq!(account["role"], "SALES_REP");
    assert_eq!(account["intakeTeam"]["id"], team.as_str());
    let id = account["id"].as_str().unwrap();

    let made = app
        .admin(
            CREATE_KEY,
            json!({"input": {"serviceAccountId": id, "name": "form", "rateLimitPerMinute": 30}}),
        )
        .await;
    let secret = made["data"]["createApiKey"]["secret"].as_str().unwrap();
    let key = &made["data"]["createApiKey"]["apiKey"];
    assert!(secret.starts_with("sg_") && secret.len() > 40, "{secret}");
    assert_eq!(key["prefix"].as_str().unwrap(), &secret[..11]);
    assert_eq!(key["rateLimitPerMinute"], 30);
    assert!(key["lastUsedAt"].is_null());

    let listed = app.admin(ACCOUNTS, json!({})).await;
    let text = listed.to_string();
    assert!(!text.contains(secret), "the key is never shown again");
    assert_eq!(
        listed["data"]["serviceAccounts"][0]["apiKeys"][0]["prefix"],
        &secret[..11]
    );
    // Stored hashed: no column holds the key.
    let db = app.state.db.clone();
    let stored = <entity::api_key::Entity as sea_orm::EntityTrait>::find()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].key_hash, secret);
    assert!(!format!("{stored:?}").contains(&secret[11..]));

    // A service account is no colleague: not among users, not assignable, cannot sign in.
    let users = app.admin("{ users { nodes { id } } }", json!({})).await;
    assert!(!users.to_string().contains(id), "{users}");
    let me = app
        .gql(Some(secret), "{ me { id displayName } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["displayName"], "Website", "{me}");
    let used = app.admin(ACCOUNTS, json!({})).await;
    assert!(used["data"]["serviceAccounts"][0]["apiKeys"][0]["lastUsedAt"].is_string());
}

#[tokio::test]
async fn a_key_calls_only_the_root_fields_its_scopes_open() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Scoped Co").await;
    let account = an_account(&app, "ADMIN", &["customers:read"], None).await;
    let (key, _) = a_key(&app, &app.admin_token, &account, json!({})).await;

    let read = app
        .gql(Some(&key), "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(read["data"]["customers"]["totalCount"], 1, "{read}");

    for (document, scope) in [
        (
            "mutation { createCustomer(input: {name: \"X\"}) { customer { id } } }",
            "customers:write",
        ),
        ("{ users { totalCount } }", "users:read"),
        // Through fragments and aliases as well.
        ("{ ... on Query { u: users { totalCount } } }", "users:read"),
        (
            "query { ...F } fragment F on Query { invoices { totalCount } }",
            "billing:read",
        ),
    ] {
        let refused = app.gql(Some(&key), document, json!({})).await;
        assert_eq!(
            error_code(&refused),
            Some("INSUFFICIENT_SCOPE"),
            "{refused}"
        );
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(scope),
            "{refused}"
        );
        assert!(refused["data"].is_null(), "nothing ran: {refused}");
    }
    // A request mixing allowed and refused fields runs nothing.
    let mixed = app
        .gql(
            Some(&key),
            "{ customers { totalCount } webhooks { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&mixed), Some("INSUFFICIENT_SCOPE"), "{mixed}");
    assert!(mixed["data"].is_null());
    // Keys never manage keys, whatever they hold.
    let everything = an_account(
        &app,
        "ADMIN",
        &["users:write", "settings:write", "audit:read"],
        None,
    )
    .await;
    let (strong, _) = a_key(&app, &app.admin_token, &everything, json!({})).await;
    let minted = app
        .gql(
            Some(&strong),
            CREATE_KEY,
            json!({"input": {"serviceAccountId": everything, "name": "more"}}),
        )
        .await;
    assert_eq!(error_code(&minted), Some("INSUFFICIENT_SCOPE"), "{minted}");
    // Batches are checked request by request.
    let batch = app
        .post_json(
            Some(&key),
            &json!([{"query": "{ customers { totalCount } }"}, {"query": "{ teams { id } }"}]),
        )
        .await
        .1;
    assert_eq!(batch[0]["data"]["customers"]["totalCount"], 1, "{batch}");
    assert_eq!(error_code(&batch[1]), Some("INSUFFICIENT_SCOPE"), "{batch}");
    // The role still bounds what is seen: a rep account sees none of another rep's customers.
    let rep_account = an_account(&app, "SALES_REP", &["customers:read"], None).await;
    let (rep_key, _) = a_key(&app, &app.admin_token, &rep_account, json!({})).await;
    let seen = app
        .gql(Some(&rep_key), "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(seen["data"]["customers"]["totalCount"], 0, "{seen}");
}

#[tokio::test]
async fn revoked_expired_unknown_and_deactivated_keys_are_refused() {
    let app = TestApp::spawn().await;
    let account = an_account(&app, "ADMIN", &["customers:read"], None).await;
    let (revoked, revoked_id) = a_key(&app, &app.admin_token, &account, json!({})).await;
    let expiring = (app.clock.now() + chrono::Duration::hours(1)).to_rfc3339();
    let (expires, _) = a_key(
        &app,
        &app.admin_token,
        &account,
        json!({"expiresAt": expiring}),
    )
    .await;
    let (kept, _) = a_key(&app, &app.admin_token, &account, json!({})).await;
    let ask = |key: String| {
        let app = &app;
        async move {
            app.post_json(
                Some(&key),
                &json!({"query": "{ customers { totalCount } }"}),
            )
            .await
        }
    };
    assert_eq!(ask(revoked.clone()).await.0, 200);

    let out = app
        .admin(
            "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { revokedAt } } }",
            json!({"id": revoked_id}),
        )
        .await;
    assert!(
        out["data"]["revokeApiKey"]["apiKey"]["revokedAt"].is_string(),
        "{out}"
    );
    let (status, body) = ask(revoked.clone()).await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (401, Some("UNAUTHENTICATED"))
    );
    let (status, body) = ask(format!("{kept}x")).await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (401, Some("UNAUTHENTICATED"))
    );

    app.clock.advance(chrono::Duration::hours(2));
    let admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let admin = string_at(&admin, &["data", "login", "accessToken"]);
    let (status, _) = ask(expires).await;
    assert_eq!(status.as_u16(), 401);
    assert_eq!(ask(kept.clone()).await.0, 200);

    let stopped = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { updateServiceAccount(input: {id: $id, expectedVersion: 1, active: false}) { serviceAccount { active version } } }",
            json!({"id": account}),
        )
        .await;
    assert_eq!(
        stopped["data"]["updateServiceAccount"]["serviceAccount"]["active"], false,
        "{stopped}"
    );
    let (status, body) = ask(kept).await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (401, Some("UNAUTHENTICATED"))
    );
    // A key is not a session: no subscriptions, no documents.
    let made = app
        .gql(
            Some(&admin),
            CREATE_KEY,
            json!({"input": {"serviceAccountId": account, "name": "x"}}),
        )
        .await;
    assert_eq!(error_code(&made), Some("INVALID_STATE"), "{made}");
}

#[tokio::test]
async fn each_key_has_its_own_limit_counted_across_instances() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let account = an_account(&app, "ADMIN", &["customers:read"], None).await;
    let (limited, _) = a_key(
        &app,
        &app.admin_token,
        &account,
        json!({"rateLimitPerMinute": 3}),
    )
    .await;
    let (other, _) = a_key(
        &app,
        &app.admin_token,
        &account,
        json!({"rateLimitPerMinute": 3}),
    )
    .await;
    let (second, _) = app.second_instance().await;
    let query = json!({"query": "{ customers { totalCount } }"});
    let send = |addr: std::net::SocketAddr, key: String| {
        let client = app.client.clone();
        let query = query.clone();
        async move {
            client
                .post(format!("http://{addr}/graphql"))
                .bearer_auth(key)
                .json(&query)
                .send()
                .await
                .unwrap()
        }
    };
    // Three requests spread over two instances spend the key's minute.
    for addr in [app.addr, second, app.addr] {
        assert_eq!(send(addr, limited.clone()).await.status(), 200);
    }
    for addr in [second, app.addr] {
        let refused = send(addr, limited.clone()).await;
        assert_eq!(refused.status(), 429);
        let retry: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=61).contains(&retry), "{retry}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(error_code(&body), Some("RATE_LIMITED"));
        assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], retry);
    }
    assert_eq!(send(second, other).await.status(), 200);
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(send(app.addr, limited).await.status(), 200);
}

#[tokio::test]
async fn only_admins_signed_in_as_themselves_manage_accounts_and_keys() {
    let app = TestApp::spawn().await;
    let account = an_account(&app, "ADMIN", &["customers:read"], None).await;
    let (_, key_id) = a_key(&app, &app.admin_token, &account, json!({})).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let rep = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    for user in [&manager, &rep, &finance, &support] {
        for (document, input) in [
            (
                CREATE_ACCOUNT,
                json!({"name": "X", "role": "SALES_REP", "scopes": ["leads:create"]}),
            ),
            (
                CREATE_KEY,
                json!({"serviceAccountId": account, "name": "x"}),
            ),
            (
                "mutation($input: UpdateServiceAccountInput!) { updateServiceAccount(input: $input) { serviceAccount { id } } }",
                json!({"id": account, "expectedVersion": 1, "active": false}),
            ),
            (
                "mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id } } }",
                json!({"id": key_id}),
            ),
        ] {
            let refused = app
                .gql(Some(&user.token), document, json!({"input": input}))
                .await;
            assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        }
        let listed = app.gql(Some(&user.token), ACCOUNTS, json!({})).await;
        assert_eq!(error_code(&listed), Some("FORBIDDEN"), "{listed}");
    }
    // Nothing changed: the account is active and its key not revoked.
    let listed = app.admin(ACCOUNTS, json!({})).await;
    assert_eq!(
        listed["data"]["serviceAccounts"][0]["active"], true,
        "{listed}"
    );
    assert!(listed["data"]["serviceAccounts"][0]["apiKeys"][0]["revokedAt"].is_null());
}

#[tokio::test]
async fn bad_accounts_and_keys_are_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"name": "X", "role": "SALES_REP", "scopes": ["leads:create", "leads:delete"]}),
            ("BAD_USER_INPUT", "input.scopes[1]"),
        ),
        (
            json!({"name": "X", "role": "SALES_REP", "scopes": []}),
            ("BAD_USER_INPUT", "input.scopes"),
        ),
        (
            json!({"name": "X", "role": "SALES_REP", "scopes": vec!["leads:create"; 10_000]}),
            ("BAD_USER_INPUT", "input.scopes"),
        ),
        (
            json!({"name": " ", "role": "SALES_REP", "scopes": ["leads:create"]}),
            ("BAD_USER_INPUT", "input.name"),
        ),
        (
            json!({"name": "X", "role": "SALES_REP", "scopes": ["leads:create"],
                "intakeTeamId": missing_id("Team")}),
            ("NOT_FOUND", "input.intakeTeamId"),
        ),
    ];
    for (input, (code, field)) in cases {
        let refused = app.admin(CREATE_ACCOUNT, json!({"input": input})).await;
        assert_eq!(
            code_and_field(&refused),
            (Some(code), Some(field)),
            "{refused}"
        );
    }
    let account = an_account(&app, "SALES_REP", &["leads:create"], None).await;
    let past = (app.clock.now() - chrono::Duration::minutes(1)).to_rfc3339();
    for (extra, field) in [
        (json!({"rateLimitPerMinute": 0}), "input.rateLimitPerMinute"),
        (
            json!({"rateLimitPerMinute": 100_001}),
            "input.rateLimitPerMinute",
        ),
        (json!({"expiresAt": past}), "input.expiresAt"),
        (json!({"name": ""}), "input.name"),
    ] {
        let mut input = json!({"serviceAccountId": account, "name": "k"});
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let refused = app.admin(CREATE_KEY, json!({"input": input})).await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{refused}"
        );
    }
    let missing = app
        .admin(
            CREATE_KEY,
            json!({"input": {"serviceAccountId": missing_id("ServiceAccount"), "name": "k"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&missing),
        (Some("NOT_FOUND"), Some("input.serviceAccountId"))
    );
}

const CREATE_LEAD: &str = "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id source inPool owner { id } } } }";

#[tokio::test]
async fn an_intake_key_creates_leads_in_its_teams_rotation_or_the_pool() {
    let app = TestApp::spawn().await;
    let team = app.a_team("Inbound", None).await;
    let reps = [
        app.a_user().in_team(&team).create().await,
        app.a_user().in_team(&team).create().await,
    ];
    let account = an_account(&app, "SALES_REP", &["leads:create"], Some(&team)).await;
    let (key, _) = a_key(&app, &app.admin_token, &account, json!({})).await;
    let mut owners = Vec::new();
    for i in 0..4 {
        let made = app
            .gql(
                Some(&key),
                CREATE_LEAD,
                // Whatever it asks, the account's team decides.
                json!({"input": {"name": format!("Visitor {i}"), "source": "WEB_FORM",
                    "phone": format!("1390000000{i}"), "assign": "POOL"}}),
            )
            .await;
        assert!(made["errors"].is_null(), "{made}");
        owners.push(string_at(
            &made,
            &["data", "createLead", "lead", "owner", "id"],
        ));
    }
    for rep in &reps {
        assert_eq!(
            owners.iter().filter(|o| **o == rep.id).count(),
            2,
            "{owners:?}"
        );
    }
    let again = app
        .gql(
            Some(&key),
            CREATE_LEAD,
            json!({"input": {"name": "Again", "source": "WEB_FORM", "phone": "13900000001"}}),
        )
        .await;
    assert_eq!(error_code(&again), Some("DUPLICATE"), "{again}");
    // Reading leads is another scope.
    let read = app
        .gql(Some(&key), "{ leads { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&read), Some("INSUFFICIENT_SCOPE"));

    let pool_account = an_account(&app, "SALES_REP", &["leads:create"], None).await;
    let (pool_key, _) = a_key(&app, &app.admin_token, &pool_account, json!({})).await;
    let pooled = app
        .gql(
            Some(&pool_key),
            CREATE_LEAD,
            json!({"input": {"name": "Pooled", "source": "WEB_FORM", "email": "p@example.com"}}),
        )
        .await;
    assert_eq!(
        pooled["data"]["createLead"]["lead"]["inPool"], true,
        "{pooled}"
    );
    assert!(pooled["data"]["createLead"]["lead"]["owner"].is_null());
}

/// Posts a web form; the status and body.
async fn post_form(
    app: &TestApp,
    fields: &[(&str, &str)],
    bearer: Option<&str>,
    forwarded_for: &str,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/intake/leads"))
        .header("x-forwarded-for", forwarded_for)
        .form(fields);
    if let Some(key) = bearer {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_website_form_posts_leads_with_a_honeypot_and_per_address_limits() {
    let app = TestApp::spawn_with(|c| {
        c.trust_proxy = true;
        c.api_keys.intake_per_address = 3;
    })
    .await;
    let account = an_account(&app, "SALES_REP", &["leads:create"], None).await;
    let (key, _) = a_key(&app, &app.admin_token, &account, json!({})).await;
    let leads = || async {
        let read = app
            .admin(
                "{ leads(filter: {source: WEB_FORM}) { nodes { name company source notes } } }",
                json!({}),
            )
            .await;
        read["data"]["leads"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };

    let (status, body) = post_form(
        &app,
        &[
            ("key", &key),
            ("name", "李雷"),
            ("company", "Hanmei Trading"),
            ("email", "lilei@example.com"),
            ("message", "Call me after 3pm"),
            ("website", ""),
        ],
        None,
        "203.0.113.1",
    )
    .await;
    assert_eq!(
        (status, &body["status"]),
        (201, &json!("received")),
        "{body}"
    );
    let (status, _) = post_form(
        &app,
        &[("name", "Han Meimei"), ("phone", "13911112222")],
        Some(&key),
        "203.0.113.1",
    )
    .await;
    assert_eq!(status, 201);
    // A bot fills the honeypot: answered alike, nothing written.
    let (status, body) = post_form(
        &app,
        &[
            ("key", &key),
            ("name", "Bot"),
            ("website", "http://spam.example"),
        ],
        None,
        "203.0.113.9",
    )
    .await;
    assert_eq!((status, &body["status"]), (201, &json!("received")));
    let made = leads().await;
    assert_eq!(made.len(), 2, "{made:?}");
    let first = made
        .iter()
        .find(|l| l["company"] == "Hanmei Trading")
        .unwrap();
    assert_eq!(first["source"], "WEB_FORM");
    assert_eq!(first["notes"], "Call me after 3pm");

    for (i, (fields, code, field)) in [
        (
            vec![("name", "<script>alert(1)</script>")],
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            vec![("name", "X"), ("company", "<img src=x onerror=alert(1)>")],
            "BAD_USER_INPUT",
            Some("company"),
        ),
        (vec![("company", "No name")], "BAD_USER_INPUT", Some("name")),
        (
            vec![("name", "Dup"), ("email", "LILEI@example.com")],
            "DUPLICATE",
            None,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut fields = fields;
        fields.push(("key", &key));
        let (status, body) = post_form(&app, &fields, None, &format!("198.51.100.{i}")).await;
        assert!(status == 400 || status == 409, "{status} {body}");
        assert_eq!(error_code(&body), Some(code), "{body}");
        if let Some(field) = field {
            assert_eq!(error_field(&body), Some(field), "{body}");
        }
        assert!(body["errors"][0]["extensions"]["existingId"].is_null());
    }
    assert_eq!(leads().await.len(), 2);

    // The address's third form passes, its fourth is refused; another address's is not.
    let (status, _) = post_form(
        &app,
        &[("key", &key), ("name", "Third")],
        None,
        "203.0.113.1",
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = post_form(
        &app,
        &[("key", &key), ("name", "Fourth")],
        None,
        "203.0.113.1",
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (429, Some("RATE_LIMITED")),
        "{body}"
    );
    assert!(
        body["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let (status, _) = post_form(
        &app,
        &[("key", &key), ("name", "Elsewhere")],
        None,
        "203.0.113.2",
    )
    .await;
    assert_eq!(status, 201);

    // Without a key, with a wrong one, or with one that may not create leads.
    let (status, body) = post_form(&app, &[("name", "Anon")], None, "192.0.2.1").await;
    assert_eq!((status, error_code(&body)), (401, Some("UNAUTHENTICATED")));
    let (status, _) = post_form(
        &app,
        &[("key", "sg_forged"), ("name", "Anon")],
        None,
        "192.0.2.1",
    )
    .await;
    assert_eq!(status, 401);
    let reader = an_account(&app, "SALES_REP", &["customers:read"], None).await;
    let (reader_key, _) = a_key(&app, &app.admin_token, &reader, json!({})).await;
    let (status, body) = post_form(
        &app,
        &[("key", &reader_key), ("name", "R")],
        None,
        "192.0.2.2",
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (403, Some("INSUFFICIENT_SCOPE"))
    );
    // A person's access token is no form key.
    let rep = app.a_user().create().await;
    let (status, body) = post_form(&app, &[("name", "P")], Some(&rep.token), "192.0.2.3").await;
    assert_eq!(
        (status, error_code(&body)),
        (403, Some("INSUFFICIENT_SCOPE")),
        "{body}"
    );

    // Too large, or not a form.
    let big = "x".repeat(20 * 1024);
    let (status, _) = post_form(
        &app,
        &[("key", &key), ("name", "Big"), ("message", &big)],
        None,
        "192.0.2.4",
    )
    .await;
    assert_eq!(status, 413);
    let json_post = app
        .client
        .post(app.url("/intake/leads"))
        .bearer_auth(&key)
        .json(&json!({"name": "J"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_post.status().as_u16(), 400);
    assert_eq!(leads().await.len(), 4);

    // Housekeeping forgets form counts older than the window; until then they stay.
    let rows = || async {
        <entity::intake_submission::Entity as sea_orm::EntityTrait>::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len()
    };
    let counted = rows().await;
    assert!(counted >= 5, "{counted}");
    let now = salesgraph::clock::Clock::now(&app.clock);
    salesgraph::jobs::housekeeping(&app.state, now)
        .await
        .unwrap();
    assert_eq!(rows().await, counted);
    app.clock.advance(chrono::Duration::seconds(601));
    let later = salesgraph::clock::Clock::now(&app.clock);
    salesgraph::jobs::housekeeping(&app.state, later)
        .await
        .unwrap();
    assert_eq!(rows().await, 0);
}
