//! Global object identification: the `Node` interface every refetchable object implements.
//! The ids themselves are `crate::ids`.

use async_graphql::{ID, Interface};

use crate::analytics::types::SalesTarget;
use crate::approvals::types::ApprovalRequest;
use crate::billing::types::{Installment, Invoice, Payment, Waiver};
use crate::contracts::types::Contract;
use crate::customers::types::{Contact, Customer};
use crate::followups::types::FollowUp;
use crate::leads::types::Lead;
use crate::notifications::graphql::Notification;
use crate::opportunities::types::{Opportunity, PipelineStage};
use crate::orders::types::{Delivery, Order};
use crate::products::price_book_types::PriceBook;
use crate::products::types::{Product, ProductLine};
use crate::quotes::types::Quote;
use crate::users::types::{Team, User};
use crate::visits::types::VisitTask;

/// Every object a client can refetch by id.
// A node lives for one response; boxing the variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "&ID", desc = "Opaque, globally unique identifier."))]
pub enum Node {
    User(User),
    Team(Team),
    Customer(Customer),
    Contact(Contact),
    Lead(Lead),
    FollowUp(FollowUp),
    Notification(Notification),
    Opportunity(Opportunity),
    PipelineStage(PipelineStage),
    VisitTask(VisitTask),
    Contract(Contract),
    ApprovalRequest(ApprovalRequest),
    Installment(Installment),
    Invoice(Invoice),
    Payment(Payment),
    Waiver(Waiver),
    SalesTarget(SalesTarget),
    Product(Product),
    ProductLine(ProductLine),
    PriceBook(PriceBook),
    Quote(Quote),
    Order(Order),
    Delivery(Delivery),
    ContractAmendment(crate::contracts::amendment_types::ContractAmendment),
    Refund(crate::billing::refund_types::Refund),
    Activity(crate::activities::types::Activity),
    WorkReport(crate::work_reports::types::WorkReport),
    Attachment(crate::attachments::types::Attachment),
    Callback(crate::aftersales::types::Callback),
    Ticket(crate::tickets::types::Ticket),
    Campaign(crate::campaigns::types::Campaign),
}
