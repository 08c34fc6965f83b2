//! Resolvers of the after-sales records.

use async_graphql::{Context, Object};

use super::rules::{self, RuleSpec};
use super::service::{self, Completion, NextAction, Rescheduling};
use super::types::{
    Callback, CallbackConnection, CallbackFilter, CallbackPayload, CallbackRule,
    CompleteCallbackInput, RescheduleCallbackInput, UpdateCallbackRulesInput,
};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::Date;
use crate::ids::{NodeType, decode_id, decode_optional};

#[derive(Default)]
pub struct AftersalesQuery;

#[Object]
impl AftersalesQuery {
    /// The callback rules: active ones first, in order.
    #[graphql(guard = "SignedIn")]
    async fn callback_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CallbackRule>> {
        ctx.viewer()?;
        Ok(rules::list(&ctx.app().db)
            .await?
            .into_iter()
            .map(CallbackRule::from)
            .collect())
    }

    /// The callbacks you may see (yours, and those of the contracts you see), soonest due
    /// first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus the filter
    async fn callbacks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only callbacks matching this filter.")] filter: Option<CallbackFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<CallbackConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = service::CallbackFilter {
            statuses: f.statuses,
            assignee_id: decode_optional(
                f.assignee_id.as_ref(),
                NodeType::User,
                "filter.assigneeId",
            )?,
            customer_id: decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            contract_id: decode_optional(
                f.contract_id.as_ref(),
                NodeType::Contract,
                "filter.contractId",
            )?,
            rule_id: decode_optional(f.rule_id.as_ref(), NodeType::CallbackRule, "filter.ruleId")?,
            due_from: f.due_from.map(|d| d.0),
            due_to: f.due_to.map(|d| d.0),
        };
        let page = service::list(&ctx.app().db, viewer, filter, &page).await?;
        Ok(CallbackConnection::from_page(page, Callback::from))
    }

    /// Your callbacks of a day (today in your time zone by default): those due that day and
    /// those still planned from before, oldest due first; at most 500.
    #[graphql(guard = "SignedIn")]
    async fn my_callbacks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day; today in your time zone when omitted.")] date: Option<Date>,
    ) -> async_graphql::Result<Vec<Callback>> {
        let viewer = ctx.viewer()?;
        let day = match date {
            Some(day) => day.0,
            None => crate::calendar::today(viewer.timezone, ctx.app().clock.now()),
        };
        Ok(service::mine(&ctx.app().db, viewer, day)
            .await?
            .into_iter()
            .map(Callback::from)
            .collect())
    }
}

#[derive(Default)]
pub struct AftersalesMutation;

#[Object]
impl AftersalesMutation {
    /// Records a callback as made, by its assignee: outcome, satisfaction (1–5), notes and an
    /// optional next activity. A satisfaction of 2 or less tells the account's owner and
    /// their manager and gives the owner a call to make.
    #[graphql(guard = "SignedIn")]
    async fn complete_callback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CompleteCallbackInput`.")]
        input: CompleteCallbackInput,
    ) -> async_graphql::Result<CallbackPayload> {
        let viewer = ctx.viewer()?;
        let completion = Completion {
            id: decode_id(&input.id, NodeType::Callback, "input.id")?,
            outcome: input.outcome,
            satisfaction: input.satisfaction,
            notes: input.notes,
            next_action: input.next_action.map(|next| NextAction {
                kind: next.kind,
                title: next.title,
                due_at: next.due_at.0,
            }),
        };
        let made = service::complete(ctx.app(), viewer, completion, input.idempotency_key).await?;
        Ok(CallbackPayload {
            callback: made.into(),
        })
    }

    /// Moves a planned or missed callback to another day (and maybe another person), by its
    /// assignee or an admin.
    #[graphql(guard = "SignedIn")]
    async fn reschedule_callback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RescheduleCallbackInput`.")]
        input: RescheduleCallbackInput,
    ) -> async_graphql::Result<CallbackPayload> {
        let viewer = ctx.viewer()?;
        let change = Rescheduling {
            id: decode_id(&input.id, NodeType::Callback, "input.id")?,
            expected_version: input.expected_version,
            due_date: input.due_date.0,
            assignee_id: decode_optional(
                input.assignee_id.as_ref(),
                NodeType::User,
                "input.assigneeId",
            )?,
        };
        let moved = service::reschedule(ctx.app(), viewer, change).await?;
        Ok(CallbackPayload {
            callback: moved.into(),
        })
    }

    /// Replaces the active callback rules (admins).
    #[graphql(guard = "ADMIN")]
    async fn update_callback_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateCallbackRulesInput`.")]
        input: UpdateCallbackRulesInput,
    ) -> async_graphql::Result<Vec<CallbackRule>> {
        let viewer = ctx.viewer()?;
        let specs = input
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                Ok(RuleSpec {
                    id: decode_optional(
                        r.id.as_ref(),
                        NodeType::CallbackRule,
                        &format!("input.rules.{i}.id"),
                    )?,
                    name: r.name,
                    offset_days: r.offset_days,
                    assign_to: r.assign_to,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let stored = rules::replace(ctx.app(), viewer, specs).await?;
        Ok(stored.into_iter().map(CallbackRule::from).collect())
    }
}
