//! Resolvers of tickets.

use async_graphql::{Context, ID, Object};

use super::service::{self, NewTicket, StatusChange};
use super::types::{
    AssignTicketInput, ChangeTicketStatusInput, CommentOnTicketInput, OpenTicketInput, Ticket,
    TicketCommentPayload, TicketConnection, TicketFilter, TicketPayload, TicketPriority,
    TicketSlaTarget, UpdateTicketSlaInput,
};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id, decode_optional};

fn targets(hours: std::collections::HashMap<String, i32>) -> Vec<TicketSlaTarget> {
    [
        TicketPriority::Urgent,
        TicketPriority::High,
        TicketPriority::Normal,
        TicketPriority::Low,
    ]
    .into_iter()
    .filter_map(|priority| {
        hours.get(priority.as_str()).map(|hours| TicketSlaTarget {
            priority,
            hours: *hours,
        })
    })
    .collect()
}

#[derive(Default)]
pub struct TicketQuery;

#[Object]
impl TicketQuery {
    /// The tickets you may see (those of the customers you see, and yours), newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus the filter
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tickets matching this filter.")] filter: Option<TicketFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<TicketConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = service::TicketFilter {
            statuses: f.statuses,
            priorities: f.priorities,
            categories: f.categories,
            customer_id: decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            assignee_id: decode_optional(
                f.assignee_id.as_ref(),
                NodeType::User,
                "filter.assigneeId",
            )?,
            unassigned: f.unassigned,
            breached: f.breached,
        };
        let page = service::list(&ctx.app().db, viewer, filter, &page).await?;
        Ok(TicketConnection::from_page(page, Ticket::from))
    }

    /// One ticket by id; `null` with a `NOT_FOUND` error when missing or not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket's id.")] id: ID,
    ) -> async_graphql::Result<Option<Ticket>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::Ticket, "id")?;
            Ok(service::get(&ctx.app().db, viewer, id).await?.into())
        })
        .await
    }

    /// The promised resolution time of each priority, most urgent first.
    #[graphql(guard = "SignedIn")]
    async fn ticket_sla(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TicketSlaTarget>> {
        ctx.viewer()?;
        Ok(targets(service::sla(&ctx.app().db).await?))
    }
}

#[derive(Default)]
pub struct TicketMutation;

#[Object]
impl TicketMutation {
    /// Opens a ticket on a customer you see (customer service, admins, and sellers for their
    /// customers); it is due within its priority's promised hours.
    #[graphql(guard = "SignedIn")]
    async fn open_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `OpenTicketInput`.")] input: OpenTicketInput,
    ) -> async_graphql::Result<TicketPayload> {
        let viewer = ctx.viewer()?;
        let new = NewTicket {
            customer_id: decode_id(&input.customer_id, NodeType::Customer, "input.customerId")?,
            contact_id: decode_optional(
                input.contact_id.as_ref(),
                NodeType::Contact,
                "input.contactId",
            )?,
            contract_id: decode_optional(
                input.contract_id.as_ref(),
                NodeType::Contract,
                "input.contractId",
            )?,
            subject: input.subject,
            description: input.description,
            category: input.category,
            priority: input.priority,
            assignee_id: decode_optional(
                input.assignee_id.as_ref(),
                NodeType::User,
                "input.assigneeId",
            )?,
        };
        let opened = service::open(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(TicketPayload {
            ticket: opened.into(),
        })
    }

    /// Gives a ticket to a member of customer service (customer service and admins).
    #[graphql(guard = "SignedIn")]
    async fn assign_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `AssignTicketInput`.")]
        input: AssignTicketInput,
    ) -> async_graphql::Result<TicketPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Ticket, "input.id")?;
        let assignee = decode_id(&input.assignee_id, NodeType::User, "input.assigneeId")?;
        let changed =
            service::assign(ctx.app(), viewer, id, input.expected_version, assignee).await?;
        Ok(TicketPayload {
            ticket: changed.into(),
        })
    }

    /// Comments on a ticket, for staff only or as what the customer was told.
    #[graphql(guard = "SignedIn")]
    async fn comment_on_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CommentOnTicketInput`.")]
        input: CommentOnTicketInput,
    ) -> async_graphql::Result<TicketCommentPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.ticket_id, NodeType::Ticket, "input.ticketId")?;
        let written =
            service::comment(ctx.app(), viewer, id, &input.body, input.visibility).await?;
        Ok(TicketCommentPayload {
            comment: written.into(),
        })
    }

    /// Moves a ticket through its states (customer service and admins); `OPEN` reopens a
    /// resolved or closed one.
    #[graphql(guard = "SignedIn")]
    async fn change_ticket_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ChangeTicketStatusInput`.")]
        input: ChangeTicketStatusInput,
    ) -> async_graphql::Result<TicketPayload> {
        let viewer = ctx.viewer()?;
        let change = StatusChange {
            id: decode_id(&input.id, NodeType::Ticket, "input.id")?,
            expected_version: input.expected_version,
            status: input.status,
            note: input.note,
            satisfaction: input.satisfaction,
        };
        let changed = service::change_status(ctx.app(), viewer, change).await?;
        Ok(TicketPayload {
            ticket: changed.into(),
        })
    }

    /// Sets the promised resolution hours of priorities (admins).
    #[graphql(guard = "ADMIN")]
    async fn update_ticket_sla(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateTicketSlaInput`.")]
        input: UpdateTicketSlaInput,
    ) -> async_graphql::Result<Vec<TicketSlaTarget>> {
        let viewer = ctx.viewer()?;
        let hours = input
            .targets
            .into_iter()
            .map(|t| (t.priority, t.hours))
            .collect();
        Ok(targets(service::set_sla(ctx.app(), viewer, hours).await?))
    }
}
