//! The product catalogue: product lines (with the discount a line may carry without approval)
//! and products (unique codes, list and cost prices in minor units).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProductLines {
    Table,
    Id,
    Name,
    NameKey,
    MaxDiscountBasisPoints,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Code,
    CodeKey,
    Name,
    Description,
    ProductLineId,
    Unit,
    ListPriceMinor,
    CostPriceMinor,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductLines::Table)
                    .col(pk_uuid(ProductLines::Id))
                    .col(string(ProductLines::Name))
                    .col(string_uniq(ProductLines::NameKey))
                    .col(integer(ProductLines::MaxDiscountBasisPoints))
                    .col(boolean(ProductLines::Active))
                    .col(integer(ProductLines::Version))
                    .col(timestamp_with_time_zone(ProductLines::CreatedAt))
                    .col(timestamp_with_time_zone(ProductLines::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(pk_uuid(Products::Id))
                    .col(string(Products::Code))
                    .col(string_uniq(Products::CodeKey))
                    .col(string(Products::Name))
                    .col(text_null(Products::Description))
                    .col(uuid_null(Products::ProductLineId))
                    .col(string(Products::Unit))
                    .col(big_integer(Products::ListPriceMinor))
                    .col(big_integer_null(Products::CostPriceMinor))
                    .col(boolean(Products::Active))
                    .col(integer(Products::Version))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_products_product_line")
                            .from(Products::Table, Products::ProductLineId)
                            .to(ProductLines::Table, ProductLines::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_products_product_line")
                    .table(Products::Table)
                    .col(Products::ProductLineId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Products::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ProductLines::Table).to_owned())
            .await
    }
}
