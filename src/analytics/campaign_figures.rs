//! The arithmetic of `campaignReport`: its window of days, one campaign's figures, ROI, cost
//! per lead or won deal, and linear any-touch credit — pure, so it is tested on its own.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::FromQueryResult;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::money::Money;

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
    /// Customers created in the window that came from the campaign.
    pub new_customers: i64,
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
        self.new_customers += other.new_customers;
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

/// Won deals a campaign touched that `campaigns` campaigns touched in all, counted and summed.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Touches {
    pub campaign_id: Uuid,
    pub campaigns: i64,
    pub deals: i64,
    pub total: i64,
}

/// Linear any-touch credit per campaign, each deal split equally between the n distinct
/// campaigns that touched it, from the touches counted per campaign and n: (deals touched,
/// Σ 1/n, Σ amount/n in minor units).
pub fn credit_of(touches: &[Touches]) -> HashMap<Uuid, (i64, Decimal, Decimal)> {
    let mut credit: HashMap<Uuid, (i64, Decimal, Decimal)> = HashMap::new();
    for t in touches.iter().filter(|t| t.campaigns > 0) {
        let n = Decimal::from(t.campaigns);
        let entry = credit.entry(t.campaign_id).or_default();
        entry.0 += t.deals;
        entry.1 += Decimal::from(t.deals) / n;
        entry.2 += Decimal::from(t.total) / n;
    }
    credit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touches(campaign: u128, campaigns: i64, deals: i64, total: i64) -> Touches {
        Touches {
            campaign_id: Uuid::from_u128(campaign),
            campaigns,
            deals,
            total,
        }
    }

    #[test]
    fn linear_credit_splits_each_deal_equally_between_its_campaigns() {
        // Deal 1 (300.00) touched by campaigns A, B and C; deal 2 (100.00) by A only.
        let counted = [
            touches(0xA, 3, 1, 30_000),
            touches(0xB, 3, 1, 30_000),
            touches(0xC, 3, 1, 30_000),
            touches(0xA, 1, 1, 10_000),
        ];
        let credit = credit_of(&counted);
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
        // Two deals of 100.00 and 200.00, each touched by two campaigns: half of 300.00.
        let pooled = credit_of(&[touches(0xD, 2, 2, 30_000)]);
        assert_eq!(
            pooled[&Uuid::from_u128(0xD)],
            (2, Decimal::ONE, Decimal::from(15_000))
        );
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
