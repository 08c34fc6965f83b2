//! Billing: collection plans (installments), invoices, payments and their allocations,
//! waivers, and the reminders sent for overdue installments.

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
enum Contracts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApprovalRequests {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Installments {
    Table,
    Id,
    ContractId,
    CustomerId,
    Seq,
    DueDate,
    AmountMinor,
    InvoicedMinor,
    PaidMinor,
    WaivedMinor,
    Note,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    Number,
    Year,
    Seq,
    ContractId,
    InstallmentId,
    CustomerId,
    AmountMinor,
    /// Tax rate in hundredths of a percent (1300 = 13%).
    TaxRateBasisPoints,
    TaxMinor,
    IssueDate,
    DueDate,
    Status,
    VoidReason,
    VoidedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    CustomerId,
    ContractId,
    AmountMinor,
    ReceivedDate,
    Method,
    Reference,
    ReferenceKey,
    UnallocatedMinor,
    Status,
    ReversedAt,
    ReverseReason,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Allocations {
    Table,
    Id,
    PaymentId,
    InstallmentId,
    AmountMinor,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Waivers {
    Table,
    Id,
    InstallmentId,
    AmountMinor,
    Reason,
    Status,
    RequestId,
    RequestedBy,
    CreatedAt,
    AppliedAt,
}

#[derive(DeriveIden)]
enum InstallmentReminders {
    Table,
    InstallmentId,
    Level,
    SentAt,
}

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

fn fk(name: &str, from: (DynIden, DynIden), to: (DynIden, DynIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let contracts = || (Contracts::Table.into_iden(), Contracts::Id.into_iden());
        let customers = || (Customers::Table.into_iden(), Customers::Id.into_iden());
        let users = || (Users::Table.into_iden(), Users::Id.into_iden());
        let installments = || {
            (
                Installments::Table.into_iden(),
                Installments::Id.into_iden(),
            )
        };
        manager
            .create_table(
                Table::create()
                    .table(Installments::Table)
                    .col(pk_uuid(Installments::Id))
                    .col(uuid(Installments::ContractId))
                    .col(uuid(Installments::CustomerId))
                    .col(integer(Installments::Seq))
                    .col(date(Installments::DueDate))
                    .col(big_integer(Installments::AmountMinor))
                    .col(big_integer(Installments::InvoicedMinor))
                    .col(big_integer(Installments::PaidMinor))
                    .col(big_integer(Installments::WaivedMinor))
                    .col(string_len_null(Installments::Note, 500))
                    .col(string_len(Installments::Status, 16))
                    .col(integer(Installments::Version))
                    .col(timestamp_with_time_zone(Installments::CreatedAt))
                    .col(timestamp_with_time_zone(Installments::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_installments_contract",
                        (
                            Installments::Table.into_iden(),
                            Installments::ContractId.into_iden(),
                        ),
                        contracts(),
                    ))
                    .foreign_key(&mut fk(
                        "fk_installments_customer",
                        (
                            Installments::Table.into_iden(),
                            Installments::CustomerId.into_iden(),
                        ),
                        customers(),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_installments_contract_seq",
            Installments::Table,
            vec![
                Installments::ContractId.into_iden(),
                Installments::Seq.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "idx_installments_customer_due",
            Installments::Table,
            vec![
                Installments::CustomerId.into_iden(),
                Installments::DueDate.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "idx_installments_due",
            Installments::Table,
            vec![Installments::DueDate.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .col(pk_uuid(Invoices::Id))
                    .col(string_len(Invoices::Number, 32))
                    .col(integer(Invoices::Year))
                    .col(big_integer(Invoices::Seq))
                    .col(uuid(Invoices::ContractId))
                    .col(uuid(Invoices::InstallmentId))
                    .col(uuid(Invoices::CustomerId))
                    .col(big_integer(Invoices::AmountMinor))
                    .col(integer(Invoices::TaxRateBasisPoints))
                    .col(big_integer(Invoices::TaxMinor))
                    .col(date(Invoices::IssueDate))
                    .col(date(Invoices::DueDate))
                    .col(string_len(Invoices::Status, 8))
                    .col(string_len_null(Invoices::VoidReason, 1000))
                    .col(timestamp_with_time_zone_null(Invoices::VoidedAt))
                    .col(uuid(Invoices::CreatedBy))
                    .col(timestamp_with_time_zone(Invoices::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_invoices_contract",
                        (
                            Invoices::Table.into_iden(),
                            Invoices::ContractId.into_iden(),
                        ),
                        contracts(),
                    ))
                    .foreign_key(&mut fk(
                        "fk_invoices_installment",
                        (
                            Invoices::Table.into_iden(),
                            Invoices::InstallmentId.into_iden(),
                        ),
                        installments(),
                    ))
                    .foreign_key(&mut fk(
                        "fk_invoices_customer",
                        (
                            Invoices::Table.into_iden(),
                            Invoices::CustomerId.into_iden(),
                        ),
                        customers(),
                    ))
                    .foreign_key(&mut fk(
                        "fk_invoices_creator",
                        (Invoices::Table.into_iden(), Invoices::CreatedBy.into_iden()),
                        users(),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_invoices_number",
            Invoices::Table,
            vec![Invoices::Number.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "idx_invoices_contract",
            Invoices::Table,
            vec![Invoices::ContractId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_invoices_customer",
            Invoices::Table,
            vec![Invoices::CustomerId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(pk_uuid(Payments::Id))
                    .col(uuid(Payments::CustomerId))
                    .col(uuid_null(Payments::ContractId))
                    .col(big_integer(Payments::AmountMinor))
                    .col(date(Payments::ReceivedDate))
                    .col(string_len(Payments::Method, 16))
                    .col(string_len(Payments::Reference, 200))
                    .col(string_len(Payments::ReferenceKey, 200))
                    .col(big_integer(Payments::UnallocatedMinor))
                    .col(string_len(Payments::Status, 16))
                    .col(timestamp_with_time_zone_null(Payments::ReversedAt))
                    .col(string_len_null(Payments::ReverseReason, 1000))
                    .col(uuid(Payments::CreatedBy))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_payments_customer",
                        (
                            Payments::Table.into_iden(),
                            Payments::CustomerId.into_iden(),
                        ),
                        customers(),
                    ))
                    .foreign_key(&mut fk(
                        "fk_payments_contract",
                        (
                            Payments::Table.into_iden(),
                            Payments::ContractId.into_iden(),
                        ),
                        contracts(),
                    ))
                    .foreign_key(&mut fk(
                        "fk_payments_creator",
                        (Payments::Table.into_iden(), Payments::CreatedBy.into_iden()),
                        users(),
                    ))
                    .to_owned(),
            )
            .await?;
        // The same bank transaction is recorded once per customer.
        index(
            manager,
            "uq_payments_customer_reference",
            Payments::Table,
            vec![
                Payments::CustomerId.into_iden(),
                Payments::ReferenceKey.into_iden(),
            ],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Allocations::Table)
                    .col(pk_uuid(Allocations::Id))
                    .col(uuid(Allocations::PaymentId))
                    .col(uuid(Allocations::InstallmentId))
                    .col(big_integer(Allocations::AmountMinor))
                    .col(string_len(Allocations::Kind, 16))
                    .col(timestamp_with_time_zone(Allocations::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_allocations_payment",
                        (
                            Allocations::Table.into_iden(),
                            Allocations::PaymentId.into_iden(),
                        ),
                        (Payments::Table.into_iden(), Payments::Id.into_iden()),
                    ))
                    .foreign_key(&mut fk(
                        "fk_allocations_installment",
                        (
                            Allocations::Table.into_iden(),
                            Allocations::InstallmentId.into_iden(),
                        ),
                        installments(),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_allocations_payment",
            Allocations::Table,
            vec![Allocations::PaymentId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_allocations_installment",
            Allocations::Table,
            vec![Allocations::InstallmentId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Waivers::Table)
                    .col(pk_uuid(Waivers::Id))
                    .col(uuid(Waivers::InstallmentId))
                    .col(big_integer(Waivers::AmountMinor))
                    .col(string_len(Waivers::Reason, 1000))
                    .col(string_len(Waivers::Status, 16))
                    .col(uuid(Waivers::RequestId))
                    .col(uuid(Waivers::RequestedBy))
                    .col(timestamp_with_time_zone(Waivers::CreatedAt))
                    .col(timestamp_with_time_zone_null(Waivers::AppliedAt))
                    .foreign_key(&mut fk(
                        "fk_waivers_installment",
                        (
                            Waivers::Table.into_iden(),
                            Waivers::InstallmentId.into_iden(),
                        ),
                        installments(),
                    ))
                    .foreign_key(&mut fk(
                        "fk_waivers_request",
                        (Waivers::Table.into_iden(), Waivers::RequestId.into_iden()),
                        (
                            ApprovalRequests::Table.into_iden(),
                            ApprovalRequests::Id.into_iden(),
                        ),
                    ))
                    .foreign_key(&mut fk(
                        "fk_waivers_requester",
                        (Waivers::Table.into_iden(), Waivers::RequestedBy.into_iden()),
                        users(),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_waivers_installment",
            Waivers::Table,
            vec![Waivers::InstallmentId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InstallmentReminders::Table)
                    .col(uuid(InstallmentReminders::InstallmentId))
                    .col(integer(InstallmentReminders::Level))
                    .col(timestamp_with_time_zone(InstallmentReminders::SentAt))
                    .primary_key(
                        Index::create()
                            .col(InstallmentReminders::InstallmentId)
                            .col(InstallmentReminders::Level),
                    )
                    .foreign_key(&mut fk(
                        "fk_reminders_installment",
                        (
                            InstallmentReminders::Table.into_iden(),
                            InstallmentReminders::InstallmentId.into_iden(),
                        ),
                        installments(),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InstallmentReminders::Table.into_iden(),
            Waivers::Table.into_iden(),
            Allocations::Table.into_iden(),
            Payments::Table.into_iden(),
            Invoices::Table.into_iden(),
            Installments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
