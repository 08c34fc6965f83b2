//! `campaignReport` against hand-computed figures: cost → members → leads → qualified → deals
//! → won → collected, first-touch and linear any-touch side by side, within each reader's
//! visibility, for managers, finance and admins only; a fixed number of statements.

use chrono::Duration;
use serde_json::{Value, json};

use crate::fixtures::{self, at};
use crate::helpers::*;

const REPORT: &str = "query($input: CampaignReportInput!) { campaignReport(input: $input) { from to \
    rows { campaign { name } cost members leads qualifiedLeads deals wonDeals wonAmount collectedAmount \
      costPerLead costPerWonDeal roi anyTouch { touchedDeals wonDealCredit wonAmount roi } } \
    total { campaign { name } cost leads wonAmount anyTouch { wonAmount } } } }";
const WON_REASON: &str = "0193a000-0000-7000-8000-000000000505";

async fn campaign(app: &TestApp, token: &str, name: &str, channel: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
            json!({"input": {"name": name, "channel": channel, "startDate": "2026-12-01", "endDate": "2026-12-10"}}),
        )
        .await;
    string_at(&body, &["data", "createCampaign", "campaign", "id"])
}

async fn cost(app: &TestApp, token: &str, campaign: &str, amount: &str, day: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: RecordCampaignCostInput!) { recordCampaignCost(input: $input) { campaign { id } } }",
            json!({"input": {"campaignId": campaign, "amount": amount, "incurredOn": day, "note": "Booth refund"}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn lead(app: &TestApp, token: &str, name: &str, campaign: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": name, "company": format!("{name} Co"), "source": "EVENT", "campaignId": campaign}}),
        )
        .await;
    string_at(&body, &["data", "createLead", "lead", "id"])
}

/// Qualifies a lead and converts it into a deal of `amount`; gives the deal's id and version.
async fn qualify_and_convert(
    app: &TestApp,
    token: &str,
    lead: &str,
    amount: &str,
) -> (String, i64) {
    let qualified = app
        .gql(
            Some(token),
            "mutation($id: ID!) { updateLead(input: {id: $id, expectedVersion: 1, status: QUALIFIED}) { lead { qualifiedAt } } }",
            json!({"id": lead}),
        )
        .await;
    assert!(
        qualified["data"]["updateLead"]["lead"]["qualifiedAt"].is_string(),
        "{qualified}"
    );
    let body = app
        .gql(
            Some(token),
            "mutation($id: ID!, $amount: Decimal!) { convertLead(input: {id: $id, opportunity: {name: \"From the fair\", amount: $amount, expectedCloseDate: \"2026-12-20\"}}) { opportunity { id version } } }",
            json!({"id": lead, "amount": amount}),
        )
        .await;
    let deal = &body["data"]["convertLead"]["opportunity"];
    (
        deal["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        deal["version"].as_i64().unwrap_or_default(),
    )
}

async fn deal(app: &TestApp, token: &str, customer: &str, amount: &str) -> (String, i64) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version } } }",
            json!({"input": {"customerId": customer, "name": "Direct", "amount": amount, "expectedCloseDate": "2026-12-20"}}),
        )
        .await;
    let deal = &body["data"]["createOpportunity"]["opportunity"];
    (
        deal["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        deal["version"].as_i64().unwrap_or_default(),
    )
}

async fn win(app: &TestApp, token: &str, (id, version): &(String, i64)) {
    let body = app
        .gql(
            Some(token),
            "mutation($id: ID!, $v: Int!, $r: ID!) { winOpportunity(input: {reasonId: $r, id: $id, expectedVersion: $v}) { opportunity { status } } }",
            json!({"id": id, "v": version, "r": WON_REASON}),
        )
        .await;
    assert_eq!(
        body["data"]["winOpportunity"]["opportunity"]["status"], "WON",
        "{body}"
    );
}

async fn contact(app: &TestApp, token: &str, customer: &str, name: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": name}}),
        )
        .await;
    string_at(&body, &["data", "addContact", "contact", "id"])
}

async fn members(app: &TestApp, token: &str, campaign: &str, members: Value) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: AddCampaignMembersInput!) { addCampaignMembers(input: $input) { added } }",
            json!({"input": {"campaignId": campaign, "members": members}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

fn row<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["data"]["campaignReport"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|r| r["campaign"]["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

fn report_input(from: &str, to: &str) -> Value {
    json!({"input": {"from": from, "to": to}})
}

#[tokio::test]
async fn the_report_follows_each_campaign_from_cost_to_cash_with_both_attributions() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    fixtures::without_playbook(&app).await;
    let books = fixtures::books(&app).await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_team = app.a_team("Elsewhere", Some(&other_manager.id)).await;
    let stranger = app.a_user().in_team(&other_team).create().await;
    let (rep, manager) = (&books.rep.token, &books.manager_token);

    let fair = campaign(&app, manager, "Canton Fair", "EXHIBITION").await;
    let webinar = campaign(&app, manager, "Pump webinar", "WEBINAR").await;
    // Fair: 3,000.00 and a refund of 500.00 in the window, 1,000.00 before it.
    cost(&app, manager, &fair, "3000.00", "2026-12-01").await;
    cost(&app, manager, &fair, "-500.00", "2026-12-02").await;
    cost(&app, manager, &fair, "1000.00", "2026-11-20").await;
    cost(&app, manager, &webinar, "1000.00", "2026-12-01").await;

    // Two Fair leads become deals (3,000 won, 1,000 open); one Webinar lead stays new; a Fair
    // lead of another team is the manager's to miss and the admin's to count.
    let l1 = lead(&app, rep, "Li", &fair).await;
    let l2 = lead(&app, rep, "Han", &fair).await;
    let l3 = lead(&app, rep, "Zhao", &webinar).await;
    lead(&app, &stranger.token, "Qian", &fair).await;
    let d1 = qualify_and_convert(&app, rep, &l1, "3000").await;
    qualify_and_convert(&app, rep, &l2, "1000").await;
    // A direct deal of 600 whose customer's contact the webinar invited.
    let c3 = fixtures::customer(&app, &books, "Webinar Guest Co").await;
    let guest = contact(&app, rep, &c3, "Guest").await;
    let d3 = deal(&app, rep, &c3, "600").await;
    // The webinar touched the Fair lead L1 (so its deal) and the guest; L3 is its own lead.
    members(
        &app,
        manager,
        &webinar,
        json!([{"leadId": l1}, {"contactId": guest}, {"leadId": l3, "status": "REGISTERED"}]),
    )
    .await;
    win(&app, rep, &d1).await;
    win(&app, rep, &d3).await;
    // A deal won before its customer was invited owes the webinar nothing.
    let c4 = fixtures::customer(&app, &books, "Late Guest Co").await;
    let late_guest = contact(&app, rep, &c4, "Late").await;
    let d4 = deal(&app, rep, &c4, "700").await;
    win(&app, rep, &d4).await;
    app.clock.advance(Duration::minutes(1));
    let manager_token = manager.clone();
    members(
        &app,
        &manager_token,
        &webinar,
        json!([{"contactId": late_guest}]),
    )
    .await;
    // 1,200.00 collected on the Fair deal's contract.
    let rep_token = rep.clone();
    let created = app
        .gql(
            Some(&rep_token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id customer { id } } } }",
            json!({"input": {"opportunityId": d1.0, "title": "Pumps", "amount": "3000"}}),
        )
        .await;
    let contract = string_at(&created, &["data", "createContract", "contract", "id"]);
    let customer = string_at(
        &created,
        &["data", "createContract", "contract", "customer", "id"],
    );
    let books = fixtures::Books {
        rep: TestUser {
            token: rep_token.clone(),
            ..books.rep.clone()
        },
        manager_token: manager_token.clone(),
        finance: TestUser {
            ..books.finance.clone()
        },
        finance2: books.finance2.clone(),
    };
    fixtures::approve(&app, &books, &contract).await;
    fixtures::set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-12-15", "amount": "3000"}]),
    )
    .await;
    fixtures::pay(&app, &books.finance.token, json!({"customerId": customer, "contractId": contract, "amount": "1200", "receivedDate": "2026-12-01"})).await;

    let seen = app
        .gql(
            Some(&manager_token),
            REPORT,
            report_input("2026-12-01", "2026-12-31"),
        )
        .await;
    assert!(seen["errors"].is_null(), "{seen}");
    assert_eq!(
        row(&seen, "Canton Fair"),
        &json!({"campaign": {"name": "Canton Fair"}, "cost": "2500.00", "members": 0, "leads": 2,
            "qualifiedLeads": 2, "deals": 2, "wonDeals": 1, "wonAmount": "3000.00",
            "collectedAmount": "1200.00", "costPerLead": "1250.00", "costPerWonDeal": "2500.00",
            "roi": 0.2, "anyTouch": {"touchedDeals": 1, "wonDealCredit": 0.5,
            "wonAmount": "1500.00", "roi": -0.4}}),
        "{seen}"
    );
    assert_eq!(
        row(&seen, "Pump webinar"),
        &json!({"campaign": {"name": "Pump webinar"}, "cost": "1000.00", "members": 4, "leads": 1,
            "qualifiedLeads": 0, "deals": 0, "wonDeals": 0, "wonAmount": "0.00",
            "collectedAmount": "0.00", "costPerLead": "1000.00", "costPerWonDeal": null,
            "roi": -1.0, "anyTouch": {"touchedDeals": 2, "wonDealCredit": 1.5,
            "wonAmount": "2100.00", "roi": 1.1}}),
        "{seen}"
    );
    assert_eq!(
        seen["data"]["campaignReport"]["total"],
        json!({"campaign": null, "cost": "3500.00", "leads": 3, "wonAmount": "3000.00",
            "anyTouch": {"wonAmount": "3600.00"}}),
        "{seen}"
    );
    // Most won first.
    assert_eq!(
        seen["data"]["campaignReport"]["rows"][0]["campaign"]["name"],
        "Canton Fair"
    );

    // The admin counts the other team's Fair lead; finance sees every deal but no leads.
    let admin = app
        .admin(REPORT, report_input("2026-12-01", "2026-12-31"))
        .await;
    assert_eq!(row(&admin, "Canton Fair")["leads"], 3, "{admin}");
    let finance = app
        .gql(
            Some(&books.finance.token),
            REPORT,
            report_input("2026-12-01", "2026-12-31"),
        )
        .await;
    assert_eq!(
        (
            &row(&finance, "Canton Fair")["leads"],
            &row(&finance, "Canton Fair")["wonAmount"]
        ),
        (&json!(0), &json!("3000.00")),
        "{finance}"
    );
    // Another team's manager sees the costs but none of this team's leads or deals.
    let other = app.token_for(&other_manager).await;
    let theirs = app
        .gql(
            Some(&other),
            REPORT,
            report_input("2026-12-01", "2026-12-31"),
        )
        .await;
    let fair_row = row(&theirs, "Canton Fair");
    assert_eq!(
        (
            &fair_row["cost"],
            &fair_row["leads"],
            &fair_row["wonAmount"],
            &fair_row["anyTouch"]["touchedDeals"]
        ),
        (&json!("2500.00"), &json!(1), &json!("0.00"), &json!(0)),
        "{theirs}"
    );

    // A window before everything: costs of November only, nothing else.
    let november = app
        .gql(
            Some(&manager_token),
            "query($input: CampaignReportInput!) { campaignReport(input: $input) { rows { cost leads wonAmount } } }",
            json!({"input": {"from": "2026-11-01", "to": "2026-11-30", "campaignIds": [fair]}}),
        )
        .await;
    assert_eq!(
        november["data"]["campaignReport"]["rows"],
        json!([{"cost": "1000.00", "leads": 0, "wonAmount": "0.00"}]),
        "{november}"
    );
}

#[tokio::test]
async fn reps_and_customer_service_are_refused_and_bad_windows_and_ids_name_their_field() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let fair = campaign(&app, &books.manager_token, "Canton Fair", "EXHIBITION").await;
    for token in [&books.rep.token, &support.token] {
        let refused = app
            .gql(
                Some(token),
                REPORT,
                report_input("2026-12-01", "2026-12-31"),
            )
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    let too_many: Vec<String> = (0..101).map(|_| fair.clone()).collect();
    for (input, code, field) in [
        (
            json!({"from": "2026-12-02", "to": "2026-12-01"}),
            "BAD_USER_INPUT",
            "input.to",
        ),
        (
            json!({"from": "2026-12-01", "to": "2026-12-31", "campaignIds": []}),
            "BAD_USER_INPUT",
            "input.campaignIds",
        ),
        (
            json!({"from": "2026-12-01", "to": "2026-12-31", "campaignIds": too_many}),
            "BAD_USER_INPUT",
            "input.campaignIds",
        ),
        (
            json!({"from": "2026-12-01", "to": "2026-12-31", "campaignIds": [fair, missing_id("Campaign")]}),
            "NOT_FOUND",
            "input.campaignIds.1",
        ),
        (
            json!({"from": "2026-12-01", "to": "2026-12-31", "campaignIds": ["not an id"]}),
            "BAD_USER_INPUT",
            "input.campaignIds.0",
        ),
    ] {
        let body = app
            .gql(Some(&books.manager_token), REPORT, json!({"input": input}))
            .await;
        assert_eq!(code_and_field(&body), (Some(code), Some(field)), "{body}");
    }
    // The same campaign named twice is one row; a campaign outside the window is not listed
    // unless named.
    let twice = app
        .gql(
            Some(&books.manager_token),
            REPORT,
            json!({"input": {"from": "2027-01-01", "to": "2027-01-31", "campaignIds": [fair, fair]}}),
        )
        .await;
    assert_eq!(
        twice["data"]["campaignReport"]["rows"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{twice}"
    );
    let later = app
        .gql(
            Some(&books.manager_token),
            REPORT,
            report_input("2027-01-01", "2027-01-31"),
        )
        .await;
    assert_eq!(
        later["data"]["campaignReport"]["rows"],
        json!([]),
        "{later}"
    );
}

#[tokio::test]
async fn the_report_costs_the_same_statements_for_one_campaign_or_many() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let first = campaign(&app, &books.manager_token, "First", "ADS").await;
    lead(&app, &books.rep.token, "One", &first).await;
    app.quiet().await;
    let one = app
        .admin(REPORT, report_input("2026-12-01", "2026-12-31"))
        .await;
    let one_cost = app.take_statement_count();
    for i in 0..5 {
        let c = campaign(&app, &books.manager_token, &format!("More {i}"), "EMAIL").await;
        cost(&app, &books.manager_token, &c, "10.00", "2026-12-01").await;
        lead(&app, &books.rep.token, &format!("Lead {i}"), &c).await;
    }
    app.quiet().await;
    let many = app
        .admin(REPORT, report_input("2026-12-01", "2026-12-31"))
        .await;
    let many_cost = app.take_statement_count();
    assert!(one["errors"].is_null(), "{one}");
    assert_eq!(
        many["data"]["campaignReport"]["rows"]
            .as_array()
            .map(Vec::len),
        Some(6),
        "{many}"
    );
    assert_eq!(one_cost, many_cost, "statements grew with the campaigns");
}

#[tokio::test]
async fn acquisition_cost_is_campaign_cost_per_new_customer_per_campaign_and_channel() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    fixtures::without_playbook(&app).await;
    let books = fixtures::books(&app).await;
    let (rep, manager) = (&books.rep.token, &books.manager_token);
    let fair = campaign(&app, manager, "Spring fair", "EVENT").await;
    let meetup = campaign(&app, manager, "Meetup", "EVENT").await;
    let banners = campaign(&app, manager, "Banners", "ADS").await;
    cost(&app, manager, &fair, "300.00", "2026-12-01").await;
    cost(&app, manager, &meetup, "100.00", "2026-12-02").await;
    cost(&app, manager, &banners, "50.00", "2026-12-02").await;
    // Two customers from the fair and one from the banners; a fair lead still unconverted.
    for (name, from) in [("Wu", &fair), ("Zheng", &fair), ("Feng", &banners)] {
        let id = lead(&app, rep, name, from).await;
        qualify_and_convert(&app, rep, &id, "10").await;
    }
    lead(&app, rep, "Chen", &fair).await;

    let body = app
        .gql(
            Some(manager),
            "query($input: CampaignReportInput!) { campaignReport(input: $input) { \
                rows { campaign { name } newCustomers acquisitionCost } \
                total { newCustomers acquisitionCost } \
                channels { channel cost newCustomers acquisitionCost wonAmount } } }",
            report_input("2026-12-01", "2026-12-10"),
        )
        .await;
    let report = &body["data"]["campaignReport"];
    let of = |name: &str| {
        report["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["campaign"]["name"] == name))
            .map(|r| (r["newCustomers"].clone(), r["acquisitionCost"].clone()))
    };
    assert_eq!(
        (of("Spring fair"), of("Meetup"), of("Banners")),
        (
            Some((json!(2), json!("150.00"))),
            Some((json!(0), Value::Null)),
            Some((json!(1), json!("50.00")))
        ),
        "{body}"
    );
    assert_eq!(
        report["total"],
        json!({"newCustomers": 3, "acquisitionCost": "150.00"}),
        "{body}"
    );
    assert_eq!(
        report["channels"],
        json!([
            {"channel": "ADS", "cost": "50.00", "newCustomers": 1, "acquisitionCost": "50.00", "wonAmount": "0.00"},
            {"channel": "EVENT", "cost": "400.00", "newCustomers": 2, "acquisitionCost": "200.00", "wonAmount": "0.00"},
        ]),
        "{body}"
    );
}
