//! The layering of `src/`, read from its source: which file imports which (through `use` lines
//! and inline `crate::…`/`super::…` paths, outside `#[cfg(test)]` modules and comments).
//!
//! - Layers, lowest first, are declared once in [`LAYERS`]. A file that is not a GraphQL module
//!   (services, rules, models, flows, core) may import its own layer and the ones below, never a
//!   higher one, and never a GraphQL module (a domain's `types.rs`, `…_types.rs`, `inputs.rs`,
//!   `graphql.rs`, `…_graphql.rs`, `loaders.rs`, anything under `graphql/` or `http/`).
//! - GraphQL modules may reference each other across domains: that graph mirrors the schema's
//!   (`Customer.opportunities`, `Node`), and they sit above every service.
//! - [`KNOWN`] lists the violations still to be removed; a new one fails the test, and so does an
//!   entry that no longer occurs (the list only shrinks).
//!
//! - Files that are not GraphQL modules never import each other in a circle, inside a domain
//!   either: what two services share lives in a third file both import (`access.rs`).
//!
//! The cycles of the import graph are printed:
//! `cargo nextest run --no-capture -E 'test(/^layering::/)'`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules of `src/` by layer, lowest first.
const LAYERS: &[&[&str]] = &[
    // Core: no domain knowledge.
    &[
        "clock",
        "coalesce",
        "calendar",
        "config",
        "enums",
        "error",
        "money",
        "exact_sum",
        "normalize",
        "numbering",
        "search",
        "pagination",
        "statements",
        "columns",
        "db",
        "idempotency",
        "audit",
        "events",
        "metrics",
        "lifecycle",
        "sockets",
        "ids",
        "identity",
        "report_scope",
        "input",
        "server",
        "versioned",
        "trusted_documents",
        "documents",
        "storage",
        "outbox",
        "webhook_settings",
        "api_key_settings",
    ],
    // Sign-in, visibility rules, and the state every service receives (its keys and caches
    // are sign-in's); sweep plumbing takes that state; offline sync's log reads visibility.
    &["auth", "policy", "state", "sweeps", "sync"],
    // Service accounts are users; their keys sign in.
    &["users", "notifications", "service_accounts"],
    &["products", "campaigns"],
    &["customers"],
    // A stage's exit criteria gate the deal's moves, and read the deal's stages.
    &["opportunities", "playbook"],
    // A follow-up schedules the next activity.
    &["leads", "followups", "activities"],
    &["visits"],
    &["quotes"],
    &["contracts"],
    &["orders"],
    &["approvals"],
    &["billing"],
    // A file is on a visit, follow-up, customer, deal, contract or quote.
    &["attachments"],
    // After a sale: callbacks on signed contracts, planned from their deliveries; tickets.
    &["aftersales", "tickets", "health"],
    // A report counts visits, follow-ups, moves, activities and collections.
    &["analytics", "work_reports"],
    // What runs across domains; webhooks tell admins when an endpoint is disabled.
    &[
        "flows", "views", "finder", "jobs", "seed", "webhooks", "history", "exports", "imports",
        "merges", "recycle",
    ],
    // The API's surface.
    &["graphql", "http", "lib", "main"],
];

/// Violations not yet removed, as `from -> to` (paths under `src/`).
const KNOWN: &[&str] = &[];

/// A file's module path (`leads/service.rs` → `["leads", "service"]`).
fn module_of(file: &str) -> Vec<String> {
    let stem = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = stem.split('/').map(str::to_owned).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn is_graphql_module(file: &str) -> bool {
    file.starts_with("graphql/")
        || file.starts_with("http/")
        || matches!(file, "http.rs" | "lib.rs" | "main.rs")
        || file.ends_with("_types.rs")
        || file.ends_with("_graphql.rs")
        || ["types.rs", "inputs.rs", "graphql.rs", "loaders.rs"]
            .iter()
            .any(|name| file.ends_with(&format!("/{name}")))
}

fn layer_of(file: &str) -> usize {
    let top = file
        .split('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".rs");
    LAYERS
        .iter()
        .position(|layer| layer.contains(&top))
        .unwrap_or_else(|| panic!("src/{file}: its module `{top}` has no layer in LAYERS"))
}

/// The text that counts: no `#[cfg(test)]` module at the end, no comment lines.
fn code_of(source: &str) -> String {
    let source = source
        .find("#[cfg(test)]\nmod tests")
        .map_or(source, |at| &source[..at]);
    source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path written after `crate::` or `super::` (braced groups expanded one level), as
/// segments from the crate root.
fn paths_in(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        // `super` of `leads/service.rs` is `leads`; of `leads/mod.rs`, the crate.
        ("super::", module[..module.len().saturating_sub(1)].to_vec()),
    ] {
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let preceded_by_ident = rest[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            rest = &rest[at + prefix.len()..];
            if preceded_by_ident {
                continue;
            }
            let mut segments = base.clone();
            let mut tail = rest;
            loop {
                let end = tail
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(tail.len());
                if end == 0 {
                    break;
                }
                segments.push(tail[..end].to_owned());
                tail = &tail[end..];
                if let Some(next) = tail.strip_prefix("::") {
                    tail = next;
                } else {
                    break;
                }
            }
            if let Some(group) = tail.strip_prefix('{') {
                for item in top_level_items(group) {
                    let first = item.split("::").next().unwrap_or("").trim();
                    if first.starts_with(|c: char| c.is_ascii_lowercase()) && first != "self" {
                        let mut path = segments.clone();
                        path.push(first.to_owned());
                        found.push(path);
                    }
                }
            }
            found.push(segments);
        }
    }
    found
}

/// The comma-separated items of a braced group up to its closing brace.
fn top_level_items(group: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0usize, 0usize, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

fn rust_files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy();
            out.push(relative.replace('\\', "/"));
        }
    }
}

/// File → files it imports.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &root, &mut files);
    let modules: BTreeMap<Vec<String>, String> =
        files.iter().map(|f| (module_of(f), f.clone())).collect();
    let resolve = |path: &[String]| {
        (1..=path.len())
            .rev()
            .find_map(|n| modules.get(&path[..n]).cloned())
    };
    let mut graph = BTreeMap::new();
    for file in &files {
        let source = std::fs::read_to_string(root.join(file)).unwrap();
        let module = module_of(file);
        let mut imports = BTreeSet::new();
        for path in paths_in(&code_of(&source), &module) {
            if let Some(target) = resolve(&path).filter(|target| target != file) {
                imports.insert(target);
            }
        }
        graph.insert(file.clone(), imports);
    }
    graph
}

/// Strongly connected components of more than one file (Tarjan, iterative).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: Vec<&String> = graph.keys().collect();
    let index_of: BTreeMap<&String, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let successors: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            graph[*n]
                .iter()
                .filter_map(|t| index_of.get(t).copied())
                .collect()
        })
        .collect();
    let count = nodes.len();
    let (mut index, mut low, mut on_stack) =
        (vec![usize::MAX; count], vec![0; count], vec![false; count]);
    let (mut stack, mut next, mut found) = (Vec::new(), 0, Vec::new());
    for start in 0..count {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work = vec![(start, 0usize)];
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = successors[v].get(*edge) {
                *edge += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(nodes[w].clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    found.push(component);
                }
            }
        }
    }
    found
}

fn violations(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (from, imports) in graph {
        if is_graphql_module(from) {
            continue;
        }
        for to in imports {
            if is_graphql_module(to) || layer_of(to) > layer_of(from) {
                found.insert(format!("{from} -> {to}"));
            }
        }
    }
    found
}

#[test]
fn lower_layers_never_import_higher_ones_nor_services_the_graphql_layer() {
    let graph = import_graph();
    for component in cycles(&graph) {
        println!(
            "cycle of {} files: {}",
            component.len(),
            component.join(", ")
        );
    }
    let services: BTreeMap<String, BTreeSet<String>> = graph
        .iter()
        .filter(|(file, _)| !is_graphql_module(file))
        .map(|(file, imports)| {
            let kept = imports
                .iter()
                .filter(|to| !is_graphql_module(to))
                .cloned()
                .collect();
            (file.clone(), kept)
        })
        .collect();
    let service_cycles = cycles(&services);
    assert!(
        service_cycles.is_empty(),
        "services import each other in a circle (move what they share into a file both import):\n{}",
        service_cycles
            .iter()
            .map(|component| component.join(", "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let found = violations(&graph);
    let known: BTreeSet<String> = KNOWN.iter().map(|k| (*k).to_owned()).collect();
    let new: Vec<_> = found.difference(&known).collect();
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(
        new.is_empty(),
        "imports against the layering (LAYERS in this file):\n{}",
        new.iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        gone.is_empty(),
        "no longer violations; remove them from KNOWN:\n{}",
        gone.iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_reader_sees_use_lines_braces_inline_paths_and_super() {
    let code = code_of(
        "use crate::customers::service::{\n    self as customers, NewContact,\n    helpers::{a, b},\n};\n// crate::billing::ignored\nfn f() { crate::visits::rules::today(); super::model::X; }\n#[cfg(test)]\nmod tests { use crate::seed; }",
    );
    let module = vec!["leads".to_owned(), "service".to_owned()];
    let paths: BTreeSet<String> = paths_in(&code, &module)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    assert!(paths.contains("customers::service"));
    assert!(paths.contains("customers::service::helpers"));
    assert!(paths.contains("visits::rules::today"));
    assert!(paths.contains("leads::model::X"));
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("billing") || p.starts_with("seed"))
    );
    // `super` of a `mod.rs` is the crate.
    let paths = paths_in("super::state::AppState", &["leads".to_owned()]);
    assert_eq!(paths, vec![vec!["state".to_owned(), "AppState".to_owned()]]);
}
