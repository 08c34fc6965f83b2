//! The search box: names, Chinese substrings, pinyin, phones, e-mails and numbers; ranking;
//! visibility inside the query; hostile queries; and statements that do not grow with hits.

use serde_json::{Value, json};

use crate::helpers::*;

const SEARCH: &str = "query($q: String!, $t: [SearchType!], $n: Int) { search(query: $q, types: $t, first: $n) { \
    __typename ... on Lead { id name } ... on Customer { id name } ... on Contact { id name } \
    ... on Opportunity { id name } ... on Contract { id number title } } }";

async fn search(app: &TestApp, token: &str, query: &str, types: Option<Value>) -> Value {
    app.gql(
        Some(token),
        SEARCH,
        json!({"q": query, "t": types, "n": 20}),
    )
    .await
}

/// The ids found, in order.
async fn found(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    ids(&search(app, token, query, None).await)
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]["search"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn created(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input_type: &str,
    input: Value,
    path: &[&str],
) -> String {
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {} {{ id }} }} }}",
        path[0]
    );
    let body = app.gql(Some(token), &query, json!({"input": input})).await;
    let mut at = &body["data"][mutation];
    for key in path {
        at = &at[*key];
    }
    at["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

struct Desk {
    rep: TestUser,
    huawei: String,
    huaqiang: String,
    acme: String,
    contact: String,
    lead: String,
    deal: String,
}

async fn desk(app: &TestApp, rep: TestUser) -> Desk {
    let t = rep.token.clone();
    let customer = |name: &'static str| {
        let t = t.clone();
        async move {
            created(
                app,
                &t,
                "createCustomer",
                "CreateCustomerInput",
                json!({"name": name}),
                &["customer"],
            )
            .await
        }
    };
    let huawei = customer("华为技术有限公司").await;
    let huaqiang = customer("深圳华强电子").await;
    let acme = customer("Acme Pumps").await;
    let contact = created(app, &t, "addContact", "AddContactInput",
        json!({"customerId": acme, "name": "Li Lei", "phone": "+86 139-1234 5678", "email": "lilei@acme-pumps.cn"}),
        &["contact"]).await;
    let lead = created(app, &t, "createLead", "CreateLeadInput",
        json!({"name": "Wang Fang", "company": "华为终端", "phone": "021 6688 9900", "source": "REFERRAL"}), &["lead"]).await;
    let deal = created(app, &t, "createOpportunity", "CreateOpportunityInput",
        json!({"customerId": acme, "name": "Fleet renewal", "amount": "5000", "expectedCloseDate": "2026-12-31"}),
        &["opportunity"]).await;
    Desk {
        rep,
        huawei,
        huaqiang,
        acme,
        contact,
        lead,
        deal,
    }
}

#[tokio::test]
async fn names_chinese_substrings_pinyin_phones_and_e_mails_find_records_best_first() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let d = desk(&app, rep).await;
    let t = &d.rep.token;
    // Two characters of a Chinese name, anywhere in it; the name beginning with them first.
    assert_eq!(
        found(&app, t, "华为").await,
        vec![d.huawei.clone(), d.lead.clone()]
    );
    assert_eq!(found(&app, t, "技术").await, vec![d.huawei.clone()]);
    assert_eq!(found(&app, t, "为技术有限").await, vec![d.huawei.clone()]);
    assert_eq!(found(&app, t, "华强").await, vec![d.huaqiang.clone()]);
    // Pinyin, full or by initials.
    assert_eq!(
        found(&app, t, "huawei").await,
        vec![d.huawei.clone(), d.lead.clone()]
    );
    assert_eq!(
        found(&app, t, "HW").await,
        vec![d.huawei.clone(), d.lead.clone()]
    );
    assert_eq!(found(&app, t, "szhq").await, vec![d.huaqiang.clone()]);
    // Phones in any format, or their last digits.
    assert_eq!(found(&app, t, "5678").await, vec![d.contact.clone()]);
    assert_eq!(
        found(&app, t, "139 1234 5678").await,
        vec![d.contact.clone()]
    );
    assert_eq!(
        found(&app, t, "(021) 6688-9900").await,
        vec![d.lead.clone()]
    );
    // E-mails; a name first, then what matches elsewhere.
    assert_eq!(found(&app, t, "lilei@acme").await, vec![d.contact.clone()]);
    assert_eq!(
        found(&app, t, "acme").await,
        vec![d.acme.clone(), d.contact.clone()]
    );
    assert_eq!(found(&app, t, "Li Lei").await, vec![d.contact.clone()]);
    assert_eq!(
        found(&app, t, "ｆｌｅｅｔ").await,
        vec![d.deal.clone()],
        "full-width folds"
    );
    // Every word must match.
    assert_eq!(found(&app, t, "fleet renewal").await, vec![d.deal.clone()]);
    assert!(found(&app, t, "fleet huawei").await.is_empty());
    // Only the kinds asked for.
    let leads = search(&app, t, "华为", Some(json!(["LEAD"]))).await;
    assert_eq!(ids(&leads), vec![d.lead.clone()]);
    assert_eq!(leads["data"]["search"][0]["__typename"], "Lead");
    // A kind named twice is searched once.
    let repeated = search(
        &app,
        t,
        "华为",
        Some(json!(["LEAD", "CUSTOMER", "LEAD", "LEAD"])),
    )
    .await;
    assert_eq!(ids(&repeated), vec![d.huawei.clone(), d.lead.clone()]);
    // A rename is found by its new name at once, and no longer by the old.
    let renamed = app
        .gql(
            Some(t),
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }",
            json!({"input": {"id": d.huaqiang, "expectedVersion": 1, "name": "比亚迪汽车"}}),
        )
        .await;
    assert!(renamed["errors"].is_null(), "{renamed}");
    assert_eq!(found(&app, t, "比亚迪").await, vec![d.huaqiang.clone()]);
    assert_eq!(found(&app, t, "byd").await, vec![d.huaqiang.clone()]);
    assert!(found(&app, t, "华强").await.is_empty());
}

#[tokio::test]
async fn contract_and_quote_numbers_find_their_contract_and_deal() {
    let app = TestApp::spawn().await;
    let desk = crate::quotes::desk(&app).await;
    let product = crate::quotes::product_in_line(&app, "Pumps", "15", "A", "33.33", "20.00").await;
    crate::quotes::set_lines(
        &app,
        &desk.rep.token,
        &desk.deal,
        json!([{"productId": product, "quantity": "3"}]),
    )
    .await;
    let quote =
        crate::quotes::create(&app, &desk.rep.token, &desk.deal, json!({"taxRate": "13"})).await;
    let number = quote["number"].as_str().unwrap().to_owned();
    assert_eq!(
        found(&app, &desk.rep.token, &number).await,
        vec![desk.deal.clone()],
        "{number}"
    );
    let customer = crate::fixtures::a_customer(&app, &desk.rep.token, "Number Co").await;
    let contract = app
        .gql(
            Some(&desk.rep.token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id number } } }",
            json!({"input": {"customerId": customer, "title": "Supply", "amount": "100"}}),
        )
        .await;
    let contract = &contract["data"]["createContract"]["contract"];
    let number = contract["number"]
        .as_str()
        .unwrap_or_else(|| panic!("{contract}"));
    assert_eq!(
        found(&app, &desk.rep.token, number).await,
        vec![contract["id"].as_str().unwrap().to_owned()]
    );
    // Without its punctuation too.
    let compact: String = number.chars().filter(char::is_ascii_alphanumeric).collect();
    assert_eq!(
        found(&app, &desk.rep.token, &compact).await.len(),
        1,
        "{compact}"
    );
}

#[tokio::test]
async fn only_what_the_caller_may_see_is_found() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("North", Some(&manager.id)).await;
    let ann = app.a_user().in_team(&team).create().await;
    let bob = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let d = desk(&app, ann).await;
    let everything = found(&app, &app.admin_token, "华为").await;
    assert_eq!(everything, vec![d.huawei.clone(), d.lead.clone()]);
    assert_eq!(
        found(&app, &manager.token, "华为").await,
        everything,
        "the team's manager"
    );
    assert!(
        found(&app, &bob.token, "华为").await.is_empty(),
        "a teammate"
    );
    assert!(found(&app, &outsider.token, "5678").await.is_empty());
    assert_eq!(
        found(&app, &finance.token, "华为").await,
        vec![d.huawei.clone()],
        "finance reads customers, not leads"
    );
    // A colleague's hidden records never take the places of the caller's own.
    let own = created(
        &app,
        &outsider.token,
        "createCustomer",
        "CreateCustomerInput",
        json!({"name": "华为云计算"}),
        &["customer"],
    )
    .await;
    assert_eq!(found(&app, &outsider.token, "华为").await, vec![own]);
}

#[tokio::test]
async fn hostile_queries_are_refused_or_read_literally() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let d = desk(&app, rep).await;
    let t = &d.rep.token;
    let long = "华".repeat(101);
    let ten_kb = "a".repeat(10 * 1024);
    for query in [
        "",
        " ",
        "x",
        "华",
        "%%",
        "__",
        "%_%_",
        "' \" \\",
        long.as_str(),
        ten_kb.as_str(),
    ] {
        let body = search(&app, t, query, None).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some("query")),
            "{query:?}: {body}"
        );
    }
    // Wildcards, quotes, backslashes and FTS syntax are text, never operators.
    for query in [
        "%acme%",
        "a_c_m_e",
        "acme\" OR \"x",
        "acme' OR '1'='1",
        "NEAR(acme)",
        "acme*",
        "ac\\me",
        "华为 AND NOT",
        "-huawei",
        "hw:*",
    ] {
        let body = search(&app, t, query, None).await;
        assert!(body["errors"].is_null(), "{query:?}: {body}");
    }
    assert_eq!(
        found(&app, t, "%acme%").await,
        vec![d.acme.clone(), d.contact.clone()]
    );
    for first in [0, 51] {
        let body = app
            .gql(Some(t), SEARCH, json!({"q": "acme", "n": first}))
            .await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some("first"))
        );
    }
}

#[tokio::test]
async fn a_search_takes_the_same_statements_for_one_hit_or_many() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    for i in 0..12 {
        created(
            &app,
            &rep.token,
            "createCustomer",
            "CreateCustomerInput",
            json!({"name": format!("Harbour Freight {i}")}),
            &["customer"],
        )
        .await;
    }
    created(
        &app,
        &rep.token,
        "createCustomer",
        "CreateCustomerInput",
        json!({"name": "Lonely Mill"}),
        &["customer"],
    )
    .await;
    // Index what is there, then count a search of each size.
    found(&app, &rep.token, "harbour").await;
    let mut counts = Vec::new();
    for query in ["lonely", "harbour"] {
        app.quiet().await;
        app.take_statement_count();
        let hits = found(&app, &rep.token, query).await.len();
        counts.push((hits, app.take_statement_count()));
    }
    assert_eq!((counts[0].0, counts[1].0), (1, 12));
    assert_eq!(counts[0].1, counts[1].1, "{counts:?}");
}
