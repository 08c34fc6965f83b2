//! The morning list's links, fetched up front: one query per kind of linked record, whatever
//! the number of tasks, instead of relying on loader batches timed by a delay.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::auth::viewer::Viewer;
use crate::error::AppResult;
use entity::{contact, customer, follow_up, opportunity, pipeline_stage, visit_task};

/// Which linked records the client asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    pub customers: bool,
    pub last_follow_ups: bool,
    pub contacts: bool,
    pub opportunities: bool,
}

/// A customer with its newest follow-up (`None` when not asked for).
pub type CustomerWithLatest = (customer::Model, Option<Option<follow_up::Model>>);

/// A task with what it links to, as far as the viewer may see it; `None` where not asked.
#[derive(Debug, Clone)]
pub struct Linked {
    pub task: visit_task::Model,
    pub customer: Option<Option<CustomerWithLatest>>,
    pub contact: Option<Option<contact::Model>>,
    pub opportunity: Option<Option<(opportunity::Model, Option<pipeline_stage::Model>)>>,
}

fn ids<T>(tasks: &[visit_task::Model], id: impl Fn(&visit_task::Model) -> Option<T>) -> Vec<T>
where
    T: Ord,
{
    let mut ids: Vec<T> = tasks.iter().filter_map(id).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Attaches to each task the customer (with its newest follow-up), contact and deal (with its
/// stage) the viewer may see: at most five statements, however many tasks.
pub async fn link(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    tasks: Vec<visit_task::Model>,
    wants: Wants,
) -> AppResult<Vec<Linked>> {
    let mut customers: HashMap<Uuid, customer::Model> = HashMap::new();
    let mut latest: HashMap<Uuid, follow_up::Model> = HashMap::new();
    if wants.customers && !tasks.is_empty() {
        let customer_ids = ids(&tasks, |t| Some(t.customer_id));
        customers = crate::customers::service::visible_customers_by_ids(db, viewer, &customer_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        if wants.last_follow_ups && !customers.is_empty() {
            let visible: Vec<Uuid> = customers.keys().copied().collect();
            latest = crate::followups::service::latest_of_customers(db, &visible)
                .await?
                .into_iter()
                .filter_map(|f| f.customer_id.map(|c| (c, f)))
                .collect();
        }
    }
    let mut contacts: HashMap<Uuid, contact::Model> = HashMap::new();
    let contact_ids = ids(&tasks, |t| t.contact_id);
    if wants.contacts && !contact_ids.is_empty() {
        contacts = crate::customers::service::visible_contacts_by_ids(db, viewer, &contact_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    }
    let mut deals: HashMap<Uuid, opportunity::Model> = HashMap::new();
    let mut stages: HashMap<Uuid, pipeline_stage::Model> = HashMap::new();
    let deal_ids = ids(&tasks, |t| t.opportunity_id);
    if wants.opportunities && !deal_ids.is_empty() {
        deals = crate::opportunities::service::visible_by_ids(db, viewer, &deal_ids)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        let mut stage_ids: Vec<Uuid> = deals.values().map(|d| d.stage_id).collect();
        stage_ids.sort();
        stage_ids.dedup();
        if !stage_ids.is_empty() {
            stages = crate::opportunities::stages::by_ids(db, &stage_ids)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
        }
    }
    Ok(tasks
        .into_iter()
        .map(|task| Linked {
            customer: wants.customers.then(|| {
                customers.get(&task.customer_id).map(|c| {
                    let last = wants.last_follow_ups.then(|| latest.get(&c.id).cloned());
                    (c.clone(), last)
                })
            }),
            contact: wants
                .contacts
                .then(|| task.contact_id.and_then(|id| contacts.get(&id).cloned())),
            opportunity: wants.opportunities.then(|| {
                task.opportunity_id
                    .and_then(|id| deals.get(&id))
                    .map(|d| (d.clone(), stages.get(&d.stage_id).cloned()))
            }),
            task,
        })
        .collect())
}
