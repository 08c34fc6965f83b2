//! Resolvers for contracts.

use async_graphql::{Context, ID, Object};

use super::service::{self, ContractChanges, NewContract};
use super::types::{
    CancelContractInput, CancelContractPayload, CompleteContractInput, CompleteContractPayload,
    Contract, ContractConnection, ContractFilter, CreateContractInput, CreateContractPayload,
    MarkContractSignedInput, MarkContractSignedPayload, UpdateContractInput, UpdateContractPayload,
};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::Decimal;
use crate::ids::{NodeType, decode_id};

fn contract_id(id: &ID) -> AppResult<uuid::Uuid> {
    decode_id(id, NodeType::Contract, "input.id")
}

/// The columns and link a page of contracts reads for the selection of its nodes.
fn list_wants(ctx: &Context<'_>) -> service::ContractWants {
    use crate::customers::types::CUSTOMER_COLUMNS;
    use crate::graphql::columns::children;
    use entity::{contract, customer};
    let nodes = crate::graphql::pagination::node_selections(ctx);
    let customers = children(&nodes, "customer");
    service::ContractWants {
        contract: super::types::CONTRACT_COLUMNS.needs::<contract::Model>(&nodes),
        customer: (!customers.is_empty())
            .then(|| CUSTOMER_COLUMNS.needs::<customer::Model>(&customers)),
    }
}

#[derive(Default)]
pub struct ContractQuery;

#[Object]
impl ContractQuery {
    /// Contracts you may see, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn contracts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only contracts matching this filter.")] filter: Option<ContractFilter>,
        #[graphql(desc = "Ordering; newest first by default.")] order_by: Option<
            super::types::ContractOrder,
        >,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<ContractConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = service::ContractFilter {
            customer_id: crate::ids::decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            opportunity_id: crate::ids::decode_optional(
                f.opportunity_id.as_ref(),
                NodeType::Opportunity,
                "filter.opportunityId",
            )?,
            owner_id: crate::ids::decode_optional(
                f.owner_id.as_ref(),
                NodeType::User,
                "filter.ownerId",
            )?,
            statuses: f.statuses,
            search: f.search,
            updated_since: f.updated_since.map(Into::into),
        };
        let db = &ctx.app().db;
        let server_time = crate::graphql::sync::server_time(ctx);
        let since = filter.updated_since;
        let sync = crate::graphql::sync::fields(ctx, NodeType::Contract, server_time, since, {
            let filter = &filter;
            async move |window| service::removed_contracts(db, viewer, filter, window).await
        })
        .await?;
        let order = super::types::ContractOrder::parts(
            order_by,
            (service::ContractOrderField::CreatedAt, true),
        );
        let page =
            service::list_contracts(db, viewer, filter, order, &page, list_wants(ctx)).await?;
        Ok(ContractConnection::from_page(page, Contract::from).with_sync(sync))
    }

    /// One contract by id; `null` with a `NOT_FOUND` error when missing or not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract's id.")] id: ID,
    ) -> async_graphql::Result<Option<Contract>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::Contract, "id")?;
            Ok(service::get_contract(&ctx.app().db, viewer, id)
                .await?
                .into())
        })
        .await
    }
}

#[derive(Default)]
pub struct ContractMutation;

#[Object]
impl ContractMutation {
    /// Drafts a contract for a customer you may see, or from a won (or nearly won) deal.
    #[graphql(guard = "SignedIn")]
    async fn create_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateContractInput`.")]
        input: CreateContractInput,
    ) -> async_graphql::Result<CreateContractPayload> {
        let viewer = ctx.viewer()?;
        let new = NewContract {
            customer_id: crate::ids::decode_optional(
                input.customer_id.as_ref(),
                NodeType::Customer,
                "input.customerId",
            )?,
            opportunity_id: crate::ids::decode_optional(
                input.opportunity_id.as_ref(),
                NodeType::Opportunity,
                "input.opportunityId",
            )?,
            quote_id: crate::ids::decode_optional(
                input.quote_id.as_ref(),
                NodeType::Quote,
                "input.quoteId",
            )?,
            title: input.title,
            amount_minor: input
                .amount
                .map(|a| Decimal::minor(a, "input.amount"))
                .transpose()?,
            start_date: input.start_date.map(|d| d.0),
            end_date: input.end_date.map(|d| d.0),
            terms: input.terms,
        };
        let contract =
            service::create_contract(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(CreateContractPayload {
            contract: contract.into(),
        })
    }

    /// Changes a draft or rejected contract.
    #[graphql(guard = "SignedIn")]
    async fn update_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateContractInput`.")]
        input: UpdateContractInput,
    ) -> async_graphql::Result<UpdateContractPayload> {
        let viewer = ctx.viewer()?;
        let id = contract_id(&input.id)?;
        let changes = ContractChanges {
            title: input.title,
            amount_minor: input
                .amount
                .map(|a| Decimal::minor(a, "input.amount"))
                .transpose()?,
            start_date: crate::customers::graphql::change(input.start_date, |d| Ok(d.0))?,
            end_date: crate::customers::graphql::change(input.end_date, |d| Ok(d.0))?,
            terms: input.terms,
            owner_id: crate::ids::decode_optional(
                input.owner_id.as_ref(),
                NodeType::User,
                "input.ownerId",
            )?,
        };
        let changed = service::update_contract(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            changes,
            input.idempotency_key,
        )
        .await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_contract(db, viewer, id).await,
        )
        .await
    }

    /// Calls off a draft, rejected or approved contract.
    #[graphql(guard = "SignedIn")]
    async fn cancel_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CancelContractInput`.")]
        input: CancelContractInput,
    ) -> async_graphql::Result<CancelContractPayload> {
        let viewer = ctx.viewer()?;
        let id = contract_id(&input.id)?;
        let changed = crate::flows::contract_cancellation::cancel(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            input.reason,
            input.idempotency_key,
        )
        .await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_contract(db, viewer, id).await,
        )
        .await
    }

    /// Records that an approved contract was signed.
    #[graphql(guard = "SignedIn")]
    async fn mark_contract_signed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `MarkContractSignedInput`.")]
        input: MarkContractSignedInput,
    ) -> async_graphql::Result<MarkContractSignedPayload> {
        let viewer = ctx.viewer()?;
        let id = contract_id(&input.id)?;
        let changed = crate::flows::contract_signing::sign(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            input.signed_date.0,
            input.idempotency_key,
        )
        .await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_contract(db, viewer, id).await,
        )
        .await
    }

    /// Closes a signed contract once every active order is delivered and its collection plan
    /// is settled (`INVALID_STATE` says what is missing otherwise).
    #[graphql(guard = "SignedIn")]
    async fn complete_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CompleteContractInput`.")]
        input: CompleteContractInput,
    ) -> async_graphql::Result<CompleteContractPayload> {
        let viewer = ctx.viewer()?;
        let id = contract_id(&input.id)?;
        let changed = crate::flows::contract_completion::complete(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            input.idempotency_key,
        )
        .await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_contract(db, viewer, id).await,
        )
        .await
    }

    /// Asks to amend a signed contract (amount, end date, terms): the change goes through the
    /// approval engine and applies only once approved; the contract is locked meanwhile.
    #[graphql(guard = "SignedIn")]
    async fn amend_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `AmendContractInput`.")]
        input: super::amendment_types::AmendContractInput,
    ) -> async_graphql::Result<super::amendment_types::AmendContractPayload> {
        let viewer = ctx.viewer()?;
        let id = contract_id(&input.id)?;
        let changes = super::amendments::Changes {
            amount_minor: input
                .changes
                .amount
                .map(|a| a.minor("input.changes.amount"))
                .transpose()?,
            end_date: input.changes.end_date.map(|d| d.0),
            terms: input.changes.terms,
        };
        let amend = crate::flows::contract_amendment::AmendContract {
            contract_id: id,
            expected_version: input.expected_version,
            changes,
            reason: input.reason,
        };
        let app = ctx.app();
        let amended =
            crate::flows::contract_amendment::amend(app, viewer, amend, input.idempotency_key)
                .await;
        let amendment = amended.map_err(|e| e.naming("input.id"))?;
        let request = crate::approvals::service::get_request(&app.db, viewer, amendment.request_id)
            .await
            .ok()
            .map(Into::into);
        let contract = service::get_contract(&app.db, viewer, id)
            .await
            .ok()
            .map(Into::into);
        Ok(super::amendment_types::AmendContractPayload {
            amendment: amendment.into(),
            request,
            contract,
        })
    }
}
