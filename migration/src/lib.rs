//! Schema migrations, append-only. Every migration runs unchanged on SQLite and PostgreSQL:
//! ids are application-generated UUIDv7, money is `i64` minor units, enums are strings.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_leads_customers;
mod m20261124_000003_pipeline;
mod m20261124_000004_splits_stale;
mod m20261125_000005_visits;
mod m20261125_000006_contracts_approvals;
mod m20261125_000007_billing;
mod m20261125_000008_targets;
mod m20261125_000009_report_indexes;
mod m20261201_000010_sweep_runs;
mod m20261202_000011_covering_report_indexes;
mod m20261204_000012_trusted_documents;
mod m20261204_000013_updated_and_versions;
mod m20261204_000014_sync_changes;
mod m20261205_000015_user_credentials;
mod m20261206_000016_products;
mod m20261207_000017_price_books_line_items;
mod m20261208_000018_quotes;
mod m20261209_000019_quote_documents;
mod m20261210_000020_orders_deliveries;
mod m20261210_000021_late_deliveries;
mod m20261211_000022_amendments_refunds;
mod m20261212_000023_stage_dwell;
mod m20261213_000024_stage_playbook;
mod m20261214_000025_win_loss;
mod m20261215_000026_overlay_splits;
mod m20261216_000027_ownership_transfers;
mod m20261217_000028_forecast_submissions;
mod m20261218_000029_activities;
mod m20261219_000030_customer_locations;
mod m20261220_000031_work_reports;
mod m20261221_000032_search_docs;
mod m20261222_000033_attachments;
mod m20261223_000034_transferred_activities;
mod m20261224_000035_callbacks;
mod m20261225_000036_tickets;
mod m20261226_000037_customer_health;
mod m20261227_000038_campaigns;
mod m20261228_000039_campaign_members;
mod m20261229_000040_lead_qualification;
mod m20261230_000041_target_metrics;
mod m20261231_000042_webhooks;
mod m20270101_000043_audit_actor;
mod m20270102_000044_api_keys;
mod m20270103_000045_exports;
mod m20270104_000046_imports;
mod m20270105_000047_merges;
mod m20270106_000048_recycle_bin;
pub use m20261207_000017_price_books_line_items::STANDARD_PRICE_BOOK;

/// The ordered list of every migration Salesgraph has ever shipped.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_leads_customers::Migration),
            Box::new(m20261124_000003_pipeline::Migration),
            Box::new(m20261124_000004_splits_stale::Migration),
            Box::new(m20261125_000005_visits::Migration),
            Box::new(m20261125_000006_contracts_approvals::Migration),
            Box::new(m20261125_000007_billing::Migration),
            Box::new(m20261125_000008_targets::Migration),
            Box::new(m20261125_000009_report_indexes::Migration),
            Box::new(m20261201_000010_sweep_runs::Migration),
            Box::new(m20261202_000011_covering_report_indexes::Migration),
            Box::new(m20261204_000012_trusted_documents::Migration),
            Box::new(m20261204_000013_updated_and_versions::Migration),
            Box::new(m20261204_000014_sync_changes::Migration),
            Box::new(m20261205_000015_user_credentials::Migration),
            Box::new(m20261206_000016_products::Migration),
            Box::new(m20261207_000017_price_books_line_items::Migration),
            Box::new(m20261208_000018_quotes::Migration),
            Box::new(m20261209_000019_quote_documents::Migration),
            Box::new(m20261210_000020_orders_deliveries::Migration),
            Box::new(m20261210_000021_late_deliveries::Migration),
            Box::new(m20261211_000022_amendments_refunds::Migration),
            Box::new(m20261212_000023_stage_dwell::Migration),
            Box::new(m20261213_000024_stage_playbook::Migration),
            Box::new(m20261214_000025_win_loss::Migration),
            Box::new(m20261215_000026_overlay_splits::Migration),
            Box::new(m20261216_000027_ownership_transfers::Migration),
            Box::new(m20261217_000028_forecast_submissions::Migration),
            Box::new(m20261218_000029_activities::Migration),
            Box::new(m20261219_000030_customer_locations::Migration),
            Box::new(m20261220_000031_work_reports::Migration),
            Box::new(m20261221_000032_search_docs::Migration),
            Box::new(m20261222_000033_attachments::Migration),
            Box::new(m20261223_000034_transferred_activities::Migration),
            Box::new(m20261224_000035_callbacks::Migration),
            Box::new(m20261225_000036_tickets::Migration),
            Box::new(m20261226_000037_customer_health::Migration),
            Box::new(m20261227_000038_campaigns::Migration),
            Box::new(m20261228_000039_campaign_members::Migration),
            Box::new(m20261229_000040_lead_qualification::Migration),
            Box::new(m20261230_000041_target_metrics::Migration),
            Box::new(m20261231_000042_webhooks::Migration),
            Box::new(m20270101_000043_audit_actor::Migration),
            Box::new(m20270102_000044_api_keys::Migration),
            Box::new(m20270103_000045_exports::Migration),
            Box::new(m20270104_000046_imports::Migration),
            Box::new(m20270105_000047_merges::Migration),
            Box::new(m20270106_000048_recycle_bin::Migration),
        ]
    }
}
