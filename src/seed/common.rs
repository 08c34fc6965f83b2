//! What every generator shares: the scaled volumes, the day everything is dated from, seeded
//! randomness, deterministic ids and local times.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// Volumes at scale 1.
pub(crate) mod base {
    pub const TEAMS: u64 = 50;
    pub const REPS: u64 = 500;
    pub const FINANCE: u64 = 5;
    pub const LEADS: u64 = 200_000;
    pub const CUSTOMERS: u64 = 100_000;
    pub const CONTACTS: u64 = 150_000;
    pub const OPPORTUNITIES: u64 = 300_000;
    pub const VISIT_TASKS: u64 = 1_000_000;
    pub const FOLLOW_UPS: u64 = 100_000;
    pub const CONTRACTS: u64 = 50_000;
    pub const PRODUCT_LINES: u64 = 20;
    pub const PRODUCTS: u64 = 500;
    pub const ACTIVITIES: u64 = 200_000;
    pub const ATTACHMENTS: u64 = 100_000;
    pub const CAMPAIGNS: u64 = 40;
}

/// `base × scale`, rounded, at least 1.
pub(crate) fn scaled(base: u64, scale: f64) -> usize {
    let value = (base as f64 * scale).round();
    if value < 1.0 { 1 } else { value as usize }
}

/// The volumes of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Volumes {
    pub teams: usize,
    pub reps: usize,
    pub finance: usize,
    pub leads: usize,
    pub customers: usize,
    pub contacts: usize,
    pub opportunities: usize,
    pub visit_tasks: usize,
    pub follow_ups: usize,
    pub contracts: usize,
    pub product_lines: usize,
    pub products: usize,
    pub activities: usize,
    pub attachments: usize,
    pub campaigns: usize,
}

impl Volumes {
    /// Every base volume multiplied by `scale`, rounded, at least 1; at least as many contacts as
    /// customers (each has one or two).
    pub fn at_scale(scale: f64) -> Self {
        let customers = scaled(base::CUSTOMERS, scale);
        Self {
            teams: scaled(base::TEAMS, scale),
            reps: scaled(base::REPS, scale),
            finance: scaled(base::FINANCE, scale),
            leads: scaled(base::LEADS, scale),
            customers,
            contacts: scaled(base::CONTACTS, scale).clamp(customers, 2 * customers),
            opportunities: scaled(base::OPPORTUNITIES, scale),
            visit_tasks: scaled(base::VISIT_TASKS, scale),
            follow_ups: scaled(base::FOLLOW_UPS, scale),
            contracts: scaled(base::CONTRACTS, scale),
            product_lines: scaled(base::PRODUCT_LINES, scale),
            products: scaled(base::PRODUCTS, scale),
            activities: scaled(base::ACTIVITIES, scale),
            attachments: scaled(base::ATTACHMENTS, scale),
            campaigns: scaled(base::CAMPAIGNS, scale),
        }
    }
}

/// The fixed facts of one run every generator reads.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub seed: u64,
    pub today: NaiveDate,
    /// Midnight UTC starting `today`: the seeded past ends here.
    pub anchor: DateTime<Utc>,
    pub company_tz: Tz,
    pub volumes: Volumes,
}

impl Run {
    /// The random stream of one table (or step), independent of every other.
    pub(crate) fn rng(&self, stream: u64) -> StdRng {
        StdRng::seed_from_u64(self.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// `days` whole days before the anchor.
    pub(crate) fn days_ago(&self, days: i64) -> DateTime<Utc> {
        self.anchor - Duration::days(days)
    }

    pub(crate) fn yesterday(&self) -> NaiveDate {
        self.today - Duration::days(1)
    }
}

/// A UUIDv7 for a row created at `at`, its random part drawn from `rng`.
pub(crate) fn id_at(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

/// Midnight UTC starting `date`.
pub(crate) fn utc_midnight(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

/// The instant `minutes` after local midnight of `date` in `tz`; a local time skipped by a
/// daylight-saving change moves on to the first one that exists.
pub(crate) fn local_time(tz: Tz, date: NaiveDate, minutes: i64) -> DateTime<Utc> {
    let mut local = date.and_time(NaiveTime::MIN) + Duration::minutes(minutes);
    for _ in 0..4 {
        if let Some(at) = tz.from_local_datetime(&local).earliest() {
            return at.with_timezone(&Utc);
        }
        local += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&local)
}

/// A uniformly random instant in `[from, to)` (or `from` when the range is empty).
pub(crate) fn between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds();
    if span <= 0 {
        return from;
    }
    from + Duration::seconds(rng.random_range(0..span))
}

/// A uniformly random day in `[from, to]` (or `from` when the range is empty).
pub(crate) fn day_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 {
        return from;
    }
    from + Duration::days(rng.random_range(0..=span))
}

/// One of `items`, each as likely as its weight.
pub(crate) fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    // Only reached when every weight is zero (the callers' lists are constant and weighted).
    items[items.len() - 1].0
}

/// One of `items`, uniformly.
pub(crate) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An amount in minor units between `low` and `high` major units, log-uniform (many small
/// deals, few large ones), rounded to a whole hundred.
pub(crate) fn amount_minor(rng: &mut StdRng, low: f64, high: f64) -> i64 {
    let exponent = rng.random_range(low.ln()..high.ln());
    let major = (exponent.exp() / 100.0).round().max(1.0) * 100.0;
    major as i64 * 100
}

pub(crate) const FIRST_NAMES: [&str; 16] = [
    "Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Hao", "Xin", "Emma", "Liam", "Olivia", "Noah",
    "Ava", "Lucas", "Mia", "Ethan",
];
pub(crate) const LAST_NAMES: [&str; 16] = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Smith",
    "Johnson", "Garcia", "Miller", "Davis", "Lopez",
];
pub(crate) const INDUSTRIES: [&str; 8] = [
    "Manufacturing",
    "Logistics",
    "Retail",
    "Healthcare",
    "Energy",
    "Construction",
    "Education",
    "Software",
];
pub(crate) const REGIONS: [&str; 5] = ["North", "East", "South", "West", "Central"];

/// A person's name.
pub(crate) fn person(rng: &mut StdRng) -> String {
    format!("{} {}", pick(rng, &FIRST_NAMES), pick(rng, &LAST_NAMES))
}
