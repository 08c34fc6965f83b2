//! Contract amendments (numbered per contract, at most one pending per contract: a partial
//! unique index), refunds with the money they took (from a payment's credit or from an
//! allocation), what each payment has refunded, and the refund approval policy's default tier.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContractAmendments {
    Table,
    Id,
    ContractId,
    Seq,
    Changes,
    Before,
    After,
    DeltaMinor,
    Reason,
    Status,
    RequestId,
    RequestedBy,
    BaseVersion,
    DecidedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    Number,
    Year,
    Seq,
    CustomerId,
    PaymentId,
    AmountMinor,
    Reason,
    InstallmentIds,
    Status,
    RequestId,
    RequestedBy,
    Method,
    Reference,
    PaidOn,
    PaidBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefundSources {
    Table,
    Id,
    RefundId,
    PaymentId,
    InstallmentId,
    AmountMinor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    RefundedMinor,
}

#[derive(DeriveIden)]
enum ApprovalRequests {
    Table,
    SubjectType,
}

#[derive(DeriveIden)]
enum ApprovalTiers {
    Table,
    Id,
    SubjectKind,
    MinAmountMinor,
    Steps,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `CONTRACT_AMENDMENT` is longer than the 16 characters kinds had (SQLite does not
        // enforce a text length, nor alter a column's type).
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for (table, column) in [
                (
                    ApprovalRequests::Table.into_iden(),
                    ApprovalRequests::SubjectType.into_iden(),
                ),
                (
                    ApprovalTiers::Table.into_iden(),
                    ApprovalTiers::SubjectKind.into_iden(),
                ),
            ] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table)
                            .modify_column(ColumnDef::new(column).string_len(32).not_null())
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .create_table(
                Table::create()
                    .table(ContractAmendments::Table)
                    .col(pk_uuid(ContractAmendments::Id))
                    .col(uuid(ContractAmendments::ContractId))
                    .col(integer(ContractAmendments::Seq))
                    .col(text(ContractAmendments::Changes))
                    .col(text(ContractAmendments::Before))
                    .col(text(ContractAmendments::After))
                    .col(big_integer(ContractAmendments::DeltaMinor))
                    .col(text(ContractAmendments::Reason))
                    .col(string_len(ContractAmendments::Status, 16))
                    .col(uuid(ContractAmendments::RequestId))
                    .col(uuid(ContractAmendments::RequestedBy))
                    .col(integer(ContractAmendments::BaseVersion))
                    .col(timestamp_with_time_zone_null(ContractAmendments::DecidedAt))
                    .col(integer(ContractAmendments::Version))
                    .col(timestamp_with_time_zone(ContractAmendments::CreatedAt))
                    .col(timestamp_with_time_zone(ContractAmendments::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_contract_amendments_seq")
                    .table(ContractAmendments::Table)
                    .col(ContractAmendments::ContractId)
                    .col(ContractAmendments::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contract_amendments_decided")
                    .table(ContractAmendments::Table)
                    .col(ContractAmendments::Status)
                    .col(ContractAmendments::DecidedAt)
                    .to_owned(),
            )
            .await?;
        // One pending amendment per contract, whoever amends concurrently.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_contract_amendments_pending \
                 ON contract_amendments (contract_id) WHERE status = 'PENDING'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(pk_uuid(Refunds::Id))
                    .col(string_uniq(Refunds::Number))
                    .col(integer(Refunds::Year))
                    .col(big_integer(Refunds::Seq))
                    .col(uuid(Refunds::CustomerId))
                    .col(uuid_null(Refunds::PaymentId))
                    .col(big_integer(Refunds::AmountMinor))
                    .col(text(Refunds::Reason))
                    .col(text(Refunds::InstallmentIds))
                    .col(string_len(Refunds::Status, 24))
                    .col(uuid(Refunds::RequestId))
                    .col(uuid(Refunds::RequestedBy))
                    .col(string_len_null(Refunds::Method, 24))
                    .col(string_len_null(Refunds::Reference, 200))
                    .col(date_null(Refunds::PaidOn))
                    .col(uuid_null(Refunds::PaidBy))
                    .col(integer(Refunds::Version))
                    .col(timestamp_with_time_zone(Refunds::CreatedAt))
                    .col(timestamp_with_time_zone(Refunds::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_refunds_customer", Refunds::CustomerId),
            ("idx_refunds_payment", Refunds::PaymentId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Refunds::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RefundSources::Table)
                    .col(pk_uuid(RefundSources::Id))
                    .col(uuid(RefundSources::RefundId))
                    .col(uuid(RefundSources::PaymentId))
                    .col(uuid_null(RefundSources::InstallmentId))
                    .col(big_integer(RefundSources::AmountMinor))
                    .col(timestamp_with_time_zone(RefundSources::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refund_sources_refund")
                            .from(RefundSources::Table, RefundSources::RefundId)
                            .to(Refunds::Table, Refunds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_refund_sources_refund", RefundSources::RefundId),
            ("idx_refund_sources_payment", RefundSources::PaymentId),
            (
                "idx_refund_sources_installment",
                RefundSources::InstallmentId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RefundSources::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Payments::Table)
                    .add_column(big_integer(Payments::RefundedMinor).default(0))
                    .to_owned(),
            )
            .await?;
        let epoch = "2026-12-11T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let id = sea_orm::prelude::Uuid::parse_str("00000000-0000-7000-8000-000000000041")
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut insert = Query::insert();
        insert
            .into_table(ApprovalTiers::Table)
            .columns([
                ApprovalTiers::Id,
                ApprovalTiers::SubjectKind,
                ApprovalTiers::MinAmountMinor,
                ApprovalTiers::Steps,
                ApprovalTiers::UpdatedAt,
            ])
            .values([
                id.into(),
                "REFUND".into(),
                0_i64.into(),
                "FINANCE,ADMIN".into(),
                epoch.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(ApprovalTiers::Table)
                    .and_where(Expr::col(ApprovalTiers::SubjectKind).eq("REFUND"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Payments::Table)
                    .drop_column(Payments::RefundedMinor)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(RefundSources::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Refunds::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ContractAmendments::Table).to_owned())
            .await
    }
}
