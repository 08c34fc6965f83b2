//! GraphQL types of customers and contacts.

use crate::graphql::scalars::Instant;
use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, SimpleObject};

use super::loaders::ContactsByCustomer;
use crate::billing::types::InvoiceConnection;
use crate::contracts::types::ContractConnection;
use crate::followups::loaders::{FollowUpsByCustomer, LastFollowUpByCustomer};
use crate::followups::types::{FollowUp, FollowUpConnection};
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{PageArgs, child_page};
use crate::graphql::sync::unfiltered;
use crate::ids::{NodeType, encode_id};
use crate::opportunities::types::OpportunityConnection;
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use crate::visits::types::VisitTaskConnection;
use entity::customer;

pub use super::grade_types::{Grade, GradePin, GradePinned};

pub use super::contact_types::{
    AddContactInput, AddContactPayload, Contact, ContactConnection, UpdateContactInput,
    UpdateContactPayload,
};

/// A point on the map (WGS 84).
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct Location {
    /// Latitude in degrees, -90 to 90.
    pub lat: f64,
    /// Longitude in degrees, -180 to 180.
    pub lng: f64,
}

/// A point on the map (WGS 84).
#[derive(InputObject, Clone, Copy, Debug)]
pub struct LocationInput {
    /// Latitude in degrees, -90 to 90.
    pub lat: f64,
    /// Longitude in degrees, -180 to 180.
    pub lng: f64,
}

/// The columns each field of [`Customer`] reads (see [`crate::columns`]); its lists and
/// links load by its id.
pub const CUSTOMER_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("name", &["name"]),
            ("industry", &["industry"]),
            ("region", &["region"]),
            ("address", &["address"]),
            ("location", &["latitude", "longitude"]),
            ("grade", &["pinned_grade", "influence"]),
            ("storedGrade", &["grade"]),
            ("campaign", &["campaign_id"]),
            ("health", &["influence"]),
            ("influence", &["influence"]),
            (
                "gradePin",
                &[
                    "pinned_grade",
                    "grade_pin_reason",
                    "grade_pinned_by",
                    "grade_pinned_at",
                ],
            ),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("owner", &["owner_id"]),
            ("contacts", &[]),
            ("opportunities", &[]),
            ("lastFollowUp", &[]),
            ("visits", &[]),
            ("invoices", &[]),
            ("receivable", &[]),
            ("contracts", &[]),
            ("followUps", &[]),
        ],
    };

/// A company the team sells to, with everything known about it (the 360° view).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Customer {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Company name.
    pub name: String,
    /// Industry, free text.
    pub industry: Option<String>,
    /// Sales region.
    pub region: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Where the customer is, for visit check-ins.
    pub location: Option<Location>,
    /// The grade as stored for filters and sorting: the pinned one, or the computed one as of
    /// the last grade sweep (`grade` is always current).
    pub stored_grade: Option<Grade>,
    /// Key of the customer's influence level on the admin's picklist (`customerHealthRules`).
    pub influence: Option<String>,
    /// When the customer was created.
    pub created_at: Instant,
    /// When the customer last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub uuid: uuid::Uuid,
    #[graphql(skip)]
    pub owner_id: uuid::Uuid,
    /// A manager's pin over the computed grade, when there is one.
    #[graphql(skip)]
    pub pin: Option<GradePinned>,
    #[graphql(skip)]
    pub campaign_id: Option<uuid::Uuid>,
    /// The newest follow-up, when a list query fetched it up front (`Some(None)`: there is none).
    #[graphql(skip)]
    pub prefetched_last_follow_up: Option<Option<entity::follow_up::Model>>,
    /// The owner, when the query joined it in (`Some(None)`: no such user).
    #[graphql(skip)]
    pub prefetched_owner: Option<Option<entity::user::Model>>,
    /// The lists of the 360° view, when the query fetched them in one statement.
    #[graphql(skip)]
    pub prefetched_lists: Option<std::sync::Arc<crate::views::customer_overview::Overview>>,
}

impl Customer {
    /// The prefetched list `pick` chooses, when the query fetched it.
    fn prefetched<'a, T>(
        &'a self,
        pick: impl FnOnce(&'a crate::views::customer_overview::Overview) -> Option<T>,
    ) -> Option<T> {
        self.prefetched_lists.as_deref().and_then(pick)
    }
}

#[ComplexObject]
impl Customer {
    /// Who changed which field when, newest first, from the audit log (values your role may
    /// not see are masked).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<crate::history::types::FieldChangeConnection> {
        let paging = crate::history::graphql::Paging {
            first,
            after,
            last,
            before,
        };
        crate::history::graphql::history_of(ctx, crate::ids::NodeType::Customer, self.uuid, paging)
            .await
    }

    /// The rep responsible for the customer.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        if let Some(found) = &self.prefetched_owner {
            return Ok(found.clone().map(User::from));
        }
        let loader = ctx.loader::<UserLoader>()?;
        Ok(loader.load_one(self.owner_id).await?.map(User::from))
    }

    /// People at the customer, oldest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<ContactConnection> {
        let args = PageArgs::new(first, after, last, before);
        let prefetched = self.prefetched(|o| o.contacts.as_ref());
        let page = child_page::<ContactsByCustomer>(ctx, self.uuid, args, prefetched).await?;
        Ok(ContactConnection::from_page(page, Contact::from))
    }

    /// The customer's deals you may see, oldest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn opportunities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<OpportunityConnection> {
        let args = PageArgs::new(first, after, last, before);
        use crate::opportunities::{loaders::OpportunitiesByCustomer, types::Opportunity};
        let prefetched = self.prefetched(|o| o.opportunities.as_ref());
        let page = child_page::<OpportunitiesByCustomer>(ctx, self.uuid, args, prefetched).await?;
        Ok(OpportunityConnection::from_page(page, Opportunity::listed).with_sync(unfiltered(ctx)))
    }

    /// The newest follow-up logged on the customer (what happened last, before a visit).
    async fn last_follow_up(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FollowUp>> {
        if let Some(prefetched) = &self.prefetched_last_follow_up {
            return Ok(prefetched.clone().map(FollowUp::from));
        }
        let loader = ctx.loader::<LastFollowUpByCustomer>()?;
        Ok(loader.load_one(self.uuid).await?.map(FollowUp::from))
    }

    /// Visits to the customer you may see, latest planned first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn visits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<VisitTaskConnection> {
        let args = PageArgs::new(first, after, last, before);
        use crate::visits::{loaders::VisitsByCustomer, types::VisitTask};
        let prefetched = self.prefetched(|o| o.visits.as_ref());
        let page = child_page::<VisitsByCustomer>(ctx, self.uuid, args, prefetched).await?;
        Ok(VisitTaskConnection::from_page(page, VisitTask::from).with_sync(unfiltered(ctx)))
    }

    /// Invoices of the customer's contracts you may see, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<InvoiceConnection> {
        let args = PageArgs::new(first, after, last, before);
        use crate::billing::{loaders::InvoicesByCustomer, types::Invoice};
        let page = child_page::<InvoicesByCustomer>(ctx, self.uuid, args, None).await?;
        Ok(InvoiceConnection::from_page(page, Invoice::from))
    }

    /// What the customer owes on the contracts you may see, how much is past due, and the
    /// credit it holds.
    async fn receivable(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::billing::receivable_types::Receivable> {
        let value = match self.prefetched(|o| o.receivable) {
            Some(found) => found,
            None => {
                let loader = ctx.loader::<crate::billing::loaders::ReceivableByCustomer>()?;
                loader.load_one(self.uuid).await?.unwrap_or_default()
            }
        };
        Ok(crate::billing::receivable_types::Receivable::of(
            value.outstanding,
            value.overdue,
            value.credit,
        ))
    }

    /// The customer's contracts you may see, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn contracts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<ContractConnection> {
        let args = PageArgs::new(first, after, last, before);
        use crate::contracts::{loaders::ContractsByCustomer, types::Contract};
        let prefetched = self.prefetched(|o| o.contracts.as_ref());
        let page = child_page::<ContractsByCustomer>(ctx, self.uuid, args, prefetched).await?;
        Ok(ContractConnection::from_page(page, Contract::from).with_sync(unfiltered(ctx)))
    }

    /// The grade: a manager's pinned grade, else the grade of the customer's health now.
    async fn grade(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grade>> {
        if let Some(pin) = &self.pin {
            return Ok(Some(pin.grade));
        }
        Ok(self.health(ctx).await?.map(|h| h.grade))
    }

    /// How the customer stands now: the weighted components and the grade they earn.
    async fn health(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::health::types::CustomerHealth>> {
        let loader = ctx.loader::<crate::health::loaders::HealthLoader>()?;
        Ok(loader
            .load_one(self.uuid)
            .await?
            .map(|(rules, facts)| rules.health(&facts, self.influence.as_deref()).into()))
    }

    /// The campaign its first lead came from (first touch).
    async fn campaign(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::campaigns::types::Campaign>> {
        crate::campaigns::types::campaign(ctx, self.campaign_id).await
    }

    /// A manager's grade overriding the computed one, with its reason; null when the grade
    /// follows the health.
    async fn grade_pin(&self) -> Option<GradePin> {
        self.pin.as_ref().map(|p| GradePin {
            grade: p.grade,
            reason: p.reason.clone(),
            pinned_by_id: p.pinned_by,
            pinned_at: p.pinned_at.into(),
        })
    }

    /// The customer's latest tickets you may see (at most 50), newest first; page through
    /// all of them with `tickets(filter: {customerId})`.
    async fn tickets(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::tickets::types::Ticket>> {
        let loader = ctx.loader::<crate::tickets::loaders::TicketsByCustomer>()?;
        Ok(loader
            .load_one(self.uuid)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(crate::tickets::types::Ticket::from)
            .collect())
    }

    /// Follow-ups logged on the customer (and on leads converted into it), newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn follow_ups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<FollowUpConnection> {
        let args = PageArgs::new(first, after, last, before);
        let page = child_page::<FollowUpsByCustomer>(ctx, self.uuid, args, None).await?;
        Ok(FollowUpConnection::from_page(page, FollowUp::from))
    }
}

impl From<customer::Model> for Customer {
    fn from(model: customer::Model) -> Self {
        let location = match (model.latitude, model.longitude) {
            (Some(lat), Some(lng)) => Some(Location { lat, lng }),
            _ => None,
        };
        Self {
            id: encode_id(NodeType::Customer, model.id),
            uuid: model.id,
            name: model.name,
            industry: model.industry,
            region: model.region,
            address: model.address,
            location,
            stored_grade: model.grade.as_deref().and_then(Grade::parse),
            campaign_id: model.campaign_id,
            influence: model.influence,
            pin: model
                .pinned_grade
                .as_deref()
                .and_then(Grade::parse)
                .map(|grade| GradePinned {
                    grade,
                    reason: model.grade_pin_reason.unwrap_or_default(),
                    pinned_by: model.grade_pinned_by,
                    pinned_at: model.grade_pinned_at.unwrap_or(model.updated_at),
                }),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            owner_id: model.owner_id,
            prefetched_last_follow_up: None,
            prefetched_owner: None,
            prefetched_lists: None,
        }
    }
}

/// A new customer, owned by the caller.
#[derive(InputObject, Debug)]
pub struct CreateCustomerInput {
    /// Company name.
    pub name: String,
    /// Industry, free text.
    pub industry: Option<String>,
    /// Sales region.
    pub region: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Where the customer is.
    pub location: Option<LocationInput>,
    /// A grade to pin over the computed one (admins and managers only; `FORBIDDEN` otherwise).
    pub grade: Option<Grade>,
    /// A UUIDv7 your app generated for the new customer (within the last 30 days): the customer
    /// gets it as its UUID, and any id argument accepts it before you learn the customer's id (so a
    /// customer made offline needs no id mapping). Retrying with it and the same input answers
    /// once; a client id another record holds answers `DUPLICATE`.
    pub client_id: Option<ID>,
    /// Retry key: the same key and input return the first result without a new customer.
    pub idempotency_key: Option<String>,
}

/// Changes to a customer; omitted fields stay, `null` clears.
#[derive(InputObject, Debug)]
pub struct UpdateCustomerInput {
    /// The customer to change.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New industry.
    pub industry: MaybeUndefined<String>,
    /// New region.
    pub region: MaybeUndefined<String>,
    /// New address.
    pub address: MaybeUndefined<String>,
    /// New location.
    pub location: MaybeUndefined<LocationInput>,
    /// A grade to pin over the computed one, or null to unpin (admins and managers only).
    pub grade: MaybeUndefined<Grade>,
    /// New owner (managers within their teams, admins).
    pub owner_id: Option<ID>,
}

/// Filters for `customers`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct CustomerFilter {
    /// Only customers of this owner (within what you may see).
    pub owner_id: Option<ID>,
    /// Only this region.
    pub region: Option<String>,
    /// Only this industry.
    pub industry: Option<String>,
    /// Only this grade.
    pub grade: Option<Grade>,
    /// Text contained in the name, ignoring case.
    pub search: Option<String>,
    /// Only customers changed at or after this time, and those whose visibility to you changed
    /// (incremental sync: pass the `serverTime` of the previous sync; see `removedIds`).
    pub updated_since: Option<Instant>,
}

crate::connection_types!(CustomerConnection, CustomerEdge, Customer, synced);

/// Result of `createCustomer`.
#[derive(SimpleObject, Debug)]
pub struct CreateCustomerPayload {
    /// The created customer.
    pub customer: Customer,
}

/// Result of `updateCustomer`.
#[derive(SimpleObject, Debug)]
pub struct UpdateCustomerPayload {
    /// The customer after the change.
    pub customer: Customer,
}

crate::payload_from_model! {
    UpdateCustomerPayload { customer } <- customer::Model;
}

crate::order_input!(
    /// How to order a customer list.
    CustomerOrder,
    super::service::CustomerOrderField
);
