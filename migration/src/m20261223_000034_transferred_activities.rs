//! A hand-over moves the giver's open activities too, and says how many.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OwnershipTransfers {
    Table,
    Activities,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OwnershipTransfers::Table)
                    .add_column(big_integer(OwnershipTransfers::Activities).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OwnershipTransfers::Table)
                    .drop_column(OwnershipTransfers::Activities)
                    .to_owned(),
            )
            .await
    }
}
