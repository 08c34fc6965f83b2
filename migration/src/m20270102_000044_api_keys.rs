//! Service accounts (users of kind `SERVICE`, who never sign in), their scopes and intake team,
//! the API keys they call with (stored hashed, with a per-key request window), and the
//! web-form submissions counted per client address; the service account a webhook's events
//! are filtered by.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Kind,
}

#[derive(DeriveIden)]
enum ServiceAccounts {
    Table,
    UserId,
    Scopes,
    TeamId,
    Description,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    ServiceAccountId,
    Name,
    Prefix,
    KeyHash,
    RateLimitPerMinute,
    WindowStartedAt,
    WindowCount,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    ServiceAccountId,
}

#[derive(DeriveIden)]
enum IntakeSubmissions {
    Table,
    Id,
    ClientAddr,
    SubmittedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    // PERSON or SERVICE.
                    .add_column(string_len(Users::Kind, 16).default("PERSON"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceAccounts::Table)
                    .col(pk_uuid(ServiceAccounts::UserId))
                    // Space-separated, e.g. `leads:create customers:read`.
                    .col(string_len(ServiceAccounts::Scopes, 1000))
                    .col(uuid_null(ServiceAccounts::TeamId))
                    .col(string_len_null(ServiceAccounts::Description, 500))
                    .col(uuid(ServiceAccounts::CreatedBy))
                    .col(timestamp_with_time_zone(ServiceAccounts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(pk_uuid(ApiKeys::Id))
                    .col(uuid(ApiKeys::ServiceAccountId))
                    .col(string_len(ApiKeys::Name, 100))
                    .col(string_len(ApiKeys::Prefix, 16))
                    // Hex SHA-256 of the whole key.
                    .col(string_len_uniq(ApiKeys::KeyHash, 64))
                    .col(integer(ApiKeys::RateLimitPerMinute))
                    .col(timestamp_with_time_zone_null(ApiKeys::WindowStartedAt))
                    .col(integer(ApiKeys::WindowCount).default(0))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(uuid(ApiKeys::CreatedBy))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_keys_account")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::ServiceAccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Webhooks::Table)
                    // Whose visibility the endpoint's events are filtered by; none: everything.
                    .add_column(uuid_null(Webhooks::ServiceAccountId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntakeSubmissions::Table)
                    .col(pk_uuid(IntakeSubmissions::Id))
                    .col(string_len(IntakeSubmissions::ClientAddr, 64))
                    .col(timestamp_with_time_zone(IntakeSubmissions::SubmittedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_intake_submissions_addr")
                    .table(IntakeSubmissions::Table)
                    .col(IntakeSubmissions::ClientAddr)
                    .col(IntakeSubmissions::SubmittedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IntakeSubmissions::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            ServiceAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Webhooks::Table)
                    .drop_column(Webhooks::ServiceAccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::Kind)
                    .to_owned(),
            )
            .await
    }
}
