//! Batch loaders of billing records, bound to the viewer of their request where visibility
//! is not already implied by the parent.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::receivables::CustomerReceivable;
use crate::error::AppError;
use crate::graphql::batch::grouped;
use crate::identity::Viewer;
use entity::{allocation, installment, invoice, payment, waiver};

/// Installments of many contracts (under visible contracts), in plan order.
pub struct InstallmentsByContract(pub DatabaseConnection);

impl Loader<Uuid> for InstallmentsByContract {
    type Value = Vec<installment::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(grouped(
            super::plans::installments_of(&self.0, keys).await?,
            |i| i.contract_id,
        ))
    }
}

/// Installments by id (under visible allocations, invoices and waivers).
pub struct InstallmentLoader(pub DatabaseConnection);

impl Loader<Uuid> for InstallmentLoader {
    type Value = installment::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        Ok(installment::Entity::find()
            .filter(installment::Column::Id.is_in(keys.to_vec()))
            .all(&self.0)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect())
    }
}

crate::viewer_pages!(
    /// Pages of the visible invoices of many contracts in one query, newest first.
    InvoicesByContract,
    invoice::Model,
    columns: super::types::INVOICE_COLUMNS,
    |db, viewer, parents, request| super::invoices::invoices_pages(db, viewer, false, parents, request)
);

crate::viewer_pages!(
    /// Pages of the visible invoices of many customers in one query, newest first.
    InvoicesByCustomer,
    invoice::Model,
    columns: super::types::INVOICE_COLUMNS,
    |db, viewer, parents, request| super::invoices::invoices_pages(db, viewer, true, parents, request)
);

crate::viewer_pages!(
    /// Pages of the visible payments of many contracts in one query, newest first.
    PaymentsByContract,
    payment::Model,
    |db, viewer, parents, request| super::payments::payments_pages(db, viewer, parents, request)
);

/// Allocations of many payments (under visible payments), oldest first.
pub struct AllocationsByPayment(pub DatabaseConnection);

impl Loader<Uuid> for AllocationsByPayment {
    type Value = Vec<allocation::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(grouped(
            super::payments::allocations_of(&self.0, keys).await?,
            |a| a.payment_id,
        ))
    }
}

/// What many customers owe and hold, as of the request's day, within visibility.
pub struct ReceivableByCustomer {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
    pub as_of: NaiveDate,
}

impl Loader<Uuid> for ReceivableByCustomer {
    type Value = CustomerReceivable;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(
            super::receivables::of_customers(&self.db, viewer, keys, self.as_of)
                .await?
                .into_iter()
                .collect(),
        )
    }
}

/// Waivers by id (under visible approval requests).
pub struct WaiverLoader(pub DatabaseConnection);

impl Loader<Uuid> for WaiverLoader {
    type Value = waiver::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(super::waivers::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|w| (w.id, w))
            .collect())
    }
}

/// Refunds by id, as far as the viewer may see them.
pub struct RefundLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<crate::identity::Viewer>,
}

impl Loader<Uuid> for RefundLoader {
    type Value = entity::refund::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(crate::graphql::batch::keyed(
            super::refund_lists::visible_by_ids(&self.db, viewer, keys).await?,
            |r| r.id,
        ))
    }
}

/// Where many (visible) refunds took their money, in one query.
pub struct SourcesByRefund(pub DatabaseConnection);

impl Loader<Uuid> for SourcesByRefund {
    type Value = Vec<entity::refund_source::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(crate::graphql::batch::grouped(
            super::refund_lists::sources_of(&self.0, keys).await?,
            |s| s.refund_id,
        ))
    }
}

/// What paid refunds took from many (visible) contracts.
pub struct RefundedByContract(pub DatabaseConnection);

impl Loader<Uuid> for RefundedByContract {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(super::refund_lists::refunded_by_contract(&self.0, keys)
            .await?
            .into_iter()
            .collect())
    }
}

/// Payments by id, as far as the viewer may see them.
pub struct PaymentLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for PaymentLoader {
    type Value = payment::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(crate::graphql::batch::keyed(
            super::payments::visible_by_ids(&self.db, viewer, keys).await?,
            |p| p.id,
        ))
    }
}
