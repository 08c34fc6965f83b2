//! When a lead was qualified (the activity report counts qualified leads by that date, the
//! campaign report follows leads to it), and lookups of campaign members by lead and contact
//! (the touches of any-touch attribution).
//!
//! Leads already qualified or converted take their conversion time, else their last change,
//! as their qualification date: the closest record there is.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Leads {
    Table,
    QualifiedAt,
}

#[derive(DeriveIden)]
enum CampaignMembers {
    Table,
    LeadId,
    ContactId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Leads::Table)
                    .add_column(timestamp_with_time_zone_null(Leads::QualifiedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE \"leads\" SET \"qualified_at\" = COALESCE(\"converted_at\", \"updated_at\") \
                 WHERE \"status\" IN ('QUALIFIED', 'CONVERTED')",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_leads_qualified_at")
                    .table(Leads::Table)
                    .col(Leads::QualifiedAt)
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_campaign_members_lead",
                CampaignMembers::LeadId.into_iden(),
            ),
            (
                "idx_campaign_members_contact",
                CampaignMembers::ContactId.into_iden(),
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(CampaignMembers::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_campaign_members_contact",
            "idx_campaign_members_lead",
            "idx_leads_qualified_at",
        ] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Leads::Table)
                    .drop_column(Leads::QualifiedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
