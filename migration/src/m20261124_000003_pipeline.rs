//! Pipeline stages (with the default stages), opportunities and their stage history.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PipelineStages {
    Table,
    Id,
    Name,
    Position,
    Probability,
    Kind,
    MaxDaysInStage,
    Archived,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
    CustomerId,
    OwnerId,
    Name,
    AmountMinor,
    StageId,
    ProbabilityOverride,
    ForecastCategory,
    Status,
    ExpectedCloseDate,
    ClosedAt,
    LostReason,
    StageEnteredAt,
    LeadId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    ConvertedOpportunityId,
}

#[derive(DeriveIden)]
enum StageChanges {
    Table,
    Id,
    OpportunityId,
    FromStageId,
    ToStageId,
    ChangedBy,
    ChangedAt,
    DaysInPreviousStage,
    Note,
}

/// The default stages: fixed ids, so every installation shares them.
const DEFAULT_STAGES: [(&str, &str, i32, i32, &str); 6] = [
    (
        "0193a000-0000-7000-8000-000000000001",
        "Initial contact",
        1,
        10,
        "OPEN",
    ),
    (
        "0193a000-0000-7000-8000-000000000002",
        "Requirements confirmed",
        2,
        30,
        "OPEN",
    ),
    (
        "0193a000-0000-7000-8000-000000000003",
        "Quotation",
        3,
        50,
        "OPEN",
    ),
    (
        "0193a000-0000-7000-8000-000000000004",
        "Contract drafting",
        4,
        80,
        "OPEN",
    ),
    ("0193a000-0000-7000-8000-000000000005", "Won", 5, 100, "WON"),
    ("0193a000-0000-7000-8000-000000000006", "Lost", 6, 0, "LOST"),
];

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(column);
    }
    manager.create_index(statement.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PipelineStages::Table)
                    .col(pk_uuid(PipelineStages::Id))
                    .col(string(PipelineStages::Name))
                    .col(integer(PipelineStages::Position))
                    .col(integer(PipelineStages::Probability))
                    .col(string_len(PipelineStages::Kind, 8))
                    .col(integer_null(PipelineStages::MaxDaysInStage))
                    .col(boolean(PipelineStages::Archived))
                    .col(integer(PipelineStages::Version))
                    .col(timestamp_with_time_zone(PipelineStages::CreatedAt))
                    .col(timestamp_with_time_zone(PipelineStages::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table(PipelineStages::Table).columns([
            PipelineStages::Id,
            PipelineStages::Name,
            PipelineStages::Position,
            PipelineStages::Probability,
            PipelineStages::Kind,
            PipelineStages::Archived,
            PipelineStages::Version,
            PipelineStages::CreatedAt,
            PipelineStages::UpdatedAt,
        ]);
        let epoch = "2026-11-24T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        for (id, name, position, probability, kind) in DEFAULT_STAGES {
            let id =
                sea_orm::prelude::Uuid::parse_str(id).map_err(|e| DbErr::Custom(e.to_string()))?;
            insert
                .values([
                    id.into(),
                    name.into(),
                    position.into(),
                    probability.into(),
                    kind.into(),
                    false.into(),
                    1.into(),
                    epoch.into(),
                    epoch.into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        manager.exec_stmt(insert).await?;

        manager
            .create_table(
                Table::create()
                    .table(Opportunities::Table)
                    .col(pk_uuid(Opportunities::Id))
                    .col(uuid(Opportunities::CustomerId))
                    .col(uuid(Opportunities::OwnerId))
                    .col(string(Opportunities::Name))
                    .col(big_integer(Opportunities::AmountMinor))
                    .col(uuid(Opportunities::StageId))
                    .col(integer_null(Opportunities::ProbabilityOverride))
                    .col(string_len(Opportunities::ForecastCategory, 16))
                    .col(string_len(Opportunities::Status, 8))
                    .col(date(Opportunities::ExpectedCloseDate))
                    .col(timestamp_with_time_zone_null(Opportunities::ClosedAt))
                    .col(string_null(Opportunities::LostReason))
                    .col(timestamp_with_time_zone(Opportunities::StageEnteredAt))
                    .col(uuid_null(Opportunities::LeadId))
                    .col(integer(Opportunities::Version))
                    .col(timestamp_with_time_zone(Opportunities::CreatedAt))
                    .col(timestamp_with_time_zone(Opportunities::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_opportunities_customer")
                            .from(Opportunities::Table, Opportunities::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_opportunities_owner")
                            .from(Opportunities::Table, Opportunities::OwnerId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_opportunities_stage")
                            .from(Opportunities::Table, Opportunities::StageId)
                            .to(PipelineStages::Table, PipelineStages::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_opportunities_owner",
            Opportunities::Table,
            vec![
                Opportunities::OwnerId.into_iden(),
                Opportunities::Status.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_opportunities_customer",
            Opportunities::Table,
            vec![Opportunities::CustomerId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_opportunities_stage",
            Opportunities::Table,
            vec![Opportunities::StageId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_opportunities_close",
            Opportunities::Table,
            vec![Opportunities::ExpectedCloseDate.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_opportunities_updated",
            Opportunities::Table,
            vec![Opportunities::UpdatedAt.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(StageChanges::Table)
                    .col(pk_uuid(StageChanges::Id))
                    .col(uuid(StageChanges::OpportunityId))
                    .col(uuid_null(StageChanges::FromStageId))
                    .col(uuid(StageChanges::ToStageId))
                    .col(uuid(StageChanges::ChangedBy))
                    .col(timestamp_with_time_zone(StageChanges::ChangedAt))
                    .col(integer_null(StageChanges::DaysInPreviousStage))
                    .col(text_null(StageChanges::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stage_changes_opportunity")
                            .from(StageChanges::Table, StageChanges::OpportunityId)
                            .to(Opportunities::Table, Opportunities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Leads::Table)
                    .add_column(uuid_null(Leads::ConvertedOpportunityId))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_stage_changes_opportunity",
            StageChanges::Table,
            vec![
                StageChanges::OpportunityId.into_iden(),
                StageChanges::ChangedAt.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Leads::Table)
                    .drop_column(Leads::ConvertedOpportunityId)
                    .to_owned(),
            )
            .await?;
        for table in [
            StageChanges::Table.into_iden(),
            Opportunities::Table.into_iden(),
            PipelineStages::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
