//! The daily sweep expiring quotes whose `validUntil` has passed (the company's day) before
//! the customer accepted them: drafts, approved and sent quotes. A quote awaiting approval
//! is left to its approvers; once approved it expires on the next sweep.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::model::{EXPIRING, QuoteStatus};
use crate::error::AppResult;
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::quote::{self, Entity as Quotes};

/// Lock of the quote expiry sweep.
pub const EXPIRY_LOCK: i64 = 0x5341_4c45_0006;
/// How many quotes one sweep expires at most; the next sweep continues.
const SWEEP_BATCH: u64 = 500;

/// Expires every quote still open to the customer after its last valid day. Each quote is
/// expired (and audited) once, even when instances sweep together.
pub async fn expire_due(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, EXPIRY_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let today = state.config.company_today(now);
    let due = Quotes::find()
        .filter(quote::Column::Status.is_in(EXPIRING.map(QuoteStatus::as_str)))
        .filter(quote::Column::ValidUntil.lt(today))
        .order_by_asc(quote::Column::ValidUntil)
        .limit(SWEEP_BATCH)
        .all(&txn)
        .await?;
    let mut expired = 0;
    for found in due {
        let changed = Quotes::update_many()
            .col_expr(
                quote::Column::Status,
                Expr::value(QuoteStatus::Expired.as_str()),
            )
            .col_expr(quote::Column::Version, Expr::value(found.version + 1))
            .col_expr(quote::Column::UpdatedAt, Expr::value(now))
            .filter(quote::Column::Id.eq(found.id))
            .filter(quote::Column::Version.eq(found.version))
            .exec(&txn)
            .await?;
        if changed.rows_affected != 1 {
            continue; // changed since read: sent, accepted or edited
        }
        expired += 1;
        crate::audit::Entry {
            actor_id: None,
            action: "quote.expired",
            subject_type: "Quote",
            subject_id: found.id,
            details: serde_json::json!({"validUntil": found.valid_until}),
        }
        .record(&txn, now)
        .await?;
    }
    txn.commit().await?;
    Ok(SweepReport {
        ran: true,
        affected: expired,
    })
}
