//! Keeping the search index current. Each kind of record has a watermark (its `updated_at`,
//! then id); indexing reads the records changed after it, in that order, a batch at a time,
//! and upserts their documents. The watermark stops short of the last
//! `SALESGRAPH_SYNC_OVERLAP_SECS`, so a write committing late with an earlier time is still
//! read. Every search first indexes one batch of each kind (so what was just written is
//! found), a sweep keeps up between searches, and start-up works off any backlog. A record
//! that is gone drops out of results by the join to its table.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::text::{Doc, DocBuilder};
use crate::error::AppResult;
use entity::{contact, contract, customer, lead, opportunity, quote, search_doc, search_watermark};

/// Records of one kind indexed per batch.
pub const BATCH: u64 = 500;

/// What the search box finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Lead,
    Customer,
    Contact,
    Opportunity,
    Contract,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Lead,
        Kind::Customer,
        Kind::Contact,
        Kind::Opportunity,
        Kind::Contract,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Lead => "LEAD",
            Kind::Customer => "CUSTOMER",
            Kind::Contact => "CONTACT",
            Kind::Opportunity => "OPPORTUNITY",
            Kind::Contract => "CONTRACT",
        }
    }
}

/// A quote's number is searched on its deal: quotes have a watermark of their own.
const QUOTES: &str = "QUOTE";

/// Where indexing of a kind stands.
type Mark = (DateTime<Utc>, Uuid);

/// The rows of `E` changed after `mark`, by `updated_at` then id, one batch.
async fn changed<E: EntityTrait>(
    db: &impl ConnectionTrait,
    mark: Mark,
    updated: E::Column,
    id: E::Column,
) -> AppResult<Vec<E::Model>> {
    Ok(E::find()
        .filter(
            Condition::any()
                .add(updated.gt(mark.0))
                .add(Condition::all().add(updated.eq(mark.0)).add(id.gt(mark.1))),
        )
        .order_by_asc(updated)
        .order_by_asc(id)
        .limit(BATCH)
        .all(db)
        .await?)
}

fn lead_doc(l: &lead::Model) -> Doc {
    let mut d = DocBuilder::titled(&l.name);
    d.name(l.company.as_deref().unwrap_or_default())
        .phone(l.phone.as_deref())
        .literal(l.email.as_deref());
    d.build()
}

fn customer_doc(c: &customer::Model) -> Doc {
    DocBuilder::titled(&c.name).build()
}

fn contact_doc(c: &contact::Model) -> Doc {
    let mut d = DocBuilder::titled(&c.name);
    d.phone(c.phone.as_deref()).literal(c.email.as_deref());
    d.build()
}

fn contract_doc(c: &contract::Model) -> Doc {
    let mut d = DocBuilder::titled(&c.title);
    d.literal(Some(&c.number));
    d.build()
}

fn opportunity_doc(o: &opportunity::Model, quote_numbers: &[String]) -> Doc {
    let mut d = DocBuilder::titled(&o.name);
    for number in quote_numbers {
        d.literal(Some(number));
    }
    d.build()
}

/// One kind's documents from a batch: (id, updated_at, doc), and where the batch ends.
struct Batch {
    docs: Vec<(Uuid, DateTime<Utc>, Doc)>,
    /// The keyset position of each row, in order.
    marks: Vec<Mark>,
}

/// The deals' documents, with their quotes' numbers.
async fn opportunity_docs(
    db: &impl ConnectionTrait,
    deals: &[opportunity::Model],
) -> AppResult<Vec<(Uuid, DateTime<Utc>, Doc)>> {
    let mut numbers: HashMap<Uuid, Vec<String>> = HashMap::new();
    if !deals.is_empty() {
        let rows: Vec<(Uuid, String)> = quote::Entity::find()
            .select_only()
            .column(quote::Column::OpportunityId)
            .column(quote::Column::Number)
            .filter(quote::Column::OpportunityId.is_in(deals.iter().map(|o| o.id)))
            .into_tuple()
            .all(db)
            .await?;
        for (deal, number) in rows {
            numbers.entry(deal).or_default().push(number);
        }
    }
    Ok(deals
        .iter()
        .map(|o| {
            let quotes = numbers.get(&o.id).map(Vec::as_slice).unwrap_or_default();
            (o.id, o.updated_at, opportunity_doc(o, quotes))
        })
        .collect())
}

/// The next batch of the watermark `kind`, as documents of the kind they are.
async fn read_batch(
    db: &impl ConnectionTrait,
    kind: &str,
    mark: Mark,
) -> AppResult<(&'static str, Batch)> {
    macro_rules! plain {
        ($module:ident, $name:literal, $doc:expr) => {{
            let rows = changed::<$module::Entity>(
                db,
                mark,
                $module::Column::UpdatedAt,
                $module::Column::Id,
            )
            .await?;
            let marks = rows.iter().map(|r| (r.updated_at, r.id)).collect();
            let docs = rows.iter().map(|r| (r.id, r.updated_at, $doc(r))).collect();
            Ok(($name, Batch { docs, marks }))
        }};
    }
    match kind {
        "LEAD" => plain!(lead, "LEAD", lead_doc),
        "CUSTOMER" => plain!(customer, "CUSTOMER", customer_doc),
        "CONTACT" => plain!(contact, "CONTACT", contact_doc),
        "CONTRACT" => plain!(contract, "CONTRACT", contract_doc),
        "OPPORTUNITY" => {
            let rows = changed::<opportunity::Entity>(
                db,
                mark,
                opportunity::Column::UpdatedAt,
                opportunity::Column::Id,
            )
            .await?;
            let marks = rows.iter().map(|r| (r.updated_at, r.id)).collect();
            let docs = opportunity_docs(db, &rows).await?;
            Ok(("OPPORTUNITY", Batch { docs, marks }))
        }
        _ => {
            // Quotes changed: their deals' documents again.
            let rows =
                changed::<quote::Entity>(db, mark, quote::Column::UpdatedAt, quote::Column::Id)
                    .await?;
            let marks = rows.iter().map(|r| (r.updated_at, r.id)).collect();
            let deals = opportunity::Entity::find()
                .filter(opportunity::Column::Id.is_in(rows.iter().map(|q| q.opportunity_id)))
                .all(db)
                .await?;
            let docs = opportunity_docs(db, &deals).await?;
            Ok(("OPPORTUNITY", Batch { docs, marks }))
        }
    }
}

/// Upserts documents of `kind`.
async fn write_docs(
    db: &impl ConnectionTrait,
    kind: &str,
    docs: Vec<(Uuid, DateTime<Utc>, Doc)>,
) -> AppResult<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let models = docs
        .into_iter()
        .map(|(id, at, doc)| search_doc::ActiveModel {
            entity_type: Set(kind.to_owned()),
            entity_id: Set(id),
            title: Set(doc.title),
            body: Set(doc.body),
            tokens: Set(doc.tokens),
            updated_at: Set(at),
            ..Default::default()
        });
    search_doc::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([search_doc::Column::EntityId, search_doc::Column::EntityType])
                .update_columns([
                    search_doc::Column::Title,
                    search_doc::Column::Body,
                    search_doc::Column::Tokens,
                    search_doc::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Indexes one batch of every kind changed since its watermark; `settled` is the time before
/// which writes are surely committed. Returns how many records were (re)indexed, and whether
/// a kind moved its watermark with more waiting (another call makes progress).
pub async fn catch_up(db: &DatabaseConnection, settled: DateTime<Utc>) -> AppResult<(u64, bool)> {
    let marks: HashMap<String, Mark> = search_watermark::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.entity_type, (w.indexed_until, w.last_id)))
        .collect();
    let start: Mark = (DateTime::<Utc>::UNIX_EPOCH, Uuid::nil());
    let mut indexed = 0;
    let mut more = false;
    let kinds = Kind::ALL.iter().map(|k| k.as_str()).chain([QUOTES]);
    for name in kinds {
        let mark = marks.get(name).copied().unwrap_or(start);
        let (doc_kind, batch) = read_batch(db, name, mark).await?;
        if batch.marks.is_empty() {
            continue;
        }
        let full = u64::try_from(batch.marks.len()).unwrap_or(u64::MAX) >= BATCH;
        indexed += u64::try_from(batch.docs.len()).unwrap_or(u64::MAX);
        // The watermark passes only what is surely committed.
        let advanced = batch.marks.iter().rev().find(|m| m.0 < settled).copied();
        more |= full && advanced.is_some_and(|a| a > mark);
        write_docs(db, doc_kind, batch.docs).await?;
        if let Some((at, id)) = advanced.filter(|a| *a > mark) {
            search_watermark::Entity::insert(search_watermark::ActiveModel {
                entity_type: Set(name.to_owned()),
                indexed_until: Set(at),
                last_id: Set(id),
            })
            .on_conflict(
                OnConflict::column(search_watermark::Column::EntityType)
                    .update_columns([
                        search_watermark::Column::IndexedUntil,
                        search_watermark::Column::LastId,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok((indexed, more))
}

/// Indexes everything waiting, batch after batch (start-up, and the seed).
pub async fn backfill(db: &DatabaseConnection, settled: DateTime<Utc>) -> AppResult<u64> {
    let mut total = 0;
    loop {
        let (indexed, more) = catch_up(db, settled).await?;
        total += indexed;
        if !more {
            return Ok(total);
        }
    }
}
