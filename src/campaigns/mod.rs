//! Marketing campaigns: what they are, what they cost, and which leads, customers and deals
//! they brought (first touch).
//!
//! - Managers and admins create campaigns (`createCampaign`); the campaign's owner and admins
//!   change it (`updateCampaign`) and record its costs (`recordCampaignCost`: a positive
//!   amount, or a negative one with its reason for a refund of a cost). Another manager sees
//!   it and may not change it.
//! - Everyone signed in sees a campaign's name, channel, status and dates (a rep picks it on a
//!   lead); its budget, actual cost and cost entries are for managers, finance and admins
//!   (`FORBIDDEN` for reps and customer service).
//! - A lead names its campaign (`campaignId` on `createLead` and `updateLead`); converting it
//!   carries the campaign to the customer it creates and to the deal.
//! - `campaignReport` (analytics/campaign_report.rs): cost → members → leads → qualified → deals → won →
//!   collected per campaign, with first-touch and linear any-touch attribution side by side.

pub mod graphql;
pub mod loaders;
pub mod members;
pub mod model;
pub mod service;
pub mod types;
