//! Resolvers for billing.

use async_graphql::{Context, Object};

use super::inputs::{
    InvoiceFilter, IssueInvoiceInput, IssueInvoicePayload, PaymentFilter, RecordPaymentInput,
    RecordPaymentPayload, RequestWaiverInput, RequestWaiverPayload, ReversePaymentInput,
    ReversePaymentPayload, SetCollectionPlanInput, SetCollectionPlanPayload, VoidInvoiceInput,
    VoidInvoicePayload,
};
use super::plans::PlanLine;
use super::receivable_types::{
    AgingGroupBy, AgingReport, AgingRow, CollectionForecast, CollectionForecastInput,
    ForecastMonth, GroupKey, LedgerCheck, ReceivableConnection, ReceivableFilter,
    ReceivablesAgingInput,
};
use super::receivables::AgingGroup;
use super::rules::Share;
use super::types::{Installment, InvoiceConnection, PaymentConnection};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SALES_NUMBERS, SignedIn};
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::Decimal;
use crate::ids::{NodeType, decode_id};
use crate::money::Money;

/// A tax rate fraction in basis points; -1 when it has more than four decimals or does not fit
/// (out of range, so refused by `issueInvoice` beside the input's other problems).
fn basis_points(rate: Decimal) -> i32 {
    let points = (rate.0 * rust_decimal::Decimal::from(10_000)).normalize();
    if points.scale() > 0 {
        return -1;
    }
    i32::try_from(points.mantissa()).unwrap_or(-1)
}

#[derive(Default)]
pub struct BillingQuery;

#[Object]
impl BillingQuery {
    /// Invoices you may see, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only invoices matching this filter.")] filter: Option<InvoiceFilter>,
        #[graphql(desc = "Ordering; newest first by default.")] order_by: Option<
            super::types::InvoiceOrder,
        >,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<InvoiceConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = super::invoices::InvoiceFilter {
            customer_id: crate::ids::decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            contract_id: crate::ids::decode_optional(
                f.contract_id.as_ref(),
                NodeType::Contract,
                "filter.contractId",
            )?,
            statuses: f
                .statuses
                .map(|list| list.iter().map(|s| s.as_str().to_owned()).collect()),
            issued_from: f.issued_from.map(|d| d.0),
            issued_to: f.issued_to.map(|d| d.0),
        };
        let order = super::types::InvoiceOrder::parts(
            order_by,
            (super::invoices::InvoiceOrderField::CreatedAt, true),
        );
        let db = &ctx.app().db;
        let needs = crate::graphql::pagination::node_needs::<entity::invoice::Model>(
            ctx,
            &super::types::INVOICE_COLUMNS,
        );
        let page = super::invoices::list_invoices(db, viewer, filter, order, &page, needs).await?;
        Ok(InvoiceConnection::from_page(
            page,
            super::types::Invoice::from,
        ))
    }

    /// Payments you may see, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only payments matching this filter.")] filter: Option<PaymentFilter>,
        #[graphql(desc = "Ordering; newest first by default.")] order_by: Option<
            super::types::PaymentOrder,
        >,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<PaymentConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = super::payments::PaymentFilter {
            customer_id: crate::ids::decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            contract_id: crate::ids::decode_optional(
                f.contract_id.as_ref(),
                NodeType::Contract,
                "filter.contractId",
            )?,
            received_from: f.received_from.map(|d| d.0),
            received_to: f.received_to.map(|d| d.0),
            with_credit_only: f.with_credit_only.unwrap_or(false),
        };
        let order = super::types::PaymentOrder::parts(
            order_by,
            (super::payments::PaymentOrderField::CreatedAt, true),
        );
        let db = &ctx.app().db;
        let needs = crate::graphql::pagination::node_needs::<entity::payment::Model>(
            ctx,
            &super::types::PAYMENT_COLUMNS,
        );
        let page = super::payments::list_payments(db, viewer, filter, order, &page, needs).await?;
        Ok(PaymentConnection::from_page(
            page,
            super::types::Payment::from,
        ))
    }

    /// Installments still owing money that you may see, oldest due first, with totals.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn receivables(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only installments matching this filter.")] filter: Option<
            ReceivableFilter,
        >,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<ReceivableConnection> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let as_of = f
            .as_of
            .map_or_else(|| app.config.company_today(app.clock.now()), |d| d.0);
        let filter = super::receivables::ReceivableFilter {
            customer_id: crate::ids::decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            owner_id: crate::ids::decode_optional(
                f.owner_id.as_ref(),
                NodeType::User,
                "filter.ownerId",
            )?,
            team_id: crate::ids::decode_optional(
                f.team_id.as_ref(),
                NodeType::Team,
                "filter.teamId",
            )?,
            region: f.region,
            overdue_only: f.overdue_only.unwrap_or(false),
            due_from: f.due_from.map(|d| d.0),
            due_to: f.due_to.map(|d| d.0),
        };
        let with_totals = ctx.look_ahead().field("totals").exists();
        let (page, totals) =
            super::receivables::receivables(&app.db, viewer, filter, as_of, &page, with_totals)
                .await?;
        Ok(ReceivableConnection::from_page(page, totals, as_of))
    }

    /// Outstanding money by days past due (current, 1–30, 31–60, 61–90, over 90), per group and
    /// in total, over what you may see.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn receivables_aging(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ReceivablesAgingInput`.")]
        input: ReceivablesAgingInput,
    ) -> async_graphql::Result<AgingReport> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let as_of = input
            .as_of
            .map_or_else(|| app.config.company_today(app.clock.now()), |d| d.0);
        let group = match input.group_by {
            AgingGroupBy::Customer => AgingGroup::Customer,
            AgingGroupBy::Owner => AgingGroup::Owner,
            AgingGroupBy::Team => AgingGroup::Team,
            AgingGroupBy::Region => AgingGroup::Region,
        };
        let (rows, totals) = super::receivables::aging(&app.db, viewer, as_of, group).await?;
        let kind = match group {
            AgingGroup::Customer => Some(NodeType::Customer),
            AgingGroup::Owner => Some(NodeType::User),
            AgingGroup::Team => Some(NodeType::Team),
            AgingGroup::Region => None,
        };
        Ok(AgingReport {
            as_of: crate::graphql::scalars::Date(as_of),
            rows: rows
                .into_iter()
                .map(|row| AgingRow {
                    group: match (group, row.id, &row.key) {
                        (AgingGroup::Customer, Some(id), _) => Some(GroupKey::Customer(id)),
                        (AgingGroup::Owner, Some(id), _) => Some(GroupKey::Owner(id)),
                        (AgingGroup::Team, Some(id), _) => Some(GroupKey::Team(id)),
                        (AgingGroup::Region, _, Some(name)) => Some(GroupKey::Region(name.clone())),
                        _ => None,
                    },
                    key: match (kind, row.id) {
                        (Some(kind), Some(id)) => Some(crate::ids::encode_id(kind, id).to_string()),
                        _ => row.key,
                    },
                    label: row.label,
                    buckets: row.buckets.into(),
                })
                .collect(),
            totals: totals.into(),
        })
    }

    /// What installments falling due in a period still owe, by month, over what you may see.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn collection_forecast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CollectionForecastInput`.")]
        input: CollectionForecastInput,
    ) -> async_graphql::Result<CollectionForecast> {
        let viewer = ctx.viewer()?;
        let months = super::receivables::collection_forecast(
            &ctx.app().db,
            viewer,
            input.from.0,
            input.to.0,
        )
        .await?;
        let total = months
            .iter()
            .fold(0_i64, |sum, m| sum.saturating_add(m.expected));
        Ok(CollectionForecast {
            months: months
                .into_iter()
                .map(|m| ForecastMonth {
                    month: m.month,
                    installments: m.installments,
                    expected_amount: Decimal(Money::from_minor(m.expected).to_decimal()),
                })
                .collect(),
            total: Decimal(Money::from_minor(total).to_decimal()),
        })
    }

    /// Recomputes every money invariant from its sources (admin).
    #[graphql(guard = "ADMIN")]
    async fn verify_ledger(&self, ctx: &Context<'_>) -> async_graphql::Result<LedgerCheck> {
        let report = super::verify::verify(&ctx.app().db).await?;
        Ok(LedgerCheck {
            ok: report.problems.is_empty(),
            problems: report.problems,
            installments_checked: report.installments as u64,
            payments_checked: report.payments as u64,
        })
    }
}

#[derive(Default)]
pub struct BillingMutation;

#[Object]
impl BillingMutation {
    /// Sets or replaces the collection plan of an approved or signed contract.
    #[graphql(guard = "SignedIn")]
    async fn set_collection_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SetCollectionPlanInput`.")]
        input: SetCollectionPlanInput,
    ) -> async_graphql::Result<SetCollectionPlanPayload> {
        let viewer = ctx.viewer()?;
        let contract = decode_id(&input.contract_id, NodeType::Contract, "input.contractId")?;
        // Every line's problem at once.
        let mut problems = crate::input::Problems::default();
        let lines: Vec<PlanLine> = input
            .installments
            .into_iter()
            .enumerate()
            .map(|(i, line)| {
                let field = format!("input.installments.{i}");
                let share = match (line.amount, line.percent) {
                    (Some(amount), None) => {
                        Share::Amount(Money::from_minor(amount.minor(&format!("{field}.amount"))?))
                    }
                    (None, Some(percent)) => Share::Percent(percent.0),
                    _ => {
                        return Err(AppError::bad_input(field, "Give an amount or a percentage"));
                    }
                };
                let share_text = match share {
                    Share::Amount(m) => format!("amount:{}", m.minor()),
                    Share::Percent(p) => format!("percent:{}", p.normalize()),
                };
                Ok(PlanLine {
                    due_date: line.due_date.0,
                    share,
                    share_text,
                    note: line.note,
                })
            })
            .filter_map(|line| problems.check(line))
            .collect();
        problems.finish()?;
        let installments = super::plans::set_collection_plan(
            ctx.app(),
            viewer,
            contract,
            lines,
            input.idempotency_key,
        )
        .await?;
        Ok(SetCollectionPlanPayload {
            installments: installments.into_iter().map(Installment::from).collect(),
        })
    }

    /// Issues an invoice against an installment (finance).
    #[graphql(guard = "SignedIn")]
    async fn issue_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `IssueInvoiceInput`.")]
        input: IssueInvoiceInput,
    ) -> async_graphql::Result<IssueInvoicePayload> {
        let viewer = ctx.viewer()?;
        let new = super::invoices::NewInvoice {
            contract_id: decode_id(&input.contract_id, NodeType::Contract, "input.contractId")?,
            installment_id: decode_id(
                &input.installment_id,
                NodeType::Installment,
                "input.installmentId",
            )?,
            amount_minor: input.amount.minor("input.amount")?,
            issue_date: input.issue_date.0,
            due_date: input.due_date.0,
            tax_rate_basis_points: basis_points(input.tax_rate),
        };
        let invoice =
            super::invoices::issue_invoice(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(IssueInvoicePayload {
            invoice: invoice.into(),
        })
    }

    /// Voids an issued invoice (finance).
    #[graphql(guard = "SignedIn")]
    async fn void_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `VoidInvoiceInput`.")] input: VoidInvoiceInput,
    ) -> async_graphql::Result<VoidInvoicePayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Invoice, "input.id")?;
        let invoice = super::invoices::void_invoice(
            ctx.app(),
            viewer,
            id,
            input.reason,
            input.idempotency_key,
        )
        .await?;
        Ok(VoidInvoicePayload {
            invoice: invoice.into(),
        })
    }

    /// Records money received and allocates it at once (finance).
    #[graphql(guard = "SignedIn")]
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RecordPaymentInput`.")]
        input: RecordPaymentInput,
    ) -> async_graphql::Result<RecordPaymentPayload> {
        let viewer = ctx.viewer()?;
        let new = super::payments::NewPayment {
            customer_id: decode_id(&input.customer_id, NodeType::Customer, "input.customerId")?,
            contract_id: crate::ids::decode_optional(
                input.contract_id.as_ref(),
                NodeType::Contract,
                "input.contractId",
            )?,
            amount_minor: input.amount.minor("input.amount")?,
            received_date: input.received_date.0,
            method: input.method,
            reference: input.reference,
        };
        let payment =
            super::payments::record_payment(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(RecordPaymentPayload {
            payment: payment.into(),
        })
    }

    /// Reverses a payment, undoing its allocations (finance).
    #[graphql(guard = "SignedIn")]
    async fn reverse_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ReversePaymentInput`.")]
        input: ReversePaymentInput,
    ) -> async_graphql::Result<ReversePaymentPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Payment, "input.id")?;
        let payment = super::payments::reverse_payment(
            ctx.app(),
            viewer,
            id,
            input.reason,
            input.idempotency_key,
        )
        .await?;
        Ok(ReversePaymentPayload {
            payment: payment.into(),
        })
    }

    /// Asks to forgive part of an installment, through the waiver approval chain (finance).
    #[graphql(guard = "SignedIn")]
    async fn request_waiver(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RequestWaiverInput`.")]
        input: RequestWaiverInput,
    ) -> async_graphql::Result<RequestWaiverPayload> {
        let viewer = ctx.viewer()?;
        let new = super::waivers::NewWaiver {
            installment_id: decode_id(
                &input.installment_id,
                NodeType::Installment,
                "input.installmentId",
            )?,
            amount_minor: input.amount.minor("input.amount")?,
            reason: input.reason,
        };
        let app = ctx.app();
        let (waiver, request_id) =
            super::waivers::request_waiver(app, viewer, new, input.idempotency_key).await?;
        let request = crate::approvals::service::get_request(&app.db, viewer, request_id).await?;
        Ok(RequestWaiverPayload {
            waiver: waiver.into(),
            request: request.into(),
        })
    }
}
