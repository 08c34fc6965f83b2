//! A record's field history, derived from its audit entries: each entry names the fields it
//! set, and a field's previous value is what the entry before it set (or `null`). A stage or
//! status move records both ends itself. Values a role may not see are masked.

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::identity::{Role, Viewer};
use crate::ids::encode_id;
use crate::money::Money;
use crate::pagination::{Cursor, Page, PageRequest, SortValue, encode_cursor};
use entity::audit_log;

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The audit entry it comes from.
    pub entry_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Whether `from` and `to` were withheld from the viewer.
    pub masked: bool,
}

/// A value as history shows it: money as a decimal, known ids as global ids, text as is, and
/// anything structured as compact JSON.
fn render(action: &str, key: &str, value: &Json) -> (String, Option<String>) {
    if let Some((name, kind)) = crate::outbox::id_field(action, key) {
        let id = value.as_str().and_then(|text| Uuid::parse_str(text).ok());
        return (
            name.to_owned(),
            id.map(|id| encode_id(kind, id).to_string()),
        );
    }
    if let Some(name) = key.strip_suffix("Minor")
        && let Some(minor) = value.as_i64()
    {
        return (
            name.to_owned(),
            Some(Money::from_minor(minor).to_decimal().to_string()),
        );
    }
    let text = match value {
        Json::Null => None,
        Json::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    };
    (key.to_owned(), text)
}

/// The field a move's `from` and `to` describe.
fn moved_field(action: &str) -> &'static str {
    if action == "opportunity.stage_changed" {
        "stageId"
    } else {
        "status"
    }
}

/// Whether `viewer` may not see `field`'s values: costs and margins for reps, money for
/// customer service.
fn hidden(viewer: &Viewer, field: &str) -> bool {
    let lower = field.to_ascii_lowercase();
    match viewer.role {
        Role::SalesRep => lower.contains("cost") || lower.contains("margin"),
        Role::Support => [
            "amount",
            "price",
            "cost",
            "margin",
            "total",
            "credit",
            "allocated",
            "budget",
        ]
        .iter()
        .any(|money| lower.contains(money)),
        _ => false,
    }
}

/// The changes recorded in `entries` (any order), newest first, masked for `viewer`.
pub fn changes(viewer: &Viewer, mut entries: Vec<audit_log::Model>) -> Vec<FieldChange> {
    entries.sort_by_key(|entry| entry.id);
    let mut last: std::collections::HashMap<String, Option<String>> = Default::default();
    let mut found = Vec::new();
    for entry in entries {
        let Ok(Json::Object(details)) = serde_json::from_str::<Json>(&entry.details) else {
            continue;
        };
        let mut of_entry = Vec::new();
        let mut push = |field: String, from: Option<String>, to: Option<String>| {
            let masked = hidden(viewer, &field);
            of_entry.push(FieldChange {
                entry_id: entry.id,
                at: entry.created_at,
                actor_id: entry.actor_id,
                action: entry.action.clone(),
                from: if masked { None } else { from },
                to: if masked { None } else { to },
                field,
                masked,
            });
        };
        if let (Some(from), Some(to)) = (details.get("from"), details.get("to")) {
            let field = moved_field(&entry.action);
            let rendered = |value: &Json| match (field, value.as_str()) {
                ("stageId", Some(text)) => Uuid::parse_str(text)
                    .map(|id| encode_id(crate::ids::NodeType::PipelineStage, id).to_string())
                    .ok(),
                _ => render(&entry.action, field, value).1,
            };
            let (from, to) = (rendered(from), rendered(to));
            last.insert(field.to_owned(), to.clone());
            push(field.to_owned(), from, to);
        }
        for (key, value) in &details {
            // A change records `null` for a field it left alone as often as for one it
            // cleared: neither shows.
            if key == "from" || key == "to" || value.is_null() {
                continue;
            }
            let (field, to) = render(&entry.action, key, value);
            let from = last.insert(field.clone(), to.clone()).flatten();
            if from == to {
                continue;
            }
            push(field, from, to);
        }
        found.push(of_entry);
    }
    // Newest change first; a change's fields in the order it recorded them.
    found.into_iter().rev().flatten().collect()
}

fn cursor_of(change: &FieldChange) -> Cursor {
    Cursor {
        id: change.entry_id,
        value: Some(SortValue::Text(change.field.clone())),
    }
}

/// The page `request` asks for of `changes` (already in their order).
pub fn page(changes: Vec<FieldChange>, request: &PageRequest) -> Page<FieldChange> {
    let position = |cursor: &Cursor| changes.iter().position(|c| cursor_of(c) == *cursor);
    let (after, before, size, backward) = match request {
        PageRequest::Forward {
            after,
            before,
            first,
            ..
        } => (after, before, *first, false),
        PageRequest::Backward {
            after,
            before,
            last,
            ..
        } => (after, before, *last, true),
    };
    let start = after
        .as_ref()
        .map_or(0, |c| position(c).map_or(changes.len(), |at| at + 1));
    let end = before
        .as_ref()
        .map_or(changes.len(), |c| position(c).unwrap_or(0));
    let end = end.max(start);
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let (from, to) = if backward {
        (end.saturating_sub(size).max(start), end)
    } else {
        (start, start.saturating_add(size).min(end))
    };
    let total = changes.len();
    let items: Vec<FieldChange> = changes.into_iter().skip(from).take(to - from).collect();
    Page {
        cursors: items.iter().map(|c| encode_cursor(cursor_of(c))).collect(),
        items,
        has_previous_page: from > 0,
        has_next_page: to < total,
        total_count: request.counts().then_some(total as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn viewer(role: Role) -> Viewer {
        Viewer {
            user_id: Uuid::nil(),
            role,
            team_id: None,
            managed_team_ids: Vec::new(),
            team_manager_id: None,
            timezone: chrono_tz::UTC,
            service: None,
        }
    }

    fn entry(seconds: i64, action: &str, details: Json) -> audit_log::Model {
        let at = DateTime::UNIX_EPOCH + chrono::Duration::seconds(seconds);
        audit_log::Model {
            id: Uuid::new_v7(uuid::Timestamp::from_unix(
                uuid::NoContext,
                u64::try_from(seconds).unwrap_or(0),
                0,
            )),
            actor_id: None,
            action: action.to_owned(),
            subject_type: "Opportunity".to_owned(),
            subject_id: Uuid::nil(),
            details: details.to_string(),
            created_at: at,
        }
    }

    #[test]
    fn each_change_names_the_value_before_it_and_unchanged_fields_are_left_out() {
        let stage = Uuid::now_v7();
        let entries = vec![
            entry(
                3,
                "opportunity.updated",
                json!({"name": "B", "amountMinor": 150, "ownerId": null}),
            ),
            entry(
                1,
                "opportunity.created",
                json!({"name": "A", "amountMinor": 100}),
            ),
            entry(
                2,
                "opportunity.updated",
                json!({"name": "A", "costMinor": 40}),
            ),
            entry(
                4,
                "opportunity.stage_changed",
                json!({"from": stage, "to": stage, "status": "WON"}),
            ),
        ];
        let admin = changes(&viewer(Role::Admin), entries.clone());
        let seen: Vec<(&str, Option<&str>, Option<&str>)> = admin
            .iter()
            .map(|c| (c.field.as_str(), c.from.as_deref(), c.to.as_deref()))
            .collect();
        let stage_id = encode_id(crate::ids::NodeType::PipelineStage, stage).to_string();
        assert_eq!(
            seen,
            [
                ("stageId", Some(stage_id.as_str()), Some(stage_id.as_str())),
                ("status", None, Some("WON")),
                ("amount", Some("1.00"), Some("1.50")),
                ("name", Some("A"), Some("B")),
                ("cost", None, Some("0.40")),
                ("amount", None, Some("1.00")),
                ("name", None, Some("A")),
            ]
        );
        let rep = changes(&viewer(Role::SalesRep), entries.clone());
        let cost = rep.iter().find(|c| c.field == "cost").expect("cost");
        assert!(cost.masked && cost.from.is_none() && cost.to.is_none());
        let support = changes(&viewer(Role::Support), entries);
        assert!(
            support
                .iter()
                .filter(|c| c.field == "amount")
                .all(|c| c.masked)
        );
        assert!(support.iter().any(|c| c.field == "name" && !c.masked));
    }

    #[test]
    fn pages_continue_after_and_before_their_cursors() {
        let entries = (1..=5)
            .map(|n| entry(n, "customer.updated", json!({"name": format!("N{n}")})))
            .collect();
        let all = changes(&viewer(Role::Admin), entries);
        let first = PageRequest::parse(None, None, Some(2), None).expect("request");
        let one = page(all.clone(), &first);
        assert_eq!(one.items.len(), 2);
        assert!(one.has_next_page && !one.has_previous_page);
        let next = PageRequest::parse(one.cursors.last().map(String::as_str), None, Some(2), None)
            .expect("request");
        let two = page(all.clone(), &next);
        assert_eq!(two.items[0], all[2]);
        let back = PageRequest::parse(None, two.cursors.first().map(String::as_str), None, Some(5))
            .expect("request");
        let before = page(all.clone(), &back);
        assert_eq!(before.items, all[..2].to_vec());
        assert!(!before.has_previous_page && before.has_next_page);
    }
}
