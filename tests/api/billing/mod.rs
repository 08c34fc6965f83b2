//! Billing through the API: plans, invoices, payments, credit, reversals, waivers, receivables,
//! aging, reminders, and the ledger's invariants after every step.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::fixtures::{
    Books, PAYMENT, approved, at, books, books_of_team, customer, installments, ledger_holds, pay,
    payment_of, plan_of, set_plan,
};
use crate::helpers::*;

mod invoices;
mod money;
mod payments;
mod plans;
mod receivables;
mod rights;
mod waivers_and_reminders;

/// A `Decimal` string of a response, exactly.
fn decimal(value: &Value) -> Decimal {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal: {value}"))
}

fn field<'a>(items: &'a [Value], name: &str) -> Vec<&'a str> {
    items.iter().map(|i| i[name].as_str().unwrap()).collect()
}

/// Two teams' books: East (a rep with an East customer and one without a region) and North (a
/// rep with a West customer); each contract approved with its plan set by finance.
struct Territories {
    east: Books,
    east_team: String,
    north: Books,
    north_team: String,
    east_customer: String,
    plain_customer: String,
    west_customer: String,
    /// The East customer's contract (due 2026-11-01 and 2026-12-01), the plain customer's
    /// (2027-01-01), the West customer's (2026-12-15).
    contracts: [String; 3],
}

async fn customer_in(app: &TestApp, books: &Books, name: &str, region: Option<&str>) -> String {
    let body = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": name, "region": region}}),
        )
        .await;
    body["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn territories(app: &TestApp) -> Territories {
    let (east, east_team) = books_of_team(app, "East").await;
    let (north, north_team) = books_of_team(app, "North").await;
    let east_customer = customer_in(app, &east, "East Co", Some("East")).await;
    let plain_customer = customer_in(app, &east, "Plain Co", None).await;
    let west_customer = customer_in(app, &north, "West Co", Some("West")).await;
    let mut contracts = Vec::new();
    for (books, customer, amount, lines) in [
        (
            &east,
            &east_customer,
            "200",
            json!([{"dueDate": "2026-11-01", "amount": "100"}, {"dueDate": "2026-12-01", "amount": "100"}]),
        ),
        (
            &east,
            &plain_customer,
            "100",
            json!([{"dueDate": "2027-01-01", "amount": "100"}]),
        ),
        (
            &north,
            &west_customer,
            "100",
            json!([{"dueDate": "2026-12-15", "amount": "100"}]),
        ),
    ] {
        let contract = approved(app, books, customer, amount).await;
        installments(&set_plan(app, &books.finance.token, &contract, lines).await);
        contracts.push(contract);
    }
    Territories {
        east,
        east_team,
        north,
        north_team,
        east_customer,
        plain_customer,
        west_customer,
        contracts: contracts
            .try_into()
            .unwrap_or_else(|_| panic!("three contracts")),
    }
}

async fn customer_of_other(app: &TestApp, books: &Books) -> String {
    customer(app, books, "Other Ref Co").await
}
