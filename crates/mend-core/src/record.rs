//! A couple's record as plain data: what the store reads out and the planner and views read in.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::day::format_day;
use crate::domain::{BreachKind, PartnerName, Roles};
use crate::questionnaire::{Answers, Questionnaire};

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
    /// Their sent check-ins, oldest first.
    #[serde(default)]
    pub checkins: Vec<CheckinRecord>,
    /// The questionnaire those answers were given on, when it is a version other than the
    /// program's current one: they are read (scored, flagged) by the questions that were asked.
    /// `None` reads them with the current questionnaire.
    #[serde(skip)]
    pub intake_questionnaire: Option<Arc<Questionnaire>>,
}

impl PartnerRecord {
    /// The questionnaire that reads this partner's intake: the version they answered, or
    /// `current`.
    pub fn intake_questions<'a>(&'a self, current: &'a Questionnaire) -> &'a Questionnaire {
        self.intake_questionnaire.as_deref().unwrap_or(current)
    }
}

/// One sent check-in of one partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinRecord {
    /// When it was sent, RFC 3339 UTC: a flag it raises is open again unless resolved after this.
    pub sent_at: String,
    /// The day it was sent (`YYYY-MM-DD` in JSON), the day its scores are charted on.
    #[serde(with = "crate::day::text")]
    pub day: Date,
    /// The check-in's version.
    pub version: u32,
    /// The answers.
    pub answers: Answers,
    /// The homework sheets its link asked about, in the order of its slots.
    #[serde(default)]
    pub homework: Vec<String>,
    /// The scheduled sections its link asked (the PCL-5's), by id.
    #[serde(default)]
    pub sections: Vec<String>,
    /// The check-in as it was when these answers were given, as the record keeps each version:
    /// its flags are read by the questions that were asked, even after the content renames one.
    /// `None` reads them with the program's check-in.
    #[serde(skip)]
    pub questionnaire: Option<Arc<Questionnaire>>,
    /// Its scores as stored, by instrument id.
    #[serde(default)]
    pub scores: BTreeMap<String, i64>,
}

/// A session that was held (or planned and saved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// 1 for the first session.
    pub number: u32,
    /// The day it was held (`YYYY-MM-DD` in JSON).
    #[serde(with = "crate::day::text")]
    pub held_on: Date,
    /// The stage worked on.
    pub stage: String,
    /// Homework sheet ids given.
    #[serde(default)]
    pub homework: Vec<String>,
    /// Progress marker ids the therapist marked as met.
    #[serde(default)]
    pub met: Vec<String>,
    /// Exercise ids done in the session: the next plan at the stage rotates by them.
    #[serde(default)]
    pub done: Vec<String>,
    /// For an individual session, the partner seen alone; `None` for a joint session.
    #[serde(default)]
    pub with: Option<String>,
    /// Whether new facts about the betrayal came out in this session (a second disclosure),
    /// which reopens the disclosure work.
    #[serde(default)]
    pub new_disclosure: bool,
    /// The therapist's notes.
    #[serde(default)]
    pub notes: String,
    /// Whether it began as a plan saved ahead of the session (`mend`'s own bookkeeping, not
    /// part of the JSON).
    #[serde(default, skip_serializing)]
    pub planned: bool,
}

impl SessionRecord {
    /// Whether planning again may replace this session: it began as a saved plan and nothing has
    /// been recorded in it yet (no notes, no met markers).
    pub fn is_replaceable_plan(&self) -> bool {
        self.planned && self.met.is_empty() && self.notes.trim().is_empty()
    }
}

/// The session that recording or planning on `day` adds to: the latest session, if it was held
/// on that day and began as a saved plan. A session recorded without a plan is never added to,
/// so two sessions held on one day stay two.
pub fn saved_plan_on(sessions: &[SessionRecord], day: Date) -> Option<&SessionRecord> {
    sessions.last().filter(|s| s.held_on == day && s.planned)
}

/// Why a session could not be recorded on the day given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionDayError {
    /// The day is still to come.
    #[error("{} is after today: a session is recorded once it has been held", format_day(*.0))]
    InTheFuture(Date),
    /// The day is before the latest session's.
    #[error(
        "{} is before session #{number} on {}: sessions are recorded in the order they were held",
        format_day(*day), format_day(*latest)
    )]
    BeforeLatest {
        /// The day given.
        day: Date,
        /// The latest session's number.
        number: u32,
        /// The day it was held.
        latest: Date,
    },
}

/// Checks that a session held on `day` can follow `sessions`: not after `today`, and not before
/// the latest one, since sessions are numbered in the order they were held and "the latest
/// session" (for the packet, for the plan's progress) is the one with the highest number.
pub fn check_session_day(sessions: &[SessionRecord], day: Date, today: Date) -> Result<(), SessionDayError> {
    if day > today {
        return Err(SessionDayError::InTheFuture(day));
    }
    match sessions.last() {
        Some(last) if day < last.held_on => {
            Err(SessionDayError::BeforeLatest { day, number: last.number, latest: last.held_on })
        }
        _ => Ok(()),
    }
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

impl CheckinRecord {
    /// The check-in that reads these answers: the version they were given on, or `current`.
    pub fn questions<'a>(&'a self, current: &'a Questionnaire) -> &'a Questionnaire {
        self.questionnaire.as_deref().unwrap_or(current)
    }
}
