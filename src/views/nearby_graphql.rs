//! `nearbyCustomers`: the customers around a rep, nearest first.

use async_graphql::{Context, Object, SimpleObject};

use super::nearby;
use crate::customers::types::{Customer, LocationInput};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::scalars::{Decimal, Instant};
use crate::input::GeoPoint;
use crate::money::Money;

/// A customer near a point.
#[derive(SimpleObject, Debug)]
pub struct NearbyCustomer {
    /// The customer.
    pub customer: Customer,
    /// Metres from the point, as the crow flies.
    pub distance_meters: f64,
    /// When a visit there you may see last checked out; null when none did.
    pub last_visit_at: Option<Instant>,
    /// How many open deals with this customer you may see.
    pub open_opportunity_count: i32,
    /// Their amounts in all.
    pub open_opportunity_amount: Decimal,
}

/// Queries of where customers are.
#[derive(Default)]
pub struct NearbyQuery;

#[Object]
impl NearbyQuery {
    /// Customers you may see within a radius of a point (yours, as a rule), nearest first,
    /// with their last visit and open deals. Customers without a location are not listed.
    #[graphql(guard = "SignedIn")]
    async fn nearby_customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where you are.")] location: LocationInput,
        #[graphql(desc = "How far to look, 1 to 50,000 metres.")] radius_meters: i32,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<NearbyCustomer>> {
        let viewer = ctx.viewer()?;
        let center = GeoPoint::parse(location.lat, location.lng, "location")?;
        let found = nearby::nearby(
            &ctx.app().db,
            viewer,
            center,
            radius_meters,
            first.unwrap_or(20),
        )
        .await?;
        Ok(found
            .into_iter()
            .map(|n| NearbyCustomer {
                distance_meters: n.distance_m,
                last_visit_at: n.last_visit_at.map(Into::into),
                open_opportunity_count: n.open_deals,
                open_opportunity_amount: Decimal(
                    Money::from_minor(n.open_amount_minor).to_decimal(),
                ),
                customer: n.customer.into(),
            })
            .collect())
    }
}
