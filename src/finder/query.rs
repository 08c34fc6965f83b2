//! Searching the index: for each kind asked for, one statement joining the matching documents
//! to the records the viewer may see (the visibility rules of the record's own lists, inside
//! the query, never after a limit), ranked by how the name matches — equal, then beginning
//! with the query, then containing it, then matching elsewhere (pinyin, phone, number) — and
//! then by the latest change.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationDef,
};
use uuid::Uuid;

use super::index::Kind;
use super::text::{self, Term};
use crate::error::AppResult;
use crate::identity::Viewer;
use entity::{contact, contract, customer, lead, opportunity, search_doc};

/// A record found: its kind, id, rank (lower first) and last change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub kind: Kind,
    pub id: Uuid,
    pub tier: i32,
    pub updated_at: DateTime<Utc>,
}

/// The condition a document matches `term` by, on `backend`.
fn matches(term: &Term, backend: DbBackend) -> SimpleExpr {
    match (term, backend) {
        (Term::Substring(t), DbBackend::Postgres) => {
            Expr::cust_with_values(r#""search_docs"."body" LIKE $1"#, [format!("%{t}%")])
        }
        (Term::TokenPrefix(t), DbBackend::Postgres) => Expr::cust_with_values(
            r#""search_docs"."tsv" @@ CAST($1 AS tsquery)"#,
            [format!("{}:*", text::tsquery_lexeme(t))],
        ),
        // SQLite: the FTS5 tables, read once each (no ESCAPE clause: it would bypass the
        // trigram index; the term holds no wildcard).
        (Term::Substring(t), _) => Expr::cust_with_values(
            r#""search_docs"."id" IN (SELECT rowid FROM search_trigrams WHERE body LIKE ?)"#,
            [format!("%{t}%")],
        ),
        (Term::TokenPrefix(t), _) => Expr::cust_with_values(
            r#""search_docs"."id" IN (SELECT rowid FROM search_tokens WHERE search_tokens MATCH ?)"#,
            [format!("{}*", text::fts5_phrase(t))],
        ),
    }
}

/// How well the document's title matches `q`: 0 equal, 1 begins with it, 2 contains it, 3
/// matched elsewhere.
fn tier(q: &str, backend: DbBackend) -> SimpleExpr {
    let sql = match backend {
        DbBackend::Postgres => {
            r#"CASE WHEN "search_docs"."title" = $1 THEN 0 WHEN strpos("search_docs"."title", $2) = 1 THEN 1 WHEN strpos("search_docs"."title", $3) > 0 THEN 2 ELSE 3 END"#
        }
        _ => {
            r#"CASE WHEN "search_docs"."title" = ? THEN 0 WHEN instr("search_docs"."title", ?) = 1 THEN 1 WHEN instr("search_docs"."title", ?) > 0 THEN 2 ELSE 3 END"#
        }
    };
    Expr::cust_with_values(sql, [q.to_owned(), q.to_owned(), q.to_owned()])
}

fn join_to<E: EntityTrait>(id: E::Column) -> RelationDef {
    search_doc::Entity::belongs_to(E::default())
        .from(search_doc::Column::EntityId)
        .to(id)
        .into()
}

/// The table a kind's documents join, and who may see its rows.
fn visible(kind: Kind, viewer: &Viewer, backend: DbBackend) -> (RelationDef, Condition) {
    match kind {
        Kind::Lead => (
            join_to::<lead::Entity>(lead::Column::Id),
            crate::policy::leads(viewer),
        ),
        Kind::Customer => (
            join_to::<customer::Entity>(customer::Column::Id),
            crate::policy::customers_on(viewer, backend),
        ),
        Kind::Contact => (
            join_to::<contact::Entity>(contact::Column::Id),
            Condition::all().add(
                contact::Column::CustomerId
                    .in_subquery(crate::policy::visible_customer_ids(viewer)),
            ),
        ),
        Kind::Opportunity => (
            join_to::<opportunity::Entity>(opportunity::Column::Id),
            crate::policy::opportunities(viewer),
        ),
        Kind::Contract => (
            join_to::<contract::Entity>(contract::Column::Id),
            crate::policy::contracts_on(viewer, backend),
        ),
    }
}

/// The best `first` records of `kinds` the viewer may see matching every term of `query`:
/// one statement per kind.
pub async fn search(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    terms: &[Term],
    query: &str,
    kinds: &[Kind],
    first: u64,
) -> AppResult<Vec<Hit>> {
    let backend = db.get_database_backend();
    let q = text::fold(query);
    let mut hits = Vec::new();
    for kind in kinds {
        let (join, policy) = visible(*kind, viewer, backend);
        let mut select = search_doc::Entity::find()
            .select_only()
            .column(search_doc::Column::EntityId)
            .column(search_doc::Column::UpdatedAt)
            .expr_as(tier(&q, backend), "tier")
            .join(JoinType::InnerJoin, join)
            .filter(search_doc::Column::EntityType.eq(kind.as_str()))
            .filter(policy);
        for term in terms {
            select = select.filter(matches(term, backend));
        }
        let rows: Vec<(Uuid, DateTime<Utc>, i32)> = select
            .order_by_asc(Expr::cust("tier"))
            .order_by_desc(search_doc::Column::UpdatedAt)
            .order_by_asc(search_doc::Column::EntityId)
            .limit(first)
            .into_tuple()
            .all(db)
            .await?;
        hits.extend(rows.into_iter().map(|(id, updated_at, tier)| Hit {
            kind: *kind,
            id,
            tier,
            updated_at,
        }));
    }
    hits.sort_by(|a, b| {
        a.tier
            .cmp(&b.tier)
            .then(b.updated_at.cmp(&a.updated_at))
            .then(a.id.cmp(&b.id))
    });
    hits.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok(hits)
}
