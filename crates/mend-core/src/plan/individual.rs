//! Individual sessions: when the program calls for seeing one partner alone, with whom, why, and that session's agenda.
//!
//! The program calls for one, in this order: while a stop flag is open; after new facts came out;
//! before the first joint session, for each partner's private safety check-in; before the first
//! joint session of the disclosure stage, for each partner who broke trust to prepare the account;
//! and for work the content marks as done alone (`alone = true`), such as the review stage's. Each
//! is with one partner; recording a session `with` that partner at the stage satisfies it.

use std::collections::BTreeSet;

use super::course::Course;
use super::work;
use super::{AgendaItem, AgendaKind, IndividualPurpose, NextStep, Plan, PlanFlag, SessionKind, SheetServes};
use super::{disclosure, notes};
use crate::content::{Audience, Exercise, Program, Sheet, Stage};
use crate::domain::{Role, Severity};
use crate::record::{CoupleRecord, PartnerRecord, SessionRecord};

/// An individual session the program calls for.
pub(super) struct Proposal<'a> {
    /// The partner seen alone.
    partner: &'a PartnerRecord,
    purpose: IndividualPurpose,
    /// Work of the stage done alone, when the session is for it.
    exercise: Option<&'a Exercise>,
}

/// What an individual session is planned from.
pub(super) struct Context<'a> {
    pub(super) program: &'a Program,
    pub(super) record: &'a CoupleRecord,
    pub(super) stage: &'a Stage,
    pub(super) course: &'a Course<'a>,
    pub(super) flags: &'a [PlanFlag],
    /// The partners cast as having broken trust whose role is not assigned (see `safekeeping`): no
    /// account is prepared, and they are not asked about the betrayal as if it were theirs.
    pub(super) withheld: &'a [String],
}

/// The individual session the program calls for next, if any. While a stop flag is open there
/// always is one, so no joint session is planned.
pub(super) fn propose<'a>(context: &Context<'a>) -> Option<Proposal<'a>> {
    let Context { record, stage, course, flags, .. } = *context;
    let sessions = course.sessions.as_slice();
    let proposal = |partner, purpose, exercise| Some(Proposal { partner, purpose, exercise });
    if flags.iter().any(|f| !f.resolved && f.severity == Severity::Stop) {
        return proposal(least_recently_seen(record, sessions, flags)?, IndividualPurpose::StopFlag, None);
    }
    let disclosure_open = flags.iter().any(|f| f.id == disclosure::FLAG_ID && !f.resolved);
    if let Some(name) = disclosure::partner_to_see(record, course).filter(|_| disclosure_open) {
        return proposal(
            record.partners.iter().find(|p| p.name.as_str() == name)?,
            IndividualPurpose::NewDisclosure,
            None,
        );
    }
    let seen_alone = |partner: &PartnerRecord, held: &[&SessionRecord]| {
        held.iter().any(|s| s.with.as_deref() == Some(partner.name.as_str()))
    };
    if sessions.iter().all(|s| s.with.is_some())
        && let Some(partner) = record.partners.iter().find(|p| !seen_alone(p, sessions))
    {
        let exercise = alone_work(stage, partner, course).into_iter().next();
        return proposal(partner, IndividualPurpose::SafetyCheckIn, exercise);
    }
    let at_stage: Vec<&SessionRecord> = sessions.iter().copied().filter(|s| s.stage == stage.id).collect();
    if context.withheld.is_empty()
        && is_disclosure_stage(context.program, stage)
        && at_stage.iter().all(|s| s.with.is_some())
    {
        let unprepared =
            record.partners.iter().filter(|p| p.roles.includes(Role::BrokeTrust)).find(|p| !seen_alone(p, &at_stage));
        if let Some(partner) = unprepared {
            return proposal(partner, IndividualPurpose::PreparingDisclosure, None);
        }
    }
    let met = course.met(stage);
    let review = context.program.stage_index(&stage.id).is_none();
    let purpose = if review { IndividualPurpose::Review } else { IndividualPurpose::WorkAlone };
    record.partners.iter().find_map(|partner| {
        let pending = alone_work(stage, partner, course);
        let exercise = pending.into_iter().find(|e| work::serves(stage, &e.id).iter().any(|m| !met.contains(m)))?;
        proposal(partner, purpose, Some(exercise))
    })
}

/// Whether `stage` is the program's disclosure stage: the first that new facts reopen.
fn is_disclosure_stage(program: &Program, stage: &Stage) -> bool {
    program.stages.iter().find(|s| s.reopen_on_new_disclosure).is_some_and(|s| s.id == stage.id)
}

/// Whether someone still has work of `stage` to do alone that serves an unmet marker.
pub(super) fn work_alone_pending(stage: &Stage, record: &CoupleRecord, course: &Course<'_>) -> bool {
    let met = course.met(stage);
    record.partners.iter().any(|partner| {
        alone_work(stage, partner, course).iter().any(|e| work::serves(stage, &e.id).iter().any(|m| !met.contains(m)))
    })
}

/// The stage's work done alone that `partner` has still to do, in the stage's order. A session
/// with them at the stage counts what it records as done; one recorded without saying counts as
/// the first such exercise still to do, the one it was planned for.
fn alone_work<'a>(stage: &'a Stage, partner: &PartnerRecord, course: &Course<'_>) -> Vec<&'a Exercise> {
    let theirs: Vec<&Exercise> = stage.exercises.iter().filter(|e| e.alone && partner.roles.includes(e.role)).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for session in course.sessions_at(stage).into_iter().filter(|s| s.with.as_deref() == Some(partner.name.as_str())) {
        if session.done.is_empty() {
            if let Some(next) = theirs.iter().find(|e| !done.contains(e.id.as_str())) {
                done.insert(next.id.as_str());
            }
        } else {
            done.extend(theirs.iter().filter(|e| session.done.contains(&e.id)).map(|e| e.id.as_str()));
        }
    }
    theirs.into_iter().filter(|e| !done.contains(e.id.as_str())).collect()
}

/// While a stop flag is open, partners are seen alone in turn: the one not seen alone for longest,
/// and of two never seen, the one whose own answers raised a stop flag, then the first.
fn least_recently_seen<'a>(
    record: &'a CoupleRecord,
    sessions: &[&SessionRecord],
    flags: &[PlanFlag],
) -> Option<&'a PartnerRecord> {
    let last_seen = |p: &PartnerRecord| {
        sessions.iter().filter(|s| s.with.as_deref() == Some(p.name.as_str())).map(|s| s.number).max().unwrap_or(0)
    };
    let raised_stop = |p: &PartnerRecord| {
        flags.iter().any(|f| f.partner == p.name.as_str() && !f.resolved && f.severity == Severity::Stop)
    };
    record.partners.iter().enumerate().min_by_key(|(i, p)| (last_seen(p), !raised_stop(p), *i)).map(|(_, p)| p)
}

/// Fills `plan` in as the individual session `proposal` calls for: one item, the whole session long.
pub(super) fn fill(plan: &mut Plan, context: &Context<'_>, proposal: &Proposal<'_>, minutes: u32) {
    let Context { program, record, stage, course, flags, withheld } = *context;
    let name = proposal.partner.name.to_string();
    let other =
        record.partners.iter().find(|p| p.name != proposal.partner.name).map_or(String::new(), |p| p.name.to_string());
    let safety_sheets: Vec<&Sheet> = safety_sheets(program);
    let (notice, item, sheets) = match (proposal.purpose, proposal.exercise) {
        (IndividualPurpose::StopFlag, _) => {
            let open_stops: Vec<&PlanFlag> =
                flags.iter().filter(|f| !f.resolved && f.severity == Severity::Stop).collect();
            plan.next_steps = flags_to_resolve(&open_stops);
            let notice =
                format!("{} This session is with {name}; {other} is seen alone in turn.", stop_notice(&open_stops));
            (notice, safety_item(&name, &other, flags, &safety_sheets), safety_sheets)
        }
        (IndividualPurpose::NewDisclosure, _) => {
            let number = course.disclosed_in.unwrap_or(0);
            let notice = format!(
                "New facts about the betrayal came out in session {number}. Before joint work resumes at “{}”, see \
                 each partner alone to re-check safety; this session is with {name}.",
                stage.title
            );
            plan.next_steps.push(NextStep::ResolveFlag { flag: disclosure::FLAG_ID.to_owned() });
            (notice, disclosure::individual_item(record, &name, number, minutes), safety_sheets)
        }
        (IndividualPurpose::SafetyCheckIn, exercise) => {
            let notice = format!(
                "Before the first joint session, each partner is seen alone once, so that either can speak about safety \
                 freely; this session is with {name}, and {other} has a session of their own."
            );
            let item = match exercise {
                Some(exercise) => exercise_item(stage, exercise, &name, &other),
                None => check_in_item(proposal.partner, &other, withheld.contains(&name)),
            };
            let sheets = if exercise.is_some() { own_sheets(program, stage, proposal.partner) } else { safety_sheets };
            (notice, item, sheets)
        }
        (IndividualPurpose::PreparingDisclosure, _) => {
            let notice = format!(
                "Before the first joint session of “{}”, {name} is seen alone to prepare the account they will give \
                 {other}.",
                stage.title
            );
            (notice, preparing_item(&name, &other), own_sheets(program, stage, proposal.partner))
        }
        (purpose, Some(exercise)) => {
            let notice = if purpose == IndividualPurpose::Review {
                format!(
                    "The review “{}” begins with each partner alone; this session is with {name}, for “{}”.",
                    stage.title, exercise.title
                )
            } else {
                format!("“{}” is done with each partner alone; this session is with {name}.", exercise.title)
            };
            (notice, exercise_item(stage, exercise, &name, &other), own_sheets(program, stage, proposal.partner))
        }
        (_, None) => return,
    };
    let mut item = item;
    item.minutes = minutes;
    item.sheets = sheets.iter().map(|s| SheetServes { id: s.id.clone(), serves: work::serves(stage, &s.id) }).collect();
    plan.session_kind = SessionKind::Individual;
    plan.with = Some(name.clone());
    plan.individual = Some(proposal.purpose);
    plan.notice = Some(notice);
    plan.agenda = vec![item];
    plan.homework = sheets.iter().map(|s| s.id.clone()).collect();
    plan.partners = notes::partner_plans(record, None, flags);
    plan.next_steps.push(NextStep::RecordIndividual { stage: stage.id.clone(), partner: name });
}

/// Safety sheets for individual sessions: sheets of the first stage whose id names safety and that
/// a partner fills in alone.
fn safety_sheets(program: &Program) -> Vec<&Sheet> {
    let Some(first) = program.stages.first() else { return Vec::new() };
    first
        .homework
        .iter()
        .filter_map(|id| program.sheet(id))
        .filter(|sheet| sheet.id.contains("safety") && sheet.audience != Audience::Together)
        .collect()
}

/// The stage's sheets that `partner` fills in on their own: one for each partner, or for their role.
fn own_sheets<'a>(program: &'a Program, stage: &Stage, partner: &PartnerRecord) -> Vec<&'a Sheet> {
    let theirs = |sheet: &&Sheet| match sheet.audience {
        Audience::Each => true,
        Audience::Together => false,
        Audience::BrokeTrust => partner.roles.includes(Role::BrokeTrust),
        Audience::Hurt => partner.roles.includes(Role::Hurt),
    };
    stage.homework.iter().filter_map(|id| program.sheet(id)).filter(theirs).collect()
}

/// Why joint work waits: each open stop flag, whose intake raised it and what it means.
fn stop_notice(open_stops: &[&PlanFlag]) -> String {
    let which: Vec<String> =
        open_stops.iter().map(|f| format!("{}, from {}'s intake: {}", f.id, f.partner, f.message)).collect();
    format!(
        "Joint sessions wait while a stop flag is open. {} See each partner alone to assess safety.",
        which.join(" ")
    )
}

/// One step per open stop flag, each id once though both intakes raised it, in the order of their ids.
fn flags_to_resolve(open_stops: &[&PlanFlag]) -> Vec<NextStep> {
    let ids: BTreeSet<&str> = open_stops.iter().map(|f| f.id.as_str()).collect();
    ids.into_iter().map(|id| NextStep::ResolveFlag { flag: id.to_owned() }).collect()
}

/// An individual item with nothing filled in but its kind, title and partner.
fn blank_item(title: String, name: &str) -> AgendaItem {
    AgendaItem {
        kind: AgendaKind::Individual,
        title,
        starts_at: 0,
        minutes: 0,
        role: None,
        partner: Some(name.to_owned()),
        exercise: None,
        serves: Vec::new(),
        sheets: Vec::new(),
        what: Vec::new(),
        doers: None,
        steps: Vec::new(),
        prompts: Vec::new(),
    }
}

/// The safety assessment while a stop flag is open, never revealing what the other partner said.
fn safety_item(name: &str, other: &str, flags: &[PlanFlag], sheets: &[&Sheet]) -> AgendaItem {
    let mut item = blank_item(format!("Individual safety assessment: {name}"), name);
    item.what.push(format!("See {name} alone; {other} is not in the session."));
    for flag in flags.iter().filter(|f| !f.resolved && f.severity == Severity::Stop) {
        if flag.partner == name {
            item.what.push(format!("Assess the stop flag {}: {} {}", flag.id, flag.message, flag.action));
        } else {
            item.what.push(format!(
                "Do not reveal what {} said in the intake ({}); ask about safety in general terms.",
                flag.partner, flag.id
            ));
        }
    }
    item.what.extend(
        sheets
            .iter()
            .map(|sheet| format!("Go through the sheet {} ({}) with {name} and give it.", sheet.title, sheet.id)),
    );
    item.steps = safety_steps(name);
    item.prompts = safety_prompts();
    item
}

/// The private safety check-in before joint work, where the stage has no work of its own done alone.
fn check_in_item(partner: &PartnerRecord, other: &str, role_withheld: bool) -> AgendaItem {
    let name = partner.name.as_str();
    let mut item = blank_item(format!("Private safety check-in: {name}"), name);
    item.what = vec![
        format!("See {name} alone before the couple's first joint session; {other} is not in the session."),
        "Hear how things are at home and decide, with what you learn, whether joint sessions can begin.".to_owned(),
    ];
    item.steps = safety_steps(name);
    if role_withheld {
        item.steps.insert(
            2,
            "They say they are afraid of, hurt, controlled or watched by the other partner: ask what they keep private \
             to stay safe, never ask them to tell it or end it, and assign no roles."
                .to_owned(),
        );
    } else if partner.roles.includes(Role::BrokeTrust) {
        item.steps.insert(
            2,
            "Ask whether the affair or deception still goes on in any form, messages included, and what ending it \
             would take."
                .to_owned(),
        );
    }
    item.prompts = safety_prompts();
    item
}

/// Preparing, alone, the account a partner who broke trust gives in the disclosure stage's first joint session.
fn preparing_item(name: &str, other: &str) -> AgendaItem {
    let mut item = blank_item(format!("Preparing the account: {name}"), name);
    item.what = vec![
        format!("See {name} alone to prepare what they will tell {other} in the next joint session."),
        "Help them give the whole outline at once, in their own words, so that nothing comes out later.".to_owned(),
    ];
    item.steps = vec![
        format!("Explain to {name} what stays between the two of you and when it could not."),
        "Go through what happened, over what period, what was hidden and how it was kept hidden.".to_owned(),
        "Ask what they are not yet ready to say, and what makes it hard; an account given in pieces hurts more."
            .to_owned(),
        "Ask whether any contact or deception still goes on; the account waits until it has ended.".to_owned(),
        "Rehearse first-person sentences with no excuse or blame attached, and no graphic detail.".to_owned(),
        format!("Agree how the joint session will run, and how to look after {other} while they hear it."),
    ];
    item.prompts = vec![
        "What would your partner most need to hear from you, and what are you afraid to say?".to_owned(),
        "Is there anything that, if it came out later, would undo what you say next time?".to_owned(),
        "Try saying it as you will to them: what did you do, and what did you hide?".to_owned(),
    ];
    item
}

/// Work the content marks as done alone, with this partner.
fn exercise_item(stage: &Stage, exercise: &Exercise, name: &str, other: &str) -> AgendaItem {
    let mut item = blank_item(format!("{}: {name}, alone", exercise.title), name);
    item.role = Some(exercise.role);
    item.exercise = Some(exercise.id.clone());
    item.serves = work::serves(stage, &exercise.id);
    item.what = vec![exercise.purpose.clone(), format!("See {name} alone; {other} is not in the session.")];
    item.steps = exercise.steps.clone();
    item.prompts = exercise.prompts.clone();
    item
}

fn safety_steps(name: &str) -> Vec<String> {
    vec![
        format!("Explain to {name} what stays between the two of you and when it could not."),
        "Ask about safety at home in concrete terms: fear, threats, pushing or hitting, control of money, phone or \
         friends, and thoughts of self-harm."
            .to_owned(),
        "If there is danger, make or review a safety plan and give crisis contacts before anything else.".to_owned(),
        "Decide whether joint sessions can begin, and write down what you assessed.".to_owned(),
    ]
}

fn safety_prompts() -> Vec<String> {
    vec![
        "How safe do you feel at home right now?".to_owned(),
        "When you two argue, what happens? Has anyone ever been frightened or hurt?".to_owned(),
        "Is there anything you could not say with your partner in the room?".to_owned(),
        "Have you had thoughts of harming yourself?".to_owned(),
    ]
}
