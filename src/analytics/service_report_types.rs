//! GraphQL shapes of the service report.

use async_graphql::{ComplexObject, Context, Enum, InputObject, SimpleObject};

use super::service_report::{CallbackFigures, Grouping, TicketFigures};
use crate::aftersales::types::CallbackRule;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::users::types::User;

/// What `serviceReport` groups tickets by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ServiceGroupBy {
    /// Who worked them (a group without one for the unassigned).
    Assignee,
    /// What they were about.
    Category,
    /// How urgent they were.
    Priority,
    /// The customer's grade (a group without one for customers not graded).
    CustomerGrade,
}

impl From<ServiceGroupBy> for Grouping {
    fn from(value: ServiceGroupBy) -> Self {
        match value {
            ServiceGroupBy::Assignee => Self::Assignee,
            ServiceGroupBy::Category => Self::Category,
            ServiceGroupBy::Priority => Self::Priority,
            ServiceGroupBy::CustomerGrade => Self::CustomerGrade,
        }
    }
}

/// Input of `serviceReport`.
#[derive(InputObject, Debug)]
pub struct ServiceReportInput {
    /// The first day (the company's), included.
    pub from: Date,
    /// The last day, included; at most 366 days after `from`.
    pub to: Date,
    /// What to group tickets by.
    pub group_by: ServiceGroupBy,
}

/// How tickets were handled in the span.
#[derive(SimpleObject, Clone, Debug)]
pub struct ServiceTicketFigures {
    /// Tickets opened in the span.
    pub opened: i64,
    /// Tickets resolved in the span.
    pub resolved: i64,
    /// Median hours from opening to resolution, of those resolved in the span.
    pub median_resolution_hours: Option<f64>,
    /// 90th percentile (nearest rank) of the same hours.
    pub p90_resolution_hours: Option<f64>,
    /// Tickets escalated in the span for running past their promised time.
    pub sla_breaches: i64,
    /// Average satisfaction (1–5) of those resolved in the span that carry one.
    pub average_satisfaction: Option<f64>,
}

impl From<TicketFigures> for ServiceTicketFigures {
    fn from(f: TicketFigures) -> Self {
        Self {
            opened: f.opened,
            resolved: f.resolved,
            median_resolution_hours: f.median_resolution_hours,
            p90_resolution_hours: f.p90_resolution_hours,
            sla_breaches: f.sla_breaches,
            average_satisfaction: f.average_satisfaction,
        }
    }
}

/// One group of the service report.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct ServiceReportGroup {
    /// The category, priority or grade; the assignee's id; none for tickets without one.
    pub key: Option<String>,
    /// Its figures.
    pub tickets: ServiceTicketFigures,
    #[graphql(skip)]
    pub assignee_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl ServiceReportGroup {
    /// The assignee (grouped by assignee).
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.assignee_id {
            Some(id) => crate::users::loaders::user(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// How one rule's callbacks due in the span went.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct CallbackRuleFigures {
    /// Callbacks due in the span (cancelled ones left out).
    pub due: i64,
    /// Of those, made.
    pub done: i64,
    /// Of those, missed.
    pub missed: i64,
    /// `done / due`.
    pub completion_rate: Option<f64>,
    /// Average satisfaction (1–5) of those made that carry one.
    pub average_satisfaction: Option<f64>,
    #[graphql(skip)]
    pub rule_id: uuid::Uuid,
}

#[ComplexObject]
impl CallbackRuleFigures {
    /// The rule.
    async fn rule(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CallbackRule>> {
        let loader = ctx.loader::<crate::aftersales::loaders::CallbackRuleLoader>()?;
        Ok(loader.load_one(self.rule_id).await?.map(CallbackRule::from))
    }
}

impl From<CallbackFigures> for CallbackRuleFigures {
    fn from(f: CallbackFigures) -> Self {
        Self {
            due: f.due,
            done: f.done,
            missed: f.missed,
            completion_rate: (f.due > 0).then(|| f.done as f64 / f.due as f64),
            average_satisfaction: f.average_satisfaction,
            rule_id: f.rule_id,
        }
    }
}

/// Tickets and callbacks of a span of days, over what you may see.
#[derive(SimpleObject, Clone, Debug)]
pub struct ServiceReport {
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
    /// The groups, by key.
    pub groups: Vec<ServiceReportGroup>,
    /// All groups together.
    pub total: ServiceTicketFigures,
    /// Callbacks by rule.
    pub callbacks: Vec<CallbackRuleFigures>,
}

/// The key a group shows: the assignee's global id, else the stored value.
pub fn group_of(
    grouping: ServiceGroupBy,
    key: Option<String>,
    figures: TicketFigures,
) -> ServiceReportGroup {
    let assignee_id = match grouping {
        ServiceGroupBy::Assignee => key.as_deref().and_then(|k| uuid::Uuid::parse_str(k).ok()),
        _ => None,
    };
    let key = match assignee_id {
        Some(id) => Some(crate::ids::encode_id(crate::ids::NodeType::User, id).to_string()),
        None => key,
    };
    ServiceReportGroup {
        key,
        tickets: figures.into(),
        assignee_id,
    }
}
