//! The allow-list of trusted documents: the operations a client build ships, registered from
//! its persisted-documents manifest and looked up by their SHA-256.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TrustedDocuments {
    Table,
    Hash,
    Body,
    RegisteredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrustedDocuments::Table)
                    .col(string_len(TrustedDocuments::Hash, 64).primary_key())
                    .col(text(TrustedDocuments::Body))
                    .col(timestamp_with_time_zone(TrustedDocuments::RegisteredAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TrustedDocuments::Table).to_owned())
            .await
    }
}
