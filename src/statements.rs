//! Rendered statements kept by shape. The hottest reads (the morning list, the customer 360°
//! view) build large sea-query trees whose structure depends only on the request's shape (the
//! viewer's role, which links were asked for), not on its ids and dates; building and rendering
//! the tree measured about a tenth of such a request's CPU. Here a shape is built once with
//! sentinel ids and dates, the positions where those sentinels landed among the bound values
//! are recorded, and later requests of that shape only put their own values in those positions.
//!
//! A shape is kept only when that substitution is exact: every id, date or time bound in the
//! statement must be one of the sentinels (a value derived from a parameter, say a date a day
//! later, would otherwise be frozen), and no sentinel may appear in the SQL text itself (a value
//! written as a literal). Anything else is built afresh on every request, as before.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{SelectStatement, Value, Values};
use sea_orm::{DbBackend, Statement};
use uuid::Uuid;

use crate::identity::Viewer;

/// The most shapes kept; past it, new shapes are built on every request.
const MAX_SHAPES: usize = 512;

/// One value a shape is parameterised by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param {
    Id(Uuid),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

impl Param {
    /// The id, when this is one.
    pub fn id(&self) -> Option<Uuid> {
        match self {
            Param::Id(id) => Some(*id),
            _ => None,
        }
    }

    /// The date, when this is one.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Param::Date(date) => Some(*date),
            _ => None,
        }
    }

    /// The time, when this is one.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        match self {
            Param::Time(at) => Some(*at),
            _ => None,
        }
    }

    fn value(self) -> Value {
        match self {
            Param::Id(id) => Value::Uuid(Some(id)),
            Param::Date(date) => Value::ChronoDate(Some(date)),
            Param::Time(at) => Value::ChronoDateTimeUtc(Some(at)),
        }
    }

    /// A value of the same kind no request will carry (random, so never a real row's).
    fn sentinel(self) -> Param {
        let noise = Uuid::now_v7().as_u128() & ((1 << 62) - 1);
        match self {
            Param::Id(_) => Param::Id(Uuid::now_v7()),
            Param::Date(_) => {
                let days = i64::try_from(noise % 300_000).unwrap_or(0);
                Param::Date(NaiveDate::MIN + chrono::Duration::days(1_000 + days))
            }
            Param::Time(_) => {
                let seconds = i64::try_from(noise % 10_000_000_000).unwrap_or(0);
                Param::Time(DateTime::<Utc>::MIN_UTC + chrono::Duration::seconds(86_400 + seconds))
            }
        }
    }

    /// The forms the value would take written into SQL text.
    fn literals(self) -> Vec<String> {
        match self {
            Param::Id(id) => vec![id.to_string(), id.simple().to_string()],
            Param::Date(date) => vec![date.to_string()],
            Param::Time(at) => vec![at.format("%Y-%m-%d %H:%M:%S").to_string()],
        }
    }
}

/// Whether a bound value is of a kind that may only come from a parameter.
fn parameter_kind(value: &Value) -> bool {
    matches!(
        value,
        Value::Uuid(_) | Value::ChronoDate(_) | Value::ChronoDateTimeUtc(_) | Value::Array(..)
    )
}

/// Where a statement's bound value comes from.
#[derive(Debug, Clone)]
enum Slot {
    Fixed(Value),
    Param(usize),
}

/// A shape's SQL and where its values come from.
#[derive(Debug)]
struct Template {
    sql: String,
    slots: Vec<Slot>,
}

impl Template {
    /// Records `built` (rendered with `sentinels`) as a template; `None` when substitution
    /// would not be exact.
    fn record(built: Statement, sentinels: &[Param]) -> Option<Template> {
        let sentinel_values: Vec<Value> = sentinels.iter().map(|p| p.value()).collect();
        if sentinels
            .iter()
            .flat_map(|p| p.literals())
            .any(|literal| built.sql.contains(&literal))
        {
            return None;
        }
        let mut slots = Vec::new();
        for value in built.values.map(|v| v.0).unwrap_or_default() {
            match sentinel_values.iter().position(|s| *s == value) {
                Some(index) => slots.push(Slot::Param(index)),
                None if parameter_kind(&value) => return None,
                None => slots.push(Slot::Fixed(value)),
            }
        }
        Some(Template {
            sql: built.sql,
            slots,
        })
    }

    fn fill(&self, backend: DbBackend, params: &[Param]) -> Option<Statement> {
        let mut values = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            values.push(match slot {
                Slot::Fixed(value) => value.clone(),
                Slot::Param(index) => params.get(*index)?.value(),
            });
        }
        Some(Statement {
            sql: self.sql.clone(),
            values: Some(Values(values)),
            db_backend: backend,
        })
    }
}

/// [`select`] for a statement that applies `viewer`'s visibility: the viewer's id and managed
/// teams lead the parameters and their role and number of teams join the shape, so `build`
/// gets a viewer (the real one, or one with sentinel ids) and the remaining `params`.
pub fn for_viewer(
    backend: DbBackend,
    shape: &str,
    viewer: &Viewer,
    params: &[Param],
    build: impl Fn(&Viewer, &[Param]) -> SelectStatement,
) -> Statement {
    let shape = format!(
        "{shape}/{:?}/{}",
        viewer.role,
        viewer.managed_team_ids.len()
    );
    let own = 1 + viewer.managed_team_ids.len();
    let all: Vec<Param> = std::iter::once(viewer.user_id)
        .chain(viewer.managed_team_ids.iter().copied())
        .map(Param::Id)
        .chain(params.iter().copied())
        .collect();
    select(backend, &shape, &all, |p| {
        let (mine, rest) = p.split_at(own.min(p.len()));
        let mut ids = mine.iter().filter_map(Param::id);
        let mut stand_in = viewer.clone();
        if let Some(first) = ids.next() {
            stand_in.user_id = first;
            stand_in.managed_team_ids = ids.collect();
        }
        build(&stand_in, rest)
    })
}

/// The key a shape's template is kept under.
fn key(backend: DbBackend, shape: &str) -> String {
    format!("{backend:?}/{shape}")
}

/// Templates by backend and shape key; `None` marks a shape that cannot be templated.
type Shapes = HashMap<String, Option<Arc<Template>>>;

static SHAPES: LazyLock<RwLock<Shapes>> = LazyLock::new(|| RwLock::new(HashMap::new()));

/// The statement `build(params)` would give, from the template of `shape` when there is one.
/// `shape` must name everything the statement's structure depends on apart from `params`
/// (roles, flags, counts, limits); `build` must use only `params` for ids, dates and times.
pub fn select(
    backend: DbBackend,
    shape: &str,
    params: &[Param],
    build: impl Fn(&[Param]) -> SelectStatement,
) -> Statement {
    let key = key(backend, shape);
    let known = SHAPES
        .read()
        .ok()
        .and_then(|shapes| shapes.get(&key).cloned());
    let template = match known {
        Some(template) => template,
        // A new shape past the limit is built for this request only, not twice.
        None if SHAPES
            .read()
            .map_or(true, |shapes| shapes.len() >= MAX_SHAPES) =>
        {
            None
        }
        None => {
            let sentinels: Vec<Param> = params.iter().map(|p| p.sentinel()).collect();
            let template =
                Template::record(backend.build(&build(&sentinels)), &sentinels).map(Arc::new);
            if let Ok(mut shapes) = SHAPES.write() {
                shapes.insert(key, template.clone());
            }
            template
        }
    };
    template
        .and_then(|template| template.fill(backend, params))
        .unwrap_or_else(|| backend.build(&build(params)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

    fn people(params: &[Param], derived: bool) -> SelectStatement {
        let mut query = Query::select();
        query.column(Alias::new("id")).from(Alias::new("people"));
        if let Some(Param::Id(id)) = params.first() {
            query.and_where(Expr::col(Alias::new("owner_id")).eq(*id));
        }
        if let Some(Param::Date(day)) = params.get(1) {
            let day = if derived {
                *day + chrono::Duration::days(1)
            } else {
                *day
            };
            query.and_where(Expr::col(Alias::new("born")).lt(day));
        }
        query.and_where(Expr::col(Alias::new("status")).eq("ACTIVE"));
        query.limit(7);
        query.to_owned()
    }

    fn sample() -> Vec<Param> {
        vec![
            Param::Id(Uuid::now_v7()),
            Param::Date(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()),
        ]
    }

    /// Whether `shape` is recorded as one that cannot be templated.
    fn refused(backend: DbBackend, shape: &str) -> bool {
        SHAPES
            .read()
            .map(|s| matches!(s.get(&key(backend, shape)), Some(None)))
            .unwrap_or(false)
    }

    #[test]
    fn a_kept_shape_gives_what_building_gives() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let shape = format!("test-people-{}", Uuid::new_v4());
            for _ in 0..3 {
                let params = sample();
                let direct = backend.build(&people(&params, false));
                let templated = select(backend, &shape, &params, |p| people(p, false));
                assert_eq!(templated.sql, direct.sql);
                assert_eq!(templated.values, direct.values);
            }
            let kept = SHAPES
                .read()
                .map(|s| matches!(s.get(&format!("{backend:?}/{shape}")), Some(Some(_))))
                .unwrap_or(false);
            assert!(kept, "the shape was templated");
        }
    }

    #[test]
    fn a_value_derived_from_a_parameter_is_never_frozen() {
        let shape = format!("test-derived-{}", Uuid::new_v4());
        for _ in 0..3 {
            let params = sample();
            let direct = DbBackend::Postgres.build(&people(&params, true));
            let templated = select(DbBackend::Postgres, &shape, &params, |p| people(p, true));
            assert_eq!(templated.values, direct.values);
        }
        assert!(
            refused(DbBackend::Postgres, &shape),
            "the shape was refused"
        );
    }

    #[test]
    fn a_parameter_written_as_a_literal_is_never_frozen() {
        let shape = format!("test-literal-{}", Uuid::new_v4());
        let build = |p: &[Param]| {
            let mut query = Query::select();
            query.column(Alias::new("id")).from(Alias::new("people"));
            if let Some(Param::Id(id)) = p.first() {
                query.and_where(Expr::cust(format!("owner_id = '{id}'")));
            }
            query.to_owned()
        };
        for _ in 0..2 {
            let params = sample();
            let direct = DbBackend::Postgres.build(&build(&params));
            let templated = select(DbBackend::Postgres, &shape, &params, build);
            assert_eq!(templated.sql, direct.sql);
        }
        assert!(
            refused(DbBackend::Postgres, &shape),
            "the shape was refused"
        );
    }

    #[test]
    fn each_viewer_of_a_shape_gets_their_own_visibility() {
        use crate::identity::Role;
        use sea_orm::{EntityTrait, QueryFilter, QueryTrait};
        let manager = |teams: usize| Viewer {
            user_id: Uuid::now_v7(),
            role: Role::SalesManager,
            team_id: None,
            managed_team_ids: (0..teams).map(|_| Uuid::now_v7()).collect(),
            team_manager_id: None,
            timezone: chrono_tz::UTC,
            service: None,
        };
        let build = |viewer: &Viewer, p: &[Param]| {
            let id = p.first().and_then(Param::id).unwrap_or_default();
            entity::customer::Entity::find_by_id(id)
                .filter(crate::policy::customers(viewer))
                .into_query()
        };
        let shape = format!("test-viewer-{}", Uuid::now_v7());
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            for viewer in [manager(2), manager(2), manager(3), manager(3)] {
                let params = [Param::Id(Uuid::now_v7())];
                let direct = backend.build(&build(&viewer, &params));
                let templated = for_viewer(backend, &shape, &viewer, &params, build);
                assert_eq!(templated.sql, direct.sql);
                assert_eq!(templated.values, direct.values);
            }
        }
        let kept = SHAPES
            .read()
            .map(|s| s.keys().filter(|k| k.contains(&shape)).count())
            .unwrap_or(0);
        assert_eq!(kept, 4, "one shape per backend and number of teams");
    }
}
