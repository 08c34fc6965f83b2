//! `myAgenda`: a seller's day in one request — the activities due that day, the open ones
//! already late, and the day's visit tasks (read by the morning list's one statement).

use async_graphql::{ComplexObject, Context, SimpleObject};
use chrono::NaiveDate;

use super::types::Activity;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::visits::types::VisitTask;

/// A seller's day: activities and visit tasks, in the seller's time zone.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct Agenda {
    /// The local day.
    pub date: Date,
    /// The time zone the day is counted in (yours).
    pub time_zone: String,
    /// Activities due that day, done or not, by due time (at most 200).
    pub activities: Vec<Activity>,
    /// Open activities due before that day, oldest first (at most 200).
    pub overdue: Vec<Activity>,
    #[graphql(skip)]
    pub day: NaiveDate,
}

#[ComplexObject]
impl Agenda {
    /// The day's visit tasks, by planned start.
    async fn visit_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include cancelled tasks.", default = false)] include_cancelled: bool,
    ) -> async_graphql::Result<Vec<VisitTask>> {
        let viewer = ctx.viewer()?;
        let wants = crate::visits::graphql::morning_wants(ctx);
        Ok(crate::views::morning_list::fetch_day(
            &ctx.app().db,
            viewer,
            self.day,
            include_cancelled,
            wants,
        )
        .await?
        .into_iter()
        .map(VisitTask::from)
        .collect())
    }
}
