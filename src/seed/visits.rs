//! Visit tasks over the past year and the next month, and customer follow-ups (some logged by
//! completed visits, as check-out logs them).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;

use super::SeedError;
use super::common::{Run, between, id_at, local_time, pick, weighted};
use super::customers::Customer;
use super::people::People;
use super::writer::Writer;
use crate::calendar::{local_date, local_day_bounds};
use crate::followups::model::FollowUpKind;
use crate::visits::geo::{OnSiteRule, distance_meters};
use crate::visits::rules::{VisitOutcome, VisitStatus};
use entity::{follow_up, visit_task};

/// Tasks generated before they are handed to the writer.
const CHUNK: usize = 20_000;
/// Days of history, and days planned ahead.
const PAST_DAYS: i64 = 365;
const FUTURE_DAYS: i64 = 30;
/// Share of the follow-ups logged by completed visits.
const VISIT_FOLLOW_UP_SHARE: f64 = 0.4;
/// How a check-in is judged on site (the server's defaults).
const ON_SITE: OnSiteRule = OnSiteRule {
    radius_m: 500.0,
    accuracy_cap_m: 200.0,
};

const PURPOSES: [&str; 8] = [
    "Quarterly business review",
    "Product demo",
    "Contract negotiation",
    "Site survey",
    "Installation check",
    "Relationship visit",
    "Requirements workshop",
    "Payment follow-up",
];
const SUMMARIES: [&str; 6] = [
    "Met the purchasing team; they asked for an updated quote.",
    "Walked through the demo; good reception from operations.",
    "Reviewed open issues; two resolved on site.",
    "Discussed next year's budget and the renewal.",
    "Customer busy; short meeting, follow-up call agreed.",
    "Checked the installation; minor adjustments requested.",
];
const NEXT_STEPS: [&str; 4] = [
    "Send the revised quote",
    "Arrange a call with finance",
    "Prepare the contract draft",
    "Schedule training",
];
const CANCEL_REASONS: [&str; 3] = [
    "Customer rescheduled",
    "Rep unavailable",
    "Meeting moved online",
];
const NOTES: [&str; 6] = [
    "Called about the pending order; decision expected next week.",
    "Sent the product brochure and price list.",
    "Discussed delivery times for the next batch.",
    "Customer asked for references in their industry.",
    "Followed up on the open invoice.",
    "Introduced the new account manager.",
];

/// How many of `total` fall to the `i`-th of `parts` when spread as evenly as possible.
fn share(total: usize, parts: usize, i: usize) -> usize {
    total / parts + usize::from(i < total % parts)
}

/// Writes every rep's visit tasks, the follow-ups their latest completed visits logged, and the
/// other customer follow-ups (calls, e-mails, meetings, notes).
pub(crate) async fn seed(
    run: &Run,
    people: &People,
    customers: &[Customer],
    writer: &mut Writer<'_>,
) -> Result<(), SeedError> {
    let mut rng = run.rng(6);
    let reps = people.reps.len();
    let visit_follow_ups =
        ((run.volumes.follow_ups as f64) * VISIT_FOLLOW_UP_SHARE).round() as usize;
    let mut tasks = Vec::with_capacity(CHUNK + 4_000);
    let mut logged = Vec::new();
    let mut written_follow_ups = 0;
    for r in 0..reps {
        let own: Vec<usize> = (r..customers.len()).step_by(reps).collect();
        if own.is_empty() {
            continue;
        }
        let count = share(run.volumes.visit_tasks, reps, r);
        let quota = share(visit_follow_ups, reps, r);
        let mut mine = rep_tasks(run, people, customers, &own, r, count, &mut rng);
        // The latest completed visits logged a follow-up at check-out.
        let mut completed: Vec<usize> = (0..mine.len())
            .filter(|i| mine[*i].status == VisitStatus::Completed.as_str())
            .collect();
        completed.sort_by_key(|i| std::cmp::Reverse(mine[*i].planned_start));
        for i in completed.into_iter().take(quota) {
            let task = &mut mine[i];
            let (Some(at), Some(occurred)) = (task.check_out_at, task.check_out_device_at) else {
                continue;
            };
            let content = match (&task.summary, &task.next_step) {
                (Some(summary), Some(step)) => format!("{summary}\nNext step: {step}"),
                (Some(summary), None) => summary.clone(),
                _ => task.purpose.clone(),
            };
            let id = id_at(&mut rng, at);
            task.follow_up_id = Some(id);
            logged.push(follow_up::ActiveModel::from(follow_up::Model {
                id,
                subject_type: "CUSTOMER".to_owned(),
                subject_id: task.customer_id,
                lead_id: None,
                customer_id: Some(task.customer_id),
                author_id: task.assignee_id,
                kind: FollowUpKind::Visit.as_str().to_owned(),
                content,
                occurred_at: occurred,
                next_follow_up_at: None,
                created_at: at,
            }));
        }
        tasks.extend(mine.into_iter().map(visit_task::ActiveModel::from));
        if tasks.len() >= CHUNK {
            writer
                .write("visit_tasks", std::mem::take(&mut tasks))
                .await?;
            written_follow_ups += logged.len();
            writer
                .write("follow_ups", std::mem::take(&mut logged))
                .await?;
        }
    }
    writer.write("visit_tasks", tasks).await?;
    written_follow_ups += logged.len();
    writer.write("follow_ups", logged).await?;
    let others = run.volumes.follow_ups.saturating_sub(written_follow_ups);
    let mut rows = Vec::with_capacity(CHUNK.min(others));
    for k in 0..others {
        // Round-robin over the customers, so as many as possible have a last follow-up.
        let customer = &customers[k % customers.len()];
        let occurred_at = between(&mut rng, run.days_ago(180), run.days_ago(1));
        let created_at = occurred_at + Duration::minutes(rng.random_range(0..=120));
        let kind = weighted(
            &mut rng,
            &[
                (FollowUpKind::Call, 50),
                (FollowUpKind::Email, 25),
                (FollowUpKind::Meeting, 15),
                (FollowUpKind::Note, 10),
            ],
        );
        rows.push(follow_up::ActiveModel::from(follow_up::Model {
            id: id_at(&mut rng, created_at),
            subject_type: "CUSTOMER".to_owned(),
            subject_id: customer.id,
            lead_id: None,
            customer_id: Some(customer.id),
            author_id: people.reps[customer.owner].id,
            kind: kind.as_str().to_owned(),
            content: (*pick(&mut rng, &NOTES)).to_owned(),
            occurred_at,
            next_follow_up_at: rng
                .random_bool(0.4)
                .then(|| occurred_at + Duration::days(rng.random_range(3..=30))),
            created_at,
        }));
        if rows.len() >= CHUNK {
            writer
                .write("follow_ups", std::mem::take(&mut rows))
                .await?;
        }
    }
    writer.write("follow_ups", rows).await?;
    writer.commit().await?;
    Ok(())
}

/// `count` tasks of rep `r`: at least five on today (in the rep's time zone), the rest spread
/// over the past year and the next month. Days before today are over: their tasks were
/// completed, missed or cancelled; today's and later ones are planned.
fn rep_tasks(
    run: &Run,
    people: &People,
    customers: &[Customer],
    own: &[usize],
    r: usize,
    count: usize,
    rng: &mut StdRng,
) -> Vec<visit_task::Model> {
    let rep = &people.reps[r];
    let tz = rep.tz;
    let today_count = count.min(rng.random_range(5..=8));
    let mut days: Vec<i64> = (0..count)
        .map(|i| {
            if i < today_count {
                0
            } else {
                rng.random_range(-PAST_DAYS..=FUTURE_DAYS)
            }
        })
        .collect();
    days.sort_unstable();
    let mut tasks = Vec::with_capacity(count);
    for offset in days {
        let day = run.today + Duration::days(offset);
        let customer = &customers[*pick(rng, own)];
        // Start on the quarter hour between 08:00 and 17:45 local time.
        let start = local_time(tz, day, rng.random_range(32..=71) * 15);
        let end = start + Duration::minutes(rng.random_range(2..=8) * 15);
        let date = local_date(tz, start);
        let (_, day_ends_at) = local_day_bounds(tz, date);
        let planned_ahead = Duration::hours(rng.random_range(24..=14 * 24));
        let created_at = (start - planned_ahead)
            .min(run.anchor - Duration::minutes(rng.random_range(30..=72 * 60)));
        let mut task = visit_task::Model {
            id: id_at(rng, created_at),
            assignee_id: rep.id,
            created_by: rep.id,
            customer_id: customer.id,
            contact_id: rng.random_bool(0.5).then_some(customer.first_contact),
            opportunity_id: customer.first_opportunity.filter(|_| rng.random_bool(0.3)),
            lead_id: None,
            purpose: (*pick(rng, &PURPOSES)).to_owned(),
            planned_start: start,
            planned_end: end,
            local_date: date,
            day_ends_at,
            address: Some(customer.address.clone()),
            latitude: Some(customer.latitude),
            longitude: Some(customer.longitude),
            status: VisitStatus::Planned.as_str().to_owned(),
            check_in_at: None,
            check_in_device_at: None,
            check_in_latitude: None,
            check_in_longitude: None,
            check_in_accuracy_m: None,
            check_in_distance_m: None,
            check_in_on_site: None,
            check_out_at: None,
            check_out_device_at: None,
            summary: None,
            outcome: None,
            next_step: None,
            next_visit_id: None,
            duration_seconds: None,
            follow_up_id: None,
            cancelled_at: None,
            cancel_reason: None,
            missed_at: None,
            version: 1,
            created_at,
            updated_at: created_at,
        };
        if date < run.today {
            let status = weighted(
                rng,
                &[
                    (VisitStatus::Completed, 80),
                    (VisitStatus::Missed, 12),
                    (VisitStatus::Cancelled, 8),
                ],
            );
            match status {
                VisitStatus::Completed => complete(&mut task, customer, rng),
                VisitStatus::Cancelled => cancel(&mut task, rng),
                _ => {
                    // The sweep marks it within a quarter hour of the day's end.
                    let at = day_ends_at + Duration::seconds(rng.random_range(0..=900));
                    task.status = VisitStatus::Missed.as_str().to_owned();
                    task.missed_at = Some(at);
                    task.version = 2;
                    task.updated_at = at;
                }
            }
        }
        tasks.push(task);
    }
    tasks
}

/// Checked in near the planned start (mostly on site), checked out with a report.
fn complete(task: &mut visit_task::Model, customer: &Customer, rng: &mut StdRng) {
    let device_in = task.planned_start + Duration::minutes(rng.random_range(-15..=20));
    let checked_in = device_in + Duration::seconds(rng.random_range(0..=90));
    let spread = if rng.random_bool(0.9) { 0.0012 } else { 0.01 };
    let lat = customer.latitude + rng.random_range(-spread..spread);
    let lng = customer.longitude + rng.random_range(-spread..spread);
    let accuracy = rng.random_range(5.0..60.0);
    let distance = distance_meters(customer.latitude, customer.longitude, lat, lng);
    let device_out = device_in + Duration::minutes(rng.random_range(20..=110));
    let checked_out = device_out + Duration::seconds(rng.random_range(0..=60));
    task.status = VisitStatus::Completed.as_str().to_owned();
    task.check_in_at = Some(checked_in);
    task.check_in_device_at = Some(device_in);
    task.check_in_latitude = Some(lat);
    task.check_in_longitude = Some(lng);
    task.check_in_accuracy_m = Some(accuracy);
    task.check_in_distance_m = Some(distance);
    task.check_in_on_site = Some(ON_SITE.on_site(distance, accuracy));
    task.check_out_at = Some(checked_out);
    task.check_out_device_at = Some(device_out);
    task.summary = Some((*pick(rng, &SUMMARIES)).to_owned());
    task.outcome = Some(
        weighted(
            rng,
            &[
                (VisitOutcome::Positive, 40),
                (VisitOutcome::Neutral, 35),
                (VisitOutcome::Negative, 15),
                (VisitOutcome::NoShow, 10),
            ],
        )
        .as_str()
        .to_owned(),
    );
    task.next_step = rng
        .random_bool(0.4)
        .then(|| (*pick(rng, &NEXT_STEPS)).to_owned());
    task.duration_seconds = Some((device_out - device_in).num_seconds());
    task.version = 3;
    task.updated_at = checked_out;
}

/// Called off some hours before it was due (never before it was planned).
fn cancel(task: &mut visit_task::Model, rng: &mut StdRng) {
    let at: DateTime<Utc> = (task.planned_start - Duration::hours(rng.random_range(2..=48)))
        .max(task.created_at + Duration::minutes(10));
    task.status = VisitStatus::Cancelled.as_str().to_owned();
    task.cancelled_at = Some(at);
    task.cancel_reason = Some((*pick(rng, &CANCEL_REASONS)).to_owned());
    task.version = 2;
    task.updated_at = at;
}

#[cfg(test)]
mod tests {
    #[test]
    fn shares_spread_a_total_evenly() {
        let parts: Vec<usize> = (0..3).map(|i| super::share(10, 3, i)).collect();
        assert_eq!(parts, vec![4, 3, 3]);
        assert_eq!(parts.iter().sum::<usize>(), 10);
    }
}
