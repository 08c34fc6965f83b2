//! The forecast review: sellers submit the forecast they stand behind (prefilled from the
//! pipeline), managers adjust it with a note and submit their team's roll-up, each role sees
//! what it may, and once the period is over the accuracy of the commitment is reported.

use serde_json::{Value, json};

use crate::helpers::*;

const SUBMIT: &str = "mutation($input: SubmitForecastInput!) { submitForecast(input: $input) { submission { id period level commit bestCase computedCommit computedBestCase adjustedCommit user { id } } } }";
const ADJUST: &str = "mutation($input: AdjustForecastInput!) { adjustForecast(input: $input) { submission { id commit adjustedCommit adjustedBestCase } } }";
const TEAM: &str = "mutation($input: SubmitTeamForecastInput!) { submitTeamForecast(input: $input) { submission { level commit computedCommit computedBestCase team { id } } } }";
const LIST: &str = "query($f: ForecastSubmissionFilter) { forecastSubmissions(filter: $f) { id level commit adjustedCommit user { id } \
    adjustments { commit note adjustedBy { id } } } }";

async fn deal(app: &TestApp, token: &str, amount: &str, category: &str) -> String {
    let customer = crate::fixtures::a_customer(app, token, "Forecast Co").await;
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Deal", "amount": amount, "expectedCloseDate": "2026-12-20", "forecastCategory": category}}),
        )
        .await;
    string_at(&body, &["data", "createOpportunity", "opportunity", "id"])
}

async fn win(app: &TestApp, token: &str, id: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { status } } }",
            json!({"input": {"id": id, "expectedVersion": 1, "reasonId": WIN_REASON}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

fn submission(body: &Value, name: &str) -> Value {
    let s = body["data"][name]["submission"].clone();
    assert!(s.is_object(), "{body}");
    s
}

#[tokio::test]
async fn sellers_submit_managers_adjust_and_roll_up_and_accuracy_follows_the_close() {
    let app = TestApp::spawn_at(crate::fixtures::at("2026-12-03T02:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Forecast", Some(&manager.id)).await;
    let ann = app.a_user().in_team(&team).create().await;
    let bob = app.a_user().in_team(&team).create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    app.a_team("Elsewhere", Some(&other_manager.id)).await;
    let finance = app.a_user().role("FINANCE").create().await;
    let won = deal(&app, &ann.token, "1000", "COMMIT").await;
    win(&app, &ann.token, &won).await;
    let committed = deal(&app, &ann.token, "2000", "COMMIT").await;
    deal(&app, &ann.token, "500", "BEST_CASE").await;
    deal(&app, &bob.token, "300", "COMMIT").await;

    // The draft is the pipeline: won + commit, won + best case (commit included).
    let draft = app
        .gql(
            Some(&ann.token),
            "{ forecastDraft(period: \"2026-12\") { period commit bestCase } }",
            json!({}),
        )
        .await;
    assert_eq!(
        draft["data"]["forecastDraft"],
        json!({"period": "2026-12", "commit": "3000.00", "bestCase": "3500.00"})
    );
    let prefilled = submission(
        &app.gql(
            Some(&ann.token),
            SUBMIT,
            json!({"input": {"period": "2026-12"}}),
        )
        .await,
        "submitForecast",
    );
    assert_eq!(
        [
            &prefilled["commit"],
            &prefilled["bestCase"],
            &prefilled["computedCommit"],
            &prefilled["level"]
        ],
        [
            &json!("3000.00"),
            &json!("3500.00"),
            &json!("3000.00"),
            &json!("REP")
        ]
    );
    let mine = submission(
        &app.gql(Some(&ann.token), SUBMIT, json!({"input": {"period": "2026-12", "commit": "2800.00", "bestCase": "3400.00", "note": "One deal may slip"}})).await,
        "submitForecast",
    );
    let bobs = submission(
        &app.gql(
            Some(&bob.token),
            SUBMIT,
            json!({"input": {"period": "2026-12", "commit": "300.00", "bestCase": "300.00"}}),
        )
        .await,
        "submitForecast",
    );
    for (period, why) in [
        ("2026-11", "over"),
        ("2026", "a year"),
        ("12-2026", "malformed"),
    ] {
        let refused = app
            .gql(
                Some(&ann.token),
                SUBMIT,
                json!({"input": {"period": period}}),
            )
            .await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some("input.period")),
            "{why}: {refused}"
        );
    }
    let by_finance = app
        .gql(
            Some(&finance.token),
            SUBMIT,
            json!({"input": {"period": "2026-12"}}),
        )
        .await;
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"), "{by_finance}");

    // The manager adjusts with a note; nobody else can.
    let adjust = async |token: &str, id: &Value, note: &str| {
        app.gql(Some(token), ADJUST, json!({"input": {"submissionId": id, "commit": "2500.00", "bestCase": "3200.00", "note": note}}))
            .await
    };
    let no_note = adjust(&manager.token, &mine["id"], " ").await;
    assert_eq!(
        code_and_field(&no_note),
        (Some("BAD_USER_INPUT"), Some("input.note")),
        "{no_note}"
    );
    let by_rep = adjust(&ann.token, &mine["id"], "Mine").await;
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"), "{by_rep}");
    let other_team = adjust(&other_manager.token, &mine["id"], "Not mine").await;
    let missing = adjust(
        &other_manager.token,
        &json!(missing_id("ForecastSubmission")),
        "Not mine",
    )
    .await;
    assert_eq!(
        code_and_field(&other_team),
        (Some("NOT_FOUND"), Some("input.submissionId")),
        "{other_team}"
    );
    assert_eq!(
        other_team["errors"][0]["message"],
        missing["errors"][0]["message"]
    );
    let adjusted = submission(
        &adjust(
            &manager.token,
            &mine["id"],
            "The port project slips to January",
        )
        .await,
        "adjustForecast",
    );
    assert_eq!(
        (
            adjusted["commit"].clone(),
            adjusted["adjustedCommit"].clone(),
            adjusted["adjustedBestCase"].clone()
        ),
        (json!("2800.00"), json!("2500.00"), json!("3200.00")),
        "the submission stays, beside the adjustment"
    );

    // The team's roll-up: the sellers' latest, as reviewed.
    let team_id = team.clone();
    let rolled = submission(
        &app.gql(
            Some(&manager.token),
            TEAM,
            json!({"input": {"period": "2026-12", "teamId": team_id}}),
        )
        .await,
        "submitTeamForecast",
    );
    assert_eq!(
        (
            rolled["level"].clone(),
            rolled["computedCommit"].clone(),
            rolled["computedBestCase"].clone(),
            rolled["commit"].clone()
        ),
        (
            json!("TEAM"),
            json!("2800.00"),
            json!("3500.00"),
            json!("2800.00")
        )
    );
    let foreign_team = app
        .gql(
            Some(&other_manager.token),
            TEAM,
            json!({"input": {"period": "2026-12", "teamId": team_id}}),
        )
        .await;
    assert_eq!(
        code_and_field(&foreign_team),
        (Some("NOT_FOUND"), Some("input.teamId")),
        "{foreign_team}"
    );

    // Who sees what.
    let seen = async |token: &str| -> Vec<Value> {
        let body = app
            .gql(Some(token), LIST, json!({"f": {"period": "2026-12"}}))
            .await;
        body["data"]["forecastSubmissions"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone()
    };
    let anns = seen(&ann.token).await;
    assert_eq!(anns.len(), 2, "her own two");
    assert!(anns.iter().all(|s| s["user"]["id"] == json!(ann.id)));
    assert_eq!(
        seen(&manager.token).await.len(),
        4,
        "the team's three and its roll-up"
    );
    assert_eq!(seen(&other_manager.token).await.len(), 0);
    assert_eq!(seen(&finance.token).await.len(), 0);
    let all = seen(&app.admin_token).await;
    assert_eq!(all.len(), 4);
    let reviewed = all
        .iter()
        .find(|s| s["id"] == mine["id"])
        .unwrap_or_else(|| panic!("{all:?}"));
    assert_eq!(
        reviewed["adjustments"],
        json!([{"commit": "2500.00", "note": "The port project slips to January", "adjustedBy": {"id": manager.id}}])
    );
    assert_ne!(bobs["id"], mine["id"]);

    // Accuracy once the period is over: Ann committed 2,500 (as adjusted) and won 3,000.
    win(&app, &ann.token, &committed).await;
    let accuracy = async |token: &str, group: &str| -> Vec<Value> {
        let body = app
            .gql(
                Some(token),
                "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId wonAmount forecastAccuracy } }",
                json!({"input": {"period": "2026-12", "groupBy": group}}),
            )
            .await;
        body["data"]["salesPerformance"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone()
    };
    let open = accuracy(&manager.token, "USER").await;
    assert!(
        open.iter().all(|r| r["forecastAccuracy"].is_null()),
        "not before the period is over: {open:?}"
    );
    app.clock.advance(chrono::Duration::days(30));
    let manager_token = app.token_for(&manager).await;
    let late = app
        .gql(Some(&manager_token), ADJUST, json!({"input": {"submissionId": mine["id"], "commit": "1.00", "bestCase": "1.00", "note": "Too late"}}))
        .await;
    assert_eq!(error_code(&late), Some("INVALID_STATE"), "{late}");
    let by_user = accuracy(&manager_token, "USER").await;
    let of = |rows: &[Value], id: &str| {
        rows.iter()
            .find(|r| r["groupId"] == json!(id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(of(&by_user, &ann.id)["wonAmount"], "3000.00");
    assert_eq!(of(&by_user, &ann.id)["forecastAccuracy"], json!(0.8));
    assert_eq!(
        of(&by_user, &bob.id)["forecastAccuracy"],
        json!(0.0),
        "committed 300, won nothing"
    );
    let by_team = accuracy(&manager_token, "TEAM").await;
    let team_accuracy = of(&by_team, &team_id)["forecastAccuracy"]
        .as_f64()
        .unwrap_or(-1.0);
    assert!(
        (team_accuracy - (1.0 - 200.0 / 2800.0)).abs() < 1e-9,
        "{by_team:?}"
    );
}
