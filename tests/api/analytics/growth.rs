//! Year over year and pipeline coverage in `salesPerformance`: last year's same period (month
//! or ISO week), growth, and rows flagged under the coverage multiple.

use super::*;

const GROWTH: &str = "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupName target wonAmount pipelineAmount pipelineCoverage coverageBelowMultiple previousPeriodWonAmount yearOverYearGrowth } }";

fn row_of<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["data"]["salesPerformance"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|r| r["groupName"] == id)
        .unwrap_or_else(|| panic!("no {id} in {body}"))
}

#[tokio::test]
async fn performance_rows_compare_with_last_years_period_and_flag_thin_pipelines() {
    // Monday 10 March 2025, 10:00 in Shanghai.
    let app = TestApp::spawn_at(at("2025-03-10T02:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Growth", "East", &manager.id).await;
    let r1 = app.a_user().in_team(&east).name("Grower").create().await;
    let r2 = app.a_user().in_team(&east).name("Starter").create().await;
    let c1 = crate::fixtures::a_customer(&app, &r1.token, "Growth Co").await;
    let (last_year, version) = deal(&app, &r1.token, &c1, "200", "2025-03-31").await;
    close(&app, &r1.token, &last_year, version, true).await;

    // A year on: Tuesday 10 March 2026.
    app.clock.advance(Duration::days(365));
    let (r1t, r2t) = (app.token_for(&r1).await, app.token_for(&r2).await);
    let manager_token = app.token_for(&manager).await;
    let (won, version) = deal(&app, &r1t, &c1, "300", "2026-03-31").await;
    close(&app, &r1t, &won, version, true).await;
    deal(&app, &r1t, &c1, "1500", "2026-03-28").await;
    let c2 = crate::fixtures::a_customer(&app, &r2t, "Start Co").await;
    deal(&app, &r2t, &c2, "2000", "2026-03-28").await;
    for (rep, amount) in [(&r1, "1000"), (&r2, "600")] {
        let body = set(
            &app,
            &manager_token,
            "2026-03",
            "USER",
            Some(&rep.id),
            amount,
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }

    let march = app
        .gql(
            Some(&manager_token),
            GROWTH,
            json!({"input": {"period": "2026-03", "groupBy": "USER"}}),
        )
        .await;
    // Grower: 1,500 open against 700 left (2.14×, under 3×); 300 won against 200 a year ago.
    let grower = row_of(&march, "Grower");
    assert!(
        close_to(&grower["pipelineCoverage"], 1500.0 / 700.0),
        "{march}"
    );
    assert_eq!(
        (
            &grower["coverageBelowMultiple"],
            &grower["previousPeriodWonAmount"],
            &grower["yearOverYearGrowth"]
        ),
        (&json!(true), &json!("200.00"), &json!(0.5)),
        "{march}"
    );
    // Starter: 2,000 open against 600 (3.33×); nothing won a year ago, so no growth figure.
    let starter = row_of(&march, "Starter");
    assert_eq!(
        (
            &starter["coverageBelowMultiple"],
            &starter["previousPeriodWonAmount"],
            &starter["yearOverYearGrowth"]
        ),
        (&json!(false), &json!("0.00"), &Value::Null),
        "{march}"
    );

    // ISO weeks compare with the same week a year earlier: 2026-W11 (9–15 March) with
    // 2025-W11 (10–16 March); without a target there is no coverage to flag.
    let week = app
        .gql(
            Some(&manager_token),
            GROWTH,
            json!({"input": {"period": "2026-W11", "groupBy": "USER"}}),
        )
        .await;
    let grower = row_of(&week, "Grower");
    assert_eq!(
        (
            &grower["previousPeriodWonAmount"],
            &grower["yearOverYearGrowth"],
            &grower["coverageBelowMultiple"]
        ),
        (&json!("200.00"), &json!(0.5), &Value::Null),
        "{week}"
    );
    // A month without last year's win: February.
    let february = app
        .gql(
            Some(&manager_token),
            GROWTH,
            json!({"input": {"period": "2026-02", "groupBy": "TEAM"}}),
        )
        .await;
    assert_eq!(
        row_of(&february, "East Growth")["previousPeriodWonAmount"],
        "0.00",
        "{february}"
    );
}
