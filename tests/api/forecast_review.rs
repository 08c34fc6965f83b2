//! The forecast review: sellers submit the forecast they stand behind (prefilled from the
//! pipeline), managers adjust it with a note and submit their team's roll-up, each role sees
//! what it may, and once the period is over the accuracy of the commitment is reported.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
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
    // Ann sees her team but does not speak for it.
    let by_member = app
        .gql(
            Some(&ann.token),
            TEAM,
            json!({"input": {"period": "2026-12", "teamId": team_id}}),
        )
        .await;
    assert_eq!(error_code(&by_member), Some("FORBIDDEN"), "{by_member}");
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

const COMPANY: &str = "query($p: String!) { companyForecast(period: $p) { period commit bestCase teamsSubmitted \
    sellersCommit sellersBestCase pipelineCommit pipelineBestCase \
    teams { team { id name } rollUp { commit level } sellersCommit sellersBestCase sellersSubmitted } } }";

#[tokio::test]
async fn admins_see_the_company_roll_up_beside_the_teams_and_the_pipeline() {
    let app = TestApp::spawn_at(crate::fixtures::at("2026-12-03T02:00:00Z")).await;
    let north_manager = app.a_user().role("SALES_MANAGER").create().await;
    let north = app.a_team("North", Some(&north_manager.id)).await;
    let south_manager = app.a_user().role("SALES_MANAGER").create().await;
    let south = app.a_team("South", Some(&south_manager.id)).await;
    let ann = app.a_user().in_team(&north).create().await;
    let bob = app.a_user().in_team(&south).create().await;
    let cid = app.a_user().in_team(&south).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let won = deal(&app, &ann.token, "1000", "COMMIT").await;
    win(&app, &ann.token, &won).await;
    deal(&app, &bob.token, "400", "COMMIT").await;
    deal(&app, &cid.token, "250", "BEST_CASE").await;

    let submit = async |token: &str, commit: &str, best: &str| {
        submission(
            &app.gql(
                Some(token),
                SUBMIT,
                json!({"input": {"period": "2026-12", "commit": commit, "bestCase": best}}),
            )
            .await,
            "submitForecast",
        )
    };
    submit(&ann.token, "900.00", "1000.00").await;
    let bobs = submit(&bob.token, "400.00", "400.00").await;
    submit(&cid.token, "0.00", "250.00").await;
    // Bob's manager trims him; the roll-up counts the trimmed figure.
    let trimmed = app
        .gql(Some(&south_manager.token), ADJUST, json!({"input": {"submissionId": bobs["id"], "commit": "300.00", "bestCase": "400.00", "note": "Budget not signed yet"}}))
        .await;
    assert!(trimmed["errors"].is_null(), "{trimmed}");
    // Only the south team submits its roll-up, overriding the commitment.
    let rolled = app
        .gql(
            Some(&south_manager.token),
            TEAM,
            json!({"input": {"period": "2026-12", "teamId": south, "commit": "350.00"}}),
        )
        .await;
    assert!(rolled["errors"].is_null(), "{rolled}");

    let body = app
        .gql(Some(&app.admin_token), COMPANY, json!({"p": "2026-12"}))
        .await;
    let company = &body["data"]["companyForecast"];
    assert_eq!(
        [
            &company["commit"],
            &company["bestCase"],
            &company["teamsSubmitted"],
            &company["sellersCommit"],
            &company["sellersBestCase"],
            &company["pipelineCommit"],
            &company["pipelineBestCase"],
        ],
        [
            &json!("350.00"),
            &json!("650.00"),
            &json!(1),
            &json!("1200.00"),
            &json!("1650.00"),
            &json!("1400.00"),
            &json!("1650.00"),
        ],
        "{body}"
    );
    let line = |id: &str| {
        company["teams"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["team"]["id"] == json!(id))
            .cloned()
            .unwrap_or_else(|| panic!("{body}"))
    };
    assert_eq!(
        line(&north)["rollUp"],
        Value::Null,
        "north has not rolled up"
    );
    assert_eq!(
        (
            line(&north)["sellersCommit"].clone(),
            line(&north)["sellersSubmitted"].clone()
        ),
        (json!("900.00"), json!(1))
    );
    assert_eq!(
        line(&south)["rollUp"],
        json!({"commit": "350.00", "level": "TEAM"})
    );
    assert_eq!(
        (
            line(&south)["sellersCommit"].clone(),
            line(&south)["sellersBestCase"].clone(),
            line(&south)["sellersSubmitted"].clone()
        ),
        (json!("300.00"), json!("650.00"), json!(2))
    );

    // A later roll-up replaces the earlier in the sum; past periods stay readable.
    let again = app
        .gql(
            Some(&south_manager.token),
            TEAM,
            json!({"input": {"period": "2026-12", "teamId": south}}),
        )
        .await;
    assert!(again["errors"].is_null(), "{again}");
    let later = app
        .gql(Some(&app.admin_token), COMPANY, json!({"p": "2026-12"}))
        .await;
    assert_eq!(
        later["data"]["companyForecast"]["commit"], "300.00",
        "{later}"
    );
    let past = app
        .gql(Some(&app.admin_token), COMPANY, json!({"p": "2026-Q3"}))
        .await;
    assert_eq!(past["data"]["companyForecast"]["commit"], "0.00", "{past}");

    // Only admins; a malformed period names the argument.
    for token in [&north_manager.token, &ann.token, &finance.token] {
        let refused = app.gql(Some(token), COMPANY, json!({"p": "2026-12"})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    for period in ["2026", "2026-13", "next month", ""] {
        let refused = app
            .gql(Some(&app.admin_token), COMPANY, json!({"p": period}))
            .await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some("period")),
            "{period}: {refused}"
        );
    }
}

#[tokio::test]
async fn retried_submissions_count_once_and_every_change_is_audited() {
    let app = TestApp::spawn_at(crate::fixtures::at("2026-12-03T02:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Forecast", Some(&manager.id)).await;
    let ann = app.a_user().in_team(&team).create().await;
    let input = json!({"input": {"period": "2026-12", "commit": "100.00", "bestCase": "200.00", "idempotencyKey": "f-1"}});
    let first = submission(
        &app.gql(Some(&ann.token), SUBMIT, input.clone()).await,
        "submitForecast",
    );
    let retried = submission(
        &app.gql(Some(&ann.token), SUBMIT, input).await,
        "submitForecast",
    );
    assert_eq!(first["id"], retried["id"]);
    let reused = app
        .gql(
            Some(&ann.token),
            SUBMIT,
            json!({"input": {"period": "2026-12", "commit": "999.00", "idempotencyKey": "f-1"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&reused),
        (Some("IDEMPOTENCY_KEY_REUSED"), Some("input.idempotencyKey")),
        "{reused}"
    );

    let adjust = json!({"input": {"submissionId": first["id"], "commit": "80.00", "bestCase": "150.00", "note": "Trim", "idempotencyKey": "a-1"}});
    for _ in 0..2 {
        let body = app.gql(Some(&manager.token), ADJUST, adjust.clone()).await;
        assert_eq!(
            submission(&body, "adjustForecast")["adjustedCommit"],
            "80.00"
        );
    }
    let team_input =
        json!({"input": {"period": "2026-12", "teamId": team, "idempotencyKey": "t-1"}});
    let rolled = submission(
        &app.gql(Some(&manager.token), TEAM, team_input.clone())
            .await,
        "submitTeamForecast",
    );
    let rolled_again = submission(
        &app.gql(Some(&manager.token), TEAM, team_input).await,
        "submitTeamForecast",
    );
    assert_eq!(rolled, rolled_again);
    assert_eq!(rolled["commit"], "80.00");

    let all = app
        .gql(
            Some(&app.admin_token),
            LIST,
            json!({"f": {"period": "2026-12"}}),
        )
        .await;
    let listed = all["data"]["forecastSubmissions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        listed.len(),
        2,
        "one seller submission and one roll-up: {all}"
    );
    assert_eq!(
        listed
            .iter()
            .map(|s| s["adjustments"].as_array().map_or(0, Vec::len))
            .sum::<usize>(),
        1
    );
    for (action, times) in [
        ("forecast.submitted", 1),
        ("forecast.adjusted", 1),
        ("forecast.team_submitted", 1),
    ] {
        let audited = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq(action))
            .count(&app.state.db)
            .await
            .unwrap_or_default();
        assert_eq!(audited, times, "{action}");
    }
}

#[tokio::test]
async fn hostile_forecast_amounts_and_notes_are_refused_on_their_field() {
    let app = TestApp::spawn_at(crate::fixtures::at("2026-12-03T02:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Forecast", Some(&manager.id)).await;
    let ann = app.a_user().in_team(&team).create().await;
    let long_note = "注".repeat(2001);
    for (input, field) in [
        (
            json!({"period": "2026-12", "commit": "-1.00"}),
            "input.commit",
        ),
        (
            json!({"period": "2026-12", "bestCase": "-0.01"}),
            "input.bestCase",
        ),
        (
            json!({"period": "2026-12", "commit": "1.001"}),
            "input.commit",
        ),
        (
            json!({"period": "2026-12", "commit": "1000000000000000"}),
            "input.commit",
        ),
        (
            json!({"period": "2026-12", "note": long_note}),
            "input.note",
        ),
        (
            json!({"period": "2026-12", "idempotencyKey": ""}),
            "input.idempotencyKey",
        ),
        (
            json!({"period": "2026-12", "idempotencyKey": "k".repeat(129)}),
            "input.idempotencyKey",
        ),
        (json!({"period": "9".repeat(10_000)}), "input.period"),
    ] {
        let refused = app
            .gql(Some(&ann.token), SUBMIT, json!({"input": input}))
            .await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{refused}"
        );
    }
    let mine = submission(
        &app.gql(
            Some(&ann.token),
            SUBMIT,
            json!({"input": {"period": "2026-12"}}),
        )
        .await,
        "submitForecast",
    );
    let negative = app
        .gql(Some(&manager.token), ADJUST, json!({"input": {"submissionId": mine["id"], "commit": "-5.00", "bestCase": "0.00", "note": "Why"}}))
        .await;
    assert_eq!(
        code_and_field(&negative),
        (Some("BAD_USER_INPUT"), Some("input.commit")),
        "{negative}"
    );
    let negative_team = app
        .gql(
            Some(&manager.token),
            TEAM,
            json!({"input": {"period": "2026-12", "teamId": team, "bestCase": "-5.00"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&negative_team),
        (Some("BAD_USER_INPUT"), Some("input.bestCase")),
        "{negative_team}"
    );
    let listed = app
        .gql(
            Some(&app.admin_token),
            LIST,
            json!({"f": {"period": "2026-12"}}),
        )
        .await;
    assert_eq!(
        listed["data"]["forecastSubmissions"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "nothing half-written: {listed}"
    );
}
