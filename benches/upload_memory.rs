//! Memory of uploads: 20 MiB attachments sent to a `salesgraph serve` child process (so its
//! memory is its own) through the GraphQL multipart request spec, one at a time and then
//! several at once. Reports the server's resident memory before, its peak during each round
//! (`VmHWM`, reset before the round) and after, and checks every file comes back whole.
//!
//! ```sh
//! cargo bench --bench upload_memory                      # files in a local directory
//! BENCH_STORAGE_URL=s3://bucket/prefix AWS_ENDPOINT=… AWS_ALLOW_HTTP=true \
//!   AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… cargo bench --bench upload_memory
//! ```
//!
//! Knobs: `BENCH_UPLOAD_MIB` (20), `BENCH_UPLOADS` one after another (5), `BENCH_PARALLEL`
//! uploads at once in the last round (4).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use serde_json::{Value, json};
use sha2::Digest;
use support::knob;
use support::process::{ServerProcess, peak_kib, reset_peak, rss_kib};

const ADMIN: &str = "admin@upload.bench";
const PASSWORD: &str = "upload-bench-password";
const UPLOAD: &str = "mutation($input: UploadAttachmentInput!) { uploadAttachment(input: $input) { attachment { id byteSize sha256 url } } }";

/// A PDF header and `size` bytes that do not compress.
fn document(size: usize, seed: u64) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut state = seed | 1;
    while bytes.len() < size {
        // xorshift: cheap bytes no compressor or deduplication shortens.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}

async fn upload(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    customer: &str,
    bytes: Vec<u8>,
) -> Value {
    let operations = json!({"query": UPLOAD, "variables": {"input": {"subjectId": customer, "kind": "DOCUMENT", "file": null}}});
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{"0": ["variables.input.file"]}"#)
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes).file_name("catalogue.pdf"),
        );
    let body: Value = http
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["uploadAttachment"]["attachment"].clone()
}

async fn check_download(http: &reqwest::Client, base: &str, stored: &Value, bytes: &[u8]) {
    let url = format!("{base}{}", stored["url"].as_str().unwrap());
    let body = http.get(url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(
        sha2::Sha256::digest(&body)[..],
        sha2::Sha256::digest(bytes)[..],
        "the file comes back whole"
    );
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::main]
async fn main() {
    let size = knob("BENCH_UPLOAD_MIB", 20) * 1024 * 1024;
    let rounds = knob("BENCH_UPLOADS", 5);
    let parallel = knob("BENCH_PARALLEL", 4);
    let dir = std::env::temp_dir().join(format!("salesgraph-upload-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let storage = std::env::var("BENCH_STORAGE_URL")
        .unwrap_or_else(|_| format!("file://{}", dir.join("files").display()));
    let server = ServerProcess::start(&[
        (
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("bench.db").display()),
        ),
        ("SALESGRAPH_ADMIN_EMAIL", ADMIN.to_owned()),
        ("SALESGRAPH_ADMIN_PASSWORD", PASSWORD.to_owned()),
        ("SALESGRAPH_STORAGE_URL", storage.clone()),
        (
            "SALESGRAPH_UPLOAD_MAX_BYTES",
            (size + 1024 * 1024).to_string(),
        ),
    ]);
    let pid = server.child.id();
    let base = format!("http://{}", server.addr);
    let client = support::Client {
        http: reqwest::Client::new(),
        url: format!("{base}/graphql"),
    };
    let token = client.login(ADMIN, PASSWORD).await;
    let customer = client
        .gql(
            Some(&token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": "Upload Bench Co"}}),
        )
        .await["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Warm-up: the upload path's code and pools are in memory before anything is measured.
    for seed in 0..3 {
        let small = document(64 * 1024, seed);
        upload(&client.http, &base, &token, &customer, small).await;
    }
    println!(
        "Uploads of {} MiB to {storage}, server pid {pid}",
        size / (1024 * 1024)
    );
    println!(
        "| Round | RSS before, MiB | Peak during, MiB | Peak − before, MiB | RSS after, MiB |"
    );
    println!("|---|---|---|---|---|");
    let files: Vec<Vec<u8>> = (0..rounds.max(parallel))
        .map(|i| document(size, 7 + i as u64))
        .collect();
    for (round, bytes) in files.iter().take(rounds).enumerate() {
        let before = rss_kib(pid);
        assert!(reset_peak(pid), "the peak can be reset (Linux, same user)");
        let stored = upload(&client.http, &base, &token, &customer, bytes.clone()).await;
        let peak = peak_kib(pid);
        let after = rss_kib(pid);
        assert_eq!(stored["byteSize"], bytes.len());
        check_download(&client.http, &base, &stored, bytes).await;
        println!(
            "| {} of 1 at a time | {:.1} | {:.1} | {:.1} | {:.1} |",
            round + 1,
            mib(before),
            mib(peak),
            mib(peak.saturating_sub(before)),
            mib(after)
        );
    }
    let before = rss_kib(pid);
    reset_peak(pid);
    let uploads = files.iter().take(parallel).map(|bytes| {
        let (http, base, token, customer) = (
            client.http.clone(),
            base.clone(),
            token.clone(),
            customer.clone(),
        );
        let bytes = bytes.clone();
        async move { upload(&http, &base, &token, &customer, bytes).await }
    });
    let stored = futures_util::future::join_all(uploads).await;
    let peak = peak_kib(pid);
    let after = rss_kib(pid);
    for (stored, bytes) in stored.iter().zip(&files) {
        check_download(&client.http, &base, stored, bytes).await;
    }
    println!(
        "| {parallel} at once | {:.1} | {:.1} | {:.1} | {:.1} |",
        mib(before),
        mib(peak),
        mib(peak.saturating_sub(before)),
        mib(after)
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
