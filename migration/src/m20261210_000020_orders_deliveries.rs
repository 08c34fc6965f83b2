//! Contract execution: orders drawn from a signed contract (numbered per year), their lines (a
//! product and quantity, or an amount alone), and deliveries in batches with their lines. What
//! a line has delivered is kept on the line, so a guarded update refuses more than was ordered.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Number,
    Year,
    Seq,
    ContractId,
    CustomerId,
    CreatedBy,
    Status,
    PlannedDeliveryDate,
    AmountMinor,
    CancelReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    Position,
    ProductId,
    QuantityThousandths,
    AmountMinor,
    DeliveredThousandths,
    DeliveredMinor,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    OrderId,
    ContractId,
    DeliveredOn,
    Note,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DeliveryLines {
    Table,
    Id,
    DeliveryId,
    OrderLineId,
    QuantityThousandths,
    AmountMinor,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(pk_uuid(Orders::Id))
                    .col(string_uniq(Orders::Number))
                    .col(integer(Orders::Year))
                    .col(big_integer(Orders::Seq))
                    .col(uuid(Orders::ContractId))
                    .col(uuid(Orders::CustomerId))
                    .col(uuid(Orders::CreatedBy))
                    .col(string_len(Orders::Status, 24))
                    .col(date_null(Orders::PlannedDeliveryDate))
                    .col(big_integer(Orders::AmountMinor))
                    .col(text_null(Orders::CancelReason))
                    .col(integer(Orders::Version))
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_orders_contract", Orders::ContractId),
            ("idx_orders_customer", Orders::CustomerId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Orders::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderLines::Table)
                    .col(pk_uuid(OrderLines::Id))
                    .col(uuid(OrderLines::OrderId))
                    .col(integer(OrderLines::Position))
                    .col(uuid_null(OrderLines::ProductId))
                    .col(big_integer_null(OrderLines::QuantityThousandths))
                    .col(big_integer(OrderLines::AmountMinor))
                    .col(big_integer(OrderLines::DeliveredThousandths).default(0))
                    .col(big_integer(OrderLines::DeliveredMinor).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_order_lines_order")
                            .from(OrderLines::Table, OrderLines::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_lines_order")
                    .table(OrderLines::Table)
                    .col(OrderLines::OrderId)
                    .col(OrderLines::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(pk_uuid(Deliveries::Id))
                    .col(uuid(Deliveries::OrderId))
                    .col(uuid(Deliveries::ContractId))
                    .col(date(Deliveries::DeliveredOn))
                    .col(text_null(Deliveries::Note))
                    .col(uuid(Deliveries::RecordedBy))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deliveries_order")
                            .from(Deliveries::Table, Deliveries::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_deliveries_order", Deliveries::OrderId),
            ("idx_deliveries_contract", Deliveries::ContractId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Deliveries::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(DeliveryLines::Table)
                    .col(pk_uuid(DeliveryLines::Id))
                    .col(uuid(DeliveryLines::DeliveryId))
                    .col(uuid(DeliveryLines::OrderLineId))
                    .col(big_integer_null(DeliveryLines::QuantityThousandths))
                    .col(big_integer(DeliveryLines::AmountMinor))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_lines_delivery")
                            .from(DeliveryLines::Table, DeliveryLines::DeliveryId)
                            .to(Deliveries::Table, Deliveries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_lines_delivery")
                    .table(DeliveryLines::Table)
                    .col(DeliveryLines::DeliveryId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeliveryLines::Table.into_iden(),
            Deliveries::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
