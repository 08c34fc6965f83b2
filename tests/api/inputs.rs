//! Hostile and unusual input values: control characters, search text with wildcards and of
//! any length, and every filter field of every list, on both databases.

use serde_json::{Value, json};

use crate::helpers::*;

const INTROSPECT: &str = r#"{ __schema { queryType { fields { name args { name type { kind name ofType { kind name ofType { kind name } } } } } } types { kind name inputFields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } enumValues { name } } } }"#;

/// The named type at the bottom of a type reference, and whether a list wraps it.
fn named(reference: &Value) -> (String, bool) {
    let mut current = reference;
    let mut list = false;
    while current["name"].is_null() {
        list |= current["kind"] == "LIST";
        current = &current["ofType"];
    }
    (
        current["name"].as_str().unwrap_or_default().to_owned(),
        list,
    )
}

/// A value of the named type a client could send, to exercise the filter field.
fn sample(type_name: &str, schema: &Value, any_id: &str) -> Value {
    match type_name {
        "String" => json!("50%_x\\"),
        "ID" => json!(any_id),
        "Boolean" => json!(true),
        "Int" => json!(1),
        "Float" => json!(1.5),
        "Date" => json!("2026-01-01"),
        "DateTime" => json!("2026-01-01T00:00:00Z"),
        "Decimal" => json!("1.00"),
        other => {
            let ty = schema["types"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == other)
                .unwrap_or_else(|| panic!("type {other}"));
            match ty["kind"].as_str() {
                Some("ENUM") => ty["enumValues"][0]["name"].clone(),
                kind => panic!("no sample for {other} ({kind:?})"),
            }
        }
    }
}

#[tokio::test]
async fn every_filter_field_of_every_list_runs_on_this_database() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let schema = app.admin(INTROSPECT, json!({})).await["data"]["__schema"].clone();
    let types = schema["types"].as_array().unwrap();
    let mut exercised = 0;
    for field in schema["queryType"]["fields"].as_array().unwrap() {
        let Some(filter) = field["args"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "filter")
        else {
            continue;
        };
        let (filter_type, _) = named(&filter["type"]);
        let input = types
            .iter()
            .find(|t| t["name"] == filter_type.as_str())
            .unwrap();
        let list = field["name"].as_str().unwrap();
        for input_field in input["inputFields"].as_array().unwrap() {
            let name = input_field["name"].as_str().unwrap();
            let (type_name, is_list) = named(&input_field["type"]);
            let mut value = sample(&type_name, &schema, &rep.id);
            if is_list {
                value = json!([value]);
            }
            let query = format!(
                "query($filter: {filter_type}) {{ {list}(filter: $filter) {{ __typename }} }}"
            );
            for token in [&app.admin_token, &rep.token] {
                let body = app
                    .gql(Some(token), &query, json!({"filter": {name: value}}))
                    .await;
                // Some filters are finance's or an admin's: FORBIDDEN is an answer too.
                let code = error_code(&body);
                assert!(
                    matches!(
                        code,
                        None | Some("BAD_USER_INPUT" | "NOT_FOUND" | "FORBIDDEN")
                    ),
                    "{list}.{name} = {value}: {body}"
                );
            }
            exercised += 1;
        }
    }
    assert!(exercised >= 60, "only {exercised} filter fields found");
}

#[tokio::test]
async fn search_text_matches_wildcards_literally_in_every_searchable_list() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for name in ["100% Steel", "100 Steel", "Steel_Works", "SteelXWorks"] {
        crate::fixtures::a_customer(&app, &rep.token, name).await;
    }
    let names = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> = body["data"]["customers"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let search = |text: &str| {
        app.gql(
            Some(&rep.token),
            "query($s: String) { customers(filter: {search: $s}) { nodes { name } } }",
            json!({"s": text}),
        )
    };

    assert_eq!(names(&search("100%").await), ["100% Steel"]);
    assert_eq!(names(&search("steel_").await), ["Steel_Works"]);
    assert_eq!(names(&search("STEEL").await).len(), 4);

    // A deal's name is searched without clashing with the joined customer's.
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Deal Buyer").await;
    app.gql(
        Some(&rep.token),
        "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
        json!({"input": {"customerId": customer, "name": "Big deal", "amount": "10", "expectedCloseDate": "2026-12-31"}}),
    )
    .await;
    let deals = app
        .gql(
            Some(&rep.token),
            r#"{ opportunities(filter: {search: "deal"}) { nodes { name customer { name } owner { id } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        deals["data"]["opportunities"]["nodes"],
        json!([{"name": "Big deal", "customer": {"name": "Deal Buyer"}, "owner": {"id": rep.id}}]),
        "{deals}"
    );
}

#[tokio::test]
async fn search_text_is_capped_in_length() {
    let app = TestApp::spawn().await;
    for list in ["customers", "leads", "opportunities", "contracts", "users"] {
        for length in [201, 60_000] {
            let body = app
                .admin(
                    &format!(
                        "query($s: String) {{ {list}(filter: {{search: $s}}) {{ __typename }} }}"
                    ),
                    json!({"s": "a".repeat(length)}),
                )
                .await;
            assert_eq!(
                (error_code(&body), error_field(&body)),
                (Some("BAD_USER_INPUT"), Some("filter.search")),
                "{list} at {length}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn control_characters_are_refused_in_every_text_input_with_their_path() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    // Anonymous: the login e-mail, as a variable and as a literal.
    let login = app
        .login("someone\u{0}@test.local", "whatever-password")
        .await;
    assert_eq!(
        (error_code(&login), error_field(&login)),
        (Some("BAD_USER_INPUT"), Some("email")),
        "{login}"
    );
    let literal = app
        .gql(
            None,
            r#"mutation { login(input: {email: "a\u0000@b.c", password: "x"}) { accessToken } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        (error_code(&literal), error_field(&literal)),
        (Some("BAD_USER_INPUT"), Some("input.email")),
        "{literal}"
    );
    for bad in [
        "nul\u{0}",
        "bell\u{7}",
        "escape\u{1b}[31m",
        "next-line\u{85}",
    ] {
        let body = app
            .gql(
                Some(&rep.token),
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
                json!({"input": {"name": bad}}),
            )
            .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some("input.name")),
            "{bad:?}: {body}"
        );
    }
    // Line breaks and tabs are text.
    let body = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { address } } }",
            json!({"input": {"name": "Multi Line Co", "address": "1 Road\n\tBlock 2\r\n"}}),
        )
        .await;
    assert_eq!(
        body["data"]["createCustomer"]["customer"]["address"],
        "1 Road\n\tBlock 2"
    );
}

#[tokio::test]
async fn weak_passwords_odd_addresses_and_far_dates_are_refused() {
    let app = TestApp::spawn().await;
    let create = |email: &str, password: &str| {
        app.admin(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            json!({"input": {"email": email, "displayName": "Li Na", "role": "SALES_REP", "password": password}}),
        )
    };
    for (password, why) in [
        ("            ", "blank"),
        ("password1234", "common"),
        ("qwertyuiop12", "keyboard walk"),
        ("li.na@test.local", "the user's own address"),
    ] {
        let body = create("li.na@test.local", password).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some("input.password")),
            "{why}: {body}"
        );
    }
    for email in [
        "li..na@test.local",
        "\"li na\"@test.local",
        "li@[10.0.0.1]",
        "li@-test.local",
    ] {
        let body = create(email, "a long and unusual phrase").await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some("input.email")),
            "{email}: {body}"
        );
    }
    assert!(create("li.na@test.local", "a long and unusual phrase").await["errors"].is_null());

    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Far Dates Co").await;
    for day in ["1899-12-31", "2201-01-01", "+10000-01-01"] {
        let body = app
            .gql(
                Some(&rep.token),
                "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
                json!({"input": {"customerId": customer, "name": "Far", "amount": "1", "expectedCloseDate": day}}),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{day}: {body}");
    }
}

#[tokio::test]
async fn far_times_are_refused_in_every_datetime_input() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Far Times Co").await;
    for at in [
        "1899-12-31T23:59:59Z",
        "2201-01-01T00:00:00Z",
        "+200000-01-01T00:00:00Z",
    ] {
        let listed = app
            .gql(
                Some(&rep.token),
                "query($at: DateTime) { customers(filter: {updatedSince: $at}) { totalCount } }",
                json!({"at": at}),
            )
            .await;
        assert_eq!(
            error_code(&listed),
            Some("BAD_USER_INPUT"),
            "{at}: {listed}"
        );
        let planned = app
            .gql(
                Some(&rep.token),
                "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
                json!({"input": {"customerId": customer, "purpose": "Far", "plannedStart": at, "plannedEnd": at}}),
            )
            .await;
        assert_eq!(
            error_code(&planned),
            Some("BAD_USER_INPUT"),
            "{at}: {planned}"
        );
    }
    let near = app
        .gql(
            Some(&rep.token),
            "query($at: DateTime) { customers(filter: {updatedSince: $at}) { totalCount } }",
            json!({"at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(near["data"]["customers"]["totalCount"], 1, "{near}");
}
