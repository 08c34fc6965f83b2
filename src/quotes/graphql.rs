//! Resolvers of quotes: who may see a deal reads its quotes; who may change it drafts, edits,
//! submits and moves them on.

use async_graphql::{Context, ID, Object};

use super::service::{self, NewQuote, QuoteChanges, Step};
use super::types::{
    CreateQuoteInput, Quote, QuoteConnection, QuoteFilter, QuotePayload, QuoteSettings,
    QuoteStepInput, RejectQuoteInput, SubmitQuotePayload, UpdateQuoteInput,
    UpdateQuoteSettingsInput,
};
use crate::graphql::conflict::or_current;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id, decode_optional};
use crate::opportunities::line_item_types::item_specs;
use crate::products::types::basis_points;

fn quote_id(id: &ID) -> crate::error::AppResult<uuid::Uuid> {
    decode_id(id, NodeType::Quote, "input.id")
}

#[derive(Default)]
pub struct QuoteQuery;

#[Object]
impl QuoteQuery {
    /// The quotes of the deals you may see, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus the filter
    async fn quotes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only quotes matching this filter.")] filter: Option<QuoteFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<QuoteConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = service::QuoteFilter {
            opportunity_id: decode_optional(
                f.opportunity_id.as_ref(),
                NodeType::Opportunity,
                "filter.opportunityId",
            )?,
            customer_id: decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            statuses: f.statuses,
        };
        let page = service::list_quotes(&ctx.app().db, viewer, filter, &page).await?;
        Ok(QuoteConnection::from_page(page, Quote::from))
    }

    /// One quote by id; `null` with a `NOT_FOUND` error when missing or not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The quote's id.")] id: ID,
    ) -> async_graphql::Result<Option<Quote>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::Quote, "id")?;
            Ok(service::get_quote(&ctx.app().db, viewer, id).await?.into())
        })
        .await
    }

    /// The quote settings (everyone may read them).
    #[graphql(guard = "SignedIn")]
    async fn quote_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<QuoteSettings> {
        let bp = super::settings::total_threshold(&ctx.app().db).await?;
        Ok(QuoteSettings::of(bp))
    }
}

#[derive(Default)]
pub struct QuoteMutation;

#[Object]
impl QuoteMutation {
    /// Draws a draft quote from an open deal's line items (whoever may change the deal).
    #[graphql(guard = "SignedIn")]
    async fn create_quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateQuoteInput`.")] input: CreateQuoteInput,
    ) -> async_graphql::Result<QuotePayload> {
        let viewer = ctx.viewer()?;
        let new = NewQuote {
            opportunity_id: decode_id(
                &input.opportunity_id,
                NodeType::Opportunity,
                "input.opportunityId",
            )?,
            valid_until: input.valid_until.map(|d| d.0),
            tax_rate_basis_points: input
                .tax_rate
                .map(|t| basis_points(t, "input.taxRate"))
                .transpose()?,
            terms: input.terms,
        };
        let quote = service::create_quote(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(quote.into())
    }

    /// Edits a draft quote: validity, tax, terms, price book and lines.
    #[graphql(guard = "SignedIn")]
    async fn update_quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateQuoteInput`.")] input: UpdateQuoteInput,
    ) -> async_graphql::Result<QuotePayload> {
        let viewer = ctx.viewer()?;
        let id = quote_id(&input.id)?;
        if input.items.as_ref().is_some_and(|i| i.len() > 200) {
            return Err(crate::error::AppError::bad_input(
                "input.items",
                "A quote has at most 200 lines",
            )
            .into());
        }
        let changes = QuoteChanges {
            valid_until: input.valid_until.map(|d| d.0),
            tax_rate_basis_points: input
                .tax_rate
                .map(|t| basis_points(t, "input.taxRate"))
                .transpose()?,
            terms: input.terms,
            price_book_id: decode_optional(
                input.price_book_id.as_ref(),
                NodeType::PriceBook,
                "input.priceBookId",
            )?,
            items: input.items.as_deref().map(item_specs).transpose()?,
        };
        let changed = service::update_quote(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            changes,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            service::get_quote(&ctx.app().db, viewer, id).await
        })
        .await
    }

    /// Submits a draft quote: approved at once unless a discount needs approval, then
    /// pending until the approvers decide.
    #[graphql(guard = "SignedIn")]
    async fn submit_quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `QuoteStepInput`.")] input: QuoteStepInput,
    ) -> async_graphql::Result<SubmitQuotePayload> {
        let viewer = ctx.viewer()?;
        let id = quote_id(&input.id)?;
        let (quote, request) = crate::flows::quote_submission::submit_quote(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            input.idempotency_key,
        )
        .await
        .map_err(|e| e.naming("input.id"))?;
        Ok(SubmitQuotePayload {
            quote: quote.into(),
            request: request.map(Into::into),
        })
    }

    /// Marks an approved quote sent to the customer.
    #[graphql(guard = "SignedIn")]
    async fn mark_quote_sent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `QuoteStepInput`.")] input: QuoteStepInput,
    ) -> async_graphql::Result<QuotePayload> {
        step(
            ctx,
            &input.id,
            input.expected_version,
            Step::Send,
            input.idempotency_key,
        )
        .await
    }

    /// Records that the customer accepted an approved or sent quote still valid; one quote of
    /// a deal is accepted at a time.
    #[graphql(guard = "SignedIn")]
    async fn accept_quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `QuoteStepInput`.")] input: QuoteStepInput,
    ) -> async_graphql::Result<QuotePayload> {
        step(
            ctx,
            &input.id,
            input.expected_version,
            Step::Accept,
            input.idempotency_key,
        )
        .await
    }

    /// Records that the customer turned an approved or sent quote down, and why.
    #[graphql(guard = "SignedIn")]
    async fn reject_quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RejectQuoteInput`.")] input: RejectQuoteInput,
    ) -> async_graphql::Result<QuotePayload> {
        let reason = Step::Reject(input.reason);
        step(
            ctx,
            &input.id,
            input.expected_version,
            reason,
            input.idempotency_key,
        )
        .await
    }

    /// Sets the total discount a quote gets without approval (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_quote_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateQuoteSettingsInput`.")]
        input: UpdateQuoteSettingsInput,
    ) -> async_graphql::Result<QuoteSettings> {
        let viewer = ctx.viewer()?;
        let bp = basis_points(
            input.max_total_discount_percent,
            "input.maxTotalDiscountPercent",
        )?;
        let stored = super::settings::set_total_threshold(ctx.app(), viewer, bp).await?;
        Ok(QuoteSettings::of(stored))
    }
}

/// Moves the quote `id` through `step`, answering its current state with a `CONFLICT`.
async fn step(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
    step: Step,
    idempotency_key: Option<String>,
) -> async_graphql::Result<QuotePayload> {
    let viewer = ctx.viewer()?;
    let id = quote_id(id)?;
    let changed = service::advance(
        ctx.app(),
        viewer,
        id,
        expected_version,
        step,
        idempotency_key,
    )
    .await;
    or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
        service::get_quote(&ctx.app().db, viewer, id).await
    })
    .await
}
