//! Resolvers for customers and contacts.

use async_graphql::{Context, ID, MaybeUndefined, Object};

use super::service::{self, ContactChanges, CustomerChanges, NewContact, NewCustomer};
use super::types::{
    AddContactInput, AddContactPayload, CreateCustomerInput, CreateCustomerPayload, Customer,
    CustomerConnection, CustomerFilter, LocationInput, UpdateContactInput, UpdateContactPayload,
    UpdateCustomerInput, UpdateCustomerPayload,
};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::pagination::list_request;
use crate::graphql::pagination::selected_page;
use crate::ids::{NodeType, decode_id};
use crate::input::GeoPoint;

fn point(location: LocationInput, field: &str) -> AppResult<GeoPoint> {
    GeoPoint::parse(location.lat, location.lng, field)
}

/// `Undefined` → leave, `Null` → clear, value → set.
pub(crate) fn change<T, U>(
    value: MaybeUndefined<T>,
    map: impl FnOnce(T) -> AppResult<U>,
) -> AppResult<Option<Option<U>>> {
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(map(v)?)),
    })
}

/// The largest `limit` the selections in `look` ask for (`default` where one gives none, each
/// clamped to 1..=`max`); `None` when nothing is selected there.
#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// Customers you may see, oldest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only customers matching this filter.")] filter: Option<CustomerFilter>,
        #[graphql(desc = "Ordering; oldest first by default.")] order_by: Option<
            super::types::CustomerOrder,
        >,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<CustomerConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let filter = filter.unwrap_or_default();
        let filter = service::CustomerFilter {
            owner_id: filter
                .owner_id
                .map(|id| decode_id(&id, NodeType::User, "filter.ownerId"))
                .transpose()?,
            region: filter.region,
            industry: filter.industry,
            grade: filter.grade.map(|g| g.as_str().to_owned()),
            search: filter.search,
            updated_since: filter.updated_since.map(Into::into),
        };
        let db = &ctx.app().db;
        let server_time = crate::graphql::sync::server_time(ctx);
        let since = filter.updated_since;
        let sync = crate::graphql::sync::fields(ctx, NodeType::Customer, server_time, since, {
            let filter = &filter;
            async move |window| service::removed_customers(db, viewer, filter, window).await
        })
        .await?;
        let order = super::types::CustomerOrder::parts(
            order_by,
            (service::CustomerOrderField::CreatedAt, false),
        );
        use crate::graphql::pagination::node_needs;
        let needs = node_needs::<entity::customer::Model>(ctx, &super::types::CUSTOMER_COLUMNS);
        let page = service::list_customers(db, viewer, filter, order, &page, needs).await?;
        Ok(CustomerConnection::from_page(page, Customer::from).with_sync(sync))
    }

    /// One customer by id, with its whole story; `null` with a `NOT_FOUND` error when missing or not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id.")] id: ID,
    ) -> async_graphql::Result<Option<Customer>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::Customer, "id")?;
            // The 360° view: its one-to-one links come in the customer's own statement.
            let look = ctx.look_ahead();
            let wants = crate::views::customer_card::Wants {
                owner: look.field("owner").exists(),
                last_follow_up: look.field("lastFollowUp").exists(),
            };
            let db = &ctx.app().db;
            let (model, owner, last) =
                match crate::views::customer_card::get_customer_joined(db, viewer, id, wants).await
                {
                    Ok(found) => found,
                    // A merged customer's id answers with its survivor.
                    Err(missing) => match crate::merges::service::redirect_of(
                        db,
                        crate::merges::service::CUSTOMER,
                        id,
                    )
                    .await?
                    {
                        Some(survivor) => {
                            crate::views::customer_card::get_customer_joined(
                                db, viewer, survivor, wants,
                            )
                            .await?
                        }
                        None => return Err(missing.into()),
                    },
                };
            let id = model.id;
            let lists = crate::views::customer_overview::Wants {
                contacts: selected_page(&look.field("contacts")),
                opportunities: selected_page(&look.field("opportunities")),
                visits: selected_page(&look.field("visits")),
                contracts: selected_page(&look.field("contracts")),
                receivable: look
                    .field("receivable")
                    .exists()
                    .then(|| ctx.app().config.company_today(ctx.app().clock.now())),
            };
            let prefetched_lists = if lists.any() {
                let found =
                    crate::views::customer_overview::fetch(&ctx.app().db, viewer, id, lists)
                        .await?;
                Some(std::sync::Arc::new(found))
            } else {
                None
            };
            Ok(Customer {
                prefetched_owner: owner,
                prefetched_last_follow_up: last,
                prefetched_lists,
                ..Customer::from(model)
            })
        })
        .await
    }
}

#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a customer owned by the caller.
    #[graphql(guard = "SignedIn")]
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateCustomerInput`.")]
        input: CreateCustomerInput,
    ) -> async_graphql::Result<CreateCustomerPayload> {
        let viewer = ctx.viewer()?;
        let new = NewCustomer {
            name: input.name,
            industry: input.industry,
            region: input.region,
            address: input.address,
            location: input
                .location
                .map(|l| point(l, "input.location"))
                .transpose()?,
            grade: input.grade.map(|g| g.as_str().to_owned()),
            campaign_id: None,
            client_id: crate::ids::client_id(input.client_id.as_ref(), ctx.app().clock.now())?,
        };
        let customer =
            service::create_customer(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(CreateCustomerPayload {
            customer: customer.into(),
        })
    }

    /// Changes a customer you may see.
    #[graphql(guard = "SignedIn")]
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateCustomerInput`.")]
        input: UpdateCustomerInput,
    ) -> async_graphql::Result<UpdateCustomerPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Customer, "input.id")?;
        let changes = CustomerChanges {
            name: input.name,
            industry: change(input.industry, Ok)?,
            region: change(input.region, Ok)?,
            address: change(input.address, Ok)?,
            location: change(input.location, |l| point(l, "input.location"))?,
            grade: change(input.grade, |g| Ok(g.as_str().to_owned()))?,
            owner_id: input
                .owner_id
                .map(|id| decode_id(&id, NodeType::User, "input.ownerId"))
                .transpose()?,
        };
        let changed =
            service::update_customer(ctx.app(), viewer, id, input.expected_version, changes).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_customer(db, viewer, id).await,
        )
        .await
    }

    /// Adds a contact to a customer you may see.
    #[graphql(guard = "SignedIn")]
    async fn add_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `AddContactInput`.")] input: AddContactInput,
    ) -> async_graphql::Result<AddContactPayload> {
        let viewer = ctx.viewer()?;
        let customer_id = decode_id(&input.customer_id, NodeType::Customer, "input.customerId")?;
        let new = NewContact {
            name: input.name,
            title: input.title,
            phone: input.phone,
            email: input.email,
            client_id: crate::ids::client_id(input.client_id.as_ref(), ctx.app().clock.now())?,
        };
        let contact =
            service::add_contact(ctx.app(), viewer, customer_id, new, input.idempotency_key)
                .await
                .map_err(|e| e.naming("input.customerId"))?;
        Ok(AddContactPayload {
            contact: contact.into(),
        })
    }

    /// Changes a contact of a customer you may see.
    #[graphql(guard = "SignedIn")]
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateContactInput`.")]
        input: UpdateContactInput,
    ) -> async_graphql::Result<UpdateContactPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Contact, "input.id")?;
        let changes = ContactChanges {
            name: input.name,
            title: change(input.title, Ok)?,
            phone: change(input.phone, Ok)?,
            email: change(input.email, Ok)?,
        };
        let changed =
            service::update_contact(ctx.app(), viewer, id, input.expected_version, changes).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_contact(db, viewer, id).await,
        )
        .await
    }
}
