//! Resolvers for visits.

use async_graphql::{Context, ID, Object};

use super::field::{self, CheckIn, CheckOut};
use super::inputs::{
    CancelVisitInput, CancelVisitPayload, CheckInVisitInput, CheckInVisitPayload,
    CheckOutVisitInput, CheckOutVisitPayload, PlanVisitInput, PlanVisitPayload,
    RescheduleVisitInput, RescheduleVisitPayload, VisitTaskFilter,
};
use super::report_types::{DayOrder, RouteStop, VisitRoute};
use super::report_types::{VisitStats, VisitStatsInput};
use super::service::{self, Cancel, NewVisit, Reschedule, VisitFilter};
use super::types::{VisitTask, VisitTaskConnection};
use crate::customers::types::LocationInput;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{SALES_NUMBERS, SignedIn};
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::Date;
use crate::ids::{NodeType, decode_id};
use crate::input::GeoPoint;
use crate::views::morning_list::Wants;

fn visit_id(id: &ID) -> AppResult<uuid::Uuid> {
    decode_id(id, NodeType::VisitTask, "input.id")
}

#[derive(Default)]
pub struct VisitQuery;

/// The links and columns a morning-list selection asks for.
/// The start of a route, checked. Errors: `BAD_USER_INPUT` on `field`.
fn start_point(from: Option<LocationInput>, field: &str) -> AppResult<Option<(f64, f64)>> {
    from.map(|p| GeoPoint::parse(p.lat, p.lng, field).map(|p| (p.lat, p.lng)))
        .transpose()
}

pub(crate) fn morning_wants(ctx: &Context<'_>) -> Wants {
    use crate::columns::Needs;
    use crate::customers::contact_types::CONTACT_COLUMNS;
    use crate::customers::types::CUSTOMER_COLUMNS;
    use crate::followups::types::FOLLOW_UP_COLUMNS;
    use crate::graphql::columns::children;
    use crate::opportunities::types::{OPPORTUNITY_COLUMNS, PIPELINE_STAGE_COLUMNS};
    use entity::{contact, customer, follow_up, opportunity, pipeline_stage, visit_task};
    let tasks = ctx.look_ahead().selection_fields();
    let customers = children(&tasks, "customer");
    let follow_ups = children(&customers, "lastFollowUp");
    let contacts = children(&tasks, "contact");
    let deals = children(&tasks, "opportunity");
    let asked = |fields: &[async_graphql::SelectionField<'_>]| !fields.is_empty();
    let deal_needs = OPPORTUNITY_COLUMNS.needs::<opportunity::Model>(&deals);
    Wants {
        tasks: super::types::VISIT_TASK_COLUMNS.needs::<visit_task::Model>(&tasks),
        customers: asked(&customers).then(|| CUSTOMER_COLUMNS.needs::<customer::Model>(&customers)),
        last_follow_ups: asked(&follow_ups)
            .then(|| FOLLOW_UP_COLUMNS.needs::<follow_up::Model>(&follow_ups)),
        contacts: asked(&contacts).then(|| CONTACT_COLUMNS.needs::<contact::Model>(&contacts)),
        opportunities: asked(&deals).then_some(deal_needs),
        // A deal read whole may reach its stage from any field (its probability, say).
        stages: if deal_needs == Needs::ALL {
            Needs::ALL
        } else {
            PIPELINE_STAGE_COLUMNS.needs::<pipeline_stage::Model>(&children(&deals, "stage"))
        },
    }
}

#[Object]
impl VisitQuery {
    /// Your visit tasks starting on one local day (your time zone; today by default), by
    /// planned start — what a rep opens in the morning; or (`orderBy: ROUTE`) in the order that
    /// shortens the day's drive.
    #[graphql(guard = "SignedIn")]
    async fn my_visit_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The local day; today in your time zone when omitted.")] date: Option<
            Date,
        >,
        #[graphql(desc = "Include cancelled tasks.", default = false)] include_cancelled: bool,
        #[graphql(
            desc = "`TIME` (planned start, the default) or `ROUTE`: tasks already started or over first, then the planned ones in driving order (see `myVisitRoute`)."
        )]
        order_by: Option<DayOrder>,
        #[graphql(desc = "Where you start the day's drive (for `ROUTE`).")] from: Option<
            LocationInput,
        >,
    ) -> async_graphql::Result<Vec<VisitTask>> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let date = date.map_or_else(
            || crate::calendar::local_date(viewer.timezone, app.clock.now()),
            |d| d.0,
        );
        let from = start_point(from, "from")?;
        // The hottest query: the links it asks for are joined into its one statement, and
        // only the columns its selection reads are read.
        let mut wants = morning_wants(ctx);
        let by_route = order_by == Some(DayOrder::Route);
        if by_route {
            wants.tasks = crate::columns::Needs::ALL;
        }
        let day =
            crate::views::morning_list::fetch_day(&app.db, viewer, date, include_cancelled, wants)
                .await?;
        if !by_route {
            return Ok(day.into_iter().map(VisitTask::from).collect());
        }
        let models: Vec<_> = day.iter().map(|l| l.task.clone()).collect();
        let (order, _, _) = super::route::day_order(&models, from);
        let mut slots: Vec<Option<_>> = day.into_iter().map(Some).collect();
        Ok(order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take))
            .map(VisitTask::from)
            .collect())
    }

    /// The planned visits of one local day of yours in the order that shortens the drive
    /// (nearest neighbour, then 2-opt, a visit never before one whose window closes before
    /// its own opens), with the distance of each leg and in all, as the crow flies.
    #[graphql(guard = "SignedIn")]
    async fn my_visit_route(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The local day; today in your time zone when omitted.")] date: Option<
            Date,
        >,
        #[graphql(desc = "Where you start; else a visit in progress, else the first stop.")]
        from: Option<LocationInput>,
    ) -> async_graphql::Result<VisitRoute> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let date = date.map_or_else(
            || crate::calendar::local_date(viewer.timezone, app.clock.now()),
            |d| d.0,
        );
        let from = start_point(from, "from")?;
        let mut wants = morning_wants(ctx);
        wants.tasks = crate::columns::Needs::ALL;
        let day =
            crate::views::morning_list::fetch_day(&app.db, viewer, date, false, wants).await?;
        let models: Vec<_> = day.iter().map(|l| l.task.clone()).collect();
        let (order, legs, total) = super::route::day_order(&models, from);
        let mut slots: Vec<Option<_>> = day.into_iter().map(Some).collect();
        let stops = order
            .into_iter()
            .zip(legs)
            .filter(|(i, _)| {
                models
                    .get(*i)
                    .is_some_and(|t| t.status == super::rules::VisitStatus::Planned.as_str())
            })
            .filter_map(|(i, leg)| {
                slots
                    .get_mut(i)
                    .and_then(Option::take)
                    .map(|linked| RouteStop {
                        visit: VisitTask::from(linked),
                        distance_from_previous_meters: leg,
                    })
            })
            .collect();
        Ok(VisitRoute {
            date: Date(date),
            total_distance_meters: total,
            stops,
        })
    }

    /// Visit tasks you may see, in creation order; with `filter.updatedSince`, the changes
    /// since a previous read (cancelled and missed tasks included) for syncing a phone's cache.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn visit_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks matching this filter.")] filter: Option<VisitTaskFilter>,
        #[graphql(desc = "Ordering; oldest first by default.")] order_by: Option<
            super::inputs::VisitOrder,
        >,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<VisitTaskConnection> {
        let viewer = ctx.viewer()?;
        let db = &ctx.app().db;
        let server_time = crate::graphql::sync::server_time(ctx);
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = VisitFilter {
            assignee_id: crate::ids::decode_optional(
                f.assignee_id.as_ref(),
                NodeType::User,
                "filter.assigneeId",
            )?,
            customer_id: crate::ids::decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            opportunity_id: crate::ids::decode_optional(
                f.opportunity_id.as_ref(),
                NodeType::Opportunity,
                "filter.opportunityId",
            )?,
            statuses: f.statuses,
            planned_from: f.planned_from.map(Into::into),
            planned_to: f.planned_to.map(Into::into),
            updated_since: f.updated_since.map(Into::into),
        };
        let since = filter.updated_since;
        let sync = crate::graphql::sync::fields(ctx, NodeType::VisitTask, server_time, since, {
            let filter = &filter;
            async move |window| service::removed_visits(db, viewer, filter, window).await
        })
        .await?;
        let order = super::inputs::VisitOrder::parts(
            order_by,
            (service::VisitOrderField::CreatedAt, false),
        );
        let needs = crate::graphql::pagination::node_needs::<entity::visit_task::Model>(
            ctx,
            &super::types::VISIT_TASK_COLUMNS,
        );
        let page = service::list_visits(db, viewer, filter, order, &page, needs).await?;
        Ok(VisitTaskConnection::from_page(page, VisitTask::from).with_sync(sync))
    }

    /// One visit task by id; `null` with a `NOT_FOUND` error when missing or not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn visit_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task's id.")] id: ID,
    ) -> async_graphql::Result<Option<VisitTask>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::VisitTask, "id")?;
            Ok(service::get_visit(&ctx.app().db, viewer, id).await?.into())
        })
        .await
    }

    /// Per rep: visits planned, completed, missed and cancelled in a period, the on-site rate and
    /// the average time on site, over the visits you may see.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn visit_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `VisitStatsInput`.")] input: VisitStatsInput,
    ) -> async_graphql::Result<Vec<VisitStats>> {
        let viewer = ctx.viewer()?;
        let scope =
            crate::graphql::scope::report_scope(viewer, input.scope, input.team_id, input.user_id)?;
        let lines =
            super::stats::visit_stats(&ctx.app().db, viewer, scope, input.from.0, input.to.0)
                .await?;
        Ok(lines
            .into_iter()
            .map(|line| VisitStats {
                planned: line.planned,
                completed: line.completed,
                missed: line.missed,
                cancelled: line.cancelled,
                in_progress: line.in_progress,
                on_site_rate: line.on_site_rate(),
                average_duration_minutes: line.average_duration_minutes(),
                user_id: line.assignee_id,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct VisitMutation;

#[Object]
impl VisitMutation {
    /// Plans a visit for yourself, or (managers, admins) for a rep of your teams.
    #[graphql(guard = "SignedIn")]
    async fn plan_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `PlanVisitInput`.")] input: PlanVisitInput,
    ) -> async_graphql::Result<PlanVisitPayload> {
        let viewer = ctx.viewer()?;
        let new = NewVisit {
            customer_id: decode_id(&input.customer_id, NodeType::Customer, "input.customerId")?,
            contact_id: crate::ids::decode_optional(
                input.contact_id.as_ref(),
                NodeType::Contact,
                "input.contactId",
            )?,
            opportunity_id: crate::ids::decode_optional(
                input.opportunity_id.as_ref(),
                NodeType::Opportunity,
                "input.opportunityId",
            )?,
            lead_id: crate::ids::decode_optional(
                input.lead_id.as_ref(),
                NodeType::Lead,
                "input.leadId",
            )?,
            assignee_id: crate::ids::decode_optional(
                input.assignee_id.as_ref(),
                NodeType::User,
                "input.assigneeId",
            )?,
            purpose: input.purpose,
            planned_start: input.planned_start.into(),
            planned_end: input.planned_end.into(),
            address: input.address,
            location: input
                .location
                .map(|l| GeoPoint::parse(l.lat, l.lng, "input.location"))
                .transpose()?,
            client_id: crate::ids::client_id(input.client_id.as_ref(), ctx.app().clock.now())?,
        };
        let visit = service::plan_visit(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(PlanVisitPayload {
            visit: visit.into(),
        })
    }

    /// Moves a planned visit to another time.
    #[graphql(guard = "SignedIn")]
    async fn reschedule_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RescheduleVisitInput`.")]
        input: RescheduleVisitInput,
    ) -> async_graphql::Result<RescheduleVisitPayload> {
        let viewer = ctx.viewer()?;
        let id = visit_id(&input.id)?;
        let change = Reschedule {
            id,
            expected_version: input.expected_version,
            planned_start: input.planned_start.into(),
            planned_end: input.planned_end.into(),
        };
        let changed =
            service::reschedule_visit(ctx.app(), viewer, change, input.idempotency_key).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_visit(db, viewer, id).await,
        )
        .await
    }

    /// Calls off a planned visit.
    #[graphql(guard = "SignedIn")]
    async fn cancel_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CancelVisitInput`.")] input: CancelVisitInput,
    ) -> async_graphql::Result<CancelVisitPayload> {
        let viewer = ctx.viewer()?;
        let id = visit_id(&input.id)?;
        let cancel = Cancel {
            id,
            expected_version: input.expected_version,
            reason: input.reason,
        };
        let changed = service::cancel_visit(ctx.app(), viewer, cancel, input.idempotency_key).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_visit(db, viewer, id).await,
        )
        .await
    }

    /// Checks in at the customer's site (the assignee only).
    #[graphql(guard = "SignedIn")]
    async fn check_in_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CheckInVisitInput`.")]
        input: CheckInVisitInput,
    ) -> async_graphql::Result<CheckInVisitPayload> {
        let viewer = ctx.viewer()?;
        let id = visit_id(&input.id)?;
        let check_in = CheckIn {
            id,
            location: GeoPoint::parse(input.location.lat, input.location.lng, "input.location")?,
            accuracy_meters: input.location.accuracy_meters,
            device_time: input.device_time.into(),
            expected_version: input.expected_version,
            photo_ids: input
                .photo_ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    crate::ids::decode_id(id, NodeType::Attachment, &format!("input.photoIds.{i}"))
                })
                .collect::<Result<_, _>>()?,
        };
        let changed = field::check_in(ctx.app(), viewer, check_in, input.idempotency_key).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_visit(db, viewer, id).await,
        )
        .await
    }

    /// Checks out of a visit under way with its report (the assignee only).
    #[graphql(guard = "SignedIn")]
    async fn check_out_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CheckOutVisitInput`.")]
        input: CheckOutVisitInput,
    ) -> async_graphql::Result<CheckOutVisitPayload> {
        let viewer = ctx.viewer()?;
        let id = visit_id(&input.id)?;
        let check_out = CheckOut {
            id,
            summary: input.summary,
            outcome: input.outcome,
            next_step: input.next_step,
            next_visit_at: input.next_visit_at.map(Into::into),
            device_time: input.device_time.map(Into::into),
            expected_version: input.expected_version,
        };
        let changed = field::check_out(ctx.app(), viewer, check_out, input.idempotency_key).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_visit(db, viewer, id).await,
        )
        .await
    }
}
