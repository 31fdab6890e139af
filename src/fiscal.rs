//! 年度: Japan's fiscal year, 1 April to 31 March, counted in Asia/Tokyo.
//!
//! Quotas (dispatches per organisation) and training summaries count by fiscal year. Japan
//! has no daylight saving time, so Asia/Tokyo is a fixed UTC+9 and no time-zone database is
//! needed.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};

/// Asia/Tokyo: UTC+9 all year.
pub fn tokyo() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// The fiscal year (named by the calendar year it starts in) of a calendar date.
pub fn of_date(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The fiscal year of an instant, read on a Tokyo calendar.
pub fn of_instant(at: DateTime<Utc>) -> i32 {
    of_date(at.with_timezone(&tokyo()).date_naive())
}

/// The first and the last day of a fiscal year.
pub fn dates(fiscal_year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(fiscal_year, 4, 1)?,
        NaiveDate::from_ymd_opt(fiscal_year + 1, 3, 31)?,
    ))
}

/// The fiscal year as a half-open range of instants: from 1 April 00:00 Tokyo time up to
/// (not including) the next 1 April 00:00.
pub fn instants(fiscal_year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = |year: i32| {
        let midnight = NaiveDate::from_ymd_opt(year, 4, 1)?.and_hms_opt(0, 0, 0)?;
        Some(
            tokyo()
                .from_local_datetime(&midnight)
                .single()?
                .with_timezone(&Utc),
        )
    };
    Some((start(fiscal_year)?, start(fiscal_year + 1)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn fiscal_years_turn_on_the_first_of_april() {
        assert_eq!(of_date(date(2026, 3, 31)), 2025);
        assert_eq!(of_date(date(2026, 4, 1)), 2026);
        assert_eq!(of_date(date(2027, 1, 15)), 2026);
        assert_eq!(dates(2026), Some((date(2026, 4, 1), date(2027, 3, 31))));
    }

    #[test]
    fn instants_are_read_on_a_tokyo_calendar() {
        // 31 March 15:30 UTC is already 1 April 00:30 in Tokyo.
        let at = Utc
            .with_ymd_and_hms(2026, 3, 31, 15, 30, 0)
            .single()
            .expect("instant");
        assert_eq!(of_instant(at), 2026);
        let before = Utc
            .with_ymd_and_hms(2026, 3, 31, 14, 59, 59)
            .single()
            .expect("instant");
        assert_eq!(of_instant(before), 2025);
        let (start, end) = instants(2026).expect("range");
        assert_eq!(
            start,
            Utc.with_ymd_and_hms(2026, 3, 31, 15, 0, 0)
                .single()
                .expect("start")
        );
        assert_eq!(
            end,
            Utc.with_ymd_and_hms(2027, 3, 31, 15, 0, 0)
                .single()
                .expect("end")
        );
    }
}
