//! Overlay credit: a split is either a share of the deal's revenue (`REVENUE`, the shares
//! summing to 100%) or an overlay (`OVERLAY`: credit for a supporting person on top, reported
//! apart and never added to the revenue).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OpportunitySplits {
    Table,
    Kind,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OpportunitySplits::Table)
                    .add_column(string_len(OpportunitySplits::Kind, 8).default("REVENUE"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OpportunitySplits::Table)
                    .drop_column(OpportunitySplits::Kind)
                    .to_owned(),
            )
            .await
    }
}
