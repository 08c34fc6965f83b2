//! The rows that link to a customer, moved to a merge's survivor and, on undo, back: each
//! table's rows are read (their ids and the record they linked to, kept for the undo), then
//! moved in one statement; rows with an `updated_at` are stamped, so offline copies fetch them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use crate::error::AppResult;

/// A table whose rows link to a customer.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub table: &'static str,
    /// The column holding the customer's id.
    pub column: &'static str,
    /// Only rows whose `subject_type` is this (rows about several kinds of record).
    pub subject: Option<&'static str>,
    /// Whether the table has an `updated_at` to stamp.
    pub stamped: bool,
}

const fn by_column(table: &'static str, column: &'static str, stamped: bool) -> Link {
    Link {
        table,
        column,
        subject: None,
        stamped,
    }
}

const fn by_subject(table: &'static str, stamped: bool) -> Link {
    about("CUSTOMER", table, stamped)
}

const fn about(subject: &'static str, table: &'static str, stamped: bool) -> Link {
    Link {
        table,
        column: "subject_id",
        subject: Some(subject),
        stamped,
    }
}

/// Every row that names a customer: contacts, deals, visits, follow-ups, contracts, plans,
/// invoices, payments, refunds, quotes, orders, tickets, callbacks, the leads converted into
/// it, and the activities and attachments on it.
pub const CUSTOMER_LINKS: &[Link] = &[
    by_column("contacts", "customer_id", true),
    by_column("opportunities", "customer_id", true),
    by_column("visit_tasks", "customer_id", true),
    by_column("follow_ups", "customer_id", false),
    by_column("contracts", "customer_id", true),
    by_column("installments", "customer_id", true),
    by_column("invoices", "customer_id", true),
    by_column("payments", "customer_id", true),
    by_column("refunds", "customer_id", true),
    by_column("quotes", "customer_id", true),
    by_column("orders", "customer_id", true),
    by_column("tickets", "customer_id", true),
    by_column("callbacks", "customer_id", true),
    by_column("leads", "converted_customer_id", true),
    by_subject("follow_ups", false),
    by_subject("activities", true),
    by_subject("attachments", true),
];

/// Every row that names a contact: deals (as their contact or decision maker), visits,
/// callbacks, tickets, the leads converted into it, and its campaign memberships (those in
/// campaigns the survivor is in already are removed first, see `merges::contacts`).
pub const CONTACT_LINKS: &[Link] = &[
    by_column("opportunities", "contact_id", true),
    by_column("opportunities", "decision_maker_id", true),
    by_column("visit_tasks", "contact_id", true),
    by_column("callbacks", "contact_id", true),
    by_column("tickets", "contact_id", true),
    by_column("leads", "converted_contact_id", true),
    by_column("campaign_members", "contact_id", true),
];

/// Every row that names a lead: its events, follow-ups and activities, the deals and visits
/// started from it, and its campaign memberships (as for contacts).
pub const LEAD_LINKS: &[Link] = &[
    by_column("lead_events", "lead_id", false),
    by_column("follow_ups", "lead_id", false),
    about("LEAD", "follow_ups", false),
    about("LEAD", "activities", true),
    by_column("opportunities", "lead_id", true),
    by_column("visit_tasks", "lead_id", true),
    by_column("campaign_members", "lead_id", true),
];

/// The rows a merge moved: per link (`table.column`), each row's id and the record it named.
pub type Moved = BTreeMap<String, Vec<(Uuid, Uuid)>>;

fn key(link: &Link) -> String {
    format!("{}.{}", link.table, link.column)
}

fn uuids(ids: &[Uuid]) -> Vec<Value> {
    ids.iter().map(|id| Value::Uuid(Some(*id))).collect()
}

/// The link's rows that name one of `records`.
fn naming(link: &Link, records: &[Uuid]) -> SelectStatement {
    let mut select = Query::select()
        .column(Alias::new("id"))
        .column(Alias::new(link.column))
        .from(Alias::new(link.table))
        .and_where(Expr::col(Alias::new(link.column)).is_in(uuids(records)))
        .to_owned();
    if let Some(subject) = link.subject {
        select.and_where(Expr::col(Alias::new("subject_type")).eq(subject));
    }
    select
}

/// Moves every linked row of `from` to `to`; what moved, for the undo.
pub async fn move_links(
    db: &impl ConnectionTrait,
    links: &[Link],
    from: &[Uuid],
    to: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Moved> {
    let mut moved = Moved::new();
    for link in links {
        let rows = db.query_all(&naming(link, from)).await?;
        let mut pairs = Vec::with_capacity(rows.len());
        for row in rows {
            pairs.push((
                row.try_get::<Uuid>("", "id")?,
                row.try_get::<Uuid>("", link.column)?,
            ));
        }
        if pairs.is_empty() {
            continue;
        }
        let ids: Vec<Uuid> = pairs.iter().map(|(id, _)| *id).collect();
        set_link(db, link, &ids, to, now).await?;
        moved.insert(key(link), pairs);
    }
    Ok(moved)
}

/// Points the link's rows `ids` at `record`.
async fn set_link(
    db: &impl ConnectionTrait,
    link: &Link,
    ids: &[Uuid],
    record: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for part in ids.chunks(500) {
        let mut update = Query::update()
            .table(Alias::new(link.table))
            .value(Alias::new(link.column), Value::Uuid(Some(record)))
            .and_where(Expr::col(Alias::new("id")).is_in(uuids(part)))
            .to_owned();
        if link.stamped {
            update.value(Alias::new("updated_at"), now);
        }
        db.execute(&update).await?;
    }
    Ok(())
}

/// Points every moved row back at the record it named before.
pub async fn move_back(
    db: &impl ConnectionTrait,
    links: &[Link],
    moved: &Moved,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for link in links {
        let Some(pairs) = moved.get(&key(link)) else {
            continue;
        };
        let mut by_record: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
        for (id, record) in pairs {
            by_record.entry(*record).or_default().push(*id);
        }
        for (record, ids) in by_record {
            set_link(db, link, &ids, record, now).await?;
        }
    }
    Ok(())
}

/// How many rows of each link name `record` (a merge's survivor: more or fewer later means
/// something was linked or unlinked since).
pub async fn linked_counts(
    db: &impl ConnectionTrait,
    links: &[Link],
    record: Uuid,
) -> AppResult<BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for link in links {
        let mut select = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from(Alias::new(link.table))
            .and_where(Expr::col(Alias::new(link.column)).eq(Value::Uuid(Some(record))))
            .to_owned();
        if let Some(subject) = link.subject {
            select.and_where(Expr::col(Alias::new("subject_type")).eq(subject));
        }
        let n = match db.query_one(&select).await? {
            Some(row) => row.try_get::<i64>("", "n")?,
            None => 0,
        };
        counts.insert(key(link), n);
    }
    Ok(counts)
}
