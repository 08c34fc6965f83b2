//! Periods of targets and reports: an ISO week `2026-W49` (Monday to Sunday; week 1 holds the
//! year's first Thursday, so it may start in December), a month `2026-11`, a quarter `2026-Q4`
//! or a year `2026`. Their days are the company's (`graphql::bounds` turns them into instants
//! in the company time zone).

use chrono::{Datelike, NaiveDate, Weekday};

use crate::error::{AppError, AppResult};

/// A parsed period: its canonical text and its days, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub text: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

fn date(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn month_after(day: NaiveDate, months: u32) -> Option<NaiveDate> {
    day.checked_add_months(chrono::Months::new(months))
}

/// Parses `YYYY-Www`, `YYYY-MM`, `YYYY-Qn` or `YYYY`. Errors: `BAD_USER_INPUT` on `field`
/// (a week the year does not have, such as `2027-W53`, too).
pub fn parse(text: &str, field: &str) -> AppResult<Period> {
    let bad = || AppError::bad_input(field, "A period is YYYY-Www, YYYY-MM, YYYY-Qn or YYYY");
    let text = text.trim();
    // Digits only: `parse` would take a sign (`+1`).
    let number = |digits: &str| -> AppResult<u32> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        digits.parse().map_err(|_| bad())
    };
    let year = |y: &str| -> AppResult<i32> {
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        y.parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(bad)
    };
    let (start, months) = match text.split_once('-') {
        None => (date(year(text)?, 1), 12),
        Some((y, w)) if w.starts_with('W') => {
            if w.len() != 3 {
                return Err(bad());
            }
            let week = number(&w[1..])?;
            let start = NaiveDate::from_isoywd_opt(year(y)?, week, Weekday::Mon).ok_or_else(bad)?;
            let end = start
                .checked_add_days(chrono::Days::new(7))
                .ok_or_else(bad)?;
            return Ok(Period {
                text: text.to_owned(),
                start,
                end,
            });
        }
        Some((y, q)) if q.starts_with('Q') => {
            let quarter = Some(number(&q[1..])?)
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(bad)?;
            (date(year(y)?, (quarter - 1) * 3 + 1), 3)
        }
        Some((y, m)) => {
            if m.len() != 2 {
                return Err(bad());
            }
            let month = Some(number(m)?)
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(bad)?;
            (date(year(y)?, month), 1)
        }
    };
    let start = start.ok_or_else(bad)?;
    let end = month_after(start, months).ok_or_else(bad)?;
    Ok(Period {
        text: text.to_owned(),
        start,
        end,
    })
}

impl Period {
    /// The year the period lies in (a week's ISO year: `2026-W01` starts in December 2025).
    pub fn year(&self) -> i32 {
        if self.is_week() {
            self.start.iso_week().year()
        } else {
            self.start.year()
        }
    }

    /// The same period a year earlier: the month, quarter or year before, or the same ISO week
    /// of the year before (its last week, W52, where that year has no week 53).
    pub fn year_before(&self) -> Option<Period> {
        if self.is_week() {
            let week = self.start.iso_week().week();
            let year = self.year() - 1;
            let start = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
                .or_else(|| NaiveDate::from_isoywd_opt(year, 52, Weekday::Mon))?;
            return Some(Period {
                text: format!("{year}-W{:02}", start.iso_week().week()),
                start,
                end: start.checked_add_days(chrono::Days::new(7))?,
            });
        }
        let back = |d: NaiveDate| d.checked_sub_months(chrono::Months::new(12));
        let start = back(self.start)?;
        let text = match self.text.split_once('-') {
            Some((_, rest)) => format!("{}-{rest}", start.year()),
            None => start.year().to_string(),
        };
        Some(Period {
            text,
            start,
            end: back(self.end)?,
        })
    }

    /// The instants the period's days span in `tz`: from the first day's midnight to the
    /// midnight after its last day.
    pub fn instants(
        &self,
        tz: chrono_tz::Tz,
    ) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        (
            crate::calendar::local_day_bounds(tz, self.start).0,
            crate::calendar::local_day_bounds(tz, self.end).0,
        )
    }

    /// The first day of the period `count` periods of the same kind before this one (a week,
    /// month, quarter or year back each).
    pub fn start_back(&self, count: u32) -> Option<NaiveDate> {
        if self.is_week() {
            return self
                .start
                .checked_sub_days(chrono::Days::new(7 * u64::from(count)));
        }
        let months = match self.text.split_once('-') {
            None => 12,
            Some((_, rest)) if rest.starts_with('Q') => 3,
            Some(_) => 1,
        };
        self.start
            .checked_sub_months(chrono::Months::new(months * count))
    }

    /// Whether the period is an ISO week.
    pub fn is_week(&self) -> bool {
        self.text.contains("-W")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_quarters_and_years_cover_their_days() {
        let month = parse("2026-11", "p").unwrap();
        assert_eq!(
            (month.start, month.end),
            (day(2026, 11, 1), day(2026, 12, 1))
        );
        let december = parse("2026-12", "p").unwrap();
        assert_eq!(december.end, day(2027, 1, 1));
        let quarter = parse("2026-Q4", "p").unwrap();
        assert_eq!(
            (quarter.start, quarter.end),
            (day(2026, 10, 1), day(2027, 1, 1))
        );
        let q1 = parse("2027-Q1", "p").unwrap();
        assert_eq!((q1.start, q1.end), (day(2027, 1, 1), day(2027, 4, 1)));
        let year = parse("2026", "p").unwrap();
        assert_eq!((year.start, year.end), (day(2026, 1, 1), day(2027, 1, 1)));
    }

    #[test]
    fn iso_weeks_run_monday_to_sunday_across_new_year() {
        // 2026 starts on a Thursday: its week 1 starts in 2025, and it has a week 53.
        let first = parse("2026-W01", "p").unwrap();
        assert_eq!(
            (first.start, first.end),
            (day(2025, 12, 29), day(2026, 1, 5))
        );
        assert_eq!(first.year(), 2026);
        let last = parse("2026-W53", "p").unwrap();
        assert_eq!((last.start, last.end), (day(2026, 12, 28), day(2027, 1, 4)));
        let next = parse("2027-W01", "p").unwrap();
        assert_eq!(
            next.start, last.end,
            "weeks follow each other without a gap"
        );
        let december = parse("2026-W49", "p").unwrap();
        assert_eq!(
            (december.start, december.end),
            (day(2026, 11, 30), day(2026, 12, 7))
        );
        // 2020 (a leap year starting on a Wednesday) has 53 weeks; 2021 has 52.
        assert_eq!(parse("2020-W53", "p").unwrap().start, day(2020, 12, 28));
        assert!(parse("2021-W53", "p").is_err());
        assert!(parse("2026-W49", "p").unwrap().is_week());
        assert!(!parse("2026-12", "p").unwrap().is_week());
    }

    #[test]
    fn the_year_before_is_the_same_period_of_the_previous_year() {
        let before = |text: &str| parse(text, "p").unwrap().year_before().unwrap();
        let month = before("2026-03");
        assert_eq!(
            (month.text.as_str(), month.start, month.end),
            ("2025-03", day(2025, 3, 1), day(2025, 4, 1))
        );
        // A leap year's February and first quarter are a day longer than the next year's.
        let february = before("2025-02");
        assert_eq!(
            (february.start, february.end),
            (day(2024, 2, 1), day(2024, 3, 1))
        );
        let q1 = before("2025-Q1");
        assert_eq!(
            (q1.text.as_str(), q1.end - q1.start),
            ("2024-Q1", chrono::Duration::days(91))
        );
        assert_eq!(before("2026").text, "2025");
        assert_eq!(before("2026").end, day(2026, 1, 1));
        // Weeks: the same ISO week a year earlier; 2026-W53 has no twin in 2025 (52 weeks).
        let week = before("2026-W49");
        assert_eq!(
            (week.text.as_str(), week.start),
            ("2025-W49", day(2025, 12, 1))
        );
        let last = before("2026-W53");
        assert_eq!(
            (last.text.as_str(), last.start),
            ("2025-W52", day(2025, 12, 22))
        );
        let first = before("2021-W01");
        assert_eq!(
            (first.text.as_str(), first.start),
            ("2020-W01", day(2019, 12, 30))
        );
        assert_eq!(before("2021-W52").text, "2020-W52");
    }

    #[test]
    fn periods_step_back_by_their_own_kind() {
        let back = |text: &str, n: u32| parse(text, "p").unwrap().start_back(n).unwrap();
        assert_eq!(back("2026-03", 3), day(2025, 12, 1));
        assert_eq!(back("2026-Q1", 2), day(2025, 7, 1));
        assert_eq!(back("2026", 1), day(2025, 1, 1));
        assert_eq!(back("2026-W02", 3), day(2025, 12, 15));
        assert_eq!(back("2026-12", 0), day(2026, 12, 1));
    }

    #[test]
    fn anything_else_is_refused_with_the_field() {
        for bad in [
            "", "26", "2026-13", "2026-1", "2026-Q5", "2026-Q0", "2026-W1", "2026-W00", "2026-W54",
            "2027-W53", "2026-W+1", "2026-w01", "2026-+1", "2026-Q+1", "+202", "abcd", "1999",
        ] {
            assert_eq!(
                parse(bad, "input.period").unwrap_err().field.as_deref(),
                Some("input.period"),
                "{bad}"
            );
        }
    }
}
