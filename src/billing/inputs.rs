//! GraphQL inputs and payloads of billing's mutations, and the filters of its record lists.

use async_graphql::{ID, InputObject, SimpleObject};

use super::types::{Installment, Invoice, InvoiceStatus, Payment, PaymentMethod, Waiver};
use crate::graphql::scalars::{Amount, Date, Decimal};

/// One installment of a new plan: an amount or a percentage, never both.
#[derive(InputObject, Debug)]
pub struct InstallmentInput {
    /// When it falls due (installments in order).
    pub due_date: Date,
    /// Its amount (at most two decimals).
    pub amount: Option<Amount>,
    /// Its share of the contract amount in percent (above 0, at most four decimals).
    pub percent: Option<Decimal>,
    /// A note.
    pub note: Option<String>,
}

/// A contract's whole collection plan.
#[derive(InputObject, Debug)]
pub struct SetCollectionPlanInput {
    /// The contract (approved or signed).
    pub contract_id: ID,
    /// The installments, by amount (summing to the contract amount) or by percentage (summing
    /// to 100).
    pub installments: Vec<InstallmentInput>,
    /// Retry key: a retried plan applies once.
    pub idempotency_key: Option<String>,
}

/// Result of `setCollectionPlan`.
#[derive(SimpleObject, Debug)]
pub struct SetCollectionPlanPayload {
    /// The plan now in force, in order.
    pub installments: Vec<Installment>,
}

/// An invoice to issue.
#[derive(InputObject, Debug)]
pub struct IssueInvoiceInput {
    /// The contract.
    pub contract_id: ID,
    /// The installment billed.
    pub installment_id: ID,
    /// Amount, tax included, at most the installment's uninvoiced amount.
    pub amount: Amount,
    /// Issue date.
    pub issue_date: Date,
    /// Due date (not before the issue date).
    pub due_date: Date,
    /// Tax rate as a fraction, 0 to 1 (`0.13`).
    pub tax_rate: Decimal,
    /// Retry key: a retried issue creates one invoice.
    pub idempotency_key: Option<String>,
}

/// Result of `issueInvoice`.
#[derive(SimpleObject, Debug)]
pub struct IssueInvoicePayload {
    /// The invoice issued.
    pub invoice: Invoice,
}

/// Result of `voidInvoice`.
#[derive(SimpleObject, Debug)]
pub struct VoidInvoicePayload {
    /// The invoice, now void.
    pub invoice: Invoice,
}

/// An invoice to void.
#[derive(InputObject, Debug)]
pub struct VoidInvoiceInput {
    /// The invoice.
    pub id: ID,
    /// Why (required).
    pub reason: String,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// Money received.
#[derive(InputObject, Debug)]
pub struct RecordPaymentInput {
    /// The customer who paid.
    pub customer_id: ID,
    /// The contract it pays, if known; otherwise all the customer's contracts, oldest due first.
    pub contract_id: Option<ID>,
    /// Amount (above zero, at most two decimals).
    pub amount: Amount,
    /// The day it arrived (not in the future).
    pub received_date: Date,
    /// How it arrived.
    pub method: PaymentMethod,
    /// The bank's reference; the same one twice for a customer is `DUPLICATE`.
    pub reference: String,
    /// Retry key: a retried recording records once.
    pub idempotency_key: Option<String>,
}

/// Result of `recordPayment`.
#[derive(SimpleObject, Debug)]
pub struct RecordPaymentPayload {
    /// The payment, with its allocations.
    pub payment: Payment,
}

/// Result of `reversePayment`.
#[derive(SimpleObject, Debug)]
pub struct ReversePaymentPayload {
    /// The payment, reversed, with the allocations it released.
    pub payment: Payment,
}

/// A payment to reverse.
#[derive(InputObject, Debug)]
pub struct ReversePaymentInput {
    /// The payment.
    pub id: ID,
    /// Why (required).
    pub reason: String,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// A waiver to ask for.
#[derive(InputObject, Debug)]
pub struct RequestWaiverInput {
    /// The installment.
    pub installment_id: ID,
    /// The amount to forgive.
    pub amount: Amount,
    /// Why (required).
    pub reason: String,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// Result of `requestWaiver`.
#[derive(SimpleObject, Debug)]
pub struct RequestWaiverPayload {
    /// The waiver, pending.
    pub waiver: Waiver,
    /// Its approval request.
    pub request: crate::approvals::types::ApprovalRequest,
}

/// Filters for `invoices`.
#[derive(InputObject, Debug, Default)]
pub struct InvoiceFilter {
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Only this contract's.
    pub contract_id: Option<ID>,
    /// Only in these states.
    pub statuses: Option<Vec<InvoiceStatus>>,
    /// Issued on or after.
    pub issued_from: Option<Date>,
    /// Issued on or before.
    pub issued_to: Option<Date>,
}

/// Filters for `payments`.
#[derive(InputObject, Debug, Default)]
pub struct PaymentFilter {
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Only those recorded for this contract.
    pub contract_id: Option<ID>,
    /// Received on or after.
    pub received_from: Option<Date>,
    /// Received on or before.
    pub received_to: Option<Date>,
    /// Only payments still holding credit.
    pub with_credit_only: Option<bool>,
}
