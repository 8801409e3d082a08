//! Flags: which flags the partners' intakes raise, whether each is resolved, and how a flag both raised is read once.

use serde::{Deserialize, Serialize};

use super::{WatchFor, join_names};
use crate::content::Program;
use crate::domain::Severity;
use crate::questionnaire::RaisedFlag;
use crate::record::CoupleRecord;

/// A flag raised by a partner's intake, open or resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFlag {
    /// The flag rule's id, which is also how the therapist names it when resolving it.
    pub id: String,
    /// How much it matters.
    pub severity: Severity,
    /// What it means.
    pub message: String,
    /// What the therapist should do.
    pub action: String,
    /// Whose intake raised it.
    pub partner: String,
    /// Whether the therapist has resolved it.
    pub resolved: bool,
    /// Whether a check-in raised it, rather than the intake. Left out of JSON when false, so
    /// plans read the same as before check-ins existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_checkin: bool,
}

/// Every flag raised by either partner's latest intake, open or resolved, most severe first,
/// then in the partners' order.
pub fn raised_flags(program: &Program, record: &CoupleRecord) -> Vec<PlanFlag> {
    let mut flags: Vec<PlanFlag> = Vec::new();
    for partner in &record.partners {
        let Some(answers) = &partner.intake else { continue };
        let raised = partner.intake_questions(&program.questionnaire).flags(answers);
        let sent_at = partner.intake_sent_at.as_deref();
        flags.extend(raised.into_iter().map(|flag: RaisedFlag| PlanFlag {
            resolved: record.resolution_of(&flag.id, sent_at).is_some(),
            id: flag.id,
            severity: flag.severity,
            message: flag.message,
            action: flag.action,
            partner: partner.name.to_string(),
            from_checkin: false,
        }));
    }
    // A stable sort keeps the partners' order and the questionnaire's order within each severity.
    flags.sort_by_key(|f| std::cmp::Reverse(f.severity));
    flags
}

/// One flag id, read once however many intakes raised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagGroup<'a> {
    /// The first partner's flag: the group's id, severity, message and action.
    pub flag: &'a PlanFlag,
    /// Who raised it, as a sentence lists names: `Ana and Sam`.
    pub raised_by: String,
    /// `open` or `resolved` when that is true for everyone who raised it, otherwise each
    /// partner's: `resolved for Ana and open for Sam`.
    pub status: String,
}

/// Flags raised by both intakes, read once, in the order they were first raised.
pub fn grouped_flags(flags: &[PlanFlag]) -> Vec<FlagGroup<'_>> {
    let mut groups: Vec<(&PlanFlag, Vec<&PlanFlag>)> = Vec::new();
    for flag in flags {
        match groups.iter_mut().find(|(first, _)| first.id == flag.id) {
            Some((_, all)) => all.push(flag),
            None => groups.push((flag, vec![flag])),
        }
    }
    let status = |f: &PlanFlag| if f.resolved { "resolved" } else { "open" };
    groups
        .into_iter()
        .map(|(first, all)| {
            let names: Vec<String> = all.iter().map(|f| f.partner.clone()).collect();
            let status = if all.iter().all(|f| f.resolved == first.resolved) {
                status(first).to_owned()
            } else {
                let each: Vec<String> = all.iter().map(|f| format!("{} for {}", status(f), f.partner)).collect();
                join_names(&each)
            };
            FlagGroup { flag: first, raised_by: join_names(&names), status }
        })
        .collect()
}

/// One watch-for, read once though both intakes raised its flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchGroup<'a> {
    /// The first of the group.
    pub watch: &'a WatchFor,
    /// For a flag: whose intakes raised it, as a sentence lists names; empty for the stage's own.
    pub partners: String,
}

/// Watch-fors with a flag raised by both intakes, read once with both names.
pub fn grouped_watch_fors(watch_fors: &[WatchFor]) -> Vec<WatchGroup<'_>> {
    let mut groups: Vec<(&WatchFor, Vec<String>)> = Vec::new();
    for watch in watch_fors {
        let partner = watch.partner.clone().unwrap_or_default();
        match groups.iter_mut().find(|(first, _)| watch.flag.is_some() && first.flag == watch.flag) {
            Some((_, partners)) => partners.push(partner),
            None => groups.push((watch, vec![partner])),
        }
    }
    groups.into_iter().map(|(watch, partners)| WatchGroup { watch, partners: join_names(&partners) }).collect()
}
