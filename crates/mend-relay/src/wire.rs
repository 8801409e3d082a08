//! What crosses between the therapist's mend and a relay, on one machine or over HTTPS: links
//! pushed, with the questionnaire versions they show, and sent answers, sealed.
//!
//! Everything here is either what the web needs in clear (a token's hash, a link's kind, expiry
//! and version, the questions themselves, which are the program's and no one's secret) or sealed
//! bytes the relay cannot open.

use mend_core::{InvitationToken, Questionnaire, RawAnswers};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::seal::{LinkKey, PracticeIdentity, PracticeRecipient, SealBroken, Sealed};

/// Which form a link serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// The intake questionnaire, at `/i/{token}`.
    Intake,
    /// A between-sessions check-in, at `/c/{token}`.
    Checkin,
}

impl LinkKind {
    /// The word the relay's database keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Intake => "intake",
            LinkKind::Checkin => "checkin",
        }
    }

    /// The path a link of this kind starts with, before its token: the one place it is defined,
    /// for the server's routes and the links the therapist's mend prints.
    pub fn path(self) -> &'static str {
        match self {
            LinkKind::Intake => "/i/",
            LinkKind::Checkin => "/c/",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<LinkKind> {
        match text {
            "intake" => Some(LinkKind::Intake),
            "checkin" => Some(LinkKind::Checkin),
            _ => None,
        }
    }
}

/// What a link shows beyond its questions, sealed by the link's key: whom it greets and what a
/// check-in asks about. `None` fields are those a link made before the relay could not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDetails {
    /// The partner's name, to greet them.
    pub partner_name: Option<String>,
    /// For a check-in: the titles of the homework sheets it asks about, in slot order.
    #[serde(default)]
    pub sheets: Vec<String>,
    /// For a check-in: the scheduled sections it asks (ids).
    #[serde(default)]
    pub sections: Vec<String>,
}

/// One link as the relay keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEntry {
    /// SHA-256 of the token, lowercase hex.
    pub token_sha256: String,
    /// Which form it serves.
    pub kind: LinkKind,
    /// The questionnaire's id.
    pub questionnaire: String,
    /// The version it was made for.
    pub version: u32,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The [`LinkDetails`], sealed by the link's key, as hex; empty for a link that was made
    /// before the relay and so has no details the relay could be given.
    pub details: String,
}

impl LinkEntry {
    /// The entry for a link just made: its details sealed by the token it was made with.
    pub fn new(
        token: &InvitationToken,
        kind: LinkKind,
        questionnaire: &Questionnaire,
        expires_at: OffsetDateTime,
        details: &LinkDetails,
    ) -> Self {
        let plain = serde_json::to_vec(details).unwrap_or_default();
        LinkEntry {
            token_sha256: token.sha256(),
            kind,
            questionnaire: questionnaire.id.clone(),
            version: questionnaire.version,
            expires_at,
            details: hex::encode(LinkKey::of(token).seal(Sealed::Details, &plain)),
        }
    }
}

/// A questionnaire version a pushed link shows, whole: the relay renders and checks forms by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// The questionnaire's id.
    pub questionnaire: String,
    /// Its version.
    pub version: u32,
    /// Everything it says, as the record keeps a version ([`Questionnaire::stored_json`]).
    pub definition: String,
    /// SHA-256 of its content, as the record keeps it.
    pub sha256: String,
}

impl VersionEntry {
    /// The entry for a version of the questions.
    pub fn of(questionnaire: &Questionnaire) -> Self {
        VersionEntry {
            questionnaire: questionnaire.id.clone(),
            version: questionnaire.version,
            definition: questionnaire.stored_json(),
            sha256: questionnaire.content_sha256(),
        }
    }
}

/// One push from the therapist's mend: new links, the versions they show, and the links it
/// retired (a newer link for the same partner and kind replaces an open one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Push {
    /// Versions the links show; one the relay has already is left as it is.
    #[serde(default)]
    pub versions: Vec<VersionEntry>,
    /// New links; one the relay has already is left as it is, so a push may be repeated.
    #[serde(default)]
    pub links: Vec<LinkEntry>,
    /// Token hashes of links that no longer work.
    #[serde(default)]
    pub retire: Vec<String>,
    /// The therapist's own words on secrets, shown above the secrets agreement; `None` leaves the
    /// words the relay has.
    #[serde(default)]
    pub secrets_policy: Option<String>,
}

/// A sent form as the practice opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentForm {
    /// SHA-256 of the link's token.
    pub token_sha256: String,
    /// Which form it is.
    pub kind: LinkKind,
    /// The questionnaire's id.
    pub questionnaire: String,
    /// The version whose questions checked the answers.
    pub version: u32,
    /// What was sent, field by field, as the relay checked it.
    pub answers: RawAnswers,
    /// When it was sent.
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
}

impl SentForm {
    /// Seals the form to the practice.
    pub fn seal(&self, to: &PracticeRecipient) -> Vec<u8> {
        to.seal(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// Opens a form sealed to this practice.
    pub fn open(sealed: &[u8], identity: &PracticeIdentity) -> Result<SentForm, SealBroken> {
        let plain = identity.open(sealed)?;
        serde_json::from_slice(&plain).map_err(|_| SealBroken)
    }
}

/// A sealed answer waiting on the relay for the practice to take it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    /// Its number on the relay, to acknowledge it by.
    pub id: i64,
    /// The [`SentForm`], sealed to the practice, as hex.
    pub sealed: String,
}
