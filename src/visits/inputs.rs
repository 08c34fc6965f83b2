//! GraphQL inputs and payloads of the visit mutations, and the filter of visit lists.

use crate::graphql::scalars::Instant;
use async_graphql::{ID, InputObject, SimpleObject};

use super::types::{VisitOutcome, VisitStatus, VisitTask};
use crate::customers::types::LocationInput;

/// Filters for `visitTasks`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct VisitTaskFilter {
    /// Only tasks of this rep (within what you may see).
    pub assignee_id: Option<ID>,
    /// Only visits to this customer.
    pub customer_id: Option<ID>,
    /// Only visits working on this deal.
    pub opportunity_id: Option<ID>,
    /// Only tasks in these states.
    pub statuses: Option<Vec<VisitStatus>>,
    /// Only tasks planned to start at or after this time.
    pub planned_from: Option<Instant>,
    /// Only tasks planned to start before this time.
    pub planned_to: Option<Instant>,
    /// Only tasks changed at or after this time, cancelled and missed ones included, and those
    /// whose customer's visibility to you changed (incremental sync: pass the `serverTime` of the
    /// previous sync; see `removedIds`).
    pub updated_since: Option<Instant>,
}

/// A visit to plan.
#[derive(InputObject, Debug)]
pub struct PlanVisitInput {
    /// The customer to visit (one the assignee may see).
    pub customer_id: ID,
    /// The person to meet, working for that customer.
    pub contact_id: Option<ID>,
    /// The deal the visit works on, with that customer.
    pub opportunity_id: Option<ID>,
    /// An open lead of the assignee the visit works on; checking out renews it.
    pub lead_id: Option<ID>,
    /// The rep who goes (managers: a rep of their teams); yourself when omitted.
    pub assignee_id: Option<ID>,
    /// Why the rep goes (1–500 characters).
    pub purpose: String,
    /// Planned start.
    pub planned_start: Instant,
    /// Planned end, after the start and within 24 hours of it.
    pub planned_end: Instant,
    /// Where to go; the customer's address when omitted.
    pub address: Option<String>,
    /// Where to check in; the customer's location when omitted.
    pub location: Option<LocationInput>,
    /// A UUIDv7 your app generated for the new task (within the last 30 days): the task
    /// gets it as its UUID, and any id argument accepts it before you learn the task's id (so a
    /// task made offline needs no id mapping). Retrying with it and the same input answers
    /// once; a client id another record holds answers `DUPLICATE`.
    pub client_id: Option<ID>,
    /// Retry key: the same key and input return the first result without a second task.
    pub idempotency_key: Option<String>,
}

/// A new time for a planned visit.
#[derive(InputObject, Debug)]
pub struct RescheduleVisitInput {
    /// The task.
    pub id: ID,
    /// New planned start.
    pub planned_start: Instant,
    /// New planned end.
    pub planned_end: Instant,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// Retry key: a retried reschedule applies once.
    pub idempotency_key: Option<String>,
}

/// A planned visit to call off.
#[derive(InputObject, Debug)]
pub struct CancelVisitInput {
    /// The task.
    pub id: ID,
    /// Why.
    pub reason: Option<String>,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// Retry key: a retried cancellation applies once.
    pub idempotency_key: Option<String>,
}

/// Where the device is, and how sure it is.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct DeviceLocationInput {
    /// Latitude in degrees, -90 to 90.
    pub lat: f64,
    /// Longitude in degrees, -180 to 180.
    pub lng: f64,
    /// The fix's accuracy radius in metres (0–100000).
    pub accuracy_meters: f64,
}

/// A check-in on site.
#[derive(InputObject, Debug)]
pub struct CheckInVisitInput {
    /// The task (yours, planned).
    pub id: ID,
    /// The device's position.
    pub location: DeviceLocationInput,
    /// The device's clock when the rep tapped check-in (may lag while offline, within limits).
    pub device_time: Instant,
    /// The `version` the phone knows; a newer one answers `CONFLICT`. Optional: the state
    /// machine alone keeps a check-in from applying twice.
    pub expected_version: Option<i32>,
    /// Photos of this visit (uploaded with `uploadAttachment` on the visit, kind `PHOTO`, at
    /// most 10) given as on-site proof; required when `SALESGRAPH_VISIT_REQUIRE_PHOTO` is on.
    #[graphql(default)]
    pub photo_ids: Vec<ID>,
    /// Retry key: a replay, even hours later, returns the first check-in.
    pub idempotency_key: Option<String>,
}

/// A check-out with the visit's report.
#[derive(InputObject, Debug)]
pub struct CheckOutVisitInput {
    /// The task (yours, checked in).
    pub id: ID,
    /// What happened (1–5000 characters); logged as a follow-up on the customer.
    pub summary: String,
    /// How it went.
    pub outcome: VisitOutcome,
    /// What comes next (at most 1000 characters).
    pub next_step: Option<String>,
    /// When to come back: plans the next visit (in the future).
    pub next_visit_at: Option<Instant>,
    /// The device's clock when the rep tapped check-out; the server's time when omitted.
    pub device_time: Option<Instant>,
    /// The `version` the phone knows; a newer one answers `CONFLICT`.
    pub expected_version: Option<i32>,
    /// Retry key: a replay returns the first check-out without a second follow-up.
    pub idempotency_key: Option<String>,
}

/// Result of `planVisit`.
#[derive(SimpleObject, Debug)]
pub struct PlanVisitPayload {
    /// The planned task.
    pub visit: VisitTask,
}

/// Result of `rescheduleVisit`.
#[derive(SimpleObject, Debug)]
pub struct RescheduleVisitPayload {
    /// The task at its new time.
    pub visit: VisitTask,
}

/// Result of `cancelVisit`.
#[derive(SimpleObject, Debug)]
pub struct CancelVisitPayload {
    /// The cancelled task.
    pub visit: VisitTask,
}

/// Result of `checkInVisit`.
#[derive(SimpleObject, Debug)]
pub struct CheckInVisitPayload {
    /// The task, now in progress, with its check-in.
    pub visit: VisitTask,
}

/// Result of `checkOutVisit`.
#[derive(SimpleObject, Debug)]
pub struct CheckOutVisitPayload {
    /// The completed task (its `nextVisit` is the one planned now, if any).
    pub visit: VisitTask,
}

crate::payload_from_model! {
    RescheduleVisitPayload { visit } <- entity::visit_task::Model;
    CancelVisitPayload { visit } <- entity::visit_task::Model;
    CheckInVisitPayload { visit } <- entity::visit_task::Model;
    CheckOutVisitPayload { visit } <- entity::visit_task::Model;
}

crate::order_input!(
    /// How to order a visit task list.
    VisitOrder,
    super::service::VisitOrderField
);
