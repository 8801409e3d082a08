//! Kept for safety: the roles, when a partner cast as having broken trust says the other endangers them, and sheets filled in alone, while a flag says home is not private.
//!
//! What such a partner kept hidden (money put aside, a second phone, contact with a support
//! service) may be what keeps them safe, and accountability or transparency work would push them
//! to be open with the person they fear. So, from their own answers (intake or check-in, open or
//! resolved) until the therapist records a session at a later stage of their own choosing, the
//! plan stays at the first stage, plans no exercise, sheet or note for one role only, and prepares
//! no account.
//!
//! And while a flag whose rule says `sheets_stay_in_session` is open (fear, control, monitoring,
//! not safe to contact), no sheet filled in alone goes home: it is gone through in the session.

use super::course::Course;
use super::{AgendaKind, PartnerPlan, Plan, PlanFlag, join_names};
use crate::content::{Audience, Program, Sheet, Stage};
use crate::domain::Role;
use crate::questionnaire::FlagRule;
use crate::record::{CoupleRecord, PartnerRecord};

/// A partner whose role as the one who broke trust is not assigned, and why.
pub(super) struct Withheld<'a> {
    /// The partner cast as having broken trust.
    pub(super) partner: &'a PartnerRecord,
    /// The ids of their flags that say the other partner endangers them, each once.
    pub(super) flags: Vec<String>,
}

/// The partners cast as having broken trust whose own answers raised a flag the content marks
/// `danger_from_partner`, while no session has been recorded past the first stage: recording one
/// there is the therapist's decision that the roles stand.
pub(super) fn withheld<'a>(
    program: &Program,
    record: &'a CoupleRecord,
    course: &Course<'_>,
    flags: &[PlanFlag],
) -> Vec<Withheld<'a>> {
    let moved_on = course.sessions.iter().any(|s| program.stage_index(&s.stage).is_some_and(|i| i > 0));
    if moved_on {
        return Vec::new();
    }
    record
        .partners
        .iter()
        .filter(|p| p.roles.includes(Role::BrokeTrust))
        .filter_map(|partner| {
            let mut ids: Vec<String> = flags
                .iter()
                .filter(|f| f.partner == partner.name.as_str() && is_danger_from_partner(program, &f.id))
                .map(|f| f.id.clone())
                .collect();
            ids.sort();
            ids.dedup();
            (!ids.is_empty()).then_some(Withheld { partner, flags: ids })
        })
        .collect()
}

/// Whether the intake's or the check-in's rule with this id marks the other partner as a danger.
fn is_danger_from_partner(program: &Program, id: &str) -> bool {
    rules(program).any(|rule| rule.id == id && rule.danger_from_partner)
}

/// Every flag rule of the intake and the check-in.
fn rules(program: &Program) -> impl Iterator<Item = &FlagRule> {
    program.questionnaire.flags.iter().chain(program.checkin.iter().flat_map(|c| &c.flags))
}

/// The open flags under which sheets filled in alone stay in the session room (their rule says
/// `sheets_stay_in_session`: fear, control, monitoring, not safe to contact), each id once.
pub fn sheets_kept_in_session<'a>(program: &Program, flags: &'a [PlanFlag]) -> Vec<&'a PlanFlag> {
    let mut kept: Vec<&PlanFlag> = Vec::new();
    for flag in flags.iter().filter(|f| !f.resolved) {
        if rules(program).any(|rule| rule.id == flag.id && rule.sheets_stay_in_session)
            && !kept.iter().any(|k| k.id == flag.id)
        {
            kept.push(flag);
        }
    }
    kept
}

/// Takes the sheets filled in alone out of what goes home while `kept` flags are open, and says
/// in the homework or individual item that they are gone through in the session and kept there.
pub(super) fn keep_in_session(program: &Program, plan: &mut Plan, kept: &[&PlanFlag]) {
    if kept.is_empty() {
        return;
    }
    let alone = |id: &str| program.sheet(id).is_some_and(Sheet::is_filled_in_alone);
    let held: Vec<String> = plan.homework.iter().filter(|id| alone(id.as_str())).cloned().collect();
    if held.is_empty() {
        return;
    }
    plan.homework.retain(|id| !alone(id.as_str()));
    let ids: Vec<String> = kept.iter().map(|f| f.id.clone()).collect();
    let titles: Vec<String> =
        held.iter().map(|id| program.sheet(id).map_or_else(|| id.clone(), |s| format!("{} ({id})", s.title))).collect();
    let line = format!(
        "While {} is open, no sheet filled in alone goes home or to a phone: go through {} in the session and keep it \
         here.",
        join_names(&ids),
        join_names(&titles)
    );
    for item in &mut plan.agenda {
        let before = item.sheets.len();
        item.sheets.retain(|s| !alone(s.id.as_str()));
        if item.sheets.len() != before || item.kind == AgendaKind::Individual {
            let gives_held =
                |w: &String| w.ends_with("and give it.") && held.iter().any(|id| w.contains(&format!("({id})")));
            item.what.retain(|w| !gives_held(w));
            item.what.push(line.clone());
        }
    }
}

/// What the therapist reads first: whose role is not assigned, and why.
pub(super) fn notice(record: &CoupleRecord, withheld: &[Withheld<'_>]) -> String {
    let each: Vec<String> = withheld
        .iter()
        .map(|w| {
            let other = record
                .partners
                .iter()
                .find(|p| p.name != w.partner.name)
                .map_or_else(|| "the other partner".to_owned(), |p| p.name.to_string());
            format!(
                "{}, cast as having broken trust, said in their own answers that {other} frightens, hurts, controls \
                 or watches them ({})",
                w.partner.name,
                w.flags.join(", ")
            )
        })
        .collect();
    format!(
        "{}. What they kept hidden may be what keeps them safe, so the roles are not assigned: no accountability or \
         transparency work starts, no exercise, sheet or note for one role is planned, and the plan stays at the \
         first stage until you choose a later one yourself, after seeing them alone.",
        join_names(&each)
    )
}

/// The reason given when the plan stays at the first stage instead of `would_be`.
pub(super) fn stage_reason(first: &Stage, would_be: &Stage) -> String {
    format!(
        "A partner cast as having broken trust says the other partner endangers them, so the plan stays at “{}” \
         rather than “{}”: accountability and transparency work wait until you choose a later stage yourself.",
        first.title, would_be.title
    )
}

/// The stage's sheets with those for one role only left out.
pub(super) fn shared_sheets(program: &Program, stage: &Stage) -> Vec<String> {
    stage
        .homework
        .iter()
        .filter(|id| {
            program.sheet(id).is_none_or(|s: &Sheet| matches!(s.audience, Audience::Each | Audience::Together))
        })
        .cloned()
        .collect()
}

/// The partners' notes with the stage's notes for one role only left out.
pub(super) fn strip_role_notes(partners: &mut [PartnerPlan]) {
    use super::NoteAbout;
    for partner in partners {
        partner.notes.retain(|n| !matches!(n.about, NoteAbout::BrokeTrust | NoteAbout::Hurt));
    }
}
