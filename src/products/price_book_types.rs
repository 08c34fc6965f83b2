//! Price books over GraphQL: everyone reads them and asks a product's price in one; admins
//! create, change and price them.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, MaybeUndefined, Object, SimpleObject,
};

use super::loaders::{PriceBookLoader, ProductLoader};
use super::price_books::{self as service, EntrySpec, NewPriceBook, PriceBookChanges};
use super::types::Product;
use crate::customers::graphql::change;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::{Date, Decimal, Instant};
use crate::ids::{NodeType, decode_id, decode_optional, encode_id};
use crate::money::Money;
use entity::{price_book, price_book_entry};

/// A set of prices products are sold at: the standard book (the list prices) or another one,
/// such as a region's or a customer grade's.
#[derive(SimpleObject, Clone, Debug)]
pub struct PriceBook {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Name, unique ignoring case and spacing.
    pub name: String,
    /// What the book is for.
    pub description: Option<String>,
    /// True for the standard book, whose prices are the products' list prices.
    pub standard: bool,
    /// False once archived: no deal or quote may start using it.
    pub active: bool,
    /// When the book was created.
    pub created_at: Instant,
    /// When the book (or one of its prices) last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
}

impl From<price_book::Model> for PriceBook {
    fn from(model: price_book::Model) -> Self {
        Self {
            id: encode_id(NodeType::PriceBook, model.id),
            name: model.name,
            description: model.description,
            standard: model.standard,
            active: model.active,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
        }
    }
}

/// A product's price in a price book for a period.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct PriceBookEntry {
    /// Price per unit.
    pub unit_price: Decimal,
    /// First day the price applies; open when null.
    pub valid_from: Option<Date>,
    /// Last day the price applies; open when null.
    pub valid_until: Option<Date>,
    #[graphql(skip)]
    pub model: price_book_entry::Model,
}

#[ComplexObject]
impl PriceBookEntry {
    /// The product priced.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let loader = ctx.loader::<ProductLoader>()?;
        Ok(loader
            .load_one(self.model.product_id)
            .await?
            .map(Product::from))
    }

    /// The price book the price is in.
    async fn price_book(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PriceBook>> {
        let loader = ctx.loader::<PriceBookLoader>()?;
        Ok(loader
            .load_one(self.model.price_book_id)
            .await?
            .map(PriceBook::from))
    }
}

impl From<price_book_entry::Model> for PriceBookEntry {
    fn from(model: price_book_entry::Model) -> Self {
        Self {
            unit_price: Decimal(Money::from_minor(model.unit_price_minor).to_decimal()),
            valid_from: model.valid_from.map(Date),
            valid_until: model.valid_until.map(Date),
            model,
        }
    }
}

crate::connection_types!(PriceBookEntryConnection, PriceBookEntryEdge, PriceBookEntry);

/// A price book to create.
#[derive(InputObject, Debug)]
pub struct CreatePriceBookInput {
    /// Name, unique ignoring case and spacing (at most 200 characters).
    pub name: String,
    /// What the book is for (at most 2,000 characters).
    pub description: Option<String>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Changes to a price book; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdatePriceBookInput {
    /// The price book to change.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New description; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// `true` restores an archived book, `false` archives it (not the standard book).
    pub active: Option<bool>,
}

/// A price book to archive.
#[derive(InputObject, Debug)]
pub struct ArchivePriceBookInput {
    /// The price book to archive (not the standard one).
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
}

/// A product's price in a book for a period.
#[derive(InputObject, Debug)]
pub struct PriceBookEntryInput {
    /// The product (an active one).
    pub product_id: ID,
    /// Price per unit, zero or more, at most two fraction digits.
    pub unit_price: Decimal,
    /// First day the price applies; open when omitted.
    pub valid_from: Option<Date>,
    /// Last day the price applies; open when omitted.
    pub valid_until: Option<Date>,
}

/// Prices to set in a price book: each product named here gets exactly the periods given,
/// replacing its earlier ones; products not named keep theirs.
#[derive(InputObject, Debug)]
pub struct SetPriceBookEntriesInput {
    /// The price book (not the standard one, whose prices are the list prices).
    pub price_book_id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// The prices to set; periods of one product may not share a day (at most 500 entries and
    /// removals together).
    pub entries: Vec<PriceBookEntryInput>,
    /// Products to take out of the book.
    #[graphql(default)]
    pub remove_product_ids: Vec<ID>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Result of a price book change.
#[derive(SimpleObject, Debug)]
pub struct PriceBookPayload {
    /// The price book after the change.
    pub price_book: PriceBook,
}

impl From<price_book::Model> for PriceBookPayload {
    fn from(model: price_book::Model) -> Self {
        Self {
            price_book: model.into(),
        }
    }
}

#[derive(Default)]
pub struct PriceBookQuery;

#[Object]
impl PriceBookQuery {
    /// The price books, the standard one first, then by name; archived ones too when asked.
    #[graphql(guard = "SignedIn")]
    async fn price_books(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived price books.", default = false)] include_archived: bool,
    ) -> async_graphql::Result<Vec<PriceBook>> {
        let books = service::list_price_books(&ctx.app().db, include_archived).await?;
        Ok(books.into_iter().map(PriceBook::from).collect())
    }

    /// One price book by id; `null` with a `NOT_FOUND` error when there is none.
    #[graphql(guard = "SignedIn")]
    async fn price_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The price book's id.")] id: ID,
    ) -> async_graphql::Result<Option<PriceBook>> {
        crate::graphql::context::lookup(ctx, async {
            let id = decode_id(&id, NodeType::PriceBook, "id")?;
            Ok(service::get_price_book(&ctx.app().db, id).await?.into())
        })
        .await
    }

    /// The prices a book sets, in the order they were set (empty for the standard book, whose
    /// prices are the list prices).
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus the book and product
    async fn price_book_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The price book.")] price_book_id: ID,
        #[graphql(desc = "Only this product's prices.")] product_id: Option<ID>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<PriceBookEntryConnection> {
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let book = decode_id(&price_book_id, NodeType::PriceBook, "priceBookId")?;
        let product = decode_optional(product_id.as_ref(), NodeType::Product, "productId")?;
        let page = service::list_entries(&ctx.app().db, book, product, &page).await?;
        Ok(PriceBookEntryConnection::from_page(
            page,
            PriceBookEntry::from,
        ))
    }
}

#[derive(Default)]
pub struct PriceBookMutation;

#[Object]
impl PriceBookMutation {
    /// Creates a price book without prices (admin).
    #[graphql(guard = "ADMIN")]
    async fn create_price_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreatePriceBookInput`.")]
        input: CreatePriceBookInput,
    ) -> async_graphql::Result<PriceBookPayload> {
        let viewer = ctx.viewer()?;
        let new = NewPriceBook {
            name: input.name,
            description: input.description,
        };
        let book =
            service::create_price_book(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(book.into())
    }

    /// Renames, describes, archives or restores a price book (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_price_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdatePriceBookInput`.")]
        input: UpdatePriceBookInput,
    ) -> async_graphql::Result<PriceBookPayload> {
        let id = decode_id(&input.id, NodeType::PriceBook, "input.id")?;
        let changes = PriceBookChanges {
            name: input.name,
            description: change(input.description, Ok)?,
            active: input.active,
        };
        book_change(ctx, id, input.expected_version, changes).await
    }

    /// Archives a price book (admin): deals and quotes using it keep it; no new ones may.
    #[graphql(guard = "ADMIN")]
    async fn archive_price_book(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ArchivePriceBookInput`.")]
        input: ArchivePriceBookInput,
    ) -> async_graphql::Result<PriceBookPayload> {
        let id = decode_id(&input.id, NodeType::PriceBook, "input.id")?;
        let changes = PriceBookChanges {
            active: Some(false),
            ..PriceBookChanges::default()
        };
        book_change(ctx, id, input.expected_version, changes).await
    }

    /// Sets or removes products' prices in a price book (admin).
    #[graphql(guard = "ADMIN")]
    async fn set_price_book_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SetPriceBookEntriesInput`.")]
        input: SetPriceBookEntriesInput,
    ) -> async_graphql::Result<PriceBookPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(
            &input.price_book_id,
            NodeType::PriceBook,
            "input.priceBookId",
        )?;
        if input.entries.len() + input.remove_product_ids.len() > service::MAX_ENTRIES_PER_CALL {
            // Named by the longer of the two lists, the one to shorten.
            let field = if input.remove_product_ids.len() > input.entries.len() {
                "input.removeProductIds"
            } else {
                "input.entries"
            };
            return Err(crate::error::AppError::bad_input(
                field,
                "At most 500 entries and removals per call",
            )
            .into());
        }
        let entries = input
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(EntrySpec {
                    product_id: decode_id(
                        &e.product_id,
                        NodeType::Product,
                        &format!("input.entries.{i}.productId"),
                    )?,
                    unit_price_minor: e
                        .unit_price
                        .minor(&format!("input.entries.{i}.unitPrice"))?,
                    valid_from: e.valid_from.map(|d| d.0),
                    valid_until: e.valid_until.map(|d| d.0),
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let remove = input
            .remove_product_ids
            .iter()
            .enumerate()
            .map(|(i, p)| decode_id(p, NodeType::Product, &format!("input.removeProductIds.{i}")))
            .collect::<AppResult<Vec<_>>>()?;
        let changed = service::set_price_book_entries(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            entries,
            remove,
            input.idempotency_key,
        )
        .await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.priceBookId")),
            async || service::get_price_book(db, id).await,
        )
        .await
    }
}

/// Applies `changes` to the price book `id`, answering its current state with a `CONFLICT`.
async fn book_change(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    expected_version: i32,
    changes: PriceBookChanges,
) -> async_graphql::Result<PriceBookPayload> {
    let viewer = ctx.viewer()?;
    let changed =
        service::update_price_book(ctx.app(), viewer, id, expected_version, changes).await;
    let db = &ctx.app().db;
    crate::graphql::conflict::or_current(
        ctx,
        changed.map_err(|e| e.naming("input.id")),
        async || service::get_price_book(db, id).await,
    )
    .await
}
