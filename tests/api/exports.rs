//! Exports: a rep's file holds what the rep sees, formula cells are neutralised, XLSX reads
//! back, links are the asker's alone, every export is audited; the command line's export.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};

use crate::helpers::*;

const START: &str = "mutation($input: StartExportInput!) { startExport(input: $input) { export { id type format downloadUrl createdAt } } }";

async fn start(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), START, json!({"input": input})).await
}

async fn link(app: &TestApp, token: &str, input: Value) -> String {
    let started = start(app, token, input).await;
    assert!(started["errors"].is_null(), "{started}");
    string_at(&started, &["data", "startExport", "export", "downloadUrl"])
}

async fn fetch(app: &TestApp, path: &str) -> (u16, Vec<u8>) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_reps_export_holds_what_the_rep_sees_with_formulas_neutralised() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "=cmd|' /C calc'!A0").await;
    crate::fixtures::a_customer(&app, &rep.token, "张三贸易").await;
    crate::fixtures::a_customer(&app, &other.token, "Someone Else Co").await;

    let url = link(&app, &rep.token, json!({"type": "CUSTOMERS"})).await;
    assert!(
        url.starts_with("/exports/") && url.contains(".csv?"),
        "{url}"
    );
    let (status, bytes) = fetch(&app, &url).await;
    assert_eq!(status, 200);
    let rows = csv_rows(&bytes);
    let names: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names.len(), 2, "{rows:?}");
    assert!(names.contains(&"'=cmd|' /C calc'!A0"), "{names:?}");
    assert!(names.contains(&"张三贸易"));
    assert!(rows.iter().all(|r| r[6] == rep.email), "{rows:?}");

    // The admin's holds everyone's.
    let url = link(&app, &app.admin_token, json!({"type": "CUSTOMERS"})).await;
    assert_eq!(csv_rows(&fetch(&app, &url).await.1).len(), 3);
    // Filtered by owner and change time.
    let url = link(
        &app,
        &app.admin_token,
        json!({"type": "CUSTOMERS", "filter": {"ownerId": other.id}}),
    )
    .await;
    let rows = csv_rows(&fetch(&app, &url).await.1);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][1], "Someone Else Co");

    // Audited: asked for, and read with its row count.
    let log = app
        .admin(
            "{ auditLog(filter: {action: \"export.\"}) { nodes { action actor { id } details } } }",
            json!({}),
        )
        .await;
    let entries = log["data"]["auditLog"]["nodes"].as_array().unwrap();
    let by_rep: Vec<&Value> = entries
        .iter()
        .filter(|e| e["actor"]["id"] == rep.id.as_str())
        .collect();
    assert_eq!(by_rep.len(), 2, "{log}");
    assert!(by_rep.iter().any(|e| e["action"] == "export.downloaded"
        && e["details"].as_str().unwrap().contains("\"rows\":2")));
}

#[tokio::test]
async fn xlsx_exports_read_back_as_text_cells() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "@SUM(1+1)").await;
    let url = link(
        &app,
        &rep.token,
        json!({"type": "CUSTOMERS", "format": "XLSX"}),
    )
    .await;
    assert!(url.contains(".xlsx?"), "{url}");
    let response = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook");
    let sheet = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows[0][1], Data::String("name".into()));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][1], Data::String("'@SUM(1+1)".into()));
    let formulas = workbook.worksheet_formula(&sheet).unwrap();
    assert!(formulas.used_cells().next().is_none(), "no formula cells");
}

#[tokio::test]
async fn every_kind_follows_the_lists_visibility_and_masking() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Contacted Co").await;
    let added = app
        .gql(
            Some(&rep.token),
            "mutation($c: ID!) { addContact(input: {customerId: $c, name: \"Li Lei\", phone: \"13800001111\"}) { contact { id } } }",
            json!({"c": customer}),
        )
        .await;
    assert!(added["errors"].is_null(), "{added}");
    // A pool lead: its phone stays hidden from a rep, shown to admins.
    let pooled = app
        .admin(
            "mutation { createLead(input: {name: \"Pooled\", source: EVENT, phone: \"13900002222\", assign: POOL}) { lead { id } } }",
            json!({}),
        )
        .await;
    assert!(pooled["errors"].is_null(), "{pooled}");

    let contacts = csv_rows(
        &fetch(
            &app,
            &link(&app, &support.token, json!({"type": "CONTACTS"})).await,
        )
        .await
        .1,
    );
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0][2], "Contacted Co");
    let leads = csv_rows(
        &fetch(
            &app,
            &link(&app, &rep.token, json!({"type": "LEADS"})).await,
        )
        .await
        .1,
    );
    assert_eq!(leads.len(), 1);
    assert_eq!((leads[0][1].as_str(), leads[0][3].as_str()), ("Pooled", ""));
    let leads = csv_rows(
        &fetch(
            &app,
            &link(&app, &app.admin_token, json!({"type": "LEADS"})).await,
        )
        .await
        .1,
    );
    assert_eq!(leads[0][3], "13900002222");
    for user in [&finance, &support] {
        let refused = start(&app, &user.token, json!({"type": "LEADS"})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    let deals = csv_rows(
        &fetch(
            &app,
            &link(&app, &support.token, json!({"type": "OPPORTUNITIES"})).await,
        )
        .await
        .1,
    );
    assert!(deals.is_empty(), "customer service sees no deal");
}

#[tokio::test]
async fn a_link_is_the_askers_alone_and_expires() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Mine").await;
    let url = link(&app, &rep.token, json!({"type": "CUSTOMERS"})).await;
    let path = url.split('?').next().unwrap();

    // Without the signature, or with another person's token: as if there were no export.
    assert_eq!(fetch(&app, path).await.0, 401);
    let theirs = app
        .client
        .get(app.url(path))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status().as_u16(), 404);
    let tampered = url.replace("sig=", "sig=0");
    assert_eq!(fetch(&app, &tampered).await.0, 401);
    let wrong_kind = url.replace(".csv?", ".xlsx?");
    assert_eq!(fetch(&app, &wrong_kind).await.0, 404);
    // The asker's own token opens it too.
    let own = app
        .client
        .get(app.url(path))
        .bearer_auth(&rep.token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
    assert_eq!(csv_rows(&own.bytes().await.unwrap()).len(), 1);

    // Keys read through the API, not files.
    let account = crate::api_keys::an_account(&app, "ADMIN", &["customers:read"], None).await;
    let made = app
        .gql(
            Some(&app.admin_token),
            "mutation($a: ID!) { createApiKey(input: {serviceAccountId: $a, name: \"k\"}) { secret } }",
            json!({"a": account}),
        )
        .await;
    let key = string_at(&made, &["data", "createApiKey", "secret"]);
    let refused = start(&app, &key, json!({"type": "CUSTOMERS"})).await;
    assert_eq!(
        error_code(&refused),
        Some("INSUFFICIENT_SCOPE"),
        "{refused}"
    );

    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(fetch(&app, &url).await.0, 401);
}

#[tokio::test]
async fn the_command_line_exports_as_a_user_into_a_file() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    // More rows than three pages, written straight to the table.
    let owner = salesgraph::ids::decode_id(
        &async_graphql::ID(rep.id.clone()),
        salesgraph::ids::NodeType::User,
        "owner",
    )
    .unwrap();
    let now = chrono::Utc::now();
    let customers: Vec<entity::customer::ActiveModel> = (0..1_201)
        .map(|i| {
            entity::customer::Model {
                id: uuid::Uuid::now_v7(),
                name: format!("Bulk Co {i}"),
                company_key: format!("bulk co {i}"),
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
            }
            .into()
        })
        .collect();
    for chunk in customers.chunks(300) {
        <entity::customer::Entity as sea_orm::EntityTrait>::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    let rows = salesgraph::exports::file::to_file(
        app.state.clone(),
        &rep.email,
        salesgraph::exports::rows::ExportKind::Customers,
        salesgraph::exports::rows::ExportFormat::Csv,
        salesgraph::exports::rows::ExportFilter::default(),
        &path,
    )
    .await
    .expect("export");
    assert_eq!(rows, 1_201);
    let written = csv_rows(&std::fs::read(&path).unwrap());
    assert_eq!(written.len(), 1_201);
    let mut ids: Vec<&str> = written.iter().map(|r| r[0].as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 1_201, "each row once, in id order");
    let unknown = salesgraph::exports::file::to_file(
        app.state.clone(),
        "nobody@example.com",
        salesgraph::exports::rows::ExportKind::Customers,
        salesgraph::exports::rows::ExportFormat::Csv,
        salesgraph::exports::rows::ExportFilter::default(),
        &path,
    )
    .await;
    assert_eq!(unknown.map_err(|e| e.field), Err(Some("as".to_owned())));
}
