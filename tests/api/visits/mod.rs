//! Field visits: planning, the morning list, check-in and check-out, offline safety, sync,
//! the missed-visit sweep and statistics.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

mod columns;
mod missed_and_stats;
mod morning_list;
mod offline;
mod on_site;
mod planning;
mod route_and_nearby;

const FIELDS: &str = "id version status purpose plannedStart plannedEnd localDate address \
    location { lat lng } leadId lead { id } cancelledAt cancelReason missedAt updatedAt \
    checkIn { at deviceTime accuracyMeters distanceMeters onSite verified location { lat lng } } \
    checkOut { at deviceTime summary outcome nextStep durationMinutes } \
    assignee { id } createdBy { id } customer { id name } contact { id name } \
    opportunity { id name stage { name } } \
    nextVisit { id purpose status plannedStart plannedEnd customer { id } contact { id } }";

/// People's Square, Shanghai.
const SQUARE: (f64, f64) = (31.2304, 121.4737);

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A `DateTime` the server wrote.
fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .unwrap()
}

fn now(app: &TestApp) -> DateTime<Utc> {
    salesgraph::clock::Clock::now(&app.clock)
}

fn mutation(name: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ visit {{ {FIELDS} }} }} }}"
    )
}

async fn run(app: &TestApp, token: &str, name: &str, input_type: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &mutation(name, input_type),
        json!({ "input": input }),
    )
    .await
}

/// The visit a successful mutation returned, or a panic with the body.
fn visit_of(body: &Value, name: &str) -> Value {
    let visit = body["data"][name]["visit"].clone();
    assert!(visit.is_object(), "{body}");
    visit
}

async fn plan(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "planVisit", "PlanVisitInput", input).await
}

async fn planned(app: &TestApp, token: &str, input: Value) -> Value {
    visit_of(&plan(app, token, input).await, "planVisit")
}

/// A plan input for `customer` starting at `start`, one hour long.
fn a_visit(customer: &str, start: DateTime<Utc>) -> Value {
    json!({
        "customerId": customer,
        "purpose": "Present the new price list",
        "plannedStart": start,
        "plannedEnd": start + Duration::hours(1),
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    base.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    base
}

async fn a_located_customer(app: &TestApp, token: &str, name: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": name, "address": "120 Renmin Avenue",
                "location": {"lat": SQUARE.0, "lng": SQUARE.1}}}),
        )
        .await;
    body["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn a_contact(app: &TestApp, token: &str, customer: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": "Li Lei", "phone": format!("+86 139 {:04} {:04}", rand_digits(), rand_digits())}}),
        )
        .await;
    body["data"]["addContact"]["contact"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

fn rand_digits() -> u32 {
    (uuid::Uuid::now_v7().as_u128() % 10_000) as u32
}

async fn a_deal_with(app: &TestApp, token: &str, customer: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Fleet renewal", "amount": "5000", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    body["data"]["createOpportunity"]["opportunity"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

fn check_in_input(id: &Value, lat: f64, lng: f64, accuracy: f64, device: DateTime<Utc>) -> Value {
    json!({"id": id, "location": {"lat": lat, "lng": lng, "accuracyMeters": accuracy}, "deviceTime": device})
}

async fn check_in(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "checkInVisit", "CheckInVisitInput", input).await
}

async fn check_out(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "checkOutVisit", "CheckOutVisitInput", input).await
}

async fn reschedule(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "rescheduleVisit", "RescheduleVisitInput", input).await
}

async fn cancel(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "cancelVisit", "CancelVisitInput", input).await
}

async fn visit(app: &TestApp, token: &str, id: &Value) -> Value {
    let query = format!("query($id: ID!) {{ visitTask(id: $id) {{ {FIELDS} }} }}");
    app.gql(Some(token), &query, json!({"id": id})).await
}

async fn my_tasks(app: &TestApp, token: &str, date: Option<&str>) -> Vec<String> {
    let body = app
        .gql(
            Some(token),
            "query($d: Date) { myVisitTasks(date: $d) { id } }",
            json!({"d": date}),
        )
        .await;
    body["data"]["myVisitTasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(visit: &Value) -> String {
    visit["id"].as_str().unwrap().to_owned()
}
