//! Reading refunds: the list the viewer may see, and the batches loaders read under visible
//! records.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::refunds::RefundStatus;
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest};
use entity::refund::{self, Entity as Refunds};
use entity::refund_source;

/// Filters for the refund list.
#[derive(Debug, Clone, Default)]
pub struct RefundFilter {
    pub customer_id: Option<Uuid>,
    pub payment_id: Option<Uuid>,
    pub statuses: Option<Vec<RefundStatus>>,
}

/// Refunds the viewer may see, newest first. Errors: `BAD_USER_INPUT` (paging).
pub async fn list_refunds(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &RefundFilter,
    page: &PageRequest,
) -> AppResult<Page<refund::Model>> {
    let mut query = Refunds::find().filter(crate::policy::refunds(viewer));
    if let Some(customer) = filter.customer_id {
        query = query.filter(refund::Column::CustomerId.eq(customer));
    }
    if let Some(payment) = filter.payment_id {
        query = query.filter(refund::Column::PaymentId.eq(payment));
    }
    if let Some(statuses) = &filter.statuses {
        query = query.filter(refund::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    pagination::fetch_sorted(
        db,
        query,
        refund::Column::Id,
        pagination::SortKey::Id,
        true,
        page,
        |_| 0,
        |r| r.id,
    )
    .await
}

/// Refunds by id that the viewer may see.
pub async fn visible_by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<refund::Model>> {
    Ok(Refunds::find()
        .filter(refund::Column::Id.is_in(ids.to_vec()))
        .filter(crate::policy::refunds(viewer))
        .all(db)
        .await?)
}

/// Where these refunds took their money (for loaders under visible refunds).
pub async fn sources_of(
    db: &impl ConnectionTrait,
    refund_ids: &[Uuid],
) -> AppResult<Vec<refund_source::Model>> {
    Ok(refund_source::Entity::find()
        .filter(refund_source::Column::RefundId.is_in(refund_ids.to_vec()))
        .order_by_asc(refund_source::Column::Id)
        .all(db)
        .await?)
}

/// What paid refunds took from each of these contracts: allocations taken back from its
/// installments, and credit of payments recorded for it. Two statements for any number.
pub async fn refunded_by_contract(
    db: &impl ConnectionTrait,
    contract_ids: &[Uuid],
) -> AppResult<Vec<(Uuid, i64)>> {
    use sea_orm::sea_query::{Expr, Query};
    use sea_orm::{FromQueryResult, QuerySelect};
    use std::collections::BTreeMap;
    let installments = Query::select()
        .column(entity::installment::Column::Id)
        .from(entity::installment::Entity)
        .and_where(entity::installment::Column::ContractId.is_in(contract_ids.to_vec()))
        .to_owned();
    let payments = Query::select()
        .column(entity::payment::Column::Id)
        .from(entity::payment::Entity)
        .and_where(entity::payment::Column::ContractId.is_in(contract_ids.to_vec()))
        .to_owned();
    let sources = refund_source::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(refund_source::Column::InstallmentId.in_subquery(installments))
                .add(
                    sea_orm::Condition::all()
                        .add(refund_source::Column::InstallmentId.is_null())
                        .add(refund_source::Column::PaymentId.in_subquery(payments)),
                ),
        )
        .all(db)
        .await?;
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(FromQueryResult)]
    struct Owner {
        id: Uuid,
        contract_id: Option<Uuid>,
    }
    let installment_ids: Vec<Uuid> = sources.iter().filter_map(|s| s.installment_id).collect();
    let payment_ids: Vec<Uuid> = sources
        .iter()
        .filter(|s| s.installment_id.is_none())
        .map(|s| s.payment_id)
        .collect();
    let of_installments: Vec<Owner> = entity::installment::Entity::find()
        .select_only()
        .column(entity::installment::Column::Id)
        .column_as(
            Expr::col(entity::installment::Column::ContractId),
            "contract_id",
        )
        .filter(entity::installment::Column::Id.is_in(installment_ids))
        .into_model()
        .all(db)
        .await?;
    let of_payments: Vec<Owner> = entity::payment::Entity::find()
        .select_only()
        .column(entity::payment::Column::Id)
        .column(entity::payment::Column::ContractId)
        .filter(entity::payment::Column::Id.is_in(payment_ids))
        .into_model()
        .all(db)
        .await?;
    let owner = |id: Uuid, owners: &[Owner]| {
        owners
            .iter()
            .find(|o| o.id == id)
            .and_then(|o| o.contract_id)
    };
    let mut totals: BTreeMap<Uuid, i64> = BTreeMap::new();
    for s in &sources {
        let contract = match s.installment_id {
            Some(i) => owner(i, &of_installments),
            None => owner(s.payment_id, &of_payments),
        };
        if let Some(contract) = contract {
            *totals.entry(contract).or_default() += s.amount_minor;
        }
    }
    Ok(totals.into_iter().collect())
}
