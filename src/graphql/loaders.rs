//! The batch loaders of one request (or one WebSocket connection). Each is built on its first
//! use: a request that reads deals pays for the loaders deals need, not for the thirty-odd the
//! schema has. Loaders do not cache between batches, so one user's answers are never served to
//! another.

use std::sync::OnceLock;

use async_graphql::dataloader::DataLoader;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use crate::activities::loaders::ActivityLoader;
use crate::analytics::loaders::AdjustmentsBySubmission;
use crate::approvals::loaders::{LatestRequestBySubject, RequestLoader, StepsByRequest};
use crate::billing::loaders::{
    AllocationsByPayment, InstallmentLoader, InstallmentsByContract, InvoicesByContract,
    InvoicesByCustomer, PaymentLoader, PaymentsByContract, ReceivableByCustomer, RefundLoader,
    RefundedByContract, SourcesByRefund, WaiverLoader,
};
use crate::contracts::loaders::{
    AmendmentLoader, AmendmentsByContract, ContractLoader, ContractsByCustomer,
    ContractsByOpportunity,
};
use crate::customers::loaders::{ContactLoader, ContactsByCustomer, CustomerLoader};
use crate::followups::loaders::{FollowUpsByCustomer, FollowUpsByLead, LastFollowUpByCustomer};
use crate::graphql::pagination::PagesOf;
use crate::identity::Viewer;
use crate::leads::loaders::{EventsByLead, LeadLoader};
use crate::opportunities::loaders::{
    CloseReasonLoader, CompetitorLoader, CompetitorsByOpportunity, HistoryByOpportunity,
    LineItemsByOpportunity, OpportunitiesByCustomer, OpportunityLoader, SplitsByOpportunity,
    StageDwellLoader, StageLoader, VisibleOpportunityLoader,
};
use crate::orders::loaders::{
    DeliveriesByOrder, LinesByDelivery, LinesByOrder, OrderLineLoader, OrderLoader,
    OrderTotalsByContract, OrdersByContract,
};
use crate::playbook::loaders::{ChecklistLoader, CriteriaByStage};
use crate::products::loaders::{
    BookPriceLoader, PriceBookLoader, ProductLineLoader, ProductLoader,
};
use crate::quotes::loaders::{LinesByQuote, QuoteLoader, QuotesByOpportunity};
use crate::users::loaders::{TeamLoader, UserLoader};
use crate::visits::loaders::{VisitLoader, VisitsByCustomer, VisitsByOpportunity};
use crate::work_reports::loaders::CommentsByReport;

/// How long a loader waits for sibling fields to ask for their keys before it queries. The
/// fields of one list are resolved in one pass, so their keys are queued before the batch's
/// task first runs; waiting longer (the library's default is 1 ms per nesting level) only adds
/// latency.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::ZERO;

/// What the loaders of one request are made from.
pub struct Seed {
    /// The database every loader reads.
    pub db: DatabaseConnection,
    /// The caller, for the loaders that apply visibility.
    pub viewer: Option<Viewer>,
    /// The company's date when the request began, for receivables.
    pub as_of: NaiveDate,
    /// When the request began, for what is computed on read (customer health).
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Seed {
    fn db(&self) -> DatabaseConnection {
        self.db.clone()
    }

    fn viewer(&self) -> Option<Viewer> {
        self.viewer.clone()
    }
}

/// A loader kept in [`Loaders`]: where its slot is and how it is made.
pub trait Lazy: Send + Sync + Sized + 'static {
    /// The slot holding this loader once built.
    fn slot(loaders: &Loaders) -> &OnceLock<DataLoader<Self>>;
    /// A new loader for the request `seed` describes.
    fn make(seed: &Seed) -> Self;
}

macro_rules! loaders {
    ($($field:ident: $loader:ty = |$seed:ident| $make:expr;)+) => {
        /// One request's batch loaders, each built on first use.
        pub struct Loaders {
            seed: Seed,
            $($field: OnceLock<DataLoader<$loader>>,)+
        }

        impl Loaders {
            /// No loader built yet.
            pub fn new(seed: Seed) -> Self {
                Self { seed, $($field: OnceLock::new(),)+ }
            }

            /// How many loaders this request has built so far.
            pub fn built(&self) -> usize {
                0 $(+ usize::from(self.$field.get().is_some()))+
            }
        }

        $(impl Lazy for $loader {
            fn slot(loaders: &Loaders) -> &OnceLock<DataLoader<Self>> {
                &loaders.$field
            }

            fn make($seed: &Seed) -> Self {
                $make
            }
        })+
    };
}

loaders! {
    stages: StageLoader = |s| StageLoader(s.db());
    stage_dwell: StageDwellLoader = |s| StageDwellLoader(s.db());
    exit_criteria: CriteriaByStage = |s| CriteriaByStage(s.db());
    checklists: ChecklistLoader = |s| ChecklistLoader(s.db());
    close_reasons: CloseReasonLoader = |s| CloseReasonLoader(s.db());
    competitors: CompetitorLoader = |s| CompetitorLoader(s.db());
    deal_competitors: CompetitorsByOpportunity = |s| CompetitorsByOpportunity(s.db());
    forecast_adjustments: AdjustmentsBySubmission = |s| AdjustmentsBySubmission(s.db());
    activities: ActivityLoader = |s| ActivityLoader { db: s.db(), viewer: s.viewer() };
    report_comments: CommentsByReport = |s| CommentsByReport(s.db());
    tickets: crate::tickets::loaders::TicketLoader =
        |s| crate::tickets::loaders::TicketLoader { db: s.db(), viewer: s.viewer() };
    tickets_by_customer: crate::tickets::loaders::TicketsByCustomer =
        |s| crate::tickets::loaders::TicketsByCustomer { db: s.db(), viewer: s.viewer() };
    ticket_comments: crate::tickets::loaders::CommentsByTicket =
        |s| crate::tickets::loaders::CommentsByTicket(s.db());
    ticket_events: crate::tickets::loaders::EventsByTicket =
        |s| crate::tickets::loaders::EventsByTicket(s.db());
    campaigns: crate::campaigns::loaders::CampaignLoader =
        |s| crate::campaigns::loaders::CampaignLoader(s.db());
    campaign_members: crate::campaigns::loaders::MemberCounts =
        |s| crate::campaigns::loaders::MemberCounts { db: s.db(), viewer: s.viewer() };
    campaign_costs: crate::campaigns::loaders::CostsByCampaign =
        |s| crate::campaigns::loaders::CostsByCampaign(s.db());
    audit_entries: crate::history::loaders::EntriesBySubject =
        |s| crate::history::loaders::EntriesBySubject(s.db());
    service_accounts: crate::service_accounts::loaders::AccountLoader =
        |s| crate::service_accounts::loaders::AccountLoader(s.db());
    api_keys: crate::service_accounts::loaders::KeysByAccount =
        |s| crate::service_accounts::loaders::KeysByAccount(s.db());
    webhooks: crate::webhooks::loaders::WebhookLoader =
        |s| crate::webhooks::loaders::WebhookLoader(s.db());
    webhook_types: crate::webhooks::loaders::TypesByWebhook =
        |s| crate::webhooks::loaders::TypesByWebhook(s.db());
    webhook_events: crate::webhooks::loaders::EventLoader =
        |s| crate::webhooks::loaders::EventLoader(s.db());
    webhook_attempts: crate::webhooks::loaders::AttemptsByDelivery =
        |s| crate::webhooks::loaders::AttemptsByDelivery(s.db());
    health: crate::health::loaders::HealthLoader =
        |s| crate::health::loaders::HealthLoader { db: s.db(), now: s.now };
    callbacks: crate::aftersales::loaders::CallbackLoader =
        |s| crate::aftersales::loaders::CallbackLoader { db: s.db(), viewer: s.viewer() };
    callback_rules: crate::aftersales::loaders::CallbackRuleLoader =
        |s| crate::aftersales::loaders::CallbackRuleLoader(s.db());
    check_in_photos: crate::attachments::loaders::CheckInPhotosByVisit =
        |s| crate::attachments::loaders::CheckInPhotosByVisit(s.db());
    follow_ups: crate::attachments::loaders::FollowUpLoader =
        |s| crate::attachments::loaders::FollowUpLoader(s.db());
    deals: OpportunityLoader = |s| OpportunityLoader(s.db());
    history: PagesOf<HistoryByOpportunity> = |s| PagesOf(HistoryByOpportunity(s.db()));
    splits: SplitsByOpportunity = |s| SplitsByOpportunity(s.db());
    line_items: LineItemsByOpportunity = |s| LineItemsByOpportunity(s.db());
    deals_by_customer: PagesOf<OpportunitiesByCustomer> =
        |s| PagesOf(OpportunitiesByCustomer { db: s.db(), viewer: s.viewer() });
    users: UserLoader = |s| UserLoader(s.db());
    teams: TeamLoader = |s| TeamLoader(s.db());
    customers: CustomerLoader = |s| CustomerLoader { db: s.db(), viewer: s.viewer() };
    contacts_by_customer: PagesOf<ContactsByCustomer> = |s| PagesOf(ContactsByCustomer(s.db()));
    follow_ups_by_customer: PagesOf<FollowUpsByCustomer> =
        |s| PagesOf(FollowUpsByCustomer(s.db()));
    follow_ups_by_lead: PagesOf<FollowUpsByLead> = |s| PagesOf(FollowUpsByLead(s.db()));
    events_by_lead: PagesOf<EventsByLead> = |s| PagesOf(EventsByLead(s.db()));
    last_follow_ups: LastFollowUpByCustomer = |s| LastFollowUpByCustomer(s.db());
    contacts: ContactLoader = |s| ContactLoader { db: s.db(), viewer: s.viewer() };
    leads: LeadLoader = |s| LeadLoader { db: s.db(), viewer: s.viewer() };
    visible_deals: VisibleOpportunityLoader =
        |s| VisibleOpportunityLoader { db: s.db(), viewer: s.viewer() };
    visits: VisitLoader = |s| VisitLoader { db: s.db(), viewer: s.viewer() };
    visits_by_customer: PagesOf<VisitsByCustomer> =
        |s| PagesOf(VisitsByCustomer { db: s.db(), viewer: s.viewer() });
    visits_by_deal: PagesOf<VisitsByOpportunity> =
        |s| PagesOf(VisitsByOpportunity { db: s.db(), viewer: s.viewer() });
    contracts: ContractLoader = |s| ContractLoader { db: s.db(), viewer: s.viewer() };
    contracts_by_customer: PagesOf<ContractsByCustomer> =
        |s| PagesOf(ContractsByCustomer { db: s.db(), viewer: s.viewer() });
    contracts_by_deal: PagesOf<ContractsByOpportunity> =
        |s| PagesOf(ContractsByOpportunity { db: s.db(), viewer: s.viewer() });
    steps: StepsByRequest = |s| StepsByRequest(s.db());
    requests: RequestLoader = |s| RequestLoader { db: s.db(), viewer: s.viewer() };
    latest_requests: LatestRequestBySubject = |s| LatestRequestBySubject(s.db());
    installments_by_contract: InstallmentsByContract = |s| InstallmentsByContract(s.db());
    installments: InstallmentLoader = |s| InstallmentLoader(s.db());
    allocations: AllocationsByPayment = |s| AllocationsByPayment(s.db());
    waivers: WaiverLoader = |s| WaiverLoader(s.db());
    payments: PaymentLoader = |s| PaymentLoader { db: s.db(), viewer: s.viewer() };
    refunds: RefundLoader = |s| RefundLoader { db: s.db(), viewer: s.viewer() };
    refund_sources: SourcesByRefund = |s| SourcesByRefund(s.db());
    refunded_by_contract: RefundedByContract = |s| RefundedByContract(s.db());
    amendments: AmendmentLoader = |s| AmendmentLoader { db: s.db(), viewer: s.viewer() };
    amendments_by_contract: AmendmentsByContract = |s| AmendmentsByContract(s.db());
    invoices_by_contract: PagesOf<InvoicesByContract> =
        |s| PagesOf(InvoicesByContract { db: s.db(), viewer: s.viewer() });
    invoices_by_customer: PagesOf<InvoicesByCustomer> =
        |s| PagesOf(InvoicesByCustomer { db: s.db(), viewer: s.viewer() });
    payments_by_contract: PagesOf<PaymentsByContract> =
        |s| PagesOf(PaymentsByContract { db: s.db(), viewer: s.viewer() });
    products: ProductLoader = |s| ProductLoader(s.db());
    product_lines: ProductLineLoader = |s| ProductLineLoader(s.db());
    price_books: PriceBookLoader = |s| PriceBookLoader(s.db());
    book_prices: BookPriceLoader = |s| BookPriceLoader(s.db());
    quotes: QuoteLoader = |s| QuoteLoader { db: s.db(), viewer: s.viewer() };
    quote_lines: LinesByQuote = |s| LinesByQuote(s.db());
    quotes_by_deal: QuotesByOpportunity = |s| QuotesByOpportunity(s.db());
    orders: OrderLoader = |s| OrderLoader { db: s.db(), viewer: s.viewer() };
    order_lines: LinesByOrder = |s| LinesByOrder(s.db());
    order_line_by_id: OrderLineLoader = |s| OrderLineLoader(s.db());
    orders_by_contract: OrdersByContract = |s| OrdersByContract(s.db());
    deliveries_by_order: DeliveriesByOrder = |s| DeliveriesByOrder(s.db());
    delivery_lines: LinesByDelivery = |s| LinesByDelivery(s.db());
    order_totals: OrderTotalsByContract = |s| OrderTotalsByContract(s.db());
    receivables: ReceivableByCustomer =
        |s| ReceivableByCustomer { db: s.db(), viewer: s.viewer(), as_of: s.as_of };
}

impl Loaders {
    /// The loader of type `T`, built now if this request had not used it yet.
    pub fn get<T: Lazy>(&self) -> &DataLoader<T> {
        T::slot(self)
            .get_or_init(|| DataLoader::new(T::make(&self.seed), tokio::spawn).delay(BATCH_WINDOW))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_loader_is_built_on_first_use_and_kept() {
        let loaders = Loaders::new(Seed {
            db: DatabaseConnection::default(),
            viewer: None,
            as_of: NaiveDate::MIN,
            now: chrono::DateTime::UNIX_EPOCH,
        });
        assert_eq!(loaders.built(), 0);
        let first: *const DataLoader<StageLoader> = loaders.get::<StageLoader>();
        assert_eq!(loaders.built(), 1);
        let again: *const DataLoader<StageLoader> = loaders.get::<StageLoader>();
        assert_eq!(first, again, "the same loader serves the whole request");
        loaders.get::<PagesOf<ContactsByCustomer>>();
        assert_eq!(loaders.built(), 2);
    }
}
