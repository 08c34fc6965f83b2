//! Grammar-based fuzzing of the parse → validate → execute path: documents generated from the
//! GraphQL grammar with the schema's own names, in deep and wide shapes (value nesting,
//! fragment fan-out and cycles, directives, aliases, odd strings), with byte-level damage on
//! top and random variables, run anonymously and as an admin. No document may panic, abort,
//! answer an internal error or take a second.
//!
//! Four shards of 25,000 documents run in CI (seeded, so a failure names a reproducible case).
//! A longer run, optimised (`FUZZ_CASES` per shard; `--no-capture` prints each shard's slowest
//! document): `FUZZ_CASES=1000000 FUZZ_SEED=13 cargo nextest run --release --no-capture -E
//! 'test(/^fuzz::/)'` — 4,000,000 documents, results in benches/RESULTS.md.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use async_graphql::{Request, Variables};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::helpers::*;

/// Names of the schema's fields, arguments and types (and a few that exist nowhere).
const NAMES: &[&str] = &[
    "serverInfo",
    "version",
    "currency",
    "me",
    "id",
    "email",
    "displayName",
    "team",
    "name",
    "manager",
    "customers",
    "nodes",
    "edges",
    "node",
    "cursor",
    "pageInfo",
    "hasNextPage",
    "totalCount",
    "opportunities",
    "owner",
    "customer",
    "stage",
    "amount",
    "leads",
    "contracts",
    "users",
    "teams",
    "myVisitTasks",
    "pipelineStages",
    "forecast",
    "funnel",
    "salesPerformance",
    "notifications",
    "login",
    "createCustomer",
    "createLead",
    "logout",
    "lead",
    "accessToken",
    "first",
    "after",
    "last",
    "before",
    "filter",
    "search",
    "input",
    "ids",
    "date",
    "Query",
    "Mutation",
    "User",
    "Customer",
    "__typename",
    "__schema",
    "__type",
    "types",
    "fields",
    "ofType",
    "kind",
    "x",
    "nope",
];
const DIRECTIVES: &[&str] = &["include", "skip", "deprecated", "d", "specifiedBy"];
const STRINGS: &[&str] = &[
    r#""""#,
    r#""plain""#,
    r#""\u0000""#,
    r#""bell\u0007""#,
    r#""\uD800""#,
    "\"中文客户 🚀\"",
    r#""""block "" \""" string""""#,
    r#""unterminated"#,
    r#""50%_\\""#,
    r#""2026-12-03""#,
    r#""2026-12-03T08:00:00Z""#,
    r#""999999999999.99""#,
    r#""92233720368547758.07""#,
    r#""Q3VzdG9tZXI6MDE5MzAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw""#,
];
const HEADS: &[&str] = &[
    "",
    "query",
    "query Q",
    "mutation",
    "subscription",
    "query($v: [Int] = [1])",
    "query($v: String, $input: CreateCustomerInput)",
    "mutation($input: CreateCustomerInput!)",
];

struct Generator {
    rng: StdRng,
}

impl Generator {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    fn name(&mut self, out: &mut String) {
        if self.chance(90) {
            out.push_str(self.pick(NAMES));
        } else {
            let len = self.rng.random_range(1..12);
            for i in 0..len {
                let c = self.rng.random_range(b'a'..=b'z') as char;
                out.push(if i == 0 { c.to_ascii_uppercase() } else { c });
            }
        }
    }

    fn leaf(&mut self, out: &mut String) {
        match self.rng.random_range(0..8) {
            0 => write!(out, "{}", self.rng.random::<i64>()).unwrap_or_default(),
            1 => out.push_str("99999999999999999999999999999"),
            2 => write!(out, "{:?}", self.rng.random::<f64>()).unwrap_or_default(),
            3 | 4 => out.push_str(self.pick(STRINGS)),
            5 => out.push_str(self.pick(&["true", "null", "SALES_REP", "CALL", "ADMIN"])),
            6 => out.push_str("$v"),
            _ => out.push_str("$input"),
        }
    }

    fn value(&mut self, out: &mut String, depth: usize) {
        if self.chance(2) {
            // Far past the nesting limits.
            let deep = self.rng.random_range(1..3_000);
            let (open, close) = if self.chance(50) {
                ("[", "]")
            } else {
                ("{a: ", "}")
            };
            out.push_str(&open.repeat(deep));
            self.leaf(out);
            out.push_str(&close.repeat(deep));
            return;
        }
        if depth >= 5 || self.chance(50) {
            return self.leaf(out);
        }
        let items = self.rng.random_range(0..5);
        if self.chance(50) {
            out.push('[');
            for _ in 0..items {
                self.value(out, depth + 1);
                out.push(' ');
            }
            out.push(']');
        } else {
            out.push('{');
            for _ in 0..items {
                self.name(out);
                out.push_str(": ");
                self.value(out, depth + 1);
                out.push(' ');
            }
            out.push('}');
        }
    }

    fn arguments(&mut self, out: &mut String) {
        if self.chance(50) {
            return;
        }
        out.push('(');
        for _ in 0..self.rng.random_range(1..4) {
            self.name(out);
            out.push_str(": ");
            self.value(out, 0);
            out.push(' ');
        }
        out.push(')');
    }

    fn directives(&mut self, out: &mut String) {
        match self.rng.random_range(0..20) {
            0..=14 => {}
            15..=18 => {
                out.push_str(" @");
                out.push_str(self.pick(DIRECTIVES));
                self.arguments(out);
            }
            _ => {
                for i in 0..self.rng.random_range(1..400) {
                    write!(out, " @d{i}").unwrap_or_default();
                }
            }
        }
    }

    fn selection_set(&mut self, out: &mut String, depth: usize) {
        out.push_str("{ ");
        for _ in 0..self.rng.random_range(1..5) {
            match self.rng.random_range(0..10) {
                0 => write!(out, "...F{} ", self.rng.random_range(0..6)).unwrap_or_default(),
                1 if depth < 10 => {
                    out.push_str("... on ");
                    self.name(out);
                    out.push(' ');
                    self.selection_set(out, depth + 1);
                }
                _ => {
                    if self.chance(15) {
                        self.name(out);
                        out.push_str(": ");
                    }
                    self.name(out);
                    self.arguments(out);
                    self.directives(out);
                    if depth < 10 && self.chance(40) {
                        out.push(' ');
                        self.selection_set(out, depth + 1);
                    }
                }
            }
            out.push(' ');
        }
        out.push('}');
    }

    fn fan_out(&mut self, out: &mut String) {
        let n = self.rng.random_range(1..40);
        out.push_str("query { ...G0 }");
        for i in 0..n {
            write!(out, " fragment G{i} on Query {{ ...G{0} ...G{0} }}", i + 1).unwrap_or_default();
        }
        write!(
            out,
            " fragment G{n} on Query {{ serverInfo {{ version }} }}"
        )
        .unwrap_or_default();
    }

    fn document(&mut self) -> String {
        let mut out = String::new();
        if self.chance(5) {
            self.fan_out(&mut out);
        } else {
            out.push_str(self.pick(HEADS));
            self.directives(&mut out);
            out.push(' ');
            self.selection_set(&mut out, 0);
            for i in 0..self.rng.random_range(0..6) {
                write!(out, " fragment F{i} on ").unwrap_or_default();
                self.name(&mut out);
                self.directives(&mut out);
                out.push(' ');
                self.selection_set(&mut out, 1);
            }
        }
        // Byte-level damage: cut, insert a random character, or repeat a prefix.
        let at = self.rng.random_range(0..=out.len());
        let at = (0..=at)
            .rev()
            .find(|i| out.is_char_boundary(*i))
            .unwrap_or(0);
        match self.rng.random_range(0..10) {
            0 => out.truncate(at),
            1 => {
                let c = char::from_u32(self.rng.random_range(0..0x3000)).unwrap_or('\u{0}');
                out.insert(at, c);
            }
            2 => {
                let prefix = out[..at].to_owned();
                out.push_str(&prefix);
            }
            _ => {}
        }
        out
    }

    fn json(&mut self, depth: usize) -> Value {
        match self.rng.random_range(0..8) {
            _ if depth >= 6 => Value::Null,
            0 => Value::Null,
            1 => json!(self.rng.random::<i64>()),
            2 => json!("a\u{0}b"),
            3 => json!("plain text"),
            4 | 5 => Value::Array(
                (0..self.rng.random_range(0..4))
                    .map(|_| self.json(depth + 1))
                    .collect(),
            ),
            _ => {
                let mut object = serde_json::Map::new();
                for _ in 0..self.rng.random_range(0..4) {
                    let mut key = String::new();
                    self.name(&mut key);
                    object.insert(key, self.json(depth + 1));
                }
                Value::Object(object)
            }
        }
    }

    fn variables(&mut self) -> Value {
        if self.chance(40) {
            return Value::Null;
        }
        json!({ "v": self.json(0), "input": self.json(0) })
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Runs `FUZZ_CASES` generated documents through the executor, half anonymous, half admin.
fn fuzz_shard(shard: u64) {
    let cases = env_number("FUZZ_CASES", 25_000);
    let seed = env_number("FUZZ_SEED", 0) * 1_000 + shard;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (app, admin) = runtime.block_on(async {
        let app = TestApp::spawn().await;
        let admin = salesgraph::auth::service::authenticate(&app.state, &app.admin_token)
            .await
            .unwrap()
            .viewer;
        (app, admin)
    });
    let state = app.state.clone();
    let executor = salesgraph::graphql::http_executor(state.clone());
    let mut generator = Generator {
        rng: StdRng::seed_from_u64(seed),
    };
    let mut slowest = (Duration::ZERO, String::new());
    let started = Instant::now();
    for case in 0..cases {
        let query = generator.document();
        let variables = generator.variables();
        let signed_in = generator.chance(50);
        let viewer = signed_in.then_some(&admin);
        let run = || {
            let mut request =
                Request::new(query.clone()).variables(Variables::from_json(variables.clone()));
            if let Some(viewer) = viewer {
                request.data.insert(viewer.clone());
            }
            runtime.block_on(async {
                salesgraph::graphql::add_loaders(&state, viewer, &mut request.data);
                let at = Instant::now();
                let response =
                    tokio::time::timeout(Duration::from_secs(5), executor.execute(request))
                        .await
                        .unwrap_or_else(|_| {
                            panic!("seed {seed} case {case}: no answer in 5 s: {query:.500}")
                        });
                for error in &response.errors {
                    let code = error.extensions.as_ref().and_then(|x| x.get("code"));
                    assert_ne!(
                        code,
                        Some(&async_graphql::Value::from("INTERNAL_SERVER_ERROR")),
                        "seed {seed} case {case}: {} for {query:.500}",
                        error.message
                    );
                }
                at.elapsed()
            })
        };
        let mut took = run();
        if took >= Duration::from_secs(1) {
            // Two cores shared with the rest of the suite can stall one run; a document that
            // is itself slow is slow again.
            took = took.min(run());
        }
        if took > slowest.0 {
            slowest = (took, query.chars().take(200).collect());
        }
        assert!(
            took < Duration::from_secs(1),
            "seed {seed} case {case}: {took:?} for {query:.500}"
        );
    }
    println!(
        "fuzz seed {seed}: {cases} documents in {:?}, slowest {:?}: {}",
        started.elapsed(),
        slowest.0,
        slowest.1
    );
    drop(app);
}

#[test]
fn fuzzed_documents_shard_0() {
    fuzz_shard(0);
}

#[test]
fn fuzzed_documents_shard_1() {
    fuzz_shard(1);
}

#[test]
fn fuzzed_documents_shard_2() {
    fuzz_shard(2);
}

#[test]
fn fuzzed_documents_shard_3() {
    fuzz_shard(3);
}
