//! The recycle bin: a deleted record and the rows that went with it, kept as they were until
//! restored or purged.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecycledRecords {
    Table,
    Id,
    Kind,
    RecordId,
    Name,
    OwnerId,
    DeletedBy,
    DeletedAt,
    PurgeAt,
    Snapshot,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RecycledRecords::Table)
                    .col(pk_uuid(RecycledRecords::Id))
                    // LEAD, CUSTOMER, CONTACT, OPPORTUNITY or ACTIVITY.
                    .col(string_len(RecycledRecords::Kind, 24))
                    .col(uuid(RecycledRecords::RecordId))
                    .col(string_len(RecycledRecords::Name, 300))
                    // The record's owner when deleted (a contact's: its customer's).
                    .col(uuid_null(RecycledRecords::OwnerId))
                    .col(uuid(RecycledRecords::DeletedBy))
                    .col(timestamp_with_time_zone(RecycledRecords::DeletedAt))
                    .col(timestamp_with_time_zone(RecycledRecords::PurgeAt))
                    // JSON: the rows removed, table by table, and the references cleared.
                    .col(text(RecycledRecords::Snapshot))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_recycled_records_record", RecycledRecords::RecordId),
            ("idx_recycled_records_purge", RecycledRecords::PurgeAt),
            ("idx_recycled_records_owner", RecycledRecords::OwnerId),
            (
                "idx_recycled_records_deleted_by",
                RecycledRecords::DeletedBy,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RecycledRecords::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RecycledRecords::Table).to_owned())
            .await
    }
}
