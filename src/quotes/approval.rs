//! What the approval chain does to a quote: the snapshot it freezes, the discount it measures,
//! and settling the quote when its request ends (approved: `APPROVED`; rejected or withdrawn:
//! back to `DRAFT` for the seller to rework).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::access::load;
use super::model::{LineDiscount, QuoteStatus, discount_to_approve};
use crate::error::{AppError, AppResult};
use entity::{quote, quote_line_item};

/// What an approval request freezes of a quote: its number, lines and totals.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Snapshot {
    pub number: String,
    pub total_minor: i64,
    pub discount_total_minor: i64,
    /// The discount approved, in basis points.
    pub discount_bp: i64,
    /// (product, quantity, unit price, discount, amount) per line.
    pub lines: Vec<(Uuid, i64, i64, i32, i64)>,
}

impl Snapshot {
    pub fn of(model: &quote::Model, lines: &[quote_line_item::Model], discount_bp: i64) -> Self {
        Self {
            number: model.number.clone(),
            total_minor: model.total_minor,
            discount_total_minor: model.discount_total_minor,
            discount_bp,
            lines: lines
                .iter()
                .map(|l| {
                    (
                        l.product_id,
                        l.quantity_thousandths,
                        l.unit_price_minor,
                        l.discount_basis_points,
                        l.amount_minor,
                    )
                })
                .collect(),
        }
    }

    /// A fingerprint of everything frozen.
    pub fn hash(&self) -> AppResult<String> {
        let bytes = serde_json::to_vec(self).map_err(|_| AppError::internal())?;
        Ok(crate::auth::tokens::hex(&Sha256::digest(bytes)))
    }
}

/// The discount of `lines` that needs approval (basis points), given the discount each line's
/// product line allows (`allowed`, by product) and the whole-quote threshold.
pub async fn discount_to_approve_of(
    db: &impl ConnectionTrait,
    lines: &[quote_line_item::Model],
    threshold_bp: i32,
) -> AppResult<Option<i64>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
    let products = entity::product::Entity::find()
        .filter(entity::product::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let line_ids: Vec<Uuid> = products.iter().filter_map(|p| p.product_line_id).collect();
    let allowances = crate::products::service::product_lines_by_ids(db, &line_ids).await?;
    let allowed = |product: Uuid| {
        products
            .iter()
            .find(|p| p.id == product)
            .and_then(|p| p.product_line_id)
            .and_then(|line| allowances.iter().find(|l| l.id == line))
            .map(|l| l.max_discount_basis_points)
            .unwrap_or(crate::products::service::DEFAULT_MAX_DISCOUNT_BASIS_POINTS)
    };
    let measured: Vec<LineDiscount> = lines
        .iter()
        .map(|l| LineDiscount {
            quantity_thousandths: l.quantity_thousandths,
            book_price_minor: l.book_price_minor,
            amount_minor: l.amount_minor,
            max_discount_bp: allowed(l.product_id),
        })
        .collect();
    Ok(discount_to_approve(&measured, threshold_bp))
}

/// Moves a quote to `status` under its version (`INVALID_STATE` when it changed meanwhile).
pub async fn set_status(
    db: &impl ConnectionTrait,
    current: &quote::Model,
    status: QuoteStatus,
    now: DateTime<Utc>,
) -> AppResult<quote::Model> {
    let model = quote::ActiveModel {
        status: Set(status.as_str().to_owned()),
        ..Default::default()
    };
    let target = crate::versioned::Target::new(current.id, current.version, current.version);
    crate::versioned::write::<entity::quote::Entity>(db, target, model, now)
        .await
        .map_err(|_| AppError::invalid_state("The quote changed meanwhile"))?;
    load(db, current.id).await
}

/// `INVALID_STATE` unless the quote awaits approval and is still exactly what was submitted
/// (`snapshot`, fingerprinted `snapshot_hash`); its title otherwise.
pub async fn check(
    db: &impl ConnectionTrait,
    id: Uuid,
    snapshot: &str,
    snapshot_hash: &str,
) -> AppResult<String> {
    let current = load(db, id).await?;
    let lines = super::service::lines_of(db, &[id]).await?;
    let frozen: Snapshot = serde_json::from_str(snapshot).map_err(|_| AppError::internal())?;
    let still = Snapshot::of(&current, &lines, frozen.discount_bp).hash()? == snapshot_hash;
    if current.status != QuoteStatus::PendingApproval.as_str() || !still {
        return Err(AppError::invalid_state(
            "The quote no longer matches what was submitted",
        ));
    }
    Ok(format!("Quote {}", current.number))
}

/// Moves a pending quote to where its request ended: approved, or back to draft.
pub async fn settle(
    db: &impl ConnectionTrait,
    id: Uuid,
    approved: bool,
    now: DateTime<Utc>,
) -> AppResult<quote::Model> {
    let current = load(db, id).await?;
    if current.status != QuoteStatus::PendingApproval.as_str() {
        return Err(AppError::invalid_state(
            "The quote no longer awaits approval",
        ));
    }
    let status = if approved {
        QuoteStatus::Approved
    } else {
        QuoteStatus::Draft
    };
    set_status(db, &current, status, now).await
}
