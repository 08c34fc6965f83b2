//! Resolvers for the notification feed.

use crate::graphql::scalars::Instant;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};

use super::service;
use crate::events::EventKind;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id, encode_id};
use entity::notification;

crate::string_enum! {
    /// Why a notification was sent.
    NotificationKind {
        /// A lead was assigned to you.
        LeadAssigned => "LEAD_ASSIGNED",
        /// One of your leads went back to the pool for lack of follow-up.
        LeadReturnedToPool => "LEAD_RETURNED_TO_POOL",
        /// A deal of your team was won.
        OpportunityWon => "OPPORTUNITY_WON",
        /// A deal of your team was lost.
        OpportunityLost => "OPPORTUNITY_LOST",
        /// A deal sits in its stage longer than the pipeline allows.
        OpportunityStale => "OPPORTUNITY_STALE",
        /// A visit of your team was neither made nor cancelled on its day.
        VisitMissed => "VISIT_MISSED",
        /// An approval request awaits your decision.
        ApprovalRequested => "APPROVAL_REQUESTED",
        /// A step of your approval request was approved.
        ApprovalStepApproved => "APPROVAL_STEP_APPROVED",
        /// Your approval request was approved.
        ApprovalApproved => "APPROVAL_APPROVED",
        /// Your approval request was rejected.
        ApprovalRejected => "APPROVAL_REJECTED",
        /// An approval request awaiting you was withdrawn.
        ApprovalWithdrawn => "APPROVAL_WITHDRAWN",
        /// An installment of your contract (or one finance collects) falls due today.
        InstallmentDue => "INSTALLMENT_DUE",
        /// An installment is past due.
        InstallmentOverdue => "INSTALLMENT_OVERDUE",
        /// A delivery was recorded against an order of your contract.
        DeliveryRecorded => "DELIVERY_RECORDED",
        /// An order of your (or your team's) contract is late for delivery.
        DeliveryLate => "DELIVERY_LATE",
        /// A refund you asked for was paid out.
        RefundPaid => "REFUND_PAID",
        /// Records were handed from one person to another (you gave, received, or manage).
        OwnershipTransferred => "OWNERSHIP_TRANSFERRED",
        /// An installment falls due in a few days (`SALESGRAPH_OVERDUE_REMINDER_DAYS` below 0).
        InstallmentDueSoon => "INSTALLMENT_DUE_SOON",
        /// One of your activities is coming up (its reminder time).
        ActivityReminder => "ACTIVITY_REMINDER",
        /// One of your activities is past its due time and not done.
        ActivityOverdue => "ACTIVITY_OVERDUE",
        /// A customer callback of yours is past its day and not made.
        CallbackOverdue => "CALLBACK_OVERDUE",
        /// A customer gave a satisfaction of 2 or less on an after-sales callback of your (or
        /// your team's) contract.
        LowSatisfaction => "LOW_SATISFACTION",
        /// A ticket was given to you.
        TicketAssigned => "TICKET_ASSIGNED",
        /// A ticket ran past its promised time unresolved (you lead its assignee, or own its
        /// customer).
        TicketEscalated => "TICKET_ESCALATED",
        /// The grade of a customer of yours changed: its health moved it, or a manager pinned
        /// it.
        CustomerGradeChanged => "CUSTOMER_GRADE_CHANGED",
        /// Your daily report is still missing after the hour it is due.
        DailyReportMissing => "DAILY_REPORT_MISSING",
        /// Your weekly report is still missing on Friday after the hour it is due.
        WeeklyReportMissing => "WEEKLY_REPORT_MISSING",
        /// Someone commented on a work report of yours, or answered on one you commented on.
        ReportCommented => "REPORT_COMMENTED",
        /// A webhook endpoint was disabled after failing for too long (admins).
        WebhookDisabled => "WEBHOOK_DISABLED",
    }
}

/// A message for one user.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Notification {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Why it was sent.
    pub kind: Option<NotificationKind>,
    /// One-line summary.
    pub title: String,
    /// Details.
    pub body: String,
    /// The id of the record it is about.
    #[graphql(deprecation = "Use `subject`.")]
    pub subject_id: Option<ID>,
    /// When it was read; null while unread.
    pub read_at: Option<Instant>,
    /// When it was sent.
    pub created_at: Instant,
    /// When it last changed (it was read).
    pub updated_at: Instant,
    /// Raised by every change.
    pub version: i32,
    #[graphql(skip)]
    pub subject: Option<(NodeType, uuid::Uuid)>,
}

/// What a notification is about.
#[derive(async_graphql::Union)]
pub enum NotificationSubject {
    /// A lead.
    Lead(Box<crate::leads::types::Lead>),
    /// A customer.
    Customer(Box<crate::customers::types::Customer>),
    /// A deal.
    Opportunity(Box<crate::opportunities::types::Opportunity>),
    /// A visit task.
    VisitTask(Box<crate::visits::types::VisitTask>),
    /// An approval request.
    ApprovalRequest(Box<crate::approvals::types::ApprovalRequest>),
    /// A contract.
    Contract(Box<crate::contracts::types::Contract>),
    /// An activity.
    Activity(Box<crate::activities::types::Activity>),
    /// A work report.
    WorkReport(Box<crate::work_reports::types::WorkReport>),
    /// An after-sales callback.
    Callback(Box<crate::aftersales::types::Callback>),
    /// A service ticket.
    Ticket(Box<crate::tickets::types::Ticket>),
}

#[async_graphql::ComplexObject]
impl Notification {
    /// The record it is about; null when none, or no longer visible to you.
    async fn subject(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<NotificationSubject>> {
        use crate::graphql::context::ContextExt;
        let Some((kind, id)) = self.subject else {
            return Ok(None);
        };
        Ok(match kind {
            NodeType::Lead => crate::leads::loaders::lead(ctx, id)
                .await?
                .map(|found| NotificationSubject::Lead(Box::new(found))),
            NodeType::Customer => crate::customers::loaders::customer(ctx, id)
                .await?
                .map(|found| NotificationSubject::Customer(Box::new(found))),
            NodeType::Opportunity => ctx
                .loader::<crate::opportunities::loaders::VisibleOpportunityLoader>()?
                .load_one(id)
                .await?
                .map(|deal| NotificationSubject::Opportunity(Box::new(deal.into()))),
            NodeType::VisitTask => ctx
                .loader::<crate::visits::loaders::VisitLoader>()?
                .load_one(id)
                .await?
                .map(|visit| NotificationSubject::VisitTask(Box::new(visit.into()))),
            NodeType::ApprovalRequest => ctx
                .loader::<crate::approvals::loaders::RequestLoader>()?
                .load_one(id)
                .await?
                .map(|request| NotificationSubject::ApprovalRequest(Box::new(request.into()))),
            NodeType::Contract => ctx
                .loader::<crate::contracts::loaders::ContractLoader>()?
                .load_one(id)
                .await?
                .map(|contract| NotificationSubject::Contract(Box::new(contract.into()))),
            NodeType::Ticket => ctx
                .loader::<crate::tickets::loaders::TicketLoader>()?
                .load_one(id)
                .await?
                .map(|ticket| NotificationSubject::Ticket(Box::new(ticket.into()))),
            NodeType::Callback => ctx
                .loader::<crate::aftersales::loaders::CallbackLoader>()?
                .load_one(id)
                .await?
                .map(|callback| NotificationSubject::Callback(Box::new(callback.into()))),
            NodeType::Activity => ctx
                .loader::<crate::activities::loaders::ActivityLoader>()?
                .load_one(id)
                .await?
                .map(|activity| NotificationSubject::Activity(Box::new(activity.into()))),
            NodeType::WorkReport => {
                let viewer = ctx.viewer()?;
                crate::work_reports::service::get(&ctx.app().db, viewer, id)
                    .await?
                    .map(|report| {
                        NotificationSubject::WorkReport(Box::new(
                            crate::work_reports::service::Report::Stored(report).into(),
                        ))
                    })
            }
            _ => None,
        })
    }
}

impl From<notification::Model> for Notification {
    fn from(model: notification::Model) -> Self {
        let subject_kind = match model.subject_type.as_deref() {
            Some("Lead") => Some(NodeType::Lead),
            Some("Customer") => Some(NodeType::Customer),
            Some("Opportunity") => Some(NodeType::Opportunity),
            Some("VisitTask") => Some(NodeType::VisitTask),
            Some("ApprovalRequest") => Some(NodeType::ApprovalRequest),
            Some("Contract") => Some(NodeType::Contract),
            Some("Activity") => Some(NodeType::Activity),
            Some("WorkReport") => Some(NodeType::WorkReport),
            Some("Callback") => Some(NodeType::Callback),
            Some("Ticket") => Some(NodeType::Ticket),
            Some("Webhook") => Some(NodeType::Webhook),
            _ => None,
        };
        Self {
            id: encode_id(NodeType::Notification, model.id),
            kind: NotificationKind::parse(&model.kind),
            title: model.title,
            body: model.body,
            subject_id: subject_kind
                .zip(model.subject_id)
                .map(|(kind, id)| encode_id(kind, id)),
            subject: subject_kind.zip(model.subject_id),
            read_at: model.read_at.map(Into::into),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
        }
    }
}

crate::connection_types!(NotificationConnection, NotificationEdge, Notification);

/// Which notifications to mark read.
#[derive(InputObject, Debug)]
pub struct MarkNotificationsReadInput {
    /// These notifications; omit to mark every unread one.
    pub ids: Option<Vec<ID>>,
}

/// Result of `markNotificationsRead`.
#[derive(SimpleObject, Debug)]
pub struct MarkNotificationsReadPayload {
    /// How many notifications changed from unread to read.
    pub marked: u64,
}

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// Your notifications, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only unread ones.", default = false)] unread_only: bool,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<NotificationConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let page = service::list(&ctx.app().db, viewer, unread_only, &page).await?;
        Ok(NotificationConnection::from_page(page, Notification::from))
    }
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks your notifications read.
    #[graphql(guard = "SignedIn")]
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `MarkNotificationsReadInput`.")]
        input: MarkNotificationsReadInput,
    ) -> async_graphql::Result<MarkNotificationsReadPayload> {
        let viewer = ctx.viewer()?;
        let ids = input
            .ids
            .map(|ids| {
                ids.iter()
                    .map(|id| decode_id(id, NodeType::Notification, "input.ids"))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let app = ctx.app();
        let marked = service::mark_read(&app.db, viewer, ids, app.clock.now()).await?;
        Ok(MarkNotificationsReadPayload { marked })
    }
}

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// Your notifications as they are sent.
    #[graphql(guard = "SignedIn")]
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Notification>>> {
        let viewer = ctx.viewer()?.clone();
        let app = ctx.app().clone();
        let me = viewer.user_id;
        Ok(app
            .events
            .subscribe()
            .filter(move |event| {
                let mine =
                    event.kind == EventKind::NotificationCreated && event.audience == Some(me);
                async move { mine }
            })
            .then(move |event| {
                let app = app.clone();
                let viewer = viewer.clone();
                async move {
                    Ok(service::get(&app.db, &viewer, event.subject_id)
                        .await?
                        .into())
                }
            }))
    }
}
