//! Marketing campaigns, what they cost, and the first-touch campaign of leads, customers and
//! deals.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    Name,
    Channel,
    Status,
    StartDate,
    EndDate,
    BudgetMinor,
    ActualCostMinor,
    OwnerId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CampaignCosts {
    Table,
    Id,
    CampaignId,
    AmountMinor,
    IncurredOn,
    Note,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    CampaignId,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    CampaignId,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    CampaignId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(pk_uuid(Campaigns::Id))
                    .col(string_len(Campaigns::Name, 200))
                    // EVENT, EXHIBITION, WEBINAR, ADS, EMAIL, REFERRAL_PROGRAM or OTHER.
                    .col(string_len(Campaigns::Channel, 20))
                    // PLANNED, ACTIVE, COMPLETED or CANCELLED.
                    .col(string_len(Campaigns::Status, 16))
                    .col(date(Campaigns::StartDate))
                    .col(date_null(Campaigns::EndDate))
                    .col(big_integer(Campaigns::BudgetMinor))
                    .col(big_integer(Campaigns::ActualCostMinor))
                    .col(uuid(Campaigns::OwnerId))
                    .col(integer(Campaigns::Version))
                    .col(timestamp_with_time_zone(Campaigns::CreatedAt))
                    .col(timestamp_with_time_zone(Campaigns::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaignCosts::Table)
                    .col(pk_uuid(CampaignCosts::Id))
                    .col(uuid(CampaignCosts::CampaignId))
                    .col(big_integer(CampaignCosts::AmountMinor))
                    .col(date(CampaignCosts::IncurredOn))
                    .col(string_len_null(CampaignCosts::Note, 500))
                    .col(uuid(CampaignCosts::RecordedBy))
                    .col(timestamp_with_time_zone(CampaignCosts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_campaign_costs_campaign")
                    .table(CampaignCosts::Table)
                    .col(CampaignCosts::CampaignId)
                    .col(CampaignCosts::Id)
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per statement.
        for (name, table, column) in [
            (
                "idx_leads_campaign",
                Leads::Table.into_iden(),
                Leads::CampaignId.into_iden(),
            ),
            (
                "idx_customers_campaign",
                Customers::Table.into_iden(),
                Customers::CampaignId.into_iden(),
            ),
            (
                "idx_opportunities_campaign",
                Opportunities::Table.into_iden(),
                Opportunities::CampaignId.into_iden(),
            ),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table.clone())
                        .add_column(uuid_null(column.clone()))
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_leads_campaign", Leads::Table.into_iden()),
            ("idx_customers_campaign", Customers::Table.into_iden()),
            (
                "idx_opportunities_campaign",
                Opportunities::Table.into_iden(),
            ),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table.clone()).to_owned())
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Leads::CampaignId)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(CampaignCosts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Campaigns::Table).to_owned())
            .await
    }
}
