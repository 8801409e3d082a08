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
