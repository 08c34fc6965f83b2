//! GraphQL types of quotes.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use super::loaders::LinesByQuote;
use super::model::QuoteStatus;
use crate::approvals::loaders::LatestRequestBySubject;
use crate::approvals::types::ApprovalRequest;
use crate::customers::types::Customer;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::opportunities::line_item_types::{Margin, OpportunityLineItemInput};
use crate::opportunities::loaders::VisibleOpportunityLoader;
use crate::opportunities::types::Opportunity;
use crate::products::loaders::{PriceBookLoader, ProductLoader};
use crate::products::price_book_types::PriceBook;
use crate::products::types::Product;
use crate::users::types::User;
use entity::{quote, quote_line_item};

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

fn percent(basis_points: i32) -> Decimal {
    Decimal(rust_decimal::Decimal::new(i64::from(basis_points), 2).normalize())
}

/// A priced offer to a customer, drawn from a deal's line items.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Quote {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// `Q-<year>-<six digits>`, gapless within the year.
    pub number: String,
    /// Where it stands.
    pub status: QuoteStatus,
    /// The last day the customer may accept it.
    pub valid_until: Date,
    /// Σ quantity × unit price of the lines (each rounded half-up to the cent), before
    /// discounts.
    pub subtotal: Decimal,
    /// Subtotal less the sum of the line amounts.
    pub discount_total: Decimal,
    /// Subtotal less discounts: what a contract made from it is worth.
    pub amount: Decimal,
    /// Tax rate in percent.
    pub tax_rate: Decimal,
    /// `amount` × tax rate, rounded half-up to the cent.
    pub tax_amount: Decimal,
    /// `amount` + tax.
    pub total: Decimal,
    /// Terms offered.
    pub terms: String,
    /// Why the customer turned it down.
    pub rejection_reason: Option<String>,
    /// When it was marked sent.
    pub sent_at: Option<Instant>,
    /// When it was accepted.
    pub accepted_at: Option<Instant>,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    /// When it was created.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    #[graphql(skip)]
    pub model: quote::Model,
}

#[ComplexObject]
impl Quote {
    /// The deal it was drawn from.
    async fn opportunity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Opportunity>> {
        let loader = ctx.loader::<VisibleOpportunityLoader>()?;
        Ok(loader
            .load_one(self.model.opportunity_id)
            .await?
            .map(Opportunity::from))
    }

    /// The customer it is offered to.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }

    /// The price book its lines are priced from.
    async fn price_book(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PriceBook>> {
        let loader = ctx.loader::<PriceBookLoader>()?;
        Ok(loader
            .load_one(self.model.price_book_id)
            .await?
            .map(PriceBook::from))
    }

    /// Who drew it up.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.created_by).await
    }

    /// The products offered, in order.
    async fn line_items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<QuoteLineItem>> {
        let lines = ctx
            .loader::<LinesByQuote>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(lines.into_iter().map(QuoteLineItem::from).collect())
    }

    /// A link to the quote's PDF for the customer at this version, valid for a few minutes
    /// (`SALESGRAPH_DOCUMENT_LINK_TTL_SECS`) and only for you: a path on this server to open
    /// without a token. `GET /documents/quotes/{id}.pdf` with a bearer token works too.
    async fn pdf_url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let link = super::document::signed_link(ctx.app(), ctx.viewer()?, &self.model).await?;
        Ok(link)
    }

    /// The latest discount approval request (pending, or how the last one ended); null when
    /// none was needed.
    async fn approval(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApprovalRequest>> {
        let loader = ctx.loader::<LatestRequestBySubject>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .map(ApprovalRequest::from))
    }

    /// The margin of its lines at the unit costs of the time of quoting; null with a line of
    /// unknown cost, and unless you are an admin, a manager or finance.
    async fn margin(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Margin>> {
        if !crate::policy::can_see_cost(ctx.viewer()?) {
            return Ok(None);
        }
        let lines = ctx
            .loader::<LinesByQuote>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default();
        let cost = lines.iter().try_fold(Money::ZERO, |sum, line| {
            let cost = crate::products::pricing::line_cost(
                line.quantity_thousandths,
                line.unit_cost_minor?,
            )?;
            sum.checked_add(cost)
        });
        let revenue = Money::from_minor(lines.iter().map(|l| l.amount_minor).sum());
        Ok(cost
            .filter(|_| !lines.is_empty())
            .map(|cost| Margin::of(revenue, cost)))
    }
}

impl From<quote::Model> for Quote {
    fn from(model: quote::Model) -> Self {
        Self {
            id: encode_id(NodeType::Quote, model.id),
            number: model.number.clone(),
            status: QuoteStatus::parse(&model.status).unwrap_or(QuoteStatus::Draft),
            valid_until: Date(model.valid_until),
            subtotal: money(model.subtotal_minor),
            discount_total: money(model.discount_total_minor),
            amount: money(model.subtotal_minor - model.discount_total_minor),
            tax_rate: percent(model.tax_rate_basis_points),
            tax_amount: money(model.tax_minor),
            total: money(model.total_minor),
            terms: model.terms.clone(),
            rejection_reason: model.rejection_reason.clone(),
            sent_at: model.sent_at.map(Into::into),
            accepted_at: model.accepted_at.map(Into::into),
            version: model.version,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            model,
        }
    }
}

/// A product on a quote: how many, at which price and discount.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct QuoteLineItem {
    /// Order of the line on the quote, from 0.
    pub position: i32,
    /// How many units (up to three fraction digits).
    pub quantity: Decimal,
    /// Price per unit offered.
    pub unit_price: Decimal,
    /// The quote's price book price per unit when the line was priced.
    pub book_price: Decimal,
    /// Discount in percent (0–100) off the unit price.
    pub discount_percent: Decimal,
    /// quantity × unit price × (1 − discount), rounded half-up to the cent.
    pub amount: Decimal,
    #[graphql(skip)]
    pub model: quote_line_item::Model,
}

#[ComplexObject]
impl QuoteLineItem {
    /// The product offered.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let loader = ctx.loader::<ProductLoader>()?;
        Ok(loader
            .load_one(self.model.product_id)
            .await?
            .map(Product::from))
    }
}

impl From<quote_line_item::Model> for QuoteLineItem {
    fn from(model: quote_line_item::Model) -> Self {
        Self {
            position: model.position,
            quantity: Decimal(crate::products::pricing::quantity(
                model.quantity_thousandths,
            )),
            unit_price: money(model.unit_price_minor),
            book_price: money(model.book_price_minor),
            discount_percent: percent(model.discount_basis_points),
            amount: money(model.amount_minor),
            model,
        }
    }
}

crate::connection_types!(QuoteConnection, QuoteEdge, Quote);

/// The quotes of a deal the viewer sees, newest first (for `Opportunity.quotes`).
pub async fn of_deal(ctx: &Context<'_>, deal: uuid::Uuid) -> async_graphql::Result<Vec<Quote>> {
    let quotes = ctx
        .loader::<super::loaders::QuotesByOpportunity>()?
        .load_one(deal)
        .await?
        .unwrap_or_default();
    Ok(quotes.into_iter().map(Quote::from).collect())
}

/// Filters for `quotes`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct QuoteFilter {
    /// Only quotes of this deal.
    pub opportunity_id: Option<ID>,
    /// Only quotes to this customer.
    pub customer_id: Option<ID>,
    /// Only quotes in one of these statuses.
    pub statuses: Option<Vec<QuoteStatus>>,
}

/// A quote to draw from a deal's line items.
#[derive(InputObject, Debug)]
pub struct CreateQuoteInput {
    /// The open deal (with line items) to quote.
    pub opportunity_id: ID,
    /// The last day the customer may accept it; 30 days from your today when omitted.
    pub valid_until: Option<Date>,
    /// Tax rate in percent (0–100, two fraction digits); 0 when omitted.
    pub tax_rate: Option<Decimal>,
    /// Terms offered (at most 20,000 characters).
    pub terms: Option<String>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Changes to a draft quote; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateQuoteInput {
    /// The quote (a draft).
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New last day of validity (today or later).
    pub valid_until: Option<Date>,
    /// New tax rate in percent.
    pub tax_rate: Option<Decimal>,
    /// New terms.
    pub terms: Option<String>,
    /// Another price book (an active one) to price the lines from.
    pub price_book_id: Option<ID>,
    /// The complete new list of lines (1–200), priced like a deal's.
    pub items: Option<Vec<OpportunityLineItemInput>>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// A quote to move on.
#[derive(InputObject, Debug)]
pub struct QuoteStepInput {
    /// The quote.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// A quote the customer turned down.
#[derive(InputObject, Debug)]
pub struct RejectQuoteInput {
    /// The quote (approved or sent).
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// Why (required, at most 2,000 characters).
    pub reason: String,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// The quote settings to change.
#[derive(InputObject, Debug)]
pub struct UpdateQuoteSettingsInput {
    /// The total discount (percent, 0–100) a quote gets without approval.
    pub max_total_discount_percent: Decimal,
}

/// The quote settings.
#[derive(SimpleObject, Debug)]
pub struct QuoteSettings {
    /// The total discount (percent) a quote gets without approval, whatever its lines allow.
    pub max_total_discount_percent: Decimal,
}

impl QuoteSettings {
    pub fn of(basis_points: i32) -> Self {
        Self {
            max_total_discount_percent: percent(basis_points),
        }
    }
}

/// Result of a quote change.
#[derive(SimpleObject, Debug)]
pub struct QuotePayload {
    /// The quote after the change.
    pub quote: Quote,
}

impl From<quote::Model> for QuotePayload {
    fn from(model: quote::Model) -> Self {
        Self {
            quote: model.into(),
        }
    }
}

/// Result of `submitQuote`.
#[derive(SimpleObject, Debug)]
pub struct SubmitQuotePayload {
    /// The quote: `APPROVED` at once, or `PENDING_APPROVAL`.
    pub quote: Quote,
    /// The approval request its discount needs; null when none was needed.
    pub request: Option<ApprovalRequest>,
}
