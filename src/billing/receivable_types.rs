//! GraphQL types of receivables: what is owed, its aging, the collection forecast and the
//! ledger check, with the inputs that ask for them.

use async_graphql::{ID, InputObject, SimpleObject};
use chrono::NaiveDate;

use super::types::Installment;
use crate::graphql::scalars::{Date, Decimal};
use crate::money::Money;

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// What a customer (or contract) owes and holds.
#[derive(SimpleObject, Clone, Debug)]
pub struct Receivable {
    /// Still owed on collecting contracts.
    pub outstanding: Decimal,
    /// The part of it past due.
    pub overdue: Decimal,
    /// Money received and not yet allocated (customers only; 0 for a contract).
    pub credit: Decimal,
}

impl Receivable {
    pub fn of(outstanding: i64, overdue: i64, credit: i64) -> Self {
        Self {
            outstanding: money(outstanding),
            overdue: money(overdue),
            credit: money(credit),
        }
    }
}

/// Sums over every installment a receivables query matched.
#[derive(SimpleObject, Clone, Debug)]
pub struct ReceivableTotals {
    /// How many installments.
    pub installments: i64,
    /// Their amounts.
    pub amount: Decimal,
    /// What they still owe.
    pub outstanding: Decimal,
    /// The part past due as of the query's day.
    pub overdue: Decimal,
}

/// Installments still owing money, a page at a time, with totals over all pages.
#[derive(SimpleObject)]
pub struct ReceivableConnection {
    /// The installments of this page, each with its cursor.
    pub edges: Vec<InstallmentEdge>,
    /// The installments of this page, without cursors.
    pub nodes: Vec<Installment>,
    /// Whether more pages exist and the cursors to reach them.
    pub page_info: async_graphql::connection::PageInfo,
    /// How many installments match, across all pages.
    pub total_count: crate::graphql::pagination::TotalCount,
    /// Sums across all pages.
    pub totals: crate::graphql::pagination::Asked<ReceivableTotals>,
    /// The day overdue amounts are counted against.
    pub as_of: Date,
}

/// An installment of a page with the cursor that points at it.
#[derive(SimpleObject)]
pub struct InstallmentEdge {
    /// Opaque cursor of this installment.
    pub cursor: String,
    /// The installment.
    pub node: Installment,
}

impl ReceivableConnection {
    pub fn from_page(
        page: crate::pagination::Page<entity::installment::Model>,
        totals: Option<super::receivables::Totals>,
        as_of: NaiveDate,
    ) -> Self {
        let (page_info, edges, total_count) =
            crate::graphql::pagination::edges_of(page, |m| Installment::as_of(m, as_of));
        Self {
            nodes: edges.iter().map(|(_, node)| node.clone()).collect(),
            edges: edges
                .into_iter()
                .map(|(cursor, node)| InstallmentEdge { cursor, node })
                .collect(),
            page_info,
            total_count,
            totals: crate::graphql::pagination::Asked(totals.map(|totals| ReceivableTotals {
                installments: totals.installments,
                amount: money(totals.amount),
                outstanding: money(totals.outstanding),
                overdue: money(totals.overdue),
            })),
            as_of: Date(as_of),
        }
    }
}

crate::string_enum! {
    /// How to group the aging report.
    AgingGroupBy {
        /// Per customer.
        Customer => "CUSTOMER",
        /// Per contract owner.
        Owner => "OWNER",
        /// Per team of the contract owner.
        Team => "TEAM",
        /// Per customer region.
        Region => "REGION",
    }
}

/// Outstanding money by days past due.
#[derive(SimpleObject, Clone, Debug)]
pub struct AgingBuckets {
    /// Not yet due, or due on the day.
    pub current: Decimal,
    /// 1 to 30 days past due.
    pub d1_to30: Decimal,
    /// 31 to 60 days past due.
    pub d31_to60: Decimal,
    /// 61 to 90 days past due.
    pub d61_to90: Decimal,
    /// More than 90 days past due.
    pub over90: Decimal,
    /// All of it.
    pub total: Decimal,
}

impl From<super::receivables::Buckets> for AgingBuckets {
    fn from(b: super::receivables::Buckets) -> Self {
        Self {
            current: money(b.current),
            d1_to30: money(b.d1_to30),
            d31_to60: money(b.d31_to60),
            d61_to90: money(b.d61_to90),
            over90: money(b.over90),
            total: money(b.total()),
        }
    }
}

/// One group of the aging report.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct AgingRow {
    /// The group's id (customer, user or team), or the region's name; null for "none".
    #[graphql(deprecation = "Use `group`.")]
    pub key: Option<String>,
    /// A name to show.
    pub label: Option<String>,
    /// Its buckets.
    pub buckets: AgingBuckets,
    #[graphql(skip)]
    pub group: Option<GroupKey>,
}

/// What an aging row groups by, as read from the report.
#[derive(Clone, Debug)]
pub enum GroupKey {
    Customer(uuid::Uuid),
    Owner(uuid::Uuid),
    Team(uuid::Uuid),
    Region(String),
}

/// A region, as customers are assigned to it.
#[derive(SimpleObject, Clone, Debug)]
pub struct Region {
    /// The region's name.
    pub name: String,
}

/// The group of an aging row.
#[derive(async_graphql::Union)]
pub enum AgingGroup {
    /// A customer (grouped by customer).
    Customer(Box<crate::customers::types::Customer>),
    /// An owner (grouped by owner).
    User(Box<crate::users::types::User>),
    /// A team (grouped by team).
    Team(Box<crate::users::types::Team>),
    /// A region (grouped by region).
    Region(Box<Region>),
}

#[async_graphql::ComplexObject]
impl AgingRow {
    /// The customer, owner, team or region of this row; null for "none" (customers without an
    /// owner or region) and for a customer no longer visible to you.
    async fn group(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<AgingGroup>> {
        use crate::graphql::context::ContextExt;
        Ok(match &self.group {
            None => None,
            Some(GroupKey::Customer(id)) => crate::customers::loaders::customer(ctx, *id)
                .await?
                .map(|found| AgingGroup::Customer(Box::new(found))),
            Some(GroupKey::Owner(id)) => ctx
                .loader::<crate::users::loaders::UserLoader>()?
                .load_one(*id)
                .await?
                .map(|user| AgingGroup::User(Box::new(user.into()))),
            Some(GroupKey::Team(id)) => ctx
                .loader::<crate::users::loaders::TeamLoader>()?
                .load_one(*id)
                .await?
                .map(|team| AgingGroup::Team(Box::new(team.into()))),
            Some(GroupKey::Region(name)) => {
                Some(AgingGroup::Region(Box::new(Region { name: name.clone() })))
            }
        })
    }
}

/// Who owes what, and how late.
#[derive(SimpleObject, Clone, Debug)]
pub struct AgingReport {
    /// The day days past due are counted to.
    pub as_of: Date,
    /// Per group, largest total first.
    pub rows: Vec<AgingRow>,
    /// Over all groups.
    pub totals: AgingBuckets,
}

/// Money expected in one month.
#[derive(SimpleObject, Clone, Debug)]
pub struct ForecastMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Installments falling due in it.
    pub installments: i64,
    /// What they still owe.
    pub expected_amount: Decimal,
}

/// Expected collections by month.
#[derive(SimpleObject, Clone, Debug)]
pub struct CollectionForecast {
    /// Months with something due, in order.
    pub months: Vec<ForecastMonth>,
    /// All of it.
    pub total: Decimal,
}

/// What `verifyLedger` found.
#[derive(SimpleObject, Clone, Debug)]
pub struct LedgerCheck {
    /// True when every invariant holds.
    pub ok: bool,
    /// Each broken invariant, in words.
    pub problems: Vec<String>,
    /// Installments checked.
    pub installments_checked: u64,
    /// Payments checked.
    pub payments_checked: u64,
}

/// Filters for `receivables`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct ReceivableFilter {
    /// Only this customer.
    pub customer_id: Option<ID>,
    /// Only contracts of this owner.
    pub owner_id: Option<ID>,
    /// Only contracts owned by this team's members.
    pub team_id: Option<ID>,
    /// Only customers of this region.
    pub region: Option<String>,
    /// Only installments past due.
    pub overdue_only: Option<bool>,
    /// The day to count overdue against (default today, company time zone).
    pub as_of: Option<Date>,
    /// Due on or after.
    pub due_from: Option<Date>,
    /// Due on or before.
    pub due_to: Option<Date>,
}

/// What the aging report covers.
#[derive(InputObject, Debug)]
pub struct ReceivablesAgingInput {
    /// The day to count days past due to (default today, company time zone).
    pub as_of: Option<Date>,
    /// How to group.
    pub group_by: AgingGroupBy,
}

/// Which months to forecast.
#[derive(InputObject, Debug)]
pub struct CollectionForecastInput {
    /// First due day counted.
    pub from: Date,
    /// Last due day counted.
    pub to: Date,
}
