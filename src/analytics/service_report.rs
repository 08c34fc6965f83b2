//! The service report: how tickets were handled and how callbacks went in a span of days, over
//! what the viewer may see.
//!
//! - **Tickets** count where they belong by what happened in the span: `opened` (created in
//!   it), `resolved` (resolved in it), resolution hours (created to resolved, for those resolved
//!   in it: median and 90th percentile by nearest rank), `slaBreaches` (escalated in it) and
//!   the average satisfaction of those resolved in it that carry one.
//! - **Callbacks** count by their due day in the span, per rule: `due` (not cancelled), `done`,
//!   `missed`, the completion rate `done / due`, and the average satisfaction of those done.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::aftersales::model::CallbackStatus;
use crate::error::AppResult;
use crate::identity::Viewer;
use entity::{callback, ticket};

/// What the ticket rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Assignee,
    Category,
    Priority,
    CustomerGrade,
}

/// One group's ticket figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFigures {
    pub opened: i64,
    pub resolved: i64,
    pub median_resolution_hours: Option<f64>,
    pub p90_resolution_hours: Option<f64>,
    pub sla_breaches: i64,
    pub average_satisfaction: Option<f64>,
}

/// One rule's callback figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallbackFigures {
    pub rule_id: Uuid,
    pub due: i64,
    pub done: i64,
    pub missed: i64,
    pub average_satisfaction: Option<f64>,
}

/// The whole report: ticket groups by key (`None`: no assignee, or no grade), their total, and
/// callbacks by rule.
#[derive(Debug, Clone, Default)]
pub struct ServiceReport {
    pub groups: BTreeMap<Option<String>, TicketFigures>,
    pub total: TicketFigures,
    pub callbacks: Vec<CallbackFigures>,
}

/// The value at `share` (0–1] of `sorted` by nearest rank: the smallest value with at least
/// that share of the values at or below it.
pub fn nearest_rank(sorted: &[f64], share: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (share * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

fn average(values: &[i32]) -> Option<f64> {
    (!values.is_empty()).then(|| f64::from(values.iter().sum::<i32>()) / values.len() as f64)
}

/// Accumulates the rows of one group.
#[derive(Default)]
struct Tally {
    opened: i64,
    hours: Vec<f64>,
    breaches: i64,
    satisfaction: Vec<i32>,
}

impl Tally {
    fn figures(mut self) -> TicketFigures {
        self.hours.sort_by(f64::total_cmp);
        TicketFigures {
            opened: self.opened,
            resolved: self.hours.len() as i64,
            median_resolution_hours: nearest_rank(&self.hours, 0.5),
            p90_resolution_hours: nearest_rank(&self.hours, 0.9),
            sla_breaches: self.breaches,
            average_satisfaction: average(&self.satisfaction),
        }
    }
}

/// The report of `[start, end)` over the tickets and callbacks `viewer` may see.
pub async fn report(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    grouping: Grouping,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    days: (chrono::NaiveDate, chrono::NaiveDate),
) -> AppResult<ServiceReport> {
    let within =
        |column: ticket::Column| Condition::all().add(column.gte(start)).add(column.lt(end));
    let tickets = ticket::Entity::find()
        .filter(crate::tickets::service::visible(viewer))
        .filter(
            Condition::any()
                .add(within(ticket::Column::CreatedAt))
                .add(within(ticket::Column::ResolvedAt))
                .add(within(ticket::Column::EscalatedAt)),
        )
        .all(db)
        .await?;
    let grades: BTreeMap<Uuid, Option<String>> = if grouping == Grouping::CustomerGrade {
        let ids: Vec<Uuid> = tickets.iter().map(|t| t.customer_id).collect();
        entity::customer::Entity::find()
            .filter(entity::customer::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.grade))
            .collect()
    } else {
        BTreeMap::new()
    };
    let in_span = |at: Option<DateTime<Utc>>| at.is_some_and(|at| at >= start && at < end);
    let mut tallies: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for found in &tickets {
        let key = match grouping {
            Grouping::Assignee => found.assignee_id.map(|id| id.to_string()),
            Grouping::Category => Some(found.category.clone()),
            Grouping::Priority => Some(found.priority.clone()),
            Grouping::CustomerGrade => grades.get(&found.customer_id).cloned().flatten(),
        };
        let tally = tallies.entry(key).or_default();
        for tally in [tally, &mut total] {
            if in_span(Some(found.created_at)) {
                tally.opened += 1;
            }
            if let Some(resolved) = found.resolved_at.filter(|at| in_span(Some(*at))) {
                let hours = (resolved - found.created_at).num_seconds() as f64 / 3600.0;
                tally.hours.push(hours);
                tally.satisfaction.extend(found.satisfaction);
            }
            if in_span(found.escalated_at) {
                tally.breaches += 1;
            }
        }
    }
    let groups = tallies
        .into_iter()
        .map(|(key, tally)| (key, tally.figures()))
        .collect();
    let callbacks = callback::Entity::find()
        .filter(crate::aftersales::service::visible(viewer))
        .filter(callback::Column::DueDate.gte(days.0))
        .filter(callback::Column::DueDate.lte(days.1))
        .filter(callback::Column::Status.ne(CallbackStatus::Cancelled.as_str()))
        .all(db)
        .await?;
    let mut by_rule: BTreeMap<Uuid, (CallbackFigures, Vec<i32>)> = BTreeMap::new();
    for made in callbacks {
        let (figures, satisfaction) = by_rule.entry(made.rule_id).or_insert_with(|| {
            (
                CallbackFigures {
                    rule_id: made.rule_id,
                    ..Default::default()
                },
                Vec::new(),
            )
        });
        figures.due += 1;
        match CallbackStatus::parse(&made.status) {
            Some(CallbackStatus::Done) => {
                figures.done += 1;
                satisfaction.extend(made.satisfaction);
            }
            Some(CallbackStatus::Missed) => figures.missed += 1,
            _ => {}
        }
    }
    Ok(ServiceReport {
        groups,
        total: total.figures(),
        callbacks: by_rule
            .into_values()
            .map(|(mut figures, satisfaction)| {
                figures.average_satisfaction = average(&satisfaction);
                figures
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_takes_the_smallest_value_covering_the_share() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&values, 0.5), Some(5.0));
        assert_eq!(nearest_rank(&values, 0.9), Some(9.0));
        assert_eq!(nearest_rank(&[4.0], 0.9), Some(4.0));
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0], 0.5), Some(2.0));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }

    #[test]
    fn an_average_of_nothing_is_none() {
        assert_eq!(average(&[]), None);
        assert_eq!(average(&[4, 5]), Some(4.5));
    }
}
