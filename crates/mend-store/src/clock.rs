//! Times and dates as the store writes them: fixed-width RFC 3339 UTC text, so that SQL can
//! compare them as strings.

use mend_core::InvalidInput;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::StoreError;

/// Whole seconds in UTC, always the same width: `2025-03-01T09:30:00Z`.
const STAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year repr:full padding:zero]-[month]-[day]T[hour]:[minute]:[second]Z");

/// The text stored for an instant; seconds are enough for a practice record and keep the width fixed.
pub(crate) fn stamp(at: OffsetDateTime) -> Result<String, StoreError> {
    let utc = at.to_offset(UtcOffset::UTC);
    if !(1..=9999).contains(&utc.year()) {
        return Err(out_of_range(utc.year()));
    }
    utc.format(STAMP).map_err(|_| out_of_range(utc.year()))
}

/// The text stored for a day, in the years [`mend_core::day`] allows.
pub(crate) fn day(date: Date) -> Result<String, StoreError> {
    if !(mend_core::day::FIRST_YEAR..=mend_core::day::LAST_YEAR).contains(&date.year()) {
        return Err(StoreError::Invalid(InvalidInput(format!(
            "the year {} cannot be stored: give a date from {} on",
            date.year(),
            mend_core::day::FIRST_YEAR
        ))));
    }
    Ok(mend_core::day::format_day(date))
}

/// A day read back from the file, which was valid when it was written.
pub(crate) fn stored_day(raw: &str) -> Result<Date, StoreError> {
    mend_core::day::parse_day(raw).map_err(|_| StoreError::Corrupt(format!("a stored day {raw:?} is not a date")))
}

fn out_of_range(year: i32) -> StoreError {
    StoreError::Invalid(InvalidInput(format!(
        "the year {year} cannot be stored: use a date between the years 1 and 9999"
    )))
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn stamps_are_utc_whole_seconds_of_fixed_width() {
        let at = datetime!(2025-03-01 10:30:15.75 +01:00);
        assert_eq!(stamp(at).unwrap(), "2025-03-01T09:30:15Z");
        assert_eq!(stamp(datetime!(0999-01-01 0:00 UTC)).unwrap(), "0999-01-01T00:00:00Z");
    }

    #[test]
    fn days_are_iso_dates() {
        assert_eq!(day(date!(2025 - 02 - 03)).unwrap(), "2025-02-03");
    }
}
