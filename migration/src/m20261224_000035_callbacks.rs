//! After-sales callbacks: the rules (a week, a month and three months after a contract is signed,
//! or after its last delivery) and the callbacks they plan, one per rule and contract.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallbackRules {
    Table,
    Id,
    Name,
    OffsetDays,
    AssignTo,
    Active,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Callbacks {
    Table,
    Id,
    RuleId,
    ContractId,
    CustomerId,
    ContactId,
    Anchor,
    AnchorDate,
    DueDate,
    AssigneeId,
    Status,
    Outcome,
    Satisfaction,
    Notes,
    DoneAt,
    DoneBy,
    OverdueNotifiedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

/// The default rules, by fixed ids: name, days after the anchor.
const DEFAULTS: [(&str, &str, i32); 3] = [
    ("00000000-0000-7000-8000-000000000351", "One week after", 7),
    (
        "00000000-0000-7000-8000-000000000352",
        "One month after",
        30,
    ),
    (
        "00000000-0000-7000-8000-000000000353",
        "Three months after",
        90,
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CallbackRules::Table)
                    .col(pk_uuid(CallbackRules::Id))
                    .col(string_len(CallbackRules::Name, 100))
                    .col(integer(CallbackRules::OffsetDays))
                    // SUPPORT (customer service, in turn) or OWNER (the contract's owner).
                    .col(string_len(CallbackRules::AssignTo, 16))
                    .col(boolean(CallbackRules::Active))
                    .col(integer(CallbackRules::Position))
                    .col(timestamp_with_time_zone(CallbackRules::CreatedAt))
                    .col(timestamp_with_time_zone(CallbackRules::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Callbacks::Table)
                    .col(pk_uuid(Callbacks::Id))
                    .col(uuid(Callbacks::RuleId))
                    .col(uuid(Callbacks::ContractId))
                    .col(uuid(Callbacks::CustomerId))
                    .col(uuid_null(Callbacks::ContactId))
                    // SIGNED or DELIVERED: what the due date counts from.
                    .col(string_len(Callbacks::Anchor, 16))
                    .col(date(Callbacks::AnchorDate))
                    .col(date(Callbacks::DueDate))
                    .col(uuid(Callbacks::AssigneeId))
                    .col(string_len(Callbacks::Status, 16))
                    .col(string_len_null(Callbacks::Outcome, 16))
                    .col(integer_null(Callbacks::Satisfaction))
                    .col(text_null(Callbacks::Notes))
                    .col(timestamp_with_time_zone_null(Callbacks::DoneAt))
                    .col(uuid_null(Callbacks::DoneBy))
                    .col(timestamp_with_time_zone_null(Callbacks::OverdueNotifiedAt))
                    .col(integer(Callbacks::Version))
                    .col(timestamp_with_time_zone(Callbacks::CreatedAt))
                    .col(timestamp_with_time_zone(Callbacks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Exactly once per rule and contract, whoever plans it (signing, delivery, sweep).
        manager
            .create_index(
                Index::create()
                    .name("uq_callbacks_contract_rule")
                    .table(Callbacks::Table)
                    .col(Callbacks::ContractId)
                    .col(Callbacks::RuleId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A person's day and the overdue sweep.
        manager
            .create_index(
                Index::create()
                    .name("idx_callbacks_assignee_due")
                    .table(Callbacks::Table)
                    .col(Callbacks::AssigneeId)
                    .col(Callbacks::DueDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_callbacks_status_due")
                    .table(Callbacks::Table)
                    .col(Callbacks::Status)
                    .col(Callbacks::DueDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_callbacks_customer")
                    .table(Callbacks::Table)
                    .col(Callbacks::CustomerId)
                    .to_owned(),
            )
            .await?;
        let epoch = "2026-12-24T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut insert = Query::insert();
        insert.into_table(CallbackRules::Table).columns([
            CallbackRules::Id,
            CallbackRules::Name,
            CallbackRules::OffsetDays,
            CallbackRules::AssignTo,
            CallbackRules::Active,
            CallbackRules::Position,
            CallbackRules::CreatedAt,
            CallbackRules::UpdatedAt,
        ]);
        for (position, (id, name, days)) in (0_i32..).zip(DEFAULTS) {
            let id =
                sea_orm::prelude::Uuid::parse_str(id).map_err(|e| DbErr::Custom(e.to_string()))?;
            insert
                .values([
                    id.into(),
                    name.into(),
                    days.into(),
                    "SUPPORT".into(),
                    true.into(),
                    position.into(),
                    epoch.into(),
                    epoch.into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Callbacks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CallbackRules::Table).to_owned())
            .await
    }
}
