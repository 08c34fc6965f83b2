//! Customer service (`SUPPORT`): reads every customer, contact, contract and order, works the
//! after-sales records, and changes no sales record. Both walks cover every root field the
//! server introspects, so a new query or mutation fails here until its place for customer
//! service is decided.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::existence::{World, call, cases, with_id, world};
use crate::helpers::*;

/// Mutations customer service may call: signing in and out, its own password, notifications
/// and to-dos (each tested with its domain).
const SUPPORT_MAY: &[&str] = &[
    "login",
    "logout",
    "refreshToken",
    "changePassword",
    "markNotificationsRead",
    "createActivity",
    "updateActivity",
    "completeActivity",
    "completeCallback",
    "rescheduleCallback",
    "openTicket",
    "assignTicket",
    "commentOnTicket",
    "changeTicketStatus",
    // Reads what it sees into a file (tests/api/exports.rs).
    "startExport",
];

/// Root field names of `Query` or `Mutation`, from the server's own introspection.
async fn root_fields(app: &TestApp, root: &str) -> BTreeSet<String> {
    let body = app
        .admin(
            &format!("{{ __schema {{ {root} {{ fields {{ name }} }} }} }}"),
            json!({}),
        )
        .await;
    body["data"]["__schema"][root]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_owned))
        .collect()
}

/// Inputs for the mutations whose inputs name no record (or only records everyone sees).
fn nameless_inputs(w: &World) -> Vec<(&'static str, Value)> {
    let any = |kind: &str| missing_id(kind);
    vec![
        ("createCustomer", json!({"name": "Support Co"})),
        ("startImport", json!({"type": "CUSTOMERS"})),
        (
            "mergeCustomers",
            json!({"survivorId": w.customer_b, "mergedIds": [w.signed_customer_b]}),
        ),
        ("undoMerge", json!({"id": any("Merge")})),
        (
            "createCampaign",
            json!({"name": "Fair", "channel": "EXHIBITION", "startDate": "2026-12-01"}),
        ),
        (
            "updateCampaign",
            json!({"id": any("Campaign"), "expectedVersion": 1, "name": "Renamed"}),
        ),
        (
            "addCampaignMembers",
            json!({"campaignId": w.campaign_b, "members": [{"contactId": w.contact_a}]}),
        ),
        (
            "recordCampaignCost",
            json!({"campaignId": any("Campaign"), "amount": "10.00", "incurredOn": "2026-12-01"}),
        ),
        ("updateCallbackRules", json!({"rules": []})),
        (
            "createWebhook",
            json!({"url": "https://erp.example.com/hooks", "eventTypes": ["DEAL_WON"]}),
        ),
        (
            "updateWebhook",
            json!({"id": any("Webhook"), "expectedVersion": 1, "enabled": false}),
        ),
        (
            "rotateWebhookSecret",
            json!({"id": any("Webhook"), "expectedVersion": 1}),
        ),
        ("deleteWebhook", json!({"id": any("Webhook")})),
        (
            "redeliverWebhook",
            json!({"deliveryId": any("WebhookDelivery")}),
        ),
        (
            "createServiceAccount",
            json!({"name": "ERP", "role": "SUPPORT", "scopes": ["service:read"]}),
        ),
        (
            "updateServiceAccount",
            json!({"id": any("ServiceAccount"), "expectedVersion": 1, "active": false}),
        ),
        (
            "createApiKey",
            json!({"serviceAccountId": any("ServiceAccount"), "name": "k"}),
        ),
        ("revokeApiKey", json!({"id": any("ApiKey")})),
        (
            "updateTicketSla",
            json!({"targets": [{"priority": "LOW", "hours": 1}]}),
        ),
        ("createCompetitor", json!({"name": "Rival"})),
        ("createPriceBook", json!({"name": "Support prices"})),
        ("createProductLine", json!({"name": "Support line"})),
        (
            "createProduct",
            json!({"code": "S-1", "name": "Support product", "listPrice": "1.00"}),
        ),
        ("createTeam", json!({"name": "Support team"})),
        (
            "createUser",
            json!({"email": "s@test.local", "displayName": "S", "role": "SALES_REP", "password": "long-enough-1"}),
        ),
        (
            "updateUser",
            json!({"id": w.a.rep.id, "expectedVersion": 1, "displayName": "Renamed"}),
        ),
        (
            "updateTeam",
            json!({"id": w.a_team, "expectedVersion": 1, "name": "Renamed"}),
        ),
        (
            "archivePriceBook",
            json!({"id": any("PriceBook"), "expectedVersion": 1}),
        ),
        (
            "updatePriceBook",
            json!({"id": any("PriceBook"), "expectedVersion": 1}),
        ),
        (
            "setPriceBookEntries",
            json!({"priceBookId": any("PriceBook"), "expectedVersion": 1, "entries": [], "removeProductIds": []}),
        ),
        (
            "archiveProduct",
            json!({"id": any("Product"), "expectedVersion": 1}),
        ),
        (
            "updateProduct",
            json!({"id": any("Product"), "expectedVersion": 1}),
        ),
        (
            "archiveProductLine",
            json!({"id": any("ProductLine"), "expectedVersion": 1}),
        ),
        (
            "updateProductLine",
            json!({"id": any("ProductLine"), "expectedVersion": 1}),
        ),
        ("updateCompetitor", json!({"id": any("Competitor")})),
        (
            "setSalesTarget",
            json!({"period": "2027-01", "scope": "COMPANY", "amount": "100.00"}),
        ),
        (
            "submitDailyReport",
            json!({"date": "2026-12-01", "summary": "Calls"}),
        ),
        (
            "submitWeeklyReport",
            json!({"week": "2026-11-30", "summary": "Calls"}),
        ),
        ("submitForecast", json!({"period": "2026-12"})),
        (
            "updateApprovalPolicy",
            json!({"kind": "CONTRACT", "tiers": [{"minAmount": "0", "steps": ["FINANCE"]}]}),
        ),
        (
            "updateCloseReasons",
            json!({"kind": "WIN", "reasons": [{"name": "Price", "archived": false}]}),
        ),
        (
            "updatePipelineStages",
            json!({"stages": [{"name": "Only", "probability": 10, "kind": "OPEN", "archived": false}]}),
        ),
        (
            "updateQuoteSettings",
            json!({"maxTotalDiscountPercent": "50"}),
        ),
        (
            "updateCustomerHealthRules",
            json!({"rules": {
                "weights": {"purchasing": 20, "repeat": 20, "influence": 20, "engagement": 20, "service": 20},
                "purchasingFullAmount": "1000.00", "repeatPerPurchase": 10, "engagementWindowDays": 30,
                "engagementPerVisit": 10, "engagementPerFollowUp": 5, "serviceUnrated": 50,
                "servicePerOpenTicket": 10, "gradeAMin": 60, "gradeBMin": 30, "influenceLevels": []}}),
        ),
        (
            "updateScoringRules",
            json!({"rules": {
                "budget": {"yes": 1, "no": 0, "unknown": 0},
                "authority": {"yes": 1, "no": 0, "unknown": 0},
                "need": {"yes": 1, "no": 0, "unknown": 0},
                "timeline": {"within3Months": 1, "within6Months": 1, "later": 0, "unknown": 0},
                "engagementPerFollowUp": 1, "engagementMax": 5,
                "source": {"webForm": 1, "referral": 1, "event": 1, "coldCall": 1, "campaign": 1, "other": 0},
                "gradeAMin": 5, "gradeBMin": 2}}),
        ),
    ]
}

/// What the admin sees of team A's records: it must not move while customer service walks.
async fn snapshot(app: &TestApp, w: &World) -> Value {
    app.admin(
        "query($c: ID!, $k: ID!, $o: ID!, $d: ID!, $q: ID!) {
           customer(id: $c) { version name grade contacts { nodes { id version } } }
           contract(id: $k) { version status collectionPlan { id amount } }
           order(id: $o) { version status deliveredAmount }
           opportunity(id: $d) { version stage { id } amount }
           quote(id: $q) { version status }
           leads(first: 100) { nodes { id version status } }
           customers(first: 100) { totalCount }
           products(first: 100) { totalCount }
           competitors { id }
           pipelineStages { id name }
           teams(first: 100) { nodes { id name } }
           users(first: 100) { nodes { id displayName role } }
           payments(first: 100) { nodes { id } }
           salesTargets { amount }
         }",
        json!({"c": w.customer_a, "k": w.contract_a, "o": w.order_a, "d": w.deal_a, "q": w.quote_a}),
    )
    .await
}

#[tokio::test]
async fn customer_service_changes_no_sales_record_through_any_mutation() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let now = salesgraph::clock::Clock::now(&app.clock);
    let before = snapshot(&app, &w).await;
    assert!(before["errors"].is_null(), "{before}");

    let mut walked: BTreeSet<String> = SUPPORT_MAY.iter().map(|m| (*m).to_owned()).collect();
    let calls = cases(&w, now)
        .into_iter()
        .map(|case| (case.mutation, with_id(&case.input, &case.hidden)))
        .chain(nameless_inputs(&w));
    for (mutation, input) in calls {
        if SUPPORT_MAY.contains(&mutation) {
            continue;
        }
        walked.insert(mutation.to_owned());
        let answered = call(&app, &support.token, mutation, input.clone()).await;
        let code = &answered["errors"][0][0];
        assert!(
            answered["data"].is_null() && (code == "FORBIDDEN" || code == "NOT_FOUND"),
            "{mutation} {input}: customer service is refused, as if the record were missing \
             where it cannot see it: {answered}"
        );
    }
    assert_eq!(
        walked,
        root_fields(&app, "mutationType").await,
        "every mutation is walked or listed as customer service's"
    );
    assert_eq!(snapshot(&app, &w).await, before, "nothing was written");
}

/// What customer service gets from one root field.
enum Expect {
    /// `FORBIDDEN`: a seller's numbers.
    Forbidden,
    /// Nothing: an error that a missing record gives, or `null` at the path.
    Nothing(&'static [&'static str]),
    /// An empty list at the path.
    Empty(&'static [&'static str]),
    /// Something at the path (a record, or a list with entries).
    Sees(&'static [&'static str]),
    /// An answer without errors (configuration, the catalogue, its own things).
    Answers,
}

struct Probe {
    field: &'static str,
    query: String,
    expect: Expect,
}

fn probes(w: &World) -> Vec<Probe> {
    use Expect::*;
    let one = |field: &'static str, query: String, expect| Probe {
        field,
        query,
        expect,
    };
    let by_id = |field: &'static str, id: &str, expect| Probe {
        field,
        query: format!("{{ {field}(id: \"{id}\") {{ id }} }}"),
        expect,
    };
    let list = |field: &'static str, expect| Probe {
        field,
        query: format!("{{ {field}(first: 50) {{ nodes {{ id }} }} }}"),
        expect,
    };
    let dates = "from: \"2026-01-01\", to: \"2027-12-31\"";
    vec![
        one("serverInfo", "{ serverInfo { __typename } }".into(), Answers),
        one("callbackRules", "{ callbackRules { id } }".into(), Answers),
        one(
            "campaigns",
            "{ campaigns(first: 5) { nodes { id name } } }".into(),
            Answers,
        ),
        by_id("campaign", &missing_id("Campaign"), Nothing(&["campaign"])),
        by_id(
            "importJob",
            &missing_id("ImportJob"),
            Nothing(&["importJob"]),
        ),
        // Only what customer service deleted itself (its own to-dos).
        list("recycleBin", Empty(&["recycleBin", "nodes"])),
        one(
            "activityReport",
            "{ activityReport(input: {period: \"2026-W49\", groupBy: USER}) { groupName } }".into(),
            Forbidden,
        ),
        one("webhooks", "{ webhooks { id } }".into(), Forbidden),
        one(
            "serviceAccounts",
            "{ serviceAccounts { id } }".into(),
            Forbidden,
        ),
        one("auditLog", "{ auditLog { nodes { id } } }".into(), Forbidden),
        one(
            "webhookDeliveries",
            "{ webhookDeliveries { nodes { id } } }".into(),
            Forbidden,
        ),
        one(
            "targetPlan",
            "{ targetPlan(input: {period: \"2026-12\", scope: COMPANY}) { dealsNeeded } }".into(),
            Forbidden,
        ),
        one(
            "campaignReport",
            format!("{{ campaignReport(input: {{{dates}}}) {{ total {{ cost }} }} }}"),
            Forbidden,
        ),
        one(
            "customerHealthRules",
            "{ customerHealthRules { gradeAMin } }".into(),
            Answers,
        ),
        list("tickets", Sees(&["tickets", "nodes"])),
        by_id("ticket", &w.ticket_a, Sees(&["ticket"])),
        one("ticketSla", "{ ticketSla { hours } }".into(), Answers),
        one(
            "serviceReport",
            "{ serviceReport(input: {from: \"2026-01-01\", to: \"2026-12-31\", groupBy: PRIORITY}) { total { opened } } }"
                .into(),
            Answers,
        ),
        list("callbacks", Sees(&["callbacks", "nodes"])),
        one("myCallbacks", "{ myCallbacks { id } }".into(), Empty(&["myCallbacks"])),
        by_id("node", &w.customer_a, Sees(&["node"])),
        by_id("node", &w.contract_a, Sees(&["node"])),
        by_id("node", &w.order_a, Sees(&["node"])),
        by_id("node", &w.contact_a, Sees(&["node"])),
        by_id("node", &w.deal_a, Nothing(&["node"])),
        by_id("node", &w.lead_a, Nothing(&["node"])),
        by_id("node", &w.quote_a, Nothing(&["node"])),
        by_id("node", &w.visit_a, Nothing(&["node"])),
        by_id("node", &w.invoice_a, Nothing(&["node"])),
        by_id("node", &w.payment_a, Nothing(&["node"])),
        by_id("node", &w.installment_a, Nothing(&["node"])),
        by_id("node", &w.refund_a, Nothing(&["node"])),
        by_id("node", &w.activity_a, Nothing(&["node"])),
        by_id("node", &w.report_a, Nothing(&["node"])),
        by_id("node", &w.submission_a, Nothing(&["node"])),
        by_id("node", &w.notification_a, Nothing(&["node"])),
        one(
            "nodes",
            format!(
                "{{ nodes(ids: [\"{}\", \"{}\"]) {{ id }} }}",
                w.deal_a, w.lead_a
            ),
            Nothing(&["nodes", "0"]),
        ),
        one(
            "nodes",
            format!("{{ nodes(ids: [\"{}\", \"{}\"]) {{ id }} }}", w.quote_a, w.visit_a),
            Nothing(&["nodes", "1"]),
        ),
        one("me", "{ me { role } }".into(), Answers),
        by_id("user", &w.a.rep.id, Answers),
        one("users", "{ users(first: 50) { nodes { id } } }".into(), Forbidden),
        list("teams", Forbidden),
        list("customers", Sees(&["customers", "nodes"])),
        by_id("customer", &w.customer_a, Sees(&["customer"])),
        one(
            "customer",
            format!(
                "{{ customer(id: \"{}\") {{ opportunities {{ nodes {{ id }} }} }} }}",
                w.customer_a
            ),
            Empty(&["customer", "opportunities", "nodes"]),
        ),
        one(
            "customer",
            format!(
                "{{ customer(id: \"{}\") {{ visits {{ nodes {{ id }} }} }} }}",
                w.customer_a
            ),
            Empty(&["customer", "visits", "nodes"]),
        ),
        one(
            "customer",
            format!(
                "{{ customer(id: \"{}\") {{ contacts {{ nodes {{ id }} }} }} }}",
                w.customer_a
            ),
            Sees(&["customer", "contacts", "nodes"]),
        ),
        list("leads", Forbidden),
        list("leadPool", Forbidden),
        by_id("lead", &w.lead_a, Nothing(&["lead"])),
        one("scoringRules", "{ scoringRules { gradeAMin } }".into(), Answers),
        list("notifications", Answers),
        one("pipelineStages", "{ pipelineStages { id } }".into(), Answers),
        list("opportunities", Empty(&["opportunities", "nodes"])),
        by_id("opportunity", &w.deal_a, Nothing(&["opportunity"])),
        one(
            "funnel",
            format!("{{ funnel(input: {{{dates}, scope: COMPANY}}) {{ __typename }} }}"),
            Forbidden,
        ),
        one(
            "forecast",
            format!("{{ forecast(input: {{{dates}, scope: COMPANY}}) {{ __typename }} }}"),
            Forbidden,
        ),
        one(
            "staleOpportunities",
            "{ staleOpportunities(first: 5) { nodes { id } } }".into(),
            Forbidden,
        ),
        one("winReasons", "{ winReasons { id } }".into(), Answers),
        one("lossReasons", "{ lossReasons { id } }".into(), Answers),
        one("competitors", "{ competitors { id } }".into(), Answers),
        one(
            "winLossReport",
            format!(
                "{{ winLossReport(input: {{{dates}, scope: COMPANY, groupBy: REASON}}) {{ __typename }} }}"
            ),
            Forbidden,
        ),
        one(
            "forecastDraft",
            "{ forecastDraft(period: \"2026-12\") { __typename } }".into(),
            Forbidden,
        ),
        one(
            "companyForecast",
            "{ companyForecast(period: \"2026-12\") { __typename } }".into(),
            Forbidden,
        ),
        one(
            "forecastSubmissions",
            "{ forecastSubmissions { id } }".into(),
            Forbidden,
        ),
        list("activities", Empty(&["activities", "nodes"])),
        one("myAgenda", "{ myAgenda { __typename } }".into(), Answers),
        one(
            "attachments",
            format!(
                "{{ attachments(subjectId: \"{}\") {{ nodes {{ id }} }} }}",
                w.customer_a
            ),
            Sees(&["attachments", "nodes"]),
        ),
        one(
            "attachments",
            format!(
                "{{ attachments(subjectId: \"{}\") {{ nodes {{ id }} }} }}",
                w.visit_a
            ),
            Nothing(&["attachments"]),
        ),
        one(
            "myDailyReport",
            "{ myDailyReport { id } }".into(),
            Answers,
        ),
        one(
            "myWeeklyReport",
            "{ myWeeklyReport { id } }".into(),
            Answers,
        ),
        list("dailyReports", Empty(&["dailyReports", "nodes"])),
        list("weeklyReports", Empty(&["weeklyReports", "nodes"])),
        one(
            "search",
            "{ search(query: \"Hidden\", types: [LEAD, OPPORTUNITY]) { __typename } }".into(),
            Empty(&["search"]),
        ),
        one(
            "search",
            "{ search(query: \"Hidden\") { __typename } }".into(),
            Sees(&["search"]),
        ),
        one(
            "myVisitTasks",
            "{ myVisitTasks { id } }".into(),
            Empty(&["myVisitTasks"]),
        ),
        one(
            "myVisitRoute",
            "{ myVisitRoute { __typename } }".into(),
            Answers,
        ),
        list("visitTasks", Empty(&["visitTasks", "nodes"])),
        by_id("visitTask", &w.visit_a, Nothing(&["visitTask"])),
        one(
            "visitStats",
            format!("{{ visitStats(input: {{{dates}, scope: COMPANY}}) {{ __typename }} }}"),
            Forbidden,
        ),
        one(
            "nearbyCustomers",
            "{ nearbyCustomers(location: {lat: 31.2, lng: 121.4}, radiusMeters: 1000) { __typename } }"
                .into(),
            Answers,
        ),
        list("contracts", Sees(&["contracts", "nodes"])),
        by_id("contract", &w.contract_a, Sees(&["contract"])),
        one(
            "contract",
            format!(
                "{{ contract(id: \"{}\") {{ opportunity {{ id }} collectionPlan {{ id }} invoices {{ nodes {{ id }} }} }} }}",
                w.contract_a
            ),
            Empty(&["contract", "collectionPlan"]),
        ),
        one(
            "approvalPolicy",
            "{ approvalPolicy(kind: CONTRACT) { __typename } }".into(),
            Answers,
        ),
        list("myPendingApprovals", Empty(&["myPendingApprovals", "nodes"])),
        by_id("approvalRequest", &w.request_a, Answers),
        list("invoices", Empty(&["invoices", "nodes"])),
        list("payments", Empty(&["payments", "nodes"])),
        one(
            "receivables",
            "{ receivables(first: 50) { nodes { __typename } } }".into(),
            Empty(&["receivables", "nodes"]),
        ),
        one(
            "receivablesAging",
            "{ receivablesAging(input: {groupBy: CUSTOMER}) { __typename } }".into(),
            Forbidden,
        ),
        one(
            "collectionForecast",
            format!("{{ collectionForecast(input: {{{dates}}}) {{ __typename }} }}"),
            Forbidden,
        ),
        one(
            "verifyLedger",
            "{ verifyLedger { __typename } }".into(),
            Forbidden,
        ),
        list("refunds", Empty(&["refunds", "nodes"])),
        one(
            "salesTargets",
            "{ salesTargets { amount } }".into(),
            Forbidden,
        ),
        one(
            "targetAllocation",
            "{ targetAllocation(input: {period: \"2026-12\", scope: COMPANY}) { __typename } }"
                .into(),
            Forbidden,
        ),
        one(
            "pipelineVelocity",
            format!("{{ pipelineVelocity(input: {{{dates}, scope: COMPANY}}) {{ __typename }} }}"),
            Forbidden,
        ),
        one(
            "leadSourceReport",
            "{ leadSourceReport(input: {period: \"2026\"}) { __typename } }".into(),
            Forbidden,
        ),
        one(
            "customerRetention",
            "{ customerRetention(input: {period: \"2026\"}) { __typename } }".into(),
            Answers,
        ),
        one(
            "salesPerformance",
            "{ salesPerformance(input: {period: \"2026-12\", groupBy: USER}) { __typename } }"
                .into(),
            Forbidden,
        ),
        one(
            "products",
            "{ products(first: 50) { nodes { costPrice } } }".into(),
            Answers,
        ),
        by_id("product", &missing_id("Product"), Nothing(&["product"])),
        one("productLines", "{ productLines { id } }".into(), Answers),
        one("priceBooks", "{ priceBooks { id } }".into(), Answers),
        by_id("priceBook", &missing_id("PriceBook"), Nothing(&["priceBook"])),
        one(
            "priceBookEntries",
            format!(
                "{{ priceBookEntries(priceBookId: \"{}\") {{ nodes {{ __typename }} }} }}",
                missing_id("PriceBook")
            ),
            Nothing(&["priceBookEntries"]),
        ),
        list("quotes", Empty(&["quotes", "nodes"])),
        by_id("quote", &w.quote_a, Nothing(&["quote"])),
        one(
            "quoteSettings",
            "{ quoteSettings { __typename } }".into(),
            Answers,
        ),
        list("orders", Sees(&["orders", "nodes"])),
        by_id("order", &w.order_a, Sees(&["order"])),
    ]
}

fn at<'a>(body: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .fold(&body["data"], |value, key| match key.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[*key],
        })
}

#[tokio::test]
async fn customer_service_reads_customers_contracts_and_orders_and_no_sellers_records() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;

    let mut probed = BTreeSet::new();
    let mut wrong = Vec::new();
    for probe in probes(&w) {
        probed.insert(probe.field.to_owned());
        let body = app.gql(Some(&support.token), &probe.query, json!({})).await;
        let code = &body["errors"][0]["extensions"]["code"];
        let ok = match probe.expect {
            Expect::Forbidden => code == "FORBIDDEN",
            Expect::Nothing(path) => {
                at(&body, path).is_null()
                    && (code.is_null() || code == "NOT_FOUND" || code == "FORBIDDEN")
            }
            Expect::Empty(path) => {
                let value = at(&body, path);
                body["errors"].is_null()
                    && (value.is_null() || value.as_array().is_some_and(Vec::is_empty))
            }
            Expect::Sees(path) => {
                let value = at(&body, path);
                body["errors"].is_null()
                    && !value.is_null()
                    && value.as_array().is_none_or(|list| !list.is_empty())
            }
            Expect::Answers => body["errors"].is_null(),
        };
        if !ok {
            wrong.push(format!("{}: {body}", probe.query));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(
        probed,
        root_fields(&app, "queryType").await,
        "every query is probed"
    );

    // Costs stay with managers and finance.
    let products = app
        .gql(
            Some(&support.token),
            "{ products(first: 50) { nodes { costPrice } } }",
            json!({}),
        )
        .await;
    let costs = products["data"]["products"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{products}"));
    assert!(!costs.is_empty(), "{products}");
    assert!(costs.iter().all(|p| p["costPrice"].is_null()), "{products}");
    // Search finds the customer service's records only.
    let found = app
        .gql(
            Some(&support.token),
            "{ search(query: \"Hidden\") { __typename } }",
            json!({}),
        )
        .await;
    let kinds: BTreeSet<&str> = found["data"]["search"]
        .as_array()
        .unwrap_or_else(|| panic!("{found}"))
        .iter()
        .filter_map(|r| r["__typename"].as_str())
        .collect();
    assert!(
        kinds
            .iter()
            .all(|k| ["Customer", "Contact", "Contract"].contains(k)),
        "{found}"
    );
    // A contract shows customer service neither its deal nor its money.
    let contract = app
        .gql(
            Some(&support.token),
            "query($id: ID!) { contract(id: $id) { opportunity { id } invoices { nodes { id } } payments { nodes { id } } } }",
            json!({"id": w.contract_a}),
        )
        .await;
    assert_eq!(
        contract["data"]["contract"],
        json!({"opportunity": null, "invoices": {"nodes": []}, "payments": {"nodes": []}}),
        "{contract}"
    );
}

#[tokio::test]
async fn the_support_role_is_given_and_shown_like_any_other() {
    let app = TestApp::spawn().await;
    let support = app.a_user().role("SUPPORT").create().await;
    let me = app
        .gql(Some(&support.token), "{ me { role } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["role"], "SUPPORT", "{me}");
    let seen = app
        .gql(
            Some(&support.token),
            "query($id: ID!) { user(id: $id) { role } }",
            json!({"id": support.id}),
        )
        .await;
    assert_eq!(seen["data"]["user"]["role"], "SUPPORT", "{seen}");
    let listed = app
        .admin(
            "{ users(first: 10, filter: {role: SUPPORT}) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["users"]["nodes"],
        json!([{"id": support.id}]),
        "{listed}"
    );
}
