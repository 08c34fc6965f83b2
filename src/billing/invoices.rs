//! Invoices against installments.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::model::InvoiceStatus;
use super::{ledger, rules};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::money::Money;
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;
use entity::invoice::{self, Entity as Invoices};

/// An invoice to issue.
#[derive(Debug, Clone, Serialize)]
pub struct NewInvoice {
    pub contract_id: Uuid,
    pub installment_id: Uuid,
    /// Tax included.
    pub amount_minor: i64,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    /// Hundredths of a percent.
    pub tax_rate_basis_points: i32,
}

pub(crate) async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<invoice::Model> {
    Invoices::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Issues an invoice (finance) against an installment of a collecting contract, for at most
/// what the installment has not been invoiced yet; numbered `INV-<year>-<seq>` without gaps.
/// Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `INVALID_STATE`,
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn issue_invoice(
    state: &AppState,
    viewer: &Viewer,
    new: NewInvoice,
    idempotency_key: Option<String>,
) -> AppResult<invoice::Model> {
    ledger::require_finance(viewer)?;
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    if new.amount_minor <= 0 {
        problems.check::<()>(Err(AppError::bad_input(
            "input.amount",
            "An invoice is above zero",
        )));
    }
    if !(0..=10_000).contains(&new.tax_rate_basis_points) {
        problems.check::<()>(Err(AppError::bad_input(
            "input.taxRate",
            "A tax rate lies between 0 and 1 with at most four decimals",
        )));
    }
    if new.due_date < new.issue_date {
        problems.check::<()>(Err(AppError::bad_input(
            "input.dueDate",
            "An invoice falls due on or after its issue date",
        )));
    }
    problems.finish()?;
    let call = IdempotentCall::new(viewer.user_id, "issueInvoice", idempotency_key, &new)?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let contract = crate::contracts::service::get_contract(txn, viewer, new.contract_id)
            .await
            .map_err(|e| e.with_field("input.contractId"))?;
        let status = crate::contracts::service::status_of(&contract)?;
        if !ledger::COLLECTING.contains(&status) {
            return Err(AppError::invalid_state(
                "Only approved, signed or completed contracts are invoiced",
            ));
        }
        ledger::lock_customer(txn, contract.customer_id).await?;
        let item = super::plans::get_installment(txn, viewer, new.installment_id)
            .await
            .map_err(|e| e.with_field("input.installmentId"))?;
        if item.contract_id != contract.id {
            return Err(AppError::bad_input(
                "input.installmentId",
                "The installment belongs to another contract",
            ));
        }
        if new.amount_minor > item.amount_minor - item.invoiced_minor {
            return Err(AppError::bad_input(
                "input.amount",
                format!(
                    "At most {} of this installment is not invoiced yet",
                    Money::from_minor(item.amount_minor - item.invoiced_minor).to_decimal()
                ),
            ));
        }
        ledger::adjust(txn, &item, 0, 0, new.amount_minor, now).await?;
        let tax = rules::tax_included(
            Money::from_minor(new.amount_minor),
            new.tax_rate_basis_points,
        )
        .ok_or_else(AppError::internal)?;
        let year = state.config.company_year(now);
        let seq = crate::numbering::next(txn, "INVOICE", year).await?;
        let created = invoice::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(crate::numbering::format("INV", year, seq)),
            year: Set(year),
            seq: Set(seq),
            contract_id: Set(contract.id),
            installment_id: Set(item.id),
            customer_id: Set(contract.customer_id),
            amount_minor: Set(new.amount_minor),
            tax_rate_basis_points: Set(new.tax_rate_basis_points),
            tax_minor: Set(tax.minor()),
            issue_date: Set(new.issue_date),
            due_date: Set(new.due_date),
            status: Set(InvoiceStatus::Issued.as_str().to_owned()),
            void_reason: Set(None),
            voided_at: Set(None),
            created_by: Set(viewer.user_id),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(txn)
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "invoice.issued",
            subject_type: "Invoice",
            subject_id: created.id,
            details: serde_json::json!({"number": created.number, "amountMinor": created.amount_minor}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    load(&state.db, id).await
}

/// Voids an issued invoice, giving its amount back to the installment's uninvoiced part.
/// Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `INVALID_STATE`
/// (already void), `IDEMPOTENCY_KEY_REUSED`.
pub async fn void_invoice(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    reason: String,
    idempotency_key: Option<String>,
) -> AppResult<invoice::Model> {
    ledger::require_finance(viewer)?;
    let reason = crate::input::required_text(&reason, "input.reason", 1000)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "voidInvoice",
        idempotency_key,
        &(id, &reason),
    )?;
    let now = state.clock.now();
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = get_invoice(txn, viewer, id).await?;
        ledger::lock_customer(txn, current.customer_id).await?;
        let voided = Invoices::update_many()
            .col_expr(
                invoice::Column::Status,
                Expr::value(InvoiceStatus::Void.as_str()),
            )
            .col_expr(
                invoice::Column::VoidReason,
                Expr::value(Some(reason.clone())),
            )
            .col_expr(invoice::Column::VoidedAt, Expr::value(Some(now)))
            .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                invoice::Column::Version,
                Expr::col(invoice::Column::Version).add(1),
            )
            .filter(invoice::Column::Id.eq(id))
            .filter(invoice::Column::Status.eq(InvoiceStatus::Issued.as_str()))
            .exec(txn)
            .await?;
        if voided.rows_affected != 1 {
            return Err(AppError::invalid_state("The invoice is already void"));
        }
        let item = entity::installment::Entity::find_by_id(current.installment_id)
            .one(txn)
            .await?
            .ok_or_else(AppError::internal)?;
        ledger::adjust(txn, &item, 0, 0, -current.amount_minor, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "invoice.voided",
            subject_type: "Invoice",
            subject_id: id,
            details: serde_json::json!({"reason": reason}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

/// An invoice whose contract the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_invoice(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<invoice::Model> {
    Invoices::find_by_id(id)
        .filter(crate::policy::by_contract(
            viewer,
            invoice::Column::ContractId,
        ))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Invoice"))
}

/// Filters for the invoice list.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub customer_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub statuses: Option<Vec<String>>,
    pub issued_from: Option<NaiveDate>,
    pub issued_to: Option<NaiveDate>,
}

fn condition(viewer: &Viewer, filter: &InvoiceFilter) -> Condition {
    let mut condition = Condition::all().add(crate::policy::by_contract(
        viewer,
        invoice::Column::ContractId,
    ));
    if let Some(id) = filter.customer_id {
        condition = condition.add(invoice::Column::CustomerId.eq(id));
    }
    if let Some(id) = filter.contract_id {
        condition = condition.add(invoice::Column::ContractId.eq(id));
    }
    if let Some(statuses) = filter.statuses.as_ref().filter(|list| !list.is_empty()) {
        condition = condition.add(invoice::Column::Status.is_in(statuses.clone()));
    }
    if let Some(from) = filter.issued_from {
        condition = condition.add(invoice::Column::IssueDate.gte(from));
    }
    if let Some(to) = filter.issued_to {
        condition = condition.add(invoice::Column::IssueDate.lte(to));
    }
    condition
}

/// Visible invoices in `order`, with the columns `needs` holds. Errors: `BAD_USER_INPUT` (paging).
pub async fn list_invoices(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: InvoiceFilter,
    (order, descending): (InvoiceOrderField, bool),
    page: &PageRequest,
    needs: crate::columns::Needs,
) -> AppResult<Page<invoice::Model>> {
    use invoice::Column;
    use pagination::{SortKey, date_value};
    let (sort, value_of): pagination::Order<Column, invoice::Model> = match order {
        InvoiceOrderField::CreatedAt => (SortKey::Id, |_| 0),
        InvoiceOrderField::IssueDate => (SortKey::Date(Column::IssueDate), |i| {
            date_value(i.issue_date)
        }),
        InvoiceOrderField::DueDate => (SortKey::Date(Column::DueDate), |i| date_value(i.due_date)),
        InvoiceOrderField::Amount => (SortKey::Int(Column::AmountMinor), |i| i.amount_minor),
    };
    let select = Invoices::find().filter(condition(viewer, &filter));
    let order = (sort, descending);
    pagination::needed::fetch_needed(db, select, Column::Id, order, page, needs, value_of, |i| {
        i.id
    })
    .await
}

crate::read_at!(invoice::Model {
    id,
    number,
    year,
    seq,
    contract_id,
    installment_id,
    customer_id,
    amount_minor,
    tax_rate_basis_points,
    tax_minor,
    issue_date,
    due_date,
    status,
    void_reason,
    voided_at,
    created_by,
    created_at,
    updated_at,
    version,
});

/// A page of the visible invoices of each of these contracts or customers, newest first (for
/// lists under visible records).
pub async fn invoices_pages(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    by_customer: bool,
    ids: &[Uuid],
    request: &crate::pagination::PageRequest,
) -> AppResult<std::collections::HashMap<Uuid, crate::pagination::Page<invoice::Model>>> {
    let column = if by_customer {
        invoice::Column::CustomerId
    } else {
        invoice::Column::ContractId
    };
    let select =
        Invoices::find()
            .filter(column.is_in(ids.to_vec()))
            .filter(crate::policy::by_contract(
                viewer,
                invoice::Column::ContractId,
            ));
    let keyset =
        crate::pagination::Keyset::new(invoice::Column::Id, crate::pagination::SortKey::Id, true);
    crate::pagination::children::fetch_needed_models(
        db,
        select,
        column,
        &keyset,
        request,
        |_| 0,
        |i| i.id,
    )
    .await
}

crate::string_enum! {
    /// What invoice lists can be ordered by.
    InvoiceOrderField {
        /// Creation time.
        CreatedAt => "CREATED_AT",
        /// Issue date.
        IssueDate => "ISSUE_DATE",
        /// Due date.
        DueDate => "DUE_DATE",
        /// Amount.
        Amount => "AMOUNT",
    }
}
