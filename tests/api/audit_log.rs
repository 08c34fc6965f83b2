//! The audit log as admins read it (`auditLog`): filters, paging, refusals.

use serde_json::{Value, json};

use crate::helpers::*;

const LOG: &str = "query($filter: AuditLogFilter, $first: Int, $after: String) { auditLog(filter: $filter, first: $first, after: $after) { nodes { id at action subjectType subjectId details actor { id } } pageInfo { hasNextPage endCursor } } }";

async fn log(app: &TestApp, filter: Value) -> Vec<Value> {
    let read = app.admin(LOG, json!({"filter": filter})).await;
    assert!(read["errors"].is_null(), "{read}");
    read["data"]["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn admins_read_who_changed_what_newest_first_by_record_actor_action_and_time() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().name("Rita").create().await;
    let other = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Audited Co").await;
    crate::fixtures::a_customer(&app, &other.token, "Elsewhere Co").await;
    let renamed = app
        .gql(
            Some(&rep.token),
            "mutation($id: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1, name: \"Audited Ltd\"}) { customer { id } } }",
            json!({"id": customer}),
        )
        .await;
    assert!(renamed["errors"].is_null(), "{renamed}");

    let of_customer = log(&app, json!({"subjectId": customer})).await;
    assert_eq!(
        actions(&of_customer),
        ["customer.updated", "customer.created"]
    );
    for entry in &of_customer {
        assert_eq!(entry["subjectType"], "Customer");
        assert_eq!(entry["subjectId"], customer.as_str());
        assert_eq!(entry["actor"]["id"], rep.id.as_str());
    }
    let details: Value = serde_json::from_str(of_customer[0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["name"], "Audited Ltd", "{details}");

    let by_rep = log(&app, json!({"actorId": rep.id})).await;
    assert!(by_rep.iter().all(|e| e["actor"]["id"] == rep.id.as_str()));
    assert!(actions(&by_rep).contains(&"customer.created"));
    let created = log(&app, json!({"action": "customer.created"})).await;
    assert_eq!(created.len(), 2);
    let customers = log(&app, json!({"action": "customer."})).await;
    assert_eq!(customers.len(), 3);
    assert!(log(&app, json!({"action": "customer"})).await.is_empty());
    // `_` is a letter of the action, not a wildcard.
    assert!(
        log(&app, json!({"action": "user_created."}))
            .await
            .is_empty()
    );

    let now = salesgraph::clock::Clock::now(&app.clock);
    let later = (now + chrono::Duration::hours(1)).to_rfc3339();
    let earlier = (now - chrono::Duration::hours(1)).to_rfc3339();
    assert_eq!(
        log(
            &app,
            json!({"subjectId": customer, "from": earlier, "to": later})
        )
        .await
        .len(),
        2
    );
    assert!(
        log(&app, json!({"subjectId": customer, "from": later}))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_log_pages_and_refuses_bad_filters_and_everyone_but_admins() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for name in ["One Co", "Two Co", "Three Co"] {
        crate::fixtures::a_customer(&app, &rep.token, name).await;
    }
    let filter = json!({"action": "customer.created"});
    let first = app.admin(LOG, json!({"filter": filter, "first": 2})).await;
    let page = &first["data"]["auditLog"];
    assert_eq!(page["nodes"].as_array().unwrap().len(), 2, "{first}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let rest = app
        .admin(
            LOG,
            json!({"filter": filter, "first": 2, "after": page["pageInfo"]["endCursor"]}),
        )
        .await;
    let rest = &rest["data"]["auditLog"];
    assert_eq!(rest["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_ne!(rest["nodes"][0]["id"], page["nodes"][0]["id"]);

    for (filter, field) in [
        (json!({"action": "customer.%"}), "filter.action"),
        (json!({"action": ""}), "filter.action"),
        (json!({"action": "x".repeat(101)}), "filter.action"),
        (json!({"subjectId": "garbage"}), "filter.subjectId"),
        (json!({"actorId": missing_id("Customer")}), "filter.actorId"),
        (
            json!({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}),
            "filter.to",
        ),
    ] {
        let refused = app.admin(LOG, json!({"filter": filter})).await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{filter}: {refused}"
        );
    }
    for role in ["SALES_REP", "SALES_MANAGER", "FINANCE", "SUPPORT"] {
        let user = app.a_user().role(role).create().await;
        let refused = app.gql(Some(&user.token), LOG, json!({})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{role}: {refused}");
    }
}

#[tokio::test]
async fn reading_the_log_takes_the_same_statements_for_few_entries_or_many() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let count = async |app: &TestApp| {
        app.quiet().await;
        let _ = app.take_statement_count();
        let entries = log(app, json!({"action": "customer.created"})).await;
        (entries.len(), app.take_statement_count())
    };
    crate::fixtures::a_customer(&app, &rep.token, "Only Co").await;
    let (one, few) = count(&app).await;
    for n in 0..5 {
        let someone = app.a_user().create().await;
        crate::fixtures::a_customer(&app, &someone.token, &format!("Co {n}")).await;
    }
    let (six, many) = count(&app).await;
    assert_eq!((one, six), (1, 6));
    assert_eq!(few, many, "actors load in one statement");
}
