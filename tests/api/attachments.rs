//! Attachments through the API: multipart uploads onto visible records, downloads by signed
//! link and bearer token, checks by content, the visibility matrix, check-in proof photos,
//! retries, removal and the orphan sweep. The store is a local directory, or the S3-compatible
//! server CI starts when `TEST_STORAGE_URL` is set.

use serde_json::{Value, json};

use crate::fixtures::{self, Books};
use crate::helpers::*;

const LIST: &str =
    "query($id: ID!) { attachments(subjectId: $id) { edges { node { id fileName } } } }";
const DELETE: &str =
    "mutation($input: DeleteAttachmentInput!) { deleteAttachment(input: $input) { deletedId } }";
const CREATE_DEAL: &str = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }";

fn attachment(body: &Value) -> Value {
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["uploadAttachment"]["attachment"].clone()
}

/// Uploads a file and answers the stored attachment (any error fails the test).
async fn stored(app: &TestApp, token: &str, input: Value, name: &str, bytes: Vec<u8>) -> Value {
    attachment(&app.upload(token, input, name, bytes).await)
}

/// A small photo on `subject` under `name`.
async fn stored_named(app: &TestApp, token: &str, subject: &str, name: &str) -> Value {
    stored(
        app,
        token,
        json!({"subjectId": subject, "kind": "PHOTO"}),
        name,
        png(2, 2),
    )
    .await
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A JPEG with an EXIF block (GPS position and the time taken) and a frame header giving its
/// size; enough for every check the server makes.
fn jpeg_with_exif(lat: f64, lng: f64, taken: &str, width: u16, height: u16) -> Vec<u8> {
    use exif::{Field, In, Rational, Tag, Value as Exif};
    fn dms(degrees: f64) -> Exif {
        let whole = degrees.abs().trunc();
        let minutes = ((degrees.abs() - whole) * 60.0).trunc();
        let seconds = ((degrees.abs() - whole) * 60.0 - minutes) * 60.0;
        Exif::Rational(vec![
            Rational {
                num: whole as u32,
                denom: 1,
            },
            Rational {
                num: minutes as u32,
                denom: 1,
            },
            Rational {
                num: (seconds * 1000.0).round() as u32,
                denom: 1000,
            },
        ])
    }
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let fields = [
        field(
            Tag::GPSLatitudeRef,
            Exif::Ascii(vec![if lat < 0.0 {
                b"S".to_vec()
            } else {
                b"N".to_vec()
            }]),
        ),
        field(Tag::GPSLatitude, dms(lat)),
        field(
            Tag::GPSLongitudeRef,
            Exif::Ascii(vec![if lng < 0.0 {
                b"W".to_vec()
            } else {
                b"E".to_vec()
            }]),
        ),
        field(Tag::GPSLongitude, dms(lng)),
        field(
            Tag::DateTimeOriginal,
            Exif::Ascii(vec![taken.as_bytes().to_vec()]),
        ),
    ];
    let mut writer = exif::experimental::Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let mut jpeg = vec![0xFF, 0xD8];
    let app1_len = u16::try_from(2 + 6 + tiff.len()).unwrap();
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&app1_len.to_be_bytes());
    jpeg.extend_from_slice(b"Exif\0\0");
    jpeg.extend_from_slice(&tiff);
    // SOF0: 8-bit, height, width, 3 components.
    jpeg.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
    jpeg.extend_from_slice(&height.to_be_bytes());
    jpeg.extend_from_slice(&width.to_be_bytes());
    jpeg.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n";

async fn a_deal(app: &TestApp, token: &str, customer: &str) -> String {
    string_at(
        &app.gql(
            Some(token),
            CREATE_DEAL,
            json!({"input": {"customerId": customer, "name": "Cold rooms", "amount": "1000.00", "expectedCloseDate": "2027-03-31"}}),
        )
        .await,
        &["data", "createOpportunity", "opportunity", "id"],
    )
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// Rows in the attachments table, whatever their state.
async fn rows(app: &TestApp) -> usize {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::attachment::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap() as usize
}

async fn objects(app: &TestApp) -> usize {
    app.state.storage.keys("attachments").await.unwrap().len()
}

#[tokio::test]
async fn a_rep_uploads_a_photo_and_downloads_it_by_link_and_by_token() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Harbour Foods").await;
    let bytes = png(640, 480);
    let stored = stored(
        &app,
        &rep.token,
        json!({"subjectId": customer, "kind": "PHOTO"}),
        "C:\\phone\\门头.png",
        bytes.clone(),
    )
    .await;
    assert_eq!(stored["kind"], "PHOTO");
    assert_eq!(stored["subjectType"], "CUSTOMER");
    assert_eq!(stored["fileName"], "门头.png");
    assert_eq!(stored["contentType"], "image/png");
    assert_eq!(stored["byteSize"], bytes.len());
    assert_eq!(stored["sha256"], sha256_hex(&bytes));
    assert_eq!(
        (stored["width"].clone(), stored["height"].clone()),
        (json!(640), json!(480))
    );
    assert_eq!(stored["uploadedBy"]["id"], rep.id);
    assert_eq!(stored["checkInProof"], false);
    let id = stored["id"].as_str().unwrap();

    // The signed link opens without a token; the bearer path with one; nothing without either.
    let url = stored["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("/attachments/{id}?")), "{url}");
    let by_link = get(&app, url, None).await;
    assert_eq!(by_link.status(), 200);
    assert_eq!(by_link.headers()["content-type"], "image/png");
    assert_eq!(by_link.headers()["x-content-type-options"], "nosniff");
    let disposition = by_link.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''%E9%97%A8%E5%A4%B4.png"),
        "{disposition}"
    );
    assert_eq!(by_link.bytes().await.unwrap().to_vec(), bytes);
    let by_token = get(&app, &format!("/attachments/{id}"), Some(&rep.token)).await;
    assert_eq!(by_token.status(), 200);
    assert_eq!(by_token.bytes().await.unwrap().to_vec(), bytes);
    let anonymous = get(&app, &format!("/attachments/{id}"), None).await;
    assert_eq!(anonymous.status(), 401);

    // Listed on the record, and refetchable by id.
    let listed = app
        .gql(Some(&rep.token), LIST, json!({"id": customer}))
        .await;
    assert_eq!(
        listed["data"]["attachments"]["edges"][0]["node"]["id"], id,
        "{listed}"
    );
    let node = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { node(id: $id) { ... on Attachment { fileName subject { ... on Customer { name } } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        node["data"]["node"]["subject"]["name"], "Harbour Foods",
        "{node}"
    );
    // A name of any length is cut to 255 characters.
    let long = stored_named(
        &app,
        &rep.token,
        &customer,
        &format!("{}.png", "长".repeat(10_000)),
    )
    .await;
    assert_eq!(
        long["fileName"].as_str().map(|n| n.chars().count()),
        Some(255)
    );
}

#[tokio::test]
async fn a_photo_s_exif_position_and_time_are_read_unless_given() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Pier 9").await;
    let jpeg = jpeg_with_exif(31.2304, -121.4737, "2026:12:05 10:30:00", 1200, 900);
    let read = stored(
        &app,
        &rep.token,
        json!({"subjectId": customer, "kind": "PHOTO"}),
        "site.jpg",
        jpeg.clone(),
    )
    .await;
    assert_eq!(read["contentType"], "image/jpeg");
    assert_eq!(
        (read["width"].clone(), read["height"].clone()),
        (json!(1200), json!(900))
    );
    let lat = read["location"]["lat"].as_f64().unwrap();
    let lng = read["location"]["lng"].as_f64().unwrap();
    assert!(
        (lat - 31.2304).abs() < 1e-4 && (lng + 121.4737).abs() < 1e-4,
        "{read}"
    );
    // No offset in the EXIF time: read in the rep's zone (Asia/Shanghai, UTC+8).
    assert_eq!(read["takenAt"], "2026-12-05T02:30:00.000Z");
    let given = stored(&app, &rep.token,
            json!({"subjectId": customer, "kind": "PHOTO", "location": {"lat": 1.5, "lng": 2.5}, "takenAt": "2026-12-01T00:00:00Z"}),
            "site.jpg",
            jpeg).await;
    assert_eq!(given["location"], json!({"lat": 1.5, "lng": 2.5}));
    assert_eq!(given["takenAt"], "2026-12-01T00:00:00.000Z");
    let far = app
        .upload(
            &rep.token,
            json!({"subjectId": customer, "kind": "PHOTO", "location": {"lat": 91.0, "lng": 0.0}}),
            "site.png",
            png(2, 2),
        )
        .await;
    assert_eq!(error_code(&far), Some("BAD_USER_INPUT"), "{far}");
    assert_eq!(error_field(&far), Some("input.location"));
}

/// What a refused upload sends and is told: why, input, file name, bytes, code, field.
type Refusal = (
    &'static str,
    Value,
    &'static str,
    Vec<u8>,
    &'static str,
    &'static str,
);

#[tokio::test]
async fn files_are_judged_by_their_bytes_and_refusals_keep_nothing() {
    let app = TestApp::spawn_with(|c| c.upload_max_bytes = 4096).await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Strict Co").await;
    let input = |kind: &str| json!({"subjectId": customer, "kind": kind});
    let refusals: Vec<Refusal> = vec![
        (
            "a PDF named .jpg",
            input("PHOTO"),
            "photo.jpg",
            PDF.to_vec(),
            "UNSUPPORTED_FILE_TYPE",
            "input.file",
        ),
        (
            "a program",
            input("OTHER"),
            "setup.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(),
            "UNSUPPORTED_FILE_TYPE",
            "input.file",
        ),
        (
            "plain text",
            input("DOCUMENT"),
            "notes.txt",
            b"hello there".to_vec(),
            "UNSUPPORTED_FILE_TYPE",
            "input.file",
        ),
        (
            "a PDF as a photo",
            input("PHOTO"),
            "scan.pdf",
            PDF.to_vec(),
            "BAD_USER_INPUT",
            "input.kind",
        ),
        (
            "an image bomb",
            input("PHOTO"),
            "bomb.png",
            png(60_000, 60_000),
            "FILE_TOO_LARGE",
            "input.file",
        ),
        (
            "an empty file",
            input("PHOTO"),
            "empty.png",
            Vec::new(),
            "BAD_USER_INPUT",
            "input.file",
        ),
        (
            "an image without pixels",
            input("PHOTO"),
            "none.png",
            png(0, 5),
            "UNSUPPORTED_FILE_TYPE",
            "input.file",
        ),
    ];
    for (what, input, name, bytes, code, field) in refusals {
        let body = app.upload(&rep.token, input, name, bytes).await;
        assert_eq!(error_code(&body), Some(code), "{what}: {body}");
        assert_eq!(error_field(&body), Some(field), "{what}: {body}");
    }
    // Over the size limit: refused while it streams in, before any resolver runs.
    let (status, body) = app
        .upload_request(
            Some(&rep.token),
            UPLOAD_DOCUMENT,
            input("DOCUMENT"),
            "big.pdf",
            [PDF, &[b' '; 8192]].concat(),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FILE_TOO_LARGE",
        "{body}"
    );
    // A contract scan may be a PDF.
    let scan = stored(
        &app,
        &rep.token,
        input("CONTRACT_SCAN"),
        "signed.pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(scan["contentType"], "application/pdf");
    assert_eq!(scan["width"], Value::Null);
    assert_eq!(
        (rows(&app).await, objects(&app).await),
        (1, 1),
        "only the accepted file is kept"
    );
}

#[tokio::test]
async fn a_malformed_multipart_request_is_refused_with_a_code() {
    let app = TestApp::spawn_with(|c| c.upload_max_files = 2).await;
    let rep = app.a_user().create().await;
    let post = async |form: reqwest::multipart::Form| {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&rep.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap_or(Value::Null),
        )
    };
    let operations = json!({"query": UPLOAD_DOCUMENT, "variables": {"input": {"subjectId": "x", "kind": "PHOTO", "file": null}}}).to_string();
    let file = || reqwest::multipart::Part::bytes(png(1, 1)).file_name("a.png");
    let cases = [
        (
            "no map",
            reqwest::multipart::Form::new()
                .text("operations", operations.clone())
                .part("0", file()),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "a file before the map",
            reqwest::multipart::Form::new()
                .text("operations", operations.clone())
                .part("0", file())
                .text("map", r#"{"0":["variables.input.file"]}"#),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "a file the map does not name",
            reqwest::multipart::Form::new()
                .text("operations", operations.clone())
                .text("map", r#"{"0":["variables.input.file"]}"#)
                .part("1", file()),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "a named file not sent",
            reqwest::multipart::Form::new()
                .text("operations", operations.clone())
                .text(
                    "map",
                    r#"{"0":["variables.input.file"],"1":["variables.input.file"]}"#,
                )
                .part("0", file()),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "too many files",
            reqwest::multipart::Form::new()
                .text("operations", operations.clone())
                .text("map", r#"{"0":["a"],"1":["b"],"2":["c"]}"#),
            413,
            "FILE_TOO_LARGE",
        ),
        (
            "operations that are not JSON",
            reqwest::multipart::Form::new()
                .text("operations", "{nope")
                .text("map", "{}"),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "operations nested too deep",
            reqwest::multipart::Form::new()
                .text(
                    "operations",
                    format!("{}{}", "[".repeat(5000), "]".repeat(5000)),
                )
                .text("map", "{}"),
            400,
            "QUERY_REJECTED",
        ),
        (
            "operations over the body limit",
            reqwest::multipart::Form::new()
                .text(
                    "operations",
                    format!("{{\"query\": \"{}\"}}", "x".repeat(300 * 1024)),
                )
                .text("map", "{}"),
            413,
            "FILE_TOO_LARGE",
        ),
    ];
    for (what, form, status, code) in cases {
        let (got, body) = post(form).await;
        assert_eq!(
            (got, body["errors"][0]["extensions"]["code"].as_str()),
            (status, Some(code)),
            "{what}: {body}"
        );
    }
    // Nobody signed in makes the server read a file.
    let (status, body) = app
        .upload_request(
            None,
            UPLOAD_DOCUMENT,
            json!({"subjectId": "x", "kind": "PHOTO"}),
            "a.png",
            png(1, 1),
        )
        .await;
    assert_eq!(
        (
            status.as_u16(),
            body["errors"][0]["extensions"]["code"].as_str()
        ),
        (401, Some("UNAUTHENTICATED")),
        "{body}"
    );
    // Without a file, the upload is refused by validation (the file is required).
    let body = app
        .gql(
            Some(&rep.token),
            UPLOAD_DOCUMENT,
            json!({"input": {"subjectId": "x", "kind": "PHOTO", "file": null}}),
        )
        .await;
    assert!(
        body["errors"][0]["extensions"]["code"].is_string(),
        "{body}"
    );
    assert_eq!(rows(&app).await, 0);
}

#[tokio::test]
async fn seeing_a_record_shows_its_files_and_only_who_may_change_it_adds_or_removes() {
    let app = TestApp::spawn().await;
    let books: Books = fixtures::books(&app).await;
    let owner = &books.rep;
    let partner = app.a_user().create().await;
    let stranger = app.a_user().create().await;
    let customer = fixtures::customer(&app, &books, "Matrix Co").await;
    let deal = a_deal(&app, &owner.token, &customer).await;
    let split = app
        .gql(
            Some(&owner.token),
            "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version } } }",
            json!({"input": {"id": deal, "expectedVersion": 1, "splits": [{"userId": owner.id, "percent": "50"}, {"userId": partner.id, "percent": "50"}]}}),
        )
        .await;
    assert!(split["errors"].is_null(), "{split}");
    let file = stored(
        &app,
        &owner.token,
        json!({"subjectId": deal, "kind": "DOCUMENT"}),
        "spec.pdf",
        PDF.to_vec(),
    )
    .await;
    let id = file["id"].as_str().unwrap();
    let download = format!("/attachments/{id}");

    // The split partner and finance see the deal and its file, and may not add or remove.
    for (who, token) in [
        ("partner", &partner.token),
        ("finance", &books.finance.token),
    ] {
        let listed = app.gql(Some(token), LIST, json!({"id": deal})).await;
        assert_eq!(
            listed["data"]["attachments"]["edges"][0]["node"]["id"], id,
            "{who}: {listed}"
        );
        assert_eq!(
            get(&app, &download, Some(token)).await.status(),
            200,
            "{who}"
        );
        let added = app
            .upload(
                token,
                json!({"subjectId": deal, "kind": "DOCUMENT"}),
                "mine.pdf",
                PDF.to_vec(),
            )
            .await;
        assert_eq!(error_code(&added), Some("FORBIDDEN"), "{who}: {added}");
        let removed = app
            .gql(Some(token), DELETE, json!({"input": {"id": id}}))
            .await;
        assert_eq!(error_code(&removed), Some("FORBIDDEN"), "{who}: {removed}");
    }
    // Who cannot see the deal is answered exactly as for a missing one.
    let hidden = app
        .gql(Some(&stranger.token), LIST, json!({"id": deal}))
        .await;
    let missing = app
        .gql(
            Some(&stranger.token),
            LIST,
            json!({"id": missing_id("Opportunity")}),
        )
        .await;
    let told = |body: &Value| {
        let e = &body["errors"][0];
        json!([
            e["message"],
            e["extensions"]["code"],
            e["extensions"]["field"]
        ])
    };
    assert_eq!(told(&hidden), told(&missing));
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"));
    let hidden_file = get(&app, &download, Some(&stranger.token)).await;
    let missing_file = get(
        &app,
        &format!("/attachments/{}", missing_id("Attachment")),
        Some(&stranger.token),
    )
    .await;
    assert_eq!(
        (hidden_file.status(), missing_file.status()),
        (
            reqwest::StatusCode::NOT_FOUND,
            reqwest::StatusCode::NOT_FOUND
        )
    );
    let hidden_body: Value = hidden_file.json().await.unwrap();
    let missing_body: Value = missing_file.json().await.unwrap();
    assert_eq!(told(&hidden_body), told(&missing_body));
    let node = app
        .gql(
            Some(&stranger.token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(node["data"]["node"], Value::Null);
    // The team's manager may change the deal: adds and removes.
    let added = stored(
        &app,
        &books.manager_token,
        json!({"subjectId": deal, "kind": "PHOTO"}),
        "shelf.png",
        png(8, 8),
    )
    .await;
    let removed = app
        .gql(
            Some(&books.manager_token),
            DELETE,
            json!({"input": {"id": added["id"]}}),
        )
        .await;
    assert_eq!(
        removed["data"]["deleteAttachment"]["deletedId"], added["id"],
        "{removed}"
    );
    // A signed link is the viewer's own: another user's link opens nothing for the stranger,
    // and the stranger's bearer token next to it is what counts.
    let owners_url = file["url"].as_str().unwrap();
    let with_token = get(&app, owners_url, Some(&stranger.token)).await;
    assert_eq!(with_token.status(), 404);
}

#[tokio::test]
async fn a_link_is_refused_once_expired_or_tampered_with() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Link Co").await;
    let stored = stored(
        &app,
        &rep.token,
        json!({"subjectId": customer, "kind": "PHOTO"}),
        "a.png",
        png(3, 3),
    )
    .await;
    let url = stored["url"].as_str().unwrap().to_owned();
    let tampered = format!("{}A", url);
    let response = get(&app, &tampered, None).await;
    assert_eq!(response.status(), 401);
    let other_file = url.replacen(stored["id"].as_str().unwrap(), &missing_id("Attachment"), 1);
    assert_eq!(get(&app, &other_file, None).await.status(), 401);
    app.clock.advance(chrono::Duration::seconds(301));
    let expired = get(&app, &url, None).await;
    assert_eq!(expired.status(), 401);
    let body: Value = expired.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_retried_upload_answers_once_and_a_client_id_names_one_file() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Retry Co").await;
    let client_id = uuid::Uuid::now_v7().to_string();
    let input = json!({"subjectId": customer, "kind": "PHOTO", "clientId": client_id});
    let first = stored(&app, &rep.token, input.clone(), "a.png", png(5, 5)).await;
    let again = stored(&app, &rep.token, input.clone(), "a.png", png(5, 5)).await;
    assert_eq!(first["id"], again["id"]);
    assert_eq!((rows(&app).await, objects(&app).await), (1, 1));
    let other = app.upload(&rep.token, input, "b.png", png(6, 6)).await;
    assert_eq!(error_code(&other), Some("DUPLICATE"), "{other}");
    assert_eq!(error_field(&other), Some("input.clientId"));
    assert_eq!((rows(&app).await, objects(&app).await), (1, 1));
}

#[tokio::test]
async fn removing_a_file_removes_its_row_and_its_object() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Gone Co").await;
    let stored = stored(
        &app,
        &rep.token,
        json!({"subjectId": customer, "kind": "PHOTO"}),
        "a.png",
        png(3, 3),
    )
    .await;
    let id = stored["id"].as_str().unwrap();
    assert_eq!(objects(&app).await, 1);
    let removed = app
        .gql(Some(&rep.token), DELETE, json!({"input": {"id": id}}))
        .await;
    assert_eq!(
        removed["data"]["deleteAttachment"]["deletedId"], id,
        "{removed}"
    );
    assert_eq!((rows(&app).await, objects(&app).await), (0, 0));
    assert_eq!(
        get(&app, &format!("/attachments/{id}"), Some(&rep.token))
            .await
            .status(),
        404
    );
    let twice = app
        .gql(Some(&rep.token), DELETE, json!({"input": {"id": id}}))
        .await;
    assert_eq!(error_code(&twice), Some("NOT_FOUND"));
    assert_eq!(error_field(&twice), Some("input.id"));
}

#[tokio::test]
async fn a_check_in_takes_photos_of_the_visit_as_proof_and_the_policy_may_require_one() {
    let app = TestApp::spawn_with(|c| c.visit_require_photo = true).await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Proof Co").await;
    let now = salesgraph::clock::Clock::now(&app.clock);
    let plan = async || {
        string_at(
            &app.gql(
                Some(&rep.token),
                "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
                json!({"input": {"customerId": customer, "purpose": "Shelf check", "plannedStart": now + chrono::Duration::hours(1), "plannedEnd": now + chrono::Duration::hours(2)}}),
            )
            .await,
            &["data", "planVisit", "visit", "id"],
        )
    };
    let visit = plan().await;
    let other_visit = plan().await;
    let check_in = |photos: Value| json!({"input": {"id": visit, "location": {"lat": 31.23, "lng": 121.47, "accuracyMeters": 10.0}, "deviceTime": now, "photoIds": photos}});
    const CHECK_IN: &str = "mutation($input: CheckInVisitInput!) { checkInVisit(input: $input) { visit { status checkInPhotos { id checkInProof } } } }";
    let without = app
        .gql(Some(&rep.token), CHECK_IN, check_in(json!([])))
        .await;
    assert_eq!(error_code(&without), Some("BAD_USER_INPUT"), "{without}");
    assert_eq!(error_field(&without), Some("input.photoIds"));
    let photo = stored(
        &app,
        &rep.token,
        json!({"subjectId": visit, "kind": "PHOTO"}),
        "door.png",
        png(9, 9),
    )
    .await;
    let elsewhere = stored(
        &app,
        &rep.token,
        json!({"subjectId": other_visit, "kind": "PHOTO"}),
        "door.png",
        png(9, 9),
    )
    .await;
    let document = stored(
        &app,
        &rep.token,
        json!({"subjectId": visit, "kind": "DOCUMENT"}),
        "menu.pdf",
        PDF.to_vec(),
    )
    .await;
    for wrong in [&elsewhere, &document] {
        let body = app
            .gql(
                Some(&rep.token),
                CHECK_IN,
                check_in(json!([photo["id"], wrong["id"]])),
            )
            .await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
        assert_eq!(error_field(&body), Some("input.photoIds.1"));
    }
    let twice = app
        .gql(
            Some(&rep.token),
            CHECK_IN,
            check_in(json!([photo["id"], photo["id"]])),
        )
        .await;
    assert_eq!(error_field(&twice), Some("input.photoIds"), "{twice}");
    // More ids than a check-in takes, and ids that name no photo: refused before anything.
    let many: Vec<String> = (0..11).map(|_| missing_id("Attachment")).collect();
    let crowd = app
        .gql(Some(&rep.token), CHECK_IN, check_in(json!(many)))
        .await;
    assert_eq!(error_code(&crowd), Some("BAD_USER_INPUT"), "{crowd}");
    assert_eq!(error_field(&crowd), Some("input.photoIds"), "{crowd}");
    let garbage = app
        .gql(Some(&rep.token), CHECK_IN, check_in(json!(["%%"])))
        .await;
    assert_eq!(error_code(&garbage), Some("BAD_USER_INPUT"), "{garbage}");
    assert_eq!(error_field(&garbage), Some("input.photoIds.0"), "{garbage}");
    let done = app
        .gql(Some(&rep.token), CHECK_IN, check_in(json!([photo["id"]])))
        .await;
    assert!(done["errors"].is_null(), "{done}");
    assert_eq!(
        done["data"]["checkInVisit"]["visit"]["status"],
        "IN_PROGRESS"
    );
    assert_eq!(
        done["data"]["checkInVisit"]["visit"]["checkInPhotos"],
        json!([{"id": photo["id"], "checkInProof": true}])
    );
    // Proof stays with the visit.
    let removed = app
        .gql(
            Some(&rep.token),
            DELETE,
            json!({"input": {"id": photo["id"]}}),
        )
        .await;
    assert_eq!(error_code(&removed), Some("INVALID_STATE"), "{removed}");
}

#[tokio::test]
async fn a_failed_store_leaves_no_row_and_no_object() {
    let dir = std::env::temp_dir().join(format!("salesgraph-broken-{}", uuid::Uuid::now_v7()));
    let url = format!("file://{}", dir.display());
    let app = TestApp::spawn_with(|c| c.storage_url = url).await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Broken Co").await;
    // The store's directory turns into a file: every write fails.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    let body = app
        .upload(
            &rep.token,
            json!({"subjectId": customer, "kind": "PHOTO"}),
            "a.png",
            png(2, 2),
        )
        .await;
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
    assert_eq!(rows(&app).await, 0);
    std::fs::remove_file(&dir).unwrap();
}

#[tokio::test]
async fn the_orphan_sweep_clears_what_a_crash_left_and_nothing_else() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Crash Co").await;
    let kept = stored_named(&app, &rep.token, &customer, "a.png").await;
    let now = salesgraph::clock::Clock::now(&app.clock);
    let rep_id = salesgraph::ids::decode_any(&rep.id).unwrap().1;
    // Two crashes: one after the object was written but before it was marked ready, one after
    // a removal was marked but before the object went.
    for status in ["PENDING", "DELETING"] {
        let id = uuid::Uuid::now_v7();
        let key = format!("attachments/2026/12/{id}");
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &png(1, 1)).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        app.state.storage.put_file(&key, file).await.unwrap();
        entity::attachment::ActiveModel {
            id: Set(id),
            subject_type: Set("CUSTOMER".into()),
            subject_id: Set(salesgraph::ids::decode_any(&customer).unwrap().1),
            kind: Set("PHOTO".into()),
            status: Set(status.into()),
            purpose: Set(None),
            file_name: Set("a.png".into()),
            content_type: Set("image/png".into()),
            byte_size: Set(33),
            sha256: Set("0".repeat(64)),
            width: Set(None),
            height: Set(None),
            taken_at: Set(None),
            latitude: Set(None),
            longitude: Set(None),
            storage_key: Set(key),
            uploaded_by: Set(rep_id),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    assert_eq!((rows(&app).await, objects(&app).await), (3, 3));
    // Too young to be an orphan: an upload may still be under way.
    let early =
        salesgraph::attachments::service::sweep(&app.state, now + chrono::Duration::minutes(30))
            .await
            .unwrap();
    assert_eq!(early.affected, 0);
    let later = now + chrono::Duration::hours(2);
    let swept = salesgraph::attachments::service::sweep(&app.state, later)
        .await
        .unwrap();
    assert_eq!(swept.affected, 2);
    assert_eq!((rows(&app).await, objects(&app).await), (1, 1));
    let listed = app
        .gql(Some(&rep.token), LIST, json!({"id": customer}))
        .await;
    assert_eq!(
        listed["data"]["attachments"]["edges"][0]["node"]["id"],
        kept["id"]
    );
}

#[tokio::test]
async fn a_large_file_streams_through_in_parts_and_comes_back_whole() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = fixtures::a_customer(&app, &rep.token, "Big Co").await;
    // 12 MiB: more than two of the store's 5 MiB parts.
    let mut bytes = PDF.to_vec();
    bytes.extend((0..12 * 1024 * 1024).map(|i: u32| (i % 251) as u8));
    let stored = stored(
        &app,
        &rep.token,
        json!({"subjectId": customer, "kind": "DOCUMENT"}),
        "catalogue.pdf",
        bytes.clone(),
    )
    .await;
    assert_eq!(stored["byteSize"], bytes.len());
    assert_eq!(stored["sha256"], sha256_hex(&bytes));
    let response = get(&app, stored["url"].as_str().unwrap(), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    let body = response.bytes().await.unwrap();
    assert_eq!(sha256_hex(&body), sha256_hex(&bytes));
}

#[tokio::test]
async fn every_kind_of_record_takes_files_and_names_itself_as_their_subject() {
    let app = TestApp::spawn().await;
    let desk = crate::quotes::desk(&app).await;
    let rep = &desk.rep;
    let pump = crate::quotes::product_in_line(&app, "Pumps", "10", "P", "100.00", "60.00").await;
    crate::quotes::set_lines(
        &app,
        &rep.token,
        &desk.deal,
        json!([{"productId": pump, "quantity": "1"}]),
    )
    .await;
    let quote = crate::quotes::create(&app, &rep.token, &desk.deal, json!({})).await;
    let contract = crate::fixtures::a_contract(&app, rep, "100.00").await;
    let customer = fixtures::a_customer(&app, &rep.token, "Every Co").await;
    let now = salesgraph::clock::Clock::now(&app.clock);
    let visit = string_at(
        &app.gql(
            Some(&rep.token),
            "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"input": {"customerId": customer, "purpose": "Look", "plannedStart": now + chrono::Duration::hours(1), "plannedEnd": now + chrono::Duration::hours(2)}}),
        )
        .await,
        &["data", "planVisit", "visit", "id"],
    );
    let follow_up = string_at(
        &app.gql(
            Some(&rep.token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": customer, "kind": "NOTE", "content": "Shelf photo attached"}}),
        )
        .await,
        &["data", "logFollowUp", "followUp", "id"],
    );
    let subjects = [
        (visit.clone(), "VISIT", "VisitTask"),
        (follow_up.clone(), "FOLLOW_UP", "FollowUp"),
        (customer.clone(), "CUSTOMER", "Customer"),
        (desk.deal.clone(), "OPPORTUNITY", "Opportunity"),
        (
            contract["id"].as_str().unwrap().to_owned(),
            "CONTRACT",
            "Contract",
        ),
        (quote["id"].as_str().unwrap().to_owned(), "QUOTE", "Quote"),
    ];
    for (id, subject_type, typename) in &subjects {
        let stored = stored(
            &app,
            &rep.token,
            json!({"subjectId": id, "kind": "OTHER"}),
            "x.png",
            png(2, 2),
        )
        .await;
        assert_eq!(stored["subjectType"], *subject_type);
        let listed = app
            .gql(
                Some(&rep.token),
                "query($id: ID!) { attachments(subjectId: $id) { edges { node { subject { __typename } } } } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(
            listed["data"]["attachments"]["edges"][0]["node"]["subject"]["__typename"], *typename,
            "{listed}"
        );
    }
    // The manager sees the rep's follow-up and its file, and may not add to another's note.
    let seen = app
        .gql(Some(&desk.manager.token), LIST, json!({"id": follow_up}))
        .await;
    assert_eq!(
        seen["data"]["attachments"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{seen}"
    );
    let added = app
        .upload(
            &desk.manager.token,
            json!({"subjectId": follow_up, "kind": "OTHER"}),
            "y.png",
            png(2, 2),
        )
        .await;
    assert_eq!(error_code(&added), Some("FORBIDDEN"), "{added}");
    // An id of a record that cannot carry files is refused on its field.
    let user = app
        .upload(
            &rep.token,
            json!({"subjectId": rep.id, "kind": "OTHER"}),
            "z.png",
            png(2, 2),
        )
        .await;
    assert_eq!(error_field(&user), Some("input.subjectId"), "{user}");
    // Listing files with their subjects costs the same statements for one file or many.
    let counted = async || {
        app.quiet().await;
        app.take_statement_count();
        let body = app
            .gql(
                Some(&rep.token),
                "query($id: ID!) { attachments(subjectId: $id) { edges { node { url uploadedBy { id } subject { __typename } } } } }",
                json!({"id": customer}),
            )
            .await;
        (body, app.take_statement_count())
    };
    let (one, few) = counted().await;
    for n in 0..5 {
        stored(
            &app,
            &rep.token,
            json!({"subjectId": customer, "kind": "PHOTO"}),
            &format!("{n}.png"),
            png(2, 2),
        )
        .await;
    }
    let (six, many) = counted().await;
    assert_eq!(
        one["data"]["attachments"]["edges"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        six["data"]["attachments"]["edges"].as_array().map(Vec::len),
        Some(6)
    );
    assert_eq!(few, many, "statements do not grow with the files listed");
}
