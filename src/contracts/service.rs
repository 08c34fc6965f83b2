//! Contract operations: drafting, editing, signing, completing, cancelling, and the status
//! changes the approval engine makes.

pub use super::access::get_contract;
pub(crate) use super::access::require_steward;
pub(crate) use super::access::{load, status_of};
pub(super) use super::access::{next_status, write};
pub(crate) use super::approval::check_snapshot;
pub use super::approval::{Settlement, Snapshot};
pub(crate) use super::approval::{lock_for_approval, settle};
pub use super::lifecycle::{Begun, Lifecycle, Progress, StepInProgress, advance, begin_step};
pub use super::listing::{
    ContractFilter, ContractOrderField, ContractWants, ListedContract, list_contracts,
    removed_contracts,
};
pub use super::rules::ContractStatus;
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::rules::Action;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::input::{optional_text, required_text};
use crate::policy;
use crate::state::AppState;
use entity::contract::{self, Entity as Contracts};

/// Longest terms text accepted.
pub(crate) const MAX_TERMS: usize = 20_000;

/// A contract to draft.
#[derive(Debug, Clone, Serialize)]
pub struct NewContract {
    pub customer_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    /// An accepted quote to copy customer, deal and amount from.
    pub quote_id: Option<Uuid>,
    pub title: String,
    /// Defaults to the deal's amount.
    pub amount_minor: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub terms: Option<String>,
}

pub(super) fn check_amount(amount: i64) -> AppResult<i64> {
    if amount <= 0 {
        return Err(AppError::bad_input(
            "input.amount",
            "A contract amount is above zero",
        ));
    }
    Ok(amount)
}

pub(crate) fn check_dates(start: Option<NaiveDate>, end: Option<NaiveDate>) -> AppResult<()> {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(AppError::bad_input(
            "input.endDate",
            "A contract ends on or after its start",
        ));
    }
    Ok(())
}

/// Sellers write contracts; finance reads them.
pub(super) fn require_seller(viewer: &Viewer) -> AppResult<()> {
    if !viewer.role.sells() {
        Err(AppError::forbidden())
    } else {
        Ok(())
    }
}

/// Drafts a contract owned by the caller, for a visible customer or from a visible deal that is
/// won or in the last open stage, numbered `C-<year>-<seq>` without gaps. Idempotent by key.
/// Errors: `FORBIDDEN` (finance), `NOT_FOUND`, `BAD_USER_INPUT`, `INVALID_STATE` (deal not
/// ready), `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_contract(
    state: &AppState,
    viewer: &Viewer,
    new: NewContract,
    idempotency_key: Option<String>,
) -> AppResult<contract::Model> {
    require_seller(viewer)?;
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    let title = problems.check(required_text(&new.title, "input.title", 200));
    let terms = problems.check(optional_text(
        new.terms.as_deref(),
        "input.terms",
        MAX_TERMS,
    ));
    problems.check(check_dates(new.start_date, new.end_date));
    if let Some(amount) = new.amount_minor {
        problems.check(check_amount(amount));
    }
    if new.opportunity_id.is_none() && new.quote_id.is_none() {
        if new.customer_id.is_none() {
            problems.check::<()>(Err(AppError::bad_input(
                "input.customerId",
                "Name the customer or the deal",
            )));
        }
        if new.amount_minor.is_none() {
            problems.check::<()>(Err(AppError::bad_input(
                "input.amount",
                "A contract without a deal needs an amount",
            )));
        }
    }
    problems.finish()?;
    let (Some(title), Some(terms)) = (title, terms) else {
        return Err(AppError::internal());
    };
    let terms = terms.unwrap_or_default();
    let call = IdempotentCall::new(viewer.user_id, "createContract", idempotency_key, &new)?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let (customer_id, opportunity_id, amount) = match new.quote_id {
            Some(quote) => {
                let given = (new.customer_id, new.opportunity_id, new.amount_minor);
                super::from_quote::terms_of(txn, viewer, quote, given).await?
            },
            None => plain_terms(txn, viewer, &new).await?,
        };
        let year = state.config.company_year(now);
        let seq = crate::numbering::next(txn, "CONTRACT", year).await?;
        let created = contract::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(crate::numbering::format("C", year, seq)),
            year: Set(year),
            seq: Set(seq),
            customer_id: Set(customer_id),
            opportunity_id: Set(opportunity_id),
            owner_id: Set(viewer.user_id),
            title: Set(title),
            amount_minor: Set(amount),
            start_date: Set(new.start_date),
            end_date: Set(new.end_date),
            signed_date: Set(None),
            terms: Set(terms),
            status: Set(ContractStatus::Draft.as_str().to_owned()),
            cancel_reason: Set(None),
            quote_id: Set(new.quote_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|err| {
            if crate::error::is_unique_violation(&err) {
                super::from_quote::already_made()
            } else {
                err.into()
            }
        })?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "contract.created",
            subject_type: "Contract",
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

/// The customer, deal and amount of a contract drafted without a quote: from the deal when
/// named (won or in the last open stage), else as given.
async fn plain_terms(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    new: &NewContract,
) -> AppResult<(Uuid, Option<Uuid>, i64)> {
    let deal = match new.opportunity_id {
        Some(id) => Some(
            crate::opportunities::service::ready_for_contract(txn, viewer, id)
                .await
                .map_err(|e| e.with_field("input.opportunityId"))?,
        ),
        None => None,
    };
    let customer_id = match (new.customer_id, &deal) {
        (Some(customer), Some(deal)) if customer != deal.customer_id => {
            return Err(AppError::bad_input(
                "input.customerId",
                "The deal belongs to another customer",
            ));
        }
        (Some(customer), _) => customer,
        (None, Some(deal)) => deal.customer_id,
        (None, None) => {
            return Err(AppError::bad_input(
                "input.customerId",
                "Name the customer or the deal",
            ));
        }
    };
    crate::customers::service::get_customer(txn, viewer, customer_id)
        .await
        .map_err(|e| e.with_field("input.customerId"))?;
    let amount = match (new.amount_minor, &deal) {
        (Some(amount), _) => amount,
        (None, Some(deal)) => check_amount(deal.amount_minor)?,
        (None, None) => {
            return Err(AppError::bad_input(
                "input.amount",
                "A contract without a deal needs an amount",
            ));
        }
    };
    Ok((customer_id, new.opportunity_id, amount))
}

/// Changes to a draft or rejected contract; `None` leaves a field.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContractChanges {
    pub title: Option<String>,
    pub amount_minor: Option<i64>,
    pub start_date: Option<Option<NaiveDate>>,
    pub end_date: Option<Option<NaiveDate>>,
    pub terms: Option<String>,
    /// A new owner (managers within their teams, admins), at any status.
    pub owner_id: Option<Uuid>,
}

/// Edits a `DRAFT` or `REJECTED` contract at `expected_version` (the owner, their managers,
/// admins); a change of owner alone is made at any status. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`, `INVALID_STATE`
/// (locked), `IDEMPOTENCY_KEY_REUSED`.
pub async fn update_contract(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: ContractChanges,
    idempotency_key: Option<String>,
) -> AppResult<contract::Model> {
    require_seller(viewer)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "updateContract",
        idempotency_key,
        &(id, expected_version, &changes),
    )?;
    let now = state.clock.now();
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = get_contract(txn, viewer, id).await?;
        require_steward(txn, viewer, &current).await?;
        crate::versioned::check(expected_version, current.version)?;
        let owner_only = changes.title.is_none()
            && changes.amount_minor.is_none()
            && changes.start_date.is_none()
            && changes.end_date.is_none()
            && changes.terms.is_none();
        if !owner_only {
            next_status(&current, Action::Edit)?;
        }
        let mut model = <contract::ActiveModel as Default>::default();
        if let Some(owner) = changes.owner_id.filter(|o| *o != current.owner_id) {
            if !matches!(viewer.role, Role::Admin | Role::SalesManager) {
                return Err(AppError::new(
                    crate::error::ErrorCode::Forbidden,
                    "Only managers and admins hand a contract to someone else",
                )
                .with_field("input.ownerId"));
            }
            crate::users::service::check_assignable(txn, viewer, owner, "input.ownerId").await?;
            model.owner_id = Set(owner);
            let former = Some(current.owner_id);
            crate::sync::link_ended(txn, crate::sync::Kind::Contract, id, former, now).await?;
        }
        // Every problem of the changes at once.
        let mut problems = crate::input::Problems::default();
        if let Some(title) = &changes.title
            && let Some(title) = problems.check(required_text(title, "input.title", 200))
        {
            model.title = Set(title);
        }
        if let Some(amount) = changes.amount_minor
            && let Some(amount) = problems.check(check_amount(amount))
        {
            model.amount_minor = Set(amount);
        }
        if !owner_only {
            let start = changes.start_date.unwrap_or(current.start_date);
            let end = changes.end_date.unwrap_or(current.end_date);
            problems.check(check_dates(start, end));
            model.start_date = Set(start);
            model.end_date = Set(end);
        }
        if let Some(terms) = &changes.terms
            && let Some(terms) =
                problems.check(optional_text(Some(terms), "input.terms", MAX_TERMS))
        {
            model.terms = Set(terms.unwrap_or_default());
        }
        problems.finish()?;
        write(txn, &current, model, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "contract.updated",
            subject_type: "Contract",
            subject_id: id,
            details: serde_json::json!({"title": changes.title, "amountMinor": changes.amount_minor, "ownerId": changes.owner_id}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

/// Which parent a batch of contracts is loaded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Customer,
    Opportunity,
}

impl Parent {
    /// The contract column naming this parent.
    pub fn column(self) -> contract::Column {
        match self {
            Self::Customer => contract::Column::CustomerId,
            Self::Opportunity => contract::Column::OpportunityId,
        }
    }
}

/// A page of the visible contracts of each of these customers or deals, newest first (for
/// lists under visible records).
pub async fn contracts_pages(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    parent: Parent,
    ids: &[Uuid],
    request: &crate::pagination::PageRequest,
) -> AppResult<std::collections::HashMap<Uuid, crate::pagination::Page<contract::Model>>> {
    crate::pagination::children::fetch_needed_models(
        db,
        contracts_select(viewer, parent, ids),
        parent.column(),
        &contracts_keyset(),
        request,
        |_| 0,
        |c| c.id,
    )
    .await
}

/// The order of a record's contracts: newest first.
pub fn contracts_keyset() -> crate::pagination::Keyset<contract::Column> {
    crate::pagination::Keyset::new(contract::Column::Id, crate::pagination::SortKey::Id, true)
}

/// Visible contracts of these parents, newest first.
pub fn contracts_select(
    viewer: &Viewer,
    parent: Parent,
    ids: &[Uuid],
) -> sea_orm::Select<contract::Entity> {
    Contracts::find()
        .filter(parent.column().is_in(ids.to_vec()))
        .filter(policy::contracts(viewer))
        .order_by_desc(contract::Column::Id)
}

/// Contracts by id that the viewer may see (for loaders).
pub async fn visible_by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<contract::Model>> {
    Ok(Contracts::find()
        .filter(contract::Column::Id.is_in(ids.to_vec()))
        .filter(policy::contracts(viewer))
        .all(db)
        .await?)
}
