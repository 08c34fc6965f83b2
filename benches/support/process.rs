//! A `salesgraph serve` child process for benchmarks that need the server's own memory or its
//! survival measured apart from the load generator.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// The running server; killed when dropped.
pub struct ServerProcess {
    pub child: Child,
    pub addr: String,
}

impl ServerProcess {
    /// Starts the binary with `env` on a free loopback port, read back from its JSON start-up
    /// log. Lines the server logs at ERROR level (other than an unreachable database) are
    /// echoed to standard error.
    pub fn start(env: &[(&str, String)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_salesgraph"));
        command
            .arg("serve")
            .env("SALESGRAPH_BIND", "127.0.0.1:0")
            .env("SALESGRAPH_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn,salesgraph=info")
            .env("SALESGRAPH_ACCESS_TOKEN_TTL_SECS", "3600")
            .env("SALESGRAPH_ARGON2_MEMORY_KIB", "1024")
            .env("SALESGRAPH_ARGON2_ITERATIONS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start salesgraph");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let parsed: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                if let Some(addr) = parsed["fields"]["address"].as_str() {
                    let _ = tx.send(addr.to_owned());
                }
                if parsed["level"] == "ERROR"
                    && parsed["fields"]["message"] != "database unreachable"
                {
                    eprintln!("server error log: {line}");
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the server logs its address");
        Self { child, addr }
    }
}

impl ServerProcess {
    /// Starts the binary on its own schema of the PostgreSQL database at `base`, with its own
    /// event channel, bootstrap admin and JWT secret, plus `extra` settings.
    pub fn start_in_schema(
        base: &str,
        schema: &str,
        admin: (&str, &str),
        extra: &[(&str, String)],
    ) -> Self {
        let mut env = vec![
            ("DATABASE_URL", base.to_owned()),
            ("SALESGRAPH_DATABASE_SCHEMA", schema.to_owned()),
            ("SALESGRAPH_EVENT_CHANNEL", format!("events_{schema}")),
            ("SALESGRAPH_ADMIN_EMAIL", admin.0.to_owned()),
            ("SALESGRAPH_ADMIN_PASSWORD", admin.1.to_owned()),
            (
                "SALESGRAPH_JWT_SECRET",
                format!("bench-secret-{schema}-long-enough-for-hs256"),
            ),
        ];
        env.extend(extra.iter().cloned());
        Self::start(&env)
    }
}

/// Resident memory of a process, in KiB (0 when it cannot be read).
pub fn rss_kib(pid: u32) -> u64 {
    proc_kib(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// The highest resident memory of a process since it started or since [`reset_peak`], in KiB.
#[allow(dead_code)] // not every benchmark reports it
pub fn peak_kib(pid: u32) -> u64 {
    proc_kib(&format!("/proc/{pid}/status"), "VmHWM:")
}

/// Starts counting a process's peak resident memory afresh (Linux `clear_refs` 5).
#[allow(dead_code)] // not every benchmark reports it
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Of the resident memory, the pages the process freed with `MADV_FREE`: still counted in RSS
/// until the kernel needs them, then taken back without a write (`LazyFree` in `smaps_rollup`).
#[allow(dead_code)] // not every benchmark reports it
pub fn lazy_free_kib(pid: u32) -> u64 {
    proc_kib(&format!("/proc/{pid}/smaps_rollup"), "LazyFree:")
}

/// The `field` line of a `/proc` file, in kB (0 when it cannot be read).
fn proc_kib(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One GraphQL request to a server process; the whole response body.
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = http
        .post(url)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
