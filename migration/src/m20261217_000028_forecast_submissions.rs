//! Forecast review: each period, reps submit the forecast they stand behind, managers adjust
//! their reps' with a note and submit their team's roll-up; every submission and adjustment is
//! kept.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ForecastSubmissions {
    Table,
    Id,
    Period,
    Level,
    UserId,
    TeamId,
    CommitMinor,
    BestCaseMinor,
    ComputedCommitMinor,
    ComputedBestCaseMinor,
    AdjustedCommitMinor,
    AdjustedBestCaseMinor,
    Note,
    SubmittedBy,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum ForecastAdjustments {
    Table,
    Id,
    SubmissionId,
    CommitMinor,
    BestCaseMinor,
    Note,
    AdjustedBy,
    AdjustedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ForecastSubmissions::Table)
                    .col(pk_uuid(ForecastSubmissions::Id))
                    .col(string_len(ForecastSubmissions::Period, 8))
                    .col(string_len(ForecastSubmissions::Level, 8))
                    .col(uuid_null(ForecastSubmissions::UserId))
                    .col(uuid_null(ForecastSubmissions::TeamId))
                    .col(big_integer(ForecastSubmissions::CommitMinor))
                    .col(big_integer(ForecastSubmissions::BestCaseMinor))
                    .col(big_integer(ForecastSubmissions::ComputedCommitMinor))
                    .col(big_integer(ForecastSubmissions::ComputedBestCaseMinor))
                    .col(big_integer_null(ForecastSubmissions::AdjustedCommitMinor))
                    .col(big_integer_null(ForecastSubmissions::AdjustedBestCaseMinor))
                    .col(string_len_null(ForecastSubmissions::Note, 2000))
                    .col(uuid(ForecastSubmissions::SubmittedBy))
                    .col(timestamp_with_time_zone(ForecastSubmissions::SubmittedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_forecast_submissions_period")
                    .table(ForecastSubmissions::Table)
                    .col(ForecastSubmissions::Period)
                    .col(ForecastSubmissions::Level)
                    .col(ForecastSubmissions::SubmittedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ForecastAdjustments::Table)
                    .col(pk_uuid(ForecastAdjustments::Id))
                    .col(uuid(ForecastAdjustments::SubmissionId))
                    .col(big_integer(ForecastAdjustments::CommitMinor))
                    .col(big_integer(ForecastAdjustments::BestCaseMinor))
                    .col(string_len(ForecastAdjustments::Note, 2000))
                    .col(uuid(ForecastAdjustments::AdjustedBy))
                    .col(timestamp_with_time_zone(ForecastAdjustments::AdjustedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ForecastAdjustments::Table,
                                ForecastAdjustments::SubmissionId,
                            )
                            .to(ForecastSubmissions::Table, ForecastSubmissions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_forecast_adjustments_submission")
                    .table(ForecastAdjustments::Table)
                    .col(ForecastAdjustments::SubmissionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ForecastAdjustments::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ForecastSubmissions::Table).to_owned())
            .await
    }
}
