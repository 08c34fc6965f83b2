//! The order of a day's visits that shortens the drive: nearest neighbour from where the rep
//! stands, then 2-opt, never visiting a stop before one whose planned window ends before this
//! one's begins. Distances are great-circle metres: a fair stand-in for roads across a city.

use chrono::{DateTime, Utc};

use super::geo::distance_meters;

/// The most stops routed; a day with more keeps the rest in time order after them.
pub const MAX_STOPS: usize = 100;
/// The most 2-opt passes over the route.
const MAX_PASSES: usize = 50;

/// One visit to route: where, and its planned window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stop {
    pub lat: f64,
    pub lng: f64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The order found: indexes into the stops, the distance of each leg (from the start point,
/// or from the previous stop), and their sum.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub order: Vec<usize>,
    pub legs: Vec<f64>,
    pub total_meters: f64,
}

fn between(a: &Stop, b: &Stop) -> f64 {
    distance_meters(a.lat, a.lng, b.lat, b.lng)
}

/// Whether `a` must come before `b`: its window closes before `b`'s opens.
fn precedes(a: &Stop, b: &Stop) -> bool {
    a.end <= b.start
}

/// The order of `stops` (at most [`MAX_STOPS`] are routed, the first ones given) from `from`
/// (a point, or the route starts at its first stop).
pub fn plan(from: Option<(f64, f64)>, stops: &[Stop]) -> Route {
    let stops = &stops[..stops.len().min(MAX_STOPS)];
    let origin = from.map(|(lat, lng)| Stop {
        lat,
        lng,
        start: DateTime::<Utc>::MIN_UTC,
        end: DateTime::<Utc>::MIN_UTC,
    });
    let mut order = nearest_neighbour(origin.as_ref(), stops);
    two_opt(origin.as_ref(), stops, &mut order);
    let mut legs = Vec::with_capacity(order.len());
    let mut previous = origin;
    for &i in &order {
        legs.push(previous.map_or(0.0, |p| between(&p, &stops[i])));
        previous = Some(stops[i]);
    }
    Route {
        total_meters: legs.iter().sum(),
        order,
        legs,
    }
}

/// Greedy: the nearest stop that no remaining stop must precede (the earliest window first
/// when there is no start point).
fn nearest_neighbour(origin: Option<&Stop>, stops: &[Stop]) -> Vec<usize> {
    let mut left: Vec<usize> = (0..stops.len()).collect();
    let mut order = Vec::with_capacity(stops.len());
    let mut at = origin.copied();
    while !left.is_empty() {
        let free = left
            .iter()
            .copied()
            .filter(|&c| !left.iter().any(|&u| precedes(&stops[u], &stops[c])));
        let pick = match at {
            Some(here) => free
                .min_by(|&a, &b| between(&here, &stops[a]).total_cmp(&between(&here, &stops[b]))),
            None => free.min_by_key(|&c| (stops[c].start, c)),
        };
        // Windows are intervals, so some remaining stop is always free; keep time order if not.
        let pick = pick.unwrap_or(left[0]);
        left.retain(|&c| c != pick);
        order.push(pick);
        at = Some(stops[pick]);
    }
    order
}

/// Reverses stretches of the route while that shortens it and every stop of the stretch may
/// come in either order (their windows all overlap).
fn two_opt(origin: Option<&Stop>, stops: &[Stop], order: &mut [usize]) {
    let n = order.len();
    let d = |a: Option<&Stop>, b: Option<&Stop>| match (a, b) {
        (Some(a), Some(b)) => between(a, b),
        _ => 0.0,
    };
    for _ in 0..MAX_PASSES {
        let mut improved = false;
        // Without a start point the day begins at its earliest window, which stays first.
        for i in usize::from(origin.is_none())..n {
            // The common part of the windows of order[i..=j]: reversible while not empty.
            let mut latest_start = stops[order[i]].start;
            let mut earliest_end = stops[order[i]].end;
            for j in i + 1..n {
                latest_start = latest_start.max(stops[order[j]].start);
                earliest_end = earliest_end.min(stops[order[j]].end);
                if latest_start >= earliest_end {
                    break;
                }
                let before = if i == 0 {
                    origin
                } else {
                    Some(&stops[order[i - 1]])
                };
                let after = order.get(j + 1).map(|&k| &stops[k]);
                let (first, last) = (Some(&stops[order[i]]), Some(&stops[order[j]]));
                let delta = d(before, last) + d(first, after) - d(before, first) - d(last, after);
                if delta < -1e-6 {
                    order[i..=j].reverse();
                    improved = true;
                    latest_start = stops[order[i]].start;
                    earliest_end = stops[order[i]].end;
                    for &k in &order[i + 1..=j] {
                        latest_start = latest_start.max(stops[k].start);
                        earliest_end = earliest_end.min(stops[k].end);
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// A day's visit tasks in driving order: those already started or over first (as they come),
/// then the planned ones with a location by [`plan`], then planned ones without one. Each
/// planned task has the distance from the previous stop (`None` without a location); the
/// start point is `from`, else the location of a visit in progress, else the first stop.
pub fn day_order(
    tasks: &[entity::visit_task::Model],
    from: Option<(f64, f64)>,
) -> (Vec<usize>, Vec<Option<f64>>, f64) {
    use super::rules::VisitStatus;
    let planned = |t: &entity::visit_task::Model| t.status == VisitStatus::Planned.as_str();
    let located = |t: &entity::visit_task::Model| t.latitude.zip(t.longitude);
    let mut order: Vec<usize> = (0..tasks.len()).filter(|&i| !planned(&tasks[i])).collect();
    let mut legs = vec![None; order.len()];
    let from = from.or_else(|| {
        tasks
            .iter()
            .filter(|t| t.status == VisitStatus::InProgress.as_str())
            .find_map(located)
    });
    let routed: Vec<usize> = (0..tasks.len())
        .filter(|&i| planned(&tasks[i]) && located(&tasks[i]).is_some())
        .take(MAX_STOPS)
        .collect();
    let stops: Vec<Stop> = routed
        .iter()
        .filter_map(|&i| {
            let t = &tasks[i];
            located(t).map(|(lat, lng)| Stop {
                lat,
                lng,
                start: t.planned_start,
                end: t.planned_end,
            })
        })
        .collect();
    let route = plan(from, &stops);
    for (k, leg) in route.order.iter().zip(&route.legs) {
        order.push(routed[*k]);
        legs.push(Some(*leg));
    }
    for i in 0..tasks.len() {
        if !order.contains(&i) {
            order.push(i);
            legs.push(None);
        }
    }
    (order, legs, route.total_meters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    }

    /// A stop `km` kilometres east of the origin on the equator, open all day.
    fn east(km: f64) -> Stop {
        Stop {
            lat: 0.0,
            lng: km / 111.195,
            start: at(1),
            end: at(23),
        }
    }

    #[test]
    fn stops_on_a_line_are_visited_outward_whatever_order_they_come_in() {
        let stops = [east(30.0), east(10.0), east(40.0), east(20.0)];
        let route = plan(Some((0.0, 0.0)), &stops);
        assert_eq!(route.order, vec![1, 3, 0, 2]);
        assert!((route.total_meters - 40_000.0).abs() < 50.0, "{route:?}");
        assert!((route.legs[0] - 10_000.0).abs() < 20.0);
    }

    #[test]
    fn two_opt_undoes_the_greedy_detour() {
        // From the origin the nearest is 1 km west, which sends the greedy tour back across.
        let stops = [east(-1.0), east(2.0), east(3.0), east(4.0), east(-5.0)];
        let greedy_total = {
            let origin = Stop {
                lat: 0.0,
                lng: 0.0,
                start: at(0),
                end: at(0),
            };
            let order = nearest_neighbour(Some(&origin), &stops);
            let mut total = 0.0;
            let mut here = origin;
            for i in order {
                total += between(&here, &stops[i]);
                here = stops[i];
            }
            total
        };
        let route = plan(Some((0.0, 0.0)), &stops);
        assert!(route.total_meters <= greedy_total + 1e-6);
        // Greedy: 0→-1→2→3→4→-5, 15 km. Best: east to 4 then back west to -5, 13 km.
        assert!((route.total_meters - 13_000.0).abs() < 50.0, "{route:?}");
    }

    #[test]
    fn a_stop_whose_window_closes_first_is_never_put_after_a_later_one() {
        // The far stop is due in the morning, the near one in the afternoon.
        let mut far = east(50.0);
        far.start = at(8);
        far.end = at(9);
        let mut near = east(1.0);
        near.start = at(14);
        near.end = at(15);
        let route = plan(Some((0.0, 0.0)), &[near, far]);
        assert_eq!(
            route.order,
            vec![1, 0],
            "the morning visit first, though farther"
        );
        assert!((route.total_meters - 99_000.0).abs() < 100.0, "{route:?}");
    }

    #[test]
    fn without_a_start_point_the_route_begins_at_the_earliest_window() {
        let mut first = east(10.0);
        first.start = at(0);
        let route = plan(None, &[east(0.0), first, east(20.0)]);
        assert_eq!(route.order[0], 1);
        assert_eq!(route.legs[0], 0.0);
        assert!(plan(None, &[]).order.is_empty());
    }
}
