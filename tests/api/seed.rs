//! `seed-bench`: benchmark data that the real API serves, the ledger check accepts, and the
//! numbering continues; reproducible from its seed; only ever poured into an empty database.

use chrono::{DateTime, NaiveDate, Utc};
use salesgraph::auth::passwords::PasswordHasherConfig;
use salesgraph::seed::{self, BENCH_DOMAIN, BENCH_PASSWORD, SeedError, SeedOptions, SeedReport};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::*;

const SCALE: f64 = 0.002;
/// The server's clock: 10:00 in Shanghai on the seeded `today`.
const NOW: &str = "2026-06-15T02:00:00Z";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
}

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

fn options(seed: u64) -> SeedOptions {
    let mut options = SeedOptions::new(SCALE, seed, today());
    // Cheap hashing keeps tests fast; the hash records its own parameters.
    options.password_hasher = PasswordHasherConfig {
        memory_kib: 1024,
        iterations: 1,
    };
    options
}

/// `base × SCALE`, rounded, at least one: what every volume should come to.
fn scaled(base: f64) -> u64 {
    (base * SCALE).round().max(1.0) as u64
}

/// Signs a seeded account in; its token and (opaque) user id.
async fn sign_in(app: &TestApp, local: &str) -> (String, String) {
    let body = app
        .login(&format!("{local}@{BENCH_DOMAIN}"), BENCH_PASSWORD)
        .await;
    let login = &body["data"]["login"];
    (
        login["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        login["user"]["id"].as_str().unwrap().to_owned(),
    )
}

/// A seeded server at [`NOW`].
async fn seeded_app() -> (TestApp, SeedReport) {
    let app = TestApp::spawn_at(now()).await;
    let report = seed::run(&app.state.db, &options(42)).await.unwrap();
    (app, report)
}

async fn count<E>(db: &DatabaseConnection) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find().count(db).await.unwrap()
}

#[tokio::test]
async fn seeded_data_fills_the_morning_list_the_ledger_the_aging_and_the_pipeline() {
    let (app, report) = seeded_app().await;
    let db = &app.state.db;
    // Volumes scale as specified, and the report says what the tables hold.
    let expected = [
        ("customers", scaled(100_000.0)),
        ("contacts", scaled(150_000.0)),
        ("leads", scaled(200_000.0)),
        ("opportunities", scaled(300_000.0)),
        ("visit_tasks", scaled(1_000_000.0)),
        ("follow_ups", scaled(100_000.0)),
        ("contracts", scaled(50_000.0)),
        ("activities", scaled(200_000.0)),
        ("attachments", scaled(100_000.0)),
        ("campaigns", scaled(40.0)),
        ("teams", scaled(50.0)),
        (
            "users",
            1 + scaled(5.0) + scaled(50.0) + scaled(500.0), // admin, finance, managers, reps
        ),
    ];
    for (table, rows) in expected {
        assert_eq!(report.rows(table), rows, "{table}");
    }
    let stored = [
        ("customers", count::<entity::customer::Entity>(db).await),
        ("contacts", count::<entity::contact::Entity>(db).await),
        ("leads", count::<entity::lead::Entity>(db).await),
        (
            "opportunities",
            count::<entity::opportunity::Entity>(db).await,
        ),
        ("visit_tasks", count::<entity::visit_task::Entity>(db).await),
        ("follow_ups", count::<entity::follow_up::Entity>(db).await),
        ("contracts", count::<entity::contract::Entity>(db).await),
        (
            "installments",
            count::<entity::installment::Entity>(db).await,
        ),
        ("payments", count::<entity::payment::Entity>(db).await),
        ("allocations", count::<entity::allocation::Entity>(db).await),
        (
            "sales_targets",
            count::<entity::sales_target::Entity>(db).await,
        ),
        ("campaigns", count::<entity::campaign::Entity>(db).await),
        (
            "campaign_costs",
            count::<entity::campaign_cost::Entity>(db).await,
        ),
        (
            "campaign_members",
            count::<entity::campaign_member::Entity>(db).await,
        ),
    ];
    for (table, rows) in stored {
        assert_eq!(report.rows(table), rows, "{table} as stored");
    }
    // The catalogue, and line items on every deal adding up exactly to its amount.
    assert_eq!(
        (report.rows("product_lines"), report.rows("products")),
        (scaled(20.0), scaled(500.0))
    );
    let mut sums = std::collections::HashMap::new();
    for line in entity::opportunity_line_item::Entity::find()
        .all(db)
        .await
        .unwrap()
    {
        assert!(line.quantity_thousandths > 0 && line.cost_minor.is_some());
        *sums.entry(line.opportunity_id).or_insert(0_i64) += line.amount_minor;
    }
    for deal in entity::opportunity::Entity::find().all(db).await.unwrap() {
        assert_eq!(
            sums.get(&deal.id),
            Some(&deal.amount_minor),
            "{}",
            deal.name
        );
    }
    // The bootstrap admin stays; the seeded users come on top.
    assert_eq!(
        count::<entity::user::Entity>(db).await,
        report.rows("users") + 1
    );
    assert_eq!(report.rows("payments"), report.rows("allocations"));
    assert!(report.rows("installments") > 0 && report.rows("payments") > 0);

    // A rep's morning: today's tasks, all at the rep's own customers.
    let (rep, rep_id) = sign_in(&app, "rep1").await;
    let body = app
        .gql(
            Some(&rep),
            "{ myVisitTasks { id status localDate customer { id owner { id } } } }",
            json!({}),
        )
        .await;
    let tasks = body["data"]["myVisitTasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(tasks.len() >= 5, "{body}");
    for task in tasks {
        assert_eq!(task["customer"]["owner"]["id"], rep_id.as_str(), "{task}");
        assert_eq!(task["localDate"], "2026-06-15", "{task}");
        assert_eq!(task["status"], "PLANNED", "{task}");
    }

    // The ledger holds.
    let (admin, _) = sign_in(&app, "admin").await;
    let body = app
        .gql(
            Some(&admin),
            "{ verifyLedger { ok problems installmentsChecked paymentsChecked } }",
            json!({}),
        )
        .await;
    let check = &body["data"]["verifyLedger"];
    assert_eq!(check["ok"], true, "{body}");
    assert_eq!(
        check["installmentsChecked"].as_u64(),
        Some(report.rows("installments"))
    );
    assert_eq!(
        check["paymentsChecked"].as_u64(),
        Some(report.rows("payments"))
    );

    // Signed and completed contracts are executed: their orders add up to the contract, a
    // completed one's are delivered in full, and every line's delivered amount is the sum of
    // its deliveries.
    {
        use std::collections::HashMap;
        let contracts: HashMap<uuid::Uuid, entity::contract::Model> =
            entity::contract::Entity::find()
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|c| (c.id, c))
                .collect();
        let orders = entity::order::Entity::find().all(db).await.unwrap();
        assert!(!orders.is_empty() && report.rows("deliveries") > 0);
        let mut ordered: HashMap<uuid::Uuid, i64> = HashMap::new();
        for order in &orders {
            *ordered.entry(order.contract_id).or_default() += order.amount_minor;
            let contract = &contracts[&order.contract_id];
            if contract.status == "COMPLETED" {
                assert_eq!(order.status, "DELIVERED", "{order:?}");
            }
        }
        for contract in contracts.values() {
            let executed = matches!(contract.status.as_str(), "SIGNED" | "COMPLETED");
            assert_eq!(
                ordered.get(&contract.id).copied(),
                executed.then_some(contract.amount_minor),
                "{contract:?}"
            );
        }
        let mut delivered: HashMap<uuid::Uuid, i64> = HashMap::new();
        for line in entity::delivery_line::Entity::find().all(db).await.unwrap() {
            *delivered.entry(line.order_line_id).or_default() += line.amount_minor;
        }
        for line in entity::order_line::Entity::find().all(db).await.unwrap() {
            assert_eq!(
                delivered.get(&line.id).copied().unwrap_or(0),
                line.delivered_minor,
                "{line:?}"
            );
        }
        let counter = entity::document_counter::Entity::find_by_id(("ORDER".to_owned(), 2026))
            .one(db)
            .await
            .unwrap();
        let numbered = orders.iter().filter(|o| o.year == 2026).count() as i64;
        assert_eq!(
            counter.map(|c| c.last_value).unwrap_or(0),
            numbered,
            "gapless"
        );
    }

    // Finance sees money outstanding.
    let (finance, _) = sign_in(&app, "finance1").await;
    let body = app
        .gql(
            Some(&finance),
            "query($input: ReceivablesAgingInput!) { receivablesAging(input: $input) { rows { key } \
             totals { current d1To30 d31To60 d61To90 over90 total } } }",
            json!({"input": {"asOf": "2026-06-15", "groupBy": "CUSTOMER"}}),
        )
        .await;
    let aging = &body["data"]["receivablesAging"];
    let total: f64 = aging["totals"]["total"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .parse()
        .unwrap();
    assert!(total > 0.0, "{body}");
    assert!(!aging["rows"].as_array().unwrap().is_empty(), "{body}");

    // A manager's pipeline.
    let (manager, _) = sign_in(&app, "manager1").await;
    let body = app
        .gql(
            Some(&manager),
            "{ opportunities(first: 20) { totalCount nodes { id status } } }",
            json!({}),
        )
        .await;
    let page = &body["data"]["opportunities"];
    assert!(
        !page["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .is_empty(),
        "{body}"
    );
    assert_eq!(
        page["totalCount"].as_u64(),
        Some(report.rows("opportunities")),
        "one team: the manager sees every deal"
    );
}

/// What two seeded databases are compared on: ids, amounts, dates and statuses, in id order.
async fn fingerprint(db: &DatabaseConnection) -> Vec<String> {
    let mut rows = Vec::new();
    for c in entity::contract::Entity::find()
        .order_by_asc(entity::contract::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        rows.push(format!(
            "contract {} {} {} {}",
            c.id, c.number, c.amount_minor, c.status
        ));
    }
    for l in entity::opportunity_line_item::Entity::find()
        .order_by_asc(entity::opportunity_line_item::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        rows.push(format!(
            "line {} {} {} {}",
            l.id, l.opportunity_id, l.product_id, l.amount_minor
        ));
    }
    for o in entity::order::Entity::find()
        .order_by_asc(entity::order::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        rows.push(format!(
            "order {} {} {} {}",
            o.id, o.number, o.amount_minor, o.status
        ));
    }
    for d in entity::delivery::Entity::find()
        .order_by_asc(entity::delivery::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        rows.push(format!(
            "delivery {} {} {}",
            d.id, d.order_id, d.delivered_on
        ));
    }
    for i in entity::installment::Entity::find()
        .order_by_asc(entity::installment::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        rows.push(format!(
            "installment {} {} {} {} {}",
            i.id, i.due_date, i.amount_minor, i.paid_minor, i.status
        ));
    }
    for p in entity::payment::Entity::find()
        .order_by_asc(entity::payment::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        rows.push(format!(
            "payment {} {} {} {}",
            p.id, p.amount_minor, p.received_date, p.reference
        ));
    }
    for v in entity::visit_task::Entity::find()
        .order_by_asc(entity::visit_task::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        rows.push(format!(
            "visit {} {} {} {}",
            v.id,
            v.planned_start.to_rfc3339(),
            v.status,
            v.customer_id
        ));
    }
    for (u, credential) in entity::user::Entity::find()
        .order_by_asc(entity::user::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .zip(
            entity::user_credential::Entity::find()
                .order_by_asc(entity::user_credential::Column::UserId)
                .all(db)
                .await
                .unwrap(),
        )
    {
        assert_eq!(u.id, credential.user_id, "one credential per user");
        rows.push(format!(
            "user {} {} {}",
            u.id, u.email, credential.password_hash
        ));
    }
    rows
}

/// A fresh, migrated database seeded with `seed`, fingerprinted.
async fn seeded_fingerprint(seed: u64) -> Vec<String> {
    let test_db = TestDb::create_for_test().await;
    let db = test_db.connect().await;
    salesgraph::db::migrate(&db).await.unwrap();
    seed::run(&db, &options(seed)).await.unwrap();
    let rows = fingerprint(&db).await;
    let _ = db.close().await;
    rows
}

#[tokio::test]
async fn the_same_seed_gives_the_same_rows_and_another_seed_other_rows() {
    let first = seeded_fingerprint(7).await;
    let again = seeded_fingerprint(7).await;
    assert!(first.len() > 2_000, "{}", first.len());
    assert_eq!(first.len(), again.len());
    for (a, b) in first.iter().zip(&again) {
        assert_eq!(a, b);
    }
    let other = seeded_fingerprint(8).await;
    assert_ne!(first, other);
}

#[tokio::test]
async fn seeding_refuses_a_database_that_holds_data() {
    let app = TestApp::spawn_at(now()).await;
    app.a_user().create().await;
    let refused = seed::run(&app.state.db, &options(42)).await;
    assert!(
        matches!(refused, Err(SeedError::NotEmpty(_))),
        "{refused:?}"
    );
    assert_eq!(count::<entity::team::Entity>(&app.state.db).await, 0);
    assert_eq!(count::<entity::user::Entity>(&app.state.db).await, 2);

    // Once seeded, a database is no longer empty either.
    let (seeded, report) = seeded_app().await;
    let again = seed::run(&seeded.state.db, &options(42)).await;
    assert!(matches!(again, Err(SeedError::NotEmpty(_))), "{again:?}");
    assert_eq!(
        count::<entity::customer::Entity>(&seeded.state.db).await,
        report.rows("customers")
    );
    // Nonsense scales never reach the database.
    let mut tiny = options(42);
    tiny.scale = 0.0;
    assert!(matches!(
        seed::run(&app.state.db, &tiny).await,
        Err(SeedError::Invalid(_))
    ));
}

/// The seeded account that may decide a step of `role` (one team, one finance user at this
/// scale).
fn approver_of(role: &str) -> &'static str {
    match role {
        "SALES_MANAGER" => "manager1",
        "FINANCE" => "finance1",
        _ => "admin",
    }
}

#[tokio::test]
async fn work_continues_after_seeding_numbers_and_pending_approvals() {
    let (app, _) = seeded_app().await;
    let db = &app.state.db;
    let counter = entity::document_counter::Entity::find_by_id(("CONTRACT".to_owned(), 2026))
        .one(db)
        .await
        .unwrap()
        .expect("a counter for the seeded year");
    let numbers: Vec<String> = entity::contract::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.year == 2026)
        .map(|c| c.number)
        .collect();
    assert_eq!(numbers.len() as i64, counter.last_value, "gapless");
    let (rep, _) = sign_in(&app, "rep1").await;
    let body = app
        .gql(
            Some(&rep),
            "{ customers(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let customer = body["data"]["customers"]["nodes"][0]["id"].clone();
    assert!(customer.is_string(), "{body}");
    let body: Value = app
        .gql(
            Some(&rep),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { number } } }",
            json!({"input": {"customerId": customer, "title": "After the seed", "amount": "1000.00"}}),
        )
        .await;
    let number = body["data"]["createContract"]["contract"]["number"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(
        number,
        format!("C-2026-{:06}", counter.last_value + 1),
        "{body}"
    );
    assert!(!numbers.iter().any(|n| n == number));

    // A pending request's current step is decided through the API: the snapshot matches.
    use sea_orm::{ColumnTrait, QueryFilter};
    let pending = entity::approval_request::Entity::find()
        .filter(entity::approval_request::Column::Status.eq("PENDING"))
        .order_by_asc(entity::approval_request::Column::Id)
        .all(db)
        .await
        .unwrap();
    assert!(
        !pending.is_empty(),
        "the seed leaves some approvals pending"
    );
    for request in pending {
        let step = entity::approval_step::Entity::find()
            .filter(entity::approval_step::Column::RequestId.eq(request.id))
            .filter(entity::approval_step::Column::Position.eq(request.current_position))
            .one(db)
            .await
            .unwrap()
            .expect("the current step");
        assert_eq!(step.status, "PENDING");
        let (token, _) = sign_in(&app, approver_of(&step.role)).await;
        let id = salesgraph::ids::encode_id(salesgraph::ids::NodeType::ApprovalRequest, request.id);
        let body = app
            .gql(
                Some(&token),
                "mutation($input: ApproveRequestInput!) { approveRequest(input: $input) { request { status version } } }",
                json!({"input": {"requestId": id.to_string()}}),
            )
            .await;
        let decided = &body["data"]["approveRequest"]["request"];
        assert_eq!(
            decided["version"].as_i64(),
            Some(i64::from(request.version) + 1),
            "{body}"
        );
        assert!(
            decided["status"] == "PENDING" || decided["status"] == "APPROVED",
            "{body}"
        );
    }
}

#[tokio::test]
async fn seeded_names_are_searchable_at_once_in_chinese_and_pinyin() {
    let (app, report) = seeded_app().await;
    let docs = report
        .tables
        .iter()
        .find(|(table, _)| *table == "search_docs")
        .map(|(_, n)| *n);
    assert!(docs.is_some_and(|n| n > 0), "{:?}", report.tables);
    let (admin, _) = sign_in(&app, "admin").await;
    let query = "query($q: String!) { search(query: $q, types: [CUSTOMER], first: 50) { ... on Customer { name } } }";
    let names = |body: Value| -> Vec<String> {
        body["data"]["search"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let chinese = names(app.gql(Some(&admin), query, json!({"q": "有限公司"})).await);
    assert!(!chinese.is_empty());
    assert!(
        chinese.iter().all(|n| n.contains("有限公司")),
        "{chinese:?}"
    );
    // The first one's city by its pinyin initials: 上海 sh, 北京 bj, 广州 gz, 深圳 sz, 成都 cd.
    let city: String = chinese[0].chars().take(2).collect();
    let initials = match city.as_str() {
        "上海" => "sh",
        "北京" => "bj",
        "广州" => "gz",
        "深圳" => "sz",
        _ => "cd",
    };
    let by_initials = names(
        app.gql(
            Some(&admin),
            query,
            json!({"q": format!("{initials} 有限公司")}),
        )
        .await,
    );
    assert!(by_initials.contains(&chinese[0]), "{by_initials:?}");
}
