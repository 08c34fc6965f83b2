//! The per-seller aggregates of `salesPerformance`: one SQL statement each, over the sellers
//! and the period of a [`Window`]; the report folds and rolls them up.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, FromQueryResult};
use uuid::Uuid;

use super::periods::Period;
use crate::error::AppResult;
use crate::exact_sum;
use crate::opportunities::model::OpportunityStatus;
use crate::visits::rules::VisitStatus;
use entity::{
    allocation, contract, contract_amendment, installment, lead, opportunity, pipeline_stage,
    visit_task,
};

/// A seller's credited share of a group of deals with one probability.
#[derive(Debug, FromQueryResult)]
pub(super) struct Credited {
    pub(super) user_id: Uuid,
    pub(super) share: i32,
    pub(super) probability: i32,
    pub(super) total: i64,
}

/// Deals a seller owned that closed one way, counted and summed.
#[derive(Debug, FromQueryResult)]
pub(super) struct Closed {
    pub(super) user_id: Uuid,
    pub(super) status: String,
    pub(super) deals: i64,
    pub(super) total: i64,
}

/// Whole days from first touch to winning, summed over a seller's won deals.
#[derive(Debug, FromQueryResult)]
pub(super) struct Cycle {
    pub(super) user_id: Uuid,
    pub(super) days: f64,
    pub(super) deals: i64,
}

/// Money per seller.
#[derive(Debug, FromQueryResult)]
pub(super) struct Sum {
    pub(super) user_id: Uuid,
    pub(super) total: i64,
}

/// Leads a seller got, and how many became deals.
#[derive(Debug, FromQueryResult)]
pub(super) struct Leads {
    pub(super) user_id: Uuid,
    pub(super) created: i64,
    pub(super) converted: i64,
}

/// Visits a seller completed, and how their check-ins were verified.
#[derive(Debug, FromQueryResult)]
pub(super) struct Visits {
    pub(super) user_id: Uuid,
    pub(super) completed: i64,
    pub(super) on_site: i64,
    pub(super) verified: i64,
}

/// Days since the epoch of a timestamp column, as a floating-point SQL expression.
fn days(backend: DatabaseBackend, column: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("(EXTRACT(EPOCH FROM {column}) / 86400.0)"),
        _ => format!("julianday({column})"),
    }
}

/// Credited amounts per seller and share of deals matching `condition` (won or open): each
/// split member at their share, or the owner at 100% when the deal has no splits — one left
/// join, so the plan stays a single pass whatever the table statistics say.
pub(super) async fn credited(
    db: &impl ConnectionTrait,
    users: &[Uuid],
    condition: Condition,
) -> AppResult<Vec<Credited>> {
    use entity::opportunity_split;
    let user = "COALESCE(\"opportunity_splits\".\"user_id\", \"opportunities\".\"owner_id\")";
    let share = "COALESCE(\"opportunity_splits\".\"share_basis_points\", 10000)";
    let probability =
        "COALESCE(\"opportunities\".\"probability_override\", \"pipeline_stages\".\"probability\")";
    let query = Query::select()
        .from(opportunity::Entity)
        .left_join(
            opportunity_split::Entity,
            Expr::col((
                opportunity_split::Entity,
                opportunity_split::Column::OpportunityId,
            ))
            .equals((opportunity::Entity, opportunity::Column::Id))
            // Overlay credit is reported apart, never in the revenue.
            .and(
                Expr::col((opportunity_split::Entity, opportunity_split::Column::Kind))
                    .eq(crate::opportunities::splits::REVENUE),
            ),
        )
        .inner_join(
            pipeline_stage::Entity,
            Expr::col((pipeline_stage::Entity, pipeline_stage::Column::Id))
                .equals((opportunity::Entity, opportunity::Column::StageId)),
        )
        .expr_as(Expr::cust(user), Alias::new("user_id"))
        .expr_as(Expr::cust(share), Alias::new("share"))
        .expr_as(Expr::cust(probability), Alias::new("probability"))
        .expr_as(
            exact_sum::saturating_sql("\"opportunities\".\"amount_minor\""),
            Alias::new("total"),
        )
        .cond_where(condition)
        .and_where(Expr::cust(user).is_in(users.to_vec()))
        .add_group_by([Expr::cust(user), Expr::cust(share), Expr::cust(probability)])
        .to_owned();
    Ok(Credited::find_by_statement(crate::db::report_statement(
        db.get_database_backend(),
        &query,
    ))
    .all(db)
    .await?)
}

/// The period a report covers, as instants (closings, payments, lead creation) and as local
/// days (expected closes, visits), with the sellers it counts.
pub(super) struct Window<'a> {
    pub(super) period: &'a Period,
    pub(super) start: DateTime<Utc>,
    pub(super) end: DateTime<Utc>,
    pub(super) sellers: Vec<Uuid>,
}

impl Window<'_> {
    /// `column` of deals falls within the period.
    pub(super) fn closed_in(&self, column: opportunity::Column) -> Condition {
        Condition::all()
            .add(Expr::col((opportunity::Entity, column)).gte(self.start))
            .add(Expr::col((opportunity::Entity, column)).lt(self.end))
    }

    /// Deals won in the period.
    pub(super) fn won_deals(&self) -> Condition {
        self.closed_in(opportunity::Column::ClosedAt).add(
            Expr::col((opportunity::Entity, opportunity::Column::Status))
                .eq(OpportunityStatus::Won.as_str()),
        )
    }

    /// Open deals expected to close in the period.
    pub(super) fn open_deals(&self) -> Condition {
        Condition::all()
            .add(
                Expr::col((opportunity::Entity, opportunity::Column::Status))
                    .eq(OpportunityStatus::Open.as_str()),
            )
            .add(
                Expr::col((opportunity::Entity, opportunity::Column::ExpectedCloseDate))
                    .gte(self.period.start),
            )
            .add(
                Expr::col((opportunity::Entity, opportunity::Column::ExpectedCloseDate))
                    .lt(self.period.end),
            )
    }

    /// Deals each seller owned that were won or lost in the period: count and sum per outcome.
    pub(super) fn closed(&self) -> SelectStatement {
        Query::select()
            .from(opportunity::Entity)
            .expr_as(
                Expr::col(opportunity::Column::OwnerId),
                Alias::new("user_id"),
            )
            .expr_as(Expr::col(opportunity::Column::Status), Alias::new("status"))
            .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("deals"))
            .expr_as(
                exact_sum::saturating_sql("\"amount_minor\""),
                Alias::new("total"),
            )
            .cond_where(self.closed_in(opportunity::Column::ClosedAt))
            .and_where(opportunity::Column::Status.is_in([
                OpportunityStatus::Won.as_str(),
                OpportunityStatus::Lost.as_str(),
            ]))
            .and_where(opportunity::Column::OwnerId.is_in(self.sellers.clone()))
            .add_group_by([
                Expr::col(opportunity::Column::OwnerId),
                Expr::col(opportunity::Column::Status),
            ])
            .to_owned()
    }

    /// Whole days from first touch (the lead, else the deal) to winning, summed per seller.
    pub(super) fn cycles(&self, backend: DatabaseBackend) -> SelectStatement {
        let cycle = format!(
            "CAST(SUM({} - {}) AS DOUBLE PRECISION)",
            days(backend, "\"opportunities\".\"closed_at\""),
            days(
                backend,
                "COALESCE(\"leads\".\"created_at\", \"opportunities\".\"created_at\")"
            )
        );
        Query::select()
            .from(opportunity::Entity)
            .left_join(
                lead::Entity,
                Expr::col((lead::Entity, lead::Column::Id))
                    .equals((opportunity::Entity, opportunity::Column::LeadId)),
            )
            .expr_as(
                Expr::col((opportunity::Entity, opportunity::Column::OwnerId)),
                Alias::new("user_id"),
            )
            .expr_as(Expr::cust(cycle), Alias::new("days"))
            .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("deals"))
            .cond_where(self.won_deals())
            .and_where(
                Expr::col((opportunity::Entity, opportunity::Column::OwnerId))
                    .is_in(self.sellers.clone()),
            )
            .add_group_by([Expr::col((
                opportunity::Entity,
                opportunity::Column::OwnerId,
            ))])
            .to_owned()
    }

    /// Money applied in the period to installments of each seller's contracts.
    pub(super) fn collected(&self) -> SelectStatement {
        allocations_on_contracts()
            .expr_as(
                Expr::col((contract::Entity, contract::Column::OwnerId)),
                Alias::new("user_id"),
            )
            .expr_as(
                exact_sum::saturating_sql("\"allocations\".\"amount_minor\""),
                Alias::new("total"),
            )
            .and_where(
                Expr::col((allocation::Entity, allocation::Column::CreatedAt)).gte(self.start),
            )
            .and_where(Expr::col((allocation::Entity, allocation::Column::CreatedAt)).lt(self.end))
            .and_where(
                Expr::col((contract::Entity, contract::Column::OwnerId))
                    .is_in(self.sellers.clone()),
            )
            .add_group_by([Expr::col((contract::Entity, contract::Column::OwnerId))])
            .to_owned()
    }

    /// What amendments approved in the period changed the amounts of each seller's contracts
    /// by (decreases negative).
    pub(super) fn amended(&self) -> SelectStatement {
        let amendment = |c: contract_amendment::Column| Expr::col((contract_amendment::Entity, c));
        Query::select()
            .from(contract_amendment::Entity)
            .inner_join(
                contract::Entity,
                Expr::col((contract::Entity, contract::Column::Id)).equals((
                    contract_amendment::Entity,
                    contract_amendment::Column::ContractId,
                )),
            )
            .expr_as(
                Expr::col((contract::Entity, contract::Column::OwnerId)),
                Alias::new("user_id"),
            )
            .expr_as(
                exact_sum::saturating_sql("\"contract_amendments\".\"delta_minor\""),
                Alias::new("total"),
            )
            .and_where(amendment(contract_amendment::Column::Status).eq("APPROVED"))
            .and_where(amendment(contract_amendment::Column::DecidedAt).gte(self.start))
            .and_where(amendment(contract_amendment::Column::DecidedAt).lt(self.end))
            .and_where(
                Expr::col((contract::Entity, contract::Column::OwnerId))
                    .is_in(self.sellers.clone()),
            )
            .add_group_by([Expr::col((contract::Entity, contract::Column::OwnerId))])
            .to_owned()
    }

    /// Overlay credit of each seller on deals won in the period, in minor units times basis
    /// points (amount × share; divide by 10,000).
    pub(super) fn overlay_won(&self) -> SelectStatement {
        use entity::opportunity_split;
        let split = |c: opportunity_split::Column| Expr::col((opportunity_split::Entity, c));
        Query::select()
            .from(opportunity_split::Entity)
            .inner_join(
                opportunity::Entity,
                Expr::col((opportunity::Entity, opportunity::Column::Id))
                    .equals((opportunity_split::Entity, opportunity_split::Column::OpportunityId)),
            )
            .expr_as(split(opportunity_split::Column::UserId), Alias::new("user_id"))
            .expr_as(
                exact_sum::saturating_sql(
                    "\"opportunities\".\"amount_minor\" * \"opportunity_splits\".\"share_basis_points\"",
                ),
                Alias::new("total"),
            )
            .and_where(
                split(opportunity_split::Column::Kind).eq(crate::opportunities::splits::OVERLAY),
            )
            .cond_where(self.won_deals())
            .and_where(split(opportunity_split::Column::UserId).is_in(self.sellers.clone()))
            .add_group_by([split(opportunity_split::Column::UserId)])
            .to_owned()
    }

    /// Leads each seller got in the period, and how many of them became deals.
    pub(super) fn leads(&self) -> SelectStatement {
        Query::select()
            .from(lead::Entity)
            .expr_as(Expr::col(lead::Column::OwnerId), Alias::new("user_id"))
            .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("created"))
            .expr_as(
                Expr::cust("CAST(SUM(CASE WHEN \"converted_opportunity_id\" IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)"),
                Alias::new("converted"),
            )
            .and_where(lead::Column::CreatedAt.gte(self.start))
            .and_where(lead::Column::CreatedAt.lt(self.end))
            .and_where(lead::Column::OwnerId.is_in(self.sellers.clone()))
            .add_group_by([Expr::col(lead::Column::OwnerId)])
            .to_owned()
    }

    /// Visits each seller completed on the period's local days, and how their check-ins were
    /// verified.
    pub(super) fn visits(&self) -> SelectStatement {
        let completed = format!(
            "CAST(SUM(CASE WHEN \"status\" = '{}' THEN 1 ELSE 0 END) AS BIGINT)",
            VisitStatus::Completed.as_str()
        );
        Query::select()
            .from(visit_task::Entity)
            .expr_as(
                Expr::col(visit_task::Column::AssigneeId),
                Alias::new("user_id"),
            )
            .expr_as(Expr::cust(completed), Alias::new("completed"))
            .expr_as(
                Expr::cust(
                    "CAST(SUM(CASE WHEN \"check_in_on_site\" = TRUE THEN 1 ELSE 0 END) AS BIGINT)",
                ),
                Alias::new("on_site"),
            )
            .expr_as(
                Expr::cust(
                    "CAST(SUM(CASE WHEN \"check_in_on_site\" IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)",
                ),
                Alias::new("verified"),
            )
            .and_where(visit_task::Column::LocalDate.gte(self.period.start))
            .and_where(visit_task::Column::LocalDate.lt(self.period.end))
            .and_where(visit_task::Column::AssigneeId.is_in(self.sellers.clone()))
            .add_group_by([Expr::col(visit_task::Column::AssigneeId)])
            .to_owned()
    }
}

/// Allocations of payments joined to the installments and contracts they paid: the base of
/// every "collected" figure.
pub(super) fn allocations_on_contracts() -> SelectStatement {
    Query::select()
        .from(allocation::Entity)
        .inner_join(
            installment::Entity,
            Expr::col((installment::Entity, installment::Column::Id))
                .equals((allocation::Entity, allocation::Column::InstallmentId)),
        )
        .inner_join(
            contract::Entity,
            Expr::col((contract::Entity, contract::Column::Id))
                .equals((installment::Entity, installment::Column::ContractId)),
        )
        .to_owned()
}

/// Cost and amount of a seller's credited share of won lines whose cost is known, in minor
/// units × basis points.
#[derive(Debug, FromQueryResult)]
pub(super) struct Costed {
    pub(super) user_id: Uuid,
    pub(super) cost: i64,
    pub(super) amount: i64,
}

/// Customers a seller owns, and how many of them had a completed visit in the period.
#[derive(Debug, FromQueryResult)]
pub(super) struct Book {
    pub(super) user_id: Uuid,
    pub(super) owned: i64,
    pub(super) visited: i64,
}

impl Window<'_> {
    /// Each seller's credited share of the cost and amount of won lines with a known cost.
    pub(super) fn costed(&self) -> SelectStatement {
        use entity::{opportunity_line_item as line, opportunity_split};
        let user = "COALESCE(\"opportunity_splits\".\"user_id\", \"opportunities\".\"owner_id\")";
        let share = "COALESCE(\"opportunity_splits\".\"share_basis_points\", 10000)";
        Query::select()
            .from(line::Entity)
            .inner_join(
                opportunity::Entity,
                Expr::col((opportunity::Entity, opportunity::Column::Id))
                    .equals((line::Entity, line::Column::OpportunityId)),
            )
            .left_join(
                opportunity_split::Entity,
                Expr::col((
                    opportunity_split::Entity,
                    opportunity_split::Column::OpportunityId,
                ))
                .equals((opportunity::Entity, opportunity::Column::Id))
                .and(
                    Expr::col((opportunity_split::Entity, opportunity_split::Column::Kind))
                        .eq(crate::opportunities::splits::REVENUE),
                ),
            )
            .expr_as(Expr::cust(user), Alias::new("user_id"))
            .expr_as(
                exact_sum::saturating_sql(&format!(
                    "\"opportunity_line_items\".\"cost_minor\" * {share}"
                )),
                Alias::new("cost"),
            )
            .expr_as(
                exact_sum::saturating_sql(&format!(
                    "\"opportunity_line_items\".\"amount_minor\" * {share}"
                )),
                Alias::new("amount"),
            )
            .cond_where(self.won_deals())
            .and_where(Expr::col((line::Entity, line::Column::CostMinor)).is_not_null())
            .and_where(Expr::cust(user).is_in(self.sellers.clone()))
            .add_group_by([Expr::cust(user)])
            .to_owned()
    }

    /// Customers each seller owns, and those of them with a visit completed on a day of the
    /// period (by anyone).
    pub(super) fn book(&self) -> SelectStatement {
        use entity::customer;
        let visit = |c: visit_task::Column| Expr::col((visit_task::Entity, c));
        let visited = Expr::exists(
            Query::select()
                .expr(Expr::val(1_i64))
                .from(visit_task::Entity)
                .and_where(
                    visit(visit_task::Column::CustomerId)
                        .equals((customer::Entity, customer::Column::Id)),
                )
                .and_where(visit(visit_task::Column::Status).eq(VisitStatus::Completed.as_str()))
                .and_where(visit(visit_task::Column::LocalDate).gte(self.period.start))
                .and_where(visit(visit_task::Column::LocalDate).lt(self.period.end))
                .to_owned(),
        );
        Query::select()
            .from(customer::Entity)
            .expr_as(Expr::col(customer::Column::OwnerId), Alias::new("user_id"))
            .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("owned"))
            .expr_as(
                Expr::case(visited, Expr::val(1_i64))
                    .finally(Expr::val(0_i64))
                    .sum()
                    .cast_as(Alias::new("BIGINT")),
                Alias::new("visited"),
            )
            .and_where(customer::Column::OwnerId.is_in(self.sellers.clone()))
            .add_group_by([Expr::col(customer::Column::OwnerId)])
            .to_owned()
    }
}

/// Runs one aggregate statement of the report.
pub(super) async fn aggregate<R: FromQueryResult>(
    db: &impl ConnectionTrait,
    statement: SelectStatement,
) -> AppResult<Vec<R>> {
    let backend = db.get_database_backend();
    Ok(
        R::find_by_statement(crate::db::report_statement(backend, &statement))
            .all(db)
            .await?,
    )
}
