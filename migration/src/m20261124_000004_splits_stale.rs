//! Revenue splits of opportunities, and the mark that a stale deal was already reported.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
    StaleNotifiedAt,
}

#[derive(DeriveIden)]
enum OpportunitySplits {
    Table,
    OpportunityId,
    UserId,
    /// Share in hundredths of a percent (7000 = 70.00%).
    ShareBasisPoints,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OpportunitySplits::Table)
                    .col(uuid(OpportunitySplits::OpportunityId))
                    .col(uuid(OpportunitySplits::UserId))
                    .col(integer(OpportunitySplits::ShareBasisPoints))
                    .col(timestamp_with_time_zone(OpportunitySplits::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(OpportunitySplits::OpportunityId)
                            .col(OpportunitySplits::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_splits_opportunity")
                            .from(OpportunitySplits::Table, OpportunitySplits::OpportunityId)
                            .to(Opportunities::Table, Opportunities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_splits_user")
                            .from(OpportunitySplits::Table, OpportunitySplits::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_splits_user")
                    .table(OpportunitySplits::Table)
                    .col(OpportunitySplits::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Opportunities::Table)
                    .add_column(timestamp_with_time_zone_null(
                        Opportunities::StaleNotifiedAt,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Opportunities::Table)
                    .drop_column(Opportunities::StaleNotifiedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OpportunitySplits::Table).to_owned())
            .await
    }
}
