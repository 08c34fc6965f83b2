//! Daily and weekly work reports (日报/周报): what a seller did in a day or week, as counted when
//! they submitted it, with their summary, plans and problems; their managers' comments; and the
//! marks of the missing-report reminders already sent. Indexes for the facts a report drafts
//! itself from: follow-ups by author, stage moves by mover, activities done by owner.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WorkReports {
    Table,
    Id,
    OwnerId,
    TeamId,
    Kind,
    PeriodStart,
    PeriodEnd,
    TimeZone,
    Summary,
    Plans,
    Problems,
    VisitsDone,
    VisitsMissed,
    FollowUps,
    DealsMoved,
    ActivitiesDone,
    CollectedMinor,
    DailyReports,
    SubmittedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum WorkReportComments {
    Table,
    Id,
    ReportId,
    AuthorId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WorkReportReminders {
    Table,
    OwnerId,
    Kind,
    PeriodStart,
    SentAt,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    AuthorId,
    OccurredAt,
}

#[derive(DeriveIden)]
enum StageChanges {
    Table,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    OwnerId,
    DoneAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkReports::Table)
                    .col(pk_uuid(WorkReports::Id))
                    .col(uuid(WorkReports::OwnerId))
                    .col(uuid_null(WorkReports::TeamId))
                    .col(string_len(WorkReports::Kind, 8))
                    .col(date(WorkReports::PeriodStart))
                    .col(date(WorkReports::PeriodEnd))
                    .col(string_len(WorkReports::TimeZone, 64))
                    .col(string_len(WorkReports::Summary, 4000))
                    .col(string_len_null(WorkReports::Plans, 4000))
                    .col(string_len_null(WorkReports::Problems, 4000))
                    .col(integer(WorkReports::VisitsDone))
                    .col(integer(WorkReports::VisitsMissed))
                    .col(integer(WorkReports::FollowUps))
                    .col(integer(WorkReports::DealsMoved))
                    .col(integer(WorkReports::ActivitiesDone))
                    .col(big_integer(WorkReports::CollectedMinor))
                    .col(integer_null(WorkReports::DailyReports))
                    .col(timestamp_with_time_zone(WorkReports::SubmittedAt))
                    .col(timestamp_with_time_zone(WorkReports::UpdatedAt))
                    .col(integer(WorkReports::Version).default(1))
                    .to_owned(),
            )
            .await?;
        // One report per seller, kind and period (a retry finds the first).
        manager
            .create_index(
                Index::create()
                    .name("uq_work_reports_owner_period")
                    .table(WorkReports::Table)
                    .col(WorkReports::OwnerId)
                    .col(WorkReports::Kind)
                    .col(WorkReports::PeriodStart)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A manager's evening: the team's reports of a day.
        manager
            .create_index(
                Index::create()
                    .name("idx_work_reports_team_period")
                    .table(WorkReports::Table)
                    .col(WorkReports::TeamId)
                    .col(WorkReports::Kind)
                    .col(WorkReports::PeriodStart)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkReportComments::Table)
                    .col(pk_uuid(WorkReportComments::Id))
                    .col(uuid(WorkReportComments::ReportId))
                    .col(uuid(WorkReportComments::AuthorId))
                    .col(string_len(WorkReportComments::Body, 2000))
                    .col(timestamp_with_time_zone(WorkReportComments::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_work_report_comments_report")
                    .table(WorkReportComments::Table)
                    .col(WorkReportComments::ReportId)
                    .col(WorkReportComments::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkReportReminders::Table)
                    .col(uuid(WorkReportReminders::OwnerId))
                    .col(string_len(WorkReportReminders::Kind, 8))
                    .col(date(WorkReportReminders::PeriodStart))
                    .col(timestamp_with_time_zone(WorkReportReminders::SentAt))
                    .primary_key(
                        Index::create()
                            .col(WorkReportReminders::OwnerId)
                            .col(WorkReportReminders::Kind)
                            .col(WorkReportReminders::PeriodStart),
                    )
                    .to_owned(),
            )
            .await?;
        let facts: [(&str, TableRef, Vec<DynIden>); 3] = [
            (
                "idx_follow_ups_author_occurred",
                FollowUps::Table.into_table_ref(),
                vec![
                    FollowUps::AuthorId.into_iden(),
                    FollowUps::OccurredAt.into_iden(),
                ],
            ),
            (
                "idx_stage_changes_mover_changed",
                StageChanges::Table.into_table_ref(),
                vec![
                    StageChanges::ChangedBy.into_iden(),
                    StageChanges::ChangedAt.into_iden(),
                ],
            ),
            (
                "idx_activities_owner_done",
                Activities::Table.into_table_ref(),
                vec![
                    Activities::OwnerId.into_iden(),
                    Activities::DoneAt.into_iden(),
                ],
            ),
        ];
        for (name, table, columns) in facts {
            let mut index = Index::create();
            index.name(name).table(table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (
                "idx_follow_ups_author_occurred",
                FollowUps::Table.into_iden(),
            ),
            (
                "idx_stage_changes_mover_changed",
                StageChanges::Table.into_iden(),
            ),
            ("idx_activities_owner_done", Activities::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        for table in [
            WorkReportReminders::Table.into_iden(),
            WorkReportComments::Table.into_iden(),
            WorkReports::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
