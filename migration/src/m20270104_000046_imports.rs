//! Imports: one row per file a user imports (its progress, counted in the same transaction as
//! each batch of rows it writes, so a re-run resumes where the last one stopped), and the rows
//! refused with their reasons.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    UserId,
    Kind,
    Fingerprint,
    DryRun,
    Status,
    Total,
    Processed,
    Created,
    ErrorCount,
    LeaseUntil,
    Failure,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum ImportErrors {
    Table,
    Id,
    ImportId,
    RowNumber,
    Field,
    Code,
    Message,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(pk_uuid(Imports::Id))
                    .col(uuid(Imports::UserId))
                    // CUSTOMERS, CONTACTS, LEADS or PRODUCTS.
                    .col(string_len(Imports::Kind, 24))
                    // SHA-256 of who, what kind, the mapping, dry or not, and the file's bytes.
                    .col(string_len_uniq(Imports::Fingerprint, 64))
                    .col(boolean(Imports::DryRun))
                    // RUNNING, DONE or FAILED.
                    .col(string_len(Imports::Status, 16))
                    .col(big_integer(Imports::Total))
                    .col(big_integer(Imports::Processed))
                    .col(big_integer(Imports::Created))
                    .col(big_integer(Imports::ErrorCount))
                    // Until when the instance running it holds it.
                    .col(timestamp_with_time_zone_null(Imports::LeaseUntil))
                    .col(text_null(Imports::Failure))
                    .col(timestamp_with_time_zone(Imports::CreatedAt))
                    .col(timestamp_with_time_zone(Imports::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Imports::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_imports_user")
                    .table(Imports::Table)
                    .col(Imports::UserId)
                    .col(Imports::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportErrors::Table)
                    .col(pk_uuid(ImportErrors::Id))
                    .col(uuid(ImportErrors::ImportId))
                    // The row of the file, counting the header as row 1.
                    .col(big_integer(ImportErrors::RowNumber))
                    .col(string_len(ImportErrors::Field, 64))
                    .col(string_len(ImportErrors::Code, 64))
                    .col(text(ImportErrors::Message))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportErrors::Table, ImportErrors::ImportId)
                            .to(Imports::Table, Imports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_errors_row")
                    .table(ImportErrors::Table)
                    .col(ImportErrors::ImportId)
                    .col(ImportErrors::RowNumber)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportErrors::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Imports::Table).to_owned())
            .await
    }
}
