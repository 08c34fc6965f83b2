//! Customers by location, for the customers near a rep: a bounding box on latitude (then
//! longitude) reads the index instead of the table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Latitude,
    Longitude,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_customers_location")
                    .table(Customers::Table)
                    .col(Customers::Latitude)
                    .col(Customers::Longitude)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_customers_location")
                    .table(Customers::Table)
                    .to_owned(),
            )
            .await
    }
}
