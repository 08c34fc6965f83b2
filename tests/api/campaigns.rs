//! Campaigns: managers and admins create them and record their costs (exact money, refunds
//! with a reason, retries once); everyone sees names, channels and dates, only managers,
//! finance and admins their money; leads name their campaign, and conversion carries it to
//! the customer and the deal.

use serde_json::{Value, json};

use crate::fixtures::{self, at};
use crate::helpers::*;

const CAMPAIGN: &str = "id name channel status startDate endDate version owner { id }";
const CREATE: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id name channel status startDate endDate version budget actualCost owner { id } } } }";
const COST: &str = "mutation($input: RecordCampaignCostInput!) { recordCampaignCost(input: $input) { campaign { actualCost version } cost { amount incurredOn note recordedBy { id } } } }";
const UPDATE: &str = "mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { campaign { name status endDate budget version } } }";

async fn a_campaign(app: &TestApp, token: &str, name: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            CREATE,
            json!({"input": {"name": name, "channel": "EXHIBITION", "startDate": "2026-12-01",
                "endDate": "2026-12-03", "budget": "5000.00"}}),
        )
        .await;
    let campaign = body["data"]["createCampaign"]["campaign"].clone();
    assert!(campaign.is_object(), "{body}");
    campaign
}

async fn cost(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), COST, json!({ "input": input })).await
}

#[tokio::test]
async fn managers_run_campaigns_everyone_sees_them_and_only_managers_finance_and_admins_see_money()
{
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let fair = a_campaign(&app, &books.manager_token, "Canton Fair").await;
    assert_eq!(
        (
            &fair["status"],
            &fair["budget"],
            &fair["actualCost"],
            &fair["version"]
        ),
        (
            &json!("PLANNED"),
            &json!("5000.00"),
            &json!("0.00"),
            &json!(1)
        )
    );

    // Names of 1 to 200 characters; a budget of zero or more with two decimals at most.
    for (input, field) in [
        (
            json!({"name": "x".repeat(201), "channel": "ADS", "startDate": "2026-12-01"}),
            "input.name",
        ),
        (
            json!({"name": " ", "channel": "ADS", "startDate": "2026-12-01"}),
            "input.name",
        ),
        (
            json!({"name": "Ads", "channel": "ADS", "startDate": "2026-12-01", "budget": "-1"}),
            "input.budget",
        ),
        (
            json!({"name": "Ads", "channel": "ADS", "startDate": "2026-12-01", "budget": "1.001"}),
            "input.budget",
        ),
        (
            json!({"name": "Ads", "channel": "ADS", "startDate": "2026-12-01", "endDate": "2026-11-30"}),
            "input.endDate",
        ),
    ] {
        let body = app
            .gql(Some(&books.manager_token), CREATE, json!({"input": input}))
            .await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }

    // Reps and customer service may not create one.
    for token in [&books.rep.token, &support.token, &books.finance.token] {
        let refused = app
            .gql(
                Some(token),
                CREATE,
                json!({"input": {"name": "Mine", "channel": "ADS", "startDate": "2026-12-01"}}),
            )
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }

    // Everyone sees the campaign's name, channel and dates.
    let list = format!("{{ campaigns(first: 10) {{ nodes {{ {CAMPAIGN} }} }} }}");
    for token in [&books.rep.token, &support.token, &books.finance.token] {
        let seen = app.gql(Some(token), &list, json!({})).await;
        assert_eq!(
            seen["data"]["campaigns"]["nodes"][0]["name"], "Canton Fair",
            "{seen}"
        );
    }
    // The money: managers, finance and admins; reps and customer service are refused.
    let money = "query($id: ID!) { campaign(id: $id) { budget actualCost costs { amount } } }";
    for token in [&books.rep.token, &support.token] {
        let refused = app.gql(Some(token), money, json!({"id": fair["id"]})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    for token in [&books.finance.token, &books.manager_token] {
        let seen = app.gql(Some(token), money, json!({"id": fair["id"]})).await;
        assert_eq!(
            seen["data"]["campaign"],
            json!({"budget": "5000.00", "actualCost": "0.00", "costs": []}),
            "{seen}"
        );
    }
    let node = app
        .gql(
            Some(&books.rep.token),
            "query($id: ID!) { node(id: $id) { ... on Campaign { name channel } } }",
            json!({"id": fair["id"]}),
        )
        .await;
    assert_eq!(
        node["data"]["node"],
        json!({"name": "Canton Fair", "channel": "EXHIBITION"})
    );
    let filtered = app
        .gql(
            Some(&books.rep.token),
            "{ a: campaigns(filter: {activeOn: \"2026-12-04\"}) { totalCount } \
               b: campaigns(filter: {activeOn: \"2026-12-02\", channel: EXHIBITION, search: \"canton\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (
            &filtered["data"]["a"]["totalCount"],
            &filtered["data"]["b"]["totalCount"]
        ),
        (&json!(0), &json!(1)),
        "{filtered}"
    );
}

#[tokio::test]
async fn costs_add_up_exactly_refunds_need_a_reason_and_retries_count_once() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let fair = a_campaign(&app, &books.manager_token, "Canton Fair").await;
    let id = fair["id"].clone();

    let first = json!({"campaignId": id, "amount": "1200.10", "incurredOn": "2026-11-20",
        "note": "Booth", "idempotencyKey": "booth-1"});
    let once = cost(&app, &books.manager_token, first.clone()).await;
    let again = cost(&app, &books.manager_token, first).await;
    assert_eq!(once["data"], again["data"], "{again}");
    assert_eq!(
        once["data"]["recordCampaignCost"]["campaign"],
        json!({"actualCost": "1200.10", "version": 2})
    );
    let second = cost(
        &app,
        &books.manager_token,
        json!({"campaignId": id, "amount": "0.20", "incurredOn": "2026-11-21"}),
    )
    .await;
    assert_eq!(
        second["data"]["recordCampaignCost"]["campaign"]["actualCost"], "1200.30",
        "{second}"
    );

    // Bad amounts, a refund without its reason, and the wrong people change nothing.
    for (input, field) in [
        (
            json!({"campaignId": id, "amount": "0.001", "incurredOn": "2026-11-21"}),
            "input.amount",
        ),
        (
            json!({"campaignId": id, "amount": "0", "incurredOn": "2026-11-21"}),
            "input.amount",
        ),
        (
            json!({"campaignId": id, "amount": "-100.00", "incurredOn": "2026-11-21"}),
            "input.note",
        ),
        (
            json!({"campaignId": id, "amount": "10.00", "incurredOn": "2026-11-21", "note": "x".repeat(501)}),
            "input.note",
        ),
        (
            json!({"campaignId": id, "amount": "99999999999999999999", "incurredOn": "2026-11-21"}),
            "input.amount",
        ),
    ] {
        let body = cost(&app, &books.manager_token, input).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }
    let other = app.token_for(&other_manager).await;
    for token in [&books.rep.token, &books.finance.token, &other] {
        let body = cost(
            &app,
            token,
            json!({"campaignId": id, "amount": "5.00", "incurredOn": "2026-11-21"}),
        )
        .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let missing = cost(
        &app,
        &books.manager_token,
        json!({"campaignId": missing_id("Campaign"), "amount": "5.00", "incurredOn": "2026-11-21"}),
    )
    .await;
    assert_eq!(
        code_and_field(&missing),
        (Some("NOT_FOUND"), Some("input.campaignId"))
    );

    // Costs recorded at the same moment are both counted.
    let (one, two) = tokio::join!(
        cost(
            &app,
            &books.manager_token,
            json!({"campaignId": id, "amount": "100.00", "incurredOn": "2026-11-22"}),
        ),
        cost(
            &app,
            &books.manager_token,
            json!({"campaignId": id, "amount": "100.00", "incurredOn": "2026-11-22"}),
        )
    );
    assert!(
        one["errors"].is_null() && two["errors"].is_null(),
        "{one} {two}"
    );
    let summed = app
        .gql(
            Some(&books.finance.token),
            "query($id: ID!) { campaign(id: $id) { actualCost } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        summed["data"]["campaign"]["actualCost"], "1400.30",
        "{summed}"
    );

    // A refund of a cost: a negative entry with its reason; an admin may record it too.
    let refund = app
        .admin(
            COST,
            json!({"input": {"campaignId": id, "amount": "-200.30", "incurredOn": "2026-11-25",
                "note": "Booth deposit returned"}}),
        )
        .await;
    assert_eq!(
        refund["data"]["recordCampaignCost"]["campaign"]["actualCost"], "1200.00",
        "{refund}"
    );
    let listed = app
        .gql(
            Some(&books.finance.token),
            "query($id: ID!) { campaign(id: $id) { actualCost costs { amount note } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        listed["data"]["campaign"],
        json!({"actualCost": "1200.00", "costs": [
            {"amount": "-200.30", "note": "Booth deposit returned"},
            {"amount": "100.00", "note": null},
            {"amount": "100.00", "note": null},
            {"amount": "0.20", "note": null},
            {"amount": "1200.10", "note": "Booth"},
        ]})
    );
}

#[tokio::test]
async fn the_owner_and_admins_change_a_campaign_at_its_version_and_others_are_refused() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let other = app.token_for(&other_manager).await;
    let fair = a_campaign(&app, &books.manager_token, "Canton Fair").await;
    let id = fair["id"].clone();

    for token in [&books.rep.token, &books.finance.token, &other] {
        let body = app
            .gql(
                Some(token),
                UPDATE,
                json!({"input": {"id": id, "expectedVersion": 1, "name": "Taken"}}),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let backwards = app
        .gql(
            Some(&books.manager_token),
            UPDATE,
            json!({"input": {"id": id, "expectedVersion": 1, "endDate": "2026-11-30"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&backwards),
        (Some("BAD_USER_INPUT"), Some("input.endDate"))
    );
    let negative = app
        .gql(
            Some(&books.manager_token),
            UPDATE,
            json!({"input": {"id": id, "expectedVersion": 1, "budget": "-1.00"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&negative),
        (Some("BAD_USER_INPUT"), Some("input.budget"))
    );
    let changed = app
        .gql(
            Some(&books.manager_token),
            UPDATE,
            json!({"input": {"id": id, "expectedVersion": 1, "name": "Canton Fair 2026",
                "status": "ACTIVE", "endDate": null, "budget": "6000.50"}}),
        )
        .await;
    assert_eq!(
        changed["data"]["updateCampaign"]["campaign"],
        json!({"name": "Canton Fair 2026", "status": "ACTIVE", "endDate": null,
            "budget": "6000.50", "version": 2}),
        "{changed}"
    );
    let stale = app
        .admin(
            UPDATE,
            json!({"input": {"id": id, "expectedVersion": 1, "status": "COMPLETED"}}),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let by_admin = app
        .admin(
            UPDATE,
            json!({"input": {"id": id, "expectedVersion": 2, "status": "COMPLETED"}}),
        )
        .await;
    assert_eq!(
        by_admin["data"]["updateCampaign"]["campaign"]["status"], "COMPLETED",
        "{by_admin}"
    );
}

#[tokio::test]
async fn a_lead_names_its_campaign_and_conversion_carries_it_to_the_customer_and_deal() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let fair = a_campaign(&app, &books.manager_token, "Canton Fair").await;
    let webinar = a_campaign(&app, &books.manager_token, "Pump webinar").await;

    let missing = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": "Wang Wu", "source": "EVENT", "campaignId": missing_id("Campaign")}}),
        )
        .await;
    assert_eq!(
        code_and_field(&missing),
        (Some("NOT_FOUND"), Some("input.campaignId"))
    );
    let created = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id version campaign { name } } } }",
            json!({"input": {"name": "Wang Wu", "company": "Wu Pumps", "source": "EVENT",
                "campaignId": webinar["id"]}}),
        )
        .await;
    let lead = created["data"]["createLead"]["lead"].clone();
    assert_eq!(lead["campaign"]["name"], "Pump webinar", "{created}");

    let moved = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { lead { version campaign { name } } } }",
            json!({"input": {"id": lead["id"], "expectedVersion": lead["version"], "campaignId": fair["id"],
                "status": "QUALIFIED"}}),
        )
        .await;
    assert_eq!(
        moved["data"]["updateLead"]["lead"]["campaign"]["name"], "Canton Fair",
        "{moved}"
    );

    let converted = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: ConvertLeadInput!) { convertLead(input: $input) { \
               customer { campaign { name } } opportunity { campaign { name } } } }",
            json!({"input": {"id": lead["id"], "opportunity": {"name": "Pumps", "amount": "900",
                "expectedCloseDate": "2027-02-01"}}}),
        )
        .await;
    assert_eq!(
        converted["data"]["convertLead"],
        json!({"customer": {"campaign": {"name": "Canton Fair"}},
            "opportunity": {"campaign": {"name": "Canton Fair"}}}),
        "{converted}"
    );
}

const MEMBERS: &str = "mutation($input: AddCampaignMembersInput!) { addCampaignMembers(input: $input) { added updated campaign { memberCounts { invited registered attended responded total } } } }";

#[tokio::test]
async fn members_are_added_in_bulk_once_each_moved_on_and_counted_within_visibility() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_team = app.a_team("Elsewhere", Some(&other_manager.id)).await;
    let stranger = app.a_user().in_team(&other_team).create().await;
    let fair = a_campaign(&app, &books.manager_token, "Canton Fair").await;
    let customer = fixtures::customer(&app, &books, "Guest Co").await;
    let mut contacts = Vec::new();
    for name in ["Li Lei", "Han Meimei"] {
        let body = app
            .gql(
                Some(&books.rep.token),
                "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
                json!({"input": {"customerId": customer, "name": name}}),
            )
            .await;
        contacts.push(string_at(&body, &["data", "addContact", "contact", "id"]));
    }
    let lead = string_at(
        &app.gql(
            Some(&books.rep.token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": "Zhang San", "source": "EVENT"}}),
        )
        .await,
        &["data", "createLead", "lead", "id"],
    );
    let hidden_contact = {
        let theirs = fixtures::a_customer(&app, &stranger.token, "Their Co").await;
        let body = app
            .gql(
                Some(&stranger.token),
                "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
                json!({"input": {"customerId": theirs, "name": "Wang Wu"}}),
            )
            .await;
        string_at(&body, &["data", "addContact", "contact", "id"])
    };

    let input = json!({"campaignId": fair["id"], "idempotencyKey": "invite-1", "members": [
        {"contactId": contacts[0]}, {"contactId": contacts[1], "status": "REGISTERED"},
        {"leadId": lead, "status": "RESPONDED"}]});
    let first = app
        .gql(Some(&books.manager_token), MEMBERS, json!({"input": input}))
        .await;
    let retried = app
        .gql(Some(&books.manager_token), MEMBERS, json!({"input": input}))
        .await;
    assert_eq!(first["data"], retried["data"], "{retried}");
    assert_eq!(
        first["data"]["addCampaignMembers"],
        json!({"added": 3, "updated": 0, "campaign": {"memberCounts": {"invited": 1,
            "registered": 1, "attended": 0, "responded": 1, "total": 3}}}),
        "{first}"
    );
    // The same people again: one moves on, one stays; nobody is added twice.
    let moved = app
        .gql(
            Some(&books.manager_token),
            MEMBERS,
            json!({"input": {"campaignId": fair["id"], "members": [
                {"contactId": contacts[0], "status": "ATTENDED"},
                {"contactId": contacts[1], "status": "REGISTERED"}]}}),
        )
        .await;
    assert_eq!(
        moved["data"]["addCampaignMembers"],
        json!({"added": 0, "updated": 1, "campaign": {"memberCounts": {"invited": 0,
            "registered": 1, "attended": 1, "responded": 1, "total": 3}}}),
        "{moved}"
    );

    // All or nothing: one member the manager cannot see refuses the whole call on its path.
    let hidden = app
        .gql(
            Some(&books.manager_token),
            MEMBERS,
            json!({"input": {"campaignId": fair["id"], "members": [
                {"contactId": contacts[0], "status": "RESPONDED"},
                {"contactId": hidden_contact}]}}),
        )
        .await;
    assert_eq!(
        code_and_field(&hidden),
        (Some("NOT_FOUND"), Some("input.members.1.contactId"))
    );
    for (members, field) in [
        (json!([]), "input.members"),
        (
            json!([{"contactId": contacts[0], "leadId": lead}]),
            "input.members.0",
        ),
        (json!([{}]), "input.members.0"),
        (
            json!([{"contactId": contacts[0]}, {"contactId": contacts[0]}]),
            "input.members.1",
        ),
        (
            json!(vec![json!({"contactId": contacts[0]}); 501]),
            "input.members",
        ),
    ] {
        let body = app
            .gql(
                Some(&books.manager_token),
                MEMBERS,
                json!({"input": {"campaignId": fair["id"], "members": members}}),
            )
            .await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }
    // Only the owner and admins add members; the rep who sees the contacts may not.
    let other = app.token_for(&other_manager).await;
    for token in [&books.rep.token, &books.finance.token, &other] {
        let body = app
            .gql(
                Some(token),
                MEMBERS,
                json!({"input": {"campaignId": fair["id"], "members": [{"contactId": contacts[0]}]}}),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }

    // Counts cover the members each viewer may see: finance sees contacts but no leads,
    // another team's manager none of them; reps are refused the numbers.
    let counts =
        "query($id: ID!) { campaign(id: $id) { memberCounts { attended responded total } } }";
    let finance = app
        .gql(
            Some(&books.finance.token),
            counts,
            json!({"id": fair["id"]}),
        )
        .await;
    assert_eq!(
        finance["data"]["campaign"]["memberCounts"],
        json!({"attended": 1, "responded": 0, "total": 2}),
        "{finance}"
    );
    let elsewhere = app
        .gql(Some(&other), counts, json!({"id": fair["id"]}))
        .await;
    assert_eq!(
        elsewhere["data"]["campaign"]["memberCounts"]["total"], 0,
        "{elsewhere}"
    );
    let rep = app
        .gql(Some(&books.rep.token), counts, json!({"id": fair["id"]}))
        .await;
    assert_eq!(error_code(&rep), Some("FORBIDDEN"), "{rep}");
}
