//! `campaignReport`: what each campaign cost and brought over a window of days.
//!
//! Everything is counted by its own date within the window: costs by the day they were
//! incurred, members by when they were added, leads and deals by their creation, won deals by
//! their closing, collections by when the money was applied. Leads, deals and collections are
//! the caller's visible ones; costs are the campaign's (everyone who reads this report reads
//! campaign money).
//!
//! Two attributions side by side:
//! - **first touch**: a deal belongs to the campaign it names (the campaign of the lead it came
//!   from);
//! - **any touch, linear**: every campaign that touched a won deal before it closed — the one
//!   it names, campaigns its lead was a member of, and campaigns a contact of its customer was
//!   a member of — gets an equal share of it (1/n of the deal and of its amount for n
//!   campaigns).
//!
//! A fixed number of statements, however many campaigns and deals.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

pub use super::campaign_figures::{Figures, Touches, Window, roi};
use crate::error::{AppError, AppResult};
use crate::exact_sum;
use crate::identity::Viewer;
use crate::opportunities::model::OpportunityStatus;
use crate::policy;
use entity::{
    allocation, campaign, campaign_cost, campaign_member, contact, contract, customer, lead,
    opportunity,
};

/// Most campaigns one report names.
pub const MAX_CAMPAIGNS: usize = 100;
/// Most campaigns a report lists when none are named (those running in the window, latest
/// start first).
pub const MAX_LISTED: u64 = 200;

/// The campaigns the report covers: those named (every id must exist: `NOT_FOUND` on
/// `input.campaignIds.N`), else those running on a day of the window, latest start first.
pub async fn campaigns_of(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
    window: &Window,
) -> AppResult<Vec<campaign::Model>> {
    match ids {
        Some(ids) => {
            let found = campaign::Entity::find()
                .filter(campaign::Column::Id.is_in(ids.to_vec()))
                .all(db)
                .await?;
            let mut by_id: HashMap<Uuid, campaign::Model> =
                found.into_iter().map(|c| (c.id, c)).collect();
            let mut listed = Vec::new();
            for (i, id) in ids.iter().enumerate() {
                match by_id.remove(id) {
                    Some(found) => listed.push(found),
                    None if listed.iter().any(|c: &campaign::Model| c.id == *id) => {}
                    None => {
                        return Err(AppError::not_found("Campaign")
                            .with_field(format!("input.campaignIds.{i}")));
                    }
                }
            }
            Ok(listed)
        }
        None => Ok(campaign::Entity::find()
            .filter(campaign::Column::StartDate.lte(window.to))
            .filter(
                Condition::any()
                    .add(campaign::Column::EndDate.is_null())
                    .add(campaign::Column::EndDate.gte(window.from)),
            )
            .order_by_desc(campaign::Column::StartDate)
            .order_by_desc(campaign::Column::Id)
            .limit(MAX_LISTED)
            .all(db)
            .await?),
    }
}

#[derive(Debug, FromQueryResult)]
struct Total {
    campaign_id: Uuid,
    total: i64,
}

#[derive(Debug, FromQueryResult)]
struct Count {
    campaign_id: Uuid,
    count: i64,
}

#[derive(Debug, FromQueryResult)]
struct LeadCounts {
    campaign_id: Uuid,
    leads: i64,
    qualified: i64,
}

#[derive(Debug, FromQueryResult)]
struct Won {
    campaign_id: Uuid,
    deals: i64,
    total: i64,
}

fn count_all() -> Expr {
    Expr::cust("CAST(COUNT(*) AS BIGINT)")
}

/// Won deals closed in the window.
fn won_in(window: &Window) -> Condition {
    Condition::all()
        .add(
            Expr::col((opportunity::Entity, opportunity::Column::Status))
                .eq(OpportunityStatus::Won.as_str()),
        )
        .add(Expr::col((opportunity::Entity, opportunity::Column::ClosedAt)).gte(window.start))
        .add(Expr::col((opportunity::Entity, opportunity::Column::ClosedAt)).lt(window.end))
}

/// Every campaign's touch of the visible deals won in the window (first touch, the lead's
/// memberships and the customer's contacts' memberships before the deal closed), each pair
/// once.
fn touches(viewer: &Viewer, window: &Window) -> SelectStatement {
    let deal = |c: opportunity::Column| Expr::col((opportunity::Entity, c));
    let member = |c: campaign_member::Column| Expr::col((campaign_member::Entity, c));
    let base = || {
        Query::select()
            .from(opportunity::Entity)
            .expr_as(deal(opportunity::Column::Id), Alias::new("opportunity_id"))
            .expr_as(
                deal(opportunity::Column::AmountMinor),
                Alias::new("amount_minor"),
            )
            .cond_where(won_in(window))
            .cond_where(policy::opportunities(viewer))
            .to_owned()
    };
    let mut named = base();
    named
        .expr_as(
            deal(opportunity::Column::CampaignId),
            Alias::new("campaign_id"),
        )
        .and_where(deal(opportunity::Column::CampaignId).is_not_null());
    let mut lead_member = base();
    lead_member
        .inner_join(
            campaign_member::Entity,
            member(campaign_member::Column::LeadId)
                .equals((opportunity::Entity, opportunity::Column::LeadId))
                .and(
                    member(campaign_member::Column::CreatedAt)
                        .lte(deal(opportunity::Column::ClosedAt)),
                ),
        )
        .expr_as(
            member(campaign_member::Column::CampaignId),
            Alias::new("campaign_id"),
        );
    let mut contact_member = base();
    contact_member
        .inner_join(
            contact::Entity,
            Expr::col((contact::Entity, contact::Column::CustomerId))
                .equals((opportunity::Entity, opportunity::Column::CustomerId)),
        )
        .inner_join(
            campaign_member::Entity,
            member(campaign_member::Column::ContactId)
                .equals((contact::Entity, contact::Column::Id))
                .and(
                    member(campaign_member::Column::CreatedAt)
                        .lte(deal(opportunity::Column::ClosedAt)),
                ),
        )
        .expr_as(
            member(campaign_member::Column::CampaignId),
            Alias::new("campaign_id"),
        );
    let touches = named
        .union(UnionType::Distinct, lead_member)
        .union(UnionType::Distinct, contact_member)
        .to_owned();
    // Each touch beside the number of campaigns touching its deal, then added up per campaign
    // and number: a few rows per campaign instead of one per touch.
    let counted = Query::select()
        .column((Alias::new("touches"), Alias::new("campaign_id")))
        .column((Alias::new("touches"), Alias::new("amount_minor")))
        .expr_as(
            Expr::cust(
                "CAST(COUNT(*) OVER (PARTITION BY \"touches\".\"opportunity_id\") AS BIGINT)",
            ),
            Alias::new("campaigns"),
        )
        .from_subquery(touches, Alias::new("touches"))
        .to_owned();
    Query::select()
        .column((Alias::new("counted"), Alias::new("campaign_id")))
        .column((Alias::new("counted"), Alias::new("campaigns")))
        .expr_as(count_all(), Alias::new("deals"))
        .expr_as(
            exact_sum::saturating_sql("\"counted\".\"amount_minor\""),
            Alias::new("total"),
        )
        .from_subquery(counted, Alias::new("counted"))
        .add_group_by([
            Expr::col((Alias::new("counted"), Alias::new("campaign_id"))),
            Expr::col((Alias::new("counted"), Alias::new("campaigns"))),
        ])
        .to_owned()
}

/// Hands each row to its campaign's figures (rows of other campaigns are left out).
fn fold<R>(
    figures: &mut HashMap<Uuid, Figures>,
    rows: Vec<R>,
    key: fn(&R) -> Uuid,
    apply: fn(&mut Figures, R),
) {
    for row in rows {
        if let Some(f) = figures.get_mut(&key(&row)) {
            apply(f, row);
        }
    }
}

async fn rows<R: FromQueryResult>(
    db: &impl ConnectionTrait,
    statement: SelectStatement,
) -> AppResult<Vec<R>> {
    Ok(R::find_by_statement(crate::db::report_statement(
        db.get_database_backend(),
        &statement,
    ))
    .all(db)
    .await?)
}

/// The figures of each of `ids` over `window`, as `viewer` may see them. Eight statements.
pub async fn figures(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
    window: &Window,
) -> AppResult<HashMap<Uuid, Figures>> {
    let mut figures: HashMap<Uuid, Figures> =
        ids.iter().map(|id| (*id, Figures::default())).collect();
    if ids.is_empty() {
        return Ok(figures);
    }
    let ids_vec = ids.to_vec();
    let costs = Query::select()
        .from(campaign_cost::Entity)
        .column(campaign_cost::Column::CampaignId)
        .expr_as(
            exact_sum::saturating_sql("\"campaign_costs\".\"amount_minor\""),
            Alias::new("total"),
        )
        .and_where(campaign_cost::Column::CampaignId.is_in(ids_vec.clone()))
        .and_where(campaign_cost::Column::IncurredOn.gte(window.from))
        .and_where(campaign_cost::Column::IncurredOn.lte(window.to))
        .group_by_col(campaign_cost::Column::CampaignId)
        .to_owned();
    let members = Query::select()
        .from(campaign_member::Entity)
        .column(campaign_member::Column::CampaignId)
        .expr_as(count_all(), Alias::new("count"))
        .and_where(campaign_member::Column::CampaignId.is_in(ids_vec.clone()))
        .and_where(campaign_member::Column::CreatedAt.gte(window.start))
        .and_where(campaign_member::Column::CreatedAt.lt(window.end))
        .cond_where(crate::campaigns::members::visible_members(viewer))
        .group_by_col(campaign_member::Column::CampaignId)
        .to_owned();
    let leads = Query::select()
        .from(lead::Entity)
        .column(lead::Column::CampaignId)
        .expr_as(count_all(), Alias::new("leads"))
        .expr_as(
            Expr::case(
                Expr::col(lead::Column::QualifiedAt).lt(window.end),
                Expr::val(1_i64),
            )
            .finally(Expr::val(0_i64))
            .sum()
            .cast_as(Alias::new("BIGINT")),
            Alias::new("qualified"),
        )
        .and_where(lead::Column::CampaignId.is_in(ids_vec.clone()))
        .and_where(lead::Column::CreatedAt.gte(window.start))
        .and_where(lead::Column::CreatedAt.lt(window.end))
        .cond_where(policy::leads(viewer))
        .group_by_col(lead::Column::CampaignId)
        .to_owned();
    let deals = Query::select()
        .from(opportunity::Entity)
        .column(opportunity::Column::CampaignId)
        .expr_as(count_all(), Alias::new("count"))
        .and_where(opportunity::Column::CampaignId.is_in(ids_vec.clone()))
        .and_where(opportunity::Column::CreatedAt.gte(window.start))
        .and_where(opportunity::Column::CreatedAt.lt(window.end))
        .cond_where(policy::opportunities(viewer))
        .group_by_col(opportunity::Column::CampaignId)
        .to_owned();
    let customers = Query::select()
        .from(customer::Entity)
        .column(customer::Column::CampaignId)
        .expr_as(count_all(), Alias::new("count"))
        .and_where(customer::Column::CampaignId.is_in(ids_vec.clone()))
        .and_where(customer::Column::CreatedAt.gte(window.start))
        .and_where(customer::Column::CreatedAt.lt(window.end))
        .cond_where(policy::customers(viewer))
        .group_by_col(customer::Column::CampaignId)
        .to_owned();
    let won = Query::select()
        .from(opportunity::Entity)
        .column(opportunity::Column::CampaignId)
        .expr_as(count_all(), Alias::new("deals"))
        .expr_as(
            exact_sum::saturating_sql("\"opportunities\".\"amount_minor\""),
            Alias::new("total"),
        )
        .and_where(opportunity::Column::CampaignId.is_in(ids_vec.clone()))
        .cond_where(won_in(window))
        .cond_where(policy::opportunities(viewer))
        .group_by_col(opportunity::Column::CampaignId)
        .to_owned();
    let collected = super::seller_aggregates::allocations_on_contracts()
        .inner_join(
            opportunity::Entity,
            Expr::col((opportunity::Entity, opportunity::Column::Id))
                .equals((contract::Entity, contract::Column::OpportunityId)),
        )
        .expr_as(
            Expr::col((opportunity::Entity, opportunity::Column::CampaignId)),
            Alias::new("campaign_id"),
        )
        .expr_as(
            exact_sum::saturating_sql("\"allocations\".\"amount_minor\""),
            Alias::new("total"),
        )
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::CampaignId))
                .is_in(ids_vec.clone()),
        )
        .and_where(Expr::col((allocation::Entity, allocation::Column::CreatedAt)).gte(window.start))
        .and_where(Expr::col((allocation::Entity, allocation::Column::CreatedAt)).lt(window.end))
        .cond_where(policy::opportunities(viewer))
        .add_group_by([Expr::col((
            opportunity::Entity,
            opportunity::Column::CampaignId,
        ))])
        .to_owned();
    let (costs, members, leads, deals, customers, won, collected, touches) = tokio::try_join!(
        rows::<Total>(db, costs),
        rows::<Count>(db, members),
        rows::<LeadCounts>(db, leads),
        rows::<Count>(db, deals),
        rows::<Count>(db, customers),
        rows::<Won>(db, won),
        rows::<Total>(db, collected),
        rows::<Touches>(db, touches(viewer, window)),
    )?;
    fold(
        &mut figures,
        costs,
        |r| r.campaign_id,
        |f, r| f.cost = r.total,
    );
    fold(
        &mut figures,
        members,
        |r| r.campaign_id,
        |f, r| f.members = r.count,
    );
    fold(
        &mut figures,
        leads,
        |r| r.campaign_id,
        |f, r| {
            f.leads = r.leads;
            f.qualified_leads = r.qualified;
        },
    );
    fold(
        &mut figures,
        deals,
        |r| r.campaign_id,
        |f, r| f.deals = r.count,
    );
    fold(
        &mut figures,
        customers,
        |r| r.campaign_id,
        |f, r| f.new_customers = r.count,
    );
    fold(
        &mut figures,
        won,
        |r| r.campaign_id,
        |f, r| {
            f.won_deals = r.deals;
            f.won = r.total;
        },
    );
    fold(
        &mut figures,
        collected,
        |r| r.campaign_id,
        |f, r| f.collected = r.total,
    );
    for (campaign, (deals, credit, amount)) in super::campaign_figures::credit_of(&touches) {
        if let Some(f) = figures.get_mut(&campaign) {
            f.touched_deals = deals;
            f.deal_credit = credit;
            f.credited_won = amount;
        }
    }
    Ok(figures)
}
