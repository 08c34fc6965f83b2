//! Outbound webhooks: the endpoints admins register and the event types each receives, the
//! outbox of events written in the transaction of the change they describe, one delivery per
//! event and endpoint, and every attempt at it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Url,
    Description,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    Status,
    DisabledReason,
    FailingSince,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEventTypes {
    Table,
    WebhookId,
    EventType,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    EventType,
    SubjectType,
    SubjectId,
    ActorId,
    Data,
    OccurredAt,
    Dispatched,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastStatusCode,
    LastLatencyMs,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    LatencyMs,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(pk_uuid(Webhooks::Id))
                    .col(string_len(Webhooks::Url, 2048))
                    .col(string_len_null(Webhooks::Description, 500))
                    // `whsec_` and the base64 of 32 random bytes.
                    .col(string_len(Webhooks::Secret, 100))
                    .col(string_len_null(Webhooks::PreviousSecret, 100))
                    .col(timestamp_with_time_zone_null(Webhooks::PreviousSecretUntil))
                    // ACTIVE or DISABLED.
                    .col(string_len(Webhooks::Status, 16))
                    .col(string_len_null(Webhooks::DisabledReason, 500))
                    .col(timestamp_with_time_zone_null(Webhooks::FailingSince))
                    .col(uuid(Webhooks::CreatedBy))
                    .col(integer(Webhooks::Version))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEventTypes::Table)
                    .col(uuid(WebhookEventTypes::WebhookId))
                    .col(string_len(WebhookEventTypes::EventType, 40))
                    .primary_key(
                        Index::create()
                            .col(WebhookEventTypes::WebhookId)
                            .col(WebhookEventTypes::EventType),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_event_types_type")
                    .table(WebhookEventTypes::Table)
                    .col(WebhookEventTypes::EventType)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(pk_uuid(WebhookEvents::Id))
                    .col(string_len(WebhookEvents::EventType, 40))
                    .col(string_len(WebhookEvents::SubjectType, 40))
                    .col(uuid(WebhookEvents::SubjectId))
                    .col(uuid_null(WebhookEvents::ActorId))
                    .col(text(WebhookEvents::Data))
                    .col(timestamp_with_time_zone(WebhookEvents::OccurredAt))
                    .col(boolean(WebhookEvents::Dispatched))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_events_dispatched")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::Dispatched)
                    .col(WebhookEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(pk_uuid(WebhookDeliveries::Id))
                    .col(uuid(WebhookDeliveries::WebhookId))
                    .col(uuid(WebhookDeliveries::EventId))
                    // PENDING, SUCCEEDED or FAILED.
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::LockedUntil,
                    ))
                    .col(integer_null(WebhookDeliveries::LastStatusCode))
                    .col(integer_null(WebhookDeliveries::LastLatencyMs))
                    .col(string_len_null(WebhookDeliveries::LastError, 500))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::FinishedAt))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_webhook_deliveries_due",
                vec![
                    WebhookDeliveries::Status.into_iden(),
                    WebhookDeliveries::NextAttemptAt.into_iden(),
                ],
            ),
            (
                "idx_webhook_deliveries_webhook",
                vec![
                    WebhookDeliveries::WebhookId.into_iden(),
                    WebhookDeliveries::Id.into_iden(),
                ],
            ),
            (
                "idx_webhook_deliveries_event",
                vec![WebhookDeliveries::EventId.into_iden()],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(WebhookDeliveries::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(pk_uuid(WebhookAttempts::Id))
                    .col(uuid(WebhookAttempts::DeliveryId))
                    .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(integer(WebhookAttempts::LatencyMs))
                    .col(string_len_null(WebhookAttempts::Error, 500))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_delivery")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::DeliveryId)
                    .col(WebhookAttempts::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            WebhookEventTypes::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
