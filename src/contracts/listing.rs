//! Listing contracts: the filter, the order, and a page reading the columns the selection
//! needs, with the customer joined into the same statement when it is asked for.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::ContractStatus;
use crate::columns::Needs;
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest};
use crate::policy;
use entity::contract::{self, Entity as Contracts};
use entity::customer;

/// Filters for the contract list.
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    pub customer_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub statuses: Option<Vec<ContractStatus>>,
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Which columns of a listed contract to read, and whether (with which columns) to join its
/// customer into the page's statement.
#[derive(Debug, Clone, Copy)]
pub struct ContractWants {
    pub contract: Needs,
    pub customer: Option<Needs>,
}

/// A contract of a list with its customer when the page joined it (`Some(None)`: a customer
/// the viewer may not see).
#[derive(Debug, Clone)]
pub struct ListedContract {
    pub contract: contract::Model,
    pub customer: Option<Option<customer::Model>>,
}

/// Prefix of the joined customer's columns.
const CUSTOMER: &str = "cu_";

/// Visible contracts, filtered, in `order`, with the columns and link `wants` names; with
/// `updated_since`, the delta since then. Errors: `BAD_USER_INPUT` (paging, search).
pub async fn list_contracts(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: ContractFilter,
    (order, descending): (ContractOrderField, bool),
    page: &PageRequest,
    wants: ContractWants,
) -> AppResult<Page<ListedContract>> {
    use crate::db::{left_join_needed, needed_at, read_needed_joined};
    use pagination::needed::{ReadNeeded, select_only, with_key_and_sort};
    let shown = shown_contracts(db, viewer, &filter)?;
    let condition = crate::sync::delta::<Contracts>(shown, filter.updated_since);
    use pagination::SortKey;
    let (sort, value_of): pagination::Order<contract::Column, contract::Model> = match order {
        ContractOrderField::CreatedAt => (SortKey::Id, |_| 0),
        ContractOrderField::UpdatedAt => (SortKey::Time(contract::Column::UpdatedAt), |c| {
            pagination::time_value(c.updated_at)
        }),
        ContractOrderField::Amount => (SortKey::Int(contract::Column::AmountMinor), |c| {
            c.amount_minor
        }),
    };
    let needs = with_key_and_sort::<contract::Model, _>(wants.contract, &sort);
    let reader = ReadNeeded::<contract::Model>::new(needs);
    let customer_at = std::sync::OnceLock::new();
    let visible_customers = policy::customers(viewer);
    let rows = pagination::Rows {
        join: |query: &mut sea_orm::sea_query::SelectStatement| {
            select_only::<Contracts>(query, needs);
            if let Some(needs) = wants.customer {
                let key = Expr::col((Contracts, contract::Column::CustomerId));
                let customers = customer::Entity;
                left_join_needed(query, customers, key, visible_customers, CUSTOMER, needs);
            }
        },
        read: |row: &sea_orm::QueryResult| {
            let contract = reader.read(row)?;
            let customer = match wants.customer {
                Some(needs) => {
                    let at = customer_at
                        .get_or_init(|| {
                            needed_at::<customer::Model>(&row.column_names(), CUSTOMER, needs)
                        })
                        // The statement is built above: columns out of place are its fault.
                        .ok_or_else(|| {
                            DbErr::Custom("contract list columns out of place".into())
                        })?;
                    Some(read_needed_joined(row, at, needs)?)
                }
                None => None,
            };
            Ok(ListedContract { contract, customer })
        },
    };
    let select = Contracts::find().filter(condition);
    let id = contract::Column::Id;
    let value_of = |listed: &ListedContract| value_of(&listed.contract);
    let id_of = |listed: &ListedContract| listed.contract.id;
    pagination::fetch_joined(
        db, select, id, sort, descending, page, rows, value_of, id_of,
    )
    .await
}

/// The contracts of the list: visible and matching `filter` (its `updated_since` aside).
/// Errors: `BAD_USER_INPUT` (search).
fn shown_contracts(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &ContractFilter,
) -> AppResult<Condition> {
    let visible = policy::contracts_on(viewer, db.get_database_backend());
    let mut condition = Condition::all().add(visible);
    if let Some(id) = filter.customer_id {
        condition = condition.add(contract::Column::CustomerId.eq(id));
    }
    if let Some(id) = filter.opportunity_id {
        condition = condition.add(contract::Column::OpportunityId.eq(id));
    }
    if let Some(id) = filter.owner_id {
        condition = condition.add(contract::Column::OwnerId.eq(id));
    }
    if let Some(statuses) = &filter.statuses {
        condition =
            condition.add(contract::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(pattern) = crate::search::pattern(filter.search.as_deref(), "filter.search")? {
        let column = |c: contract::Column| Expr::col((Contracts, c));
        condition = condition.add(
            Condition::any()
                .add(crate::search::lower_like(
                    column(contract::Column::Title),
                    &pattern,
                ))
                .add(crate::search::lower_like(
                    column(contract::Column::Number),
                    &pattern,
                )),
        );
    }
    Ok(condition)
}

/// The contracts that left the list of `filter` in `window` (see [`crate::sync::removed`]).
/// Errors: `BAD_USER_INPUT` (search).
pub async fn removed_contracts(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &ContractFilter,
    window: crate::sync::Window,
) -> AppResult<crate::sync::Removed> {
    let shown = shown_contracts(db, viewer, filter)?;
    let visible = policy::contracts(viewer);
    crate::sync::removed::<Contracts>(db, viewer, window, visible, shown).await
}

crate::string_enum! {
    /// What contract lists can be ordered by.
    ContractOrderField {
        /// Creation time.
        CreatedAt => "CREATED_AT",
        /// Last change.
        UpdatedAt => "UPDATED_AT",
        /// Amount.
        Amount => "AMOUNT",
    }
}

crate::read_at!(contract::Model {
    id,
    number,
    year,
    seq,
    customer_id,
    opportunity_id,
    owner_id,
    title,
    amount_minor,
    start_date,
    end_date,
    signed_date,
    terms,
    status,
    cancel_reason,
    quote_id,
    version,
    created_at,
    updated_at,
});
