//! The calendar: local days in a time zone. The company's zone (`SALESGRAPH_DEFAULT_TIMEZONE`,
//! parsed once at start-up) counts periods, due dates, aging and document years; a user's own
//! zone counts that user's "today".

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses an IANA zone name (`Asia/Shanghai`); anything else is an error naming the setting.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| format!("`{name}` is not an IANA time zone, e.g. Asia/Shanghai"))
}

/// The local calendar day of `now` in `tz`: "today" there.
pub fn today(tz: Tz, now: DateTime<Utc>) -> NaiveDate {
    local_date(tz, now)
}

/// The instant a local calendar day starts in `tz`. On a day whose midnight falls in a DST
/// gap, the day starts at the first instant that exists.
fn start_of(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let mut local = date.and_time(chrono::NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(start) = tz.from_local_datetime(&local).earliest() {
            return start.with_timezone(&Utc);
        }
        local += chrono::Duration::minutes(30);
    }
    // No zone skips two hours; fall back to reading the local midnight as UTC.
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

/// `[start, end)` of the local day `date` in `tz`, in UTC (23 or 25 hours around DST changes).
pub fn local_day_bounds(tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
    (start_of(tz, date), start_of(tz, next))
}

/// The local calendar day of an instant in `tz`.
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_day_in_shanghai_starts_at_16_utc_the_day_before() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let (start, end) = local_day_bounds(chrono_tz::Asia::Shanghai, date);
        assert_eq!(start, utc("2026-11-24T16:00:00Z"));
        assert_eq!(end, utc("2026-11-25T16:00:00Z"));
    }

    #[test]
    fn a_day_in_los_angeles_follows_daylight_saving_time() {
        let la = chrono_tz::America::Los_Angeles;
        let winter = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            local_day_bounds(la, winter),
            (utc("2026-11-25T08:00:00Z"), utc("2026-11-26T08:00:00Z"))
        );
        // 2026-03-08: clocks spring forward, the day has 23 hours.
        let spring = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let (start, end) = local_day_bounds(la, spring);
        assert_eq!(start, utc("2026-03-08T08:00:00Z"));
        assert_eq!(end - start, chrono::Duration::hours(23));
        // 2026-11-01: clocks fall back, the day has 25 hours.
        let autumn = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let (start, end) = local_day_bounds(la, autumn);
        assert_eq!(end - start, chrono::Duration::hours(25));
    }

    #[test]
    fn a_day_whose_midnight_does_not_exist_starts_at_the_first_real_instant() {
        // Santiago skips from 00:00 to 01:00 on 2026-09-06.
        let santiago = chrono_tz::America::Santiago;
        let date = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let (start, _) = local_day_bounds(santiago, date);
        assert_eq!(local_date(santiago, start), date);
        assert!(local_date(santiago, start - chrono::Duration::seconds(1)) < date);
    }

    #[test]
    fn the_same_instant_is_a_different_day_in_shanghai_and_los_angeles() {
        let instant = utc("2026-11-25T18:00:00Z");
        assert_eq!(
            local_date(chrono_tz::Asia::Shanghai, instant),
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
        assert_eq!(
            local_date(chrono_tz::America::Los_Angeles, instant),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        );
    }

    #[test]
    fn zones_are_iana_names() {
        assert_eq!(parse_zone("Asia/Shanghai"), Ok(chrono_tz::Asia::Shanghai));
        assert!(parse_zone("Mars/Olympus").is_err());
        assert!(parse_zone("").is_err());
    }
}
