//! Merging duplicate contacts and leads: what named the duplicates names the survivor, the
//! old ids answer with it, campaign memberships never repeat, and an undo puts it all back;
//! who may merge what.

use serde_json::{Value, json};

use crate::helpers::*;

const MERGE_CONTACTS: &str = "mutation($input: MergeContactsInput!) { mergeContacts(input: $input) { contact { id name phone email version } merge { id survivorId mergedIds moved } } }";
const MERGE_LEADS: &str = "mutation($input: MergeLeadsInput!) { mergeLeads(input: $input) { lead { id name company phone followUpCount version } merge { id survivorId mergedIds moved } } }";
const UNDO: &str = "mutation($input: UndoMergeInput!) { undoMerge(input: $input) { merge { undoneAt } customer { id } contact { id email } lead { id company followUpCount } } }";
const MEMBERS: &str =
    "mutation($input: AddCampaignMembersInput!) { addCampaignMembers(input: $input) { added } }";
const COUNTS: &str =
    "query($id: ID!) { node(id: $id) { ... on Campaign { memberCounts { total } } } }";

async fn made(app: &TestApp, token: &str, query: &str, input: Value, path: &[&str]) -> String {
    let body = app.gql(Some(token), query, json!({"input": input})).await;
    string_at(&body, path)
}

async fn a_contact(app: &TestApp, token: &str, customer: &str, input: Value) -> String {
    let mut input = input;
    input["customerId"] = json!(customer);
    made(
        app,
        token,
        "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
        input,
        &["data", "addContact", "contact", "id"],
    )
    .await
}

async fn a_lead(app: &TestApp, token: &str, input: Value) -> String {
    let mut input = input;
    input["source"] = json!("REFERRAL");
    made(
        app,
        token,
        "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
        input,
        &["data", "createLead", "lead", "id"],
    )
    .await
}

async fn a_campaign(app: &TestApp, token: &str) -> String {
    made(
        app,
        token,
        "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
        json!({"name": "Fair", "channel": "EXHIBITION", "startDate": "2026-12-01"}),
        &["data", "createCampaign", "campaign", "id"],
    )
    .await
}

async fn members(app: &TestApp, token: &str, campaign: &str) -> i64 {
    let body = app.gql(Some(token), COUNTS, json!({"id": campaign})).await;
    body["data"]["node"]["memberCounts"]["total"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"))
}

async fn node_id(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    body["data"]["node"]["id"].clone()
}

#[tokio::test]
async fn contacts_of_one_customer_merge_and_an_undo_puts_them_back() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Merge Co").await;
    let other = crate::fixtures::a_customer(&app, &rep.token, "Other Co").await;
    let ann = a_contact(
        &app,
        &rep.token,
        &customer,
        json!({"name": "Ann", "phone": "+8613800000011"}),
    )
    .await;
    let twin = a_contact(
        &app,
        &rep.token,
        &customer,
        json!({"name": "Ann Li", "email": "ann@merge.example"}),
    )
    .await;
    let elsewhere = a_contact(&app, &rep.token, &other, json!({"name": "Ann elsewhere"})).await;
    let deal = made(
        &app,
        &rep.token,
        "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
        json!({"customerId": customer, "name": "Merge deal", "amount": "10.00",
            "expectedCloseDate": "2027-03-31", "contactId": twin, "decisionMakerId": twin}),
        &["data", "createOpportunity", "opportunity", "id"],
    )
    .await;
    // Both in one campaign: after the merge the survivor is in it once.
    let fair = a_campaign(&app, &manager.token).await;
    let added = app
        .gql(
            Some(&manager.token),
            MEMBERS,
            json!({"input": {"campaignId": fair, "members": [{"contactId": ann}, {"contactId": twin}]}}),
        )
        .await;
    assert_eq!(added["data"]["addCampaignMembers"]["added"], 2, "{added}");

    let across = app
        .gql(
            Some(&rep.token),
            MERGE_CONTACTS,
            json!({"input": {"survivorId": ann, "mergedIds": [elsewhere]}}),
        )
        .await;
    assert_eq!(
        code_and_field(&across),
        (Some("BAD_USER_INPUT"), Some("input.mergedIds.0")),
        "{across}"
    );
    let merged = app
        .gql(
            Some(&rep.token),
            MERGE_CONTACTS,
            json!({"input": {"survivorId": ann, "mergedIds": [twin],
                "fieldChoices": [{"field": "EMAIL", "fromId": twin}]}}),
        )
        .await;
    assert!(merged["errors"].is_null(), "{merged}");
    let result = &merged["data"]["mergeContacts"];
    assert_eq!(result["contact"]["name"], "Ann");
    assert_eq!(result["contact"]["email"], "ann@merge.example");
    assert_eq!(result["contact"]["phone"], "+8613800000011");
    assert_eq!(result["merge"]["mergedIds"], json!([twin]));
    // The deal as contact and as decision maker; the repeated membership went, not moved.
    assert_eq!(result["merge"]["moved"], 2, "{merged}");
    let merge_id = result["merge"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let deal_card = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { opportunity(id: $id) { contact { id } decisionMaker { id } } }",
            json!({"id": deal}),
        )
        .await;
    assert_eq!(
        deal_card["data"]["opportunity"],
        json!({"contact": {"id": ann}, "decisionMaker": {"id": ann}}),
        "{deal_card}"
    );
    assert_eq!(
        node_id(&app, &rep.token, &twin).await,
        json!(ann),
        "the old id answers with the survivor"
    );
    assert_eq!(members(&app, &manager.token, &fair).await, 1);

    let undone = app
        .gql(Some(&rep.token), UNDO, json!({"input": {"id": merge_id}}))
        .await;
    assert!(undone["errors"].is_null(), "{undone}");
    assert_eq!(
        undone["data"]["undoMerge"]["contact"],
        json!({"id": ann, "email": null})
    );
    assert!(undone["data"]["undoMerge"]["customer"].is_null());
    assert_eq!(node_id(&app, &rep.token, &twin).await, json!(twin));
    let deal_card = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { opportunity(id: $id) { contact { id } decisionMaker { id } } }",
            json!({"id": deal}),
        )
        .await;
    assert_eq!(
        deal_card["data"]["opportunity"],
        json!({"contact": {"id": twin}, "decisionMaker": {"id": twin}}),
        "{deal_card}"
    );
    assert_eq!(members(&app, &manager.token, &fair).await, 2);
}

#[tokio::test]
async fn open_leads_merge_with_their_follow_ups_and_an_undo_puts_them_back() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let keep = a_lead(
        &app,
        &rep.token,
        json!({"name": "Zhao Lei", "phone": "+8613800000012"}),
    )
    .await;
    let twin = a_lead(
        &app,
        &rep.token,
        json!({"name": "Lei Zhao", "company": "Zhao Trading", "email": "zhao@trade.example"}),
    )
    .await;
    let closed = a_lead(&app, &rep.token, json!({"name": "Closed lead"})).await;
    let logged = app
        .gql(
            Some(&rep.token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": twin, "kind": "CALL", "content": "Called, interested"}}),
        )
        .await;
    assert!(logged["errors"].is_null(), "{logged}");
    let out = app
        .gql(
            Some(&rep.token),
            "mutation($input: DisqualifyLeadInput!) { disqualifyLead(input: $input) { lead { status } } }",
            json!({"input": {"id": closed, "reason": "Not a buyer"}}),
        )
        .await;
    assert!(out["errors"].is_null(), "{out}");
    app.clock.advance(chrono::Duration::minutes(2));
    let synced = app
        .gql(
            Some(&rep.token),
            "{ leads(first: 10) { serverTime } }",
            json!({}),
        )
        .await;
    let since = string_at(&synced, &["data", "leads", "serverTime"]);
    app.clock.advance(chrono::Duration::minutes(2));

    let refused = app
        .gql(
            Some(&rep.token),
            MERGE_LEADS,
            json!({"input": {"survivorId": keep, "mergedIds": [closed]}}),
        )
        .await;
    assert_eq!(
        code_and_field(&refused),
        (Some("INVALID_STATE"), Some("input.mergedIds.0")),
        "{refused}"
    );
    let merged = app
        .gql(
            Some(&rep.token),
            MERGE_LEADS,
            json!({"input": {"survivorId": keep, "mergedIds": [twin],
                "fieldChoices": [{"field": "COMPANY", "fromId": twin}]}}),
        )
        .await;
    assert!(merged["errors"].is_null(), "{merged}");
    let lead = &merged["data"]["mergeLeads"]["lead"];
    assert_eq!(lead["name"], "Zhao Lei");
    assert_eq!(lead["company"], "Zhao Trading");
    assert_eq!(lead["phone"], "+8613800000012");
    assert_eq!(
        lead["followUpCount"], 1,
        "the twin's follow-up counts: {merged}"
    );
    let merge_id = string_at(&merged, &["data", "mergeLeads", "merge", "id"]);
    let old = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { lead(id: $id) { id followUps(first: 5) { nodes { content } } } }",
            json!({"id": twin}),
        )
        .await;
    assert_eq!(old["data"]["lead"]["id"], keep.as_str(), "{old}");
    assert_eq!(
        old["data"]["lead"]["followUps"]["nodes"],
        json!([{"content": "Called, interested"}]),
        "{old}"
    );
    let delta = app
        .gql(
            Some(&rep.token),
            "query($since: DateTime) { leads(filter: {updatedSince: $since}, first: 10) { removedIds } }",
            json!({"since": since}),
        )
        .await;
    assert!(
        delta["data"]["leads"]["removedIds"]
            .as_array()
            .is_some_and(|ids| ids.contains(&json!(twin))),
        "phones learn the twin went: {delta}"
    );

    let undone = app
        .gql(Some(&rep.token), UNDO, json!({"input": {"id": merge_id}}))
        .await;
    assert!(undone["errors"].is_null(), "{undone}");
    assert_eq!(
        undone["data"]["undoMerge"]["lead"],
        json!({"id": keep, "company": null, "followUpCount": 0})
    );
    let back = app
        .gql(
            Some(&rep.token),
            "query($id: ID!) { lead(id: $id) { id company followUpCount } }",
            json!({"id": twin}),
        )
        .await;
    assert_eq!(
        back["data"]["lead"],
        json!({"id": twin, "company": "Zhao Trading", "followUpCount": 1}),
        "{back}"
    );
}

#[tokio::test]
async fn only_sellers_who_may_work_every_record_merge_contacts_and_leads() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let stranger = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Owned Co").await;
    let one = a_contact(&app, &rep.token, &customer, json!({"name": "One"})).await;
    let two = a_contact(&app, &rep.token, &customer, json!({"name": "Two"})).await;
    let theirs = crate::fixtures::a_customer(&app, &stranger.token, "Their Co").await;
    let hidden = a_contact(&app, &stranger.token, &theirs, json!({"name": "Hidden"})).await;
    let lead = a_lead(&app, &rep.token, json!({"name": "Mine"})).await;
    let their_lead = a_lead(&app, &stranger.token, json!({"name": "Theirs"})).await;
    let pooled = made(
        &app,
        &rep.token,
        "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
        json!({"name": "Pooled", "source": "REFERRAL", "assign": "POOL"}),
        &["data", "createLead", "lead", "id"],
    )
    .await;

    // Finance and customer service see the contacts but merge none.
    for token in [&finance.token, &support.token] {
        let body = app
            .gql(
                Some(token),
                MERGE_CONTACTS,
                json!({"input": {"survivorId": one, "mergedIds": [two]}}),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let cases = [
        (
            MERGE_CONTACTS,
            json!({"survivorId": one, "mergedIds": [hidden]}),
            "NOT_FOUND",
            "input.mergedIds.0",
        ),
        (
            MERGE_CONTACTS,
            json!({"survivorId": hidden, "mergedIds": [one]}),
            "NOT_FOUND",
            "input.survivorId",
        ),
        (
            MERGE_CONTACTS,
            json!({"survivorId": one, "mergedIds": [one]}),
            "BAD_USER_INPUT",
            "input.mergedIds",
        ),
        (
            MERGE_CONTACTS,
            json!({"survivorId": one, "mergedIds": [two], "fieldChoices": [{"field": "NAME", "fromId": hidden}]}),
            "BAD_USER_INPUT",
            "input.fieldChoices.0.fromId",
        ),
        (
            MERGE_LEADS,
            json!({"survivorId": lead, "mergedIds": [their_lead]}),
            "NOT_FOUND",
            "input.mergedIds.0",
        ),
        // Every seller sees the pool; a pooled lead is claimed before it is worked.
        (
            MERGE_LEADS,
            json!({"survivorId": lead, "mergedIds": [pooled]}),
            "INVALID_STATE",
            "input.mergedIds.0",
        ),
        (
            MERGE_LEADS,
            json!({"survivorId": lead, "mergedIds": []}),
            "BAD_USER_INPUT",
            "input.mergedIds",
        ),
        (
            MERGE_LEADS,
            json!({"survivorId": lead, "mergedIds": [customer]}),
            "BAD_USER_INPUT",
            "input.mergedIds.0",
        ),
    ];
    for (query, input, code, field) in cases {
        let body = app
            .gql(Some(&rep.token), query, json!({"input": input}))
            .await;
        assert_eq!(
            code_and_field(&body),
            (Some(code), Some(field)),
            "{input}: {body}"
        );
    }
    // Nothing moved.
    assert_eq!(node_id(&app, &rep.token, &two).await, json!(two));
    assert_eq!(node_id(&app, &rep.token, &pooled).await, json!(pooled));
}

#[tokio::test]
async fn racing_merges_of_one_duplicate_merge_it_once_and_bad_lists_are_refused() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let rep = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let keep = a_lead(&app, &rep.token, json!({"name": "Keep"})).await;
    let other = a_lead(&app, &rep.token, json!({"name": "Other"})).await;
    let twin = a_lead(&app, &rep.token, json!({"name": "Twin"})).await;
    // Finance reads no leads and customer service sees none: neither merges.
    for token in [&finance.token, &support.token] {
        let body = app
            .gql(
                Some(token),
                MERGE_LEADS,
                json!({"input": {"survivorId": keep, "mergedIds": [twin]}}),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Counted Co").await;
    let contact = a_contact(&app, &rep.token, &customer, json!({"name": "Counted"})).await;
    let eleven: Vec<String> = (0..11).map(|_| missing_id("Contact")).collect();
    let repeated = missing_id("Contact");
    for (query, input) in [
        (
            MERGE_CONTACTS,
            json!({"survivorId": contact, "mergedIds": eleven}),
        ),
        (
            MERGE_CONTACTS,
            json!({"survivorId": contact, "mergedIds": [repeated, repeated]}),
        ),
        (
            MERGE_LEADS,
            json!({"survivorId": keep, "mergedIds": [twin, twin]}),
        ),
        (
            MERGE_LEADS,
            json!({"survivorId": keep, "mergedIds": [keep]}),
        ),
    ] {
        let body = app
            .gql(Some(&rep.token), query, json!({"input": input}))
            .await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some("input.mergedIds")),
            "{input}: {body}"
        );
    }

    // Two phones merge the same twin at once, into two survivors: it goes once.
    let merges = [&keep, &other].map(|survivor| {
        app.gql(
            Some(&rep.token),
            MERGE_LEADS,
            json!({"input": {"survivorId": survivor, "mergedIds": [twin]}}),
        )
    });
    let answers = futures_util::future::join_all(merges).await;
    let merged = answers.iter().filter(|a| a["errors"].is_null()).count();
    assert_eq!(merged, 1, "{answers:?}");
    for refused in answers.iter().filter(|a| !a["errors"].is_null()) {
        assert_eq!(
            code_and_field(refused),
            (Some("NOT_FOUND"), Some("input.mergedIds.0")),
            "{refused}"
        );
    }
    let listed = app
        .gql(
            Some(&rep.token),
            "{ leads(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["data"]["leads"]["totalCount"], 2, "{listed}");

    // Two undos of that merge at once: it is undone once.
    let merge_id = answers
        .iter()
        .find(|a| a["errors"].is_null())
        .map(|a| string_at(a, &["data", "mergeLeads", "merge", "id"]))
        .unwrap_or_default();
    let undos = (0..2).map(|_| app.gql(Some(&rep.token), UNDO, json!({"input": {"id": merge_id}})));
    let answers = futures_util::future::join_all(undos).await;
    assert_eq!(
        answers.iter().filter(|a| a["errors"].is_null()).count(),
        1,
        "{answers:?}"
    );
    for refused in answers.iter().filter(|a| !a["errors"].is_null()) {
        assert_eq!(
            code_and_field(refused),
            (Some("INVALID_STATE"), Some("input.id")),
            "{refused}"
        );
    }
    let listed = app
        .gql(
            Some(&rep.token),
            "{ leads(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["data"]["leads"]["totalCount"], 3, "{listed}");
}
