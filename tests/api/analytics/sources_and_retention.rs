//! Lead sources that pay, repeat buyers and renewals within visibility.

use super::*;

#[tokio::test]
async fn lead_sources_show_which_channel_pays_within_visibility() {
    let app = TestApp::spawn_at(at("2026-11-20T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let create = "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }";
    let mut referral = None;
    for (token, source, company) in [
        (&rep.token, "REFERRAL", "Ref One"),
        (&rep.token, "REFERRAL", "Ref Two"),
        (&rep.token, "WEB_FORM", "Web One"),
        (&other.token, "EVENT", "Event One"),
    ] {
        let body = app
            .gql(
                Some(token),
                create,
                json!({"input": {"name": company, "company": company, "source": source}}),
            )
            .await;
        referral.get_or_insert(body["data"]["createLead"]["lead"]["id"].clone());
    }
    let lead = referral.unwrap();
    app.gql(Some(&rep.token), "mutation($id: ID!) { updateLead(input: {id: $id, expectedVersion: 1, status: QUALIFIED}) { lead { id } } }", json!({"id": lead})).await;
    let converted = app
        .gql(Some(&rep.token), "mutation($id: ID!) { convertLead(input: {id: $id, opportunity: {name: \"First\", amount: \"800\", expectedCloseDate: \"2026-12-15\"}}) { opportunity { id version } } }", json!({"id": lead}))
        .await;
    let opportunity = &converted["data"]["convertLead"]["opportunity"];
    close(
        &app,
        &rep.token,
        opportunity["id"].as_str().unwrap(),
        opportunity["version"].as_i64().unwrap(),
        true,
    )
    .await;
    let report = "{ leadSourceReport(input: {period: \"2026-11\"}) { source leads converted conversionRate wonDeals wonAmount } }";

    let mine = app.gql(Some(&rep.token), report, json!({})).await;
    let everything = app.admin(report, json!({})).await;

    assert_eq!(
        mine["data"]["leadSourceReport"],
        json!([
            {"source": "REFERRAL", "leads": 2, "converted": 1, "conversionRate": 0.5, "wonDeals": 1, "wonAmount": "800.00"},
            {"source": "WEB_FORM", "leads": 1, "converted": 0, "conversionRate": 0.0, "wonDeals": 0, "wonAmount": "0.00"},
        ]),
        "{mine}"
    );
    assert_eq!(
        everything["data"]["leadSourceReport"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "the admin sees the event lead too"
    );
}

#[tokio::test]
async fn retention_counts_repeat_buyers_and_renewed_contracts() {
    let app = TestApp::spawn_at(at("2026-10-10T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "Retain", "East", &manager.id).await;
    let rep = app.a_user().in_team(&east).create().await;
    let returning = crate::fixtures::a_customer(&app, &rep.token, "Returning Co").await;
    let fresh = crate::fixtures::a_customer(&app, &rep.token, "Fresh Co").await;
    let (october, version) = deal(&app, &rep.token, &returning, "100", "2026-10-31").await;
    close(&app, &rep.token, &october, version, true).await;
    app.clock.advance(Duration::days(41));
    let token = app.token_for(&rep).await;
    let manager_token = app.token_for(&manager).await;
    for customer in [&returning, &fresh] {
        let (id, version) = deal(&app, &token, customer, "100", "2026-11-30").await;
        close(&app, &token, &id, version, true).await;
    }
    let contract = |customer: &str, start: &str, end: &str| {
        let app = &app;
        let token = token.clone();
        let manager_token = manager_token.clone();
        let customer = customer.to_owned();
        let (start, end) = (start.to_owned(), end.to_owned());
        async move {
            let created = app
                .gql(Some(&token), "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
                    json!({"input": {"customerId": customer, "title": "Term", "amount": "100", "startDate": start, "endDate": end}}))
                .await;
            let id = created["data"]["createContract"]["contract"]["id"].clone();
            let request = app
                .gql(
                    Some(&token),
                    "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id } } }",
                    json!({"id": id}),
                )
                .await["data"]["submitContract"]["request"]["id"]
                .clone();
            app.gql(Some(&manager_token), "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }", json!({"r": request})).await;
        }
    };
    contract(&returning, "2025-12-01", "2026-11-30").await;
    contract(&fresh, "2025-11-16", "2026-11-15").await;
    contract(&returning, "2026-12-15", "2027-12-14").await; // renews the first within 60 days

    let body = app
        .gql(Some(&token), "{ customerRetention(input: {period: \"2026-11\"}) { customersWithWins repeatCustomers repeatPurchaseRate contractsEnding renewed renewalRate renewalWindowDays } }", json!({}))
        .await;

    assert_eq!(
        body["data"]["customerRetention"],
        json!({"customersWithWins": 2, "repeatCustomers": 1, "repeatPurchaseRate": 0.5,
            "contractsEnding": 2, "renewed": 1, "renewalRate": 0.5, "renewalWindowDays": 60}),
        "{body}"
    );
}

/// How far a test contract gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reached {
    Draft,
    Pending,
    Approved,
}

/// A contract of 100.00 drafted by `token`'s user, submitted and approved by their manager as far
/// as `reached`.
async fn a_contract(
    app: &TestApp,
    token: &str,
    manager_token: &str,
    customer: &str,
    (start, end): (&str, &str),
    reached: Reached,
) -> Value {
    let created = app
        .gql(Some(token), "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
            json!({"input": {"customerId": customer, "title": "Term", "amount": "100", "startDate": start, "endDate": end}}))
        .await;
    let id = created["data"]["createContract"]["contract"]["id"].clone();
    assert!(id.is_string(), "{created}");
    if reached == Reached::Draft {
        return id;
    }
    let submitted = app
        .gql(
            Some(token),
            "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id } } }",
            json!({"id": id}),
        )
        .await;
    let request = submitted["data"]["submitContract"]["request"]["id"].clone();
    assert!(request.is_string(), "{submitted}");
    if reached == Reached::Approved {
        let approved = app
            .gql(Some(manager_token), "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }", json!({"r": request}))
            .await;
        assert_eq!(
            approved["data"]["approveRequest"]["request"]["status"], "APPROVED",
            "{approved}"
        );
    }
    id
}

const RETENTION: &str = "query($p: String!) { customerRetention(input: {period: $p}) { customersWithWins repeatCustomers repeatPurchaseRate contractsEnding renewed renewalRate renewalWindowDays } }";

#[tokio::test]
async fn renewals_are_binding_contracts_starting_after_the_old_start_and_within_the_window_of_its_end()
 {
    let app = TestApp::spawn_at(at("2026-11-10T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "Renewals", "East", &manager.id).await;
    let rep = app.a_user().in_team(&east).create().await;
    let manager_token = app.token_for(&manager).await;
    let contract = |customer: String, term: (&'static str, &'static str), reached: Reached| {
        let (app, token, manager_token) = (&app, rep.token.clone(), manager_token.clone());
        async move { a_contract(app, &token, &manager_token, &customer, term, reached).await }
    };
    let mut customers = Vec::new();
    for name in ["On time", "Too late", "Drafted", "Pending", "Early"] {
        customers.push(crate::fixtures::a_customer(&app, &rep.token, name).await);
    }
    let [on_time, too_late, drafted, pending, early] = customers.try_into().unwrap();
    // Five contracts ending in November 2026 …
    contract(
        on_time.clone(),
        ("2025-12-01", "2026-11-30"),
        Reached::Approved,
    )
    .await;
    contract(
        too_late.clone(),
        ("2025-11-16", "2026-11-15"),
        Reached::Approved,
    )
    .await;
    contract(
        drafted.clone(),
        ("2025-11-21", "2026-11-20"),
        Reached::Approved,
    )
    .await;
    contract(
        pending.clone(),
        ("2025-11-26", "2026-11-25"),
        Reached::Approved,
    )
    .await;
    contract(
        early.clone(),
        ("2025-11-11", "2026-11-10"),
        Reached::Approved,
    )
    .await;
    app.clock.advance(Duration::minutes(1));
    // … and what follows them.
    contract(on_time, ("2027-01-29", "2028-01-28"), Reached::Approved).await; // end + 60 days
    contract(too_late, ("2027-01-15", "2028-01-14"), Reached::Approved).await; // end + 61 days
    contract(drafted, ("2026-11-21", "2027-11-20"), Reached::Draft).await;
    contract(pending, ("2026-11-26", "2027-11-25"), Reached::Pending).await;
    contract(early, ("2026-06-01", "2027-05-31"), Reached::Approved).await; // renewed mid-term

    let november = app
        .gql(Some(&rep.token), RETENTION, json!({"p": "2026-11"}))
        .await;
    let quiet_month = app
        .gql(Some(&rep.token), RETENTION, json!({"p": "2026-09"}))
        .await;

    assert_eq!(
        november["data"]["customerRetention"],
        json!({"customersWithWins": 0, "repeatCustomers": 0, "repeatPurchaseRate": null,
            "contractsEnding": 5, "renewed": 2, "renewalRate": 0.4, "renewalWindowDays": 60}),
        "renewed: the one starting on the window's last day and the early one; not the one a day \
         late, the draft nor the pending one: {november}"
    );
    assert_eq!(
        quiet_month["data"]["customerRetention"],
        json!({"customersWithWins": 0, "repeatCustomers": 0, "repeatPurchaseRate": null,
            "contractsEnding": 0, "renewed": 0, "renewalRate": null, "renewalWindowDays": 60}),
        "nothing ends, nothing is won: no rates"
    );
}

/// Finance signs the approved contract `id` on `day`.
async fn sign_on(app: &TestApp, token: &str, finance: &str, id: &Value, day: &str) {
    let version = app
        .gql(
            Some(token),
            "query($id: ID!) { contract(id: $id) { version } }",
            json!({"id": id}),
        )
        .await["data"]["contract"]["version"]
        .clone();
    let body = app
        .gql(
            Some(finance),
            "mutation($input: MarkContractSignedInput!) { markContractSigned(input: $input) { contract { status } } }",
            json!({"input": {"id": id, "expectedVersion": version, "signedDate": day}}),
        )
        .await;
    assert_eq!(
        body["data"]["markContractSigned"]["contract"]["status"], "SIGNED",
        "{body}"
    );
}

#[tokio::test]
async fn repeat_buyers_include_two_wins_within_the_period_and_renewals_split_on_time_from_late() {
    let app = TestApp::spawn_at(at("2026-10-10T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "Seeded", "East", &manager.id).await;
    let rep = app.a_user().in_team(&east).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let mut customers = Vec::new();
    for name in ["Before Co", "Twice Co", "Once Co", "Later Co"] {
        customers.push(crate::fixtures::a_customer(&app, &rep.token, name).await);
    }
    let [before, twice, once, later] = customers.try_into().unwrap();
    let win = |token: String, customer: String| {
        let app = &app;
        async move {
            let (id, version) = deal(app, &token, &customer, "100", "2026-12-31").await;
            close(app, &token, &id, version, true).await;
        }
    };
    // October: Before Co wins once.
    win(rep.token.clone(), before.clone()).await;
    // November: Before Co again, Twice Co twice, Once Co and Later Co once.
    app.clock.set(at("2026-11-10T01:00:00Z"));
    let token = app.token_for(&rep).await;
    for customer in [&before, &twice, &twice, &once, &later] {
        win(token.clone(), customer.clone()).await;
    }
    // December: Later Co's second win falls after the period.
    app.clock.set(at("2026-12-05T01:00:00Z"));
    let token = app.token_for(&rep).await;
    let manager_token = app.token_for(&manager).await;
    let finance_token = app.token_for(&finance).await;
    win(token.clone(), later.clone()).await;

    // Four contracts ending in November; three renewed, one of them signed before the old
    // one ended, one signed after, one approved and not signed yet.
    let contract = |customer: &str, term: (&'static str, &'static str)| {
        let (app, token, manager_token) = (&app, token.clone(), manager_token.clone());
        let customer = customer.to_owned();
        async move {
            a_contract(
                app,
                &token,
                &manager_token,
                &customer,
                term,
                Reached::Approved,
            )
            .await
        }
    };
    contract(&before, ("2025-12-01", "2026-11-30")).await;
    contract(&twice, ("2025-11-16", "2026-11-15")).await;
    contract(&once, ("2025-11-21", "2026-11-20")).await;
    contract(&later, ("2025-11-26", "2026-11-25")).await;
    app.clock.advance(Duration::minutes(1));
    let on_time = contract(&before, ("2026-12-01", "2027-11-30")).await;
    sign_on(&app, &token, &finance_token, &on_time, "2026-11-20").await;
    let late = contract(&twice, ("2026-12-15", "2027-12-14")).await;
    sign_on(&app, &token, &finance_token, &late, "2026-11-25").await;
    contract(&once, ("2026-12-20", "2027-12-19")).await;

    let body = app
        .gql(
            Some(&token),
            "{ customerRetention(input: {period: \"2026-11\"}) { customersWithWins repeatCustomers \
              repeatPurchaseRate repeatBuyers repeatBuyerRate contractsEnding renewed renewalRate \
              renewedOnTime renewedLate onTimeRenewalRate lateRenewalRate } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["customerRetention"],
        json!({"customersWithWins": 4, "repeatCustomers": 1, "repeatPurchaseRate": 0.25,
            "repeatBuyers": 2, "repeatBuyerRate": 0.5,
            "contractsEnding": 4, "renewed": 3, "renewalRate": 0.75,
            "renewedOnTime": 1, "renewedLate": 2, "onTimeRenewalRate": 0.25,
            "lateRenewalRate": 0.5}),
        "repeat customers: Before Co (won before November); repeat buyers: Before Co and \
         Twice Co (twice within it), not Later Co (its second win came after); renewed on time: \
         Before Co's (signed 11-20, ten days before the old end): {body}"
    );
}

#[tokio::test]
async fn a_renewal_counts_only_when_the_viewer_may_see_it() {
    let app = TestApp::spawn_at(at("2026-11-10T01:00:00Z")).await;
    let east_manager = app.a_user().role("SALES_MANAGER").create().await;
    let west_manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "East Renew", "East", &east_manager.id).await;
    let west = team(&app, "West Renew", "West", &west_manager.id).await;
    let ann = app.a_user().in_team(&east).create().await;
    let cid = app.a_user().in_team(&west).create().await;
    let east_token = app.token_for(&east_manager).await;
    let west_token = app.token_for(&west_manager).await;
    let customer = crate::fixtures::a_customer(&app, &ann.token, "Shared Co").await;
    a_contract(
        &app,
        &ann.token,
        &east_token,
        &customer,
        ("2025-12-01", "2026-11-30"),
        Reached::Approved,
    )
    .await;
    // The customer moves to West, whose rep signs the follow-up contract.
    let admin = fresh_admin_token(&app).await;
    let moved = app
        .gql(Some(&admin), "mutation($id: ID!, $owner: ID!) { updateCustomer(input: {id: $id, expectedVersion: 1, ownerId: $owner}) { customer { id } } }", json!({"id": customer, "owner": cid.id}))
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    app.clock.advance(Duration::minutes(1));
    let cid_token = app.token_for(&cid).await;
    a_contract(
        &app,
        &cid_token,
        &west_token,
        &customer,
        ("2026-12-01", "2027-11-30"),
        Reached::Approved,
    )
    .await;

    let ann_view = app
        .gql(
            Some(&app.token_for(&ann).await),
            RETENTION,
            json!({"p": "2026-11"}),
        )
        .await;
    let admin_view = app
        .gql(Some(&admin), RETENTION, json!({"p": "2026-11"}))
        .await;

    assert_eq!(
        (
            ann_view["data"]["customerRetention"]["contractsEnding"].as_i64(),
            ann_view["data"]["customerRetention"]["renewed"].as_i64()
        ),
        (Some(1), Some(0)),
        "Ann sees her own contract end, not West's follow-up: {ann_view}"
    );
    assert_eq!(admin_view["data"]["customerRetention"]["renewed"], 1);
}

#[tokio::test]
async fn weeks_are_iso_weeks_of_the_company_time_zone_in_reports_and_targets() {
    // 23:00 on Sunday 2026-11-29 in Shanghai: week 48.
    let app = TestApp::spawn_at(at("2026-11-29T15:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "Weekly", "East", &manager.id).await;
    let rep = app.a_user().in_team(&east).create().await;
    let sunday = crate::fixtures::a_customer(&app, &rep.token, "Sunday Co").await;
    let monday = crate::fixtures::a_customer(&app, &rep.token, "Monday Co").await;
    let (id, version) = deal(&app, &rep.token, &sunday, "100", "2026-12-31").await;
    close(&app, &rep.token, &id, version, true).await;
    // 01:00 on Monday 2026-11-30 in Shanghai (still Sunday in UTC): week 49.
    app.clock.set(at("2026-11-29T17:00:00Z"));
    let token = app.token_for(&rep).await;
    let manager_token = app.token_for(&manager).await;
    let (id, version) = deal(&app, &token, &monday, "250", "2026-12-31").await;
    close(&app, &token, &id, version, true).await;

    let wins = |period: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            let body = app.gql(Some(&token), RETENTION, json!({"p": period})).await;
            body["data"]["customerRetention"]["customersWithWins"].clone()
        }
    };
    assert_eq!(wins("2026-W48").await, 1);
    assert_eq!(wins("2026-W49").await, 1);
    assert_eq!(wins("2026-W50").await, 0);
    assert_eq!(wins("2026-11").await, 2);
    for bad in ["2026-W54", "2027-W53", "2026-W7"] {
        let body = app.gql(Some(&token), RETENTION, json!({"p": bad})).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some("input.period")),
            "{bad}: {body}"
        );
    }

    // A weekly target, and the week's achievement against it.
    let set = set(
        &app,
        &manager_token,
        "2026-W49",
        "USER",
        Some(&rep.id),
        "500",
    )
    .await;
    assert_eq!(
        set["data"]["setSalesTarget"]["target"]["period"], "2026-W49",
        "{set}"
    );
    let rows = app
        .gql(
            Some(&manager_token),
            PERFORMANCE,
            json!({"input": {"period": "2026-W49", "groupBy": "USER"}}),
        )
        .await;
    let row = rows["data"]["salesPerformance"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["groupId"] == rep.id.as_str()))
        .cloned()
        .unwrap_or_else(|| panic!("{rows}"));
    assert_eq!(
        (&row["target"], &row["wonAmount"], &row["achievementRate"]),
        (&json!("500.00"), &json!("250.00"), &json!(0.5)),
        "{rows}"
    );
}

#[tokio::test]
async fn lifetime_value_is_yearly_paid_times_lifetime_over_the_customers_you_see() {
    let app = TestApp::spawn_at(at("2026-01-05T02:00:00Z")).await;
    crate::fixtures::without_playbook(&app).await;
    let books = crate::fixtures::books(&app).await;
    let outsider = app.a_user().create().await;
    let paying = crate::fixtures::customer(&app, &books, "Paying LTV").await;
    let silent = crate::fixtures::customer(&app, &books, "Silent LTV").await;
    for customer in [&paying, &silent] {
        let (id, version) = deal(&app, &books.rep.token, customer, "1200", "2026-01-20").await;
        close(&app, &books.rep.token, &id, version, true).await;
    }
    let contract = crate::fixtures::approved(&app, &books, &paying, "1200").await;
    crate::fixtures::set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-01-31", "amount": "1200"}]),
    )
    .await;
    let paid = crate::fixtures::pay(&app, &books.finance.token, json!({"customerId": paying, "contractId": contract, "amount": "1200", "receivedDate": "2026-01-05"})).await;
    assert!(paid["errors"].is_null(), "{paid}");

    let query = "query($input: CustomerRetentionInput!) { customerRetention(input: $input) { lifetimeValue { customers averageYearlyPaid averageLifetimeYears value } } }";
    let input = json!({"input": {"period": "2026"}});
    // Both customers won within the year: each counts a year; 1,200.00 and nothing a year,
    // 600.00 on average, times a one-year lifetime.
    let seen = app
        .gql(Some(&books.manager_token), query, input.clone())
        .await;
    assert_eq!(
        seen["data"]["customerRetention"]["lifetimeValue"],
        json!({"customers": 2, "averageYearlyPaid": "600.00", "averageLifetimeYears": 1.0, "value": "600.00"}),
        "{seen}"
    );
    // A rep who sees none of those deals gets no estimate.
    let none = app.gql(Some(&outsider.token), query, input).await;
    assert_eq!(
        none["data"]["customerRetention"]["lifetimeValue"],
        Value::Null,
        "{none}"
    );
}
