//! Password hashes move from `users` to their own table, so that reading a user (to show a
//! name, to check a role) can never read a credential: only signing in and changing the
//! password touch `user_credentials`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserCredentials {
    Table,
    UserId,
    PasswordHash,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    PasswordHash,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserCredentials::Table)
                    .col(uuid(UserCredentials::UserId).primary_key())
                    .col(string(UserCredentials::PasswordHash))
                    .col(timestamp_with_time_zone(UserCredentials::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_credentials_user")
                            .from(UserCredentials::Table, UserCredentials::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let copy = Query::insert()
            .into_table(UserCredentials::Table)
            .columns([
                UserCredentials::UserId,
                UserCredentials::PasswordHash,
                UserCredentials::UpdatedAt,
            ])
            .select_from(
                Query::select()
                    .columns([Users::Id, Users::PasswordHash, Users::UpdatedAt])
                    .from(Users::Table)
                    .to_owned(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(copy).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::PasswordHash)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string(Users::PasswordHash).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE users SET password_hash = (SELECT password_hash FROM user_credentials \
                 WHERE user_credentials.user_id = users.id)",
            )
            .await?;
        manager
            .drop_table(Table::drop().table(UserCredentials::Table).to_owned())
            .await
    }
}
