//! Contracts with gapless yearly numbers, and the approval engine: policy tiers (with the
//! defaults), requests and their steps.

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
enum Opportunities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DocumentCounters {
    Table,
    Kind,
    Year,
    LastValue,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    Number,
    Year,
    Seq,
    CustomerId,
    OpportunityId,
    OwnerId,
    Title,
    AmountMinor,
    StartDate,
    EndDate,
    SignedDate,
    Terms,
    Status,
    CancelReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApprovalTiers {
    Table,
    Id,
    SubjectKind,
    MinAmountMinor,
    /// Comma-separated roles, in order.
    Steps,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApprovalRequests {
    Table,
    Id,
    SubjectType,
    SubjectId,
    Status,
    SubmittedBy,
    SubmittedAt,
    SnapshotAmountMinor,
    SnapshotHash,
    Snapshot,
    CurrentPosition,
    DecidedAt,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApprovalSteps {
    Table,
    Id,
    RequestId,
    Position,
    Role,
    Status,
    DecidedBy,
    DecidedAt,
    Comment,
}

/// The default policies: contracts below 100,000 need the manager; below 1,000,000 the manager
/// and finance; from 1,000,000 the manager, finance and an admin. Waivers: finance, then admin.
const DEFAULT_TIERS: [(&str, &str, i64, &str); 4] = [
    (
        "0193a000-0000-7000-8000-000000000101",
        "CONTRACT",
        0,
        "SALES_MANAGER",
    ),
    (
        "0193a000-0000-7000-8000-000000000102",
        "CONTRACT",
        10_000_000,
        "SALES_MANAGER,FINANCE",
    ),
    (
        "0193a000-0000-7000-8000-000000000103",
        "CONTRACT",
        100_000_000,
        "SALES_MANAGER,FINANCE,ADMIN",
    ),
    (
        "0193a000-0000-7000-8000-000000000104",
        "WAIVER",
        0,
        "FINANCE,ADMIN",
    ),
];

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    if unique {
        statement.unique();
    }
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
                    .table(DocumentCounters::Table)
                    .col(string_len(DocumentCounters::Kind, 32))
                    .col(integer(DocumentCounters::Year))
                    .col(big_integer(DocumentCounters::LastValue))
                    .primary_key(
                        Index::create()
                            .col(DocumentCounters::Kind)
                            .col(DocumentCounters::Year),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contracts::Table)
                    .col(pk_uuid(Contracts::Id))
                    .col(string_len(Contracts::Number, 32))
                    .col(integer(Contracts::Year))
                    .col(big_integer(Contracts::Seq))
                    .col(uuid(Contracts::CustomerId))
                    .col(uuid_null(Contracts::OpportunityId))
                    .col(uuid(Contracts::OwnerId))
                    .col(string_len(Contracts::Title, 200))
                    .col(big_integer(Contracts::AmountMinor))
                    .col(date_null(Contracts::StartDate))
                    .col(date_null(Contracts::EndDate))
                    .col(date_null(Contracts::SignedDate))
                    .col(text(Contracts::Terms))
                    .col(string_len(Contracts::Status, 20))
                    .col(string_len_null(Contracts::CancelReason, 1000))
                    .col(integer(Contracts::Version))
                    .col(timestamp_with_time_zone(Contracts::CreatedAt))
                    .col(timestamp_with_time_zone(Contracts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contracts_customer")
                            .from(Contracts::Table, Contracts::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contracts_opportunity")
                            .from(Contracts::Table, Contracts::OpportunityId)
                            .to(Opportunities::Table, Opportunities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contracts_owner")
                            .from(Contracts::Table, Contracts::OwnerId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_contracts_number",
            Contracts::Table,
            vec![Contracts::Number.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "uq_contracts_year_seq",
            Contracts::Table,
            vec![Contracts::Year.into_iden(), Contracts::Seq.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "idx_contracts_customer",
            Contracts::Table,
            vec![Contracts::CustomerId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_contracts_opportunity",
            Contracts::Table,
            vec![Contracts::OpportunityId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_contracts_owner",
            Contracts::Table,
            vec![Contracts::OwnerId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalTiers::Table)
                    .col(pk_uuid(ApprovalTiers::Id))
                    .col(string_len(ApprovalTiers::SubjectKind, 16))
                    .col(big_integer(ApprovalTiers::MinAmountMinor))
                    .col(string_len(ApprovalTiers::Steps, 200))
                    .col(timestamp_with_time_zone(ApprovalTiers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_approval_tiers_kind_min",
            ApprovalTiers::Table,
            vec![
                ApprovalTiers::SubjectKind.into_iden(),
                ApprovalTiers::MinAmountMinor.into_iden(),
            ],
            true,
        )
        .await?;
        let epoch = "2026-11-25T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut insert = Query::insert();
        insert.into_table(ApprovalTiers::Table).columns([
            ApprovalTiers::Id,
            ApprovalTiers::SubjectKind,
            ApprovalTiers::MinAmountMinor,
            ApprovalTiers::Steps,
            ApprovalTiers::UpdatedAt,
        ]);
        for (id, kind, min, steps) in DEFAULT_TIERS {
            let id =
                sea_orm::prelude::Uuid::parse_str(id).map_err(|e| DbErr::Custom(e.to_string()))?;
            insert
                .values([
                    id.into(),
                    kind.into(),
                    min.into(),
                    steps.into(),
                    epoch.into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        manager.exec_stmt(insert).await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalRequests::Table)
                    .col(pk_uuid(ApprovalRequests::Id))
                    .col(string_len(ApprovalRequests::SubjectType, 16))
                    .col(uuid(ApprovalRequests::SubjectId))
                    .col(string_len(ApprovalRequests::Status, 16))
                    .col(uuid(ApprovalRequests::SubmittedBy))
                    .col(timestamp_with_time_zone(ApprovalRequests::SubmittedAt))
                    .col(big_integer(ApprovalRequests::SnapshotAmountMinor))
                    .col(string_len(ApprovalRequests::SnapshotHash, 64))
                    .col(text(ApprovalRequests::Snapshot))
                    .col(integer(ApprovalRequests::CurrentPosition))
                    .col(timestamp_with_time_zone_null(ApprovalRequests::DecidedAt))
                    .col(integer(ApprovalRequests::Version))
                    .col(timestamp_with_time_zone(ApprovalRequests::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_requests_submitter")
                            .from(ApprovalRequests::Table, ApprovalRequests::SubmittedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_approval_requests_subject",
            ApprovalRequests::Table,
            vec![
                ApprovalRequests::SubjectType.into_iden(),
                ApprovalRequests::SubjectId.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "idx_approval_requests_status",
            ApprovalRequests::Table,
            vec![ApprovalRequests::Status.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalSteps::Table)
                    .col(pk_uuid(ApprovalSteps::Id))
                    .col(uuid(ApprovalSteps::RequestId))
                    .col(integer(ApprovalSteps::Position))
                    .col(string_len(ApprovalSteps::Role, 16))
                    .col(string_len(ApprovalSteps::Status, 16))
                    .col(uuid_null(ApprovalSteps::DecidedBy))
                    .col(timestamp_with_time_zone_null(ApprovalSteps::DecidedAt))
                    .col(text_null(ApprovalSteps::Comment))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_steps_request")
                            .from(ApprovalSteps::Table, ApprovalSteps::RequestId)
                            .to(ApprovalRequests::Table, ApprovalRequests::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_steps_decider")
                            .from(ApprovalSteps::Table, ApprovalSteps::DecidedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Each step of a request exists once: decisions race on this row.
        index(
            manager,
            "uq_approval_steps_request_position",
            ApprovalSteps::Table,
            vec![
                ApprovalSteps::RequestId.into_iden(),
                ApprovalSteps::Position.into_iden(),
            ],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApprovalSteps::Table.into_iden(),
            ApprovalRequests::Table.into_iden(),
            ApprovalTiers::Table.into_iden(),
            Contracts::Table.into_iden(),
            DocumentCounters::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
