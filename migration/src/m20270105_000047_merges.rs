//! Merges of duplicate records: what each merge moved (so it can be undone within a window),
//! and the redirects that keep a merged record's id answering with its survivor.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Merges {
    Table,
    Id,
    Kind,
    SurvivorId,
    ActorId,
    Snapshot,
    Moved,
    SurvivorVersion,
    CreatedAt,
    UndoUntil,
    UndoneAt,
}

#[derive(DeriveIden)]
enum Redirects {
    Table,
    OldId,
    Kind,
    TargetId,
    MergeId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Merges::Table)
                    .col(pk_uuid(Merges::Id))
                    // CUSTOMER.
                    .col(string_len(Merges::Kind, 24))
                    .col(uuid(Merges::SurvivorId))
                    .col(uuid(Merges::ActorId))
                    // JSON: the merged records and the survivor as they were.
                    .col(text(Merges::Snapshot))
                    // JSON: the linked rows moved, table by table, with their former record.
                    .col(text(Merges::Moved))
                    // The survivor's version the merge left it at.
                    .col(integer(Merges::SurvivorVersion))
                    .col(timestamp_with_time_zone(Merges::CreatedAt))
                    .col(timestamp_with_time_zone(Merges::UndoUntil))
                    .col(timestamp_with_time_zone_null(Merges::UndoneAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Redirects::Table)
                    .col(pk_uuid(Redirects::OldId))
                    .col(string_len(Redirects::Kind, 24))
                    .col(uuid(Redirects::TargetId))
                    .col(uuid(Redirects::MergeId))
                    .col(timestamp_with_time_zone(Redirects::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_redirects_merge")
                    .table(Redirects::Table)
                    .col(Redirects::MergeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Redirects::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Merges::Table).to_owned())
            .await
    }
}
