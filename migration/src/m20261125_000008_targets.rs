//! Sales targets per period and scope.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SalesTargets {
    Table,
    Id,
    /// `2026-11`, `2026-Q4` or `2026`.
    Period,
    PeriodStart,
    /// Exclusive.
    PeriodEnd,
    /// `USER`, `TEAM`, `REGION` or `COMPANY`.
    Scope,
    /// The user's or team's id, the region's name, or empty for the company.
    ScopeKey,
    AmountMinor,
    SetBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SalesTargets::Table)
                    .col(pk_uuid(SalesTargets::Id))
                    .col(string_len(SalesTargets::Period, 8))
                    .col(date(SalesTargets::PeriodStart))
                    .col(date(SalesTargets::PeriodEnd))
                    .col(string_len(SalesTargets::Scope, 8))
                    .col(string_len(SalesTargets::ScopeKey, 200))
                    .col(big_integer(SalesTargets::AmountMinor))
                    .col(uuid(SalesTargets::SetBy))
                    .col(integer(SalesTargets::Version))
                    .col(timestamp_with_time_zone(SalesTargets::CreatedAt))
                    .col(timestamp_with_time_zone(SalesTargets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sales_targets_setter")
                            .from(SalesTargets::Table, SalesTargets::SetBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_sales_targets_period_scope")
                    .table(SalesTargets::Table)
                    .col(SalesTargets::Period)
                    .col(SalesTargets::Scope)
                    .col(SalesTargets::ScopeKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SalesTargets::Table).to_owned())
            .await
    }
}
