//! A `salesgraph serve` child process for benchmarks that need the server's own memory or its
//! survival measured apart from the load generator.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

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

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
