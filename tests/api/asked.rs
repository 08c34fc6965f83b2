//! A request pays only for what it asks: a list counts its rows only when the client selects
//! `totalCount` (and then counts them exactly), tells whether more pages exist without a count,
//! and no statement of a read or of a sales write selects a credential column.

use serde_json::{Value, json};

use crate::existence::{World, world};
use crate::helpers::*;

/// A connection's selection, with or without its count.
fn selection(counted: bool) -> String {
    let count = if counted { "totalCount " } else { "" };
    format!(
        "{{ {count}edges {{ cursor node {{ __typename }} }} pageInfo {{ hasNextPage hasPreviousPage }} }}"
    )
}

/// Every list of the schema, as someone who sees rows in it asks: who asks, the document (the
/// list's selection in place of `{list}`, its page size in place of `{first}`), and where the
/// connection sits in the answer.
fn lists(w: &World, app: &TestApp) -> Vec<(String, String, Vec<String>)> {
    let rep = w.a.rep.token.clone();
    let manager = w.a.manager_token.clone();
    let finance = w.a.finance.token.clone();
    let admin = app.admin_token.clone();
    let root = |token: &str, field: &str, args: &str| {
        let args = if args.is_empty() {
            String::new()
        } else {
            format!(", {args}")
        };
        (
            token.to_owned(),
            format!("{{ {field}(first: {{first}}{args}) {{list}} }}"),
            vec![field.to_owned()],
        )
    };
    let child = |token: &str, parent: &str, id: &str, field: &str| {
        (
            token.to_owned(),
            format!("{{ {parent}(id: \"{id}\") {{ {field}(first: {{first}}) {{list}} }} }}"),
            vec![parent.to_owned(), field.to_owned()],
        )
    };
    let mut lists = vec![
        root(&admin, "users", ""),
        root(&admin, "teams", ""),
        root(&rep, "customers", ""),
        root(&rep, "leads", ""),
        root(&rep, "leadPool", ""),
        root(&rep, "notifications", ""),
        root(&manager, "opportunities", ""),
        root(&manager, "staleOpportunities", ""),
        root(&rep, "visitTasks", ""),
        root(&finance, "contracts", ""),
        root(&manager, "myPendingApprovals", ""),
        root(&finance, "invoices", ""),
        root(&finance, "payments", ""),
        root(&finance, "receivables", ""),
        child(&rep, "lead", &w.lead_a, "followUps"),
        child(&rep, "lead", &w.lead_a, "events"),
        child(&rep, "opportunity", &w.deal_a, "visits"),
        child(&rep, "opportunity", &w.deal_a, "contracts"),
        child(&rep, "opportunity", &w.deal_a, "stageHistory"),
        child(&finance, "contract", &w.contract_a, "invoices"),
        child(&finance, "contract", &w.contract_a, "payments"),
    ];
    // A customer's lists, read in its own view and under a page of customers (the loaders).
    for field in [
        "contacts",
        "opportunities",
        "visits",
        "invoices",
        "contracts",
        "followUps",
    ] {
        lists.push(child(&rep, "customer", &w.customer_a, field));
        lists.push((
            rep.clone(),
            format!(
                "{{ customers(first: 1) {{ nodes {{ {field}(first: {{first}}) {{list}} }} }} }}"
            ),
            vec!["customers".into(), "nodes".into(), "0".into(), field.into()],
        ));
    }
    lists
}

fn at<'a>(body: &'a Value, path: &[String]) -> &'a Value {
    path.iter()
        .fold(&body["data"], |value, key| match key.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[key.as_str()],
        })
}

async fn add_contacts(app: &TestApp, token: &str, customer: &str, names: &[&str]) {
    for name in names {
        let added = app
            .gql(
                Some(token),
                "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
                json!({"input": {"customerId": customer, "name": name}}),
            )
            .await;
        assert!(added["errors"].is_null(), "{added}");
    }
}

async fn ask(app: &TestApp, token: &str, document: &str, first: u32, counted: bool) -> Value {
    let query = document
        .replace("{first}", &first.to_string())
        .replace("{list}", &selection(counted));
    let body = app.gql(Some(token), &query, json!({})).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body
}

/// Some rows in the lists whose world has none yet (follow-ups under the customer and the lead).
async fn more_rows(app: &TestApp, w: &World) {
    for subject in [&w.customer_a, &w.lead_a, &w.customer_a] {
        let body = app
            .gql(
                Some(&w.a.rep.token),
                "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
                json!({"input": {"subjectId": subject, "kind": "CALL", "content": "Called"}}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
}

#[tokio::test]
async fn a_list_counts_its_rows_only_when_total_count_is_selected() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    more_rows(&app, &w).await;
    let mut counted_lists = 0;
    for (token, document, path) in lists(&w, &app) {
        app.quiet().await;
        app.record_sql();
        let uncounted = ask(&app, &token, &document, 100, false).await;
        let sql = app.recorded_sql();
        let counting: Vec<&String> = sql
            .iter()
            .filter(|s| s.to_uppercase().contains("COUNT("))
            .collect();
        assert!(
            counting.is_empty(),
            "{document} counted without totalCount: {counting:?}"
        );
        let counted = ask(&app, &token, &document, 100, true).await;
        let edges = at(&counted, &path)["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{document}: {counted}"))
            .len();
        // Every row fits on a page of 100: the count is the page's length, and the page is the
        // one read without a count.
        assert_eq!(at(&counted, &path)["totalCount"], edges, "{document}");
        assert_eq!(
            at(&counted, &path)["edges"],
            at(&uncounted, &path)["edges"],
            "{document}"
        );
        assert_eq!(
            at(&uncounted, &path)["pageInfo"]["hasNextPage"],
            false,
            "{document}"
        );
        if edges > 1 {
            counted_lists += 1;
            // A smaller page knows there is more without counting.
            let one = ask(&app, &token, &document, 1, false).await;
            assert_eq!(
                at(&one, &path)["pageInfo"]["hasNextPage"],
                true,
                "{document}"
            );
            assert_eq!(at(&one, &path)["edges"].as_array().map(Vec::len), Some(1));
        }
    }
    assert!(
        counted_lists >= 5,
        "too few lists with rows to page: {counted_lists}"
    );
}

#[tokio::test]
async fn a_count_under_aliases_and_fragments_is_seen_and_exact() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for name in ["One Co", "Two Co", "Three Co"] {
        crate::fixtures::a_customer(&app, &rep.token, name).await;
    }
    let body = app
        .gql(
            Some(&rep.token),
            "query { page: customers(first: 1) { edges { cursor } } \
             counted: customers(first: 1) { ...Counted } \
             inline: customers(first: 2) { ... on CustomerConnection { n: totalCount } } } \
             fragment Counted on CustomerConnection { totalCount pageInfo { hasNextPage } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["counted"]["totalCount"], 3, "{body}");
    assert_eq!(body["data"]["counted"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(body["data"]["inline"]["n"], 3, "{body}");
    assert!(body["data"]["page"].get("totalCount").is_none());
    // The same list selected twice under one name: the count asked by either is answered.
    let merged = app
        .gql(
            Some(&rep.token),
            "{ customers(first: 1) { edges { cursor } } customers(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(merged["errors"].is_null(), "{merged}");
    assert_eq!(merged["data"]["customers"]["totalCount"], 3, "{merged}");
    // A customer's contacts asked twice in its view, counted by one selection only.
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Four Co").await;
    add_contacts(&app, &rep.token, &customer, &["A", "B"]).await;
    let view = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { customer(id: $id) { a: contacts(first: 1) { nodes { name } } \
             b: contacts(first: 2) { totalCount } } }",
            json!({"id": customer}),
        )
        .await;
    assert!(view["errors"].is_null(), "{view}");
    assert_eq!(view["data"]["customer"]["b"]["totalCount"], 2, "{view}");
    assert_eq!(view["data"]["customer"]["a"]["nodes"][0]["name"], "A");
}

/// Reads of users and of what links to them, and writes of the sales side: none is the code
/// that checks a credential.
fn user_facing(w: &World, app: &TestApp) -> Vec<(String, String, Value)> {
    let rep = w.a.rep.token.clone();
    let manager = w.a.manager_token.clone();
    vec![
        (rep.clone(), "{ me { id email displayName role team { name } } }".into(), json!({})),
        (
            app.admin_token.clone(),
            "{ users(first: 50) { nodes { id displayName email team { name manager { displayName } } } } }"
                .into(),
            json!({}),
        ),
        (
            manager.clone(),
            "{ opportunities(first: 20) { totalCount nodes { name owner { displayName } customer { owner { displayName } } } } }"
                .into(),
            json!({}),
        ),
        (
            rep.clone(),
            "query($id: ID!) { customer(id: $id) { owner { displayName email } opportunities { nodes { owner { displayName } } } } }"
                .into(),
            json!({"id": w.customer_a}),
        ),
        (
            rep.clone(),
            "query($id: ID!) { lead(id: $id) { owner { displayName } events { nodes { actor { displayName } } } } }"
                .into(),
            json!({"id": w.lead_a}),
        ),
        (
            manager.clone(),
            "{ myPendingApprovals { nodes { submittedBy { displayName } steps { decidedBy { displayName } } } } }"
                .into(),
            json!({}),
        ),
        (
            rep.clone(),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { owner { displayName } } } }"
                .into(),
            json!({"input": {"name": "Asked Lead", "source": "REFERRAL"}}),
        ),
        (
            rep.clone(),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { author { displayName } } } }"
                .into(),
            json!({"input": {"subjectId": w.customer_a, "kind": "CALL", "content": "Asked"}}),
        ),
    ]
}

#[tokio::test]
async fn no_read_or_sales_write_selects_a_credential_column() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    more_rows(&app, &w).await;
    app.quiet().await;
    app.record_sql();
    for (token, query, variables) in user_facing(&w, &app) {
        let body = app.gql(Some(&token), &query, variables).await;
        assert!(body["errors"].is_null(), "{query}: {body}");
    }
    for (token, document, _) in lists(&w, &app) {
        ask(&app, &token, &document, 20, true).await;
    }
    let admin_change = app
        .admin(
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { displayName } } }",
            json!({"input": {"id": w.rb.id, "displayName": "Renamed Rep", "expectedVersion": 1}}),
        )
        .await;
    assert!(admin_change["errors"].is_null(), "{admin_change}");
    let sql = app.recorded_sql();
    assert!(sql.len() > 40, "too few statements recorded: {}", sql.len());
    let reading_users = sql.iter().filter(|s| s.contains("\"users\"")).count();
    assert!(reading_users > 5, "the set reads users: {reading_users}");
    for credential in [
        "password_hash",
        "token_hash",
        "user_credentials",
        "refresh_tokens",
    ] {
        let offending: Vec<&String> = sql.iter().filter(|s| s.contains(credential)).collect();
        assert!(offending.is_empty(), "{credential} read by {offending:?}");
    }
}

#[tokio::test]
async fn signing_in_and_changing_a_password_read_the_credential_apart_from_the_user() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    app.quiet().await;
    app.record_sql();
    let changed = app
        .gql(
            Some(&rep.token),
            "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }",
            json!({"input": {"currentPassword": rep.password, "newPassword": "A much newer secret 42"}}),
        )
        .await;
    assert!(changed["errors"].is_null(), "{changed}");
    let sql = app.recorded_sql();
    assert!(
        sql.iter().any(|s| s.contains("user_credentials")),
        "{sql:?}"
    );
    assert!(
        !sql.iter()
            .any(|s| s.contains("\"users\"") && s.contains("password_hash")),
        "{sql:?}"
    );
    let old = app.login(&rep.email, &rep.password).await;
    assert_eq!(error_code(&old), Some("UNAUTHENTICATED"), "{old}");
    let new = app.login(&rep.email, "A much newer secret 42").await;
    assert!(new["data"]["login"]["accessToken"].is_string(), "{new}");
}

#[tokio::test]
async fn passwords_set_before_the_credentials_moved_still_sign_in_and_move_back() {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let db = &app.state.db;
    let migrations = migration::Migrator::migrations();
    let position = migrations
        .iter()
        .position(|m| m.name() == "m20261205_000015_user_credentials")
        .expect("the credentials' migration");
    let steps = u32::try_from(migrations.len() - position).unwrap();
    migration::Migrator::down(db, Some(steps)).await.unwrap();
    // Back on the users table, the hashes are the ones signing in checked.
    let restored = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT email, password_hash FROM users",
        ))
        .await
        .unwrap();
    assert!(restored.len() >= 2);
    for row in &restored {
        let hash: String = row.try_get_by_index(1).unwrap();
        assert!(hash.starts_with("$argon2"), "{hash}");
    }
    migration::Migrator::up(db, None).await.unwrap();
    let login = app.login(&rep.email, &rep.password).await;
    assert!(login["data"]["login"]["accessToken"].is_string(), "{login}");
    let wrong = app.login(&rep.email, "not the password at all").await;
    assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"), "{wrong}");
}

#[tokio::test]
async fn pages_read_without_a_count_are_the_pages_read_with_one_both_ways() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Paged Co").await;
    add_contacts(&app, &rep.token, &customer, &["A", "B", "C", "D", "E"]).await;
    // The customer's own view and a page of customers read child lists differently; both
    // are paged with cursors in each direction, with and without the count.
    let documents = [
        (
            "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { \
             customer(id: $id) { contacts(first: $first, after: $after, last: $last, before: $before) {list} } }",
            vec!["customer", "contacts"],
        ),
        (
            "query($first: Int, $after: String, $last: Int, $before: String) { \
             customers(first: 1) { nodes { contacts(first: $first, after: $after, last: $last, before: $before) {list} } } }",
            vec!["customers", "nodes", "0", "contacts"],
        ),
    ];
    for (document, path) in documents {
        let path: Vec<String> = path.into_iter().map(str::to_owned).collect();
        let page = |variables: Value, counted: bool| {
            let query = document.replace(
                "{list}",
                &format!(
                    "{{ {}nodes {{ name }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }}",
                    if counted { "totalCount " } else { "" }
                ),
            );
            let app = &app;
            let token = rep.token.clone();
            let mut variables = variables;
            variables["id"] = json!(customer);
            let path = path.clone();
            async move {
                let body = app.gql(Some(&token), &query, variables).await;
                assert!(body["errors"].is_null(), "{body}");
                let mut list = at(&body, &path).clone();
                if let Some(list) = list.as_object_mut() {
                    list.remove("totalCount");
                }
                list
            }
        };
        let first = page(json!({"first": 2}), false).await;
        let after = first["pageInfo"]["endCursor"].clone();
        let tail = page(json!({"last": 2}), false).await;
        let before = tail["pageInfo"]["startCursor"].clone();
        for variables in [
            json!({"first": 2}),
            json!({"first": 2, "after": after}),
            json!({"last": 2}),
            json!({"last": 2, "before": before}),
            json!({"first": 2, "after": after, "before": before}),
            json!({"last": 1, "after": after, "before": before}),
        ] {
            let uncounted = page(variables.clone(), false).await;
            let counted = page(variables.clone(), true).await;
            assert_eq!(uncounted, counted, "{document} {variables}");
        }
        let second = page(json!({"first": 2, "after": after}), false).await;
        let names: Vec<&str> = second["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["name"].as_str())
            .collect();
        assert_eq!(names, ["C", "D"], "{document}");
        assert_eq!(second["pageInfo"]["hasNextPage"], true);
        assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
    }
}
