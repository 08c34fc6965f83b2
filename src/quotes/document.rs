//! A quote's PDF for the customer: whoever may see the quote may download it, with a bearer
//! token or through a signed link from `Quote.pdfUrl` (bound to the quote's version, the
//! user and their sign-in, valid `SALESGRAPH_DOCUMENT_LINK_TTL_SECS`). The file is
//! byte-stable for a quote version: it prints the names captured with the draft
//! ([`super::names`]), the quote's own dates, and nothing of the moment it is rendered.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::access::get_quote;
use super::names::DocumentNames;
use super::sheet::{Sheet, SheetLine, footer, lay_out};
pub use crate::auth::links::LinkParams;
use crate::auth::links::Target;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::identity::Viewer;
use crate::ids::{NodeType, encode_id};
use crate::state::AppState;
use entity::quote;
use entity::quote_line_item::{self, Entity as Lines};

/// The kind named in a quote's signed links.
const LINK_KIND: &str = "quote";

/// Renders at once per instance; more wait their turn (rendering is CPU work off the async
/// threads, and a burst of downloads must not take every core from the API).
static RENDERING: Semaphore = Semaphore::const_new(2);

/// A rendered quote.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// The file name offered to the client (`Q-2026-000001.pdf`).
    pub file_name: String,
}

/// The quote's document as the viewer may see it; with `version`, only if the quote is still
/// at that version. Errors: `NOT_FOUND` (also when not visible), `CONFLICT` (another version).
pub async fn render(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    version: Option<i32>,
) -> AppResult<Rendered> {
    let quote = get_quote(&state.db, viewer, id).await?;
    if let Some(version) = version
        && version != quote.version
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "The quote has changed since this link was made; ask for a new link",
        ));
    }
    let sheet = sheet_of(state, &quote).await?;
    let file_name = format!("{}.pdf", quote.number);
    let _permit = RENDERING
        .acquire()
        .await
        .map_err(|_| AppError::internal())?;
    let document_id = quote.id.to_string();
    let bytes = tokio::task::spawn_blocking(move || {
        lay_out(&sheet).finish(&sheet.number, &document_id, &footer(&sheet))
    })
    .await
    .map_err(|_| AppError::internal())?
    .ok_or_else(|| {
        tracing::error!(quote = %id, "the quote's PDF could not be written");
        AppError::internal()
    })?;
    Ok(Rendered { bytes, file_name })
}

/// What the quote's document prints.
async fn sheet_of(state: &AppState, quote: &quote::Model) -> AppResult<Sheet> {
    let lines = Lines::find()
        .filter(quote_line_item::Column::QuoteId.eq(quote.id))
        .order_by_asc(quote_line_item::Column::Position)
        .all(&state.db)
        .await?;
    let product_ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
    // Quotes drafted before names were captured print the names as they stand now.
    let names = match DocumentNames::parse(quote.document_names.as_deref()) {
        Some(names) => names,
        None => {
            super::names::current(&state.db, quote.customer_id, quote.created_by, &product_ids)
                .await?
        }
    };
    let config = &state.config;
    Ok(Sheet {
        issuer: config.document_issuer.clone(),
        number: quote.number.clone(),
        version: quote.version,
        status: quote.status.clone(),
        customer: names.customer.clone(),
        seller: names.seller.clone(),
        seller_email: names.seller_email.clone(),
        dated: crate::calendar::today(config.company_tz(), quote.updated_at),
        valid_until: quote.valid_until,
        currency: config.currency.clone(),
        lines: lines
            .iter()
            .map(|l| {
                let product = names.products.get(&l.product_id);
                SheetLine {
                    code: product.map(|p| p.code.clone()).unwrap_or_default(),
                    name: product.map(|p| p.name.clone()).unwrap_or_default(),
                    unit: product.map(|p| p.unit.clone()).unwrap_or_default(),
                    quantity_thousandths: l.quantity_thousandths,
                    unit_price_minor: l.unit_price_minor,
                    discount_basis_points: l.discount_basis_points,
                    amount_minor: l.amount_minor,
                }
            })
            .collect(),
        subtotal_minor: quote.subtotal_minor,
        discount_total_minor: quote.discount_total_minor,
        tax_rate_basis_points: quote.tax_rate_basis_points,
        tax_minor: quote.tax_minor,
        total_minor: quote.total_minor,
        terms: quote.terms.clone(),
    })
}

/// The path of the quote's document (`/documents/quotes/{id}.pdf`, its global id).
pub fn path(id: Uuid) -> String {
    format!("/documents/quotes/{}.pdf", encode_id(NodeType::Quote, id).0)
}

/// A signed link to the quote's document at its current version for the viewer, valid for
/// the configured time: the path with `v`, `u`, `exp` and `sig` parameters.
pub async fn signed_link(
    state: &AppState,
    viewer: &Viewer,
    quote: &quote::Model,
) -> AppResult<String> {
    let target = Target {
        kind: LINK_KIND,
        id: quote.id,
        version: quote.version,
    };
    crate::auth::links::sign(state, viewer, target, &path(quote.id)).await
}

/// The viewer a signed link to quote `id` was issued to, if the link is genuine, unexpired,
/// and its user still active and signed in as when it was made. Errors: `UNAUTHENTICATED`.
pub async fn viewer_of_link(state: &AppState, id: Uuid, params: &LinkParams) -> AppResult<Viewer> {
    crate::auth::links::viewer_of(state, LINK_KIND, id, params).await
}
