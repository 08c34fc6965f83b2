//! The stage playbook: each stage's exit criteria (a checklist of items of four kinds), the
//! items reps ticked on their deals, the deal fields the criteria read (the customer's need,
//! the budget, the contact and the decision-maker), what an override skipped in the stage
//! history, and a default playbook for the default stages.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PipelineStages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ExitCriteria {
    Table,
    Id,
    StageId,
    Position,
    Name,
    Kind,
    Field,
    ActivityKind,
    DocumentKind,
    Required,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ChecklistTicks {
    Table,
    Id,
    OpportunityId,
    CriterionId,
    DoneBy,
    DoneAt,
    Note,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
    Need,
    BudgetMinor,
    ContactId,
    DecisionMakerId,
}

#[derive(DeriveIden)]
enum StageChanges {
    Table,
    OverrideReason,
    OverriddenItems,
}

/// The default playbook: (criterion id, stage id, position, name, kind, field, activity kind,
/// document kind). Fixed ids, so every installation shares them.
type DefaultCriterion = (
    &'static str,
    &'static str,
    i32,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const DEFAULT_PLAYBOOK: [DefaultCriterion; 6] = [
    (
        "0193a000-0000-7000-8000-000000000101",
        "0193a000-0000-7000-8000-000000000001",
        1,
        "Contact with the customer logged",
        "ACTIVITY",
        None,
        None,
        None,
    ),
    (
        "0193a000-0000-7000-8000-000000000102",
        "0193a000-0000-7000-8000-000000000001",
        2,
        "The customer's need described",
        "FIELD",
        Some("NEED"),
        None,
        None,
    ),
    (
        "0193a000-0000-7000-8000-000000000201",
        "0193a000-0000-7000-8000-000000000002",
        1,
        "Budget confirmed",
        "FIELD",
        Some("BUDGET"),
        None,
        None,
    ),
    (
        "0193a000-0000-7000-8000-000000000202",
        "0193a000-0000-7000-8000-000000000002",
        2,
        "Decision-maker identified",
        "FIELD",
        Some("DECISION_MAKER"),
        None,
        None,
    ),
    (
        "0193a000-0000-7000-8000-000000000203",
        "0193a000-0000-7000-8000-000000000002",
        3,
        "Decision timeline agreed with the customer",
        "MANUAL",
        None,
        None,
        None,
    ),
    (
        "0193a000-0000-7000-8000-000000000301",
        "0193a000-0000-7000-8000-000000000003",
        1,
        "Quote sent to the customer",
        "DOCUMENT",
        None,
        None,
        Some("QUOTE_SENT"),
    ),
];

fn uuid_of(text: &str) -> Result<sea_orm::prelude::Uuid, DbErr> {
    sea_orm::prelude::Uuid::parse_str(text).map_err(|e| DbErr::Custom(e.to_string()))
}

async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let mut column = column;
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExitCriteria::Table)
                    .col(pk_uuid(ExitCriteria::Id))
                    .col(uuid(ExitCriteria::StageId))
                    .col(integer(ExitCriteria::Position))
                    .col(string_len(ExitCriteria::Name, 200))
                    .col(string_len(ExitCriteria::Kind, 16))
                    .col(string_len_null(ExitCriteria::Field, 32))
                    .col(string_len_null(ExitCriteria::ActivityKind, 16))
                    .col(string_len_null(ExitCriteria::DocumentKind, 32))
                    .col(boolean(ExitCriteria::Required))
                    .col(timestamp_with_time_zone(ExitCriteria::CreatedAt))
                    .col(timestamp_with_time_zone(ExitCriteria::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExitCriteria::Table, ExitCriteria::StageId)
                            .to(PipelineStages::Table, PipelineStages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_exit_criteria_stage")
                    .table(ExitCriteria::Table)
                    .col(ExitCriteria::StageId)
                    .col(ExitCriteria::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChecklistTicks::Table)
                    .col(pk_uuid(ChecklistTicks::Id))
                    .col(uuid(ChecklistTicks::OpportunityId))
                    .col(uuid(ChecklistTicks::CriterionId))
                    .col(uuid(ChecklistTicks::DoneBy))
                    .col(timestamp_with_time_zone(ChecklistTicks::DoneAt))
                    .col(string_len_null(ChecklistTicks::Note, 2000))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChecklistTicks::Table, ChecklistTicks::OpportunityId)
                            .to(Opportunities::Table, Opportunities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChecklistTicks::Table, ChecklistTicks::CriterionId)
                            .to(ExitCriteria::Table, ExitCriteria::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One tick per item and deal: a retried or concurrent tick lands once.
        manager
            .create_index(
                Index::create()
                    .name("idx_checklist_ticks_deal_item")
                    .table(ChecklistTicks::Table)
                    .col(ChecklistTicks::OpportunityId)
                    .col(ChecklistTicks::CriterionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_checklist_ticks_criterion")
                    .table(ChecklistTicks::Table)
                    .col(ChecklistTicks::CriterionId)
                    .to_owned(),
            )
            .await?;
        add_column(
            manager,
            Opportunities::Table,
            string_len_null(Opportunities::Need, 2000),
        )
        .await?;
        add_column(
            manager,
            Opportunities::Table,
            big_integer_null(Opportunities::BudgetMinor),
        )
        .await?;
        add_column(
            manager,
            Opportunities::Table,
            uuid_null(Opportunities::ContactId),
        )
        .await?;
        add_column(
            manager,
            Opportunities::Table,
            uuid_null(Opportunities::DecisionMakerId),
        )
        .await?;
        add_column(
            manager,
            StageChanges::Table,
            string_len_null(StageChanges::OverrideReason, 1000),
        )
        .await?;
        add_column(
            manager,
            StageChanges::Table,
            text_null(StageChanges::OverriddenItems),
        )
        .await?;

        let epoch = "2026-12-13T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        for (id, stage, position, name, kind, field, activity, document) in DEFAULT_PLAYBOOK {
            // Only for default stages an admin kept.
            let values: Vec<Expr> = vec![
                Expr::val(uuid_of(id)?),
                Expr::col(PipelineStages::Id),
                Expr::val(position),
                Expr::val(name),
                Expr::val(kind),
                Expr::val(field.map(str::to_owned)),
                Expr::val(activity.map(str::to_owned)),
                Expr::val(document.map(str::to_owned)),
                Expr::val(true),
                Expr::val(epoch),
                Expr::val(epoch),
            ];
            let insert = Query::insert()
                .into_table(ExitCriteria::Table)
                .columns([
                    ExitCriteria::Id,
                    ExitCriteria::StageId,
                    ExitCriteria::Position,
                    ExitCriteria::Name,
                    ExitCriteria::Kind,
                    ExitCriteria::Field,
                    ExitCriteria::ActivityKind,
                    ExitCriteria::DocumentKind,
                    ExitCriteria::Required,
                    ExitCriteria::CreatedAt,
                    ExitCriteria::UpdatedAt,
                ])
                .select_from(
                    Query::select()
                        .exprs(values)
                        .from(PipelineStages::Table)
                        .and_where(Expr::col(PipelineStages::Id).eq(uuid_of(stage)?))
                        .to_owned(),
                )
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [StageChanges::OverrideReason, StageChanges::OverriddenItems] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StageChanges::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Opportunities::Need,
            Opportunities::BudgetMinor,
            Opportunities::ContactId,
            Opportunities::DecisionMakerId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Opportunities::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ChecklistTicks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ExitCriteria::Table).to_owned())
            .await
    }
}
