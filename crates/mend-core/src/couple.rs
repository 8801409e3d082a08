//! A couple and its two partners: who they are, who broke trust, and how a typed name finds them.

use serde::Serialize;

use crate::domain::{BreachKind, PartnerName, Roles};
use crate::email::EmailAddress;
use crate::ids::{CoupleId, PartnerId};

/// A couple as the practice record holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Couple {
    /// The internal row id.
    #[serde(skip)]
    pub id: CoupleId,
    /// Six lowercase hex characters, shown to the therapist and typed back.
    #[serde(rename = "id")]
    pub short_id: String,
    /// What broke trust.
    pub breach: BreachKind,
    /// The therapist's label, if any.
    pub label: Option<String>,
    /// When the couple was added, RFC 3339 UTC.
    pub created_at: String,
    /// The stage of the latest recorded session, or one the therapist set.
    pub current_stage: Option<String>,
    /// The two partners, in the order they were added.
    pub partners: Vec<Partner>,
}

/// One partner as the practice record holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partner {
    /// The internal row id, used to invite this partner.
    #[serde(skip)]
    pub id: PartnerId,
    /// The display name.
    pub name: PartnerName,
    /// Pronouns, if recorded.
    pub pronouns: Option<String>,
    /// Their part in the breach.
    pub roles: Roles,
    /// Where mend may e-mail their links, if the therapist recorded it.
    pub email: Option<EmailAddress>,
}

/// Why a couple or partner could not be found from what the therapist typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No couple's short id or partner names match.
    #[error("no couple matches {query:?}")]
    NoSuchCouple {
        /// What was asked for.
        query: String,
    },
    /// Several couples match.
    #[error("{query:?} matches more than one couple ({})", candidates.join(", "))]
    AmbiguousCouple {
        /// What was asked for.
        query: String,
        /// Each matching couple as `short id (name & name)`.
        candidates: Vec<String>,
    },
    /// No partner of the couple matches.
    #[error("no partner is called {query:?} in this couple")]
    NoSuchPartner {
        /// What was asked for.
        query: String,
        /// The couple's partners' names.
        choices: Vec<String>,
    },
    /// Both partners match.
    #[error("{query:?} matches both partners")]
    AmbiguousPartner {
        /// What was asked for.
        query: String,
        /// The couple's partners' names.
        choices: Vec<String>,
    },
}

impl Couple {
    /// Both names for people to read: `José Núñez & Zoë`.
    pub fn names(&self) -> String {
        self.partners.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(" & ")
    }

    /// The partner whose name is `query` (accents and case forgiven), or the only one whose
    /// name contains it.
    pub fn partner(&self, query: &str) -> Result<&Partner, LookupError> {
        let names: Vec<&PartnerName> = self.partners.iter().map(|p| &p.name).collect();
        find_name(&names, query).map(|i| &self.partners[i])
    }

    /// How the couple is listed when a query matches several: `a1b2c3 (José Núñez & Zoë)`.
    pub fn candidate(&self) -> String {
        format!("{} ({})", self.short_id, self.names())
    }
}

/// The couple the therapist means by `query`: its short id, the start of it, or a part of
/// either partner's name (accents and case forgiven). Several matches are an error that lists
/// them.
pub fn find_couple<'a>(couples: &'a [Couple], query: &str) -> Result<&'a Couple, LookupError> {
    let wanted = name_key(query.trim());
    let no_such = || LookupError::NoSuchCouple { query: query.to_owned() };
    if wanted.is_empty() {
        return Err(no_such());
    }
    if let Some(exact) = couples.iter().find(|c| c.short_id == wanted) {
        return Ok(exact);
    }
    let matching: Vec<&Couple> = couples
        .iter()
        .filter(|c| {
            c.short_id.starts_with(&wanted) || c.partners.iter().any(|p| name_key(p.name.as_str()).contains(&wanted))
        })
        .collect();
    match matching.as_slice() {
        [] => Err(no_such()),
        [one] => Ok(one),
        _ => Err(LookupError::AmbiguousCouple {
            query: query.to_owned(),
            candidates: matching.iter().map(|c| c.candidate()).collect(),
        }),
    }
}

/// Which of `names` the therapist means by `query`: the one whose name is it (accents and case
/// forgiven), else the only one whose name contains it.
fn find_name(names: &[&PartnerName], query: &str) -> Result<usize, LookupError> {
    let wanted = name_key(query.trim());
    let choices = || names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    if let Some(exact) = names.iter().position(|n| name_key(n.as_str()) == wanted) {
        return Ok(exact);
    }
    let matching: Vec<usize> = if wanted.is_empty() {
        Vec::new()
    } else {
        (0..names.len()).filter(|&i| name_key(names[i].as_str()).contains(&wanted)).collect()
    };
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => Err(LookupError::NoSuchPartner { query: query.to_owned(), choices: choices() }),
        _ => Err(LookupError::AmbiguousPartner { query: query.to_owned(), choices: choices() }),
    }
}

/// Who broke trust, as the therapist says it when adding a couple: one partner's name, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokeTrust {
    /// The partner with this name (accents and case forgiven).
    Named(String),
    /// A mutual breach.
    Both,
}

impl BrokeTrust {
    /// Reads `NAME` or `both`.
    pub fn parse(raw: &str) -> Self {
        if raw.trim().eq_ignore_ascii_case("both") {
            BrokeTrust::Both
        } else {
            BrokeTrust::Named(raw.trim().to_owned())
        }
    }
}

/// Why a new couple was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoupleError {
    /// The two names could not be told apart.
    #[error("both partners are called {0:?}, so they could not be told apart")]
    SameNames(String),
    /// Who broke trust names neither partner, or both at once.
    #[error("{given:?} does not name one of the partners, {:?} and {:?}", names[0], names[1])]
    UnknownBrokeTrust {
        /// What was given.
        given: String,
        /// The two partners' names.
        names: [String; 2],
    },
}

/// A couple about to be added: two partners that can be told apart, with roles that describe a
/// breach. Only [`NewCouple::new`] makes one, so the store can trust it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCouple {
    partners: [PartnerName; 2],
    roles: [Roles; 2],
    breach: BreachKind,
    label: Option<String>,
}

impl NewCouple {
    /// Checks the partners' names and works out each partner's roles from `broke_trust`.
    pub fn new(
        partners: [PartnerName; 2],
        broke_trust: &BrokeTrust,
        breach: BreachKind,
        label: Option<String>,
    ) -> Result<Self, CoupleError> {
        if name_key(partners[0].as_str()) == name_key(partners[1].as_str()) {
            return Err(CoupleError::SameNames(partners[0].to_string()));
        }
        let roles = match broke_trust {
            BrokeTrust::Both => [Roles::Mutual, Roles::Mutual],
            BrokeTrust::Named(name) => match find_name(&[&partners[0], &partners[1]], name) {
                Ok(0) => [Roles::BrokeTrust, Roles::Hurt],
                Ok(_) => [Roles::Hurt, Roles::BrokeTrust],
                Err(_) => {
                    return Err(CoupleError::UnknownBrokeTrust {
                        given: name.clone(),
                        names: partners.clone().map(|n| n.to_string()),
                    });
                }
            },
        };
        let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        Ok(Self { partners, roles, breach, label })
    }

    /// The two partners' names, in the order given.
    pub fn partners(&self) -> &[PartnerName; 2] {
        &self.partners
    }

    /// Each partner's part in the breach, in the same order.
    pub fn roles(&self) -> [Roles; 2] {
        self.roles
    }

    /// What broke trust.
    pub fn breach(&self) -> BreachKind {
        self.breach
    }

    /// The therapist's own label for the case, trimmed; `None` when empty.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
}

/// A name as a person might type it on a keyboard without accents: `Zoë Łukasz` → `zoe lukasz`,
/// so that `zoe` finds Zoë wherever a partner is named.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(name.len());
    for c in name.nfd() {
        // Combining marks (the accents themselves) are dropped after decomposition.
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        // Letters that do not decompose into a base letter and a mark.
        match c {
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' => out.push('d'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(a: &str, b: &str) -> [PartnerName; 2] {
        [PartnerName::parse(a).unwrap(), PartnerName::parse(b).unwrap()]
    }

    #[test]
    fn names_match_without_their_accents() {
        for (typed, name) in [
            ("zoe", "Zoë"),
            ("jose nunez", "José Núñez"),
            ("lukasz", "Łukasz"),
            ("oyvind", "Øyvind"),
            ("nguyen", "Nguyễn"),
        ] {
            assert!(name_key(name).contains(typed), "{typed:?} should find {name:?}");
        }
        assert_eq!(name_key("ZOË"), name_key("zoë"));
    }

    #[test]
    fn broke_trust_finds_a_partner_as_every_command_does() {
        let partners = names("Zoë Whitfield", "José Núñez");
        for (given, roles) in [
            ("zoe", [Roles::BrokeTrust, Roles::Hurt]),
            ("ZOË WHITFIELD", [Roles::BrokeTrust, Roles::Hurt]),
            ("jose", [Roles::Hurt, Roles::BrokeTrust]),
            ("Both", [Roles::Mutual, Roles::Mutual]),
        ] {
            let couple = NewCouple::new(partners.clone(), &BrokeTrust::parse(given), BreachKind::Lies, None).unwrap();
            assert_eq!(couple.roles(), roles, "{given}");
        }
    }

    #[test]
    fn broke_trust_that_names_neither_or_both_is_refused() {
        let partners = names("Alex Stone", "Alex Reed");
        for given in ["sam", "alex", ""] {
            let err = NewCouple::new(partners.clone(), &BrokeTrust::parse(given), BreachKind::Lies, None).unwrap_err();
            assert!(matches!(err, CoupleError::UnknownBrokeTrust { .. }), "{given}: {err}");
        }
    }

    #[test]
    fn names_that_differ_only_by_accent_or_case_are_refused() {
        let err = NewCouple::new(names("Zoë", "zoe"), &BrokeTrust::Both, BreachKind::Lies, None).unwrap_err();
        assert_eq!(err, CoupleError::SameNames("Zoë".into()));
    }

    #[test]
    fn an_empty_label_is_no_label() {
        let couple =
            NewCouple::new(names("Ada", "Ben"), &BrokeTrust::Both, BreachKind::Lies, Some("  ".into())).unwrap();
        assert_eq!(couple.label(), None);
    }
}
