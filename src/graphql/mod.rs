//! The GraphQL schema: roots merged from the domains, limits, and the error safety net.

pub mod batch;
pub mod columns;
pub mod conflict;
pub mod context;
pub mod documents;
pub mod errors;
pub mod execution;
pub mod guards;
pub mod key_scopes;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod persisted;
pub mod scalars;
pub mod scope;
pub mod sync;

use std::sync::Arc;

use async_graphql::{
    Context, Data, ID, MergedObject, MergedSubscription, Object, Schema, SimpleObject,
};

use crate::activities::graphql::{ActivityMutation, ActivityQuery};
use crate::analytics::forecast_review_graphql::{ForecastReviewMutation, ForecastReviewQuery};
use crate::analytics::graphql::{AnalyticsMutation, AnalyticsQuery};
use crate::approvals::graphql::{ApprovalMutation, ApprovalQuery, ApprovalSubscription};
use crate::auth::graphql::AuthMutation;
use crate::billing::graphql::{BillingMutation, BillingQuery};
use crate::billing::refund_graphql::{RefundMutation, RefundQuery};
use crate::contracts::graphql::{ContractMutation, ContractQuery};
use crate::customers::graphql::{CustomerMutation, CustomerQuery};
use crate::error::AppError;
use crate::flows::transfer_graphql::TransferMutation;
use crate::followups::graphql::FollowUpMutation;
use crate::identity::Viewer;
use crate::ids::{NodeType, decode_any};
use crate::leads::graphql::{LeadMutation, LeadQuery};
use crate::notifications::graphql::{
    NotificationMutation, NotificationQuery, NotificationSubscription,
};
use crate::opportunities::graphql::{
    OpportunityMutation, OpportunityQuery, OpportunitySubscription,
};
use crate::opportunities::line_item_types::LineItemMutation;
use crate::opportunities::win_loss_graphql::{WinLossMutation, WinLossQuery};
use crate::orders::graphql::{OrderMutation, OrderQuery};
use crate::playbook::graphql::PlaybookMutation;
use crate::products::graphql::{ProductMutation, ProductQuery};
use crate::products::price_book_types::{PriceBookMutation, PriceBookQuery};
use crate::quotes::graphql::{QuoteMutation, QuoteQuery};
use crate::state::AppState;
use crate::users::graphql::{UserMutation, UserQuery, UserSubscription};
use crate::users::service as users;
use crate::visits::graphql::{VisitMutation, VisitQuery};
use context::ContextExt;
use guards::SignedIn;
use node::Node;

/// Facts about this deployment.
#[derive(SimpleObject, Debug)]
pub struct ServerInfo {
    /// Server version.
    pub version: String,
    /// The one currency (ISO 4217) every amount is in.
    pub currency: String,
    /// Time zone of users created without one.
    pub default_timezone: String,
}

#[derive(Default)]
pub struct SystemQuery;

#[Object]
impl SystemQuery {
    /// Version and currency of this deployment.
    async fn server_info(&self, ctx: &Context<'_>) -> ServerInfo {
        let config = &ctx.app().config;
        ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            currency: config.currency.clone(),
            default_timezone: config.default_timezone.name().to_owned(),
        }
    }

    /// Any object by its global id; null when missing or not visible.
    #[graphql(guard = "SignedIn")]
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        Ok(load_node(ctx, &id).await?)
    }

    /// Objects by global id, in the order asked; null for each missing or invisible one.
    #[graphql(guard = "SignedIn", complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids (at most 100).")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > crate::pagination::MAX_PAGE_SIZE as usize {
            return Err(AppError::bad_input("ids", "At most 100 ids").into());
        }
        let mut nodes = Vec::with_capacity(ids.len());
        for id in &ids {
            nodes.push(load_node(ctx, id).await?);
        }
        Ok(nodes)
    }
}

pub(crate) async fn load_node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>, AppError> {
    let viewer = ctx.viewer()?;
    let db = &ctx.app().db;
    let Some((kind, uuid)) = decode_any(id) else {
        return Ok(None);
    };
    let found = match kind {
        NodeType::User => users::get_user(db, viewer, uuid)
            .await
            .map(|u| Node::User(u.into())),
        NodeType::Team => users::get_team(db, viewer, uuid)
            .await
            .map(|t| Node::Team(t.into())),
        NodeType::Customer => match crate::customers::service::get_customer(db, viewer, uuid).await
        {
            Ok(found) => Ok(Node::Customer(found.into())),
            // A merged customer's id answers with its survivor.
            Err(missing) => match crate::merges::service::redirect_of(
                db,
                crate::merges::service::CUSTOMER,
                uuid,
            )
            .await?
            {
                Some(survivor) => crate::customers::service::get_customer(db, viewer, survivor)
                    .await
                    .map(|c| Node::Customer(c.into())),
                None => Err(missing),
            },
        },
        // A merged contact's or lead's id answers with its survivor too.
        NodeType::Contact => match crate::customers::service::get_contact(db, viewer, uuid).await {
            Ok(found) => Ok(Node::Contact(found.into())),
            Err(missing) => {
                match crate::merges::service::redirect_of(db, crate::merges::service::CONTACT, uuid)
                    .await?
                {
                    Some(survivor) => crate::customers::service::get_contact(db, viewer, survivor)
                        .await
                        .map(|c| Node::Contact(c.into())),
                    None => Err(missing),
                }
            }
        },
        NodeType::Lead => match crate::leads::service::get_lead(db, viewer, uuid).await {
            Ok(found) => Ok(Node::Lead(found.into())),
            Err(missing) => {
                match crate::merges::service::redirect_of(db, crate::merges::service::LEAD, uuid)
                    .await?
                {
                    Some(survivor) => crate::leads::service::get_lead(db, viewer, survivor)
                        .await
                        .map(|l| Node::Lead(l.into())),
                    None => Err(missing),
                }
            }
        },
        NodeType::FollowUp => crate::followups::service::get_follow_up(db, viewer, uuid)
            .await
            .map(|f| Node::FollowUp(f.into())),
        NodeType::Notification => crate::notifications::service::get(db, viewer, uuid)
            .await
            .map(|n| Node::Notification(n.into())),
        NodeType::Opportunity => crate::opportunities::service::get_opportunity(db, viewer, uuid)
            .await
            .map(|o| Node::Opportunity(o.into())),
        NodeType::PipelineStage => crate::opportunities::stages::by_ids(db, &[uuid])
            .await?
            .into_iter()
            .next()
            .map(|s| Node::PipelineStage(s.into()))
            .ok_or_else(|| AppError::not_found("Stage")),
        NodeType::VisitTask => crate::visits::service::get_visit(db, viewer, uuid)
            .await
            .map(|v| Node::VisitTask(v.into())),
        NodeType::Contract => crate::contracts::service::get_contract(db, viewer, uuid)
            .await
            .map(|c| Node::Contract(c.into())),
        NodeType::ApprovalRequest => crate::approvals::service::get_request(db, viewer, uuid)
            .await
            .map(|r| Node::ApprovalRequest(r.into())),
        NodeType::Installment => crate::billing::plans::get_installment(db, viewer, uuid)
            .await
            .map(|i| Node::Installment(i.into())),
        NodeType::Invoice => crate::billing::invoices::get_invoice(db, viewer, uuid)
            .await
            .map(|i| Node::Invoice(i.into())),
        NodeType::Payment => crate::billing::payments::get_payment(db, viewer, uuid)
            .await
            .map(|p| Node::Payment(p.into())),
        NodeType::Waiver => crate::billing::waivers::get_waiver(db, viewer, uuid)
            .await
            .map(|w| Node::Waiver(w.into())),
        NodeType::SalesTarget => crate::analytics::targets::get_target(db, viewer, uuid)
            .await
            .map(|t| Node::SalesTarget(crate::analytics::graphql::target_of(t))),
        NodeType::Product => crate::products::service::get_product(db, uuid)
            .await
            .map(|p| Node::Product(p.into())),
        NodeType::ProductLine => crate::products::service::get_product_line(db, uuid)
            .await
            .map(|l| Node::ProductLine(l.into())),
        NodeType::PriceBook => crate::products::price_books::get_price_book(db, uuid)
            .await
            .map(|b| Node::PriceBook(b.into())),
        NodeType::Quote => crate::quotes::service::get_quote(db, viewer, uuid)
            .await
            .map(|q| Node::Quote(q.into())),
        NodeType::Order => crate::orders::service::get_order(db, viewer, uuid)
            .await
            .map(|o| Node::Order(o.into())),
        NodeType::Delivery => crate::orders::deliveries::get_delivery(db, viewer, uuid)
            .await
            .map(|d| Node::Delivery(d.into())),
        NodeType::ContractAmendment => {
            crate::contracts::amendments::visible_by_ids(db, viewer, &[uuid])
                .await?
                .into_iter()
                .next()
                .map(|a| Node::ContractAmendment(a.into()))
                .ok_or_else(|| AppError::not_found("Amendment"))
        }
        NodeType::Refund => crate::billing::refunds::get_refund(db, viewer, uuid)
            .await
            .map(|r| Node::Refund(r.into())),
        NodeType::Activity => crate::activities::service::get(db, viewer, uuid)
            .await
            .map(|a| Node::Activity(a.into())),
        NodeType::WorkReport => crate::work_reports::service::get(db, viewer, uuid)
            .await?
            .map(|r| Node::WorkReport(crate::work_reports::service::Report::Stored(r).into()))
            .ok_or_else(|| AppError::not_found("Work report")),
        NodeType::Attachment => crate::attachments::service::get(db, viewer, uuid)
            .await
            .map(|a| Node::Attachment(a.into())),
        NodeType::Callback => crate::aftersales::service::get(db, viewer, uuid)
            .await
            .map(|c| Node::Callback(c.into())),
        NodeType::Ticket => crate::tickets::service::get(db, viewer, uuid)
            .await
            .map(|t| Node::Ticket(t.into())),
        NodeType::Campaign => crate::campaigns::service::get(db, uuid)
            .await
            .map(|c| Node::Campaign(c.into())),
        // Lines are read through their order, exit criteria through their stage, reasons
        // and picklist entries through their lists.
        NodeType::OrderLine
        | NodeType::ExitCriterion
        | NodeType::CallbackRule
        | NodeType::CloseReason
        | NodeType::Competitor
        | NodeType::OwnershipTransfer
        | NodeType::ForecastSubmission
        | NodeType::WorkReportComment
        | NodeType::Webhook
        | NodeType::WebhookDelivery
        | NodeType::ServiceAccount
        | NodeType::ApiKey
        | NodeType::Export
        | NodeType::ImportJob
        | NodeType::Merge
        | NodeType::RecycledRecord => Err(AppError::not_found("Node")),
    };
    use crate::error::ErrorCode;
    match found {
        Ok(node) => Ok(Some(node)),
        // What the viewer may not see does not exist for them.
        Err(err) if matches!(err.code, ErrorCode::NotFound | ErrorCode::Forbidden) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Everything a client can read.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    SystemQuery,
    UserQuery,
    CustomerQuery,
    LeadQuery,
    NotificationQuery,
    OpportunityQuery,
    WinLossQuery,
    ForecastReviewQuery,
    ActivityQuery,
    crate::attachments::graphql::AttachmentQuery,
    crate::work_reports::graphql::WorkReportQuery,
    crate::finder::graphql::SearchQuery,
    VisitQuery,
    crate::views::nearby_graphql::NearbyQuery,
    ContractQuery,
    ApprovalQuery,
    BillingQuery,
    RefundQuery,
    AnalyticsQuery,
    ProductQuery,
    PriceBookQuery,
    QuoteQuery,
    OrderQuery,
    crate::aftersales::graphql::AftersalesQuery,
    crate::tickets::graphql::TicketQuery,
    crate::health::graphql::HealthQuery,
    crate::campaigns::graphql::CampaignQuery,
    crate::webhooks::graphql::WebhookQuery,
    crate::service_accounts::graphql::ServiceAccountQuery,
    crate::history::graphql::AuditQuery,
    crate::imports::graphql::ImportQuery,
    crate::recycle::graphql::RecycleQuery,
);

/// Everything a client can change.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    AuthMutation,
    UserMutation,
    CustomerMutation,
    LeadMutation,
    FollowUpMutation,
    ActivityMutation,
    crate::attachments::graphql::AttachmentMutation,
    crate::work_reports::graphql::WorkReportMutation,
    NotificationMutation,
    OpportunityMutation,
    PlaybookMutation,
    WinLossMutation,
    TransferMutation,
    ForecastReviewMutation,
    LineItemMutation,
    VisitMutation,
    ContractMutation,
    ApprovalMutation,
    BillingMutation,
    RefundMutation,
    AnalyticsMutation,
    ProductMutation,
    PriceBookMutation,
    QuoteMutation,
    OrderMutation,
    crate::aftersales::graphql::AftersalesMutation,
    crate::tickets::graphql::TicketMutation,
    crate::health::graphql::HealthMutation,
    crate::campaigns::graphql::CampaignMutation,
    crate::webhooks::graphql::WebhookMutation,
    crate::service_accounts::graphql::ServiceAccountMutation,
    crate::exports::graphql::ExportMutation,
    crate::imports::graphql::ImportMutation,
    crate::merges::graphql::MergeMutation,
    crate::recycle::graphql::RecycleMutation,
);

/// Live events over WebSocket (`graphql-transport-ws` at `/graphql/ws`).
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    UserSubscription,
    NotificationSubscription,
    OpportunitySubscription,
    ApprovalSubscription,
);

/// Distinct query texts whose parsed documents each instance keeps.
const DOCUMENT_CACHE_CAPACITY: usize = 1024;

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// What one instance keeps in memory for its resolvers, shared by its HTTP and WebSocket
/// schemas: not domain data of the database, only work done once for many requests.
#[derive(Clone, Default)]
pub struct InstanceCaches {
    /// Recent stage changes, read once for all of this instance's subscribers.
    pub live_changes: Arc<crate::opportunities::live::LiveChanges>,
    /// `salesPerformance` computations in flight, shared by identical requests.
    pub performance_reports:
        Arc<crate::coalesce::Coalescer<Vec<crate::analytics::performance::Row>>>,
    /// `salesPerformance` by product line or product in flight, shared likewise.
    pub product_reports:
        Arc<crate::coalesce::Coalescer<Vec<crate::analytics::by_product::ProductRow>>>,
}

/// The schema's types with the library's limits, without extensions. The depth limit is
/// [`limits::check_depth`]'s (introspection is measured apart); the complexity limit is the
/// library's where no extension checks it.
fn schema_builder(
    state: Arc<AppState>,
    caches: InstanceCaches,
) -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let config = state.config.clone();
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_recursive_depth(32)
    .limit_directives(10)
    .data(state)
    .data(caches);
    if !config.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder
}

/// Builds the schema with the configured limits and the extensions that code errors, cache
/// parsed documents and record metrics (the WebSocket path). `state` is shared by every request.
pub fn build_schema(state: Arc<AppState>) -> AppSchema {
    build_schema_with(state, InstanceCaches::default())
}

/// [`build_schema`] sharing `caches` with the instance's other schema.
pub fn build_schema_with(state: Arc<AppState>, caches: InstanceCaches) -> AppSchema {
    let limits = errors::DocumentLimits::of(&state.config);
    schema_builder(state, caches)
        // Outermost, so it counts the codes the safety net settled.
        .extension(crate::metrics::OperationMetrics)
        // Outside the safety net: a cached document has passed its parse checks already.
        .extension(documents::DocumentCache::new(DOCUMENT_CACHE_CAPACITY))
        .extension(errors::ErrorSafetyNet { limits })
        .finish()
}

/// The same schema without extensions, for HTTP requests, which [`execution::HttpExecutor`]
/// parses, codes and measures around the execution instead.
pub fn build_http_schema(state: Arc<AppState>, caches: InstanceCaches) -> AppSchema {
    let max_complexity = state.config.max_complexity;
    schema_builder(state, caches)
        .limit_complexity(max_complexity)
        .finish()
}

/// The HTTP executor over the schema of `state`.
pub fn http_executor(state: Arc<AppState>) -> execution::HttpExecutor {
    http_executor_with(state, InstanceCaches::default())
}

/// [`http_executor`] sharing `caches` with the instance's WebSocket schema.
pub fn http_executor_with(state: Arc<AppState>, caches: InstanceCaches) -> execution::HttpExecutor {
    execution::HttpExecutor::new(state, caches, DOCUMENT_CACHE_CAPACITY)
}

/// The schema as served, for `export-schema` and the drift test (introspection settings and
/// limits do not change the SDL).
pub fn sdl() -> String {
    let sdl = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by());
    // Introspection answers `__schema.description` with this text (the library's, fixed);
    // the SDL says so too, so that a schema introspected with `schemaDescription` prints the
    // same as this file.
    sdl.replacen(
        "\nschema {",
        &format!("\n\"\"\"\n{SCHEMA_DESCRIPTION}\n\"\"\"\nschema {{"),
        1,
    )
}

/// What introspection answers for `__schema.description`.
const SCHEMA_DESCRIPTION: &str = "A GraphQL Schema defines the capabilities of a GraphQL server. \
    It exposes all available types and directives on the server, as well as the entry points for \
    query, mutation, and subscription operations.";

/// Adds the batch loaders to one request's (or one WebSocket connection's) data, each built on
/// its first use ([`loaders::Loaders`]).
pub fn add_loaders(state: &AppState, viewer: Option<&Viewer>, data: &mut Data) {
    data.insert(loaders::Loaders::new(loaders::Seed {
        db: state.db.clone(),
        viewer: viewer.cloned(),
        as_of: state.config.company_today(state.clock.now()),
        now: state.clock.now(),
    }));
}
