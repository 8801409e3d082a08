//! The joint agenda: the items of a session the couple attends together, written for this couple and stage.

use super::course::Course;
use super::fit::{self, Draft, Fitted};
use super::work::{self, Chosen};
use super::{AgendaKind, Doers, PlanFlag, SheetServes, join_names, partner_names};
use crate::content::{Audience, Program, Sheet, Stage};
use crate::domain::{Role, Severity};
use crate::record::{CoupleRecord, SessionRecord};

/// Base lengths of the fixed agenda items, and how far a short session may shorten them. A
/// 50-minute session after the first is check-in and safety 5, homework review 8, the stage's
/// work 32 (practice folds into the exercises), homework and closing 5.
const CHECK_IN_MINUTES: u32 = 2;
const SAFETY_MINUTES: u32 = 3;
const HOMEWORK_REVIEW_MINUTES: u32 = 8;
const HOMEWORK_MINUTES: u32 = 2;
const CLOSING_MINUTES: u32 = 3;
const REVIEW_FLOOR: u32 = 3;
const SHORT_ITEM_FLOOR: u32 = 2;

/// What the joint agenda is built from.
pub(super) struct Context<'a> {
    pub(super) program: &'a Program,
    pub(super) record: &'a CoupleRecord,
    pub(super) stage: &'a Stage,
    pub(super) flags: &'a [PlanFlag],
    /// The latest session held, if any: its homework is reviewed.
    pub(super) last: Option<&'a SessionRecord>,
    /// Every session held, by number: what they did decides the work chosen now.
    pub(super) course: &'a Course<'a>,
    /// Plan only work for both partners: the roles are not assigned (see `safekeeping`).
    pub(super) shared_only: bool,
    /// The sheets to give, of the stage's homework.
    pub(super) homework: &'a [String],
}

/// The joint session's agenda, fitted to `minutes`.
pub(super) fn joint(context: &Context<'_>, minutes: u32) -> Fitted {
    let mut drafts = vec![check_in(context), safety_check(context)];
    drafts.extend(homework_review(context));
    let chosen = work::choose(context.stage, context.record, context.course, context.shared_only);
    drafts.extend(chosen.iter().map(|c| exercise_draft(context, c)));
    drafts.extend(homework_to_give(context));
    drafts.push(closing());
    let mut fitted = fit::fit(drafts, minutes);
    // Practice folds into the exercises: the last one kept ends by trying the work on something real.
    if let Some(last) = fitted.agenda.iter_mut().rev().find(|i| i.kind == AgendaKind::Exercise) {
        last.what.push(
            "End by letting the couple try today's work on a small, real matter while you coach them.".to_owned(),
        );
    }
    fitted
}

fn check_in(context: &Context<'_>) -> Draft {
    let names = partner_names(context.record);
    let what = if context.last.is_none() {
        vec![
            format!("Welcome {names}. Explain how the sessions run, what stays confidential and what does not."),
            "Say what today is for and ask what each of them hopes to get from the work.".to_owned(),
        ]
    } else {
        vec![
            format!("Ask {names}, one at a time, how the time since the last session has been."),
            "Ask each for one thing that went better and one thing that was hard.".to_owned(),
        ]
    };
    Draft::new(AgendaKind::CheckIn, "Check-in", CHECK_IN_MINUTES, SHORT_ITEM_FLOOR).with_what(what)
}

/// Safety is asked of each partner privately, never of the couple together: a frightened partner
/// cannot answer honestly in front of the other.
fn safety_check(context: &Context<'_>) -> Draft {
    let since = if context.last.is_some() { "since the last session" } else { "at home at the moment" };
    let names = partner_names(context.record);
    let mut what = vec![
        format!(
            "Before the joint work, see {names} one at a time for a minute or two, or read each partner's latest \
             private answers if they gave them since the last session; never ask the couple together how safe they feel."
        ),
        format!(
            "Ask each, alone, whether anything {since} left them feeling unsafe, afraid, threatened or controlled, and \
             about thoughts of self-harm; if so, stop the joint work and see them one at a time."
        ),
    ];
    for flag in context.flags.iter().filter(|f| !f.resolved && f.severity == Severity::Caution) {
        what.push(format!(
            "Follow up the open flag {} ({}, {}): {}",
            flag.id, flag.partner, flag.severity, flag.action
        ));
    }
    for flag in context.flags.iter().filter(|f| f.resolved && f.severity == Severity::Stop) {
        what.push(format!(
            "The stop flag {} ({}) was resolved; still ask about it today, briefly and without pressure.",
            flag.id, flag.partner
        ));
    }
    let mut draft = Draft::new(AgendaKind::Safety, "Safety check", SAFETY_MINUTES, SAFETY_MINUTES).with_what(what);
    draft.item.prompts = vec![
        "(Alone) Has anything happened since we last met that frightened you?".to_owned(),
        "(Alone) On a scale from 0 to 10, how safe do you feel at home this week?".to_owned(),
    ];
    draft
}

fn homework_review(context: &Context<'_>) -> Option<Draft> {
    let last = context.last?;
    if last.homework.is_empty() {
        return None;
    }
    let mut what: Vec<String> = last
        .homework
        .iter()
        .map(|id| match context.program.sheet(id) {
            Some(sheet) => review_line(sheet, context.record),
            None => format!("{id} (a sheet this program does not have): ask how it went."),
        })
        .collect();
    what.extend(checked_in_homework(context, &last.homework));
    what.push(
        "Thank the effort, not the result; if something was not done, ask what got in the way, without blame."
            .to_owned(),
    );
    Some(
        Draft::new(
            AgendaKind::HomeworkReview,
            format!("Review of homework from session {}", last.number),
            HOMEWORK_REVIEW_MINUTES,
            REVIEW_FLOOR,
        )
        .with_what(what),
    )
}

/// What each partner's latest check-in says of these sheets: what was done, partly done or not yet.
fn checked_in_homework(context: &Context<'_>, sheets: &[String]) -> Vec<String> {
    let Some(checkin) = &context.program.checkin else { return Vec::new() };
    context
        .record
        .partners
        .iter()
        .filter_map(|partner| {
            let latest = partner.checkins.last()?;
            let said: Vec<String> = crate::checkin::homework_done(checkin, &latest.homework, &latest.answers)
                .into_iter()
                .filter(|h| sheets.contains(&h.sheet))
                .map(|h| format!("{} {}", h.sheet, h.status.as_deref().unwrap_or("not answered").replace('-', " ")))
                .collect();
            (!said.is_empty()).then(|| format!("{}'s check-in: {}.", partner.name, said.join(", ")))
        })
        .collect()
}

fn exercise_draft(context: &Context<'_>, chosen: &Chosen<'_>) -> Draft {
    let exercise = chosen.exercise;
    let mut draft =
        Draft::new(AgendaKind::Exercise, exercise.title.clone(), exercise.minutes, exercise.minutes.div_ceil(2));
    draft.essential = chosen.protected;
    draft.item.role = Some(exercise.role);
    draft.item.exercise = Some(exercise.id.clone());
    draft.item.serves = chosen.serves.clone();
    draft.item.partner = chosen.turn.clone();
    draft.item.doers = Some(match &chosen.turn {
        Some(name) => Doers::Turn { name: name.clone(), role: exercise.role },
        None => doers(exercise.role, context.record),
    });
    draft.item.what = vec![exercise.purpose.clone()];
    draft.item.steps = exercise.steps.clone();
    draft.item.prompts = exercise.prompts.clone();
    draft
}

/// The stage's sheets, one line each. Printing them is a next step of the plan, not a line here.
fn homework_to_give(context: &Context<'_>) -> Option<Draft> {
    if context.homework.is_empty() {
        return None;
    }
    let what: Vec<String> = context
        .homework
        .iter()
        .map(|id| match context.program.sheet(id) {
            Some(sheet) => sheet_line(sheet, context.record),
            None => id.clone(),
        })
        .collect();
    let mut draft =
        Draft::new(AgendaKind::Homework, "Homework to give", HOMEWORK_MINUTES, SHORT_ITEM_FLOOR).with_what(what);
    draft.item.sheets = context
        .homework
        .iter()
        .map(|id| SheetServes { id: id.clone(), serves: work::serves(context.stage, id) })
        .collect();
    Some(draft)
}

fn closing() -> Draft {
    let what = vec![
        "Ask each partner to name one thing they take from today.".to_owned(),
        "Agree the date of the next session.".to_owned(),
        "Check that each knows where to get help between sessions if things feel unsafe.".to_owned(),
    ];
    Draft::new(AgendaKind::Closing, "Closing", CLOSING_MINUTES, SHORT_ITEM_FLOOR).with_what(what)
}

/// A sheet given as homework: its title, who fills it in by name, and what it is for.
fn sheet_line(sheet: &Sheet, record: &CoupleRecord) -> String {
    format!("{} ({}), {}: {}", sheet.title, sheet.id, sheet_audience(sheet.audience, record), sheet.purpose)
}

/// A sheet given last time, with what to ask about it.
fn review_line(sheet: &Sheet, record: &CoupleRecord) -> String {
    let ask = match sheet.audience {
        Audience::Together => "ask how doing it together went, what was hard, and what they noticed",
        Audience::Each => "ask each of them what they did with it, what was hard, and what they noticed",
        Audience::BrokeTrust | Audience::Hurt => "ask what they did with it, what was hard, and what they noticed",
    };
    format!("{} ({}), {}: {ask}.", sheet.title, sheet.id, sheet_audience(sheet.audience, record))
}

/// Who fills in a sheet, by name.
fn sheet_audience(audience: Audience, record: &CoupleRecord) -> String {
    let role = match audience {
        Audience::Together => return "done together".to_owned(),
        Audience::Each => return "one for each partner".to_owned(),
        Audience::BrokeTrust => Role::BrokeTrust,
        Audience::Hurt => Role::Hurt,
    };
    let names: Vec<String> =
        record.partners.iter().filter(|p| p.roles.includes(role)).map(|p| p.name.to_string()).collect();
    match names.as_slice() {
        [] => format!("for {}", audience.describe()),
        [one] => format!("for {one}"),
        _ => format!("for {}, one each", join_names(&names)),
    }
}

/// Who does an exercise no partner takes a turn at, by name. Partners who share a role always
/// take turns (see `work::choose`), so a role here is one partner's or no one's.
fn doers(role: Role, record: &CoupleRecord) -> Doers {
    let names = |role| record.partners.iter().filter(move |p| p.roles.includes(role)).map(|p| p.name.to_string());
    if role == Role::Both {
        return Doers::Both { names: names(role).collect() };
    }
    match names(role).next() {
        Some(name) => Doers::One { name, role },
        None => Doers::Nobody { role },
    }
}
