//! Attachments: files (site photos, documents, contract scans) on visits, follow-ups,
//! customers, deals, contracts and quotes. The bytes live in object storage; a row describes
//! them and says where. A row exists before its object and outlives it, so an object never
//! lies in storage without a row naming it (the orphan sweep finishes what a crash left).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    SubjectType,
    SubjectId,
    Kind,
    Status,
    Purpose,
    FileName,
    ContentType,
    ByteSize,
    Sha256,
    Width,
    Height,
    TakenAt,
    Latitude,
    Longitude,
    StorageKey,
    UploadedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(pk_uuid(Attachments::Id))
                    .col(string_len(Attachments::SubjectType, 16))
                    .col(uuid(Attachments::SubjectId))
                    .col(string_len(Attachments::Kind, 16))
                    // PENDING while the object is written, READY once stored, DELETING while
                    // the object is removed.
                    .col(string_len(Attachments::Status, 16))
                    // CHECK_IN for a visit's on-site proof.
                    .col(string_len_null(Attachments::Purpose, 16))
                    .col(string_len(Attachments::FileName, 255))
                    .col(string_len(Attachments::ContentType, 100))
                    .col(big_integer(Attachments::ByteSize))
                    .col(string_len(Attachments::Sha256, 64))
                    .col(integer_null(Attachments::Width))
                    .col(integer_null(Attachments::Height))
                    .col(timestamp_with_time_zone_null(Attachments::TakenAt))
                    .col(double_null(Attachments::Latitude))
                    .col(double_null(Attachments::Longitude))
                    .col(string_len(Attachments::StorageKey, 200))
                    .col(uuid(Attachments::UploadedBy))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    .col(timestamp_with_time_zone(Attachments::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // A record's files, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_attachments_subject")
                    .table(Attachments::Table)
                    .col(Attachments::SubjectId)
                    .col(Attachments::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // The orphan sweep: unfinished rows by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_attachments_status_updated")
                    .table(Attachments::Table)
                    .col(Attachments::Status)
                    .col(Attachments::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attachments::Table).to_owned())
            .await
    }
}
