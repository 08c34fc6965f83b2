//! Customers with their contacts, and leads (some converted into those customers).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::SeedError;
use super::common::{INDUSTRIES, REGIONS, Run, between, id_at, person, pick, weighted};
use super::people::People;
use super::writer::Writer;
use crate::leads::model::{BantAnswer, BantTimeline, LeadSource, LeadStatus};
use crate::leads::scoring::ScoringRules;
use crate::normalize;
use entity::{contact, customer, lead};

/// Rows buffered before they are handed to the writer.
const CHUNK: usize = 10_000;

/// A seeded customer, as the later tables need it.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub id: Uuid,
    /// Index into [`People::reps`].
    pub owner: usize,
    pub name: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub created_at: DateTime<Utc>,
    pub first_contact: Uuid,
    /// Filled in by the pipeline generator.
    pub first_opportunity: Option<Uuid>,
}

/// Cities customers sit around: (name, latitude, longitude).
const CITIES_CN: [(&str, f64, f64); 5] = [
    ("Shanghai", 31.2304, 121.4737),
    ("Beijing", 39.9042, 116.4074),
    ("Guangzhou", 23.1291, 113.2644),
    ("Shenzhen", 22.5431, 114.0579),
    ("Chengdu", 30.5728, 104.0668),
];
/// The cities of [`CITIES_CN`], in Chinese.
const CITIES_ZH: [&str; 5] = ["上海", "北京", "广州", "深圳", "成都"];
/// [`WORDS`] in Chinese, by position.
const WORDS_ZH: [&str; 12] = [
    "金辉", "光明", "华信", "先锋", "远景", "翡翠", "新月", "联合", "长青", "东方", "宏图", "明亮",
];
/// `INDUSTRIES` in Chinese, by position.
const INDUSTRIES_ZH: [&str; 8] = [
    "制造", "物流", "零售", "医疗", "能源", "建设", "教育", "软件",
];
const CITIES_US: [(&str, f64, f64); 3] = [
    ("Los Angeles", 34.0522, -118.2437),
    ("San Diego", 32.7157, -117.1611),
    ("San Francisco", 37.7749, -122.4194),
];
const STREETS: [&str; 8] = [
    "Century",
    "Harbour",
    "Garden",
    "Riverside",
    "Station",
    "Market",
    "Lake",
    "Park",
];
const WORDS: [&str; 12] = [
    "Golden",
    "Everbright",
    "Summit",
    "Pioneer",
    "Horizon",
    "Jade",
    "Crescent",
    "Union",
    "Evergreen",
    "Orient",
    "Atlas",
    "Bright",
];
const TITLES: [&str; 6] = [
    "Purchasing Manager",
    "Operations Director",
    "CEO",
    "CFO",
    "IT Manager",
    "Procurement Lead",
];

/// Writes customers (round-robin over the reps) and their one or two contacts.
pub(crate) async fn seed_customers(
    run: &Run,
    people: &People,
    writer: &mut Writer<'_>,
) -> Result<Vec<Customer>, SeedError> {
    let mut rng = run.rng(2);
    let volumes = run.volumes;
    let reps = people.reps.len();
    let extra_contacts = volumes.contacts - volumes.customers;
    let mut customers = Vec::with_capacity(volumes.customers);
    let mut customer_rows = Vec::with_capacity(CHUNK);
    let mut contact_rows = Vec::with_capacity(CHUNK * 2);
    let mut contact_number = 0usize;
    for i in 0..volumes.customers {
        let owner = i % reps;
        let rep = &people.reps[owner];
        let (city, lat, lng) = if rep.tz == chrono_tz::America::Los_Angeles {
            *pick(&mut rng, &CITIES_US)
        } else {
            CITIES_CN[owner % CITIES_CN.len()]
        };
        let industry = *pick(&mut rng, &INDUSTRIES);
        let word = *pick(&mut rng, &WORDS);
        // Every other customer of a rep in China carries a Chinese name (searched by its
        // characters and by pinyin); the random draws are the same either way.
        let chinese = rep.tz != chrono_tz::America::Los_Angeles && i % 2 == 1;
        let name = if chinese {
            let zh = |list: &[&'static str], english: &[&str], of: &str| {
                english
                    .iter()
                    .position(|e| *e == of)
                    .and_then(|at| list.get(at).copied())
                    .unwrap_or_default()
            };
            format!(
                "{}{}{}有限公司 {:06}",
                CITIES_ZH[owner % CITIES_ZH.len()],
                zh(&WORDS_ZH, &WORDS, word),
                zh(&INDUSTRIES_ZH, &INDUSTRIES, industry),
                i + 1
            )
        } else {
            format!("{city} {word} {industry} Co. {:06}", i + 1)
        };
        let address = format!(
            "{} {} Road, {}",
            rng.random_range(1..2000),
            pick(&mut rng, &STREETS),
            city
        );
        let latitude = lat + rng.random_range(-0.08..0.08);
        let longitude = lng + rng.random_range(-0.08..0.08);
        let created_at = between(&mut rng, run.days_ago(440), run.days_ago(380));
        let id = id_at(&mut rng, created_at);
        let grade = weighted(&mut rng, &[("A", 20), ("B", 50), ("C", 30)]);
        customer_rows.push(customer::ActiveModel::from(customer::Model {
            id,
            company_key: normalize::company_key(&name).unwrap_or_default(),
            name: name.clone(),
            industry: Some(industry.to_owned()),
            region: Some(people.region_of(owner).to_owned()),
            address: Some(address.clone()),
            latitude: Some(latitude),
            longitude: Some(longitude),
            grade: Some(grade.to_owned()),
            owner_id: rep.id,
            version: 1,
            created_at,
            updated_at: created_at,
            // Every fourth customer has no influence level set; the rest spread over the
            // default picklist.
            influence: ["LOCAL", "REGIONAL", "INDUSTRY"]
                .get(i % 4)
                .map(|key| (*key).to_owned()),
            pinned_grade: None,
            grade_pin_reason: None,
            grade_pinned_by: None,
            grade_pinned_at: None,
            campaign_id: None,
        }));
        // Exactly `extra_contacts` customers get a second contact, evenly spread.
        let second =
            (i + 1) * extra_contacts / volumes.customers > i * extra_contacts / volumes.customers;
        let mut first_contact = Uuid::nil();
        for k in 0..(1 + usize::from(second)) {
            contact_number += 1;
            let at = created_at + Duration::minutes(5 + k as i64);
            let contact_id = id_at(&mut rng, at);
            if k == 0 {
                first_contact = contact_id;
            }
            let phone = format!("+86 139{contact_number:08}");
            let email = format!("contact{contact_number}@customer{}.example.com", i + 1);
            contact_rows.push(contact::ActiveModel::from(contact::Model {
                id: contact_id,
                customer_id: id,
                name: person(&mut rng),
                title: Some((*pick(&mut rng, &TITLES)).to_owned()),
                phone_key: normalize::phone_key(&phone, "86"),
                phone: Some(phone),
                email_key: normalize::email_key(&email),
                email: Some(email),
                version: 1,
                created_at: at,
                updated_at: at,
            }));
        }
        customers.push(Customer {
            id,
            owner,
            name,
            address,
            latitude,
            longitude,
            created_at,
            first_contact,
            first_opportunity: None,
        });
        if customer_rows.len() >= CHUNK {
            // Contacts point at customers: the customers go first.
            writer
                .write("customers", std::mem::take(&mut customer_rows))
                .await?;
            writer
                .write("contacts", std::mem::take(&mut contact_rows))
                .await?;
        }
    }
    writer.write("customers", customer_rows).await?;
    writer.write("contacts", contact_rows).await?;
    writer.commit().await?;
    Ok(customers)
}

const LEAD_SOURCES: [(LeadSource, u32); 6] = [
    (LeadSource::WebForm, 30),
    (LeadSource::Referral, 15),
    (LeadSource::Event, 15),
    (LeadSource::ColdCall, 15),
    (LeadSource::Campaign, 20),
    (LeadSource::Other, 5),
];
const LEAD_STATUSES: [(LeadStatus, u32); 5] = [
    (LeadStatus::New, 25),
    (LeadStatus::Contacted, 25),
    (LeadStatus::Qualified, 20),
    (LeadStatus::Converted, 20),
    (LeadStatus::Disqualified, 10),
];
const DISQUALIFY_REASONS: [&str; 4] = [
    "No budget this year",
    "Went with a competitor",
    "Not the decision maker",
    "Duplicate enquiry",
];

/// A BANT answer, likelier yes the further the lead got.
fn answer(rng: &mut StdRng, yes: u32) -> BantAnswer {
    weighted(
        rng,
        &[
            (BantAnswer::Yes, yes),
            (BantAnswer::No, 15),
            (BantAnswer::Unknown, 100 - yes.min(85)),
        ],
    )
}

/// Writes leads: open ones owned by a rep or in the pool, converted ones pointing at a customer
/// (and its first contact), disqualified ones with a reason. Scores follow the rules in force.
pub(crate) async fn seed_leads(
    run: &Run,
    people: &People,
    customers: &[Customer],
    rules: &ScoringRules,
    writer: &mut Writer<'_>,
) -> Result<(), SeedError> {
    let mut rng = run.rng(3);
    let mut rows = Vec::with_capacity(CHUNK);
    for i in 0..run.volumes.leads {
        let status = weighted(&mut rng, &LEAD_STATUSES);
        let source = weighted(&mut rng, &LEAD_SOURCES);
        let yes = match status {
            LeadStatus::New => 20,
            LeadStatus::Contacted => 35,
            LeadStatus::Disqualified => 10,
            LeadStatus::Qualified | LeadStatus::Converted => 65,
        };
        let converted = (status == LeadStatus::Converted)
            .then(|| &customers[rng.random_range(0..customers.len())]);
        let pooled = matches!(
            status,
            LeadStatus::New | LeadStatus::Contacted | LeadStatus::Qualified
        ) && rng.random_bool(0.2);
        let owner = match converted {
            Some(customer) => Some(people.reps[customer.owner].id),
            None if pooled => None,
            None => Some(people.reps[rng.random_range(0..people.reps.len())].id),
        };
        let follow_ups: i32 = match status {
            LeadStatus::New => 0,
            LeadStatus::Contacted => rng.random_range(1..=4),
            LeadStatus::Qualified => rng.random_range(2..=6),
            LeadStatus::Converted => rng.random_range(2..=8),
            LeadStatus::Disqualified => rng.random_range(0..=3),
        };
        // Owned open leads were touched within the last week (so none is due back to the pool);
        // the rest of the history lies further back.
        let open = matches!(
            status,
            LeadStatus::New | LeadStatus::Contacted | LeadStatus::Qualified
        );
        let (created_at, last_touch, converted_at) = match converted {
            Some(customer) => {
                let at = customer.created_at;
                let created = at - Duration::days(rng.random_range(3..=60));
                (created, between(&mut rng, created, at), Some(at))
            }
            None if open && owner.is_some() => {
                let touch = between(&mut rng, run.days_ago(6), run.anchor - Duration::hours(1));
                let created = if follow_ups == 0 {
                    touch
                } else {
                    touch - Duration::days(rng.random_range(1..=120))
                };
                (created, touch, None)
            }
            None => {
                let created = between(&mut rng, run.days_ago(365), run.days_ago(8));
                (created, between(&mut rng, created, run.days_ago(7)), None)
            }
        };
        let company = match converted {
            Some(customer) => customer.name.clone(),
            None => format!(
                "{} {} Trading {:06}",
                pick(&mut rng, &WORDS),
                pick(&mut rng, &INDUSTRIES),
                i + 1
            ),
        };
        let phone = format!("+86 137{:08}", i + 1);
        let email = format!("lead{}@prospect.example.com", i + 1);
        let settled = matches!(status, LeadStatus::Converted | LeadStatus::Disqualified);
        let updated_at = converted_at.unwrap_or(last_touch).max(created_at);
        let mut model = lead::Model {
            id: id_at(&mut rng, created_at),
            name: person(&mut rng),
            company_key: normalize::company_key(&company),
            company: Some(company),
            phone_key: normalize::phone_key(&phone, "86"),
            phone: Some(phone),
            email_key: normalize::email_key(&email),
            email: Some(email),
            source: source.as_str().to_owned(),
            status: status.as_str().to_owned(),
            score: 0,
            grade: "C".to_owned(),
            bant_budget: answer(&mut rng, yes).as_str().to_owned(),
            bant_authority: answer(&mut rng, yes).as_str().to_owned(),
            bant_need: answer(&mut rng, yes).as_str().to_owned(),
            bant_timeline: weighted(
                &mut rng,
                &[
                    (BantTimeline::Within3Months, yes / 2 + 5),
                    (BantTimeline::Within6Months, 25),
                    (BantTimeline::Later, 20),
                    (BantTimeline::Unknown, 30),
                ],
            )
            .as_str()
            .to_owned(),
            region: Some((*pick(&mut rng, &REGIONS)).to_owned()),
            industry: Some((*pick(&mut rng, &INDUSTRIES)).to_owned()),
            notes: None,
            owner_id: owner,
            in_pool: owner.is_none(),
            pool_deadline: (open && owner.is_some()).then(|| last_touch + Duration::days(7)),
            last_follow_up_at: (follow_ups > 0).then_some(last_touch),
            follow_up_count: follow_ups,
            disqualified_reason: (status == LeadStatus::Disqualified)
                .then(|| (*pick(&mut rng, &DISQUALIFY_REASONS)).to_owned()),
            converted_customer_id: converted.map(|c| c.id),
            converted_contact_id: converted.map(|c| c.first_contact),
            converted_at,
            converted_opportunity_id: None,
            version: 1 + follow_ups + i32::from(settled),
            created_at,
            updated_at,
            campaign_id: None,
            qualified_at: matches!(status, LeadStatus::Qualified | LeadStatus::Converted)
                .then(|| converted_at.unwrap_or(last_touch).max(created_at)),
        };
        let (score, grade) = crate::leads::service::rate(rules, &model);
        model.score = score;
        model.grade = grade.to_owned();
        rows.push(lead::ActiveModel::from(model));
        if rows.len() >= CHUNK {
            writer.write("leads", std::mem::take(&mut rows)).await?;
        }
    }
    writer.write("leads", rows).await?;
    writer.commit().await?;
    Ok(())
}
