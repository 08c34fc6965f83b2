//! Marketing campaigns over the seeded year: one starting every few days across the last 330
//! (40 at scale 1), each running 30 days with its budget and three cost entries. The `EVENT`
//! and `CAMPAIGN` leads created while a campaign ran name it (the earliest-starting one first),
//! and so do up to 250 of the deals opened while it ran, and those deals' customers (first
//! touch). The members are those leads and the customers' contacts; every other such contact
//! also joined the next campaign, so some deals are touched by two campaigns (any touch).

use chrono::Duration;
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::SeedError;
use super::common::{Run, amount_minor, id_at, utc_midnight, weighted};
use super::people::People;
use super::writer::Writer;
use crate::campaigns::model::{CampaignChannel, CampaignStatus, MemberStatus};
use entity::{campaign, campaign_cost, campaign_member, contact, customer, lead, opportunity};

const CHANNELS: [CampaignChannel; 7] = [
    CampaignChannel::Exhibition,
    CampaignChannel::Webinar,
    CampaignChannel::Ads,
    CampaignChannel::Email,
    CampaignChannel::Event,
    CampaignChannel::ReferralProgram,
    CampaignChannel::Other,
];

/// Deals each campaign brings at most.
const DEALS_PER_CAMPAIGN: u64 = 250;

/// Writes the campaigns, their costs, attribution and members.
pub(crate) async fn seed(
    run: &Run,
    people: &People,
    db: &DatabaseConnection,
    writer: &mut Writer<'_>,
) -> Result<(), SeedError> {
    let mut rng = run.rng(13);
    let count = run.volumes.campaigns;
    let mut campaigns = Vec::with_capacity(count);
    let mut costs = Vec::new();
    for i in 0..count {
        let start = run.today - Duration::days(330) + Duration::days((i * 330 / count) as i64);
        let end = start + Duration::days(29);
        let created_at = utc_midnight(start) - Duration::days(14) + Duration::hours(2);
        let owner = people.teams[i % people.teams.len()].manager;
        let mut actual = 0;
        for offset in [0, 10, 20] {
            let day = start + Duration::days(offset);
            if day >= run.today {
                continue;
            }
            let amount = amount_minor(&mut rng, 2_000.0, 40_000.0);
            actual += amount;
            let at = utc_midnight(day) + Duration::hours(3);
            costs.push(campaign_cost::ActiveModel::from(campaign_cost::Model {
                id: id_at(&mut rng, at),
                campaign_id: Uuid::nil(),
                amount_minor: amount,
                incurred_on: day,
                note: Some(format!("Spend {}", offset / 10 + 1)),
                recorded_by: owner,
                created_at: at,
            }));
        }
        let status = if end < run.today {
            CampaignStatus::Completed
        } else if start > run.today {
            CampaignStatus::Planned
        } else {
            CampaignStatus::Active
        };
        let channel = CHANNELS[i % CHANNELS.len()];
        campaigns.push(campaign::Model {
            id: id_at(&mut rng, created_at),
            name: format!("{} {}", channel.as_str().to_lowercase(), i + 1),
            channel: channel.as_str().to_owned(),
            status: status.as_str().to_owned(),
            start_date: start,
            end_date: Some(end),
            budget_minor: actual + amount_minor(&mut rng, 1_000.0, 20_000.0),
            actual_cost_minor: actual,
            owner_id: owner,
            version: 1,
            created_at,
            updated_at: created_at,
        });
    }
    // Each campaign's costs follow it (three entries each, fewer where a day is still ahead).
    let mut costs = costs.into_iter();
    let mut cost_rows = Vec::new();
    for c in &campaigns {
        let days = [0, 10, 20]
            .iter()
            .filter(|offset| c.start_date + Duration::days(**offset) < run.today)
            .count();
        for mut cost in costs.by_ref().take(days) {
            cost.campaign_id = sea_orm::Set(c.id);
            cost_rows.push(cost);
        }
    }
    writer
        .write(
            "campaigns",
            campaigns
                .iter()
                .cloned()
                .map(campaign::ActiveModel::from)
                .collect(),
        )
        .await?;
    writer.write("campaign_costs", cost_rows).await?;
    writer.commit().await?;

    // First touch: the event and campaign leads created while a campaign ran.
    for c in &campaigns {
        let from = utc_midnight(c.start_date);
        let to = utc_midnight(c.start_date + Duration::days(30));
        lead::Entity::update_many()
            .col_expr(lead::Column::CampaignId, Expr::value(Some(c.id)))
            .filter(lead::Column::CampaignId.is_null())
            .filter(lead::Column::Source.is_in(["EVENT", "CAMPAIGN"]))
            .filter(lead::Column::CreatedAt.gte(from))
            .filter(lead::Column::CreatedAt.lt(to))
            .exec(db)
            .await?;
    }
    // Deals opened while it ran (up to 250, the first by id), then their customers: first touch.
    for c in &campaigns {
        let from = utc_midnight(c.start_date);
        let to = utc_midnight(c.start_date + Duration::days(30));
        let first = sea_orm::sea_query::Query::select()
            .column(opportunity::Column::Id)
            .from(opportunity::Entity)
            .and_where(Expr::col(opportunity::Column::CampaignId).is_null())
            .and_where(Expr::col(opportunity::Column::CreatedAt).gte(from))
            .and_where(Expr::col(opportunity::Column::CreatedAt).lt(to))
            .order_by(opportunity::Column::Id, sea_orm::Order::Asc)
            .limit(DEALS_PER_CAMPAIGN)
            .to_owned();
        opportunity::Entity::update_many()
            .col_expr(opportunity::Column::CampaignId, Expr::value(Some(c.id)))
            .filter(opportunity::Column::Id.in_subquery(first))
            .exec(db)
            .await?;
    }
    db.execute_unprepared(
        "UPDATE \"customers\" SET \"campaign_id\" = (SELECT \"opportunities\".\"campaign_id\" \
         FROM \"opportunities\" WHERE \"opportunities\".\"customer_id\" = \"customers\".\"id\" \
         AND \"opportunities\".\"campaign_id\" IS NOT NULL \
         ORDER BY \"opportunities\".\"created_at\", \"opportunities\".\"id\" LIMIT 1) \
         WHERE \"id\" IN (SELECT \"customer_id\" FROM \"opportunities\" WHERE \"campaign_id\" IS NOT NULL)",
    )
    .await?;

    // Members: the attributed leads, and the attributed customers' contacts.
    let statuses = [
        (MemberStatus::Invited, 30),
        (MemberStatus::Registered, 20),
        (MemberStatus::Attended, 35),
        (MemberStatus::Responded, 15),
    ];
    let owner_of = |campaign: Uuid| {
        campaigns
            .iter()
            .find(|c| c.id == campaign)
            .map(|c| c.owner_id)
            .unwrap_or(people.admin)
    };
    let next_of = |campaign: Uuid| {
        let at = campaigns.iter().position(|c| c.id == campaign)?;
        campaigns.get(at + 1).map(|c| c.id)
    };
    let leads: Vec<(Uuid, Option<Uuid>, chrono::DateTime<chrono::Utc>)> = lead::Entity::find()
        .select_only()
        .column(lead::Column::Id)
        .column(lead::Column::CampaignId)
        .column(lead::Column::CreatedAt)
        .filter(lead::Column::CampaignId.is_not_null())
        .order_by_asc(lead::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut members = Vec::new();
    let mut member = |rng: &mut rand::rngs::StdRng,
                      campaign: Uuid,
                      who: (Option<Uuid>, Option<Uuid>),
                      at: chrono::DateTime<chrono::Utc>| {
        let status = weighted(rng, &statuses);
        members.push(campaign_member::ActiveModel::from(campaign_member::Model {
            id: id_at(rng, at),
            campaign_id: campaign,
            contact_id: who.0,
            lead_id: who.1,
            status: status.as_str().to_owned(),
            added_by: owner_of(campaign),
            created_at: at,
            updated_at: at,
        }));
    };
    for (id, campaign, created_at) in leads {
        if let Some(campaign) = campaign {
            member(&mut rng, campaign, (None, Some(id)), created_at);
        }
    }
    let customers: std::collections::HashMap<Uuid, (Uuid, chrono::DateTime<chrono::Utc>)> =
        customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .column(customer::Column::CampaignId)
            .column(customer::Column::CreatedAt)
            .filter(customer::Column::CampaignId.is_not_null())
            .into_tuple::<(Uuid, Option<Uuid>, chrono::DateTime<chrono::Utc>)>()
            .all(db)
            .await?
            .into_iter()
            .filter_map(|(id, campaign, at)| campaign.map(|c| (id, (c, at))))
            .collect();
    let contacts: Vec<(Uuid, Uuid)> = contact::Entity::find()
        .select_only()
        .column(contact::Column::Id)
        .column(contact::Column::CustomerId)
        .filter(
            contact::Column::CustomerId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(customer::Column::Id)
                    .from(customer::Entity)
                    .and_where(Expr::col(customer::Column::CampaignId).is_not_null())
                    .to_owned(),
            ),
        )
        .order_by_asc(contact::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let contacts = contacts.into_iter().filter_map(|(id, customer)| {
        customers.get(&customer).map(|(campaign, _)| {
            let start = campaigns
                .iter()
                .find(|c| c.id == *campaign)
                .map(|c| utc_midnight(c.start_date))
                .unwrap_or(run.anchor);
            (id, Some(*campaign), start)
        })
    });
    for (i, (id, campaign, created_at)) in contacts.enumerate() {
        let Some(campaign) = campaign else { continue };
        member(&mut rng, campaign, (Some(id), None), created_at);
        if i % 2 == 0
            && let Some(next) = next_of(campaign)
        {
            let later = created_at + Duration::days(rng.random_range(1..=20));
            member(
                &mut rng,
                next,
                (Some(id), None),
                Ord::min(later, run.anchor),
            );
        }
    }
    writer.write("campaign_members", members).await?;
    writer.commit().await?;
    Ok(())
}
