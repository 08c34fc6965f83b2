//! Quotes: numbered per year, drawn from a deal's line items with their own copy of the lines,
//! at most one accepted per deal (a partial unique index); contracts may name the quote they
//! were made from (once); the discount approval policy's default tiers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Quotes {
    Table,
    Id,
    Number,
    Year,
    Seq,
    OpportunityId,
    CustomerId,
    CreatedBy,
    PriceBookId,
    Status,
    ValidUntil,
    TaxRateBasisPoints,
    SubtotalMinor,
    DiscountTotalMinor,
    TaxMinor,
    TotalMinor,
    Terms,
    RejectionReason,
    SentAt,
    AcceptedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QuoteLineItems {
    Table,
    Id,
    QuoteId,
    Position,
    ProductId,
    QuantityThousandths,
    UnitPriceMinor,
    BookPriceMinor,
    DiscountBasisPoints,
    GrossMinor,
    AmountMinor,
    UnitCostMinor,
}

#[derive(DeriveIden)]
enum OpportunityLineItems {
    Table,
    CostMinor,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    QuoteId,
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

/// Discounts (basis points) from which each list of steps decides a quote: the manager up to
/// 20%, the manager then an admin beyond.
const QUOTE_TIERS: [(&str, i64, &str); 2] = [
    ("00000000-0000-7000-8000-000000000031", 0, "SALES_MANAGER"),
    (
        "00000000-0000-7000-8000-000000000032",
        2_001,
        "SALES_MANAGER,ADMIN",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Quotes::Table)
                    .col(pk_uuid(Quotes::Id))
                    .col(string_uniq(Quotes::Number))
                    .col(integer(Quotes::Year))
                    .col(big_integer(Quotes::Seq))
                    .col(uuid(Quotes::OpportunityId))
                    .col(uuid(Quotes::CustomerId))
                    .col(uuid(Quotes::CreatedBy))
                    .col(uuid(Quotes::PriceBookId))
                    .col(string_len(Quotes::Status, 20))
                    .col(date(Quotes::ValidUntil))
                    .col(integer(Quotes::TaxRateBasisPoints))
                    .col(big_integer(Quotes::SubtotalMinor))
                    .col(big_integer(Quotes::DiscountTotalMinor))
                    .col(big_integer(Quotes::TaxMinor))
                    .col(big_integer(Quotes::TotalMinor))
                    .col(text(Quotes::Terms))
                    .col(text_null(Quotes::RejectionReason))
                    .col(timestamp_with_time_zone_null(Quotes::SentAt))
                    .col(timestamp_with_time_zone_null(Quotes::AcceptedAt))
                    .col(integer(Quotes::Version))
                    .col(timestamp_with_time_zone(Quotes::CreatedAt))
                    .col(timestamp_with_time_zone(Quotes::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_quotes_opportunity", vec![Quotes::OpportunityId]),
            (
                "idx_quotes_status_valid_until",
                vec![Quotes::Status, Quotes::ValidUntil],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Quotes::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // One accepted quote per deal at a time, whoever accepts concurrently.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_quotes_accepted_per_deal ON quotes (opportunity_id) \
                 WHERE status = 'ACCEPTED'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuoteLineItems::Table)
                    .col(pk_uuid(QuoteLineItems::Id))
                    .col(uuid(QuoteLineItems::QuoteId))
                    .col(integer(QuoteLineItems::Position))
                    .col(uuid(QuoteLineItems::ProductId))
                    .col(big_integer(QuoteLineItems::QuantityThousandths))
                    .col(big_integer(QuoteLineItems::UnitPriceMinor))
                    .col(big_integer(QuoteLineItems::BookPriceMinor))
                    .col(integer(QuoteLineItems::DiscountBasisPoints))
                    .col(big_integer(QuoteLineItems::GrossMinor))
                    .col(big_integer(QuoteLineItems::AmountMinor))
                    .col(big_integer_null(QuoteLineItems::UnitCostMinor))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_quote_line_items_quote")
                            .from(QuoteLineItems::Table, QuoteLineItems::QuoteId)
                            .to(Quotes::Table, Quotes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_quote_line_items_quote")
                    .table(QuoteLineItems::Table)
                    .col(QuoteLineItems::QuoteId)
                    .col(QuoteLineItems::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contracts::Table)
                    .add_column(uuid_null(Contracts::QuoteId))
                    .to_owned(),
            )
            .await?;
        // A deal line's cost (quantity × unit cost, rounded half-up), for SQL margins.
        manager
            .alter_table(
                Table::alter()
                    .table(OpportunityLineItems::Table)
                    .add_column(big_integer_null(OpportunityLineItems::CostMinor))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_contracts_quote")
                    .table(Contracts::Table)
                    .col(Contracts::QuoteId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        let epoch = "2026-12-08T00:00:00Z"
            .parse::<sea_orm::prelude::DateTimeUtc>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut insert = Query::insert();
        insert.into_table(ApprovalTiers::Table).columns([
            ApprovalTiers::Id,
            ApprovalTiers::SubjectKind,
            ApprovalTiers::MinAmountMinor,
            ApprovalTiers::Steps,
            ApprovalTiers::UpdatedAt,
        ]);
        for (id, min, steps) in QUOTE_TIERS {
            let id =
                sea_orm::prelude::Uuid::parse_str(id).map_err(|e| DbErr::Custom(e.to_string()))?;
            insert
                .values([
                    id.into(),
                    "QUOTE".into(),
                    min.into(),
                    steps.into(),
                    epoch.into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(ApprovalTiers::Table)
                    .and_where(Expr::col(ApprovalTiers::SubjectKind).eq("QUOTE"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OpportunityLineItems::Table)
                    .drop_column(OpportunityLineItems::CostMinor)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_contracts_quote")
                    .table(Contracts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contracts::Table)
                    .drop_column(Contracts::QuoteId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(QuoteLineItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Quotes::Table).to_owned())
            .await
    }
}
