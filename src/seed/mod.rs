//! `salesgraph seed-bench`: fills an empty, migrated database with benchmark data.
//!
//! Everything is reproducible: one seed drives every random choice (each table draws from its
//! own stream derived from it), ids are UUIDv7 built from each row's creation time and seeded
//! random bits, and every timestamp is derived from `today` — the same seed, scale and day give
//! the same rows. Rows go in as multi-row inserts through the entities (the same encodings the
//! server writes), a transaction per ~50,000 rows, streamed in chunks so memory stays bounded.
//!
//! At scale 1: 50 teams with one manager each, 500 reps, 5 finance users, one admin; 100,000
//! customers with 150,000 contacts; 200,000 leads; 300,000 opportunities with their stage
//! history; 1,000,000 visit tasks; ~100,000 follow-ups; 50,000 contracts with their approvals,
//! ~150,000 installments (three per collecting contract, four for one in four) and ~200,000
//! payments against them; one to three orders on every signed or completed contract (~37,500
//! contracts, ~65,000 orders) with their deliveries; sales targets for today's year; 20 product lines with 500 products,
//! and one to four line items on every deal adding up to its amount; 200,000 activities (to-dos
//! of the reps on their customers, two months back to one ahead); 100,000 photos' metadata on
//! customers (the bytes are not written); 40 campaigns with their costs, the event and campaign
//! leads attributed to them with their customers and deals, and their members.
//! Every volume is multiplied by the scale (rounded, at least one).
//!
//! Every seeded account signs in with [`BENCH_PASSWORD`] — for benchmark databases only.

mod activities;
mod attachments;
mod campaigns;
mod common;
mod contracts;
mod customers;
mod orders;
mod people;
mod pipeline;
mod products;
mod targets;
mod visits;
mod writer;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use crate::approvals::policy::ApprovalSubjectKind;
use crate::auth::passwords::PasswordHasherConfig;
use crate::error::AppError;
use crate::identity::Role;

pub use common::Volumes;
pub use people::{BENCH_DOMAIN, BENCH_PASSWORD};

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// Multiplies every volume; fractional scales (0.001) make small databases for tests.
    pub scale: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// The day the data is centred on: history before it, plans after it.
    pub today: NaiveDate,
    /// The company's time zone: contract numbers count per year in it.
    pub company_timezone: Tz,
    /// Cost of the one password hash every seeded account shares.
    pub password_hasher: PasswordHasherConfig,
    /// Report progress per table on standard error.
    pub progress: bool,
}

impl SeedOptions {
    /// Scale, seed and day with the defaults for the rest: company time zone Asia/Shanghai,
    /// production password hashing, no progress output.
    pub fn new(scale: f64, seed: u64, today: NaiveDate) -> Self {
        Self {
            scale,
            seed,
            today,
            company_timezone: chrono_tz::Asia::Shanghai,
            password_hasher: PasswordHasherConfig {
                memory_kib: 19_456,
                iterations: 2,
            },
            progress: false,
        }
    }
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct SeedReport {
    /// Rows per table, in the order the tables were written.
    pub tables: Vec<(&'static str, u64)>,
    /// The volumes the scale asked for.
    pub volumes: Volumes,
    pub elapsed: Duration,
}

impl SeedReport {
    /// Rows written to `table` (0 when none).
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(name, _)| *name == table)
            .map_or(0, |(_, rows)| *rows)
    }

    /// Rows written over all tables.
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|(_, rows)| rows).sum()
    }
}

/// Why seeding did not happen or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The database already holds data; seeding only fills an empty one.
    #[error("the database is not empty ({0}); seed-bench only fills an empty, migrated database")]
    NotEmpty(String),
    /// Bad options, or a schema without what the seed builds on.
    #[error("{0}")]
    Invalid(String),
    /// The bench password could not be hashed.
    #[error("hashing the bench password: {0}")]
    Hash(String),
    /// The search index could not be built.
    #[error("indexing for search: {0}")]
    Index(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl From<AppError> for SeedError {
    fn from(err: AppError) -> Self {
        Self::Invalid(err.message)
    }
}

/// Refuses a database holding any customer, lead, team, deal, contract or visit, or any user
/// but a single bootstrap admin.
async fn check_empty(db: &DatabaseConnection) -> Result<(), SeedError> {
    let counts = [
        (
            "customers",
            entity::customer::Entity::find().count(db).await?,
        ),
        ("leads", entity::lead::Entity::find().count(db).await?),
        ("teams", entity::team::Entity::find().count(db).await?),
        (
            "opportunities",
            entity::opportunity::Entity::find().count(db).await?,
        ),
        (
            "contracts",
            entity::contract::Entity::find().count(db).await?,
        ),
        (
            "visit tasks",
            entity::visit_task::Entity::find().count(db).await?,
        ),
    ];
    if let Some((what, count)) = counts.iter().find(|(_, count)| *count > 0) {
        return Err(SeedError::NotEmpty(format!("it holds {count} {what}")));
    }
    let users = entity::user::Entity::find().count(db).await?;
    let admins = entity::user::Entity::find()
        .filter(entity::user::Column::Role.eq(Role::Admin.as_str()))
        .count(db)
        .await?;
    if users > 1 || users > admins {
        return Err(SeedError::NotEmpty(format!(
            "it holds {users} users, more than a bootstrap admin"
        )));
    }
    let bench_admin = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(format!("admin@{BENCH_DOMAIN}")))
        .count(db)
        .await?;
    if bench_admin > 0 {
        return Err(SeedError::NotEmpty("the bench admin exists".into()));
    }
    Ok(())
}

/// Fills the empty, migrated database `db` as `options` say. Errors: `NotEmpty` (nothing was
/// written), `Invalid`, `Hash`, `Db` (what was committed before the failure stays).
pub async fn run(db: &DatabaseConnection, options: &SeedOptions) -> Result<SeedReport, SeedError> {
    let started = Instant::now();
    if !options.scale.is_finite() || options.scale <= 0.0 || options.scale > 100.0 {
        return Err(SeedError::Invalid(
            "the scale lies above 0 and at most 100".into(),
        ));
    }
    check_empty(db).await?;
    let stages = pipeline::Stages::from_list(crate::opportunities::stages::list(db, false).await?)?;
    let tiers = crate::approvals::policy::tiers(db, ApprovalSubjectKind::Contract).await?;
    if tiers.is_empty() {
        return Err(SeedError::Invalid(
            "no CONTRACT approval policy (run the migrations)".into(),
        ));
    }
    let rules = crate::leads::service::scoring_rules(db).await?;
    let run = common::Run {
        seed: options.seed,
        today: options.today,
        anchor: common::utc_midnight(options.today),
        company_tz: options.company_timezone,
        volumes: Volumes::at_scale(options.scale),
    };
    let mut writer = writer::Writer::new(db, options.progress);
    let people = people::seed(&run, options.password_hasher, &mut writer).await?;
    let mut customers = customers::seed_customers(&run, &people, &mut writer).await?;
    customers::seed_leads(&run, &people, &customers, &rules, &mut writer).await?;
    let catalogue = products::seed(&run, &mut writer).await?;
    let won = pipeline::seed(
        &run,
        &people,
        &mut customers,
        &stages,
        &catalogue,
        &mut writer,
    )
    .await?;
    contracts::seed(&run, &people, &customers, &won, &tiers, &mut writer).await?;
    drop(won);
    visits::seed(&run, &people, &customers, &mut writer).await?;
    activities::seed(&run, &people, &customers, &mut writer).await?;
    attachments::seed(&run, &people, &customers, &mut writer).await?;
    targets::seed(&run, &people, &mut writer).await?;
    campaigns::seed(&run, &people, db, &mut writer).await?;
    writer.commit().await?;
    // The search box's index, all of it (nothing else writes meanwhile).
    let indexed = crate::finder::index::backfill(db, chrono::DateTime::<chrono::Utc>::MAX_UTC)
        .await
        .map_err(|err| SeedError::Index(err.to_string()))?;
    // Fresh tables have no planner statistics until autovacuum gets to them, and on
    // PostgreSQL no visibility map (index-only scans fall back to the heap): a benchmark run
    // right after seeding would measure plans made blind on tables no live database resembles.
    // Only the tables seeding wrote, named unqualified so they resolve in the connection's
    // own schema: a database-wide VACUUM also truncates the shared catalogs, which waits on
    // every other session of the database (and then hits the statement timeout).
    let mut tables = writer.counts();
    tables.push(("search_docs", indexed));
    let settle = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let names: Vec<String> = tables
                .iter()
                .map(|(table, _)| format!("\"{table}\""))
                .collect();
            format!("VACUUM (ANALYZE) {}", names.join(", "))
        }
        _ => "ANALYZE".to_owned(),
    };
    db.execute_unprepared(&settle).await?;
    Ok(SeedReport {
        tables,
        volumes: run.volumes,
        elapsed: started.elapsed(),
    })
}
