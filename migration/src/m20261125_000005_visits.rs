//! Field visits: planned tasks, check-in and check-out on site.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VisitTasks {
    Table,
    Id,
    AssigneeId,
    CreatedBy,
    CustomerId,
    ContactId,
    OpportunityId,
    LeadId,
    Purpose,
    PlannedStart,
    PlannedEnd,
    /// The assignee's local calendar day of `planned_start`, fixed when planned.
    LocalDate,
    /// When that local day ends (UTC): a task still planned then is missed.
    DayEndsAt,
    Address,
    Latitude,
    Longitude,
    Status,
    CheckInAt,
    CheckInDeviceAt,
    CheckInLatitude,
    CheckInLongitude,
    CheckInAccuracyM,
    CheckInDistanceM,
    CheckInOnSite,
    CheckOutAt,
    CheckOutDeviceAt,
    Summary,
    Outcome,
    NextStep,
    NextVisitId,
    DurationSeconds,
    FollowUpId,
    CancelledAt,
    CancelReason,
    MissedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

fn fk(
    name: &str,
    column: VisitTasks,
    table: impl IntoIden,
    id: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(VisitTasks::Table, column)
        .to(table, id)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VisitTasks::Table)
                    .col(pk_uuid(VisitTasks::Id))
                    .col(uuid(VisitTasks::AssigneeId))
                    .col(uuid(VisitTasks::CreatedBy))
                    .col(uuid(VisitTasks::CustomerId))
                    .col(uuid_null(VisitTasks::ContactId))
                    .col(uuid_null(VisitTasks::OpportunityId))
                    .col(uuid_null(VisitTasks::LeadId))
                    .col(string_len(VisitTasks::Purpose, 500))
                    .col(timestamp_with_time_zone(VisitTasks::PlannedStart))
                    .col(timestamp_with_time_zone(VisitTasks::PlannedEnd))
                    .col(date(VisitTasks::LocalDate))
                    .col(timestamp_with_time_zone(VisitTasks::DayEndsAt))
                    .col(string_len_null(VisitTasks::Address, 500))
                    .col(double_null(VisitTasks::Latitude))
                    .col(double_null(VisitTasks::Longitude))
                    .col(string_len(VisitTasks::Status, 16))
                    .col(timestamp_with_time_zone_null(VisitTasks::CheckInAt))
                    .col(timestamp_with_time_zone_null(VisitTasks::CheckInDeviceAt))
                    .col(double_null(VisitTasks::CheckInLatitude))
                    .col(double_null(VisitTasks::CheckInLongitude))
                    .col(double_null(VisitTasks::CheckInAccuracyM))
                    .col(double_null(VisitTasks::CheckInDistanceM))
                    .col(boolean_null(VisitTasks::CheckInOnSite))
                    .col(timestamp_with_time_zone_null(VisitTasks::CheckOutAt))
                    .col(timestamp_with_time_zone_null(VisitTasks::CheckOutDeviceAt))
                    .col(text_null(VisitTasks::Summary))
                    .col(string_len_null(VisitTasks::Outcome, 16))
                    .col(string_len_null(VisitTasks::NextStep, 1000))
                    .col(uuid_null(VisitTasks::NextVisitId))
                    .col(big_integer_null(VisitTasks::DurationSeconds))
                    .col(uuid_null(VisitTasks::FollowUpId))
                    .col(timestamp_with_time_zone_null(VisitTasks::CancelledAt))
                    .col(string_len_null(VisitTasks::CancelReason, 1000))
                    .col(timestamp_with_time_zone_null(VisitTasks::MissedAt))
                    .col(integer(VisitTasks::Version))
                    .col(timestamp_with_time_zone(VisitTasks::CreatedAt))
                    .col(timestamp_with_time_zone(VisitTasks::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_visits_assignee",
                        VisitTasks::AssigneeId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_visits_creator",
                        VisitTasks::CreatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_visits_customer",
                        VisitTasks::CustomerId,
                        Customers::Table,
                        Customers::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_visits_contact",
                        VisitTasks::ContactId,
                        Contacts::Table,
                        Contacts::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_visits_opportunity",
                        VisitTasks::OpportunityId,
                        Opportunities::Table,
                        Opportunities::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_visits_lead",
                        VisitTasks::LeadId,
                        Leads::Table,
                        Leads::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The morning query: one rep's tasks of one day, in planned order.
        let indexes: [(&str, Vec<VisitTasks>); 6] = [
            (
                "idx_visits_assignee_start",
                vec![VisitTasks::AssigneeId, VisitTasks::PlannedStart],
            ),
            (
                "idx_visits_assignee_updated",
                vec![VisitTasks::AssigneeId, VisitTasks::UpdatedAt],
            ),
            (
                "idx_visits_status_day_end",
                vec![VisitTasks::Status, VisitTasks::DayEndsAt],
            ),
            (
                "idx_visits_customer_start",
                vec![VisitTasks::CustomerId, VisitTasks::PlannedStart],
            ),
            ("idx_visits_opportunity", vec![VisitTasks::OpportunityId]),
            ("idx_visits_local_date", vec![VisitTasks::LocalDate]),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(VisitTasks::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VisitTasks::Table).to_owned())
            .await
    }
}
