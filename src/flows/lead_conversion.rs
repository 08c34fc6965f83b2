//! Lead conversion: a qualified lead becomes a customer (new, or a visible existing one), a
//! contact of it, and optionally a deal (leads + customers + opportunities); its follow-ups
//! move to the customer (follow-ups). One transaction: a retry or a failure leaves no half.

use serde::Serialize;
use uuid::Uuid;

use crate::customers::service::{self as customers, NewContact, NewCustomer};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::leads::service::{self as leads, Conversion};
use crate::opportunities::service::{self as opportunities, NewOpportunity};
use crate::state::AppState;
use entity::{contact, customer, lead};

/// The deal to open when converting a lead.
#[derive(Debug, Clone, Serialize)]
pub struct ConvertedOpportunity {
    pub name: String,
    pub amount_minor: i64,
    pub expected_close_date: chrono::NaiveDate,
}

/// Converts a qualified lead into a new customer (or a visible existing one) and a contact, in
/// one transaction. Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `INVALID_STATE`,
/// `BAD_USER_INPUT`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn convert(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    customer_id: Option<Uuid>,
    opportunity: Option<ConvertedOpportunity>,
    idempotency_key: Option<String>,
) -> AppResult<(lead::Model, customer::Model, contact::Model)> {
    if !viewer.role.sells() {
        return Err(AppError::forbidden());
    }
    let call = IdempotentCall::new(
        viewer.user_id,
        "convertLead",
        idempotency_key,
        &(id, customer_id, &opportunity),
    )?;
    let now = state.clock.now();
    let lead_id = idempotency::run(&state.db, &call, now, async |txn| {
        convert_in(state, txn, viewer, id, customer_id, opportunity, now).await?;
        Ok(id)
    })
    .await?
    .into_inner();
    read_back(state, lead_id).await
}

async fn convert_in(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
    customer_id: Option<Uuid>,
    opportunity: Option<ConvertedOpportunity>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let current = leads::convertible_in(txn, viewer, id).await?;
    let owner = current.owner_id.unwrap_or(viewer.user_id);
    let customer = match customer_id {
        Some(existing) => customers::get_customer(txn, viewer, existing)
            .await
            .map_err(|err| err.with_field("input.customerId"))?,
        None => {
            let new = NewCustomer {
                name: current
                    .company
                    .clone()
                    .unwrap_or_else(|| current.name.clone()),
                industry: current.industry.clone(),
                region: current.region.clone(),
                address: None,
                location: None,
                grade: None,
                client_id: None,
                campaign_id: current.campaign_id,
            };
            customers::insert_customer(txn, owner, new, now).await?
        }
    };
    let contact = customers::insert_contact(
        txn,
        customer.id,
        NewContact {
            name: current.name.clone(),
            title: None,
            phone: current.phone.clone(),
            email: current.email.clone(),
            client_id: None,
        },
        &state.config.default_country_code,
        now,
    )
    .await?;
    let deal = match opportunity {
        Some(deal) => Some(
            opportunities::insert_opportunity(
                txn,
                owner,
                NewOpportunity {
                    customer_id: customer.id,
                    name: deal.name,
                    amount_minor: deal.amount_minor,
                    expected_close_date: deal.expected_close_date,
                    stage_id: None,
                    forecast_category: None,
                    probability: None,
                    client_id: None,
                    // The lead's person is who the seller talks to on the deal.
                    contact_id: Some(contact.id),
                    campaign_id: current.campaign_id,
                    ..NewOpportunity::default()
                },
                Some(id),
                now,
            )
            .await
            .map_err(|err| match err.field.clone() {
                Some(field) => err.with_field(field.replace("input.", "input.opportunity.")),
                None => err,
            })?
            .id,
        ),
        None => None,
    };
    let to = Conversion {
        customer_id: customer.id,
        contact_id: contact.id,
        opportunity_id: deal,
        linked: customer_id.is_some(),
    };
    leads::mark_converted_in(txn, viewer, &current, to, now).await?;
    crate::followups::service::move_to_customer(txn, id, customer.id).await?;
    Ok(())
}

/// The converted lead with the customer and contact it became.
async fn read_back(
    state: &AppState,
    lead_id: Uuid,
) -> AppResult<(lead::Model, customer::Model, contact::Model)> {
    use sea_orm::EntityTrait;
    let converted = lead::Entity::find_by_id(lead_id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)?;
    let customer_id = converted
        .converted_customer_id
        .ok_or_else(AppError::internal)?;
    let contact_id = converted
        .converted_contact_id
        .ok_or_else(AppError::internal)?;
    let customer = customer::Entity::find_by_id(customer_id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)?;
    let contact = contact::Entity::find_by_id(contact_id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)?;
    Ok((converted, customer, contact))
}
