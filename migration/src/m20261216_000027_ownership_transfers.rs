//! Hand-overs when a rep leaves: each transfer of one person's book to another, with what it
//! covered and how many records of each kind it moved.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OwnershipTransfers {
    Table,
    Id,
    FromUserId,
    ToUserId,
    Scope,
    IncludeClosed,
    Leads,
    Customers,
    Opportunities,
    Contracts,
    Visits,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OwnershipTransfers::Table)
                    .col(pk_uuid(OwnershipTransfers::Id))
                    .col(uuid(OwnershipTransfers::FromUserId))
                    .col(uuid(OwnershipTransfers::ToUserId))
                    .col(string_len(OwnershipTransfers::Scope, 200))
                    .col(boolean(OwnershipTransfers::IncludeClosed))
                    .col(big_integer(OwnershipTransfers::Leads))
                    .col(big_integer(OwnershipTransfers::Customers))
                    .col(big_integer(OwnershipTransfers::Opportunities))
                    .col(big_integer(OwnershipTransfers::Contracts))
                    .col(big_integer(OwnershipTransfers::Visits))
                    .col(uuid(OwnershipTransfers::CreatedBy))
                    .col(timestamp_with_time_zone(OwnershipTransfers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ownership_transfers_from")
                    .table(OwnershipTransfers::Table)
                    .col(OwnershipTransfers::FromUserId)
                    .col(OwnershipTransfers::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OwnershipTransfers::Table).to_owned())
            .await
    }
}
