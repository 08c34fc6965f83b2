//! The yardstick the load benchmark measures GraphQL against: the same data, fetched by
//! hand-written SQL with joins, served by the same process through the same connection pool
//! behind the same bearer-token check. Bench-only: these routes exist in benchmark binaries and
//! nowhere else.

#![allow(dead_code)] // only the load benchmark mounts these routes

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use salesgraph::AppState;
use salesgraph::ids::{NodeType, decode_any, encode_id};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value as SqlValue};
use serde_json::{Value, json};
use uuid::Uuid;

type Answer = Result<Json<Value>, (StatusCode, String)>;

/// `/baseline/<operation>` routes, each answering `{"data": …}` shaped like its GraphQL twin.
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/baseline/my-visit-tasks", post(my_visit_tasks))
        .route("/baseline/opportunities", post(opportunities))
        .route("/baseline/opportunities-page", post(opportunities_page))
        .route("/baseline/customers-managed", post(customers_managed))
        .route("/baseline/customers-all", post(customers_all))
        .route("/baseline/contracts-managed", post(contracts_managed))
        .route("/baseline/contracts-all", post(contracts_all))
        .route("/baseline/leads-by-score", post(leads_by_score))
        .route("/baseline/customer", post(customer))
        .route("/baseline/receivables-aging", post(receivables_aging))
        .route("/baseline/search-own", post(search_own))
        .route("/baseline/search-all", post(search_all))
        .with_state(state)
}

fn failed(err: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
}

/// The signed-in user, from the same token check GraphQL requests pass.
fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Uuid, (StatusCode, String)> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or((StatusCode::UNAUTHORIZED, "no token".to_owned()))?;
    state
        .jwt
        .verify(token, state.clock.now())
        .map(|claims| claims.sub)
        .map_err(|_| (StatusCode::UNAUTHORIZED, "bad token".to_owned()))
}

/// `$1, $2, …` for PostgreSQL, `?` for SQLite (every placeholder appears once, in order).
pub fn statement(state: &AppState, sql: &str, values: Vec<SqlValue>) -> Statement {
    let backend = state.db.get_database_backend();
    let sql = if backend == DbBackend::Sqlite {
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

async fn rows(
    state: &AppState,
    sql: &str,
    values: Vec<SqlValue>,
) -> Result<Vec<QueryResult>, (StatusCode, String)> {
    state
        .db
        .query_all_raw(statement(state, sql, values))
        .await
        .map_err(failed)
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, index: usize) -> Result<T, (StatusCode, String)> {
    row.try_get_by_index(index).map_err(failed)
}

/// The opaque global id clients see.
fn gid(kind: NodeType, id: Uuid) -> String {
    encode_id(kind, id).0
}

fn money(minor: i64) -> String {
    Decimal::new(minor, 2).to_string()
}

/// A time as the API's `DateTime` scalar writes it (UTC, milliseconds, `Z`).
fn when(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn location(lat: Option<f64>, lng: Option<f64>) -> Value {
    match (lat, lng) {
        (Some(lat), Some(lng)) => json!({"lat": lat, "lng": lng}),
        _ => Value::Null,
    }
}

/// The body's `variables`.
fn variable<'a>(body: &'a Value, name: &str) -> Result<&'a Value, (StatusCode, String)> {
    body.get("variables")
        .and_then(|v| v.get(name))
        .ok_or((StatusCode::BAD_REQUEST, format!("missing {name}")))
}

/// A rep's day with what each task links to, each link only where the rep may see it (their
/// customers, contacts of their customers, deals they own or hold a split of), as the API does.
const MY_VISIT_TASKS: &str = "SELECT v.id, v.version, v.status, v.purpose, v.planned_start, v.planned_end, \
    v.address, v.latitude, v.longitude, c.name, c.address, c.grade, c.latitude, c.longitude, \
    f.kind, f.content, f.occurred_at, ct.name, ct.phone, o.name, o.amount_minor, s.name \
    FROM visit_tasks v \
    LEFT JOIN customers c ON c.id = v.customer_id AND c.owner_id = $1 \
    LEFT JOIN contacts ct ON ct.id = v.contact_id \
        AND ct.customer_id IN (SELECT c2.id FROM customers c2 WHERE c2.owner_id = $2) \
    LEFT JOIN opportunities o ON o.id = v.opportunity_id AND (o.owner_id = $3 \
        OR o.id IN (SELECT sp.opportunity_id FROM opportunity_splits sp WHERE sp.user_id = $4)) \
    LEFT JOIN pipeline_stages s ON s.id = o.stage_id \
    LEFT JOIN follow_ups f ON f.id = (SELECT f2.id FROM follow_ups f2 \
        WHERE f2.customer_id = c.id ORDER BY f2.occurred_at DESC, f2.id DESC LIMIT 1) \
    WHERE v.assignee_id = $5 AND v.local_date = $6 AND v.status <> 'CANCELLED' \
    ORDER BY v.planned_start, v.id";

async fn my_visit_tasks(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    let user = viewer(&state, &headers)?;
    let day: NaiveDate = variable(&body, "d")?
        .as_str()
        .and_then(|d| d.parse().ok())
        .ok_or((StatusCode::BAD_REQUEST, "bad date".to_owned()))?;
    let mut tasks = Vec::new();
    let values = vec![
        user.into(),
        user.into(),
        user.into(),
        user.into(),
        user.into(),
        day.into(),
    ];
    for row in rows(&state, MY_VISIT_TASKS, values).await? {
        let follow_up = match get::<Option<String>>(&row, 14)? {
            Some(kind) => json!({"kind": kind, "content": get::<String>(&row, 15)?,
                "occurredAt": when(get(&row, 16)?)}),
            None => Value::Null,
        };
        let contact = match get::<Option<String>>(&row, 17)? {
            Some(name) => json!({"name": name, "phone": get::<Option<String>>(&row, 18)?}),
            None => Value::Null,
        };
        let deal = match get::<Option<String>>(&row, 19)? {
            Some(name) => json!({"name": name, "amount": money(get(&row, 20)?),
                "stage": {"name": get::<String>(&row, 21)?}}),
            None => Value::Null,
        };
        let customer = match get::<Option<String>>(&row, 9)? {
            Some(name) => json!({"name": name, "address": get::<Option<String>>(&row, 10)?,
                "storedGrade": get::<Option<String>>(&row, 11)?, "location": location(get(&row, 12)?, get(&row, 13)?),
                "lastFollowUp": follow_up}),
            None => Value::Null,
        };
        tasks.push(json!({
            "id": gid(NodeType::VisitTask, get(&row, 0)?), "version": get::<i32>(&row, 1)?, "status": get::<String>(&row, 2)?,
            "purpose": get::<String>(&row, 3)?, "plannedStart": when(get(&row, 4)?),
            "plannedEnd": when(get(&row, 5)?), "address": get::<Option<String>>(&row, 6)?,
            "location": location(get(&row, 7)?, get(&row, 8)?),
            "customer": customer,
            "contact": contact, "opportunity": deal,
        }));
    }
    Ok(Json(json!({"data": {"myVisitTasks": tasks}})))
}

/// The viewer's own deals, those of the members of the teams they manage, and those a member
/// holds a revenue split of — the same rows the API shows a manager, written the way each
/// database answers fastest by hand (id arrays probed through indexes on PostgreSQL).
fn managed_deals(backend: DbBackend) -> String {
    let members = "SELECT u.id FROM users u WHERE u.id = $1 \
        OR u.team_id IN (SELECT t.id FROM teams t WHERE t.manager_id = $2)";
    let split_members = members.replace("$1", "$3").replace("$2", "$4");
    if backend == DbBackend::Postgres {
        format!(
            "(o.owner_id = ANY(ARRAY({members})) OR o.id = ANY(ARRAY(SELECT s.opportunity_id \
             FROM opportunity_splits s WHERE s.user_id = ANY(ARRAY({split_members})))))"
        )
    } else {
        format!(
            "(o.owner_id IN ({members}) OR o.id IN (SELECT s.opportunity_id \
             FROM opportunity_splits s WHERE s.user_id IN ({split_members})))"
        )
    }
}

async fn opportunities(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Answer {
    let user = viewer(&state, &headers)?;
    let visible = managed_deals(state.db.get_database_backend());
    let four = || vec![user.into(), user.into(), user.into(), user.into()];
    let count = rows(
        &state,
        &format!("SELECT COUNT(*) FROM opportunities o WHERE {visible}"),
        four(),
    )
    .await?;
    let total: i64 = match count.first() {
        Some(row) => get(row, 0)?,
        None => 0,
    };
    let page = deal_rows(&state, &visible, four(), PAGE).await?;
    let edges = deal_edges(page)?;
    Ok(Json(
        json!({"data": {"opportunities": {"totalCount": total, "edges": edges}}}),
    ))
}

/// The first `limit` deals `visible` selects (with `values`), oldest first, with their
/// customer, owner and stage.
async fn deal_rows(
    state: &AppState,
    visible: &str,
    values: Vec<SqlValue>,
    limit: usize,
) -> Result<Vec<QueryResult>, (StatusCode, String)> {
    let sql = format!(
        "SELECT o.id, o.name, o.amount_minor, o.status, o.expected_close_date, c.id, c.name, \
         u.id, u.display_name, s.id, s.name FROM opportunities o \
         JOIN customers c ON c.id = o.customer_id JOIN users u ON u.id = o.owner_id \
         JOIN pipeline_stages s ON s.id = o.stage_id \
         WHERE {visible} ORDER BY o.id LIMIT {limit}"
    );
    rows(state, &sql, values).await
}

/// The edges of the rows of [`deal_rows`].
fn deal_edges(page: Vec<QueryResult>) -> Result<Vec<Value>, (StatusCode, String)> {
    let mut edges = Vec::with_capacity(page.len());
    for row in page {
        edges.push(json!({"node": {
            "id": gid(NodeType::Opportunity, get(&row, 0)?), "name": get::<String>(&row, 1)?, "amount": money(get(&row, 2)?),
            "status": get::<String>(&row, 3)?, "expectedCloseDate": get::<NaiveDate>(&row, 4)?,
            "customer": {"id": gid(NodeType::Customer, get(&row, 5)?), "name": get::<String>(&row, 6)?},
            "owner": {"id": gid(NodeType::User, get(&row, 7)?), "displayName": get::<String>(&row, 8)?},
            "stage": {"id": gid(NodeType::PipelineStage, get(&row, 9)?), "name": get::<String>(&row, 10)?},
        }}));
    }
    Ok(edges)
}

/// The rows of a first page of 20: read one more, keep 20, and say whether there was more.
fn first_page(mut page: Vec<QueryResult>) -> (Vec<QueryResult>, bool) {
    let more = page.len() > PAGE;
    page.truncate(PAGE);
    (page, more)
}

const PAGE: usize = 20;

/// A manager's first page of deals without a count: the 21 rows, nothing else.
async fn opportunities_page(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Answer {
    let user = viewer(&state, &headers)?;
    let visible = managed_deals(state.db.get_database_backend());
    let four = vec![user.into(), user.into(), user.into(), user.into()];
    let (page, more) = first_page(deal_rows(&state, &visible, four, PAGE + 1).await?);
    let edges = deal_edges(page)?;
    Ok(Json(json!({"data": {"opportunities": {
        "pageInfo": {"hasNextPage": more}, "edges": edges}}})))
}

/// `column` is the viewer's or a member's of a team the viewer manages (`$n`, `$n+1`: the
/// viewer), in the form each database answers fastest.
fn managed(backend: DbBackend, column: &str, n: usize) -> String {
    let members = format!(
        "SELECT u.id FROM users u WHERE u.id = ${n} \
         OR u.team_id IN (SELECT t.id FROM teams t WHERE t.manager_id = ${})",
        n + 1
    );
    if backend == DbBackend::Postgres {
        format!("{column} = ANY(ARRAY({members}))")
    } else {
        format!("{column} IN ({members})")
    }
}

/// A first page of customers, oldest first, of those `visible` (with `values`).
async fn customers_page(state: &AppState, visible: &str, values: Vec<SqlValue>) -> Answer {
    let page = rows(
        state,
        &format!(
            "SELECT c.id, c.name, c.grade, c.region FROM customers c WHERE {visible} \
             ORDER BY c.id LIMIT 21"
        ),
        values,
    )
    .await?;
    let (page, more) = first_page(page);
    let mut edges = Vec::with_capacity(page.len());
    for row in page {
        edges.push(json!({"node": {
            "id": gid(NodeType::Customer, get(&row, 0)?), "name": get::<String>(&row, 1)?,
            "storedGrade": get::<Option<String>>(&row, 2)?, "region": get::<Option<String>>(&row, 3)?,
        }}));
    }
    Ok(Json(json!({"data": {"customers": {
        "pageInfo": {"hasNextPage": more}, "edges": edges}}})))
}

async fn customers_managed(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Answer {
    let user = viewer(&state, &headers)?;
    let visible = managed(state.db.get_database_backend(), "c.owner_id", 1);
    customers_page(&state, &visible, vec![user.into(), user.into()]).await
}

async fn customers_all(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Answer {
    viewer(&state, &headers)?;
    customers_page(&state, "TRUE", vec![]).await
}

/// A first page of contracts, newest first, of those `visible`, each with its customer's name
/// where `customer` lets the viewer see it.
async fn contracts_page(
    state: &AppState,
    visible: &str,
    customer: &str,
    values: Vec<SqlValue>,
) -> Answer {
    let page = rows(
        state,
        &format!(
            "SELECT k.id, k.number, k.amount_minor, k.status, c.name FROM contracts k \
             LEFT JOIN customers c ON c.id = k.customer_id AND {customer} \
             WHERE {visible} ORDER BY k.id DESC LIMIT 21"
        ),
        values,
    )
    .await?;
    let (page, more) = first_page(page);
    let mut edges = Vec::with_capacity(page.len());
    for row in page {
        let customer = match get::<Option<String>>(&row, 4)? {
            Some(name) => json!({"name": name}),
            None => Value::Null,
        };
        edges.push(json!({"node": {
            "id": gid(NodeType::Contract, get(&row, 0)?), "number": get::<String>(&row, 1)?,
            "amount": money(get(&row, 2)?), "status": get::<String>(&row, 3)?, "customer": customer,
        }}));
    }
    Ok(Json(json!({"data": {"contracts": {
        "pageInfo": {"hasNextPage": more}, "edges": edges}}})))
}

async fn contracts_managed(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Answer {
    let user = viewer(&state, &headers)?;
    let backend = state.db.get_database_backend();
    let customer = managed(backend, "c.owner_id", 1);
    let visible = format!(
        "({} OR k.customer_id IN (SELECT c2.id FROM customers c2 WHERE {}))",
        managed(backend, "k.owner_id", 3),
        managed(backend, "c2.owner_id", 5)
    );
    let six = (0..6).map(|_| user.into()).collect();
    contracts_page(&state, &visible, &customer, six).await
}

async fn contracts_all(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Answer {
    viewer(&state, &headers)?;
    contracts_page(&state, "TRUE", "TRUE", vec![]).await
}

/// A manager's leads (their teams', not the pool), highest score first.
async fn leads_by_score(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Answer {
    let user = viewer(&state, &headers)?;
    let visible = managed(state.db.get_database_backend(), "l.owner_id", 1);
    let page = rows(
        &state,
        &format!(
            "SELECT l.id, l.name, l.score, l.status FROM leads l WHERE {visible} \
             ORDER BY l.score DESC, l.id DESC LIMIT 21"
        ),
        vec![user.into(), user.into()],
    )
    .await?;
    let (page, more) = first_page(page);
    let mut edges = Vec::with_capacity(page.len());
    for row in page {
        edges.push(json!({"node": {
            "id": gid(NodeType::Lead, get(&row, 0)?), "name": get::<String>(&row, 1)?,
            "score": get::<i32>(&row, 2)?, "status": get::<String>(&row, 3)?,
        }}));
    }
    Ok(Json(json!({"data": {"leads": {
        "pageInfo": {"hasNextPage": more}, "edges": edges}}})))
}

async fn customer(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    let user = viewer(&state, &headers)?;
    let id: Uuid = variable(&body, "id")?
        .as_str()
        .and_then(decode_any)
        .map(|(_, id)| id)
        .ok_or((StatusCode::BAD_REQUEST, "bad id".to_owned()))?;
    let today = state.clock.now().date_naive();
    let head = rows(
        &state,
        "SELECT c.id, c.name, c.address, c.grade, u.display_name FROM customers c \
         JOIN users u ON u.id = c.owner_id WHERE c.id = $1 AND c.owner_id = $2",
        vec![id.into(), user.into()],
    )
    .await?;
    let Some(head) = head.first() else {
        return Err((StatusCode::NOT_FOUND, "no such customer".to_owned()));
    };
    let mut contacts = Vec::new();
    for row in rows(
        &state,
        "SELECT name, phone FROM contacts WHERE customer_id = $1 ORDER BY created_at, id",
        vec![id.into()],
    )
    .await?
    {
        contacts.push(
            json!({"name": get::<String>(&row, 0)?, "phone": get::<Option<String>>(&row, 1)?}),
        );
    }
    let mut deals = Vec::new();
    for row in rows(
        &state,
        "SELECT o.id, o.name, o.amount_minor, s.name FROM opportunities o \
         JOIN pipeline_stages s ON s.id = o.stage_id WHERE o.customer_id = $1 \
         AND (o.owner_id = $2 OR o.id IN (SELECT sp.opportunity_id FROM opportunity_splits sp \
         WHERE sp.user_id = $3)) ORDER BY o.id",
        vec![id.into(), user.into(), user.into()],
    )
    .await?
    {
        deals.push(
            json!({"id": gid(NodeType::Opportunity, get(&row, 0)?), "name": get::<String>(&row, 1)?,
            "amount": money(get(&row, 2)?), "stage": {"name": get::<String>(&row, 3)?}}),
        );
    }
    let last = rows(
        &state,
        "SELECT kind, content, occurred_at FROM follow_ups WHERE customer_id = $1 \
         ORDER BY occurred_at DESC, id DESC LIMIT 1",
        vec![id.into()],
    )
    .await?;
    let last_follow_up = match last.first() {
        Some(row) => json!({"kind": get::<String>(row, 0)?, "content": get::<String>(row, 1)?,
            "occurredAt": when(get(row, 2)?)}),
        None => Value::Null,
    };
    let mut visits = Vec::new();
    for row in rows(
        &state,
        "SELECT id, status, planned_start FROM visit_tasks WHERE customer_id = $1 \
         AND assignee_id = $2 ORDER BY planned_start DESC, id DESC LIMIT 10",
        vec![id.into(), user.into()],
    )
    .await?
    {
        visits.push(
            json!({"id": gid(NodeType::VisitTask, get(&row, 0)?), "status": get::<String>(&row, 1)?,
            "plannedStart": when(get(&row, 2)?)}),
        );
    }
    let mut contracts = Vec::new();
    for row in rows(
        &state,
        "SELECT id, number, amount_minor, status FROM contracts WHERE customer_id = $1 \
         ORDER BY created_at DESC, id DESC",
        vec![id.into()],
    )
    .await?
    {
        contracts.push(
            json!({"id": gid(NodeType::Contract, get(&row, 0)?), "number": get::<String>(&row, 1)?,
            "amount": money(get(&row, 2)?), "status": get::<String>(&row, 3)?}),
        );
    }
    let owed = rows(
        &state,
        "SELECT CAST(COALESCE(SUM(i.amount_minor - i.paid_minor - i.waived_minor), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN i.due_date < $1 THEN i.amount_minor - i.paid_minor - i.waived_minor ELSE 0 END), 0) AS BIGINT), \
         (SELECT CAST(COALESCE(SUM(p.unallocated_minor), 0) AS BIGINT) FROM payments p \
            WHERE p.customer_id = $2 AND p.status = 'RECEIVED') \
         FROM installments i JOIN contracts k ON k.id = i.contract_id \
         WHERE i.customer_id = $3 AND k.status IN ('APPROVED', 'SIGNED', 'COMPLETED') \
         AND i.amount_minor - i.paid_minor - i.waived_minor > 0",
        vec![today.into(), id.into(), id.into()],
    )
    .await?;
    let receivable = match owed.first() {
        Some(row) => json!({"outstanding": money(get(row, 0)?), "overdue": money(get(row, 1)?),
            "credit": money(get(row, 2)?)}),
        None => Value::Null,
    };
    Ok(Json(json!({"data": {"customer": {
        "id": gid(NodeType::Customer, get(head, 0)?), "name": get::<String>(head, 1)?, "address": get::<Option<String>>(head, 2)?,
        "storedGrade": get::<Option<String>>(head, 3)?, "owner": {"displayName": get::<String>(head, 4)?},
        "contacts": {"nodes": contacts}, "opportunities": {"nodes": deals}, "lastFollowUp": last_follow_up,
        "visits": {"nodes": visits}, "contracts": {"nodes": contracts}, "receivable": receivable,
    }}})))
}

async fn receivables_aging(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    viewer(&state, &headers)?;
    let as_of: NaiveDate = variable(&body, "asOf")?
        .as_str()
        .and_then(|d| d.parse().ok())
        .ok_or((StatusCode::BAD_REQUEST, "bad date".to_owned()))?;
    let back = |days| as_of - chrono::Duration::days(days);
    let owed = "i.amount_minor - i.paid_minor - i.waived_minor";
    let sum = |condition: &str| {
        format!("CAST(COALESCE(SUM(CASE WHEN {condition} THEN {owed} ELSE 0 END), 0) AS BIGINT)")
    };
    let sql = format!(
        "SELECT u.team_id, t.name, {}, {}, {}, {}, {} FROM installments i \
         JOIN contracts k ON k.id = i.contract_id JOIN users u ON u.id = k.owner_id \
         LEFT JOIN teams t ON t.id = u.team_id \
         WHERE k.status IN ('APPROVED', 'SIGNED', 'COMPLETED') AND {owed} > 0 \
         GROUP BY u.team_id, t.name",
        sum("i.due_date >= $1"),
        sum("i.due_date < $2 AND i.due_date >= $3"),
        sum("i.due_date < $4 AND i.due_date >= $5"),
        sum("i.due_date < $6 AND i.due_date >= $7"),
        sum("i.due_date < $8"),
    );
    let values = vec![
        as_of.into(),
        as_of.into(),
        back(30).into(),
        back(30).into(),
        back(60).into(),
        back(60).into(),
        back(90).into(),
        back(90).into(),
    ];
    let mut groups = Vec::new();
    let mut totals = [0_i64; 5];
    for row in rows(&state, &sql, values).await? {
        let mut buckets = [0_i64; 5];
        for (slot, bucket) in buckets.iter_mut().enumerate() {
            *bucket = get(&row, slot + 2)?;
            totals[slot] += *bucket;
        }
        groups.push((
            get::<Option<Uuid>>(&row, 0)?,
            get::<Option<String>>(&row, 1)?,
            buckets,
        ));
    }
    groups.sort_by_key(|(_, _, b)| std::cmp::Reverse(b.iter().sum::<i64>()));
    let shape = |b: [i64; 5]| {
        json!({"current": money(b[0]), "d1To30": money(b[1]), "d31To60": money(b[2]),
            "d61To90": money(b[3]), "over90": money(b[4]), "total": money(b.iter().sum())})
    };
    let rows: Vec<Value> = groups
        .into_iter()
        .map(|(key, label, b)| json!({"key": key.map(|k| gid(NodeType::Team, k)), "label": label, "buckets": shape(b)}))
        .collect();
    Ok(Json(
        json!({"data": {"receivablesAging": {"asOf": as_of, "rows": rows, "totals": shape(totals)}}}),
    ))
}

/// Customers whose index document holds `$1` (a pattern), of those `visible`, best named
/// first: the search box's ranked read of one kind, written by hand (terms of 3+ characters).
fn search_sql(backend: DbBackend, visible: &str) -> String {
    let (candidates, position) = if backend == DbBackend::Postgres {
        ("d.body LIKE $1", "strpos")
    } else {
        (
            "d.id IN (SELECT rowid FROM search_trigrams WHERE body LIKE $1)",
            "instr",
        )
    };
    format!(
        "SELECT d.entity_id, c.name FROM search_docs d JOIN customers c ON c.id = d.entity_id \
         WHERE d.entity_type = 'CUSTOMER' AND {candidates} AND {visible} \
         ORDER BY CASE WHEN d.title = $2 THEN 0 WHEN {position}(d.title, $3) = 1 THEN 1 \
         WHEN {position}(d.title, $4) > 0 THEN 2 ELSE 3 END, d.updated_at DESC, d.entity_id LIMIT 10"
    )
}

async fn search_page(state: &AppState, body: &Value, owner: Option<Uuid>) -> Answer {
    let q = variable(body, "q")?
        .as_str()
        .ok_or((StatusCode::BAD_REQUEST, "bad query".to_owned()))?
        .to_lowercase();
    let backend = state.db.get_database_backend();
    let mut values: Vec<SqlValue> = vec![
        format!("%{q}%").into(),
        q.clone().into(),
        q.clone().into(),
        q.into(),
    ];
    let visible = match owner {
        Some(owner) => {
            values.push(owner.into());
            "c.owner_id = $5"
        }
        None => "TRUE",
    };
    let mut found = Vec::new();
    for row in rows(state, &search_sql(backend, visible), values).await? {
        found.push(
            json!({"id": gid(NodeType::Customer, get(&row, 0)?), "name": get::<String>(&row, 1)?}),
        );
    }
    Ok(Json(json!({"data": {"search": found}})))
}

async fn search_own(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    let user = viewer(&state, &headers)?;
    search_page(&state, &body, Some(user)).await
}

async fn search_all(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    viewer(&state, &headers)?;
    search_page(&state, &body, None).await
}
