//! Computed customer grades: the influence level a seller sets, and a manager's pinned grade
//! with its reason, who pinned it and when. `grade` stays the stored grade (the pinned one, or
//! the computed one as of the last grade sweep) that lists filter and sort on.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Influence,
    PinnedGrade,
    GradePinReason,
    GradePinnedBy,
    GradePinnedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        let columns = [
            string_null(Customers::Influence),
            string_null(Customers::PinnedGrade),
            string_null(Customers::GradePinReason),
            uuid_null(Customers::GradePinnedBy),
            timestamp_with_time_zone_null(Customers::GradePinnedAt),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Customers::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Customers::GradePinnedAt,
            Customers::GradePinnedBy,
            Customers::GradePinReason,
            Customers::PinnedGrade,
            Customers::Influence,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Customers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
