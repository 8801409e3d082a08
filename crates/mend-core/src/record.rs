//! A couple's record as plain data: what the store reads out and the planner and views read in.

use serde::{Deserialize, Serialize};

use crate::domain::{BreachKind, PartnerName, Roles};
use crate::questionnaire::Answers;

/// One partner of a couple.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerRecord {
    /// The partner's display name.
    pub name: PartnerName,
    /// Pronouns, if the therapist recorded them.
    #[serde(default)]
    pub pronouns: Option<String>,
    /// Their part in the breach.
    pub roles: Roles,
    /// Their latest submitted intake answers, if any.
    #[serde(default)]
    pub intake: Option<Answers>,
    /// When those answers were sent, as RFC 3339 UTC: a flag they raise is open again unless it
    /// was resolved after this.
    #[serde(default)]
    pub intake_sent_at: Option<String>,
}

/// A session that was held (or planned and saved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// 1 for the first session.
    pub number: u32,
    /// The day it was held, `YYYY-MM-DD`.
    pub held_on: String,
    /// The stage worked on.
    pub stage: String,
    /// Homework sheet ids given.
    #[serde(default)]
    pub homework: Vec<String>,
    /// Progress marker ids the therapist marked as met.
    #[serde(default)]
    pub met: Vec<String>,
    /// The therapist's notes.
    #[serde(default)]
    pub notes: String,
}

/// A flag the therapist assessed and resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagResolution {
    /// The flag rule's id.
    pub flag: String,
    /// What was assessed and decided.
    pub note: String,
    /// When, as RFC 3339.
    pub resolved_at: String,
}

/// Everything the planner needs to know about a couple.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoupleRecord {
    /// The couple's short id.
    pub id: String,
    /// The therapist's label, if any.
    #[serde(default)]
    pub label: Option<String>,
    /// What broke trust.
    pub breach: BreachKind,
    /// Exactly two partners, in the order they were added.
    pub partners: Vec<PartnerRecord>,
    /// Sessions so far, oldest first.
    #[serde(default)]
    pub sessions: Vec<SessionRecord>,
    /// Flags resolved so far.
    #[serde(default)]
    pub resolved_flags: Vec<FlagResolution>,
}

impl CoupleRecord {
    /// The resolution that covers `flag` as raised by answers sent at `raised_at`: the latest one
    /// made at or after that time. A resolution made before the answers were sent covers earlier
    /// answers only, so newer answers that raise the same flag open it again.
    pub fn resolution_of(&self, flag: &str, raised_at: Option<&str>) -> Option<&FlagResolution> {
        resolution_covering(&self.resolved_flags, flag, raised_at)
    }
}

/// The latest of `resolutions` for `flag` made at or after `raised_at` (any, if that is unknown).
/// Times are RFC 3339 UTC as the store writes them, so they compare as text. They are whole
/// seconds, so a resolution in the same second as the answers counts as after them: the
/// therapist resolves a flag having read the answers that raised it.
pub fn resolution_covering<'a>(
    resolutions: &'a [FlagResolution],
    flag: &str,
    raised_at: Option<&str>,
) -> Option<&'a FlagResolution> {
    resolutions
        .iter()
        .filter(|r| r.flag == flag && raised_at.is_none_or(|at| r.resolved_at.as_str() >= at))
        .max_by(|a, b| a.resolved_at.cmp(&b.resolved_at))
}
