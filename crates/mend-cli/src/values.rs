//! The command line's value parsers: each flag's text becomes its type while the command line is
//! read, so a mistyped value is refused by clap with the flag's name, before anything is opened.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use mend_core::{BreachKind, BrokeTrust, EmailAddress, InvalidInput, PartnerName};
use serde::{Deserialize, Serialize};

/// What a value parser says when it refuses; clap prints it after the flag's name.
type Refusal = InvalidInput;

/// `--partner NAME`.
pub(crate) fn partner_name(raw: &str) -> Result<PartnerName, Refusal> {
    let name = PartnerName::parse(raw)?;
    // Refuse early what could never be printed on a homework sheet, rather than at print time.
    mend_pdf::check_printable(name.as_str())
        .map_err(|e| InvalidInput(format!("{e}: give a display name using letters the homework sheets can print")))?;
    Ok(name)
}

/// `--breach KIND`: the kinds come from [`BreachKind::ALL`], the one list of them, so `--help`
/// and shell completion offer exactly what the domain knows.
pub(crate) fn breach() -> impl TypedValueParser<Value = BreachKind> {
    PossibleValuesParser::new(BreachKind::ALL.map(BreachKind::as_str)).try_map(|raw| BreachKind::parse(&raw))
}

/// `--broke-trust NAME|both`; the name is matched against the partners once both are known.
pub(crate) fn broke_trust(raw: &str) -> Result<BrokeTrust, Refusal> {
    if raw.trim().is_empty() {
        return Err(InvalidInput("give the name of the partner who broke trust, or both".into()));
    }
    Ok(BrokeTrust::parse(raw))
}

/// A day written `YYYY-MM-DD`.
pub(crate) fn day(raw: &str) -> Result<time::Date, Refusal> {
    mend_core::day::parse_day(raw)
}

/// How long a link lasts: `14d`, `2w` or `48h`, from 1 hour to 90 days.
pub(crate) fn link_lifetime(raw: &str) -> Result<time::Duration, Refusal> {
    let raw = raw.trim();
    let bad = || InvalidInput(format!("{raw:?} is not a duration: write a number and a unit, such as 14d, 2w or 48h"));
    let split = raw.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = raw.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let hours_per_unit = match unit {
        "h" => 1,
        "d" => 24,
        "w" => 24 * 7,
        _ => return Err(bad()),
    };
    // Counted in hours with a checked multiplication: a huge count such as `99999999999999w`
    // must be refused as out of range, not overflow while building the duration.
    let hours = n.checked_mul(hours_per_unit).filter(|h| (1..=mend_store::LONGEST_LINK_DAYS * 24).contains(h));
    let Some(hours) = hours else {
        return Err(InvalidInput(format!("{raw:?} is out of range: a link may last from 1 hour to 90 days")));
    };
    Ok(time::Duration::hours(hours))
}

/// An e-mail address, refused when it is typed rather than when a message is sent.
pub(crate) fn email(raw: &str) -> Result<EmailAddress, Refusal> {
    EmailAddress::parse(raw)
}

/// `--every`: how often a couple's check-in is due, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schedule {
    /// Every so many whole days.
    Every(u32),
    /// No schedule.
    Off,
}

/// `--every 1w`, `10d` or `off`: whole days or weeks, from 1 day to 90.
pub(crate) fn schedule(raw: &str) -> Result<Schedule, Refusal> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("off") {
        return Ok(Schedule::Off);
    }
    let bad = || InvalidInput(format!("{raw:?} is not a schedule: write days or weeks, such as 1w or 10d, or off"));
    let split = raw.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = raw.split_at(split);
    let n: u32 = number.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" => Some(n),
        "w" => n.checked_mul(7),
        _ => return Err(bad()),
    };
    match days.filter(|d| (1..=mend_store::LONGEST_SCHEDULE_DAYS).contains(d)) {
        Some(days) => Ok(Schedule::Every(days)),
        None => {
            Err(InvalidInput(format!("{raw:?} is out of range: a check-in may be due from every day to every 90 days")))
        }
    }
}

/// `--trusted-proxy`: an address or a block of them, `10.0.0.0/8`.
pub(crate) fn address_block(raw: &str) -> Result<mend_intake::AddressBlock, Refusal> {
    raw.parse().map_err(|e: mend_intake::NotABlock| InvalidInput(e.to_string()))
}

/// `--addr`: `127.0.0.1:8080`, `[::1]:8080` or `localhost:8080`.
pub(crate) fn listen_address(raw: &str) -> Result<SocketAddr, Refusal> {
    raw.to_socket_addrs().ok().and_then(|mut addrs| addrs.next()).ok_or_else(|| {
        InvalidInput(format!("{raw:?} is not an address to listen on: write it as HOST:PORT, such as 127.0.0.1:8080"))
    })
}

/// The public address of the intake server, as links start: `http://` or `https://`, a host,
/// no query or fragment (which would break the path that follows), no trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(crate) struct BaseUrl(String);

impl BaseUrl {
    /// Refuses an address that no partner could open.
    pub(crate) fn parse(raw: &str) -> Result<Self, Refusal> {
        let lower = raw.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
        let host = rest.map(|rest| rest.split('/').next().unwrap_or_default());
        let usable = host.is_some_and(|host| !host.is_empty())
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#');
        if !usable {
            return Err(InvalidInput(format!(
                "{raw:?} is not an address partners can open: give the intake server's address, \
                 starting with https:// (or http://), such as https://intake.example.org"
            )));
        }
        Ok(Self(raw.trim_end_matches('/').to_owned()))
    }

    /// Where `mend serve` listens by default, and so where links point when nothing else is said.
    pub(crate) fn local_server() -> Self {
        Self("http://127.0.0.1:8080".to_owned())
    }

    /// The address as text, without a trailing `/`.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for BaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_days_or_weeks_up_to_ninety_days_or_off() {
        assert_eq!(schedule("1w").unwrap(), Schedule::Every(7));
        assert_eq!(schedule("10d").unwrap(), Schedule::Every(10));
        assert_eq!(schedule("OFF").unwrap(), Schedule::Off);
        for bad in ["0d", "14w", "1h", "weekly", "", "99999999999w"] {
            assert!(schedule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn link_lifetimes_in_range_are_read() {
        assert_eq!(link_lifetime("14d").unwrap(), time::Duration::days(14));
        assert_eq!(link_lifetime("2w").unwrap(), time::Duration::days(14));
        assert_eq!(link_lifetime("48h").unwrap(), time::Duration::hours(48));
        for bad in ["", "d", "14", "0d", "91d", "14 d", "-1d", "99999999999999w", "1y"] {
            assert!(link_lifetime(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn base_urls_partners_cannot_open_are_refused() {
        assert_eq!(BaseUrl::parse("https://intake.example.org/").unwrap().as_str(), "https://intake.example.org");
        for bad in ["intake.example.org", "https://", "ftp://x", "https://x/?a=b", "https://x/#f", "https://a b"] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad:?}");
        }
    }
}
