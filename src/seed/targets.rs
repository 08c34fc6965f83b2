//! Sales targets for every month, quarter and the whole of today's year: per rep, and summed
//! per team, region and the company, stored as the analytics module stores them.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration};
use rand::Rng;

use super::SeedError;
use super::common::{Run, id_at, utc_midnight};
use super::people::People;
use super::writer::Writer;
use crate::analytics::periods::{self, Period};
use crate::analytics::targets::{Subject, TargetMetric};
use entity::sales_target;

/// Month factors: a slow start of the year, a strong last quarter.
const SEASON: [i64; 12] = [80, 85, 100, 100, 100, 105, 95, 90, 105, 110, 115, 125];

/// Writes the targets.
pub(crate) async fn seed(
    run: &Run,
    people: &People,
    writer: &mut Writer<'_>,
) -> Result<(), SeedError> {
    let mut rng = run.rng(7);
    let year = run.today.year();
    let parse = |text: String| periods::parse(&text, "period").map_err(SeedError::from);
    let months: Vec<Period> = (1..=12)
        .map(|m| parse(format!("{year}-{m:02}")))
        .collect::<Result<_, _>>()?;
    let quarters: Vec<Period> = (1..=4)
        .map(|q| parse(format!("{year}-Q{q}")))
        .collect::<Result<_, _>>()?;
    let whole = parse(year.to_string())?;
    // Set ten days before the year began.
    let set_at = utc_midnight(whole.start) - Duration::days(10) + Duration::hours(9);
    // Each rep's monthly targets in minor units; the rest are sums of them.
    let per_rep: Vec<[i64; 12]> = people
        .reps
        .iter()
        .map(|_| {
            let base = rng.random_range(300..=800) * 1_000 * 100;
            let mut months = [0; 12];
            for (slot, factor) in months.iter_mut().zip(SEASON) {
                *slot = base * factor / 100;
            }
            months
        })
        .collect();
    let mut rows = Vec::new();
    let mut push = |rng: &mut rand::rngs::StdRng,
                    subject: &Subject,
                    set_by: uuid::Uuid,
                    monthly: &[i64; 12]| {
        let quarterly = |q: usize| monthly[q * 3..q * 3 + 3].iter().sum::<i64>();
        let periods = months
            .iter()
            .zip(monthly.iter().copied())
            .chain(quarters.iter().zip((0..4).map(quarterly)))
            .chain(std::iter::once((&whole, monthly.iter().sum())));
        for (period, amount_minor) in periods {
            rows.push(sales_target::ActiveModel::from(sales_target::Model {
                id: id_at(rng, set_at),
                period: period.text.clone(),
                period_start: period.start,
                period_end: period.end,
                scope: subject.scope().as_str().to_owned(),
                scope_key: subject.key(),
                metric: TargetMetric::WonAmount.as_str().to_owned(),
                amount_minor,
                set_by,
                version: 1,
                created_at: set_at,
                updated_at: set_at,
            }));
        }
    };
    let add = |sum: &mut [i64; 12], months: &[i64; 12]| {
        for (total, amount) in sum.iter_mut().zip(months) {
            *total += amount;
        }
    };
    let mut regions: BTreeMap<&str, [i64; 12]> = BTreeMap::new();
    let mut company = [0; 12];
    for team in &people.teams {
        let mut team_sum = [0; 12];
        for rep in &team.reps {
            push(
                &mut rng,
                &Subject::User(people.reps[*rep].id),
                team.manager,
                &per_rep[*rep],
            );
            add(&mut team_sum, &per_rep[*rep]);
        }
        push(&mut rng, &Subject::Team(team.id), team.manager, &team_sum);
        add(regions.entry(team.region).or_insert([0; 12]), &team_sum);
        add(&mut company, &team_sum);
    }
    for (region, sum) in &regions {
        push(
            &mut rng,
            &Subject::Region((*region).to_owned()),
            people.admin,
            sum,
        );
    }
    push(&mut rng, &Subject::Company, people.admin, &company);
    writer.write("sales_targets", rows).await?;
    writer.commit().await?;
    Ok(())
}
