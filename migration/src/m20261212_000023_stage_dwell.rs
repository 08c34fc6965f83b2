//! Stuck deals out of the box: each stage says how its limit is read (`FIXED`: its
//! `max_days_in_stage`; `AUTO`: the 80th percentile of observed stays, once enough deals left
//! it), and the default open stages get limits where none was set.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PipelineStages {
    Table,
    Id,
    StaleRule,
    MaxDaysInStage,
}

#[derive(DeriveIden)]
enum StageChanges {
    Table,
    FromStageId,
    ChangedAt,
}

/// Days a deal may stay in each default open stage.
const DEFAULT_LIMITS: [(&str, i32); 4] = [
    ("0193a000-0000-7000-8000-000000000001", 14),
    ("0193a000-0000-7000-8000-000000000002", 21),
    ("0193a000-0000-7000-8000-000000000003", 14),
    ("0193a000-0000-7000-8000-000000000004", 30),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PipelineStages::Table)
                    .add_column(string_len(PipelineStages::StaleRule, 8).default("FIXED"))
                    .to_owned(),
            )
            .await?;
        for (id, days) in DEFAULT_LIMITS {
            let id =
                sea_orm::prelude::Uuid::parse_str(id).map_err(|e| DbErr::Custom(e.to_string()))?;
            manager
                .exec_stmt(
                    Query::update()
                        .table(PipelineStages::Table)
                        .value(PipelineStages::MaxDaysInStage, days)
                        .and_where(Expr::col(PipelineStages::Id).eq(id))
                        .and_where(Expr::col(PipelineStages::MaxDaysInStage).is_null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_stage_changes_from_changed")
                    .table(StageChanges::Table)
                    .col(StageChanges::FromStageId)
                    .col(StageChanges::ChangedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_stage_changes_from_changed")
                    .table(StageChanges::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PipelineStages::Table)
                    .drop_column(PipelineStages::StaleRule)
                    .to_owned(),
            )
            .await
    }
}
