//! When a certificate starts and stops being valid, read from its DER bytes.
//!
//! A certificate's validity sits near the start of its signed part, after the version, serial,
//! signature algorithm and issuer; these few lines walk to it rather than bring in a full X.509
//! parser for two dates.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// The span in which a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// The first moment it is valid.
    pub not_before: OffsetDateTime,
    /// The last moment it is valid.
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// Reads the validity of a DER certificate; `None` if the bytes are not a certificate.
    pub fn of(der: &[u8]) -> Option<Validity> {
        let (certificate, _) = element(der, SEQUENCE)?;
        let (signed, _) = element(certificate, SEQUENCE)?;
        let mut rest = signed;
        // The version is optional, explicitly tagged [0].
        if rest.first() == Some(&VERSION) {
            rest = element(rest, VERSION)?.1;
        }
        rest = element(rest, INTEGER)?.1; // serial number
        rest = element(rest, SEQUENCE)?.1; // signature algorithm
        rest = element(rest, SEQUENCE)?.1; // issuer
        let (validity, _) = element(rest, SEQUENCE)?;
        let (not_before, rest) = time_element(validity)?;
        let (not_after, _) = time_element(rest)?;
        Some(Validity { not_before, not_after })
    }

    /// When a renewal should start: once two thirds of the span have passed (thirty days before
    /// the end of a ninety-day certificate).
    pub fn renew_from(&self) -> OffsetDateTime {
        self.not_after - (self.not_after - self.not_before) / 3
    }
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const VERSION: u8 = 0xa0;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The contents of the element at the start of `bytes`, which must carry `tag`, and what follows.
fn element(bytes: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *bytes.first()? != tag {
        return None;
    }
    let (length, header) = length(bytes.get(1..)?)?;
    let start = 1 + header;
    let end = start.checked_add(length)?;
    Some((bytes.get(start..end)?, bytes.get(end..)?))
}

/// A DER length and how many bytes it took.
fn length(bytes: &[u8]) -> Option<(usize, usize)> {
    let first = *bytes.first()?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 {
        return None;
    }
    let mut length = 0usize;
    for byte in bytes.get(1..=count)? {
        length = (length << 8) | usize::from(*byte);
    }
    Some((length, 1 + count))
}

/// A UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) and what follows.
fn time_element(bytes: &[u8]) -> Option<(OffsetDateTime, &[u8])> {
    let tag = *bytes.first()?;
    let (text, rest) = element(bytes, tag)?;
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let (year, digits) = match tag {
        UTC_TIME if text.len() == 12 => {
            let short: i32 = text.get(..2)?.parse().ok()?;
            // RFC 5280: two-digit years from 50 are in the 1900s.
            (if short >= 50 { 1900 + short } else { 2000 + short }, text.get(2..)?)
        }
        GENERALIZED_TIME if text.len() == 14 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let part = |at: usize| digits.get(at..at + 2)?.parse::<u8>().ok();
    let date = Date::from_calendar_date(year, Month::try_from(part(0)?).ok()?, part(2)?).ok()?;
    let time = Time::from_hms(part(4)?, part(6)?, part(8)?).ok()?;
    Some((PrimitiveDateTime::new(date, time).assume_utc(), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_dates_rcgen_wrote() {
        let mut params = rcgen::CertificateParams::new(vec!["relay.example".to_owned()]).unwrap();
        params.not_before = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        params.not_after = time::macros::datetime!(2051-06-07 08:09:10 UTC);
        let key = rcgen::KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        let validity = Validity::of(certificate.der()).unwrap();
        assert_eq!(validity.not_before, params.not_before);
        // After 2049 the date is a GeneralizedTime.
        assert_eq!(validity.not_after, params.not_after);
    }

    #[test]
    fn renewal_starts_a_third_before_the_end() {
        let not_before = time::macros::datetime!(2026-01-01 00:00 UTC);
        let validity = Validity { not_before, not_after: not_before + time::Duration::days(90) };
        assert_eq!(validity.renew_from(), not_before + time::Duration::days(60));
    }

    #[test]
    fn what_is_not_a_certificate_has_no_dates() {
        assert_eq!(Validity::of(b""), None);
        assert_eq!(Validity::of(&[0x30, 0x82, 0xff]), None);
        assert_eq!(Validity::of(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
    }
}
