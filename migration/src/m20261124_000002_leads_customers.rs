//! Customers, contacts, leads with their events, follow-ups, lead assignment rotation and
//! notifications.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    Name,
    CompanyKey,
    Industry,
    Region,
    Address,
    Latitude,
    Longitude,
    Grade,
    OwnerId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    CustomerId,
    Name,
    Title,
    Phone,
    PhoneKey,
    Email,
    EmailKey,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
    Name,
    Company,
    CompanyKey,
    Phone,
    PhoneKey,
    Email,
    EmailKey,
    Source,
    Status,
    Score,
    Grade,
    BantBudget,
    BantAuthority,
    BantNeed,
    BantTimeline,
    Region,
    Industry,
    Notes,
    OwnerId,
    InPool,
    PoolDeadline,
    LastFollowUpAt,
    FollowUpCount,
    DisqualifiedReason,
    ConvertedCustomerId,
    ConvertedContactId,
    ConvertedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LeadEvents {
    Table,
    Id,
    LeadId,
    Kind,
    ActorId,
    FromOwnerId,
    ToOwnerId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    Id,
    SubjectType,
    SubjectId,
    LeadId,
    CustomerId,
    AuthorId,
    Kind,
    Content,
    OccurredAt,
    NextFollowUpAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AssignmentCursors {
    Table,
    TeamId,
    LastUserId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Body,
    SubjectType,
    SubjectId,
    ReadAt,
    CreatedAt,
}

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
                    .table(Customers::Table)
                    .col(pk_uuid(Customers::Id))
                    .col(string(Customers::Name))
                    .col(string(Customers::CompanyKey))
                    .col(string_null(Customers::Industry))
                    .col(string_null(Customers::Region))
                    .col(string_null(Customers::Address))
                    .col(double_null(Customers::Latitude))
                    .col(double_null(Customers::Longitude))
                    .col(string_len_null(Customers::Grade, 1))
                    .col(uuid(Customers::OwnerId))
                    .col(integer(Customers::Version))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .col(timestamp_with_time_zone(Customers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customers_owner")
                            .from(Customers::Table, Customers::OwnerId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_customers_owner",
            Customers::Table,
            vec![Customers::OwnerId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_customers_company_key",
            Customers::Table,
            vec![Customers::CompanyKey.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(pk_uuid(Contacts::Id))
                    .col(uuid(Contacts::CustomerId))
                    .col(string(Contacts::Name))
                    .col(string_null(Contacts::Title))
                    .col(string_null(Contacts::Phone))
                    .col(string_null(Contacts::PhoneKey))
                    .col(string_null(Contacts::Email))
                    .col(string_null(Contacts::EmailKey))
                    .col(integer(Contacts::Version))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contacts_customer")
                            .from(Contacts::Table, Contacts::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_contacts_customer",
            Contacts::Table,
            vec![Contacts::CustomerId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_contacts_phone_key",
            Contacts::Table,
            vec![Contacts::PhoneKey.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_contacts_email_key",
            Contacts::Table,
            vec![Contacts::EmailKey.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Leads::Table)
                    .col(pk_uuid(Leads::Id))
                    .col(string(Leads::Name))
                    .col(string_null(Leads::Company))
                    .col(string_null(Leads::CompanyKey))
                    .col(string_null(Leads::Phone))
                    .col(string_null(Leads::PhoneKey))
                    .col(string_null(Leads::Email))
                    .col(string_null(Leads::EmailKey))
                    .col(string_len(Leads::Source, 32))
                    .col(string_len(Leads::Status, 32))
                    .col(integer(Leads::Score))
                    .col(string_len(Leads::Grade, 1))
                    .col(string_len(Leads::BantBudget, 16))
                    .col(string_len(Leads::BantAuthority, 16))
                    .col(string_len(Leads::BantNeed, 16))
                    .col(string_len(Leads::BantTimeline, 32))
                    .col(string_null(Leads::Region))
                    .col(string_null(Leads::Industry))
                    .col(text_null(Leads::Notes))
                    .col(uuid_null(Leads::OwnerId))
                    .col(boolean(Leads::InPool))
                    .col(timestamp_with_time_zone_null(Leads::PoolDeadline))
                    .col(timestamp_with_time_zone_null(Leads::LastFollowUpAt))
                    .col(integer(Leads::FollowUpCount))
                    .col(string_null(Leads::DisqualifiedReason))
                    .col(uuid_null(Leads::ConvertedCustomerId))
                    .col(uuid_null(Leads::ConvertedContactId))
                    .col(timestamp_with_time_zone_null(Leads::ConvertedAt))
                    .col(integer(Leads::Version))
                    .col(timestamp_with_time_zone(Leads::CreatedAt))
                    .col(timestamp_with_time_zone(Leads::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_leads_owner")
                            .from(Leads::Table, Leads::OwnerId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_leads_customer")
                            .from(Leads::Table, Leads::ConvertedCustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_leads_owner",
            Leads::Table,
            vec![Leads::OwnerId.into_iden(), Leads::Status.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_leads_pool",
            Leads::Table,
            vec![Leads::InPool.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_leads_pool_deadline",
            Leads::Table,
            vec![Leads::PoolDeadline.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_leads_phone_key",
            Leads::Table,
            vec![Leads::PhoneKey.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_leads_email_key",
            Leads::Table,
            vec![Leads::EmailKey.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_leads_company_key",
            Leads::Table,
            vec![Leads::CompanyKey.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_leads_updated",
            Leads::Table,
            vec![Leads::UpdatedAt.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LeadEvents::Table)
                    .col(pk_uuid(LeadEvents::Id))
                    .col(uuid(LeadEvents::LeadId))
                    .col(string_len(LeadEvents::Kind, 32))
                    .col(uuid_null(LeadEvents::ActorId))
                    .col(uuid_null(LeadEvents::FromOwnerId))
                    .col(uuid_null(LeadEvents::ToOwnerId))
                    .col(string_null(LeadEvents::Reason))
                    .col(timestamp_with_time_zone(LeadEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lead_events_lead")
                            .from(LeadEvents::Table, LeadEvents::LeadId)
                            .to(Leads::Table, Leads::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_lead_events_lead",
            LeadEvents::Table,
            vec![LeadEvents::LeadId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FollowUps::Table)
                    .col(pk_uuid(FollowUps::Id))
                    .col(string_len(FollowUps::SubjectType, 32))
                    .col(uuid(FollowUps::SubjectId))
                    .col(uuid_null(FollowUps::LeadId))
                    .col(uuid_null(FollowUps::CustomerId))
                    .col(uuid(FollowUps::AuthorId))
                    .col(string_len(FollowUps::Kind, 16))
                    .col(text(FollowUps::Content))
                    .col(timestamp_with_time_zone(FollowUps::OccurredAt))
                    .col(timestamp_with_time_zone_null(FollowUps::NextFollowUpAt))
                    .col(timestamp_with_time_zone(FollowUps::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_follow_ups_lead",
            FollowUps::Table,
            vec![
                FollowUps::LeadId.into_iden(),
                FollowUps::OccurredAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_follow_ups_customer",
            FollowUps::Table,
            vec![
                FollowUps::CustomerId.into_iden(),
                FollowUps::OccurredAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_follow_ups_subject",
            FollowUps::Table,
            vec![
                FollowUps::SubjectType.into_iden(),
                FollowUps::SubjectId.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AssignmentCursors::Table)
                    .col(uuid(AssignmentCursors::TeamId).primary_key())
                    .col(uuid_null(AssignmentCursors::LastUserId))
                    .col(timestamp_with_time_zone(AssignmentCursors::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assignment_cursors_team")
                            .from(AssignmentCursors::Table, AssignmentCursors::TeamId)
                            .to(Teams::Table, Teams::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_uuid(Notifications::Id))
                    .col(uuid(Notifications::UserId))
                    .col(string_len(Notifications::Kind, 48))
                    .col(string(Notifications::Title))
                    .col(text(Notifications::Body))
                    .col(string_len_null(Notifications::SubjectType, 32))
                    .col(uuid_null(Notifications::SubjectId))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_user")
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_notifications_user",
            Notifications::Table,
            vec![
                Notifications::UserId.into_iden(),
                Notifications::Id.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notifications::Table.into_iden(),
            AssignmentCursors::Table.into_iden(),
            FollowUps::Table.into_iden(),
            LeadEvents::Table.into_iden(),
            Leads::Table.into_iden(),
            Contacts::Table.into_iden(),
            Customers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
