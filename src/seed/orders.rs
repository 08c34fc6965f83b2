//! The execution of signed and completed contracts: one to three orders by amount (the
//! seeded contracts have no product lines), numbered per year as the server numbers them, and
//! their deliveries in batches. A completed contract's orders are delivered in full; a signed
//! one's are delivered in full, in part or not yet.

use chrono::{DateTime, Datelike, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;

use super::SeedError;
use super::common::{Run, day_between, id_at, weighted};
use super::writer::Writer;
use crate::orders::model::OrderStatus;
use entity::{contract, delivery, delivery_line, document_counter, order, order_line};

/// The document kind order numbers count under.
const COUNTER_KIND: &str = "ORDER";

/// How far a signed contract's order has been delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    Full,
    Part,
    None,
}

/// The orders and deliveries of the contracts of one chunk, and the numbers used so far.
#[derive(Default)]
pub(crate) struct Execution {
    orders: Vec<order::ActiveModel>,
    lines: Vec<order_line::ActiveModel>,
    deliveries: Vec<delivery::ActiveModel>,
    delivery_lines: Vec<delivery_line::ActiveModel>,
    numbering: std::collections::BTreeMap<i32, i64>,
}

impl Execution {
    /// The orders of a contract signed at `signed_at` (completed at `completed_at`, if it is).
    pub(crate) fn execute(
        &mut self,
        run: &Run,
        rng: &mut StdRng,
        contract: &contract::Model,
        signed_at: DateTime<Utc>,
        completed_at: Option<DateTime<Utc>>,
    ) {
        let count = weighted(rng, &[(1_usize, 50), (2, 35), (3, 15)]);
        let total = contract.amount_minor;
        let mut amounts = Vec::with_capacity(count);
        let mut left = total;
        for k in 0..count {
            let amount = if k + 1 == count || left < 2 {
                left
            } else {
                (left * rng.random_range(30..=60) / 100).clamp(1, left - 1)
            };
            amounts.push(amount);
            left -= amount;
            if left == 0 {
                break;
            }
        }
        let yesterday = run.yesterday();
        let mut created_at = signed_at;
        for amount in amounts {
            created_at += Duration::minutes(rng.random_range(60..=3 * 24 * 60));
            if let Some(done) = completed_at {
                created_at = created_at.min(done - Duration::minutes(1));
            }
            let year = created_at.with_timezone(&run.company_tz).year();
            let seq = self.numbering.entry(year).or_insert(0);
            *seq += 1;
            let order_id = id_at(rng, created_at);
            let line_id = id_at(rng, created_at);
            let created_on = created_at.date_naive();
            let planned = created_on + Duration::days(rng.random_range(7..=30));
            let progress = if completed_at.is_some() {
                Progress::Full
            } else if created_on >= yesterday {
                Progress::None
            } else {
                weighted(
                    rng,
                    &[
                        (Progress::Full, 50),
                        (Progress::Part, 25),
                        (Progress::None, 25),
                    ],
                )
            };
            // Deliveries: one or two batches dated after the order, never after yesterday
            // (nor after the completion).
            let last_day = completed_at
                .map_or(yesterday, |done| done.date_naive())
                .min(yesterday)
                .max(created_on);
            let delivered = match progress {
                Progress::Full => amount,
                Progress::Part => (amount * rng.random_range(20..=80) / 100).clamp(1, amount),
                Progress::None => 0,
            };
            let batches = if delivered >= 2 && rng.random_range(0..2) == 0 {
                let first = (delivered * rng.random_range(30..=70) / 100).clamp(1, delivered - 1);
                vec![first, delivered - first]
            } else if delivered > 0 {
                vec![delivered]
            } else {
                Vec::new()
            };
            let mut day = created_on;
            let mut updated_at = created_at;
            for part in &batches {
                day = day_between(rng, day, last_day);
                let recorded = (super::common::utc_midnight(day)
                    + Duration::minutes(rng.random_range(480..=1_080)))
                .max(created_at + Duration::minutes(1));
                let delivery_id = id_at(rng, recorded);
                self.deliveries.push(
                    delivery::Model {
                        id: delivery_id,
                        order_id,
                        contract_id: contract.id,
                        delivered_on: day,
                        note: None,
                        recorded_by: contract.owner_id,
                        created_at: recorded,
                    }
                    .into(),
                );
                self.delivery_lines.push(
                    delivery_line::Model {
                        id: id_at(rng, recorded),
                        delivery_id,
                        order_line_id: line_id,
                        quantity_thousandths: None,
                        amount_minor: *part,
                    }
                    .into(),
                );
                updated_at = updated_at.max(recorded);
            }
            let status = match (delivered, delivered == amount) {
                (0, _) => OrderStatus::Open,
                (_, true) => OrderStatus::Delivered,
                _ => OrderStatus::PartiallyDelivered,
            };
            self.orders.push(
                order::Model {
                    id: order_id,
                    number: crate::numbering::format("O", year, *seq),
                    year,
                    seq: *seq,
                    contract_id: contract.id,
                    customer_id: contract.customer_id,
                    created_by: contract.owner_id,
                    status: status.as_str().to_owned(),
                    planned_delivery_date: Some(planned),
                    amount_minor: amount,
                    cancel_reason: None,
                    late_notified_at: None,
                    version: 1 + batches.len() as i32,
                    created_at,
                    updated_at,
                }
                .into(),
            );
            self.lines.push(
                order_line::Model {
                    id: line_id,
                    order_id,
                    position: 0,
                    product_id: None,
                    quantity_thousandths: None,
                    amount_minor: amount,
                    delivered_thousandths: 0,
                    delivered_minor: delivered,
                }
                .into(),
            );
        }
    }

    /// Writes the chunk's orders (after their contracts), keeping the numbering.
    pub(crate) async fn flush(&mut self, writer: &mut Writer<'_>) -> Result<(), SeedError> {
        writer
            .write("orders", std::mem::take(&mut self.orders))
            .await?;
        writer
            .write("order_lines", std::mem::take(&mut self.lines))
            .await?;
        writer
            .write("deliveries", std::mem::take(&mut self.deliveries))
            .await?;
        writer
            .write("delivery_lines", std::mem::take(&mut self.delivery_lines))
            .await?;
        Ok(())
    }

    /// The order counters that continue the numbering.
    pub(crate) fn counters(&self) -> Vec<document_counter::ActiveModel> {
        self.numbering
            .iter()
            .map(|(year, last)| {
                document_counter::ActiveModel::from(document_counter::Model {
                    kind: COUNTER_KIND.to_owned(),
                    year: *year,
                    last_value: *last,
                })
            })
            .collect()
    }
}
