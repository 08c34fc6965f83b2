use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Serializable so an idempotent call can keep the task exactly as it answered with it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "visit_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assignee_id: Uuid,
    pub created_by: Uuid,
    pub customer_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    /// An open lead the visit works on; checking out counts as its follow-up.
    pub lead_id: Option<Uuid>,
    pub purpose: String,
    pub planned_start: DateTimeUtc,
    pub planned_end: DateTimeUtc,
    /// The assignee's local day of `planned_start`, fixed when planned or rescheduled.
    pub local_date: Date,
    /// When that local day ends: a task still `PLANNED` then is `MISSED`.
    pub day_ends_at: DateTimeUtc,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// `PLANNED`, `IN_PROGRESS`, `COMPLETED`, `CANCELLED` or `MISSED`.
    pub status: String,
    /// Server time of the check-in.
    pub check_in_at: Option<DateTimeUtc>,
    /// The device's time of the check-in.
    pub check_in_device_at: Option<DateTimeUtc>,
    pub check_in_latitude: Option<f64>,
    pub check_in_longitude: Option<f64>,
    pub check_in_accuracy_m: Option<f64>,
    /// Great-circle distance to the visit location; null when that location is unknown.
    pub check_in_distance_m: Option<f64>,
    /// Null when the check-in could not be verified (no visit location).
    pub check_in_on_site: Option<bool>,
    pub check_out_at: Option<DateTimeUtc>,
    pub check_out_device_at: Option<DateTimeUtc>,
    pub summary: Option<String>,
    /// `POSITIVE`, `NEUTRAL`, `NEGATIVE` or `NO_SHOW`.
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    /// The visit planned at check-out.
    pub next_visit_id: Option<Uuid>,
    /// Device time from check-in to check-out.
    pub duration_seconds: Option<i64>,
    /// The follow-up logged at check-out.
    pub follow_up_id: Option<Uuid>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    pub missed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
