//! Every object a client can hold has `createdAt`, `updatedAt` and, when it changes, `version`:
//! invoices (voided), payments (reversed, their credit spent), waivers (settled) and
//! notifications (read) gain `updated_at` and `version`. Existing rows take the time of their
//! last known change and version 1.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each table with the expression that dates its last known change.
const TABLES: [(&str, &str); 4] = [
    ("invoices", "COALESCE(voided_at, created_at)"),
    ("payments", "COALESCE(reversed_at, created_at)"),
    ("waivers", "COALESCE(applied_at, created_at)"),
    ("notifications", "COALESCE(read_at, created_at)"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, last_change) in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            ColumnDef::new(Alias::new("updated_at"))
                                .timestamp_with_time_zone()
                                .not_null()
                                .default("1970-01-01T00:00:00Z"),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            ColumnDef::new(Alias::new("version"))
                                .integer()
                                .not_null()
                                .default(1),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .get_connection()
                .execute_unprepared(&format!("UPDATE {table} SET updated_at = {last_change}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _) in TABLES {
            for column in ["updated_at", "version"] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .drop_column(Alias::new(column))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
