//! When each background sweep last started, so that with several instances each sweep runs
//! once per period across all of them rather than once per instance.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SweepRuns {
    Table,
    Name,
    StartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SweepRuns::Table)
                    .col(string_len(SweepRuns::Name, 64).primary_key())
                    .col(timestamp_with_time_zone(SweepRuns::StartedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SweepRuns::Table).to_owned())
            .await
    }
}
