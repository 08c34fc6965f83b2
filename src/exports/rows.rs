//! The rows of an export, a page at a time, within the caller's visibility: the same records
//! the caller's lists show, with the same masking (a pool lead's phone and e-mail for anyone
//! but admins), never a cost.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::policy;
use entity::{contact, customer, lead, opportunity, pipeline_stage, user};

/// Rows read per statement.
pub const PAGE_ROWS: u64 = 500;

crate::string_enum! {
    /// Which records an export holds.
    ExportKind {
        /// Customers you see.
        Customers => "CUSTOMERS",
        /// The contacts of customers you see.
        Contacts => "CONTACTS",
        /// Leads you see: your own (your teams' for managers) and the pool.
        Leads => "LEADS",
        /// Deals you see.
        Opportunities => "OPPORTUNITIES",
    }
}

crate::string_enum! {
    /// The file format of an export.
    ExportFormat {
        /// Comma-separated values, UTF-8 with a byte-order mark (spreadsheets open it as such).
        Csv => "CSV",
        /// An Excel workbook of one sheet; every cell is text or a number, never a formula.
        Xlsx => "XLSX",
    }
}

/// Which of the kind's records: all given conditions hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExportFilter {
    /// Records of this owner (a contact's customer's owner).
    pub owner_id: Option<Uuid>,
    /// Records changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

/// The header row of `kind`.
pub fn headers(kind: ExportKind) -> &'static [&'static str] {
    match kind {
        ExportKind::Customers => &[
            "id",
            "name",
            "industry",
            "region",
            "address",
            "grade",
            "ownerEmail",
            "createdAt",
            "updatedAt",
        ],
        ExportKind::Contacts => &[
            "id",
            "customerId",
            "customerName",
            "name",
            "title",
            "phone",
            "email",
            "updatedAt",
        ],
        ExportKind::Leads => &[
            "id",
            "name",
            "company",
            "phone",
            "email",
            "source",
            "status",
            "score",
            "grade",
            "region",
            "industry",
            "ownerEmail",
            "createdAt",
            "updatedAt",
        ],
        ExportKind::Opportunities => &[
            "id",
            "name",
            "customerName",
            "stage",
            "status",
            "amount",
            "expectedCloseDate",
            "ownerEmail",
            "createdAt",
            "updatedAt",
        ],
    }
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return
/// first) gets a leading `'`, which shows the text as it is.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Whether `viewer` may export `kind` at all. Errors: `FORBIDDEN` (leads for roles that do not
/// sell, as their lists answer).
pub fn check_allowed(viewer: &Viewer, kind: ExportKind) -> AppResult<()> {
    if kind == ExportKind::Leads && !viewer.role.sells() {
        return Err(AppError::forbidden());
    }
    Ok(())
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn text(value: Option<&String>) -> String {
    value.cloned().unwrap_or_default()
}

async fn emails(db: &impl ConnectionTrait, ids: Vec<Uuid>) -> AppResult<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect())
}

async fn customer_names(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> AppResult<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(customer::Entity::find()
        .filter(customer::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// The next page of rows after `after` (by id), each with its id; fewer than [`PAGE_ROWS`]
/// means the last.
pub async fn page(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    kind: ExportKind,
    filter: &ExportFilter,
    after: Option<Uuid>,
) -> AppResult<Vec<(Uuid, Vec<String>)>> {
    check_allowed(viewer, kind)?;
    match kind {
        ExportKind::Customers => customers(db, viewer, filter, after).await,
        ExportKind::Contacts => contacts(db, viewer, filter, after).await,
        ExportKind::Leads => leads(db, viewer, filter, after).await,
        ExportKind::Opportunities => opportunities(db, viewer, filter, after).await,
    }
}

/// One page of `select` (visible rows) after `after` in id order, narrowed by `filter`:
/// `owner` is the kind's owner condition for `filter.owner_id`.
async fn read<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    (id, updated_at): (E::Column, E::Column),
    owner: impl FnOnce(Uuid) -> SimpleExpr,
    filter: &ExportFilter,
    after: Option<Uuid>,
) -> AppResult<Vec<E::Model>> {
    let mut select = select;
    if let Some(after) = after {
        select = select.filter(id.gt(after));
    }
    if let Some(owner_id) = filter.owner_id {
        select = select.filter(owner(owner_id));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(updated_at.gte(since));
    }
    Ok(select.order_by_asc(id).limit(PAGE_ROWS).all(db).await?)
}

async fn customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &ExportFilter,
    after: Option<Uuid>,
) -> AppResult<Vec<(Uuid, Vec<String>)>> {
    use customer::Column;
    let select = customer::Entity::find().filter(policy::customers(viewer));
    let columns = (Column::Id, Column::UpdatedAt);
    let owner = |owner| Column::OwnerId.eq(owner);
    let rows = read(db, select, columns, owner, filter, after).await?;
    let owners = emails(db, rows.iter().map(|c| c.owner_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let cells = vec![
                encode_id(NodeType::Customer, c.id).0,
                c.name.clone(),
                text(c.industry.as_ref()),
                text(c.region.as_ref()),
                text(c.address.as_ref()),
                text(c.grade.as_ref()),
                text(owners.get(&c.owner_id)),
                time(c.created_at),
                time(c.updated_at),
            ];
            (c.id, cells)
        })
        .collect())
}

async fn contacts(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &ExportFilter,
    after: Option<Uuid>,
) -> AppResult<Vec<(Uuid, Vec<String>)>> {
    use contact::Column;
    let select = contact::Entity::find()
        .filter(Column::CustomerId.in_subquery(policy::visible_customer_ids(viewer)));
    let columns = (Column::Id, Column::UpdatedAt);
    let owner = |owner| {
        Column::CustomerId.in_subquery(
            Query::select()
                .column(customer::Column::Id)
                .from(customer::Entity)
                .and_where(customer::Column::OwnerId.eq(owner))
                .to_owned(),
        )
    };
    let rows = read(db, select, columns, owner, filter, after).await?;
    let names = customer_names(db, rows.iter().map(|c| c.customer_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let cells = vec![
                encode_id(NodeType::Contact, c.id).0,
                encode_id(NodeType::Customer, c.customer_id).0,
                text(names.get(&c.customer_id)),
                c.name.clone(),
                text(c.title.as_ref()),
                text(c.phone.as_ref()),
                text(c.email.as_ref()),
                time(c.updated_at),
            ];
            (c.id, cells)
        })
        .collect())
}

async fn leads(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &ExportFilter,
    after: Option<Uuid>,
) -> AppResult<Vec<(Uuid, Vec<String>)>> {
    use lead::Column;
    let select = lead::Entity::find().filter(policy::leads(viewer));
    let columns = (Column::Id, Column::UpdatedAt);
    let owner = |owner| Column::OwnerId.eq(owner);
    let rows = read(db, select, columns, owner, filter, after).await?;
    let owners = emails(db, rows.iter().filter_map(|l| l.owner_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|l| {
            // A pool lead's ways to reach them stay hidden until claimed, as in its list.
            let masked = l.in_pool && !viewer.is_admin();
            let reach = |value: Option<&String>| if masked { String::new() } else { text(value) };
            let cells = vec![
                encode_id(NodeType::Lead, l.id).0,
                l.name.clone(),
                text(l.company.as_ref()),
                reach(l.phone.as_ref()),
                reach(l.email.as_ref()),
                l.source.clone(),
                l.status.clone(),
                l.score.to_string(),
                l.grade.clone(),
                text(l.region.as_ref()),
                text(l.industry.as_ref()),
                l.owner_id
                    .and_then(|o| owners.get(&o).cloned())
                    .unwrap_or_default(),
                time(l.created_at),
                time(l.updated_at),
            ];
            (l.id, cells)
        })
        .collect())
}

async fn opportunities(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &ExportFilter,
    after: Option<Uuid>,
) -> AppResult<Vec<(Uuid, Vec<String>)>> {
    use opportunity::Column;
    let select = opportunity::Entity::find().filter(policy::opportunities(viewer));
    let columns = (Column::Id, Column::UpdatedAt);
    let owner = |owner| Column::OwnerId.eq(owner);
    let rows = read(db, select, columns, owner, filter, after).await?;
    let owners = emails(db, rows.iter().map(|o| o.owner_id).collect()).await?;
    let names = customer_names(db, rows.iter().map(|o| o.customer_id).collect()).await?;
    let stages: HashMap<Uuid, String> = pipeline_stage::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|o| {
            let cells = vec![
                encode_id(NodeType::Opportunity, o.id).0,
                o.name.clone(),
                text(names.get(&o.customer_id)),
                text(stages.get(&o.stage_id)),
                o.status.clone(),
                Money::from_minor(o.amount_minor).to_decimal().to_string(),
                o.expected_close_date.to_string(),
                text(owners.get(&o.owner_id)),
                time(o.created_at),
                time(o.updated_at),
            ];
            (o.id, cells)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for cell in [
            "=cmd|'/c calc'!A1",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            let safe = neutralise(cell);
            assert!(safe.starts_with('\''), "{safe}");
            assert_eq!(&safe[1..], cell);
        }
        for cell in ["Acme", "", "1+1", "a=b", "张三"] {
            assert_eq!(neutralise(cell), cell);
        }
    }

    #[test]
    fn every_kind_has_an_id_column_first() {
        for kind in [
            ExportKind::Customers,
            ExportKind::Contacts,
            ExportKind::Leads,
            ExportKind::Opportunities,
        ] {
            assert_eq!(headers(kind)[0], "id");
        }
    }
}
