//! Distances on the globe and the on-site decision of a check-in.

/// Mean Earth radius (IUGG), in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle (haversine) distance in metres between two WGS 84 points given in degrees.
pub fn distance_meters(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lng2 - lng1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    // Rounding can push `a` a hair past 1 for antipodal points.
    2.0 * EARTH_RADIUS_M * a.clamp(0.0, 1.0).sqrt().asin()
}

/// How a check-in is judged: within `radius_m` of the visit, widened by the device's reported
/// accuracy up to `accuracy_cap_m` (a vague fix earns some benefit of the doubt, never much).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OnSiteRule {
    pub radius_m: f64,
    pub accuracy_cap_m: f64,
}

impl OnSiteRule {
    /// Whether a check-in `distance_m` away, reported with `accuracy_m`, counts as on site.
    pub fn on_site(&self, distance_m: f64, accuracy_m: f64) -> bool {
        distance_m <= self.radius_m + accuracy_m.clamp(0.0, self.accuracy_cap_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    #[test]
    fn one_degree_of_longitude_on_the_equator_is_a_360th_of_the_circumference() {
        let expected = 2.0 * std::f64::consts::PI * EARTH_RADIUS_M / 360.0;
        assert!(close(distance_meters(0.0, 0.0, 0.0, 1.0), expected, 1e-6));
        assert!(close(distance_meters(0.0, 0.0, 1.0, 0.0), expected, 1e-6));
    }

    #[test]
    fn known_city_pairs_match_published_great_circle_distances() {
        // Beijing Tiananmen to Shanghai People's Square: about 1,067 km.
        let beijing_shanghai = distance_meters(39.9087, 116.3975, 31.2304, 121.4737);
        assert!(
            close(beijing_shanghai, 1_067_000.0, 3_000.0),
            "{beijing_shanghai}"
        );
        // London to Paris: about 344 km.
        let london_paris = distance_meters(51.5074, -0.1278, 48.8566, 2.3522);
        assert!(close(london_paris, 343_600.0, 1_500.0), "{london_paris}");
        // Across the antimeridian: Fiji's two sides are close, not half a world apart.
        let across = distance_meters(-17.0, 179.9, -17.0, -179.9);
        assert!(close(across, 21_270.0, 100.0), "{across}");
    }

    #[test]
    fn the_distance_is_symmetric_zero_at_a_point_and_half_the_circumference_at_antipodes() {
        assert_eq!(distance_meters(31.2, 121.4, 31.2, 121.4), 0.0);
        let ab = distance_meters(34.05, -118.25, 31.23, 121.47);
        let ba = distance_meters(31.23, 121.47, 34.05, -118.25);
        assert!(close(ab, ba, 1e-6));
        let antipodes = distance_meters(10.0, 20.0, -10.0, -160.0);
        assert!(close(antipodes, std::f64::consts::PI * EARTH_RADIUS_M, 1.0));
    }

    #[test]
    fn a_small_offset_in_town_is_measured_in_metres() {
        // 0.001° of latitude is about 111 m anywhere.
        let d = distance_meters(31.2304, 121.4737, 31.2314, 121.4737);
        assert!(close(d, 111.2, 0.5), "{d}");
    }

    #[test]
    fn accuracy_widens_the_radius_only_up_to_the_cap() {
        let rule = OnSiteRule {
            radius_m: 500.0,
            accuracy_cap_m: 200.0,
        };
        assert!(rule.on_site(500.0, 0.0));
        assert!(!rule.on_site(500.1, 0.0));
        assert!(rule.on_site(650.0, 150.0));
        assert!(!rule.on_site(650.0, 100.0));
        assert!(rule.on_site(700.0, 5_000.0), "the cap still applies");
        assert!(!rule.on_site(700.1, 5_000.0));
        assert!(
            !rule.on_site(501.0, -50.0),
            "a negative accuracy narrows nothing"
        );
    }
}
