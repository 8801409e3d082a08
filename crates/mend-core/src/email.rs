//! A partner's e-mail address, checked when the therapist types it, so that a message is never
//! attempted to something that cannot be an address.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::InvalidInput;

/// An e-mail address as mend sends to it: `local@domain`, ASCII, at most 254 characters, a
/// domain of dot-separated labels. Stricter than RFC 5321 allows (no quoted local parts, no
/// address literals), which no partner's address needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The longest address SMTP carries.
    pub const MAX_CHARS: usize = 254;

    /// Accepts an address as a person would type it (surrounding spaces are dropped).
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let address = raw.trim();
        let refuse = |why: &str| Err(InvalidInput(format!("{address:?} is not an e-mail address: {why}")));
        if address.is_empty() {
            return Err(InvalidInput("the e-mail address is empty: give it as name@example.org".into()));
        }
        if address.len() > Self::MAX_CHARS {
            return refuse("it is longer than 254 characters");
        }
        if !address.is_ascii() {
            return refuse("it has letters outside ASCII; give the address as the mail provider spells it in ASCII");
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return refuse("it has no @; give it as name@example.org");
        };
        let local_ok = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
        if local.is_empty() || local.len() > 64 || !local.chars().all(local_ok) {
            return refuse("the part before the @ must be 1 to 64 letters, digits or . _ + - (no spaces)");
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return refuse("the part before the @ may not start or end with a dot, or have two in a row");
        }
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !domain.contains('.') || !domain.split('.').all(label_ok) {
            return refuse("the part after the @ must be a domain such as example.org");
        }
        Ok(Self(address.to_owned()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn addresses_people_have_are_taken_and_slips_are_refused_with_why() {
        for good in ["zoe@example.org", " jose.nunez+mend@mail.example.co.uk ", "a_b-c@x-y.example"] {
            assert_eq!(EmailAddress::parse(good).unwrap().as_str(), good.trim(), "{good}");
        }
        let cases = [
            ("", "empty"),
            ("zoe.example.org", "no @"),
            ("zoe@example", "domain such as"),
            ("zoe @example.org", "no spaces"),
            ("zoe@exa_mple.org", "domain such as"),
            (".zoe@example.org", "dot"),
            ("zoe..w@example.org", "dot"),
            ("zoë@example.org", "ASCII"),
            ("zoe@-example.org", "domain such as"),
            ("zoe@example.org\n", ""),
        ];
        for (bad, why) in cases {
            match EmailAddress::parse(bad) {
                Err(e) => assert!(e.0.contains(why), "{bad:?}: {e}"),
                // A trailing newline is trimmed like any space.
                Ok(address) => assert_eq!((bad, address.as_str()), ("zoe@example.org\n", "zoe@example.org")),
            }
        }
        let long = format!("{}@example.org", "a".repeat(65));
        assert!(EmailAddress::parse(&long).is_err());
    }
}
