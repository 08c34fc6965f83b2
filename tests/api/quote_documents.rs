//! Quote PDFs: downloaded with a bearer token or a signed short-lived link, byte-stable for a
//! quote version, printing Chinese names as captured with the draft, for whoever may see the
//! quote and nobody else.

use std::io::Read;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, error_code, missing_id};
use crate::quotes::{
    a_split_partner, create, desk, mutate, product_in_line, quote_of, set_lines, step,
};

const CUSTOMER: &str = "华东机械厂";

/// A GET of `path` (with a bearer token when given): status, headers and body.
async fn get(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    (status, headers, body)
}

fn pdf_path(quote: &Value) -> String {
    let id = quote["id"].as_str().unwrap_or_default();
    format!("/documents/quotes/{id}.pdf")
}

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The PDF's streams inflated and joined: content, fonts and their character maps.
fn inflated_streams(pdf: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = pdf;
    while let Some(at) = find(rest, b"stream") {
        let mut body = &rest[at + b"stream".len()..];
        if body.starts_with(b"\r\n") {
            body = &body[2..];
        } else if body.starts_with(b"\n") {
            body = &body[1..];
        }
        let Some(end) = find(body, b"endstream") else {
            break;
        };
        let mut text = Vec::new();
        if flate2::read::ZlibDecoder::new(&body[..end])
            .read_to_end(&mut text)
            .is_ok()
        {
            out.push_str(&String::from_utf8_lossy(&text));
        }
        rest = &body[end + b"endstream".len()..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether every character of `text` is mapped to a glyph in the PDF's character maps (the
/// text is drawn in the embedded font and copies out as itself).
fn carries(pdf: &[u8], text: &str) -> bool {
    let streams = inflated_streams(pdf).to_uppercase();
    text.chars().filter(|c| !c.is_whitespace()).all(|c| {
        let mut units = [0u16; 2];
        let hex: String = c
            .encode_utf16(&mut units)
            .iter()
            .map(|u| format!("{u:04X}"))
            .collect();
        streams.contains(&format!("<{hex}>"))
    })
}

/// A quote with a Chinese product, customer and terms, drawn by a rep; with the desk.
async fn a_quote(app: &TestApp) -> (crate::quotes::Desk, Value, String) {
    let d = desk(app).await;
    let product = product_in_line(app, "泵类", "10", "PUMP-1", "1234.50", "800.00").await;
    let renamed = app
        .admin(
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { version } } }",
            json!({"input": {"id": product, "expectedVersion": 1, "name": "高精度电磁流量计"}}),
        )
        .await;
    assert!(renamed["errors"].is_null(), "{renamed}");
    set_lines(
        app,
        &d.rep.token,
        &d.deal,
        json!([{"productId": product, "quantity": "1.5", "discountPercent": "5"}]),
    )
    .await;
    let quote = create(
        app,
        &d.rep.token,
        &d.deal,
        json!({"taxRate": "13", "terms": "付款方式：到货验收后付清。"}),
    )
    .await;
    (d, quote, product)
}

async fn pdf_url(app: &TestApp, token: &str, quote: &Value) -> String {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { quote(id: $id) { pdfUrl version } }",
            json!({"id": quote["id"]}),
        )
        .await;
    body["data"]["quote"]["pdfUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

#[tokio::test]
async fn a_quote_downloads_as_the_same_pdf_for_the_same_version() {
    let app = TestApp::spawn().await;
    let (d, quote, product) = a_quote(&app).await;
    let (status, headers, first) = get(&app, Some(&d.rep.token), &pdf_path(&quote)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&first));
    assert_eq!(headers["content-type"], "application/pdf");
    let number = quote["number"].as_str().unwrap_or_default();
    assert_eq!(
        headers["content-disposition"],
        format!("inline; filename=\"{number}.pdf\"").as_str()
    );
    assert!(first.starts_with(b"%PDF-"));
    // Chinese text is drawn in the embedded font and copies out as itself.
    for text in [CUSTOMER, "高精度电磁流量计", "付款方式", number, "1,759.16"] {
        assert!(carries(&first, text), "the PDF lacks {text}");
    }
    assert!(
        !carries(&first, "蛇"),
        "a character never printed is not embedded"
    );
    // Byte-stable: again, and through the signed link, the very same file.
    let (_, again_headers, again) = get(&app, Some(&d.rep.token), &pdf_path(&quote)).await;
    assert_eq!(digest(&again), digest(&first));
    assert_eq!(again_headers["etag"], headers["etag"]);
    let link = pdf_url(&app, &d.rep.token, &quote).await;
    assert!(link.starts_with(&pdf_path(&quote)), "{link}");
    let (status, _, linked) = get(&app, None, &link).await;
    assert_eq!(status, 200);
    assert_eq!(digest(&linked), digest(&first));
    // A client holding the file is told it has not changed.
    let not_modified = app
        .client
        .get(app.url(&pdf_path(&quote)))
        .bearer_auth(&d.rep.token)
        .header("if-none-match", headers["etag"].clone())
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(not_modified.ok(), Some(304));
    // Renaming the customer or the product later does not change the quote already made.
    let customer_id = app
        .gql(
            Some(&d.rep.token),
            "query($id: ID!) { quote(id: $id) { customer { id version } } }",
            json!({"id": quote["id"]}),
        )
        .await["data"]["quote"]["customer"]
        .clone();
    let renamed = app
        .gql(
            Some(&d.rep.token),
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { name } } }",
            json!({"input": {"id": customer_id["id"], "expectedVersion": customer_id["version"], "name": "北京燕山工业集团"}}),
        )
        .await;
    assert!(renamed["errors"].is_null(), "{renamed}");
    let renamed = app
        .admin(
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { version } } }",
            json!({"input": {"id": product, "expectedVersion": 2, "name": "旧型号流量计"}}),
        )
        .await;
    assert!(renamed["errors"].is_null(), "{renamed}");
    let (_, _, after_renames) = get(&app, Some(&d.rep.token), &pdf_path(&quote)).await;
    assert_eq!(digest(&after_renames), digest(&first));
    // A new version is a new file, with the names as they stand when the draft is written;
    // the link made for the old version is refused rather than showing something else.
    let edited = quote_of(
        &mutate(
            &app,
            &d.rep.token,
            "updateQuote",
            json!({"id": quote["id"], "expectedVersion": quote["version"], "terms": "款到发货。"}),
        )
        .await,
        "updateQuote",
    );
    let (_, _, second) = get(&app, Some(&d.rep.token), &pdf_path(&edited)).await;
    assert_ne!(digest(&second), digest(&first));
    assert!(carries(&second, "北京燕山工业集团款到发货旧型号流量计"));
    let (status, _, body) = get(&app, None, &link).await;
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(error_code(&body), Some("CONFLICT"));
    // A status change is a new version too, and the draft notice goes.
    let approved = quote_of(
        &step(&app, &d.rep.token, "submitQuote", &edited).await,
        "submitQuote",
    );
    assert!(carries(&second, "草稿"));
    let (_, _, third) = get(&app, Some(&d.rep.token), &pdf_path(&approved)).await;
    assert!(!carries(&third, "草稿"));
}

#[tokio::test]
async fn a_signed_link_is_refused_once_tampered_with_expired_or_its_user_signed_out() {
    let app = TestApp::spawn().await;
    let (d, quote, _) = a_quote(&app).await;
    let link = pdf_url(&app, &d.rep.token, &quote).await;
    let refused = |status: u16, body: &[u8]| {
        let body: Value = serde_json::from_slice(body).unwrap_or_default();
        (status, error_code(&body).map(str::to_owned))
    };
    let unauthenticated = (401, Some("UNAUTHENTICATED".to_owned()));
    let other = app.a_user().create().await;
    let tampered = [
        link.replace("sig=", "sig=A"),
        link.replace(&format!("u={}", d.rep.id), &format!("u={}", other.id)),
        link.replace("v=1", "v=2"),
        link.replace("&exp=", "&exp=9"),
        link.split("&sig=").next().unwrap_or_default().to_owned(),
        format!("{}?v=1&u=not-an-id&exp=1&sig=x", pdf_path(&quote)),
        format!("{}?v=x&u=&exp=&sig=", pdf_path(&quote)),
        format!("{}&sig={}", link, "x".repeat(8_000)),
    ];
    for path in &tampered {
        let (status, _, body) = get(&app, None, path).await;
        assert_eq!(refused(status, &body), unauthenticated, "{path}");
    }
    // No token and no link; a token that is not one.
    let (status, headers, body) = get(&app, None, &pdf_path(&quote)).await;
    assert_eq!(refused(status, &body), unauthenticated);
    assert_eq!(headers["www-authenticate"], "Bearer");
    let (status, _, body) = get(&app, Some("not-a-token"), &pdf_path(&quote)).await;
    assert_eq!(refused(status, &body), unauthenticated);
    // Past its time the link is refused.
    let ttl = app.state.config.document_link_ttl_secs;
    app.clock.advance(chrono::Duration::seconds(
        i64::try_from(ttl).unwrap_or(300) + 1,
    ));
    let (status, _, body) = get(&app, None, &link).await;
    assert_eq!(refused(status, &body), unauthenticated);
    // A fresh link works until its user's tokens are revoked (here by a change of role).
    let token = app.token_for(&d.rep).await;
    let fresh = pdf_url(&app, &token, &quote).await;
    assert_eq!(get(&app, None, &fresh).await.0, 200);
    let version = app
        .admin(
            "query($id: ID!) { user(id: $id) { version } }",
            json!({"id": d.rep.id}),
        )
        .await["data"]["user"]["version"]
        .clone();
    let changed = app
        .admin(
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { role } } }",
            json!({"input": {"id": d.rep.id, "expectedVersion": version, "role": "SALES_MANAGER"}}),
        )
        .await;
    assert!(changed["errors"].is_null(), "{changed}");
    let (status, _, body) = get(&app, None, &fresh).await;
    assert_eq!(refused(status, &body), unauthenticated);
}

#[tokio::test]
async fn who_may_see_a_quote_may_download_it_and_nobody_else() {
    let app = TestApp::spawn().await;
    let (d, quote, _) = a_quote(&app).await;
    let partner = a_split_partner(&app, &d).await;
    let finance = app.a_user().role("FINANCE").create().await;
    let (_, _, owners) = get(&app, Some(&d.rep.token), &pdf_path(&quote)).await;
    for (who, token) in [
        ("manager", d.manager.token.as_str()),
        ("split partner", partner.token.as_str()),
        ("finance", finance.token.as_str()),
        ("admin", app.admin_token.as_str()),
    ] {
        let (status, _, body) = get(&app, Some(token), &pdf_path(&quote)).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(digest(&body), digest(&owners), "{who} gets the same file");
        let link = pdf_url(&app, token, &quote).await;
        assert_eq!(get(&app, None, &link).await.0, 200, "{who} through a link");
    }
    // Whoever cannot see the quote is answered exactly as for a quote that does not exist.
    let bystander = app.a_user().create().await;
    let without_request_id = |body: &[u8]| {
        let mut body: Value = serde_json::from_slice(body).unwrap_or_default();
        body["errors"][0]["extensions"]["requestId"].take();
        body
    };
    let (hidden_status, _, hidden) = get(&app, Some(&bystander.token), &pdf_path(&quote)).await;
    let missing_path = format!("/documents/quotes/{}.pdf", missing_id("Quote"));
    let (missing_status, _, missing) = get(&app, Some(&bystander.token), &missing_path).await;
    assert_eq!((hidden_status, missing_status), (404, 404));
    assert_eq!(without_request_id(&hidden), without_request_id(&missing));
    assert_eq!(error_code(&without_request_id(&hidden)), Some("NOT_FOUND"));
    // Names that are not a quote's document.
    for path in [
        "/documents/quotes/not-an-id.pdf",
        "/documents/quotes/%E6%8A%A5%E4%BB%B7.pdf",
        &pdf_path(&quote).replace(".pdf", ".txt"),
        &pdf_path(&quote).replace(".pdf", ""),
    ] {
        let (status, _, _) = get(&app, Some(&d.rep.token), path).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn the_largest_quote_renders_on_many_pages_and_parallel_downloads_agree() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let mut items = Vec::new();
    for i in 0..200 {
        let product = product_in_line(
            &app,
            &format!("线{i}"),
            "10",
            &format!("P{i:03}"),
            "999999.99",
            "1.00",
        )
        .await;
        items.push(json!({"productId": product, "quantity": "999.999", "discountPercent": "3.33"}));
    }
    set_lines(&app, &d.rep.token, &d.deal, Value::Array(items)).await;
    // Terms at their longest, with every awkward kind of text the input allows: tabs and
    // carriage returns, emoji, an unbroken run, right-to-left script and blank lines.
    let mut terms = String::from("条款\t\r\n😀 مرحبا ");
    terms.push_str(&"x".repeat(3_000));
    terms.push_str(&"\n   \n交货期三十天，".repeat(1_000));
    let terms: String = terms.chars().take(20_000).collect();
    let quote = create(&app, &d.rep.token, &d.deal, json!({"terms": terms})).await;
    let path = pdf_path(&quote);
    let downloads = (0..6).map(|_| get(&app, Some(&d.rep.token), &path));
    let results = futures_util::future::join_all(downloads).await;
    let first = digest(&results[0].2);
    for (status, _, body) in &results {
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        assert_eq!(digest(body), first);
    }
    let pdf = &results[0].2;
    let pages = pdf
        .windows(b"/Type/Page".len() + 1)
        .filter(|w| w.starts_with(b"/Type/Page") && w[w.len() - 1] != b's')
        .count();
    assert!(pages > 10, "{pages} pages");
    // The server still answers.
    let alive = app
        .gql(Some(&d.rep.token), "{ me { id } }", json!({}))
        .await;
    assert_eq!(alive["data"]["me"]["id"], json!(d.rep.id));
}
