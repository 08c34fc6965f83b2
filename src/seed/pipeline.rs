//! Opportunities with their stage history, and revenue splits of some won deals.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::SeedError;
use super::common::{Run, amount_minor, between, id_at, pick, weighted};
use super::customers::Customer;
use super::people::People;
use super::products::Catalogue;
use super::writer::Writer;
use crate::opportunities::service::whole_days;
use entity::{opportunity, opportunity_line_item, opportunity_split, pipeline_stage, stage_change};

/// Opportunities generated before they are handed to the writer.
const CHUNK: usize = 5_000;

/// A won deal, as contracts need it.
#[derive(Debug, Clone)]
pub(crate) struct WonDeal {
    pub id: Uuid,
    /// Index into the customers.
    pub customer: usize,
    pub amount_minor: i64,
    pub closed_at: DateTime<Utc>,
    pub name: String,
}

/// The active stages by kind, in pipeline order.
#[derive(Debug, Clone)]
pub(crate) struct Stages {
    pub open: Vec<pipeline_stage::Model>,
    pub won: pipeline_stage::Model,
    pub lost: pipeline_stage::Model,
}

impl Stages {
    /// Splits the active stages; `Invalid` when a kind is missing.
    pub(crate) fn from_list(stages: Vec<pipeline_stage::Model>) -> Result<Self, SeedError> {
        let of_kind = |kind: &str| -> Vec<pipeline_stage::Model> {
            stages.iter().filter(|s| s.kind == kind).cloned().collect()
        };
        let open = of_kind("OPEN");
        let won = of_kind("WON").into_iter().next();
        let lost = of_kind("LOST").into_iter().next();
        match (open.is_empty(), won, lost) {
            (false, Some(won), Some(lost)) => Ok(Self { open, won, lost }),
            _ => Err(SeedError::Invalid(
                "the pipeline needs active OPEN, WON and LOST stages (run the migrations)".into(),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Open,
    Won,
    Lost,
}

const PRODUCTS: [&str; 8] = [
    "Fleet telematics",
    "ERP rollout",
    "Warehouse robots",
    "Cloud migration",
    "Annual maintenance",
    "Sensor network",
    "Training programme",
    "Spare parts supply",
];
/// Loss details, each with the default loss reason it falls under.
const LOST_REASONS: [(&str, &str); 4] = [
    ("Price too high", "0193a000-0000-7000-8000-000000000401"),
    ("Chose a competitor", "0193a000-0000-7000-8000-000000000402"),
    ("Project postponed", "0193a000-0000-7000-8000-000000000406"),
    ("No decision", "0193a000-0000-7000-8000-000000000404"),
];

/// The default win reasons.
const WIN_REASONS: [&str; 5] = [
    "0193a000-0000-7000-8000-000000000501",
    "0193a000-0000-7000-8000-000000000502",
    "0193a000-0000-7000-8000-000000000503",
    "0193a000-0000-7000-8000-000000000504",
    "0193a000-0000-7000-8000-000000000505",
];

/// `count` distinct positions below `below`, ascending.
fn ascending_subset(rng: &mut StdRng, below: usize, count: usize) -> Vec<usize> {
    let mut chosen = rand::seq::index::sample(rng, below, count.min(below)).into_vec();
    chosen.sort_unstable();
    chosen
}

/// Writes opportunities (three per customer on average, owned by the customer's owner), one to
/// three stage changes each ending at the current stage, and 70/30 splits on 5% of won deals.
/// Returns the won deals and records each customer's first deal.
pub(crate) async fn seed(
    run: &Run,
    people: &People,
    customers: &mut [Customer],
    stages: &Stages,
    catalogue: &Catalogue,
    writer: &mut Writer<'_>,
) -> Result<Vec<WonDeal>, SeedError> {
    let mut rng = run.rng(4);
    // Line items draw from a stream of their own: the rest of the data stays as it was.
    let mut line_rng = run.rng(12);
    let mut items: Vec<opportunity_line_item::ActiveModel> = Vec::with_capacity(CHUNK * 3);
    let mut won_deals = Vec::new();
    let mut deals = Vec::with_capacity(CHUNK);
    let mut changes = Vec::with_capacity(CHUNK * 3);
    let mut splits = Vec::new();
    let latest = run.anchor - Duration::hours(1);
    for k in 0..run.volumes.opportunities {
        let c = k % customers.len();
        let owner = customers[c].owner;
        let owner_id = people.reps[owner].id;
        let outcome = weighted(
            &mut rng,
            &[(Outcome::Open, 55), (Outcome::Won, 30), (Outcome::Lost, 15)],
        );
        // The stages the deal went through, ending where it is now.
        let chain: Vec<&pipeline_stage::Model> = match outcome {
            Outcome::Open => {
                let current = rng.random_range(0..stages.open.len());
                let length = rng.random_range(1..=3).min(current + 1);
                let mut chain: Vec<_> = ascending_subset(&mut rng, current, length - 1)
                    .into_iter()
                    .map(|i| &stages.open[i])
                    .collect();
                chain.push(&stages.open[current]);
                chain
            }
            Outcome::Won | Outcome::Lost => {
                let open_steps = rng.random_range(1..=2);
                let mut chain: Vec<_> = ascending_subset(&mut rng, stages.open.len(), open_steps)
                    .into_iter()
                    .map(|i| &stages.open[i])
                    .collect();
                chain.push(if outcome == Outcome::Won {
                    &stages.won
                } else {
                    &stages.lost
                });
                chain
            }
        };
        let earliest = customers[c].created_at.max(run.days_ago(330));
        let created_at = between(&mut rng, earliest, run.days_ago(2));
        // Each later change takes a share of the time left, so every change lies in the past.
        let mut times = vec![created_at];
        for _ in 1..chain.len() {
            let last = times[times.len() - 1];
            let left = (latest - last).num_seconds().max(1) as f64;
            let gap = left * rng.random_range(0.1..0.45);
            times.push(last + Duration::seconds(gap as i64));
        }
        let id = id_at(&mut rng, created_at);
        for (i, (stage, at)) in chain.iter().zip(&times).enumerate() {
            changes.push(stage_change::ActiveModel::from(stage_change::Model {
                id: id_at(&mut rng, *at),
                opportunity_id: id,
                from_stage_id: i.checked_sub(1).map(|p| chain[p].id),
                to_stage_id: stage.id,
                changed_by: owner_id,
                changed_at: *at,
                days_in_previous_stage: i.checked_sub(1).map(|p| whole_days(times[p], *at)),
                note: None,
                override_reason: None,
                overridden_items: None,
            }));
        }
        let stage = chain[chain.len() - 1];
        let entered = times[times.len() - 1];
        let closed_at = (outcome != Outcome::Open).then_some(entered);
        let amount = amount_minor(&mut rng, 5_000.0, 2_000_000.0);
        let name = format!("{} #{}", pick(&mut rng, &PRODUCTS), k + 1);
        let expected_close_date = match outcome {
            // A won deal's close date is the day it was won.
            Outcome::Won => entered.date_naive(),
            Outcome::Lost => entered.date_naive() + Duration::days(rng.random_range(0..=30)),
            Outcome::Open => run.today + Duration::days(rng.random_range(-60..=330)),
        };
        let forecast_category = match outcome {
            Outcome::Won | Outcome::Lost => "CLOSED",
            Outcome::Open if stage.probability >= 80 => "COMMIT",
            Outcome::Open if stage.probability >= 50 => "BEST_CASE",
            Outcome::Open => "PIPELINE",
        };
        let mut version = chain.len() as i32;
        let mut updated_at = entered;
        if outcome == Outcome::Won && rng.random_bool(0.05) {
            let team = &people.teams[people.reps[owner].team];
            let mate = if team.reps.len() > 1 {
                let mut other = *pick(&mut rng, &team.reps);
                while other == owner {
                    other = *pick(&mut rng, &team.reps);
                }
                people.reps[other].id
            } else {
                team.manager
            };
            let at = entered + Duration::minutes(30);
            for (user_id, share) in [(owner_id, 7_000), (mate, 3_000)] {
                splits.push(opportunity_split::ActiveModel::from(
                    opportunity_split::Model {
                        opportunity_id: id,
                        user_id,
                        share_basis_points: share,
                        kind: crate::opportunities::splits::REVENUE.to_owned(),
                        created_at: at,
                    },
                ));
            }
            version += 1;
            updated_at = at;
        }
        if outcome == Outcome::Won {
            won_deals.push(WonDeal {
                id,
                customer: c,
                amount_minor: amount,
                closed_at: entered,
                name: name.clone(),
            });
        }
        items.extend(catalogue.lines_for(&mut line_rng, id, amount, created_at));
        if customers[c].first_opportunity.is_none() {
            customers[c].first_opportunity = Some(id);
        }
        // Deals past the first stage had their need and budget written down on the way.
        let need = (chain.len() > 1).then(|| format!("{name}: supply and installation"));
        let lost = (outcome == Outcome::Lost).then(|| *pick(&mut rng, &LOST_REASONS));
        deals.push(opportunity::ActiveModel::from(opportunity::Model {
            id,
            customer_id: customers[c].id,
            owner_id,
            name,
            amount_minor: amount,
            stage_id: stage.id,
            probability_override: None,
            forecast_category: forecast_category.to_owned(),
            status: match outcome {
                Outcome::Open => "OPEN",
                Outcome::Won => "WON",
                Outcome::Lost => "LOST",
            }
            .to_owned(),
            expected_close_date,
            closed_at,
            lost_reason: lost.map(|(text, _)| text.to_owned()),
            stage_entered_at: entered,
            lead_id: None,
            stale_notified_at: None,
            price_book_id: None,
            need,
            budget_minor: (chain.len() > 1).then_some(amount),
            contact_id: None,
            decision_maker_id: None,
            close_reason_id: match outcome {
                Outcome::Open => None,
                Outcome::Won => WIN_REASONS
                    .get(usize::try_from(amount.rem_euclid(5)).unwrap_or(0))
                    .and_then(|id| Uuid::parse_str(id).ok()),
                Outcome::Lost => lost.and_then(|(_, reason)| Uuid::parse_str(reason).ok()),
            },
            close_detail: lost.map(|(text, _)| text.to_owned()),
            closed_from_stage_id: (outcome != Outcome::Open)
                .then(|| chain.len().checked_sub(2).map(|p| chain[p].id))
                .flatten(),
            version,
            created_at,
            updated_at,
            campaign_id: None,
        }));
        if deals.len() >= CHUNK {
            flush(writer, &mut deals, &mut changes, &mut splits).await?;
            writer
                .write("opportunity_line_items", std::mem::take(&mut items))
                .await?;
        }
    }
    flush(writer, &mut deals, &mut changes, &mut splits).await?;
    writer
        .write("opportunity_line_items", std::mem::take(&mut items))
        .await?;
    writer.commit().await?;
    Ok(won_deals)
}

/// Deals first: their history and splits point at them.
async fn flush(
    writer: &mut Writer<'_>,
    deals: &mut Vec<opportunity::ActiveModel>,
    changes: &mut Vec<stage_change::ActiveModel>,
    splits: &mut Vec<opportunity_split::ActiveModel>,
) -> Result<(), SeedError> {
    writer.write("opportunities", std::mem::take(deals)).await?;
    writer
        .write("stage_changes", std::mem::take(changes))
        .await?;
    writer
        .write("opportunity_splits", std::mem::take(splits))
        .await?;
    Ok(())
}
