//! Imports: a dry run reports every refused row and writes nothing, the real run writes the
//! rest, the same file again is the same import; GBK and mapped headers and XLSX read alike;
//! who may import what; an interrupted import resumes after its last batch; the command line.

use serde_json::{Value, json};

use crate::helpers::*;

const START: &str = "mutation($input: StartImportInput!) { startImport(input: $input) { importJob { id type status dryRun total processed created errors } } }";
const JOB: &str = "query($id: ID!) { importJob(id: $id) { id status dryRun total processed created errors failure finishedAt rowErrors(first: 200) { row field code message } errorsUrl } }";
const CUSTOMERS: &str = "{ customers(first: 50) { nodes { name industry grade owner { email } contacts(first: 2) { nodes { name phone email } } } } }";

const HEADER: &str = "name,industry,region,address,grade,contactName,phone,email,ownerEmail";

pub(crate) async fn start(
    app: &TestApp,
    token: &str,
    input: Value,
    file_name: &str,
    bytes: Vec<u8>,
) -> Value {
    app.upload_request(Some(token), START, input, file_name, bytes)
        .await
        .1
}

/// The job once it has ended (polled).
pub(crate) async fn finished(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..400 {
        let body = app.gql(Some(token), JOB, json!({"id": id})).await;
        let job = body["data"]["importJob"].clone();
        assert!(job.is_object(), "{body}");
        if job["status"] != "RUNNING" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not end");
}

async fn customer_names(app: &TestApp, token: &str) -> Vec<String> {
    let body = app.gql(Some(token), CUSTOMERS, json!({})).await;
    let mut names: Vec<String> = body["data"]["customers"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

pub(crate) fn refused(job: &Value) -> Vec<(i64, String, String)> {
    job["rowErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_dry_run_reports_every_refused_row_then_the_real_run_writes_the_rest_once() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Existing Co").await;
    let file = format!(
        "{HEADER}\n\
         Acme Ltd,Manufacturing,East,,,Li Lei,13800138000,li@acme.cn,\n\
         Existing Co,,,,,,,,\n\
         ,Retail,,,,,,,\n\
         ACME LTD,,,,,,,,\n\
         Beta,,,,,,,not-an-email,\n\
         Gamma,,,,A,,,,\n\
         Delta,,,,,,138 0013 8000,,\n\
         Epsilon,,,,,,,,nobody@example.com\n\
         Zeta,,,,,,,,{}\n\
         ,,,,,,,,\n\
         Eta Co,Retail,,,,,,,{}\n",
        other.email, rep.email
    );

    let dry = start(
        &app,
        &rep.token,
        json!({"type": "CUSTOMERS", "dryRun": true}),
        "customers.csv",
        file.clone().into_bytes(),
    )
    .await;
    let id = string_at(&dry, &["data", "startImport", "importJob", "id"]);
    let job = finished(&app, &rep.token, &id).await;
    assert_eq!(job["status"], "DONE", "{job}");
    assert_eq!(job["dryRun"], true);
    assert_eq!(job["total"], 10, "the blank row is not counted");
    assert_eq!(job["processed"], 10);
    assert_eq!(job["created"], 2);
    assert_eq!(job["errors"], 8);
    let expected: Vec<(i64, String, String)> = [
        (3, "name", "DUPLICATE"),
        (4, "name", "BAD_USER_INPUT"),
        (5, "name", "DUPLICATE"),
        (6, "email", "BAD_USER_INPUT"),
        (7, "grade", "FORBIDDEN"),
        (8, "phone", "DUPLICATE"),
        (9, "ownerEmail", "NOT_FOUND"),
        (10, "ownerEmail", "FORBIDDEN"),
    ]
    .iter()
    .map(|(row, field, code)| (*row, (*field).to_owned(), (*code).to_owned()))
    .collect();
    assert_eq!(refused(&job), expected);
    assert_eq!(
        customer_names(&app, &rep.token).await,
        vec!["Existing Co"],
        "a dry run writes nothing"
    );

    // The error file, through its signed link.
    let url = job["errorsUrl"].as_str().expect("an error file").to_owned();
    let response = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,field,code,message");
    assert_eq!(lines.len(), 9, "{text}");
    assert!(lines[1].starts_with("3,name,DUPLICATE,"), "{text}");
    // Someone else's link or job answers like a missing one.
    let stranger = app.gql(Some(&other.token), JOB, json!({"id": id})).await;
    assert_eq!(error_code(&stranger), Some("NOT_FOUND"), "{stranger}");
    let bare = url.split('?').next().unwrap().to_owned();
    let refused_link = app
        .client
        .get(app.url(&bare))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused_link.status(), 404);

    let real = start(
        &app,
        &rep.token,
        json!({"type": "CUSTOMERS"}),
        "customers.csv",
        file.clone().into_bytes(),
    )
    .await;
    let real_id = string_at(&real, &["data", "startImport", "importJob", "id"]);
    assert_ne!(real_id, id, "a real run is not the dry run");
    let job = finished(&app, &rep.token, &real_id).await;
    assert_eq!(
        (job["created"].as_i64(), job["errors"].as_i64()),
        (Some(2), Some(8))
    );
    assert_eq!(
        customer_names(&app, &rep.token).await,
        vec!["Acme Ltd", "Eta Co", "Existing Co"]
    );
    let body = app.gql(Some(&rep.token), CUSTOMERS, json!({})).await;
    let acme = body["data"]["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Acme Ltd")
        .unwrap()
        .clone();
    assert_eq!(acme["industry"], "Manufacturing");
    assert_eq!(acme["owner"]["email"], rep.email.as_str());
    assert_eq!(acme["contacts"]["nodes"][0]["name"], "Li Lei");
    assert_eq!(acme["contacts"]["nodes"][0]["email"], "li@acme.cn");

    // The same file again is the same import: nothing is written twice.
    let again = start(
        &app,
        &rep.token,
        json!({"type": "CUSTOMERS"}),
        "customers.csv",
        file.into_bytes(),
    )
    .await;
    assert_eq!(
        string_at(&again, &["data", "startImport", "importJob", "id"]),
        real_id
    );
    assert_eq!(again["data"]["startImport"]["importJob"]["status"], "DONE");
    assert_eq!(customer_names(&app, &rep.token).await.len(), 3);

    // Audited: started and finished, and each customer made.
    let audit = app
        .admin(
            "query($f: AuditLogFilter) { auditLog(filter: $f, first: 50) { nodes { action } } }",
            json!({"f": {}}),
        )
        .await;
    let actions: Vec<&str> = audit["data"]["auditLog"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter_map(|n| n["action"].as_str())
        .collect();
    for action in ["import.started", "import.finished", "customer.created"] {
        assert!(actions.contains(&action), "{action}: {actions:?}");
    }
}

#[tokio::test]
async fn gbk_files_mapped_headers_and_workbooks_import_alike() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let (gbk, _, _) = encoding_rs::GBK
        .encode("公司名称,行业,联系人,电话,备注\n华为技术,通信,张三,13900139000,大客户\n");
    let started = start(
        &app,
        &manager.token,
        json!({"type": "CUSTOMERS", "mapping": [
            {"column": "公司名称", "field": "name"},
            {"column": "行业", "field": "industry"},
            {"column": "联系人", "field": "contactName"},
            {"column": "电话", "field": "phone"},
            {"column": "备注", "field": ""}
        ]}),
        "客户.csv",
        gbk.into_owned(),
    )
    .await;
    let id = string_at(&started, &["data", "startImport", "importJob", "id"]);
    let job = finished(&app, &manager.token, &id).await;
    assert_eq!(
        (job["created"].as_i64(), job["errors"].as_i64()),
        (Some(1), Some(0)),
        "{job}"
    );
    assert!(job["errorsUrl"].is_null());

    // A workbook, with a whole-number phone cell and a grade a manager may set.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in ["Name", "Grade", "Phone"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "小米科技").unwrap();
    sheet.write_string(1, 1, "a").unwrap();
    sheet.write_number(1, 2, 13_700_137_000.0).unwrap();
    sheet.write_string(2, 0, "华为技术").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let started = start(
        &app,
        &manager.token,
        json!({"type": "CUSTOMERS"}),
        "clients.xlsx",
        bytes,
    )
    .await;
    let id = string_at(&started, &["data", "startImport", "importJob", "id"]);
    let job = finished(&app, &manager.token, &id).await;
    assert_eq!(job["total"], 2, "{job}");
    assert_eq!(
        refused(&job),
        vec![(3, "name".to_owned(), "DUPLICATE".to_owned())]
    );
    let body = app.gql(Some(&manager.token), CUSTOMERS, json!({})).await;
    let xiaomi = body["data"]["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "小米科技")
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    assert_eq!(xiaomi["grade"], "A");
    assert_eq!(xiaomi["contacts"]["nodes"][0]["phone"], "13700137000");
}

#[tokio::test]
async fn files_that_cannot_be_read_are_refused_whole_with_the_field_at_fault() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let cases: Vec<(Value, &str, Vec<u8>, &str, &str)> = vec![
        (
            json!({"type": "CUSTOMERS"}),
            "a.csv",
            b"name,fax\nAcme,1\n".to_vec(),
            "BAD_USER_INPUT",
            "input.file",
        ),
        (
            json!({"type": "CUSTOMERS"}),
            "a.csv",
            b"industry\nRetail\n".to_vec(),
            "BAD_USER_INPUT",
            "input.file",
        ),
        (
            json!({"type": "CUSTOMERS"}),
            "a.csv",
            Vec::new(),
            "BAD_USER_INPUT",
            "input.file",
        ),
        (
            json!({"type": "CUSTOMERS"}),
            "a.xlsx",
            b"not a workbook".to_vec(),
            "BAD_USER_INPUT",
            "input.file",
        ),
        (
            json!({"type": "CUSTOMERS", "encoding": "klingon"}),
            "a.csv",
            b"name\nA\n".to_vec(),
            "BAD_USER_INPUT",
            "input.encoding",
        ),
        (
            json!({"type": "CUSTOMERS", "mapping": (0..300)
                .map(|n| json!({"column": format!("c{n}"), "field": ""}))
                .collect::<Vec<_>>()}),
            "a.csv",
            b"name\nA\n".to_vec(),
            "BAD_USER_INPUT",
            "input.mapping",
        ),
        (
            json!({"type": "CUSTOMERS", "encoding": "utf-8"}),
            "a.csv",
            encoding_rs::GBK.encode("name\n华为\n").0.into_owned(),
            "BAD_USER_INPUT",
            "input.file",
        ),
    ];
    for (input, name, bytes, code, field) in cases {
        let body = start(&app, &rep.token, input.clone(), name, bytes).await;
        assert_eq!(
            code_and_field(&body),
            (Some(code), Some(field)),
            "{input} {name}: {body}"
        );
    }
    let too_many = TestApp::spawn_with(|c| c.import_max_rows = 2).await;
    let token = too_many.admin_token.clone();
    let body = start(
        &too_many,
        &token,
        json!({"type": "CUSTOMERS"}),
        "a.csv",
        b"name\nA\nB\nC\n".to_vec(),
    )
    .await;
    assert_eq!(
        code_and_field(&body),
        (Some("FILE_TOO_LARGE"), Some("input.file"))
    );
    assert!(customer_names(&app, &rep.token).await.is_empty());
}

#[tokio::test]
async fn products_are_for_admins_and_finance_imports_nothing() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let products = b"code,name,listPrice\nP-1,Pump,10\n".to_vec();
    let body = start(
        &app,
        &rep.token,
        json!({"type": "PRODUCTS"}),
        "p.csv",
        products.clone(),
    )
    .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = start(
        &app,
        &finance.token,
        json!({"type": "CUSTOMERS"}),
        "c.csv",
        b"name\nAcme\n".to_vec(),
    )
    .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    let line = app
        .admin(
            "mutation($input: CreateProductLineInput!) { createProductLine(input: $input) { productLine { id } } }",
            json!({"input": {"name": "Pumps"}}),
        )
        .await;
    assert!(line["errors"].is_null(), "{line}");
    let file = "code,name,productLine,unit,listPrice,costPrice\n\
                P-1,Pump,pumps,set,\"1,299.50\",800\n\
                P-2,Valve,Nozzles,,5,\n\
                p-1 ,Pump again,,,3,\n\
                P-3,Hose,,,-1,\n\
                P-4,Seal,,,2.555,\n\
                P-5,Filter,,,abc,\n\
                P-6,Gasket,,,7,";
    let started = start(
        &app,
        &app.admin_token,
        json!({"type": "PRODUCTS"}),
        "p.csv",
        file.as_bytes().to_vec(),
    )
    .await;
    let id = string_at(&started, &["data", "startImport", "importJob", "id"]);
    let job = finished(&app, &app.admin_token, &id).await;
    let expected: Vec<(i64, String, String)> = [
        (3, "productLine", "NOT_FOUND"),
        (4, "code", "DUPLICATE"),
        (5, "listPrice", "BAD_USER_INPUT"),
        (6, "listPrice", "BAD_USER_INPUT"),
        (7, "listPrice", "BAD_USER_INPUT"),
    ]
    .iter()
    .map(|(row, field, code)| (*row, (*field).to_owned(), (*code).to_owned()))
    .collect();
    assert_eq!(refused(&job), expected, "{job}");
    assert_eq!(job["created"], 2);
    let listed = app
        .admin("{ products(first: 10) { nodes { code unit listPrice costPrice productLine { name } } } }", json!({}))
        .await;
    let nodes = listed["data"]["products"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"));
    let pump = nodes
        .iter()
        .find(|p| p["code"] == "P-1")
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(pump["listPrice"], "1299.50");
    assert_eq!(pump["costPrice"], "800.00");
    assert_eq!(pump["unit"], "set");
    assert_eq!(pump["productLine"]["name"], "Pumps");
    assert_eq!(nodes.len(), 2);
}

fn numbered_customers(count: usize) -> String {
    let mut file = String::from("name,region\n");
    for n in 1..=count {
        file.push_str(&format!("Customer {n:05},North\n"));
    }
    file
}

#[tokio::test]
async fn an_interrupted_import_resumes_after_its_last_batch_and_a_held_one_is_left_alone() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::spawn_on_file_or_postgres().await;
    let rep = app.a_user().create().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    std::fs::write(&path, numbered_customers(1_200)).unwrap();
    let options = salesgraph::imports::cli::Options {
        kind: salesgraph::imports::service::ImportKind::Customers,
        file: path.clone(),
        as_user: rep.email.clone(),
        dry_run: false,
        mapping: None,
        encoding: None,
        format: None,
        errors: None,
        progress: false,
    };
    let summary = salesgraph::imports::cli::import(app.state.clone(), options.clone())
        .await
        .expect("import");
    assert_eq!((summary.created, summary.refused), (1_200, 0));
    assert_eq!(summary.status.as_deref(), Some("DONE"));

    // As if the process had died after the first batch: its rows written, the rest not.
    let db = &app.state.db;
    let job = entity::import::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    entity::customer::Entity::delete_many()
        .filter(entity::customer::Column::Name.gt("Customer 00500"))
        .exec(db)
        .await
        .unwrap();
    entity::import::Entity::update(entity::import::ActiveModel {
        id: sea_orm::Set(job.id),
        status: sea_orm::Set("RUNNING".into()),
        processed: sea_orm::Set(500),
        created: sea_orm::Set(500),
        lease_until: sea_orm::Set(Some(chrono::Utc::now() + chrono::Duration::seconds(60))),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
    // Its lease still held: another run leaves it to its runner.
    let held = salesgraph::imports::cli::import(app.state.clone(), options.clone())
        .await
        .expect("held");
    assert_eq!(
        (held.status.as_deref(), held.processed),
        (Some("RUNNING"), 500)
    );
    app.clock.advance(chrono::Duration::minutes(5));
    let resumed = salesgraph::imports::cli::import(app.state.clone(), options)
        .await
        .expect("resumed");
    assert_eq!(resumed.status.as_deref(), Some("DONE"));
    assert_eq!(
        (resumed.created, resumed.refused),
        (1_200, 0),
        "no row read twice"
    );
    let count = entity::customer::Entity::find().count(db).await.unwrap();
    assert_eq!(count, 1_200);
}

#[tokio::test]
async fn a_command_line_dry_run_writes_nothing_but_its_error_file() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clients.csv");
    std::fs::write(&path, "公司,Email\nAcme,not-mail\nBeta,b@beta.cn\n").unwrap();
    let mapping = dir.path().join("m.toml");
    std::fs::write(&mapping, "[columns]\n\"公司\" = \"name\"\n").unwrap();
    let summary = salesgraph::imports::cli::import(
        app.state.clone(),
        salesgraph::imports::cli::Options {
            kind: salesgraph::imports::service::ImportKind::Customers,
            file: path.clone(),
            as_user: rep.email.clone(),
            dry_run: true,
            mapping: Some(mapping),
            encoding: None,
            format: None,
            errors: None,
            progress: false,
        },
    )
    .await
    .expect("dry run");
    assert_eq!((summary.total, summary.created, summary.refused), (2, 1, 1));
    assert!(summary.describe().contains("would be written"));
    let errors = summary.errors_file.expect("an error file");
    let text = std::fs::read_to_string(&errors).unwrap();
    assert!(text.contains("2,email,BAD_USER_INPUT,"), "{text}");
    let db = &app.state.db;
    assert_eq!(entity::customer::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(entity::import::Entity::find().count(db).await.unwrap(), 0);
}
