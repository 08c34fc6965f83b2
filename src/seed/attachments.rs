//! Attachments' metadata: storefront and shelf photos the reps took at their customers over
//! the last two months, with the position (near the customer) and time the photo's EXIF would
//! give. Rows only: the bytes are not written, so a benchmark reads lists and metadata, never
//! downloads (a seeded file's download answers that the store has no such object).

use chrono::Duration;
use rand::Rng;

use super::SeedError;
use super::common::{Run, id_at, local_time};
use super::customers::Customer;
use super::people::People;
use super::writer::Writer;
use crate::attachments::model::{AttachmentKind, AttachmentSubjectType, READY};
use entity::attachment;

/// Rows generated before they are handed to the writer.
const CHUNK: usize = 20_000;
/// Days of history.
const PAST_DAYS: i64 = 60;

/// Writes `volumes.attachments` photos, each on a customer by the customer's owner.
pub(crate) async fn seed(
    run: &Run,
    people: &People,
    customers: &[Customer],
    writer: &mut Writer<'_>,
) -> Result<(), SeedError> {
    let mut rng = run.rng(12);
    let mut rows = Vec::with_capacity(CHUNK);
    for _ in 0..run.volumes.attachments {
        let customer = &customers[rng.random_range(0..customers.len())];
        let Some(rep) = people.reps.get(customer.owner) else {
            continue;
        };
        let day = run.today - Duration::days(rng.random_range(1..=PAST_DAYS));
        let taken = local_time(rep.tz, day, 9 * 60 + rng.random_range(0..9 * 60));
        let uploaded = taken + Duration::minutes(rng.random_range(1..120));
        let id = id_at(&mut rng, uploaded);
        let landscape = rng.random_bool(0.7);
        let (width, height) = if landscape {
            (4032, 3024)
        } else {
            (3024, 4032)
        };
        // Within a few hundred metres of the customer.
        let mut jitter = || rng.random_range(-0.003..0.003);
        let (lat, lng) = (customer.latitude + jitter(), customer.longitude + jitter());
        let sha256: String = (0..4)
            .map(|_| format!("{:016x}", rng.random::<u64>()))
            .collect();
        rows.push(attachment::ActiveModel::from(attachment::Model {
            id,
            subject_type: AttachmentSubjectType::Customer.as_str().to_owned(),
            subject_id: customer.id,
            kind: AttachmentKind::Photo.as_str().to_owned(),
            status: READY.to_owned(),
            purpose: None,
            file_name: format!("IMG_{}.jpg", rng.random_range(1000..9999)),
            content_type: "image/jpeg".to_owned(),
            byte_size: rng.random_range(800_000..4_000_000),
            sha256,
            width: Some(width),
            height: Some(height),
            taken_at: Some(taken),
            latitude: Some(lat),
            longitude: Some(lng),
            storage_key: format!("seed/{id}"),
            uploaded_by: rep.id,
            created_at: uploaded,
            updated_at: uploaded,
        }));
        if rows.len() >= CHUNK {
            writer
                .write("attachments", std::mem::take(&mut rows))
                .await?;
        }
    }
    if !rows.is_empty() {
        writer.write("attachments", rows).await?;
    }
    Ok(())
}
