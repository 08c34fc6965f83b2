//! Activities: a seller's to-dos (calls, meetings, visits, e-mails, tasks) on a lead, customer,
//! deal or contract, each due at a time and reminded once before it and once when overdue.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    Kind,
    SubjectType,
    SubjectId,
    Title,
    Note,
    DueAt,
    RemindAt,
    RemindedAt,
    OverdueNotifiedAt,
    Done,
    DoneAt,
    OwnerId,
    CreatedBy,
    FollowUpId,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(pk_uuid(Activities::Id))
                    .col(string_len(Activities::Kind, 16))
                    .col(string_len(Activities::SubjectType, 16))
                    .col(uuid(Activities::SubjectId))
                    .col(string_len(Activities::Title, 200))
                    .col(string_len_null(Activities::Note, 2000))
                    .col(timestamp_with_time_zone(Activities::DueAt))
                    .col(timestamp_with_time_zone(Activities::RemindAt))
                    .col(timestamp_with_time_zone_null(Activities::RemindedAt))
                    .col(timestamp_with_time_zone_null(Activities::OverdueNotifiedAt))
                    .col(boolean(Activities::Done).default(false))
                    .col(timestamp_with_time_zone_null(Activities::DoneAt))
                    .col(uuid(Activities::OwnerId))
                    .col(uuid(Activities::CreatedBy))
                    .col(uuid_null(Activities::FollowUpId))
                    .col(timestamp_with_time_zone(Activities::CreatedAt))
                    .col(timestamp_with_time_zone(Activities::UpdatedAt))
                    .col(integer(Activities::Version).default(1))
                    .to_owned(),
            )
            .await?;
        // A seller's agenda and lists: by owner, in due order.
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_owner_due")
                    .table(Activities::Table)
                    .col(Activities::OwnerId)
                    .col(Activities::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_subject")
                    .table(Activities::Table)
                    .col(Activities::SubjectId)
                    .to_owned(),
            )
            .await?;
        // The reminder sweep: open activities by reminder and due time.
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_open_remind")
                    .table(Activities::Table)
                    .col(Activities::Done)
                    .col(Activities::RemindAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_open_due")
                    .table(Activities::Table)
                    .col(Activities::Done)
                    .col(Activities::DueAt)
                    .to_owned(),
            )
            .await?;
        // A follow-up schedules at most one next activity (retries included).
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_follow_up")
                    .table(Activities::Table)
                    .col(Activities::FollowUpId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Activities::Table).to_owned())
            .await
    }
}
