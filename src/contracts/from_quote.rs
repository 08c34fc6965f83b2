//! Contracts made from accepted quotes: the quote gives the customer, the deal and the amount
//! (its subtotal less discounts; its lines stay readable through `Contract.lineItems`), and
//! makes one contract only.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::quotes::model::QuoteStatus;

/// `DUPLICATE` on `input.quoteId`: the quote already made a contract.
pub fn already_made() -> AppError {
    AppError::duplicate(
        "input.quoteId",
        "A contract was already made from this quote",
    )
}

/// The customer, deal and amount of a contract made from the quote `quote_id`: one the viewer
/// may change, accepted, not yet made into a contract; what the input also names must agree.
/// Errors: `NOT_FOUND`, `FORBIDDEN`, `INVALID_STATE`, `BAD_USER_INPUT`, `DUPLICATE`.
pub async fn terms_of(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    quote_id: Uuid,
    (customer_id, opportunity_id, amount_minor): (Option<Uuid>, Option<Uuid>, Option<i64>),
) -> AppResult<(Uuid, Option<Uuid>, i64)> {
    let quote = crate::quotes::service::quote_for_change(txn, viewer, quote_id)
        .await
        .map_err(|e| e.with_field("input.quoteId"))?;
    if quote.status != QuoteStatus::Accepted.as_str() {
        return Err(AppError::invalid_state(
            "Only an accepted quote makes a contract",
        ));
    }
    let amount = quote.subtotal_minor - quote.discount_total_minor;
    let disagreements = [
        (
            customer_id.is_some_and(|c| c != quote.customer_id),
            "input.customerId",
            "The quote is to another customer",
        ),
        (
            opportunity_id.is_some_and(|d| d != quote.opportunity_id),
            "input.opportunityId",
            "The quote belongs to another deal",
        ),
        (
            amount_minor.is_some_and(|a| a != amount),
            "input.amount",
            "A contract made from a quote has the quote's amount",
        ),
    ];
    if let Some((_, field, message)) = disagreements.into_iter().find(|(wrong, _, _)| *wrong) {
        return Err(AppError::bad_input(field, message));
    }
    let made = entity::contract::Entity::find()
        .filter(entity::contract::Column::QuoteId.eq(quote_id))
        .count(txn)
        .await?;
    if made > 0 {
        return Err(already_made());
    }
    if amount <= 0 {
        return Err(AppError::bad_input(
            "input.quoteId",
            "A contract amount is above zero; this quote is free",
        ));
    }
    Ok((quote.customer_id, Some(quote.opportunity_id), amount))
}
