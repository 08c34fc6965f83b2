//! GraphQL shapes of `campaignReport`.

use async_graphql::{ID, InputObject, SimpleObject};

use super::campaign_report::{Figures, roi};
use crate::campaigns::types::Campaign;
use crate::graphql::scalars::{Date, Decimal};
use crate::money::Money;
use rust_decimal::prelude::ToPrimitive;

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// Which campaigns and days `campaignReport` covers.
#[derive(InputObject, Debug)]
pub struct CampaignReportInput {
    /// The first day (company time zone).
    pub from: Date,
    /// The last day, included.
    pub to: Date,
    /// Only these campaigns (1–100); by default those running on a day of the window (at most
    /// 200, latest start first).
    pub campaign_ids: Option<Vec<ID>>,
}

/// What each campaign cost and brought over a window of days.
#[derive(SimpleObject, Debug)]
pub struct CampaignReport {
    /// The first day.
    pub from: Date,
    /// The last day, included.
    pub to: Date,
    /// One row per campaign, most won first.
    pub rows: Vec<CampaignReportRow>,
    /// The sums over the rows (its `campaign` is null).
    pub total: CampaignReportRow,
    /// The rows added up per channel, with the cost of acquiring a customer through each.
    pub channels: Vec<ChannelAcquisition>,
}

/// What acquiring customers through one channel cost over the window.
#[derive(SimpleObject, Debug)]
pub struct ChannelAcquisition {
    /// The channel.
    pub channel: crate::campaigns::model::CampaignChannel,
    /// The cost of its campaigns in the report.
    pub cost: Decimal,
    /// Customers created in the window that came from those campaigns (first touch).
    pub new_customers: i64,
    /// Customer acquisition cost: cost ÷ new customers; null without new customers.
    pub acquisition_cost: Option<Decimal>,
    /// Their first-touch won amount.
    pub won_amount: Decimal,
}

impl ChannelAcquisition {
    pub fn new(channel: crate::campaigns::model::CampaignChannel, f: &Figures) -> Self {
        Self {
            channel,
            cost: money(f.cost),
            new_customers: f.new_customers,
            acquisition_cost: f.cost_per(f.new_customers).map(|m| Decimal(m.to_decimal())),
            won_amount: money(f.won),
        }
    }
}

/// Any-touch attribution: every campaign that touched a won deal before it closed gets an
/// equal share of it.
#[derive(SimpleObject, Debug)]
pub struct LinearAttribution {
    /// Won deals the campaign touched.
    pub touched_deals: i64,
    /// Its share of those deals: Σ 1/n over them, n the campaigns that touched each.
    pub won_deal_credit: f64,
    /// Its share of their amounts: Σ amount/n.
    pub won_amount: Decimal,
    /// (credited won amount − cost) / cost; null without cost.
    pub roi: Option<f64>,
}

/// One campaign's funnel and return; the funnel and `roi` are first-touch.
#[derive(SimpleObject, Debug)]
pub struct CampaignReportRow {
    /// The campaign; null on the total.
    pub campaign: Option<Campaign>,
    /// Costs incurred on days of the window (refunds deducted).
    pub cost: Decimal,
    /// Contacts and leads you see that were added as members in the window.
    pub members: i64,
    /// Leads you see from the campaign created in the window.
    pub leads: i64,
    /// Of those leads, the ones qualified by the end of the window.
    pub qualified_leads: i64,
    /// Deals you see from the campaign created in the window.
    pub deals: i64,
    /// Customers you see created in the window that came from the campaign.
    pub new_customers: i64,
    /// Cost / new customers (customer acquisition cost); null without new customers.
    pub acquisition_cost: Option<Decimal>,
    /// Deals you see from the campaign won in the window.
    pub won_deals: i64,
    /// Their amount.
    pub won_amount: Decimal,
    /// Money applied in the window to contracts of the campaign's deals you see.
    pub collected_amount: Decimal,
    /// Cost / leads; null without leads.
    pub cost_per_lead: Option<Decimal>,
    /// Cost / won deals; null without won deals.
    pub cost_per_won_deal: Option<Decimal>,
    /// (won amount − cost) / cost; null without cost.
    pub roi: Option<f64>,
    /// The same wins under linear any-touch attribution.
    pub any_touch: LinearAttribution,
}

impl CampaignReportRow {
    pub fn new(campaign: Option<Campaign>, f: &Figures) -> Self {
        let decimal = |m: Money| Decimal(m.to_decimal());
        Self {
            campaign,
            cost: money(f.cost),
            members: f.members,
            leads: f.leads,
            qualified_leads: f.qualified_leads,
            deals: f.deals,
            new_customers: f.new_customers,
            acquisition_cost: f.cost_per(f.new_customers).map(decimal),
            won_deals: f.won_deals,
            won_amount: money(f.won),
            collected_amount: money(f.collected),
            cost_per_lead: f.cost_per(f.leads).map(decimal),
            cost_per_won_deal: f.cost_per(f.won_deals).map(decimal),
            roi: roi(rust_decimal::Decimal::from(f.won), f.cost),
            any_touch: LinearAttribution {
                touched_deals: f.touched_deals,
                won_deal_credit: f.deal_credit.to_f64().unwrap_or(0.0),
                won_amount: decimal(f.credited_won_money()),
                roi: roi(f.credited_won, f.cost),
            },
        }
    }
}
