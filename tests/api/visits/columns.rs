//! The morning list reads only the columns its selection needs: every field, asked alone (so
//! that the fewest columns are read for it), answers as the same task read whole through
//! `visitTasks` does.

use super::*;

/// Every field of a task and of what the morning list joins in, each asked alone.
const ALONE: &[&str] = &[
    "version",
    "status",
    "purpose",
    "plannedStart",
    "plannedEnd",
    "localDate",
    "address",
    "location { lat lng }",
    "checkIn { at deviceTime location { lat lng } accuracyMeters distanceMeters onSite verified }",
    "checkOut { at deviceTime summary outcome nextStep durationMinutes }",
    "cancelledAt",
    "cancelReason",
    "missedAt",
    "leadId",
    "createdAt",
    "updatedAt",
    "lead { id name }",
    "assignee { id displayName }",
    "createdBy { id }",
    "nextVisit { id plannedStart }",
    "__typename",
    "customer { id }",
    "customer { name }",
    "customer { industry }",
    "customer { region }",
    "customer { address }",
    "customer { location { lat lng } }",
    "customer { grade }",
    "customer { storedGrade gradePin { reason } health { score } }",
    "customer { createdAt }",
    "customer { updatedAt }",
    "customer { version }",
    "customer { owner { id displayName } }",
    "customer { contacts(first: 2) { totalCount nodes { name } } }",
    "customer { opportunities(first: 2) { totalCount nodes { name } } }",
    "customer { visits(first: 2) { totalCount } }",
    "customer { invoices(first: 2) { totalCount } }",
    "customer { receivable { outstanding overdue credit } }",
    "customer { contracts(first: 2) { totalCount } }",
    "customer { followUps(first: 2) { totalCount } }",
    "customer { lastFollowUp { id } }",
    "customer { lastFollowUp { subjectId } }",
    "customer { lastFollowUp { kind } }",
    "customer { lastFollowUp { content } }",
    "customer { lastFollowUp { occurredAt } }",
    "customer { lastFollowUp { nextFollowUpAt } }",
    "customer { lastFollowUp { createdAt updatedAt } }",
    "customer { lastFollowUp { subject { __typename ... on Customer { id name } } } }",
    "customer { lastFollowUp { author { id } } }",
    "contact { id }",
    "contact { customerId }",
    "contact { name }",
    "contact { title }",
    "contact { phone }",
    "contact { email }",
    "contact { createdAt updatedAt version }",
    "contact { customer { id name } }",
    "opportunity { id }",
    "opportunity { name }",
    "opportunity { amount }",
    "opportunity { status }",
    "opportunity { forecastCategory }",
    "opportunity { expectedCloseDate }",
    "opportunity { closedAt lostReason }",
    "opportunity { stageEnteredAt }",
    "opportunity { createdAt updatedAt version }",
    "opportunity { customer { id name } }",
    "opportunity { owner { id } }",
    "opportunity { probability weightedAmount daysInStage isStale }",
    "opportunity { splits { percent } }",
    "opportunity { visits(first: 2) { totalCount } contracts(first: 2) { totalCount } stageHistory(first: 2) { totalCount } }",
    "opportunity { stage { id } }",
    "opportunity { stage { name } }",
    "opportunity { stage { position probability kind } }",
    "opportunity { stage { maxDaysInStage archived } }",
    "opportunity { stage { createdAt updatedAt version } }",
];

#[tokio::test]
async fn every_field_of_the_morning_list_answers_as_the_whole_record_does() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let rep = app.a_user().timezone("Asia/Shanghai").create().await;
    // Every column set, so that one left unread shows.
    let customer = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": "Columns Co", "industry": "Logistics", "region": "East",
                "address": "120 Renmin Avenue",
                "location": {"lat": SQUARE.0, "lng": SQUARE.1}}}),
        )
        .await["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pinned = app
        .admin(
            "mutation($input: PinCustomerGradeInput!) { pinCustomerGrade(input: $input) { customer { id } } }",
            json!({"input": {"id": customer, "grade": "A", "reason": "Key account"}}),
        )
        .await;
    assert!(pinned["errors"].is_null(), "{pinned}");
    let contact = app
        .gql(
            Some(&rep.token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": "Han Meimei", "title": "Buyer",
                "phone": "+86 139 0000 1111", "email": "han@columns.example"}}),
        )
        .await["data"]["addContact"]["contact"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deal = a_deal_with(&app, &rep.token, &customer).await;
    let lead = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": "More at Columns Co", "source": "REFERRAL"}}),
        )
        .await["data"]["createLead"]["lead"]["id"]
        .clone();
    let links = json!({"contactId": contact, "opportunityId": deal, "leadId": lead});
    // One visit made (checked in and out, with a next visit), one cancelled, one planned.
    let made = planned(
        &app,
        &rep.token,
        with(
            a_visit(&customer, at("2026-11-25T02:00:00Z")),
            links.clone(),
        ),
    )
    .await;
    let arrived = now(&app);
    let body = check_in(
        &app,
        &rep.token,
        check_in_input(&made["id"], SQUARE.0, SQUARE.1, 8.0, arrived),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    app.clock.advance(Duration::minutes(30));
    let token = app.token_for(&rep).await;
    let body = check_out(
        &app,
        &token,
        json!({"id": made["id"], "summary": "Met the buyer", "outcome": "POSITIVE",
            "nextStep": "Send the quote", "nextVisitAt": at("2026-11-27T02:00:00Z"),
            "deviceTime": now(&app)}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let dropped = planned(&app, &token, a_visit(&customer, at("2026-11-25T05:00:00Z"))).await;
    let body = cancel(
        &app,
        &token,
        json!({"id": dropped["id"], "reason": "Buyer away", "expectedVersion": dropped["version"]}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    planned(
        &app,
        &token,
        with(a_visit(&customer, at("2026-11-25T07:00:00Z")), links),
    )
    .await;

    for item in ALONE {
        let morning = app
            .gql(
                Some(&token),
                &format!("{{ myVisitTasks(date: \"2026-11-25\", includeCancelled: true) {{ id {item} }} }}"),
                json!({}),
            )
            .await;
        assert!(morning["errors"].is_null(), "{item}: {morning}");
        let whole = app
            .gql(
                Some(&token),
                &format!("{{ visitTasks(first: 10) {{ nodes {{ id {item} }} }} }}"),
                json!({}),
            )
            .await;
        assert!(whole["errors"].is_null(), "{item}: {whole}");
        let tasks = morning["data"]["myVisitTasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 3, "{item}: {morning}");
        for task in tasks {
            let same = whole["data"]["visitTasks"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == task["id"])
                .unwrap_or_else(|| panic!("{item}: {task} not in {whole}"));
            assert_eq!(task, same, "{item}");
        }
    }
}
