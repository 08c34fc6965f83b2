//! Exports: who asked for which records in which format, and when the file was read (the
//! audit log holds the same; this row is what the download link names).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Exports {
    Table,
    Id,
    UserId,
    Kind,
    Format,
    Filter,
    RowCount,
    CreatedAt,
    DownloadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Exports::Table)
                    .col(pk_uuid(Exports::Id))
                    .col(uuid(Exports::UserId))
                    // CUSTOMERS, CONTACTS, LEADS or OPPORTUNITIES.
                    .col(string_len(Exports::Kind, 24))
                    // CSV or XLSX.
                    .col(string_len(Exports::Format, 8))
                    // The filter as JSON.
                    .col(text(Exports::Filter))
                    .col(big_integer_null(Exports::RowCount))
                    .col(timestamp_with_time_zone(Exports::CreatedAt))
                    .col(timestamp_with_time_zone_null(Exports::DownloadedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Exports::Table).to_owned())
            .await
    }
}
