//! Targets of other kinds than won money: each target names its metric, and a subject may
//! have one target per metric and period.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SalesTargets {
    Table,
    Period,
    Scope,
    ScopeKey,
    Metric,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SalesTargets::Table)
                    .add_column(string_len(SalesTargets::Metric, 24).default("WON_AMOUNT"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_sales_targets_period_scope")
                    .table(SalesTargets::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_sales_targets_period_scope_metric")
                    .table(SalesTargets::Table)
                    .col(SalesTargets::Period)
                    .col(SalesTargets::Scope)
                    .col(SalesTargets::ScopeKey)
                    .col(SalesTargets::Metric)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM \"sales_targets\" WHERE \"metric\" <> 'WON_AMOUNT'")
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_sales_targets_period_scope_metric")
                    .table(SalesTargets::Table)
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
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SalesTargets::Table)
                    .drop_column(SalesTargets::Metric)
                    .to_owned(),
            )
            .await
    }
}
