//! The words of the domain: partners, breaches, roles, flags, as types that only hold valid values.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value given by a person was refused; the message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

/// A partner's display name: trimmed, 1–60 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PartnerName(String);

impl PartnerName {
    /// The longest name we accept; longer ones are almost always a paste mistake.
    pub const MAX_CHARS: usize = 60;

    /// Accepts a name as a person would type it.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(InvalidInput("a partner's name is empty: give the name they want to be called".into()));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(InvalidInput(format!(
                "the name {name:?} is longer than {} characters: use a shorter display name",
                Self::MAX_CHARS
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(InvalidInput(format!("the name {name:?} contains a control character: type it again")));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PartnerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PartnerName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// What broke trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BreachKind {
    /// Lies about things that mattered.
    Lies,
    /// A close, secret emotional bond with someone else.
    EmotionalBetrayal,
    /// A sexual or romantic relationship outside the couple.
    Affair,
    /// Promises broken again and again.
    BrokenPromises,
    /// Money kept secret or spent behind the partner's back.
    Financial,
    /// Anything else the therapist names in the label.
    Other,
}

impl BreachKind {
    /// Every kind, in the order the CLI lists them.
    pub const ALL: [BreachKind; 6] = [
        BreachKind::Lies,
        BreachKind::EmotionalBetrayal,
        BreachKind::Affair,
        BreachKind::BrokenPromises,
        BreachKind::Financial,
        BreachKind::Other,
    ];

    /// The kebab-case word used on the command line and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            BreachKind::Lies => "lies",
            BreachKind::EmotionalBetrayal => "emotional-betrayal",
            BreachKind::Affair => "affair",
            BreachKind::BrokenPromises => "broken-promises",
            BreachKind::Financial => "financial",
            BreachKind::Other => "other",
        }
    }

    /// Words a person reads.
    pub fn describe(self) -> &'static str {
        match self {
            BreachKind::Lies => "lies",
            BreachKind::EmotionalBetrayal => "emotional betrayal",
            BreachKind::Affair => "an affair",
            BreachKind::BrokenPromises => "repeated broken promises",
            BreachKind::Financial => "money kept secret",
            BreachKind::Other => "another breach of trust",
        }
    }

    /// Parses the word used on the command line.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw.trim()).ok_or_else(|| {
            let known: Vec<_> = Self::ALL.iter().map(|k| k.as_str()).collect();
            InvalidInput(format!("unknown breach kind {raw:?}: use one of {}", known.join(", ")))
        })
    }
}

impl fmt::Display for BreachKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A partner's part in the breach. In a mutual breach both partners are `BrokeTrust` and `Hurt`,
/// which [`Roles`] expresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The partner who broke trust.
    BrokeTrust,
    /// The partner who was hurt.
    Hurt,
    /// Both partners together (for exercises and sheets).
    Both,
}

impl Role {
    /// The snake_case word used in content and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::BrokeTrust => "broke_trust",
            Role::Hurt => "hurt",
            Role::Both => "both",
        }
    }

    /// Words a person reads.
    pub fn describe(self) -> &'static str {
        match self {
            Role::BrokeTrust => "the partner who broke trust",
            Role::Hurt => "the hurt partner",
            Role::Both => "both partners",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A partner's roles in this couple: one of them for a one-sided breach, both for a mutual one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Roles {
    /// This partner broke trust.
    BrokeTrust,
    /// This partner was hurt.
    Hurt,
    /// A mutual breach: this partner both broke trust and was hurt.
    Mutual,
}

impl Roles {
    /// Whether content meant for `role` is for this partner.
    pub fn includes(self, role: Role) -> bool {
        matches!(
            (self, role),
            (_, Role::Both) | (Roles::Mutual, _) | (Roles::BrokeTrust, Role::BrokeTrust) | (Roles::Hurt, Role::Hurt)
        )
    }

    /// The word used in storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Roles::BrokeTrust => "broke_trust",
            Roles::Hurt => "hurt",
            Roles::Mutual => "mutual",
        }
    }

    /// Parses the stored word.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw {
            "broke_trust" => Ok(Roles::BrokeTrust),
            "hurt" => Ok(Roles::Hurt),
            "mutual" => Ok(Roles::Mutual),
            other => Err(InvalidInput(format!("unknown role {other:?}: use broke_trust, hurt or mutual"))),
        }
    }

    /// Words a person reads.
    pub fn describe(self) -> &'static str {
        match self {
            Roles::BrokeTrust => "broke trust",
            Roles::Hurt => "was hurt",
            Roles::Mutual => "both broke trust and was hurt",
        }
    }
}

/// How much a flag matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Adjust the work; keep an eye on it.
    Caution,
    /// Joint work waits until the therapist has assessed and resolved it.
    Stop,
}

impl Severity {
    /// The word used in content and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Caution => "caution",
            Severity::Stop => "stop",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A content id (stage, exercise, sheet, question, flag): lowercase letters, digits, `-` and `_`.
pub fn check_id(raw: &str) -> Result<(), InvalidInput> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && raw.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        Err(InvalidInput(format!(
            "{raw:?} is not a valid id: use lowercase letters, digits, '-' and '_', starting with a letter"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_name_rejects_what_cannot_be_a_name() {
        for bad in ["", "   ", "a\u{7}b", &"x".repeat(61)] {
            assert!(PartnerName::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(PartnerName::parse("  José Núñez ").unwrap().as_str(), "José Núñez");
    }

    #[test]
    fn breach_kind_round_trips_and_lists_choices_on_error() {
        for kind in BreachKind::ALL {
            assert_eq!(BreachKind::parse(kind.as_str()).unwrap(), kind);
        }
        let err = BreachKind::parse("cheating").unwrap_err().0;
        assert!(err.contains("emotional-betrayal"), "{err}");
    }

    #[test]
    fn roles_include_content_for_their_role_and_for_both() {
        assert!(Roles::Hurt.includes(Role::Hurt));
        assert!(Roles::Hurt.includes(Role::Both));
        assert!(!Roles::Hurt.includes(Role::BrokeTrust));
        assert!(Roles::Mutual.includes(Role::BrokeTrust) && Roles::Mutual.includes(Role::Hurt));
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("trigger-log").is_ok());
        for bad in ["", "Trigger", "1abc", "a b", "a/b"] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
    }
}
