//! Why deals are won and lost, and against whom: the admin-managed picklists of win and loss
//! reasons (with defaults), competitors and the competitors named on each deal, and on each
//! closed deal its reason, the free-text detail and the stage it closed from (filled in for
//! deals closed before: their last stage change's).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CloseReasons {
    Table,
    Id,
    Kind,
    Name,
    Position,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Competitors {
    Table,
    Id,
    Name,
    NameKey,
    Archived,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OpportunityCompetitors {
    Table,
    Id,
    OpportunityId,
    CompetitorId,
    Status,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
    CloseReasonId,
    CloseDetail,
    ClosedFromStageId,
}

/// The default picklists: (id, kind, position, name). Fixed ids, shared by every installation.
const DEFAULT_REASONS: [(&str, &str, i32, &str); 12] = [
    ("0193a000-0000-7000-8000-000000000401", "LOSS", 1, "Price"),
    (
        "0193a000-0000-7000-8000-000000000402",
        "LOSS",
        2,
        "Lost to a competitor",
    ),
    (
        "0193a000-0000-7000-8000-000000000403",
        "LOSS",
        3,
        "No budget",
    ),
    (
        "0193a000-0000-7000-8000-000000000404",
        "LOSS",
        4,
        "No decision or project cancelled",
    ),
    (
        "0193a000-0000-7000-8000-000000000405",
        "LOSS",
        5,
        "Product fit",
    ),
    ("0193a000-0000-7000-8000-000000000406", "LOSS", 6, "Timing"),
    ("0193a000-0000-7000-8000-000000000407", "LOSS", 7, "Other"),
    ("0193a000-0000-7000-8000-000000000501", "WIN", 1, "Price"),
    (
        "0193a000-0000-7000-8000-000000000502",
        "WIN",
        2,
        "Product fit",
    ),
    (
        "0193a000-0000-7000-8000-000000000503",
        "WIN",
        3,
        "Relationship",
    ),
    (
        "0193a000-0000-7000-8000-000000000504",
        "WIN",
        4,
        "Service and delivery",
    ),
    ("0193a000-0000-7000-8000-000000000505", "WIN", 5, "Other"),
];

async fn add_column(manager: &SchemaManager<'_>, mut column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Opportunities::Table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CloseReasons::Table)
                    .col(pk_uuid(CloseReasons::Id))
                    .col(string_len(CloseReasons::Kind, 8))
                    .col(string_len(CloseReasons::Name, 100))
                    .col(integer(CloseReasons::Position))
                    .col(boolean(CloseReasons::Archived))
                    .col(timestamp_with_time_zone(CloseReasons::CreatedAt))
                    .col(timestamp_with_time_zone(CloseReasons::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Competitors::Table)
                    .col(pk_uuid(Competitors::Id))
                    .col(string_len(Competitors::Name, 200))
                    .col(string_len(Competitors::NameKey, 200).unique_key())
                    .col(boolean(Competitors::Archived))
                    .col(uuid(Competitors::CreatedBy))
                    .col(timestamp_with_time_zone(Competitors::CreatedAt))
                    .col(timestamp_with_time_zone(Competitors::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OpportunityCompetitors::Table)
                    .col(pk_uuid(OpportunityCompetitors::Id))
                    .col(uuid(OpportunityCompetitors::OpportunityId))
                    .col(uuid(OpportunityCompetitors::CompetitorId))
                    .col(string_len(OpportunityCompetitors::Status, 16))
                    .col(string_len_null(OpportunityCompetitors::Note, 1000))
                    .col(timestamp_with_time_zone(OpportunityCompetitors::CreatedAt))
                    .col(timestamp_with_time_zone(OpportunityCompetitors::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                OpportunityCompetitors::Table,
                                OpportunityCompetitors::OpportunityId,
                            )
                            .to(Opportunities::Table, Opportunities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                OpportunityCompetitors::Table,
                                OpportunityCompetitors::CompetitorId,
                            )
                            .to(Competitors::Table, Competitors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_opportunity_competitors_deal")
                    .table(OpportunityCompetitors::Table)
                    .col(OpportunityCompetitors::OpportunityId)
                    .col(OpportunityCompetitors::CompetitorId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_opportunity_competitors_competitor")
                    .table(OpportunityCompetitors::Table)
                    .col(OpportunityCompetitors::CompetitorId)
                    .to_owned(),
            )
            .await?;
        add_column(manager, uuid_null(Opportunities::CloseReasonId)).await?;
        add_column(manager, string_len_null(Opportunities::CloseDetail, 1000)).await?;
        add_column(manager, uuid_null(Opportunities::ClosedFromStageId)).await?;

        let epoch = "2026-12-14T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut insert = Query::insert();
        insert.into_table(CloseReasons::Table).columns([
            CloseReasons::Id,
            CloseReasons::Kind,
            CloseReasons::Name,
            CloseReasons::Position,
            CloseReasons::Archived,
            CloseReasons::CreatedAt,
            CloseReasons::UpdatedAt,
        ]);
        for (id, kind, position, name) in DEFAULT_REASONS {
            let id =
                sea_orm::prelude::Uuid::parse_str(id).map_err(|e| DbErr::Custom(e.to_string()))?;
            insert
                .values([
                    id.into(),
                    kind.into(),
                    name.into(),
                    position.into(),
                    false.into(),
                    epoch.into(),
                    epoch.into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        manager.exec_stmt(insert).await?;
        // Deals closed before: the stage they left last, and the loss's text as its detail.
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE opportunities SET closed_from_stage_id = (\
               SELECT sc.from_stage_id FROM stage_changes sc \
               WHERE sc.opportunity_id = opportunities.id \
               ORDER BY sc.changed_at DESC, sc.id DESC LIMIT 1) \
             WHERE status IN ('WON', 'LOST')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE opportunities SET close_detail = lost_reason WHERE status = 'LOST'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Opportunities::CloseReasonId,
            Opportunities::CloseDetail,
            Opportunities::ClosedFromStageId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Opportunities::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            OpportunityCompetitors::Table.into_iden(),
            Competitors::Table.into_iden(),
            CloseReasons::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
