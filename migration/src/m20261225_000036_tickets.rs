//! Service tickets (complaints): their comments, their history, and the response times each
//! priority is promised.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    Number,
    CustomerId,
    ContactId,
    ContractId,
    Subject,
    Description,
    Category,
    Priority,
    Status,
    AssigneeId,
    OpenedBy,
    DueAt,
    ResolvedAt,
    ClosedAt,
    Satisfaction,
    EscalatedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TicketEvents {
    Table,
    Id,
    TicketId,
    Kind,
    FromStatus,
    ToStatus,
    AssigneeId,
    ActorId,
    Note,
    At,
}

#[derive(DeriveIden)]
enum TicketComments {
    Table,
    Id,
    TicketId,
    AuthorId,
    Body,
    Visibility,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TicketSla {
    Table,
    Priority,
    Hours,
    UpdatedAt,
}

/// Hours to resolve, by priority.
const DEFAULT_SLA: [(&str, i32); 4] = [("URGENT", 4), ("HIGH", 24), ("NORMAL", 72), ("LOW", 168)];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(pk_uuid(Tickets::Id))
                    .col(string_len(Tickets::Number, 32).unique_key())
                    .col(uuid(Tickets::CustomerId))
                    .col(uuid_null(Tickets::ContactId))
                    .col(uuid_null(Tickets::ContractId))
                    .col(string_len(Tickets::Subject, 200))
                    .col(text(Tickets::Description))
                    .col(string_len(Tickets::Category, 16))
                    .col(string_len(Tickets::Priority, 16))
                    .col(string_len(Tickets::Status, 20))
                    .col(uuid_null(Tickets::AssigneeId))
                    .col(uuid(Tickets::OpenedBy))
                    .col(timestamp_with_time_zone(Tickets::DueAt))
                    .col(timestamp_with_time_zone_null(Tickets::ResolvedAt))
                    .col(timestamp_with_time_zone_null(Tickets::ClosedAt))
                    .col(integer_null(Tickets::Satisfaction))
                    .col(timestamp_with_time_zone_null(Tickets::EscalatedAt))
                    .col(integer(Tickets::Version))
                    .col(timestamp_with_time_zone(Tickets::CreatedAt))
                    .col(timestamp_with_time_zone(Tickets::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_tickets_customer",
                vec![Tickets::CustomerId, Tickets::CreatedAt],
            ),
            (
                "idx_tickets_status_due",
                vec![Tickets::Status, Tickets::DueAt],
            ),
            (
                "idx_tickets_assignee",
                vec![Tickets::AssigneeId, Tickets::Status],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Tickets::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TicketEvents::Table)
                    .col(pk_uuid(TicketEvents::Id))
                    .col(uuid(TicketEvents::TicketId))
                    // OPENED, ASSIGNED, STATUS_CHANGED, REOPENED or ESCALATED.
                    .col(string_len(TicketEvents::Kind, 20))
                    .col(string_len_null(TicketEvents::FromStatus, 20))
                    .col(string_len_null(TicketEvents::ToStatus, 20))
                    .col(uuid_null(TicketEvents::AssigneeId))
                    .col(uuid_null(TicketEvents::ActorId))
                    .col(text_null(TicketEvents::Note))
                    .col(timestamp_with_time_zone(TicketEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ticket_events_ticket")
                    .table(TicketEvents::Table)
                    .col(TicketEvents::TicketId)
                    .col(TicketEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketComments::Table)
                    .col(pk_uuid(TicketComments::Id))
                    .col(uuid(TicketComments::TicketId))
                    .col(uuid(TicketComments::AuthorId))
                    .col(text(TicketComments::Body))
                    // INTERNAL or CUSTOMER.
                    .col(string_len(TicketComments::Visibility, 16))
                    .col(timestamp_with_time_zone(TicketComments::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ticket_comments_ticket")
                    .table(TicketComments::Table)
                    .col(TicketComments::TicketId)
                    .col(TicketComments::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketSla::Table)
                    .col(string_len(TicketSla::Priority, 16).primary_key())
                    .col(integer(TicketSla::Hours))
                    .col(timestamp_with_time_zone(TicketSla::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let epoch = "2026-12-25T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut insert = Query::insert();
        insert.into_table(TicketSla::Table).columns([
            TicketSla::Priority,
            TicketSla::Hours,
            TicketSla::UpdatedAt,
        ]);
        for (priority, hours) in DEFAULT_SLA {
            insert
                .values([priority.into(), hours.into(), epoch.into()])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TicketSla::Table.into_iden(),
            TicketComments::Table.into_iden(),
            TicketEvents::Table.into_iden(),
            Tickets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
