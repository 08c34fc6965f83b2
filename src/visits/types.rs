//! GraphQL types of visits: visit tasks, their check-ins and check-outs, and their pages.

use crate::graphql::scalars::Instant;
use async_graphql::{ComplexObject, Context, ID, SimpleObject};

use super::loaders::VisitLoader;
pub use super::rules::{VisitOutcome, VisitStatus};
use crate::customers::loaders::ContactLoader;
use crate::customers::types::{Contact, Customer, Location};
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::ids::{NodeType, encode_id};
use crate::opportunities::loaders::VisibleOpportunityLoader;
use crate::opportunities::types::Opportunity;
use crate::users::types::User;
use entity::visit_task;

/// The columns each field of [`VisitTask`] reads (see [`crate::columns`]).
pub const VISIT_TASK_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("purpose", &["purpose"]),
            ("plannedStart", &["planned_start"]),
            ("plannedEnd", &["planned_end"]),
            ("localDate", &["local_date"]),
            ("address", &["address"]),
            ("location", &["latitude", "longitude"]),
            ("status", &["status"]),
            (
                "checkIn",
                &[
                    "check_in_at",
                    "check_in_device_at",
                    "check_in_latitude",
                    "check_in_longitude",
                    "check_in_accuracy_m",
                    "check_in_distance_m",
                    "check_in_on_site",
                ],
            ),
            (
                "checkOut",
                &[
                    "check_out_at",
                    "check_out_device_at",
                    "summary",
                    "outcome",
                    "next_step",
                    "duration_seconds",
                ],
            ),
            ("cancelledAt", &["cancelled_at"]),
            ("cancelReason", &["cancel_reason"]),
            ("missedAt", &["missed_at"]),
            ("leadId", &["lead_id"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("lead", &["lead_id"]),
            ("checkInPhotos", &[]),
            ("assignee", &["assignee_id"]),
            ("createdBy", &["created_by"]),
            ("customer", &["customer_id"]),
            ("contact", &["contact_id"]),
            ("opportunity", &["opportunity_id"]),
            ("nextVisit", &["next_visit_id"]),
        ],
    };

/// A planned (or made) visit of a rep to a customer.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct VisitTask {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Why the rep goes.
    pub purpose: String,
    /// When the visit is planned to start.
    pub planned_start: Instant,
    /// When the visit is planned to end.
    pub planned_end: Instant,
    /// The assignee's local day of the planned start.
    pub local_date: Date,
    /// Where to go (the customer's address unless planned elsewhere).
    pub address: Option<String>,
    /// Where to check in (the customer's location unless planned elsewhere).
    pub location: Option<Location>,
    /// Where the task stands.
    pub status: VisitStatus,
    /// The check-in on site, once made.
    pub check_in: Option<VisitCheckIn>,
    /// The report given at check-out, once made.
    pub check_out: Option<VisitCheckOut>,
    /// When the visit was cancelled.
    pub cancelled_at: Option<Instant>,
    /// Why the visit was cancelled.
    pub cancel_reason: Option<String>,
    /// When the visit was marked missed.
    pub missed_at: Option<Instant>,
    /// The lead's id.
    #[graphql(deprecation = "Use `lead { id }`.")]
    pub lead_id: Option<ID>,
    /// When the task was planned.
    pub created_at: Instant,
    /// When the task last changed (compare with `updatedSince` to sync).
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub model: visit_task::Model,
    /// Links fetched up front by a list query; each `None` falls back to a loader.
    #[graphql(skip)]
    pub prefetched: Box<Prefetched>,
}

/// Linked records of a task fetched up front (`Some(None)`: none, or not visible).
#[derive(Clone, Debug, Default)]
pub struct Prefetched {
    pub customer: Option<Option<Customer>>,
    pub contact: Option<Option<Contact>>,
    pub opportunity: Option<Option<Opportunity>>,
}

impl From<crate::views::morning_list::Linked> for VisitTask {
    fn from(linked: crate::views::morning_list::Linked) -> Self {
        let prefetched = Prefetched {
            customer: linked.customer.map(|found| {
                found.map(|(model, last)| Customer {
                    prefetched_last_follow_up: last,
                    ..Customer::from(model)
                })
            }),
            contact: linked.contact.map(|found| found.map(Contact::from)),
            opportunity: linked
                .opportunity
                .map(|found| found.map(|(model, stage)| Opportunity::with_stage(model, stage))),
        };
        Self {
            prefetched: Box::new(prefetched),
            ..Self::from(linked.task)
        }
    }
}

/// A check-in on site, as the server judged it.
#[derive(SimpleObject, Clone, Debug)]
pub struct VisitCheckIn {
    /// When the server received it.
    pub at: Instant,
    /// The device's clock at check-in.
    pub device_time: Instant,
    /// Where the device was.
    pub location: Location,
    /// The accuracy the device reported, in metres.
    pub accuracy_meters: f64,
    /// Great-circle distance to the visit's location, in metres; null when it is unknown.
    pub distance_meters: Option<f64>,
    /// Within the allowed radius of the visit's location; null when unverified.
    pub on_site: Option<bool>,
    /// False when the visit had no location to compare with.
    pub verified: bool,
}

/// What the rep reported when leaving.
#[derive(SimpleObject, Clone, Debug)]
pub struct VisitCheckOut {
    /// When the server received it.
    pub at: Instant,
    /// The device's clock at check-out.
    pub device_time: Instant,
    /// What happened.
    pub summary: String,
    /// How it went.
    pub outcome: VisitOutcome,
    /// What comes next.
    pub next_step: Option<String>,
    /// Minutes on site, from the device's check-in to its check-out.
    pub duration_minutes: f64,
}

#[ComplexObject]
impl VisitTask {
    /// The photos given at check-in as on-site proof (`checkInVisit.photoIds`).
    async fn check_in_photos(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::attachments::types::Attachment>> {
        crate::attachments::loaders::check_in_photos(ctx, self.model.id).await
    }

    /// The open lead the visit works on; null when none, or no longer visible to you.
    async fn lead(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::leads::types::Lead>> {
        let Some(id) = self.model.lead_id else {
            return Ok(None);
        };
        crate::leads::loaders::lead(ctx, id).await
    }

    /// The rep who makes the visit.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.assignee_id).await
    }

    /// Who planned it.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.created_by).await
    }

    /// The customer visited (null if you may no longer see it).
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        if let Some(prefetched) = &self.prefetched.customer {
            return Ok(prefetched.clone());
        }
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }

    /// The person to meet.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        if let Some(prefetched) = &self.prefetched.contact {
            return Ok(prefetched.clone());
        }
        let Some(id) = self.model.contact_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<ContactLoader>()?;
        Ok(loader.load_one(id).await?.map(Contact::from))
    }

    /// The deal the visit works on.
    async fn opportunity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Opportunity>> {
        if let Some(prefetched) = &self.prefetched.opportunity {
            return Ok(prefetched.clone());
        }
        let Some(id) = self.model.opportunity_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<VisibleOpportunityLoader>()?;
        Ok(loader.load_one(id).await?.map(Opportunity::from))
    }

    /// The visit planned at check-out.
    async fn next_visit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<VisitTask>> {
        let Some(id) = self.model.next_visit_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<VisitLoader>()?;
        Ok(loader.load_one(id).await?.map(VisitTask::from))
    }
}

fn location(lat: Option<f64>, lng: Option<f64>) -> Option<Location> {
    match (lat, lng) {
        (Some(lat), Some(lng)) => Some(Location { lat, lng }),
        _ => None,
    }
}

impl From<visit_task::Model> for VisitTask {
    fn from(model: visit_task::Model) -> Self {
        let check_in = match (model.check_in_at, model.check_in_device_at) {
            (Some(at), Some(device_time)) => Some(VisitCheckIn {
                at: at.into(),
                device_time: device_time.into(),
                location: location(model.check_in_latitude, model.check_in_longitude)
                    .unwrap_or(Location { lat: 0.0, lng: 0.0 }),
                accuracy_meters: model.check_in_accuracy_m.unwrap_or(0.0),
                distance_meters: model.check_in_distance_m,
                on_site: model.check_in_on_site,
                verified: model.check_in_on_site.is_some(),
            }),
            _ => None,
        };
        let check_out = match (
            model.check_out_at,
            model.check_out_device_at,
            &model.summary,
        ) {
            (Some(at), Some(device_time), Some(summary)) => Some(VisitCheckOut {
                at: at.into(),
                device_time: device_time.into(),
                summary: summary.clone(),
                outcome: model
                    .outcome
                    .as_deref()
                    .and_then(VisitOutcome::parse)
                    .unwrap_or(VisitOutcome::Neutral),
                next_step: model.next_step.clone(),
                duration_minutes: model.duration_seconds.unwrap_or(0) as f64 / 60.0,
            }),
            _ => None,
        };
        Self {
            id: encode_id(NodeType::VisitTask, model.id),
            purpose: model.purpose.clone(),
            planned_start: model.planned_start.into(),
            planned_end: model.planned_end.into(),
            local_date: Date(model.local_date),
            address: model.address.clone(),
            location: location(model.latitude, model.longitude),
            status: VisitStatus::parse(&model.status).unwrap_or(VisitStatus::Planned),
            check_in,
            check_out,
            cancelled_at: model.cancelled_at.map(Into::into),
            cancel_reason: model.cancel_reason.clone(),
            missed_at: model.missed_at.map(Into::into),
            lead_id: model.lead_id.map(|id| encode_id(NodeType::Lead, id)),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
            prefetched: Box::default(),
        }
    }
}

crate::connection_types!(VisitTaskConnection, VisitTaskEdge, VisitTask, synced);
