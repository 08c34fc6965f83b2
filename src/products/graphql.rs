//! Resolvers of the product catalogue: everyone reads, admins write.

use async_graphql::{Context, ID, Object};

use super::service::{self, ProductChanges, ProductLineChanges};
use super::types::{
    ArchiveProductInput, ArchiveProductLineInput, ArchiveProductLinePayload, ArchiveProductPayload,
    CreateProductInput, CreateProductLineInput, CreateProductLinePayload, CreateProductPayload,
    Product, ProductConnection, ProductFilter, ProductLine, ProductOrder, UpdateProductInput,
    UpdateProductLineInput, UpdateProductLinePayload, UpdateProductPayload, basis_points,
};
use crate::customers::graphql::change;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id, decode_optional};

#[derive(Default)]
pub struct ProductQuery;

#[Object]
impl ProductQuery {
    /// The catalogue, by code unless ordered otherwise.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only products matching this filter.")] filter: Option<ProductFilter>,
        #[graphql(desc = "Ordering; by code by default.")] order_by: Option<ProductOrder>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<ProductConnection> {
        ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = service::ProductFilter {
            search: f.search,
            product_line_id: decode_optional(
                f.product_line_id.as_ref(),
                NodeType::ProductLine,
                "filter.productLineId",
            )?,
            active: f.active,
        };
        let order = ProductOrder::parts(order_by, (service::ProductOrderField::Code, false));
        let page = service::list_products(&ctx.app().db, filter, order, &page).await?;
        Ok(ProductConnection::from_page(page, Product::from))
    }

    /// One product by id; `null` with a `NOT_FOUND` error when there is none.
    #[graphql(guard = "SignedIn")]
    async fn product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product's id.")] id: ID,
    ) -> async_graphql::Result<Option<Product>> {
        crate::graphql::context::lookup(ctx, async {
            let id = decode_id(&id, NodeType::Product, "id")?;
            Ok(service::get_product(&ctx.app().db, id).await?.into())
        })
        .await
    }

    /// The product lines by name; archived ones too when asked.
    #[graphql(guard = "SignedIn")]
    async fn product_lines(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived product lines.", default = false)]
        include_archived: bool,
    ) -> async_graphql::Result<Vec<ProductLine>> {
        let lines = service::list_product_lines(&ctx.app().db, include_archived).await?;
        Ok(lines.into_iter().map(ProductLine::from).collect())
    }
}

#[derive(Default)]
pub struct ProductMutation;

#[Object]
impl ProductMutation {
    /// Adds a product to the catalogue (admin).
    #[graphql(guard = "ADMIN")]
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateProductInput`.")]
        input: CreateProductInput,
    ) -> async_graphql::Result<CreateProductPayload> {
        let viewer = ctx.viewer()?;
        let new = service::NewProduct {
            code: input.code,
            name: input.name,
            description: input.description,
            product_line_id: decode_optional(
                input.product_line_id.as_ref(),
                NodeType::ProductLine,
                "input.productLineId",
            )?,
            unit: input.unit,
            list_price_minor: input.list_price.minor("input.listPrice")?,
            cost_price_minor: input
                .cost_price
                .map(|c| c.minor("input.costPrice"))
                .transpose()?,
        };
        let product =
            service::create_product(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(product.into())
    }

    /// Changes, archives or restores a product (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateProductInput`.")]
        input: UpdateProductInput,
    ) -> async_graphql::Result<UpdateProductPayload> {
        let id = decode_id(&input.id, NodeType::Product, "input.id")?;
        let changes = ProductChanges {
            code: input.code,
            name: input.name,
            description: change(input.description, Ok)?,
            product_line_id: change(input.product_line_id, |line| {
                decode_id(&line, NodeType::ProductLine, "input.productLineId")
            })?,
            unit: input.unit,
            list_price_minor: input
                .list_price
                .map(|p| p.minor("input.listPrice"))
                .transpose()?,
            cost_price_minor: change(input.cost_price, |c| c.minor("input.costPrice"))?,
            active: input.active,
        };
        product_change(ctx, id, input.expected_version, changes).await
    }

    /// Archives a product (admin): it stays on what used it and cannot be added to anything
    /// new.
    #[graphql(guard = "ADMIN")]
    async fn archive_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ArchiveProductInput`.")]
        input: ArchiveProductInput,
    ) -> async_graphql::Result<ArchiveProductPayload> {
        let id = decode_id(&input.id, NodeType::Product, "input.id")?;
        let changes = ProductChanges {
            active: Some(false),
            ..ProductChanges::default()
        };
        product_change(ctx, id, input.expected_version, changes).await
    }

    /// Adds a product line (admin).
    #[graphql(guard = "ADMIN")]
    async fn create_product_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateProductLineInput`.")]
        input: CreateProductLineInput,
    ) -> async_graphql::Result<CreateProductLinePayload> {
        let viewer = ctx.viewer()?;
        let new = service::NewProductLine {
            name: input.name,
            max_discount_basis_points: input
                .max_discount_percent
                .map(|p| basis_points(p, "input.maxDiscountPercent"))
                .transpose()?,
        };
        let line =
            service::create_product_line(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(line.into())
    }

    /// Renames a product line, changes its allowed discount, archives or restores it (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_product_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateProductLineInput`.")]
        input: UpdateProductLineInput,
    ) -> async_graphql::Result<UpdateProductLinePayload> {
        let id = decode_id(&input.id, NodeType::ProductLine, "input.id")?;
        let changes = ProductLineChanges {
            name: input.name,
            max_discount_basis_points: input
                .max_discount_percent
                .map(|p| basis_points(p, "input.maxDiscountPercent"))
                .transpose()?,
            active: input.active,
        };
        line_change(ctx, id, input.expected_version, changes).await
    }

    /// Archives a product line (admin): its products keep it; it takes no new ones.
    #[graphql(guard = "ADMIN")]
    async fn archive_product_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ArchiveProductLineInput`.")]
        input: ArchiveProductLineInput,
    ) -> async_graphql::Result<ArchiveProductLinePayload> {
        let id = decode_id(&input.id, NodeType::ProductLine, "input.id")?;
        let changes = ProductLineChanges {
            active: Some(false),
            ..ProductLineChanges::default()
        };
        line_change(ctx, id, input.expected_version, changes).await
    }
}

/// Applies `changes` to the product line `id`, answering its current state with a `CONFLICT`.
async fn line_change<P>(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    expected_version: i32,
    changes: ProductLineChanges,
) -> async_graphql::Result<P>
where
    P: async_graphql::OutputType + From<entity::product_line::Model>,
{
    let viewer = ctx.viewer()?;
    let changed =
        service::update_product_line(ctx.app(), viewer, id, expected_version, changes).await;
    let db = &ctx.app().db;
    crate::graphql::conflict::or_current(
        ctx,
        changed.map_err(|e| e.naming("input.id")),
        async || service::get_product_line(db, id).await,
    )
    .await
}

/// Applies `changes` to the product `id`, answering its current state with a `CONFLICT`.
async fn product_change<P>(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    expected_version: i32,
    changes: ProductChanges,
) -> async_graphql::Result<P>
where
    P: async_graphql::OutputType + From<entity::product::Model>,
{
    let viewer = ctx.viewer()?;
    let changed = service::update_product(ctx.app(), viewer, id, expected_version, changes).await;
    let db = &ctx.app().db;
    crate::graphql::conflict::or_current(
        ctx,
        changed.map_err(|e| e.naming("input.id")),
        async || service::get_product(db, id).await,
    )
    .await
}
