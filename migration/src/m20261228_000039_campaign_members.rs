//! Who a campaign invited and how far each came: contacts and leads, once each per campaign.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CampaignMembers {
    Table,
    Id,
    CampaignId,
    ContactId,
    LeadId,
    Status,
    AddedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CampaignMembers::Table)
                    .col(pk_uuid(CampaignMembers::Id))
                    .col(uuid(CampaignMembers::CampaignId))
                    .col(uuid_null(CampaignMembers::ContactId))
                    .col(uuid_null(CampaignMembers::LeadId))
                    // INVITED, REGISTERED, ATTENDED or RESPONDED.
                    .col(string_len(CampaignMembers::Status, 16))
                    .col(uuid(CampaignMembers::AddedBy))
                    .col(timestamp_with_time_zone(CampaignMembers::CreatedAt))
                    .col(timestamp_with_time_zone(CampaignMembers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Once per campaign each; rows naming the other kind hold NULL here, which never
        // collides.
        for (name, column) in [
            ("ux_campaign_members_contact", CampaignMembers::ContactId),
            ("ux_campaign_members_lead", CampaignMembers::LeadId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(CampaignMembers::Table)
                        .col(CampaignMembers::CampaignId)
                        .col(column)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CampaignMembers::Table).to_owned())
            .await
    }
}
