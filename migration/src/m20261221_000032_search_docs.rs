//! The search box's index: one document per lead, customer, contact, deal and contract — its
//! name folded, its pinyin, phone digits, e-mails and numbers (`body`), and the short tokens of
//! two-character terms (`tokens`). SQLite indexes them with FTS5 (trigrams for any substring
//! of 3+ characters, Unicode words for token prefixes); PostgreSQL with `pg_trgm` on `body`
//! and a `tsvector` of the tokens. Each kind's watermark says up to when its records were
//! indexed, read in `updated_at` order.

use sea_orm_migration::SchemaManagerConnection;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchDocs {
    Table,
    Id,
    EntityType,
    EntityId,
    Title,
    Body,
    Tokens,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SearchWatermarks {
    Table,
    EntityType,
    IndexedUntil,
    LastId,
}

const SQLITE: &[&str] = &[
    "CREATE VIRTUAL TABLE search_trigrams USING fts5(body, content='search_docs', \
     content_rowid='id', tokenize='trigram', detail=none)",
    "CREATE VIRTUAL TABLE search_tokens USING fts5(tokens, content='', contentless_delete=1, \
     tokenize='unicode61 remove_diacritics 2', prefix='1 2')",
    "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN \
       INSERT INTO search_trigrams(rowid, body) VALUES (new.id, new.body); \
       INSERT INTO search_tokens(rowid, tokens) VALUES (new.id, new.tokens); \
     END",
    "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN \
       INSERT INTO search_trigrams(search_trigrams, rowid, body) VALUES ('delete', old.id, old.body); \
       DELETE FROM search_tokens WHERE rowid = old.id; \
     END",
    "CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN \
       INSERT INTO search_trigrams(search_trigrams, rowid, body) VALUES ('delete', old.id, old.body); \
       INSERT INTO search_trigrams(rowid, body) VALUES (new.id, new.body); \
       DELETE FROM search_tokens WHERE rowid = old.id; \
       INSERT INTO search_tokens(rowid, tokens) VALUES (new.id, new.tokens); \
     END",
];

/// Where `pg_trgm` is installed, if it is.
const TRGM_SCHEMA: &str = "SELECT n.nspname AS schema FROM pg_extension e \
     JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'";

/// PostgreSQL: `pg_trgm` (installed where the connection's schema is, unless it already is
/// somewhere: an extension exists once per database), the generated `tsvector`, two GIN
/// indexes.
async fn postgres(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let schema_of = async || -> Result<Option<String>, DbErr> {
        match db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                TRGM_SCHEMA,
            ))
            .await?
        {
            Some(row) => Ok(Some(row.try_get::<String>("", "schema")?)),
            None => Ok(None),
        }
    };
    let schema = match schema_of().await? {
        Some(schema) => schema,
        None => {
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            schema_of()
                .await?
                .ok_or_else(|| DbErr::Migration("pg_trgm could not be installed".into()))?
        }
    };
    let schema = schema.replace('"', "\"\"");
    for sql in [
        "ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS \
         (array_to_tsvector(array_remove(string_to_array(tokens, ' '), ''))) STORED"
            .to_owned(),
        format!(
            "CREATE INDEX idx_search_docs_body_trgm ON search_docs USING gin (body \"{schema}\".gin_trgm_ops)"
        ),
        "CREATE INDEX idx_search_docs_tsv ON search_docs USING gin (tsv)".to_owned(),
    ] {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchDocs::Table)
                    .col(pk_auto(SearchDocs::Id))
                    .col(string_len(SearchDocs::EntityType, 16))
                    .col(uuid(SearchDocs::EntityId))
                    .col(text(SearchDocs::Title))
                    .col(text(SearchDocs::Body))
                    .col(text(SearchDocs::Tokens))
                    .col(timestamp_with_time_zone(SearchDocs::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_search_docs_entity")
                    .table(SearchDocs::Table)
                    .col(SearchDocs::EntityId)
                    .col(SearchDocs::EntityType)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SearchWatermarks::Table)
                    .col(string_len(SearchWatermarks::EntityType, 16).primary_key())
                    .col(timestamp_with_time_zone(SearchWatermarks::IndexedUntil))
                    .col(uuid(SearchWatermarks::LastId))
                    .to_owned(),
            )
            .await?;
        // Each kind is read after its watermark, in `updated_at` then id order (leads and deals
        // have their `updated_at` index already).
        for (name, table) in [
            ("idx_customers_updated_id", "customers"),
            ("idx_contacts_updated_id", "contacts"),
            ("idx_contracts_updated_id", "contracts"),
            ("idx_quotes_updated_id", "quotes"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new("updated_at"))
                        .col(Alias::new("id"))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for sql in SQLITE {
                    db.execute_unprepared(sql).await?;
                }
            }
            DatabaseBackend::Postgres => postgres(db).await?,
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_customers_updated_id", "customers"),
            ("idx_contacts_updated_id", "contacts"),
            ("idx_contracts_updated_id", "contracts"),
            ("idx_quotes_updated_id", "quotes"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        let db = manager.get_connection();
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            for sql in [
                "DROP TRIGGER IF EXISTS search_docs_ai",
                "DROP TRIGGER IF EXISTS search_docs_ad",
                "DROP TRIGGER IF EXISTS search_docs_au",
                "DROP TABLE IF EXISTS search_trigrams",
                "DROP TABLE IF EXISTS search_tokens",
            ] {
                db.execute_unprepared(sql).await?;
            }
        }
        for table in [
            SearchWatermarks::Table.into_iden(),
            SearchDocs::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
