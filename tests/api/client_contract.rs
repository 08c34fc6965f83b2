//! The client contract: how malformed requests are answered. Every coercion failure of a
//! variable or argument is `BAD_USER_INPUT` on its input path, refused before anything runs;
//! nothing a client sends answers `INTERNAL_SERVER_ERROR`.

use serde_json::{Value, json};

use crate::helpers::*;

/// Posts `body` as it is, with `content_type`, asking for `application/graphql-response+json`.
async fn post_raw(app: &TestApp, content_type: &str, body: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .header("content-type", content_type)
        .header("accept", "application/graphql-response+json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    post_raw(app, "application/json", &body.to_string()).await
}

const BY_ID: &str = "query($id: ID!) { opportunity(id: $id) { id } }";
const BY_STATUS: &str =
    "query($s: [ContractStatus!]) { contracts(filter: {statuses: $s}) { totalCount } }";
const CREATE_CUSTOMER: &str =
    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }";
const PLAN: &str = "mutation($input: SetCollectionPlanInput!) { setCollectionPlan(input: $input) { installments { id } } }";

#[tokio::test]
async fn every_coercion_failure_is_bad_user_input_on_its_path_before_anything_runs() {
    let app = TestApp::spawn().await;
    let plan = |installments: Value| {
        json!({"query": PLAN, "variables": {"input": {
            "contractId": "Q29udHJhY3Q6MDE5M2U2YjAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw",
            "installments": installments}}})
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "missing variable",
            json!({"query": BY_ID, "variables": {}}),
            "id",
        ),
        ("no variables at all", json!({"query": BY_ID}), "id"),
        (
            "null for non-null",
            json!({"query": BY_ID, "variables": {"id": null}}),
            "id",
        ),
        (
            "object for an ID",
            json!({"query": BY_ID, "variables": {"id": {"a": 1}}}),
            "id",
        ),
        (
            "bad enum in a variable",
            json!({"query": BY_STATUS, "variables": {"s": ["NOPE"]}}),
            "filter.statuses.0",
        ),
        (
            "bad enum written in the document",
            json!({"query": "{ contracts(filter: {statuses: [NOPE]}) { totalCount } }"}),
            "filter.statuses.0",
        ),
        (
            "unknown input field",
            json!({"query": CREATE_CUSTOMER, "variables": {"input": {"name": "A", "nope": 1}}}),
            "input.nope",
        ),
        (
            "number for a string",
            json!({"query": CREATE_CUSTOMER, "variables": {"input": {"name": 5}}}),
            "input.name",
        ),
        (
            "huge number for an Int",
            json!({"query": "query($n: Int) { users(first: $n) { totalCount } }", "variables": {"n": 1e40}}),
            "first",
        ),
        (
            "bad Date deep in a list",
            plan(json!([
            {"dueDate": "2027-01-31", "amount": "10.00"},
            {"dueDate": "2027-02-28", "amount": "10.00"},
            {"dueDate": "someday", "amount": "10.00"}])),
            "input.installments.2.dueDate",
        ),
        (
            "bad Decimal deep in a list",
            plan(json!([{"dueDate": "2027-01-31", "amount": "ten"}])),
            "input.installments.0.amount",
        ),
        (
            "bad DateTime in a filter",
            json!({"query": "query($d: DateTime) { opportunities(filter: {updatedSince: $d}) { totalCount } }", "variables": {"d": "yesterday"}}),
            "filter.updatedSince",
        ),
        (
            "DateTime beyond the years allowed",
            json!({"query": "query($d: DateTime) { customers(filter: {updatedSince: $d}) { totalCount } }", "variables": {"d": "3000-01-01T00:00:00Z"}}),
            "filter.updatedSince",
        ),
        (
            "bad enum in a filter list",
            json!({"query": "query($s: [OpportunityStatus!]) { opportunities(filter: {statuses: $s}) { totalCount } }", "variables": {"s": ["OPEN", "CLOSED"]}}),
            "filter.statuses.1",
        ),
    ];
    for (case, body, field) in cases {
        let (status, answer) = post(&app, body).await;

        assert_eq!(
            error_code(&answer),
            Some("BAD_USER_INPUT"),
            "{case}: {answer}"
        );
        assert_eq!(error_field(&answer), Some(field), "{case}: {answer}");
        // A request error: nothing ran, so there is no `data`, and the status says so.
        assert_eq!(status, 400, "{case}: {answer}");
        assert!(answer.get("data").is_none(), "{case}: {answer}");
        assert_eq!(
            answer["errors"].as_array().unwrap().len(),
            1,
            "{case}: {answer}"
        );
    }
    let customers = app.admin("{ customers { totalCount } }", json!({})).await;
    assert_eq!(customers["data"]["customers"]["totalCount"], 0);
}

#[tokio::test]
async fn plain_json_clients_get_the_same_codes_with_status_200() {
    let app = TestApp::spawn().await;
    let (status, answer) = app
        .post_json(
            Some(&app.admin_token),
            &json!({"query": BY_ID, "variables": {}}),
        )
        .await;

    assert_eq!(status.as_u16(), 200);
    assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&answer), Some("id"));
}

#[tokio::test]
async fn no_malformed_request_answers_internal_server_error() {
    let app = TestApp::spawn().await;
    let corpus: Vec<(&str, String)> = vec![
        ("application/json", String::new()),
        ("application/json", "{".into()),
        ("application/json", "[]".into()),
        ("application/json", "null".into()),
        ("application/json", "\"query\"".into()),
        ("application/json", json!({"query": 5}).to_string()),
        ("application/json", json!({"query": "{ me { id } }", "variables": []}).to_string()),
        ("application/json", json!({"query": "{ me { id } }", "variables": "x"}).to_string()),
        ("application/json", json!({"query": "{ me { id } }", "operationName": 3}).to_string()),
        ("application/json", json!({"query": "{ me { id } }", "operationName": "Nope"}).to_string()),
        ("application/json", json!({"query": "query A { me { id } } query B { me { id } }"}).to_string()),
        ("application/json", json!({"query": "{ me { nope } }"}).to_string()),
        ("application/json", json!({"query": "{ nope }"}).to_string()),
        ("application/json", json!({"query": "{ me { id } "}).to_string()),
        ("application/json", json!({"query": "query($x: Nope) { me { id } }", "variables": {"x": 1}}).to_string()),
        ("application/json", json!({"query": "query($x: Int) { me { id } }", "variables": {"x": 1}}).to_string()),
        ("application/json", json!({"query": "{ me { id } }", "variables": {"extra": 1}}).to_string()),
        ("application/json", json!({"query": "query($n: Int!) { users(first: $n) { totalCount } }", "variables": {"n": "5"}}).to_string()),
        ("application/json", json!({"query": "query($n: Int!) { users(first: $n) { totalCount } }", "variables": {"n": 5.5}}).to_string()),
        ("application/json", json!({"query": "query($n: Int!) { users(first: $n) { totalCount } }", "variables": {"n": 99999999999999999999u128.to_string()}}).to_string()),
        ("application/json", r#"{"query": "{ users(first: 99999999999999999999999) { totalCount } }"}"#.into()),
        ("application/json", r#"{"query": "query($n: Int) { users(first: $n) { totalCount } }", "variables": {"n": 1e999}}"#.into()),
        ("application/json", json!({"query": "query($d: DateTime) { opportunities(filter: {updatedSince: $d}) { totalCount } }", "variables": {"d": "yesterday"}}).to_string()),
        ("application/json", json!({"query": "{ opportunity(id: \"not-an-id\") { id } }"}).to_string()),
        ("application/json", json!({"query": "{ opportunity(id: \"\") { id } }"}).to_string()),
        ("application/json", json!({"query": "{ node(id: \"T3Bwb3J0dW5pdHk6eA\") { id } }"}).to_string()),
        ("application/json", json!({"query": "mutation { createCustomer(input: {}) { customer { id } } }"}).to_string()),
        ("application/json", json!({"query": "subscription { myAccountChanged { kind } }"}).to_string()),
        ("application/json", "{\"query\": \"{ me { id } }\", \"query\": \"{ me { id } }\"}".into()),
        ("application/json", "\u{feff}{\"query\": \"{ me { id } }\"}".into()),
        ("application/json", "{\"query\": \"{ me { \\ud800 } }\"}".into()),
        ("text/plain", json!({"query": "{ me { id } }"}).to_string()),
        ("application/graphql", "{ me { id } }".into()),
        ("application/x-www-form-urlencoded", "query=%7B%20me%20%7B%20id%20%7D%20%7D".into()),
        ("multipart/form-data; boundary=x", "--x\r\n\r\n--x--".into()),
    ];
    for (content_type, body) in corpus {
        let (status, answer) = post_raw(&app, content_type, &body).await;

        assert!(status < 500, "{content_type} {body:?}: {status} {answer}");
        let internal = answer["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["extensions"]["code"] == "INTERNAL_SERVER_ERROR");
        assert!(!internal, "{content_type} {body:?}: {answer}");
        assert!(
            answer["errors"].as_array().is_some_and(|e| !e.is_empty())
                || answer["data"].is_object(),
            "{content_type} {body:?}: {status} {answer}"
        );
    }
}

#[tokio::test]
async fn a_lookup_of_a_missing_record_is_null_beside_the_rest_of_the_answer() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let lookups = [
        ("customer", "Customer"),
        ("lead", "Lead"),
        ("opportunity", "Opportunity"),
        ("visitTask", "VisitTask"),
        ("contract", "Contract"),
        ("approvalRequest", "ApprovalRequest"),
        ("user", "User"),
    ];
    for (field, kind) in lookups {
        let query = format!("query($id: ID!) {{ {field}(id: $id) {{ id }} me {{ id }} }}");

        let body = app
            .gql(Some(&rep.token), &query, json!({"id": missing_id(kind)}))
            .await;

        assert!(body["data"][field].is_null(), "{field}: {body}");
        assert!(body["data"].get(field).is_some(), "{field}: {body}");
        assert_eq!(body["data"]["me"]["id"], rep.id.as_str(), "{field}: {body}");
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{field}: {body}");
        assert_eq!(body["errors"][0]["path"][0], field, "{field}: {body}");
    }
}

#[tokio::test]
async fn anyone_may_look_up_a_colleague_by_id_within_the_directory_rules() {
    let app = TestApp::spawn().await;
    let team = app.a_team("North", None).await;
    let other = app.a_team("South", None).await;
    let rep = app.a_user().in_team(&team).create().await;
    let teammate = app.a_user().in_team(&team).create().await;
    let stranger = app.a_user().in_team(&other).create().await;
    let query = "query($id: ID!) { user(id: $id) { id displayName email team { name } } }";

    let near = app
        .gql(Some(&rep.token), query, json!({"id": teammate.id}))
        .await;
    let far = app
        .gql(Some(&rep.token), query, json!({"id": stranger.id}))
        .await;

    assert_eq!(near["data"]["user"]["team"]["name"], "North", "{near}");
    assert!(near["data"]["user"]["email"].is_string(), "{near}");
    assert_eq!(far["data"]["user"]["team"]["name"], "South", "{far}");
    assert!(far["data"]["user"]["displayName"].is_string(), "{far}");
    assert!(far["data"]["user"]["email"].is_null(), "{far}");
}

#[tokio::test]
async fn times_are_written_in_utc_with_milliseconds_and_read_with_any_offset() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;

    let me = app
        .gql(
            Some(&rep.token),
            "{ me { createdAt updatedAt } }",
            json!({}),
        )
        .await;
    let shanghai = app
        .gql(
            Some(&rep.token),
            "query($d: DateTime) { customers(filter: {updatedSince: $d}) { totalCount } }",
            json!({"d": "2026-01-01T08:00:00+08:00"}),
        )
        .await;

    for field in ["createdAt", "updatedAt"] {
        let text = me["data"]["me"][field].as_str().unwrap();
        let (day, time) = text.split_once('T').unwrap();
        assert_eq!(day.len(), 10, "{text}");
        // hh:mm:ss.mmmZ
        assert_eq!(time.len(), 13, "{text}");
        assert!(time.ends_with('Z') && time.as_bytes()[8] == b'.', "{text}");
    }
    assert!(shanghai["errors"].is_null(), "{shanghai}");
}

/// The `type … implements Node` blocks of the served schema, with their field lines.
fn node_types(sdl: &str) -> Vec<(String, Vec<String>)> {
    let mut types = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in sdl.lines() {
        if let Some(rest) = line.strip_prefix("type ")
            && line.contains("implements")
            && line.contains("Node")
        {
            current = Some((
                rest.split_whitespace().next().unwrap().to_owned(),
                Vec::new(),
            ));
        } else if line.starts_with('}') {
            types.extend(current.take());
        } else if let Some((_, fields)) = &mut current {
            fields.push(line.trim().to_owned());
        }
    }
    types
}

#[test]
fn every_node_type_says_when_it_was_created_and_last_changed() {
    let types = node_types(&salesgraph::graphql::sdl());
    assert!(types.len() >= 15, "{types:?}");
    for (name, fields) in types {
        for field in ["createdAt: DateTime!", "updatedAt: DateTime!"] {
            assert!(fields.iter().any(|f| f == field), "{name} lacks {field}");
        }
    }
}

#[tokio::test]
async fn ids_that_name_records_are_objects_too() {
    let app = TestApp::spawn().await;
    let books = crate::fixtures::books(&app).await;
    let rep = &books.rep.token;
    let customer = crate::fixtures::customer(&app, &books, "Acme Pumps").await;

    let contact = app
        .gql(
            Some(rep),
            "mutation($c: ID!) { addContact(input: {customerId: $c, name: \"Li Wei\"}) { contact { customer { id name } } } }",
            json!({"c": customer}),
        )
        .await;
    let follow_up = app
        .gql(
            Some(rep),
            "mutation($c: ID!) { logFollowUp(input: {subjectId: $c, kind: CALL, content: \"Called about the pumps\"}) { followUp { subject { __typename ... on Customer { id name } } } } }",
            json!({"c": customer}),
        )
        .await;
    let contract = crate::fixtures::approved(&app, &books, &customer, "1000.00").await;
    crate::fixtures::set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-11-01", "amount": "1000.00"}]),
    )
    .await;
    let by = |group: &str| {
        let query = format!(
            "{{ receivablesAging(input: {{groupBy: {group}}}) {{ rows {{ group {{ __typename \
             ... on Customer {{ name }} ... on User {{ id }} ... on Team {{ name }} ... on Region {{ name }} }} }} }} }}"
        );
        let app = &app;
        let token = books.finance.token.clone();
        async move { app.gql(Some(&token), &query, json!({})).await }
    };
    let by_customer = by("CUSTOMER").await;
    let by_owner = by("OWNER").await;
    let by_team = by("TEAM").await;

    assert_eq!(
        contact["data"]["addContact"]["contact"]["customer"],
        json!({"id": customer, "name": "Acme Pumps"}),
        "{contact}"
    );
    assert_eq!(
        follow_up["data"]["logFollowUp"]["followUp"]["subject"],
        json!({"__typename": "Customer", "id": customer, "name": "Acme Pumps"}),
        "{follow_up}"
    );
    assert_eq!(
        by_customer["data"]["receivablesAging"]["rows"][0]["group"],
        json!({"__typename": "Customer", "name": "Acme Pumps"}),
        "{by_customer}"
    );
    assert_eq!(
        by_owner["data"]["receivablesAging"]["rows"][0]["group"],
        json!({"__typename": "User", "id": books.rep.id}),
        "{by_owner}"
    );
    assert_eq!(
        by_team["data"]["receivablesAging"]["rows"][0]["group"],
        json!({"__typename": "Team", "name": "Billing"}),
        "{by_team}"
    );
}

#[tokio::test]
async fn every_problem_of_one_input_is_reported_at_once_each_on_its_field() {
    let app = TestApp::spawn().await;

    let body = app
        .admin(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            json!({"input": {"email": "not an address", "displayName": " ", "role": "SALES_REP",
                             "password": "short", "timezone": "Mars/Olympus"}}),
        )
        .await;

    let errors = body["errors"].as_array().unwrap();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "input.email",
            "input.displayName",
            "input.password",
            "input.timezone"
        ],
        "{body}"
    );
    for error in errors {
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["path"], json!(["createUser"]), "{body}");
        assert!(error["extensions"]["requestId"].is_string(), "{body}");
        assert!(error["extensions"].get("moreErrors").is_none(), "{body}");
    }
    let users = app.admin("{ users { totalCount } }", json!({})).await;
    assert_eq!(users["data"]["users"]["totalCount"], 1, "only the admin");

    // The same for the records a rep creates from the phone.
    let rep = app.a_user().create().await;
    let long = "x".repeat(101);
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Fields Co").await;
    let start = salesgraph::clock::Clock::now(&app.clock) + chrono::Duration::days(1);
    for (query, input, expected) in [
        (
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"name": "", "industry": long, "grade": null, "region": "ok"}),
            vec!["input.name", "input.industry"],
        ),
        (
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"customerId": customer, "name": " ", "title": long, "email": "nobody"}),
            vec!["input.name", "input.title", "input.email"],
        ),
        (
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"name": "", "source": "REFERRAL", "phone": "12", "email": "nobody"}),
            vec!["input.name", "input.phone", "input.email"],
        ),
        (
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"customerId": customer, "name": "", "amount": "10.00", "probability": 150, "expectedCloseDate": "2027-01-31"}),
            vec!["input.name", "input.probability"],
        ),
        (
            "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"customerId": customer, "purpose": "", "plannedStart": start, "plannedEnd": start - chrono::Duration::hours(1)}),
            vec!["input.purpose", "input.plannedEnd"],
        ),
    ] {
        let body = app
            .gql(Some(&rep.token), query, json!({ "input": input }))
            .await;
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        let fields: Vec<&str> = errors
            .iter()
            .map(|e| e["extensions"]["field"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(fields, expected, "{body}");
        assert!(
            errors
                .iter()
                .all(|e| e["extensions"]["code"] == "BAD_USER_INPUT"),
            "{body}"
        );
    }
    // And for the updates a phone sends.
    let created = |body: &Value, path: [&str; 3]| {
        body["data"][path[0]][path[1]][path[2]]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    };
    let contact = app
        .gql(
            Some(&rep.token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": "Li Wei"}}),
        )
        .await;
    let contact = created(&contact, ["addContact", "contact", "id"]);
    let lead = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": "Zhao Min", "source": "REFERRAL"}}),
        )
        .await;
    let lead = created(&lead, ["createLead", "lead", "id"]);
    let deal = app
        .gql(Some(&rep.token), "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Pumps", "amount": "10.00", "expectedCloseDate": "2027-01-31"}}))
        .await;
    let deal = created(&deal, ["createOpportunity", "opportunity", "id"]);
    for (mutation, input, expected) in [
        (
            "updateCustomer",
            json!({"id": customer, "expectedVersion": 1, "name": "", "region": long}),
            vec!["input.name", "input.region"],
        ),
        (
            "updateContact",
            json!({"id": contact, "expectedVersion": 1, "name": " ", "email": "nobody"}),
            vec!["input.name", "input.email"],
        ),
        (
            "updateLead",
            json!({"id": lead, "expectedVersion": 1, "name": "", "email": "nobody", "industry": long}),
            vec!["input.name", "input.email", "input.industry"],
        ),
        (
            "updateOpportunity",
            json!({"id": deal, "expectedVersion": 1, "name": "", "probability": 150}),
            vec!["input.name", "input.probability"],
        ),
    ] {
        let input_type = format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]);
        let query = format!(
            "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ __typename }} }}"
        );
        let body = app
            .gql(Some(&rep.token), &query, json!({ "input": input }))
            .await;
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|e| e["extensions"]["field"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(fields, expected, "{mutation}: {body}");
    }
}

#[tokio::test]
async fn an_undefined_variable_for_an_argument_with_a_default_is_bad_input_not_a_server_error() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for query in [
        "query($x: Boolean) { myVisitTasks(includeCancelled: $x) { id } }",
        "query($x: Boolean) { completeless: activities(filter: {done: $x}) { totalCount } }",
    ] {
        let body = app.gql(Some(&rep.token), query, json!({})).await;
        let codes: Vec<&str> = body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["extensions"]["code"].as_str())
            .collect();
        assert!(!codes.contains(&"INTERNAL_SERVER_ERROR"), "{query}: {body}");
    }
    let body = app
        .gql(
            Some(&rep.token),
            "query($x: Boolean) { myVisitTasks(includeCancelled: $x) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}
