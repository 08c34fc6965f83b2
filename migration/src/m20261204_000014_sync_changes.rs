//! The log offline sync reads to tell a phone what left its view: a link to a record ended
//! (a customer handed to a colleague, a revenue split removed, a lead taken from the pool), or a
//! caller's whole scope changed (a team move, a new manager, a new role). The server marks the
//! log's start when it first runs, so a sync from before it is told to start over.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncChanges {
    Table,
    Id,
    Kind,
    RecordId,
    PrincipalId,
    TeamId,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyncChanges::Table)
                    .col(uuid(SyncChanges::Id).primary_key())
                    .col(string_len(SyncChanges::Kind, 32))
                    .col(uuid_null(SyncChanges::RecordId))
                    .col(uuid_null(SyncChanges::PrincipalId))
                    .col(uuid_null(SyncChanges::TeamId))
                    .col(timestamp_with_time_zone(SyncChanges::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sync_changes_kind_at")
                    .table(SyncChanges::Table)
                    .col(SyncChanges::Kind)
                    .col(SyncChanges::At)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SyncChanges::Table).to_owned())
            .await
    }
}
