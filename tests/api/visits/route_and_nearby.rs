//! The customers near a rep, and the day's visits in driving order.

use super::*;

/// A customer of the rep at `(lat, lng)`.
async fn placed(app: &TestApp, token: &str, name: &str, lat: f64, lng: f64) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": name, "location": {"lat": lat, "lng": lng}}}),
        )
        .await;
    body["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// `km` kilometres north of the square.
fn north(km: f64) -> (f64, f64) {
    (SQUARE.0 + km / 111.195, SQUARE.1)
}

const NEARBY: &str = "query($at: LocationInput!, $r: Int!, $first: Int) { nearbyCustomers(location: $at, radiusMeters: $r, first: $first) { \
    customer { name } distanceMeters lastVisitAt openOpportunityCount openOpportunityAmount } }";

#[tokio::test]
async fn nearby_customers_come_nearest_first_within_the_radius_and_visibility() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    for (name, km) in [("Three", 3.0), ("One", 1.0), ("Twelve", 12.0), ("Two", 2.0)] {
        let (lat, lng) = north(km);
        placed(&app, &rep.token, name, lat, lng).await;
    }
    let (lat, lng) = north(0.5);
    placed(&app, &other.token, "Someone else's", lat, lng).await;
    // No location: never listed.
    crate::fixtures::a_customer(&app, &rep.token, "Nowhere").await;
    let one = {
        let body = app
            .gql(
                Some(&rep.token),
                "{ customers(first: 10) { nodes { id name } } }",
                json!({}),
            )
            .await;
        body["data"]["customers"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "One")
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    a_deal_with(&app, &rep.token, &one).await;
    let around = |token: String, radius: i64, first: i64| {
        let app = &app;
        async move {
            app.gql(
                Some(&token),
                NEARBY,
                json!({"at": {"lat": SQUARE.0, "lng": SQUARE.1}, "r": radius, "first": first}),
            )
            .await
        }
    };
    let body = around(rep.token.clone(), 5_000, 20).await;
    let found = body["data"]["nearbyCustomers"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let names: Vec<&str> = found
        .iter()
        .map(|n| n["customer"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["One", "Two", "Three"],
        "nearest first, within 5 km, only the rep's"
    );
    let metres = found[0]["distanceMeters"].as_f64().unwrap();
    assert!((metres - 1_000.0).abs() < 5.0, "{metres}");
    assert_eq!(
        (
            found[0]["openOpportunityCount"].clone(),
            found[0]["openOpportunityAmount"].clone(),
            found[0]["lastVisitAt"].clone()
        ),
        (json!(1), json!("5000.00"), Value::Null)
    );
    assert_eq!(found[1]["openOpportunityCount"], 0);
    let two = around(rep.token.clone(), 50_000, 2).await;
    assert_eq!(
        two["data"]["nearbyCustomers"].as_array().map(Vec::len),
        Some(2)
    );
    let all = around(rep.token.clone(), 50_000, 20).await;
    assert_eq!(
        all["data"]["nearbyCustomers"].as_array().map(Vec::len),
        Some(4)
    );
    // A manager of nobody sees nobody's customers; the admin sees everyone's.
    let none = around(manager.token.clone(), 50_000, 20).await;
    assert_eq!(none["data"]["nearbyCustomers"], json!([]), "{none}");
    let every = around(app.admin_token.clone(), 5_000, 20).await;
    assert_eq!(
        every["data"]["nearbyCustomers"][0]["customer"]["name"],
        "Someone else's"
    );

    // Bad input on its argument.
    for (variables, field) in [
        (
            json!({"at": {"lat": 91.0, "lng": 0.0}, "r": 100}),
            "location",
        ),
        (
            json!({"at": {"lat": 0.0, "lng": -180.5}, "r": 100}),
            "location",
        ),
        (
            json!({"at": {"lat": 0.0, "lng": 0.0}, "r": 0}),
            "radiusMeters",
        ),
        (
            json!({"at": {"lat": 0.0, "lng": 0.0}, "r": 50_001}),
            "radiusMeters",
        ),
        (
            json!({"at": {"lat": 0.0, "lng": 0.0}, "r": 100, "first": 101}),
            "first",
        ),
        (
            json!({"at": {"lat": 0.0, "lng": 0.0}, "r": 100, "first": -1}),
            "first",
        ),
    ] {
        let refused = app.gql(Some(&rep.token), NEARBY, variables.clone()).await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{variables}: {refused}"
        );
    }
}

#[tokio::test]
async fn the_route_orders_the_days_planned_visits_to_shorten_the_drive() {
    let app = TestApp::spawn_at(at("2026-12-06T12:00:00Z")).await;
    let rep = app.a_user().timezone("Asia/Shanghai").create().await;
    let mut ids = std::collections::HashMap::new();
    // Planned in time order 9, 10, 11 local, all with the whole morning as their window, but
    // placed 8, 2 and 5 km north: the drive from the square goes 2, 5, 8.
    for (name, km, hour) in [("Eight", 8.0, 1), ("Two", 2.0, 2), ("Five", 5.0, 3)] {
        let (lat, lng) = north(km);
        let customer = placed(&app, &rep.token, name, lat, lng).await;
        let start = at(&format!("2026-12-07T0{hour}:00:00Z"));
        let visit = planned(
            &app,
            &rep.token,
            json!({"customerId": customer, "purpose": name, "plannedStart": start, "plannedEnd": at("2026-12-07T05:00:00Z")}),
        )
        .await;
        ids.insert(name, visit["id"].as_str().unwrap().to_owned());
    }
    // An afternoon visit next door stays after the morning ones.
    let (lat, lng) = north(0.1);
    let next_door = placed(&app, &rep.token, "Next door", lat, lng).await;
    planned(
        &app,
        &rep.token,
        json!({"customerId": next_door, "purpose": "Next door", "plannedStart": at("2026-12-07T06:00:00Z"), "plannedEnd": at("2026-12-07T07:00:00Z")}),
    )
    .await;
    let square = json!({"lat": SQUARE.0, "lng": SQUARE.1});
    let by_route = app
        .gql(
            Some(&rep.token),
            "query($from: LocationInput) { myVisitTasks(date: \"2026-12-07\", orderBy: ROUTE, from: $from) { purpose } }",
            json!({"from": square}),
        )
        .await;
    let order: Vec<&str> = by_route["data"]["myVisitTasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{by_route}"))
        .iter()
        .map(|v| v["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec!["Two", "Five", "Eight", "Next door"]);
    let by_time = app
        .gql(
            Some(&rep.token),
            "{ myVisitTasks(date: \"2026-12-07\") { purpose } }",
            json!({}),
        )
        .await;
    assert_eq!(
        by_time["data"]["myVisitTasks"][0]["purpose"], "Eight",
        "time order by default"
    );

    let route = app
        .gql(
            Some(&rep.token),
            "query($from: LocationInput) { myVisitRoute(date: \"2026-12-07\", from: $from) { date totalDistanceMeters stops { distanceFromPreviousMeters visit { id purpose } } } }",
            json!({"from": square}),
        )
        .await;
    let total = route["data"]["myVisitRoute"]["totalDistanceMeters"]
        .as_f64()
        .unwrap_or_else(|| panic!("{route}"));
    // 2 + 3 + 3 + 7.9 km.
    assert!((total - 15_900.0).abs() < 30.0, "{total}");
    let stops = route["data"]["myVisitRoute"]["stops"].as_array().unwrap();
    assert_eq!(stops[0]["visit"]["id"], json!(ids["Two"]));
    assert!((stops[0]["distanceFromPreviousMeters"].as_f64().unwrap() - 2_000.0).abs() < 10.0);
    let bad = app
        .gql(
            Some(&rep.token),
            "{ myVisitRoute(from: {lat: 0, lng: 200}) { totalDistanceMeters } }",
            json!({}),
        )
        .await;
    assert_eq!(
        code_and_field(&bad),
        (Some("BAD_USER_INPUT"), Some("from")),
        "{bad}"
    );
}
