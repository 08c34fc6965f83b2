//! Money bounds: every amount a client sends is at most 999,999,999,999.99 either way, and
//! sums over many rows never fail — exact where they fit, saturating where they cannot.

use salesgraph::exact_sum::{self, ExactSum};
use sea_orm::sea_query::{Alias, Expr, PostgresQueryBuilder, Query, SqliteQueryBuilder};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::*;

const CREATE_DEAL: &str = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id amount } } }";
const MAX: &str = "999999999999.99";

async fn a_deal(app: &TestApp, token: &str, customer: &str, amount: &str) -> serde_json::Value {
    app.gql(
        Some(token),
        CREATE_DEAL,
        json!({"input": {"customerId": customer, "name": "Big", "amount": amount, "expectedCloseDate": "2026-12-31"}}),
    )
    .await
}

#[tokio::test]
async fn amounts_over_the_cap_are_refused_on_the_field_that_carries_them() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Cap Co").await;
    for over in ["92233720368547758.07", "1000000000000", "-1000000000000.00"] {
        let body = a_deal(&app, &rep.token, &customer, over).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some("input.amount")),
            "{over}: {body}"
        );
    }
    let contract = crate::fixtures::create(
        &app,
        &rep.token,
        json!({"customerId": customer, "title": "Too big", "amount": "1000000000000.00"}),
    )
    .await;
    assert_eq!(error_field(&contract), Some("input.amount"), "{contract}");
    let at_cap = a_deal(&app, &rep.token, &customer, MAX).await;
    assert_eq!(
        at_cap["data"]["createOpportunity"]["opportunity"]["amount"],
        MAX
    );
}

#[tokio::test]
async fn reports_add_up_the_maximum_on_many_deals_exactly() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Whales", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Whale Co").await;
    const DEALS: u64 = 40;
    for _ in 0..DEALS {
        let body = a_deal(&app, &rep.token, &customer, MAX).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let total =
        rust_decimal::Decimal::from_str_exact(MAX).unwrap() * rust_decimal::Decimal::from(DEALS);
    let expected = total.to_string();

    let forecast = app
        .gql(
            Some(&manager.token),
            "query($input: ForecastInput!) { forecast(input: $input) { pipelineAmount weightedAmount } }",
            json!({"input": {"from": "2026-12-01", "to": "2026-12-31", "scope": "TEAM", "teamId": team}}),
        )
        .await;
    let funnel = app
        .gql(
            Some(&manager.token),
            "query($input: FunnelInput!) { funnel(input: $input) { count amount } }",
            json!({"input": {"from": "2026-01-01", "to": "2026-12-31", "scope": "TEAM", "teamId": team}}),
        )
        .await;
    let performance = app
        .gql(
            Some(&manager.token),
            "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { pipelineAmount weightedPipelineAmount } }",
            json!({"input": {"period": "2026", "groupBy": "TEAM", "teamId": team}}),
        )
        .await;

    assert_eq!(
        forecast["data"]["forecast"]["pipelineAmount"],
        expected.as_str(),
        "{forecast}"
    );
    let first_stage = &funnel["data"]["funnel"][0];
    assert_eq!(
        (first_stage["count"].clone(), first_stage["amount"].clone()),
        (json!(DEALS), json!(expected)),
        "{funnel}"
    );
    assert_eq!(
        performance["data"]["salesPerformance"][0]["pipelineAmount"],
        expected.as_str(),
        "{performance}"
    );
}

/// Sums `value` over `rows` rows of a recursive sequence, both ways, on the test's database.
async fn sums_over(app: &TestApp, rows: u32, value: i64) -> (Option<i64>, ExactSum) {
    let select = Query::select()
        .expr_as(
            exact_sum::saturating(Expr::cust("n.v")),
            Alias::new("saturated"),
        )
        .expr_as(Expr::cust(exact_sum::sql("n.v")), Alias::new("exact"))
        .from(Alias::new("n"))
        .to_owned();
    let backend = app.state.db.get_database_backend();
    let (sql, values) = match backend {
        DbBackend::Postgres => select.build(PostgresQueryBuilder),
        _ => select.build(SqliteQueryBuilder),
    };
    let sequence = format!(
        "WITH RECURSIVE n(i, v) AS (SELECT 1, CAST({value} AS BIGINT) UNION ALL SELECT i + 1, v FROM n WHERE i < {rows}) "
    );
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!("{sequence}{sql}"),
            values,
        ))
        .await
        .unwrap()
        .unwrap();
    (
        row.try_get("", "saturated").unwrap(),
        row.try_get("", "exact").unwrap(),
    )
}

#[tokio::test]
async fn sums_beyond_bigint_saturate_or_stay_exact_and_never_fail() {
    let app = TestApp::spawn().await;
    let cap = salesgraph::money::MAX_INPUT_MINOR;

    let (saturated, exact) = sums_over(&app, 100_000, cap).await;
    assert_eq!(exact.0, i128::from(cap) * 100_000);
    assert_eq!(saturated, Some(9_223_372_035_999_999_999));

    let (saturated, exact) = sums_over(&app, 100_000, -cap).await;
    assert_eq!(exact.0, -i128::from(cap) * 100_000);
    assert_eq!(saturated, Some(-9_223_372_035_999_999_999));

    let (saturated, exact) = sums_over(&app, 3, 1_234_567_890_123).await;
    assert_eq!(
        (saturated, exact.0),
        (Some(3_703_703_670_369), 3_703_703_670_369)
    );
}
