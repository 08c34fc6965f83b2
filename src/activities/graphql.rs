//! Resolvers of activities and the agenda.

use async_graphql::{Context, ID, Object};
use uuid::Uuid;

use super::agenda_types::Agenda;
use super::listing::{self, Filter};
use super::model::ActivitySubjectType;
use super::service::Changes;
use super::types::{
    Activity, ActivityConnection, ActivityFilter, ActivityPayload, CompleteActivityInput,
    CreateActivityInput, UpdateActivityInput,
};
use crate::error::{AppError, AppResult};
use crate::flows::activities::{self as flow, Request};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::Date;
use crate::ids::{NodeType, decode_any, decode_id, decode_optional};

/// The record an activity concerns, from any of the four kinds of id.
fn subject(id: &ID, field: &str) -> AppResult<(ActivitySubjectType, Uuid)> {
    match decode_any(id) {
        Some((NodeType::Lead, id)) => Ok((ActivitySubjectType::Lead, id)),
        Some((NodeType::Customer, id)) => Ok((ActivitySubjectType::Customer, id)),
        Some((NodeType::Opportunity, id)) => Ok((ActivitySubjectType::Opportunity, id)),
        Some((NodeType::Contract, id)) => Ok((ActivitySubjectType::Contract, id)),
        _ => Err(AppError::bad_input(
            field,
            "Not a lead, customer, opportunity or contract id",
        )),
    }
}

/// Activities' queries.
#[derive(Default)]
pub struct ActivityQuery;

#[Object]
impl ActivityQuery {
    /// Activities you may see (yours; managers also their teams'; admins all), by due time.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only activities matching this filter.")] filter: Option<ActivityFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<ActivityConnection> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = Filter {
            owner_id: decode_optional(f.owner_id.as_ref(), NodeType::User, "filter.ownerId")?,
            subject_id: f
                .subject_id
                .as_ref()
                .map(|id| subject(id, "filter.subjectId").map(|s| s.1))
                .transpose()?,
            due_from: f.due_from.map(|t| t.0),
            due_to: f.due_to.map(|t| t.0),
            done: f.done,
            overdue: f.overdue,
        };
        let page = listing::list(&app.db, viewer, &filter, &page, app.clock.now()).await?;
        Ok(ActivityConnection::from_page(page, Activity::from))
    }

    /// Your day: the activities due on it, the open ones already late and its visit tasks,
    /// counted in your time zone.
    #[graphql(guard = "SignedIn")]
    async fn my_agenda(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The local day; today in your time zone when omitted.")] date: Option<
            Date,
        >,
    ) -> async_graphql::Result<Agenda> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let zone = viewer.timezone;
        let day = date.map_or_else(
            || crate::calendar::local_date(zone, app.clock.now()),
            |d| d.0,
        );
        let (start, end) = crate::calendar::local_day_bounds(zone, day);
        let activities = listing::due_between(&app.db, viewer.user_id, start, end).await?;
        let overdue = listing::open_before(&app.db, viewer.user_id, start).await?;
        Ok(Agenda {
            date: Date(day),
            time_zone: zone.name().to_owned(),
            activities: activities.into_iter().map(Activity::from).collect(),
            overdue: overdue.into_iter().map(Activity::from).collect(),
            day,
        })
    }
}

/// Activities' mutations.
#[derive(Default)]
pub struct ActivityMutation;

#[Object]
impl ActivityMutation {
    /// Creates an activity on a lead, customer, deal or contract you can see.
    #[graphql(guard = "SignedIn")]
    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateActivityInput`.")]
        input: CreateActivityInput,
    ) -> async_graphql::Result<ActivityPayload> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let request = Request {
            kind: input.kind,
            subject: subject(&input.subject_id, "input.subjectId")?,
            title: input.title,
            note: input.note,
            due_at: input.due_at.0,
            remind_at: input.remind_at.map(|t| t.0),
            owner_id: decode_optional(input.owner_id.as_ref(), NodeType::User, "input.ownerId")?,
            client_id: crate::ids::client_id(input.client_id.as_ref(), app.clock.now())?,
        };
        let created = flow::create(app, viewer, request, input.idempotency_key).await?;
        Ok(ActivityPayload {
            activity: created.into(),
        })
    }

    /// Changes an activity you may see, at the version you last saw.
    #[graphql(guard = "SignedIn")]
    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateActivityInput`.")]
        input: UpdateActivityInput,
    ) -> async_graphql::Result<ActivityPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Activity, "input.id")?;
        let changes = Changes {
            kind: input.kind,
            title: input.title,
            note: input
                .note
                .map(|n| if n.trim().is_empty() { None } else { Some(n) }),
            due_at: input.due_at.map(|t| t.0),
            remind_at: input.remind_at.map(|t| t.0),
            owner_id: decode_optional(input.owner_id.as_ref(), NodeType::User, "input.ownerId")?,
        };
        let updated = flow::update(ctx.app(), viewer, id, input.expected_version, changes).await?;
        Ok(ActivityPayload {
            activity: updated.into(),
        })
    }

    /// Marks an activity done, or open again.
    #[graphql(guard = "SignedIn")]
    async fn complete_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CompleteActivityInput`.")]
        input: CompleteActivityInput,
    ) -> async_graphql::Result<ActivityPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Activity, "input.id")?;
        let done = flow::complete(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            input.done,
            input.idempotency_key,
        )
        .await?;
        Ok(ActivityPayload {
            activity: done.into(),
        })
    }
}
