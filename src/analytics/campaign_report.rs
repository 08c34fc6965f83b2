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

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::exact_sum;
use crate::identity::Viewer;
use crate::money::Money;
use crate::opportunities::model::OpportunityStatus;
use crate::policy;
use entity::{
    allocation, campaign, campaign_cost, campaign_member, contact, contract, installment, lead,
    opportunity,
};

/// Most campaigns one report names.
pub const MAX_CAMPAIGNS: usize = 100;
/// Most campaigns a report lists when none are named (those running in the window, latest
/// start first).
pub const MAX_LISTED: u64 = 200;

/// The days a report covers, and the instants they span in the company time zone.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// The window of company days `from..=to`. Errors: `BAD_USER_INPUT` on `input.to` (before
    /// `from`, or a day without a next one).
    pub fn new(from: NaiveDate, to: NaiveDate, tz: chrono_tz::Tz) -> AppResult<Self> {
        if to < from {
            return Err(AppError::bad_input(
                "input.to",
                "The window ends on or after its first day",
            ));
        }
        let after = to
            .checked_add_days(chrono::Days::new(1))
            .ok_or_else(|| AppError::bad_input("input.to", "A day within the calendar"))?;
        Ok(Self {
            from,
            to,
            start: crate::calendar::local_day_bounds(tz, from).0,
            end: crate::calendar::local_day_bounds(tz, after).0,
        })
    }
}

/// One campaign's figures; money in minor units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub cost: i64,
    pub members: i64,
    pub leads: i64,
    pub qualified_leads: i64,
    pub deals: i64,
    pub won_deals: i64,
    pub won: i64,
    pub collected: i64,
    /// Won deals touched by the campaign (any touch).
    pub touched_deals: i64,
    /// Its linear credit: Σ 1/n over the deals it touched.
    pub deal_credit: Decimal,
    /// Σ amount/n over the deals it touched, in minor units (not rounded).
    pub credited_won: Decimal,
}

impl Figures {
    /// Adds `other` to these (the report's total).
    pub fn add(&mut self, other: &Figures) {
        self.cost = self.cost.saturating_add(other.cost);
        self.members += other.members;
        self.leads += other.leads;
        self.qualified_leads += other.qualified_leads;
        self.deals += other.deals;
        self.won_deals += other.won_deals;
        self.won = self.won.saturating_add(other.won);
        self.collected = self.collected.saturating_add(other.collected);
        self.touched_deals += other.touched_deals;
        self.deal_credit += other.deal_credit;
        self.credited_won += other.credited_won;
    }

    /// The cost of each of `count` things, to the cent (`None` for none).
    pub fn cost_per(&self, count: i64) -> Option<Money> {
        (count > 0).then(|| {
            Money::round_half_up_saturating(
                Decimal::from(self.cost) / Decimal::from(count) / Decimal::ONE_HUNDRED,
            )
        })
    }

    /// The any-touch won amount, to the cent.
    pub fn credited_won_money(&self) -> Money {
        Money::round_half_up_saturating(self.credited_won / Decimal::ONE_HUNDRED)
    }
}

/// Return on investment: (won − cost) / cost, `None` without cost.
pub fn roi(won_minor: Decimal, cost_minor: i64) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    (cost_minor > 0).then(|| {
        let cost = Decimal::from(cost_minor);
        ((won_minor - cost) / cost).to_f64().unwrap_or(0.0)
    })
}

/// One campaign's touch of a won deal.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Touch {
    pub opportunity_id: Uuid,
    pub campaign_id: Uuid,
    pub amount_minor: i64,
}

/// Linear any-touch credit per campaign: each deal split equally between the distinct
/// campaigns that touched it. Gives (deals touched, Σ 1/n, Σ amount/n in minor units).
pub fn linear_credit(touches: &[Touch]) -> HashMap<Uuid, (i64, Decimal, Decimal)> {
    let mut by_deal: HashMap<Uuid, (i64, BTreeSet<Uuid>)> = HashMap::new();
    for t in touches {
        let entry = by_deal
            .entry(t.opportunity_id)
            .or_insert_with(|| (t.amount_minor, BTreeSet::new()));
        entry.1.insert(t.campaign_id);
    }
    let mut credit: HashMap<Uuid, (i64, Decimal, Decimal)> = HashMap::new();
    for (amount, campaigns) in by_deal.into_values() {
        let n = Decimal::from(campaigns.len() as i64);
        for campaign in campaigns {
            let entry = credit.entry(campaign).or_default();
            entry.0 += 1;
            entry.1 += Decimal::ONE / n;
            entry.2 += Decimal::from(amount) / n;
        }
    }
    credit
}

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
    named
        .union(UnionType::Distinct, lead_member)
        .union(UnionType::Distinct, contact_member)
        .to_owned()
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
    let collected = Query::select()
        .from(allocation::Entity)
        .inner_join(
            installment::Entity,
            Expr::col((installment::Entity, installment::Column::Id))
                .equals((allocation::Entity, allocation::Column::InstallmentId)),
        )
        .inner_join(
            contract::Entity,
            Expr::col((contract::Entity, contract::Column::Id))
                .equals((installment::Entity, installment::Column::ContractId)),
        )
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
    let (costs, members, leads, deals, won, collected, touches) = tokio::try_join!(
        rows::<Total>(db, costs),
        rows::<Count>(db, members),
        rows::<LeadCounts>(db, leads),
        rows::<Count>(db, deals),
        rows::<Won>(db, won),
        rows::<Total>(db, collected),
        rows::<Touch>(db, touches(viewer, window)),
    )?;
    for row in costs {
        if let Some(f) = figures.get_mut(&row.campaign_id) {
            f.cost = row.total;
        }
    }
    for row in members {
        if let Some(f) = figures.get_mut(&row.campaign_id) {
            f.members = row.count;
        }
    }
    for row in leads {
        if let Some(f) = figures.get_mut(&row.campaign_id) {
            f.leads = row.leads;
            f.qualified_leads = row.qualified;
        }
    }
    for row in deals {
        if let Some(f) = figures.get_mut(&row.campaign_id) {
            f.deals = row.count;
        }
    }
    for row in won {
        if let Some(f) = figures.get_mut(&row.campaign_id) {
            f.won_deals = row.deals;
            f.won = row.total;
        }
    }
    for row in collected {
        if let Some(f) = figures.get_mut(&row.campaign_id) {
            f.collected = row.total;
        }
    }
    for (campaign, (deals, credit, amount)) in linear_credit(&touches) {
        if let Some(f) = figures.get_mut(&campaign) {
            f.touched_deals = deals;
            f.deal_credit = credit;
            f.credited_won = amount;
        }
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(deal: u128, campaign: u128, amount: i64) -> Touch {
        Touch {
            opportunity_id: Uuid::from_u128(deal),
            campaign_id: Uuid::from_u128(campaign),
            amount_minor: amount,
        }
    }

    #[test]
    fn linear_credit_splits_each_deal_equally_between_its_campaigns() {
        // Deal 1 (300.00) touched by campaigns A and B and C; deal 2 (100.00) by A only; the
        // same touch twice counts once.
        let touches = [
            touch(1, 0xA, 30_000),
            touch(1, 0xB, 30_000),
            touch(1, 0xC, 30_000),
            touch(1, 0xA, 30_000),
            touch(2, 0xA, 10_000),
        ];
        let credit = linear_credit(&touches);
        let a = credit[&Uuid::from_u128(0xA)];
        assert_eq!(a.0, 2);
        assert_eq!(a.2, Decimal::from(20_000));
        let third = Decimal::ONE / Decimal::from(3);
        assert_eq!(a.1, Decimal::ONE + third);
        let b = credit[&Uuid::from_u128(0xB)];
        assert_eq!((b.0, b.2), (1, Decimal::from(10_000)));
        // The credits of one deal add up to the deal, whatever the rounding of thirds.
        let total: Decimal = credit.values().map(|c| c.2).sum();
        assert_eq!(total.round_dp(6), Decimal::from(40_000));
    }

    #[test]
    fn roi_and_cost_per_follow_their_definitions() {
        assert_eq!(roi(Decimal::from(30_000), 10_000), Some(2.0));
        assert_eq!(roi(Decimal::from(5_000), 10_000), Some(-0.5));
        assert_eq!(roi(Decimal::from(5_000), 0), None);
        let f = Figures {
            cost: 10_000,
            ..Figures::default()
        };
        assert_eq!(f.cost_per(3).map(Money::minor), Some(3_333));
        assert_eq!(f.cost_per(0), None);
        let g = Figures {
            credited_won: Decimal::from(10_000) / Decimal::from(3),
            ..Figures::default()
        };
        assert_eq!(g.credited_won_money().minor(), 3_333);
    }

    #[test]
    fn a_window_ends_after_its_last_day() {
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let w = Window::new(day(1), day(1), tz).unwrap();
        assert_eq!(w.end - w.start, chrono::Duration::days(1));
        assert_eq!(w.start.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(
            Window::new(day(2), day(1), tz)
                .unwrap_err()
                .field
                .as_deref(),
            Some("input.to")
        );
    }
}
