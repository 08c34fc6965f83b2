//! Activities: each rep's to-dos on their own customers, from two months back to a month
//! ahead, at working hours of the rep's day; most past ones done, the rest overdue, and the
//! reminders of everything past already sent.

use chrono::Duration;
use rand::Rng;

use super::SeedError;
use super::common::{Run, id_at, local_time, pick};
use super::customers::Customer;
use super::people::People;
use super::writer::Writer;
use crate::activities::model::{ActivityKind, ActivitySubjectType};
use entity::activity;

/// Rows generated before they are handed to the writer.
const CHUNK: usize = 20_000;
/// Days of history, and days ahead.
const PAST_DAYS: i64 = 60;
const FUTURE_DAYS: i64 = 30;
/// Share of past activities done.
const DONE_SHARE: f64 = 0.85;

const KINDS: [ActivityKind; 5] = [
    ActivityKind::Call,
    ActivityKind::Call,
    ActivityKind::Email,
    ActivityKind::Meeting,
    ActivityKind::Task,
];
const TITLES: [&str; 6] = [
    "Call back about the quote",
    "Send the revised price list",
    "Confirm the delivery date",
    "Prepare the quarterly review",
    "Chase the signed contract",
    "Check in after the installation",
];

/// Writes `volumes.activities` activities spread over the reps (each on a customer of theirs).
pub(crate) async fn seed(
    run: &Run,
    people: &People,
    customers: &[Customer],
    writer: &mut Writer<'_>,
) -> Result<(), SeedError> {
    let mut rng = run.rng(11);
    let reps = people.reps.len();
    let mut rows = Vec::with_capacity(CHUNK);
    for n in 0..run.volumes.activities {
        let r = n % reps;
        let rep = &people.reps[r];
        // The rep's own customers are those at r, r + reps, …
        let owned = customers.len().saturating_sub(r).div_ceil(reps);
        if owned == 0 {
            continue;
        }
        let customer = &customers[r + reps * rng.random_range(0..owned)];
        let day = run.today + Duration::days(rng.random_range(-PAST_DAYS..=FUTURE_DAYS));
        // 08:00 to 18:00 local, on the quarter hour.
        let due = local_time(rep.tz, day, 8 * 60 + 15 * rng.random_range(0..40));
        let remind = due - Duration::minutes(15);
        let past = due < run.anchor;
        let done = past && rng.random_bool(DONE_SHARE);
        let created = due - Duration::days(rng.random_range(1..10));
        rows.push(activity::ActiveModel::from(activity::Model {
            id: id_at(&mut rng, created),
            kind: pick(&mut rng, &KINDS).as_str().to_owned(),
            subject_type: ActivitySubjectType::Customer.as_str().to_owned(),
            subject_id: customer.id,
            title: pick(&mut rng, &TITLES).to_string(),
            note: None,
            due_at: due,
            remind_at: remind,
            reminded_at: past.then_some(remind),
            overdue_notified_at: (past && !done).then_some(due),
            done,
            done_at: done.then_some(due),
            owner_id: rep.id,
            created_by: rep.id,
            follow_up_id: None,
            created_at: created,
            updated_at: if done { due } else { created },
            version: if done { 2 } else { 1 },
        }));
        if rows.len() >= CHUNK {
            writer
                .write("activities", std::mem::take(&mut rows))
                .await?;
        }
    }
    if !rows.is_empty() {
        writer.write("activities", rows).await?;
    }
    Ok(())
}
