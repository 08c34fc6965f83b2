//! Quote operations: drawn from a deal's line items, edited while a draft, sent, accepted or
//! turned down by the customer, and expired by the daily sweep. Submission (and the discount
//! approval it may need) is `flows::quote_submission`.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::access::require_seller;
pub use super::access::{get_quote, load, quote_for_change, visible, visible_ids};
use super::model::{QuoteStatus, Totals, totals};
pub use super::steps::{Step, advance};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::optional_text;
use crate::pagination::{self, Page, PageRequest};
use crate::products::priced_lines::{ItemSpec, Priced, check_items, price_items};
use crate::state::AppState;
use crate::versioned;
use entity::quote::{self, Entity as Quotes};
use entity::quote_line_item::{self, Entity as Lines};

/// Longest terms text.
const MAX_TERMS: usize = 20_000;
/// Days a quote stays valid unless told otherwise.
pub const DEFAULT_VALIDITY_DAYS: i64 = 30;

fn check_tax(tax_bp: i32) -> AppResult<i32> {
    if !(0..=10_000).contains(&tax_bp) {
        return Err(AppError::bad_input(
            "input.taxRate",
            "A tax rate is between 0 and 100 percent",
        ));
    }
    Ok(tax_bp)
}

fn check_valid_until(day: NaiveDate, today: NaiveDate) -> AppResult<NaiveDate> {
    if day < today {
        return Err(AppError::bad_input(
            "input.validUntil",
            "A quote is valid until today or later",
        ));
    }
    Ok(day)
}

/// The totals of priced lines, or `BAD_USER_INPUT` beyond the largest amount.
fn totals_of(lines: &[(i64, i64)], tax_bp: i32) -> AppResult<Totals> {
    totals(lines, tax_bp)
        .ok_or_else(|| AppError::bad_input("input.items", "The total is beyond 999,999,999,999.99"))
}

/// Writes `lines` as the quote's lines, replacing any.
async fn write_lines(db: &impl ConnectionTrait, quote_id: Uuid, lines: &[Priced]) -> AppResult<()> {
    Lines::delete_many()
        .filter(quote_line_item::Column::QuoteId.eq(quote_id))
        .exec(db)
        .await?;
    if lines.is_empty() {
        return Ok(());
    }
    let rows = lines
        .iter()
        .zip(0..)
        .map(|(l, position)| quote_line_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            quote_id: Set(quote_id),
            position: Set(position),
            product_id: Set(l.product_id),
            quantity_thousandths: Set(l.quantity_thousandths),
            unit_price_minor: Set(l.unit_price_minor),
            book_price_minor: Set(l.book_price_minor),
            discount_basis_points: Set(l.discount_basis_points),
            gross_minor: Set(l.gross_minor),
            amount_minor: Set(l.amount_minor),
            unit_cost_minor: Set(l.unit_cost_minor),
        });
    Lines::insert_many(rows).exec(db).await?;
    Ok(())
}

/// A quote to draw from a deal.
#[derive(Debug, Clone, Serialize)]
pub struct NewQuote {
    pub opportunity_id: Uuid,
    pub valid_until: Option<NaiveDate>,
    pub tax_rate_basis_points: Option<i32>,
    pub terms: Option<String>,
}

/// Draws a draft quote from an open deal the viewer may change, copying its price book and
/// line items (re-priced from the book on the viewer's today where a line kept the book
/// price), numbered `Q-<year>-<seq>` without gaps. Idempotent by key. Errors: `FORBIDDEN`,
/// `NOT_FOUND`, `BAD_USER_INPUT` (no lines, archived products, dates, tax), `INVALID_STATE`
/// (closed deal), `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_quote(
    state: &AppState,
    viewer: &Viewer,
    new: NewQuote,
    idempotency_key: Option<String>,
) -> AppResult<quote::Model> {
    require_seller(viewer)?;
    let now = state.clock.now();
    let today = crate::calendar::today(viewer.timezone, now);
    let mut problems = crate::input::Problems::default();
    let tax = problems.check(check_tax(new.tax_rate_basis_points.unwrap_or(0)));
    let valid_until = problems.check(check_valid_until(
        new.valid_until
            .unwrap_or(today + chrono::Duration::days(DEFAULT_VALIDITY_DAYS)),
        today,
    ));
    let terms = problems.check(optional_text(
        new.terms.as_deref(),
        "input.terms",
        MAX_TERMS,
    ));
    problems.finish()?;
    let (Some(tax), Some(valid_until), Some(terms)) = (tax, valid_until, terms) else {
        return Err(AppError::internal());
    };
    let call = IdempotentCall::new(viewer.user_id, "createQuote", idempotency_key, &new)?;
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let deal =
            crate::opportunities::access::opportunity_for_change(txn, viewer, new.opportunity_id)
                .await
                .map_err(|e| e.with_field("input.opportunityId"))?;
        if deal.status != "OPEN" {
            return Err(AppError::invalid_state("Quotes are drawn from open deals"));
        }
        let deal_lines = crate::opportunities::line_items::lines_of(txn, &[deal.id]).await?;
        if deal_lines.is_empty() {
            return Err(AppError::bad_input(
                "input.opportunityId",
                "The deal has no line items to quote",
            ));
        }
        let book = deal
            .price_book_id
            .unwrap_or(crate::products::price_books::STANDARD);
        // The deal's lines as they stand: their prices and discounts, checked again against
        // the catalogue (an archived product joins no new quote).
        let items: Vec<ItemSpec> = deal_lines
            .iter()
            .map(|l| ItemSpec {
                product_id: l.product_id,
                quantity_thousandths: l.quantity_thousandths,
                unit_price_minor: Some(l.unit_price_minor),
                discount_basis_points: l.discount_basis_points,
            })
            .collect();
        let lines = price_items(txn, &items, book, today, &[])
            .await
            .map_err(|e| e.with_field("input.opportunityId"))?;
        let money: Vec<(i64, i64)> = lines
            .iter()
            .map(|l| (l.gross_minor, l.amount_minor))
            .collect();
        let sums = totals_of(&money, tax)?;
        let product_ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
        let names =
            super::names::capture(txn, deal.customer_id, viewer.user_id, &product_ids).await?;
        let year = state.config.company_year(now);
        let seq = crate::numbering::next(txn, "QUOTE", year).await?;
        let created = quote::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(crate::numbering::format("Q", year, seq)),
            year: Set(year),
            seq: Set(seq),
            opportunity_id: Set(deal.id),
            customer_id: Set(deal.customer_id),
            created_by: Set(viewer.user_id),
            price_book_id: Set(book),
            status: Set(QuoteStatus::Draft.as_str().to_owned()),
            valid_until: Set(valid_until),
            tax_rate_basis_points: Set(tax),
            subtotal_minor: Set(sums.subtotal.minor()),
            discount_total_minor: Set(sums.discount_total.minor()),
            tax_minor: Set(sums.tax.minor()),
            total_minor: Set(sums.total.minor()),
            terms: Set(terms.clone().unwrap_or_default()),
            rejection_reason: Set(None),
            sent_at: Set(None),
            accepted_at: Set(None),
            document_names: Set(Some(names)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        write_lines(txn, created.id, &lines).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "quote.created",
            subject_type: "Quote",
            subject_id: created.id,
            details: serde_json::json!({"number": created.number, "opportunityId": deal.id,
                "totalMinor": created.total_minor}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    load(&state.db, id).await
}

/// Changes to a draft quote; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuoteChanges {
    pub valid_until: Option<NaiveDate>,
    pub tax_rate_basis_points: Option<i32>,
    pub terms: Option<String>,
    pub price_book_id: Option<Uuid>,
    /// The complete new list of lines.
    pub items: Option<Vec<ItemSpec>>,
}

/// Edits a draft quote the viewer may change, at `expected_version`: dates, tax, terms, its
/// price book and lines (priced from the book on the viewer's today); totals follow, and the
/// names its document prints are taken again. Idempotent by key. Errors: `FORBIDDEN`,
/// `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`, `INVALID_STATE` (not a draft),
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn update_quote(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: QuoteChanges,
    idempotency_key: Option<String>,
) -> AppResult<quote::Model> {
    require_seller(viewer)?;
    if let Some(items) = &changes.items {
        check_items(items)?;
        if items.is_empty() {
            return Err(AppError::bad_input(
                "input.items",
                "A quote has at least one line",
            ));
        }
    }
    let call = IdempotentCall::new(
        viewer.user_id,
        "updateQuote",
        idempotency_key,
        &(id, expected_version, &changes),
    )?;
    let now = state.clock.now();
    let today = crate::calendar::today(viewer.timezone, now);
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = quote_for_change(txn, viewer, id).await?;
        versioned::check(expected_version, current.version)?;
        if current.status != QuoteStatus::Draft.as_str() {
            return Err(AppError::invalid_state("Only a draft quote can be edited"));
        }
        let mut model = quote::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        let mut problems = crate::input::Problems::default();
        let tax = match changes.tax_rate_basis_points {
            Some(tax) => problems.check(check_tax(tax)),
            None => Some(current.tax_rate_basis_points),
        };
        if let Some(day) = changes.valid_until
            && let Some(day) = problems.check(check_valid_until(day, today))
        {
            model.valid_until = Set(day);
        }
        if let Some(terms) = &changes.terms
            && let Some(terms) =
                problems.check(optional_text(Some(terms), "input.terms", MAX_TERMS))
        {
            model.terms = Set(terms.unwrap_or_default());
        }
        problems.finish()?;
        let tax = tax.ok_or_else(AppError::internal)?;
        let book = match changes.price_book_id {
            Some(book) => {
                crate::products::price_books::usable_book(txn, book, "input.priceBookId")
                    .await?
                    .id
            }
            None => current.price_book_id,
        };
        let existing = lines_of(txn, &[id]).await?;
        let (money, product_ids): (Vec<(i64, i64)>, Vec<Uuid>) = match &changes.items {
            Some(items) => {
                let kept: Vec<(Uuid, i64)> = existing
                    .iter()
                    .map(|l| (l.product_id, l.book_price_minor))
                    .collect();
                let priced = price_items(txn, items, book, today, &kept).await?;
                write_lines(txn, id, &priced).await?;
                priced
                    .iter()
                    .map(|l| ((l.gross_minor, l.amount_minor), l.product_id))
                    .unzip()
            }
            None => existing
                .iter()
                .map(|l| ((l.gross_minor, l.amount_minor), l.product_id))
                .unzip(),
        };
        // The draft is being written: what its document prints is taken as it stands now.
        model.document_names = Set(Some(
            super::names::capture(txn, current.customer_id, current.created_by, &product_ids)
                .await?,
        ));
        let sums = totals_of(&money, tax)?;
        model.price_book_id = Set(book);
        model.tax_rate_basis_points = Set(tax);
        model.subtotal_minor = Set(sums.subtotal.minor());
        model.discount_total_minor = Set(sums.discount_total.minor());
        model.tax_minor = Set(sums.tax.minor());
        model.total_minor = Set(sums.total.minor());
        let audit = crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "quote.updated",
            subject_type: "Quote",
            subject_id: id,
            details: serde_json::json!({"totalMinor": sums.total.minor(),
                "linesChanged": changes.items.is_some()}),
        };
        let target = versioned::Target::new(id, expected_version, current.version);
        versioned::save::<Quotes>(txn, target, model, audit, now).await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

/// Filters for the quote list.
#[derive(Debug, Clone, Default)]
pub struct QuoteFilter {
    pub opportunity_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub statuses: Option<Vec<QuoteStatus>>,
}

/// The quotes the viewer may see matching `filter`, newest first. Errors: `BAD_USER_INPUT`
/// (paging).
pub async fn list_quotes(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: QuoteFilter,
    page: &PageRequest,
) -> AppResult<Page<quote::Model>> {
    let mut condition = Condition::all().add(visible(viewer));
    if let Some(deal) = filter.opportunity_id {
        condition = condition.add(quote::Column::OpportunityId.eq(deal));
    }
    if let Some(customer) = filter.customer_id {
        condition = condition.add(quote::Column::CustomerId.eq(customer));
    }
    if let Some(statuses) = filter.statuses {
        // Each status once, however often the client repeats it.
        let statuses: std::collections::BTreeSet<&str> =
            statuses.iter().map(|s| s.as_str()).collect();
        condition = condition.add(quote::Column::Status.is_in(statuses));
    }
    use pagination::{SortKey, SortValue};
    pagination::fetch_sorted(
        db,
        Quotes::find().filter(condition),
        quote::Column::Id,
        SortKey::Id,
        true,
        page,
        |_| SortValue::Int(0),
        |q| q.id,
    )
    .await
}

/// The lines of these quotes, in order (for loaders under visible quotes).
pub async fn lines_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<quote_line_item::Model>> {
    Ok(Lines::find()
        .filter(quote_line_item::Column::QuoteId.is_in(ids.to_vec()))
        .order_by_asc(quote_line_item::Column::QuoteId)
        .order_by_asc(quote_line_item::Column::Position)
        .all(db)
        .await?)
}

/// The quotes of these deals, newest first (for loaders under visible deals).
pub async fn quotes_of_deals(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<quote::Model>> {
    Ok(Quotes::find()
        .filter(quote::Column::OpportunityId.is_in(ids.to_vec()))
        .order_by_desc(quote::Column::Id)
        .all(db)
        .await?)
}

/// Quotes by id, without visibility (for loaders under visible records).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<quote::Model>> {
    Ok(Quotes::find()
        .filter(quote::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}
