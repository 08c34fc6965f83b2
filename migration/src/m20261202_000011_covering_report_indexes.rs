//! The period reports' indexes carry the columns the reports add up, so that on PostgreSQL a
//! quarter of visits, closed deals, new leads and allocations is summed from the index alone
//! (an index-only scan) instead of visiting one heap page per row. SQLite has no `INCLUDE`:
//! there each index keeps its single key column, as before.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One report index: the plain index it replaces, the covering one, the table, the key and
/// the columns carried along.
struct Covering {
    plain: &'static str,
    covering: &'static str,
    table: &'static str,
    key: &'static str,
    carried: &'static [&'static str],
}

const INDEXES: [Covering; 4] = [
    Covering {
        plain: "idx_visits_local_date",
        covering: "idx_visits_local_date_cover",
        table: "visit_tasks",
        key: "local_date",
        carried: &["assignee_id", "status", "check_in_on_site"],
    },
    Covering {
        plain: "idx_opportunities_closed_at",
        covering: "idx_opportunities_closed_at_cover",
        table: "opportunities",
        key: "closed_at",
        carried: &[
            "status",
            "owner_id",
            "amount_minor",
            "lead_id",
            "created_at",
            "stage_id",
            "probability_override",
        ],
    },
    Covering {
        plain: "idx_leads_created_at",
        covering: "idx_leads_created_at_cover",
        table: "leads",
        key: "created_at",
        carried: &["owner_id", "converted_opportunity_id"],
    },
    Covering {
        plain: "idx_allocations_created_at",
        covering: "idx_allocations_created_at_cover",
        table: "allocations",
        key: "created_at",
        carried: &["installment_id", "amount_minor"],
    },
];

fn create_named(name: &str, table: &str, key: &str, carried: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(name)
        .table(Alias::new(table))
        .col(Alias::new(key));
    for column in carried {
        index.include(Alias::new(*column));
    }
    index.to_owned()
}

fn drop_named(name: &str, table: &str) -> IndexDropStatement {
    Index::drop().name(name).table(Alias::new(table)).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in &INDEXES {
            manager
                .create_index(create_named(
                    index.covering,
                    index.table,
                    index.key,
                    index.carried,
                ))
                .await?;
            manager
                .drop_index(drop_named(index.plain, index.table))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in &INDEXES {
            manager
                .create_index(create_named(index.plain, index.table, index.key, &[]))
                .await?;
            manager
                .drop_index(drop_named(index.covering, index.table))
                .await?;
        }
        Ok(())
    }
}
