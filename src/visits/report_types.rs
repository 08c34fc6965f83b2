//! GraphQL types of `visitStats`: completed visits and verified check-ins per seller and day.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use crate::graphql::scalars::Date;
use crate::users::types::User;

/// What to count.
#[derive(InputObject, Debug)]
pub struct VisitStatsInput {
    /// First local day of the period (each rep's own time zone).
    pub from: Date,
    /// Last local day of the period, inclusive (at most 366 days after `from`).
    pub to: Date,
    /// Whose visits.
    pub scope: crate::analytics::types::AnalyticsScope,
    /// The team for `TEAM`.
    pub team_id: Option<ID>,
    /// One rep instead of yourself (within what you may see).
    pub user_id: Option<ID>,
}

/// One rep's visits in a period.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct VisitStats {
    /// Tasks planned in the period, whatever became of them.
    pub planned: i64,
    /// Visits checked out.
    pub completed: i64,
    /// Visits never made.
    pub missed: i64,
    /// Visits called off.
    pub cancelled: i64,
    /// Visits checked in, not yet checked out.
    pub in_progress: i64,
    /// Check-ins on site among those that could be verified (0–1); null when none could.
    pub on_site_rate: Option<f64>,
    /// Average minutes on site of completed visits; null when none.
    pub average_duration_minutes: Option<f64>,
    #[graphql(skip)]
    pub user_id: uuid::Uuid,
}

#[ComplexObject]
impl VisitStats {
    /// The rep.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.user_id).await
    }
}

crate::string_enum! {
    /// How a day's visit tasks are ordered.
    DayOrder {
        /// By planned start.
        Time => "TIME",
        /// In the order that shortens the drive.
        Route => "ROUTE",
    }
}

/// A day's planned visits in driving order.
#[derive(async_graphql::SimpleObject, Debug)]
pub struct VisitRoute {
    /// The local day.
    pub date: crate::graphql::scalars::Date,
    /// The sum of the legs between located stops, in metres as the crow flies.
    pub total_distance_meters: f64,
    /// The planned visits, in driving order; those without a location last.
    pub stops: Vec<RouteStop>,
}

/// One stop of a route.
#[derive(async_graphql::SimpleObject, Debug)]
pub struct RouteStop {
    /// The visit.
    pub visit: super::types::VisitTask,
    /// Metres from the previous stop (or the start point); null without a location.
    pub distance_from_previous_meters: Option<f64>,
}
