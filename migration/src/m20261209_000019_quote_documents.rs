//! What a quote's document prints of its parties and products, captured when the quote's
//! draft is written (JSON): renaming a customer or a product later does not change a quote
//! already made.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Quotes {
    Table,
    DocumentNames,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Quotes::Table)
                    .add_column(text_null(Quotes::DocumentNames))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Quotes::Table)
                    .drop_column(Quotes::DocumentNames)
                    .to_owned(),
            )
            .await
    }
}
