//! Imports of contacts (onto customers the importer sees, by id or name) and of leads (scored,
//! owned by whom the importer may assign), each refused row with its field and code.

use serde_json::{Value, json};

use crate::imports::refused;

use crate::helpers::*;

const START: &str = "mutation($input: StartImportInput!) { startImport(input: $input) { importJob { id status } } }";

/// Imports `file` as `kind`; the job once ended.
async fn imported(app: &TestApp, token: &str, kind: &str, file: &str) -> Value {
    let body = crate::imports::start(
        app,
        token,
        json!({"type": kind}),
        "file.csv",
        file.as_bytes().to_vec(),
    )
    .await;
    let id = string_at(&body, &["data", "startImport", "importJob", "id"]);
    crate::imports::finished(app, token, &id).await
}

fn expect(rows: &[(i64, &str, &str)]) -> Vec<(i64, String, String)> {
    rows.iter()
        .map(|(row, field, code)| (*row, (*field).to_owned(), (*code).to_owned()))
        .collect()
}

#[tokio::test]
async fn contacts_go_onto_customers_the_importer_sees_by_id_or_name() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let acme = crate::fixtures::a_customer(&app, &rep.token, "Acme Ltd").await;
    crate::fixtures::a_customer(&app, &rep.token, "Twin Co").await;
    crate::fixtures::a_customer(&app, &rep.token, "twin co").await;
    let hidden = crate::fixtures::a_customer(&app, &other.token, "Hidden Co").await;
    let added = app
        .gql(
            Some(&rep.token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": acme, "name": "Old", "phone": "13800000001"}}),
        )
        .await;
    assert!(added["errors"].is_null(), "{added}");

    let file = format!(
        "customerId,customerName,name,title,phone,email\n\
         {acme},,Wang Wu,Buyer,13800000002,wang@acme.cn\n\
         ,ACME LTD,Zhao Liu,,,zhao@acme.cn\n\
         ,Hidden Co,Peeker,,,\n\
         {hidden},,Peeker,,,\n\
         not-an-id,,Someone,,,\n\
         ,Twin Co,Ambiguous,,,\n\
         ,Acme Ltd,Copy,,13800000001,\n\
         ,Acme Ltd,Again,,,wang@acme.cn\n\
         ,Acme Ltd,,,,\n\
         ,,Nobody's,,,\n"
    );
    let job = imported(&app, &rep.token, "CONTACTS", &file).await;
    assert_eq!(
        refused(&job),
        expect(&[
            (4, "customerName", "NOT_FOUND"),
            (5, "customerId", "NOT_FOUND"),
            (6, "customerId", "BAD_USER_INPUT"),
            (7, "customerName", "BAD_USER_INPUT"),
            (8, "phone", "DUPLICATE"),
            (9, "email", "DUPLICATE"),
            (10, "name", "BAD_USER_INPUT"),
            (11, "customerName", "BAD_USER_INPUT"),
        ]),
        "{job}"
    );
    assert_eq!(job["created"], 2);
    let contacts = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { customer(id: $id) { contacts(first: 10) { nodes { name title } } } }",
            json!({"id": acme}),
        )
        .await;
    let mut names: Vec<&str> = contacts["data"]["customer"]["contacts"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{contacts}"))
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["Old", "Wang Wu", "Zhao Liu"]);

    // A file that names no customer at all is refused whole.
    let (_, body) = app
        .upload_request(
            Some(&rep.token),
            START,
            json!({"type": "CONTACTS"}),
            "c.csv",
            b"name,phone\nLi,13900000000\n".to_vec(),
        )
        .await;
    assert_eq!(
        code_and_field(&body),
        (Some("BAD_USER_INPUT"), Some("input.file"))
    );
}

#[tokio::test]
async fn leads_are_scored_and_owned_by_whom_the_importer_may_assign() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let member = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &outsider.token, "Known Co").await;
    let added = app
        .gql(
            Some(&outsider.token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": "Known", "phone": "13800000009"}}),
        )
        .await;
    assert!(added["errors"].is_null(), "{added}");

    let file = format!(
        "name,company,phone,email,source,region,industry,notes,ownerEmail\n\
         Li Lei,Acme,13900000001,li@acme.cn,web form,East,,,{}\n\
         Han Mei,Beta,,han@beta.cn,REFERRAL,,,,\n\
         Out,,,,,,,,{}\n\
         Bad Source,,,,billboard,,,,\n\
         Short,,12,,,,,,\n\
         Known,,138 0000 0009,,,,,,\n\
         Twice,,,LI@ACME.CN,,,,,\n",
        member.email, outsider.email
    );
    let job = imported(&app, &manager.token, "LEADS", &file).await;
    assert_eq!(
        refused(&job),
        expect(&[
            (4, "ownerEmail", "FORBIDDEN"),
            (5, "source", "BAD_USER_INPUT"),
            (6, "phone", "BAD_USER_INPUT"),
            (7, "phone", "DUPLICATE"),
            (8, "email", "DUPLICATE"),
        ]),
        "{job}"
    );
    assert_eq!(job["created"], 2);
    let leads = app
        .gql(
            Some(&manager.token),
            "{ leads(first: 20) { nodes { name source status score inPool owner { email } } } }",
            json!({}),
        )
        .await;
    let nodes = leads["data"]["leads"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{leads}"));
    let li = nodes
        .iter()
        .find(|l| l["name"] == "Li Lei")
        .unwrap_or_else(|| panic!("{leads}"));
    assert_eq!(li["source"], "WEB_FORM");
    assert_eq!(li["status"], "NEW");
    assert_eq!(li["inPool"], false);
    assert_eq!(li["owner"]["email"], member.email.as_str());
    assert!(li["score"].as_i64().unwrap() > 0, "scored: {li}");
    let han = nodes.iter().find(|l| l["name"] == "Han Mei").unwrap();
    assert_eq!(han["owner"]["email"], manager.email.as_str());

    // The member sees the lead given to them; a rep may give leads to no one else.
    let theirs = app
        .gql(
            Some(&member.token),
            "{ leads(first: 20) { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        theirs["data"]["leads"]["nodes"][0]["name"], "Li Lei",
        "{theirs}"
    );
    let job = imported(
        &app,
        &member.token,
        "LEADS",
        &format!("name,ownerEmail\nPassed On,{}\n", manager.email),
    )
    .await;
    assert_eq!(refused(&job), expect(&[(2, "ownerEmail", "FORBIDDEN")]));
}
