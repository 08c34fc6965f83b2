//! Price books (the standard one holds no entries: its prices are the list prices; others
//! price products per validity period) and the line items of deals, each keeping the price,
//! discount, amount and unit cost it was given.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The id of the standard price book, which every deployment has.
pub const STANDARD_PRICE_BOOK: &str = "00000000-0000-7000-8000-000000000001";

#[derive(DeriveIden)]
enum PriceBooks {
    Table,
    Id,
    Name,
    NameKey,
    Description,
    Standard,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PriceBookEntries {
    Table,
    Id,
    PriceBookId,
    ProductId,
    UnitPriceMinor,
    ValidFrom,
    ValidUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OpportunityLineItems {
    Table,
    Id,
    OpportunityId,
    Position,
    ProductId,
    QuantityThousandths,
    UnitPriceMinor,
    BookPriceMinor,
    DiscountBasisPoints,
    AmountMinor,
    UnitCostMinor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
    PriceBookId,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PriceBooks::Table)
                    .col(pk_uuid(PriceBooks::Id))
                    .col(string(PriceBooks::Name))
                    .col(string_uniq(PriceBooks::NameKey))
                    .col(text_null(PriceBooks::Description))
                    .col(boolean(PriceBooks::Standard))
                    .col(boolean(PriceBooks::Active))
                    .col(integer(PriceBooks::Version))
                    .col(timestamp_with_time_zone(PriceBooks::CreatedAt))
                    .col(timestamp_with_time_zone(PriceBooks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let epoch = "2026-12-07T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let standard = sea_orm::prelude::Uuid::parse_str(STANDARD_PRICE_BOOK)
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut insert = Query::insert();
        insert
            .into_table(PriceBooks::Table)
            .columns([
                PriceBooks::Id,
                PriceBooks::Name,
                PriceBooks::NameKey,
                PriceBooks::Standard,
                PriceBooks::Active,
                PriceBooks::Version,
                PriceBooks::CreatedAt,
                PriceBooks::UpdatedAt,
            ])
            .values([
                standard.into(),
                "Standard".into(),
                "standard".into(),
                true.into(),
                true.into(),
                1.into(),
                epoch.into(),
                epoch.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        manager.exec_stmt(insert).await?;
        manager
            .create_table(
                Table::create()
                    .table(PriceBookEntries::Table)
                    .col(pk_uuid(PriceBookEntries::Id))
                    .col(uuid(PriceBookEntries::PriceBookId))
                    .col(uuid(PriceBookEntries::ProductId))
                    .col(big_integer(PriceBookEntries::UnitPriceMinor))
                    .col(date_null(PriceBookEntries::ValidFrom))
                    .col(date_null(PriceBookEntries::ValidUntil))
                    .col(timestamp_with_time_zone(PriceBookEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_price_book_entries_book")
                            .from(PriceBookEntries::Table, PriceBookEntries::PriceBookId)
                            .to(PriceBooks::Table, PriceBooks::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_price_book_entries_product")
                            .from(PriceBookEntries::Table, PriceBookEntries::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_price_book_entries_book_product")
                    .table(PriceBookEntries::Table)
                    .col(PriceBookEntries::PriceBookId)
                    .col(PriceBookEntries::ProductId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OpportunityLineItems::Table)
                    .col(pk_uuid(OpportunityLineItems::Id))
                    .col(uuid(OpportunityLineItems::OpportunityId))
                    .col(integer(OpportunityLineItems::Position))
                    .col(uuid(OpportunityLineItems::ProductId))
                    .col(big_integer(OpportunityLineItems::QuantityThousandths))
                    .col(big_integer(OpportunityLineItems::UnitPriceMinor))
                    .col(big_integer(OpportunityLineItems::BookPriceMinor))
                    .col(integer(OpportunityLineItems::DiscountBasisPoints))
                    .col(big_integer(OpportunityLineItems::AmountMinor))
                    .col(big_integer_null(OpportunityLineItems::UnitCostMinor))
                    .col(timestamp_with_time_zone(OpportunityLineItems::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_opportunity_line_items_deal")
                            .from(
                                OpportunityLineItems::Table,
                                OpportunityLineItems::OpportunityId,
                            )
                            .to(Opportunities::Table, Opportunities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_opportunity_line_items_product")
                            .from(OpportunityLineItems::Table, OpportunityLineItems::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_opportunity_line_items_deal")
                    .table(OpportunityLineItems::Table)
                    .col(OpportunityLineItems::OpportunityId)
                    .col(OpportunityLineItems::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_opportunity_line_items_product")
                    .table(OpportunityLineItems::Table)
                    .col(OpportunityLineItems::ProductId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Opportunities::Table)
                    .add_column(uuid_null(Opportunities::PriceBookId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Opportunities::Table)
                    .drop_column(Opportunities::PriceBookId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OpportunityLineItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PriceBookEntries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PriceBooks::Table).to_owned())
            .await
    }
}
