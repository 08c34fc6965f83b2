//! Customers near where a rep stands, nearest first, with their last visit and open deals:
//! three statements whatever the number of customers. The customers come from a bounding box
//! on their indexed latitude and longitude (no GIS extension needed), ordered in SQL by a flat
//! approximation of the distance; the great-circle distance then decides the radius and the
//! order.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::input::GeoPoint;
use crate::visits::geo::distance_meters;
use entity::{customer, opportunity, visit_task};

/// The widest search, in metres.
pub const MAX_RADIUS_M: i32 = 50_000;
/// The most customers one search answers.
pub const MAX_FIRST: i32 = 100;
/// Metres per degree of latitude (and of longitude on the equator).
const METRES_PER_DEGREE: f64 = 111_195.0;

/// A customer near the point.
#[derive(Debug, Clone)]
pub struct Nearby {
    pub customer: customer::Model,
    pub distance_m: f64,
    /// The last check-out of a visit there that the viewer may see.
    pub last_visit_at: Option<DateTime<Utc>>,
    /// The open deals with this customer that the viewer may see.
    pub open_deals: i32,
    pub open_amount_minor: i64,
}

/// The latitude range and longitude ranges (two across the antimeridian) within `radius_m` of
/// `center`.
pub fn bounding_box(center: GeoPoint, radius_m: f64) -> ((f64, f64), Vec<(f64, f64)>) {
    let d_lat = radius_m / METRES_PER_DEGREE;
    let lat = (center.lat - d_lat, center.lat + d_lat);
    // Near a pole every longitude is close.
    let cos = center.lat.to_radians().cos();
    if lat.0 <= -90.0 || lat.1 >= 90.0 || cos < 1e-6 {
        return ((lat.0.max(-90.0), lat.1.min(90.0)), vec![(-180.0, 180.0)]);
    }
    let d_lng = (radius_m / (METRES_PER_DEGREE * cos)).min(180.0);
    let (west, east) = (center.lng - d_lng, center.lng + d_lng);
    let lngs = if west < -180.0 {
        vec![(west + 360.0, 180.0), (-180.0, east)]
    } else if east > 180.0 {
        vec![(west, 180.0), (-180.0, east - 360.0)]
    } else {
        vec![(west, east)]
    };
    (lat, lngs)
}

/// Checks a search. Errors: `BAD_USER_INPUT` on `radiusMeters` or `first`.
pub fn check(radius_m: i32, first: i32) -> AppResult<()> {
    if !(1..=MAX_RADIUS_M).contains(&radius_m) {
        return Err(AppError::bad_input(
            "radiusMeters",
            format!("A radius is 1 to {MAX_RADIUS_M} metres"),
        ));
    }
    if !(1..=MAX_FIRST).contains(&first) {
        return Err(AppError::bad_input(
            "first",
            format!("At most {MAX_FIRST} customers at a time"),
        ));
    }
    Ok(())
}

/// The visible customers within `radius_m` of `center`, nearest first (at most `first`).
pub async fn nearby(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    center: GeoPoint,
    radius_m: i32,
    first: i32,
) -> AppResult<Vec<Nearby>> {
    check(radius_m, first)?;
    let radius = f64::from(radius_m);
    let ((south, north), lngs) = bounding_box(center, radius);
    let mut within = Condition::any();
    for (west, east) in lngs {
        within = within.add(
            Condition::all()
                .add(customer::Column::Longitude.gte(west))
                .add(customer::Column::Longitude.lte(east)),
        );
    }
    let cos = center.lat.to_radians().cos();
    let d_lat = Expr::col(customer::Column::Latitude).sub(center.lat);
    let d_lng = Expr::col(customer::Column::Longitude)
        .sub(center.lng)
        .mul(cos);
    let flat = d_lat.clone().mul(d_lat).add(d_lng.clone().mul(d_lng));
    // Candidates beyond the radius (the box's corners) sort last; twice what is asked for, and
    // some, covers them.
    let candidates = customer::Entity::find()
        .filter(crate::policy::customers_on(
            viewer,
            db.get_database_backend(),
        ))
        .filter(customer::Column::Latitude.gte(south))
        .filter(customer::Column::Latitude.lte(north))
        .filter(within)
        .order_by(flat, Order::Asc)
        .order_by_asc(customer::Column::Id)
        .limit(u64::try_from(first).unwrap_or(0) * 2 + 20)
        .all(db)
        .await?;
    let mut found: Vec<(customer::Model, f64)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = distance_meters(center.lat, center.lng, c.latitude?, c.longitude?);
            (d <= radius).then_some((c, d))
        })
        .collect();
    found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.id.cmp(&b.0.id)));
    found.truncate(usize::try_from(first).unwrap_or(0));
    let ids: Vec<Uuid> = found.iter().map(|(c, _)| c.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let last_visits: HashMap<Uuid, DateTime<Utc>> = visit_task::Entity::find()
        .select_only()
        .column(visit_task::Column::CustomerId)
        .column_as(Expr::col(visit_task::Column::CheckOutAt).max(), "last")
        .filter(visit_task::Column::CustomerId.is_in(ids.clone()))
        .filter(visit_task::Column::CheckOutAt.is_not_null())
        .filter(crate::policy::visits(viewer))
        .group_by(visit_task::Column::CustomerId)
        .into_tuple::<(Uuid, Option<DateTime<Utc>>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect();
    let mut open: HashMap<Uuid, (i32, i64)> = HashMap::new();
    for (customer_id, amount) in opportunity::Entity::find()
        .select_only()
        .column(opportunity::Column::CustomerId)
        .column(opportunity::Column::AmountMinor)
        .filter(opportunity::Column::CustomerId.is_in(ids))
        .filter(opportunity::Column::Status.eq("OPEN"))
        .filter(crate::policy::opportunities(viewer))
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
    {
        let entry = open.entry(customer_id).or_default();
        entry.0 = entry.0.saturating_add(1);
        entry.1 = entry.1.saturating_add(amount);
    }
    Ok(found
        .into_iter()
        .map(|(customer, distance_m)| {
            let (open_deals, open_amount_minor) =
                open.get(&customer.id).copied().unwrap_or_default();
            Nearby {
                last_visit_at: last_visits.get(&customer.id).copied(),
                open_deals,
                open_amount_minor,
                distance_m,
                customer,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lat: f64, lng: f64) -> GeoPoint {
        GeoPoint { lat, lng }
    }

    #[test]
    fn the_box_holds_the_circle() {
        let ((south, north), lngs) = bounding_box(point(31.23, 121.47), 10_000.0);
        assert!((north - south - 2.0 * 10_000.0 / METRES_PER_DEGREE).abs() < 1e-9);
        assert_eq!(lngs.len(), 1);
        let (west, east) = lngs[0];
        // 10 km east of the centre lies inside.
        let d = distance_meters(31.23, 121.47, 31.23, east);
        assert!(d >= 10_000.0 - 1.0, "{d}");
        assert!(west < 121.47 && east > 121.47);
    }

    #[test]
    fn across_the_antimeridian_the_box_has_two_sides_and_at_a_pole_every_longitude() {
        let (_, lngs) = bounding_box(point(-17.0, 179.95), 20_000.0);
        assert_eq!(lngs.len(), 2, "{lngs:?}");
        assert!(lngs.iter().any(|(w, _)| *w == -180.0));
        let (lat, lngs) = bounding_box(point(89.99, 0.0), 5_000.0);
        assert_eq!(lngs, vec![(-180.0, 180.0)]);
        assert_eq!(lat.1, 90.0);
    }

    #[test]
    fn radius_and_count_are_bounded() {
        assert!(check(1, 1).is_ok());
        assert!(check(0, 10).is_err());
        assert!(check(50_001, 10).is_err());
        assert!(check(100, 0).is_err());
        assert!(check(100, 101).is_err());
    }
}
