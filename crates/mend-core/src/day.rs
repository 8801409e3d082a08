//! Calendar days as mend reads and writes them: `YYYY-MM-DD`, in the years a record can hold.

use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime};

use crate::domain::InvalidInput;

/// The earliest year a day in the record may have; earlier ones are typing mistakes.
pub const FIRST_YEAR: i32 = 1900;
/// The latest year a day in the record may have.
pub const LAST_YEAR: i32 = 9999;

const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");

/// Reads a day written `YYYY-MM-DD`, refusing a year outside [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn parse_day(raw: &str) -> Result<Date, InvalidInput> {
    let raw = raw.trim();
    let bad = || InvalidInput(format!("{raw:?} is not a date: write it as YYYY-MM-DD, for example 2026-12-01"));
    // `time` accepts a sign before the year; a day in the record never has one.
    if !raw.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad());
    }
    let day = Date::parse(raw, FORMAT).map_err(|_| bad())?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&day.year()) {
        return Err(InvalidInput(format!("{raw:?} is not a year mend keeps: give a date from {FIRST_YEAR} on")));
    }
    Ok(day)
}

/// Writes a day as `YYYY-MM-DD`.
pub fn format_day(day: Date) -> String {
    // Every year in the range above formats with four digits, so this cannot fail.
    day.format(FORMAT).unwrap_or_default()
}

/// The latest day it may be anywhere at the instant `now`, for checking a day someone calls
/// past: a partner fills in the form in their own time zone, which is at most 14 hours ahead of
/// UTC, so their today is never later than this.
pub fn latest_today(now: OffsetDateTime) -> Date {
    now.checked_to_offset(offset!(+14)).map_or_else(|| now.date(), |there| there.date())
}

/// Serde for a day as `YYYY-MM-DD`, for `#[serde(with = "mend_core::day::text")]`.
pub mod text {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Writes the day as `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(day: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_day(*day))
    }

    /// Reads a day written `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(d)?;
        super::parse_day(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        let day = parse_day(" 2026-12-01 ").unwrap();
        assert_eq!(format_day(day), "2026-12-01");
    }

    #[test]
    fn the_latest_today_is_where_the_date_line_has_passed_first() {
        use time::macros::{date, datetime};
        assert_eq!(latest_today(datetime!(2026-03-01 09:59 UTC)), date!(2026 - 03 - 01));
        assert_eq!(latest_today(datetime!(2026-03-01 10:00 UTC)), date!(2026 - 03 - 02));
        assert_eq!(latest_today(datetime!(2026-03-01 10:00 +14)), date!(2026 - 03 - 01));
    }

    #[test]
    fn what_is_not_a_day_in_the_record_is_refused() {
        for bad in
            ["", "2026-13-01", "2026-02-30", "+2026-12-01", "-2026-12-01", "0000-01-01", "1899-12-31", "1/12/2026"]
        {
            assert!(parse_day(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
