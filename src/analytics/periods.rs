//! Target periods: a month `2026-11`, a quarter `2026-Q4` or a year `2026`.

use chrono::{Datelike, NaiveDate};

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

/// Parses `YYYY-MM`, `YYYY-Qn` or `YYYY`. Errors: `BAD_USER_INPUT` on `field`.
pub fn parse(text: &str, field: &str) -> AppResult<Period> {
    let bad = || AppError::bad_input(field, "A period is YYYY-MM, YYYY-Qn or YYYY");
    let text = text.trim();
    let year = |y: &str| -> AppResult<i32> {
        if y.len() != 4 {
            return Err(bad());
        }
        y.parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(bad)
    };
    let (start, months) = match text.split_once('-') {
        None => (date(year(text)?, 1), 12),
        Some((y, q)) if q.starts_with('Q') => {
            let quarter: u32 = q[1..]
                .parse()
                .ok()
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(bad)?;
            (date(year(y)?, (quarter - 1) * 3 + 1), 3)
        }
        Some((y, m)) => {
            if m.len() != 2 {
                return Err(bad());
            }
            let month: u32 = m
                .parse()
                .ok()
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
    /// The year the period lies in.
    pub fn year(&self) -> i32 {
        self.start.year()
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
    fn anything_else_is_refused_with_the_field() {
        for bad in [
            "", "26", "2026-13", "2026-1", "2026-Q5", "2026-Q0", "2026-W01", "abcd", "1999",
        ] {
            assert_eq!(
                parse(bad, "input.period").unwrap_err().field.as_deref(),
                Some("input.period"),
                "{bad}"
            );
        }
    }
}
