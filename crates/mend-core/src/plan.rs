//! Session planning: from the program and a couple's record to a timed, explained plan for the next session.
//!
//! Planning is a pure function of its inputs. The day is passed in, every collection is ordered,
//! and nothing is read from a clock or a hash map, so the same inputs give the same plan byte for
//! byte in every format.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::content::{Audience, Exercise, Program, Sheet, Stage};
use crate::domain::{Role, Roles, Severity};
use crate::questionnaire::{Answers, RaisedFlag, StartRule};
use crate::record::{CoupleRecord, PartnerRecord, SessionRecord};

/// The shortest session mend plans, in minutes.
pub const MIN_MINUTES: u32 = 30;
/// The longest session mend plans, in minutes.
pub const MAX_MINUTES: u32 = 120;
/// The session length used when none is given.
pub const DEFAULT_MINUTES: u32 = 50;

/// Base lengths of the fixed agenda items, and how far a short session may shorten them.
const CHECK_IN_MINUTES: u32 = 5;
const SAFETY_MINUTES: u32 = 5;
const HOMEWORK_REVIEW_MINUTES: u32 = 5;
const PRACTICE_MINUTES: u32 = 10;
const HOMEWORK_MINUTES: u32 = 5;
const CLOSING_MINUTES: u32 = 5;
const PRACTICE_FLOOR: u32 = 5;
const SHORT_ITEM_FLOOR: u32 = 3;

/// The rule a short session is cut by, stated in every plan that was cut.
const SHORTENING_RULE: &str = "when the time is short, cuts are made in this order until the agenda fits: \
practice is shortened to 5 minutes; optional exercises are dropped, last listed first; homework review \
and homework are shortened to 3 minutes each; practice is dropped; essential exercises are shortened, last \
first, to half their time; check-in and closing are shortened to 3 minutes; essential exercises are \
dropped, last first, always keeping one. The safety check is never shortened or dropped, and check-in and \
closing are never dropped. Minutes freed beyond what is needed undo the latest cuts first, then go to the \
exercises and practice.";

/// What a plan is asked for, besides the program and the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// The session's length, from 30 to 120 minutes.
    pub minutes: u32,
    /// A stage chosen by the therapist (`--stage ID`), overriding the record.
    pub stage_override: Option<String>,
    /// The day the plan is for, `YYYY-MM-DD`; passed in so planning stays pure.
    pub today: String,
}

impl PlanOptions {
    /// Options for a session of the default length on `today`, at the stage the record gives.
    pub fn new(today: impl Into<String>) -> Self {
        Self { minutes: DEFAULT_MINUTES, stage_override: None, today: today.into() }
    }
}

/// Why a plan could not be made; each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// `--stage` named a stage the program does not have.
    #[error("there is no stage {id:?} in the program: use one of {}", known.join(", "))]
    UnknownStage {
        /// The id that was given.
        id: String,
        /// Every stage id, advancing stages first, then review stages.
        known: Vec<String>,
    },
    /// The session length is outside what can be planned.
    #[error("a session of {minutes} minutes cannot be planned: give --minutes from {MIN_MINUTES} to {MAX_MINUTES}")]
    MinutesOutOfRange {
        /// The length that was given.
        minutes: u32,
    },
    /// The couple's record does not fit the program.
    #[error("the couple's record cannot be planned from: {0}")]
    BadRecord(String),
}

/// Whether the couple meets together or each partner alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// Both partners together: the program's ordinary work.
    Joint,
    /// Each partner alone, because a stop flag is open.
    Individual,
}

impl SessionKind {
    /// The word used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Joint => "joint",
            SessionKind::Individual => "individual",
        }
    }
}

/// What an agenda item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgendaKind {
    /// How each partner is, at the start.
    CheckIn,
    /// The safety questions; never dropped.
    Safety,
    /// Going over the homework given last time.
    HomeworkReview,
    /// One of the stage's exercises.
    Exercise,
    /// Trying the session's work on something real.
    Practice,
    /// Giving the next homework.
    Homework,
    /// The end of the session.
    Closing,
    /// A partner seen alone for a safety assessment.
    Individual,
}

impl AgendaKind {
    /// The word used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AgendaKind::CheckIn => "check_in",
            AgendaKind::Safety => "safety",
            AgendaKind::HomeworkReview => "homework_review",
            AgendaKind::Exercise => "exercise",
            AgendaKind::Practice => "practice",
            AgendaKind::Homework => "homework",
            AgendaKind::Closing => "closing",
            AgendaKind::Individual => "individual",
        }
    }
}

/// A stage, named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRef {
    /// The stage id.
    pub id: String,
    /// The stage's title.
    pub title: String,
}

/// One timed item of the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    /// What the item is.
    pub kind: AgendaKind,
    /// A short name.
    pub title: String,
    /// Minutes from the start of the session.
    pub starts_at: u32,
    /// How long it takes; the items' minutes add up to the session's.
    pub minutes: u32,
    /// For an exercise: who does it.
    pub role: Option<Role>,
    /// For an individual item: the partner seen.
    pub partner: Option<String>,
    /// For an exercise: its id.
    pub exercise: Option<String>,
    /// What to do, in order.
    pub what: Vec<String>,
    /// For an exercise or an individual item: its steps.
    pub steps: Vec<String>,
    /// What the therapist may say or ask.
    pub prompts: Vec<String>,
}

/// Where a note for a partner comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteAbout {
    /// The stage's notes for the partner who broke trust.
    BrokeTrust,
    /// The stage's notes for the hurt partner.
    Hurt,
    /// The stage's notes for both partners.
    Both,
    /// This partner's intake: a flag or a missing intake.
    Intake,
}

impl NoteAbout {
    /// A short label a person reads.
    pub fn label(self) -> &'static str {
        match self {
            NoteAbout::BrokeTrust => "broke trust",
            NoteAbout::Hurt => "hurt",
            NoteAbout::Both => "both",
            NoteAbout::Intake => "intake",
        }
    }
}

/// One note for one partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerNote {
    /// Where it comes from.
    pub about: NoteAbout,
    /// The note.
    pub text: String,
}

/// What the therapist keeps in mind for one partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerPlan {
    /// The partner's display name.
    pub name: String,
    /// Their part in the breach.
    pub roles: Roles,
    /// Intake notes first, then the stage's notes for their roles.
    pub notes: Vec<PartnerNote>,
}

/// Something to watch for during the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchFor {
    /// What to watch for.
    pub text: String,
    /// For an open flag: how much it matters.
    pub severity: Option<Severity>,
    /// For an open flag: whose intake raised it.
    pub partner: Option<String>,
    /// For an open flag: its id.
    pub flag: Option<String>,
}

/// A flag raised by a partner's intake, open or resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFlag {
    /// The flag rule's id, as `mend flag resolve` takes it.
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
}

/// A plan for a couple's next session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The couple's short id.
    pub couple: String,
    /// The number of the session planned: the last recorded one plus one.
    pub session_number: u32,
    /// Joint, or individual while a stop flag is open.
    pub session_kind: SessionKind,
    /// The stage the joint work is at.
    pub stage: StageRef,
    /// Why this stage, in sentences.
    pub stage_reason: String,
    /// The session's length.
    pub minutes: u32,
    /// Something the therapist must read first, such as why joint work waits.
    pub notice: Option<String>,
    /// When the agenda was cut to fit: the rule, and what it dropped or shortened.
    pub shortening_rule: Option<String>,
    /// The timed items, in order.
    pub agenda: Vec<AgendaItem>,
    /// Notes for each partner, in the record's order.
    pub partners: Vec<PartnerPlan>,
    /// Open flags (most severe first), then the stage's own watch-fors.
    pub watch_fors: Vec<WatchFor>,
    /// Every flag raised by either intake, open or resolved.
    pub flags: Vec<PlanFlag>,
    /// The sheet ids to give as homework.
    pub homework: Vec<String>,
    /// The day the plan is for.
    pub date: String,
}

/// Plans the couple's next session.
pub fn plan(program: &Program, record: &CoupleRecord, options: &PlanOptions) -> Result<Plan, PlanError> {
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&options.minutes) {
        return Err(PlanError::MinutesOutOfRange { minutes: options.minutes });
    }
    if record.partners.len() != 2 {
        return Err(PlanError::BadRecord(format!(
            "couple {} has {} partner(s) but a plan needs exactly two: add the couple again with both partners",
            record.id,
            record.partners.len()
        )));
    }
    let sessions = sessions_in_order(record);
    let choice = choose_stage(program, record, &sessions, options.stage_override.as_deref())?;
    let flags = raised_flags(program, record);
    let open_stops: Vec<&PlanFlag> = flags.iter().filter(|f| !f.resolved && f.severity == Severity::Stop).collect();

    let mut plan = Plan {
        couple: record.id.clone(),
        session_number: sessions.last().map_or(1, |s| s.number.saturating_add(1)),
        session_kind: SessionKind::Joint,
        stage: StageRef { id: choice.stage.id.clone(), title: choice.stage.title.clone() },
        stage_reason: choice.reason,
        minutes: options.minutes,
        notice: None,
        shortening_rule: None,
        agenda: Vec::new(),
        partners: Vec::new(),
        watch_fors: watch_fors(choice.stage, &flags),
        flags: flags.clone(),
        homework: Vec::new(),
        date: options.today.clone(),
    };

    if open_stops.is_empty() {
        let context = Context { program, record, stage: choice.stage, flags: &flags, last: sessions.last().copied() };
        let (agenda, rule) = joint_agenda(&context, options.minutes);
        plan.agenda = agenda;
        plan.shortening_rule = rule;
        plan.homework = choice.stage.homework.clone();
        plan.partners = partner_plans(record, Some(choice.stage), &flags);
    } else {
        let safety_sheets = safety_sheets(program);
        plan.session_kind = SessionKind::Individual;
        plan.notice = Some(stop_notice(&record.id, &open_stops));
        plan.agenda = individual_agenda(record, &flags, &safety_sheets, options.minutes);
        plan.homework = safety_sheets.iter().map(|s| s.id.clone()).collect();
        plan.partners = partner_plans(record, None, &flags);
    }
    set_start_times(&mut plan.agenda);
    Ok(plan)
}

/// Sessions ordered by number; the record keeps them oldest first, but the number is what counts.
fn sessions_in_order(record: &CoupleRecord) -> Vec<&SessionRecord> {
    let mut sessions: Vec<&SessionRecord> = record.sessions.iter().collect();
    sessions.sort_by_key(|s| s.number);
    sessions
}

/// The stage chosen, and why.
struct StageChoice<'a> {
    stage: &'a Stage,
    reason: String,
}

fn choose_stage<'a>(
    program: &'a Program,
    record: &CoupleRecord,
    sessions: &[&SessionRecord],
    stage_override: Option<&str>,
) -> Result<StageChoice<'a>, PlanError> {
    let Some(id) = stage_override else {
        return stage_from_record(program, record, sessions);
    };
    let Some(stage) = program.stage(id) else {
        return Err(PlanError::UnknownStage {
            id: id.to_owned(),
            known: program.all_stages().map(|s| s.id.clone()).collect(),
        });
    };
    let mut reason = format!("Chosen by the therapist with --stage {id}.");
    if program.stage_index(id).is_none() {
        reason.push_str(" This is a review stage, which a couple enters only by the therapist's decision.");
    }
    // The automatic choice is only context here, so a record it cannot read does not block an override.
    if let Ok(automatic) = stage_from_record(program, record, sessions)
        && automatic.stage.id != stage.id
    {
        let _ = write!(reason, " Without --stage, the plan would be at “{}”.", automatic.stage.title);
    }
    Ok(StageChoice { stage, reason })
}

fn stage_from_record<'a>(
    program: &'a Program,
    record: &CoupleRecord,
    sessions: &[&SessionRecord],
) -> Result<StageChoice<'a>, PlanError> {
    for session in sessions {
        if program.stage(&session.stage).is_none() {
            return Err(PlanError::BadRecord(format!(
                "session {} is recorded at stage {:?}, which this program does not have: use the content it was \
                 recorded with (--content DIR), or plan with --stage ID",
                session.number, session.stage
            )));
        }
    }
    let Some(latest) = sessions.last() else {
        return stage_from_intake(program, record);
    };
    let last_advancing = sessions.iter().rposition(|s| program.stage_index(&s.stage).is_some());
    let mut prefix = String::new();
    if program.stage_index(&latest.stage).is_none() {
        let title = program.stage(&latest.stage).map_or(latest.stage.as_str(), |s| s.title.as_str());
        let _ = write!(
            prefix,
            "Session {} was the review stage “{title}”; review stages are entered only with --stage, so the plan \
             goes on with the program's stages. ",
            latest.number
        );
    }
    let Some(position) = last_advancing else {
        let mut choice = stage_from_intake(program, record)?;
        choice.reason = prefix + &choice.reason;
        return Ok(choice);
    };
    let mut choice = stage_from_progress(program, record, &sessions[..=position]);
    choice.reason = prefix + &choice.reason;
    Ok(choice)
}

/// The stage after the latest session at an advancing stage: the same one until all of its
/// markers are met, then the next one.
fn stage_from_progress<'a>(
    program: &'a Program,
    record: &CoupleRecord,
    sessions: &[&SessionRecord],
) -> StageChoice<'a> {
    let latest = sessions[sessions.len() - 1];
    let index = program.stage_index(&latest.stage).unwrap_or(0);
    let stage = &program.stages[index];
    let mut reason = skipped_stages_note(program, sessions, index);

    let met: BTreeSet<&str> =
        sessions.iter().filter(|s| s.stage == stage.id).flat_map(|s| s.met.iter().map(String::as_str)).collect();
    let unmet: Vec<_> = stage.progress_markers.iter().filter(|m| !met.contains(m.id.as_str())).collect();
    let total = stage.progress_markers.len();

    if !unmet.is_empty() {
        let list: Vec<String> = unmet.iter().map(|m| format!("{} ({})", m.text.trim_end_matches('.'), m.id)).collect();
        let _ = write!(
            reason,
            "Session {} worked on “{}”, and {} of its {total} progress markers are still unmet: {}. The couple moves \
             on when all are met; mark them with `mend session record {} --stage {} --met ID`.",
            latest.number,
            stage.title,
            unmet.len(),
            list.join("; "),
            record.id,
            stage.id
        );
        return StageChoice { stage, reason };
    }
    match program.stages.get(index + 1) {
        Some(next) => {
            let _ = write!(
                reason,
                "All {total} progress markers of “{}” were met by session {}, so the couple moves on to the next \
                 stage.",
                stage.title, latest.number
            );
            StageChoice { stage: next, reason }
        }
        None => {
            let review = program
                .review_stages
                .first()
                .map_or(String::new(), |r| format!(" To look back on the work, plan a review with --stage {}.", r.id));
            let _ = write!(
                reason,
                "All {total} progress markers of “{}”, the last stage, were met by session {}: the program's \
                 stages are complete, so the plan stays here to consolidate.{review}",
                stage.title, latest.number
            );
            StageChoice { stage, reason }
        }
    }
}

/// Says so when the therapist recorded a stage beyond the next one, so no stage is passed silently.
fn skipped_stages_note(program: &Program, sessions: &[&SessionRecord], index: usize) -> String {
    let latest = sessions[sessions.len() - 1];
    let previous = sessions[..sessions.len() - 1].iter().rev().find_map(|s| program.stage_index(&s.stage));
    match previous {
        Some(before) if index > before + 1 => {
            let skipped: Vec<String> =
                program.stages[before + 1..index].iter().map(|s| format!("“{}”", s.title)).collect();
            format!(
                "Session {} was recorded at “{}”, past {}, by the therapist's choice. ",
                latest.number,
                program.stages[index].title,
                join_names(&skipped)
            )
        }
        _ => String::new(),
    }
}

/// The starting stage, from the intake's start rules over both partners' answers.
fn stage_from_intake<'a>(program: &'a Program, record: &CoupleRecord) -> Result<StageChoice<'a>, PlanError> {
    let first = program
        .stages
        .first()
        .ok_or_else(|| PlanError::BadRecord("the program has no stages: add stage ids to program.toml".into()))?;
    let answered: Vec<(&PartnerRecord, &Answers)> =
        record.partners.iter().filter_map(|p| p.intake.as_ref().map(|a| (p, a))).collect();
    if answered.is_empty() {
        let reason = format!(
            "No intake answers yet, so the plan starts at the first stage. Invite both partners with `mend invite {}` \
             so the starting stage can follow their answers.",
            record.id
        );
        return Ok(StageChoice { stage: first, reason });
    }
    let missing: Vec<String> =
        record.partners.iter().filter(|p| p.intake.is_none()).map(|p| p.name.to_string()).collect();
    let partial = if missing.is_empty() {
        String::new()
    } else {
        format!(" {} has not answered the intake yet.", join_names(&missing))
    };

    let all_answers: Vec<&Answers> = answered.iter().map(|(_, a)| *a).collect();
    let questionnaire = &program.questionnaire;
    let Some(rule) = questionnaire.start_rule(&all_answers) else {
        let reason = format!(
            "The intake answers match none of the start rules, so the plan starts at the first stage.{partial}"
        );
        return Ok(StageChoice { stage: first, reason });
    };
    // The winning rule holds for a partner exactly when it also wins on that partner's answers alone,
    // because no earlier rule holds for anyone.
    let whose: Vec<String> = answered
        .iter()
        .filter(|(_, answers)| questionnaire.start_rule(&[answers]).is_some_and(|r| same_rule(r, rule)))
        .map(|(p, _)| format!("{}'s", p.name))
        .collect();
    let stage = program.stage(&rule.stage).unwrap_or(first);
    let reason = format!("From the intake ({} answers): {}{partial}", join_names(&whose), rule.reason);
    Ok(StageChoice { stage, reason })
}

fn same_rule(a: &StartRule, b: &StartRule) -> bool {
    std::ptr::eq(a, b)
}

/// Every flag raised by either partner's latest intake, open or resolved, most severe first,
/// then in the partners' order.
pub fn raised_flags(program: &Program, record: &CoupleRecord) -> Vec<PlanFlag> {
    let mut flags: Vec<PlanFlag> = Vec::new();
    for partner in &record.partners {
        let Some(answers) = &partner.intake else { continue };
        let (_, raised) = program.questionnaire.assess(answers);
        let sent_at = partner.intake_sent_at.as_deref();
        flags.extend(raised.into_iter().map(|flag: RaisedFlag| PlanFlag {
            resolved: record.resolution_of(&flag.id, sent_at).is_some(),
            id: flag.id,
            severity: flag.severity,
            message: flag.message,
            action: flag.action,
            partner: partner.name.to_string(),
        }));
    }
    // A stable sort keeps the partners' order and the questionnaire's order within each severity.
    flags.sort_by_key(|f| std::cmp::Reverse(f.severity));
    flags
}

fn watch_fors(stage: &Stage, flags: &[PlanFlag]) -> Vec<WatchFor> {
    let open = flags.iter().filter(|f| !f.resolved).map(|f| WatchFor {
        text: f.message.clone(),
        severity: Some(f.severity),
        partner: Some(f.partner.clone()),
        flag: Some(f.id.clone()),
    });
    let own =
        stage.watch_fors.iter().map(|text| WatchFor { text: text.clone(), severity: None, partner: None, flag: None });
    open.chain(own).collect()
}

/// Notes for each partner: from their intake first, then (for joint work) the stage's notes for their roles.
fn partner_plans(record: &CoupleRecord, stage: Option<&Stage>, flags: &[PlanFlag]) -> Vec<PartnerPlan> {
    record
        .partners
        .iter()
        .map(|partner| {
            let name = partner.name.to_string();
            let mut notes = intake_notes(record, partner, flags);
            if let Some(stage) = stage {
                let sets = [
                    (Role::BrokeTrust, NoteAbout::BrokeTrust, &stage.notes.broke_trust),
                    (Role::Hurt, NoteAbout::Hurt, &stage.notes.hurt),
                    (Role::Both, NoteAbout::Both, &stage.notes.both),
                ];
                for (role, about, texts) in sets {
                    if partner.roles.includes(role) {
                        notes.extend(texts.iter().map(|text| PartnerNote { about, text: text.clone() }));
                    }
                }
            }
            PartnerPlan { name, roles: partner.roles, notes }
        })
        .collect()
}

fn intake_notes(record: &CoupleRecord, partner: &PartnerRecord, flags: &[PlanFlag]) -> Vec<PartnerNote> {
    let name = partner.name.to_string();
    if partner.intake.is_none() {
        let text = format!(
            "No intake answers from {name} yet: invite them with `mend invite {} --partner {}`.",
            record.id,
            shell_word(&name)
        );
        return vec![PartnerNote { about: NoteAbout::Intake, text }];
    }
    flags
        .iter()
        .filter(|f| f.partner == name && !f.resolved)
        .map(|f| PartnerNote {
            about: NoteAbout::Intake,
            text: format!("{} flag {}: {} {}", capitalise_first(f.severity.as_str()), f.id, f.message, f.action),
        })
        .collect()
}

/// What the joint agenda is built from.
struct Context<'a> {
    program: &'a Program,
    record: &'a CoupleRecord,
    stage: &'a Stage,
    flags: &'a [PlanFlag],
    last: Option<&'a SessionRecord>,
}

/// An agenda item while the agenda is being fitted to the session's length.
struct Draft {
    item: AgendaItem,
    /// The length it is written for.
    base: u32,
    /// The shortest it may become before it is dropped.
    floor: u32,
    essential: bool,
    dropped: bool,
}

impl Draft {
    fn new(kind: AgendaKind, title: impl Into<String>, base: u32, floor: u32) -> Self {
        let item = AgendaItem {
            kind,
            title: title.into(),
            starts_at: 0,
            minutes: base,
            role: None,
            partner: None,
            exercise: None,
            what: Vec::new(),
            steps: Vec::new(),
            prompts: Vec::new(),
        };
        Self { item, base, floor, essential: true, dropped: false }
    }

    fn with_what(mut self, what: Vec<String>) -> Self {
        self.item.what = what;
        self
    }
}

fn joint_agenda(context: &Context<'_>, minutes: u32) -> (Vec<AgendaItem>, Option<String>) {
    let mut drafts = vec![check_in(context), safety_check(context)];
    drafts.extend(homework_review(context));
    drafts.extend(context.stage.exercises.iter().map(|e| exercise_draft(context, e)));
    drafts.push(practice(context));
    drafts.extend(homework_to_give(context));
    drafts.push(closing());

    let full: u32 = drafts.iter().map(|d| d.base).sum();
    let cut = fit(&mut drafts, minutes);
    let rule = cut.then(|| shortening_statement(&drafts, full, minutes));
    let agenda = drafts
        .into_iter()
        .filter(|d| !d.dropped)
        .map(|mut d| {
            if d.item.kind == AgendaKind::Exercise {
                d.item.what.extend(time_note(d.item.minutes, d.base));
            }
            d.item
        })
        .collect();
    (agenda, rule)
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

fn safety_check(context: &Context<'_>) -> Draft {
    let since = if context.last.is_some() { "since the last session" } else { "at home at the moment" };
    let mut what = vec![
        format!(
            "Ask whether anything {since} left either partner feeling unsafe, afraid, threatened or controlled; if so, \
             stop the joint work and see them one at a time."
        ),
        "Ask about thoughts of self-harm whenever mood is low, and check that each knows where to get help quickly."
            .to_owned(),
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
        "Has anything happened since we last met that frightened either of you?".to_owned(),
        "On a scale from 0 to 10, how safe do you feel at home this week?".to_owned(),
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
    what.push(
        "Thank the effort, not the result; if something was not done, ask what got in the way, without blame."
            .to_owned(),
    );
    Some(
        Draft::new(
            AgendaKind::HomeworkReview,
            format!("Review of homework from session {}", last.number),
            HOMEWORK_REVIEW_MINUTES,
            SHORT_ITEM_FLOOR,
        )
        .with_what(what),
    )
}

fn exercise_draft(context: &Context<'_>, exercise: &Exercise) -> Draft {
    let mut draft =
        Draft::new(AgendaKind::Exercise, exercise.title.clone(), exercise.minutes, exercise.minutes.div_ceil(2));
    draft.essential = exercise.essential;
    draft.item.role = Some(exercise.role);
    draft.item.exercise = Some(exercise.id.clone());
    draft.item.what = vec![exercise.purpose.clone(), who_does(exercise.role, context.record)];
    draft.item.steps = exercise.steps.clone();
    draft.item.prompts = exercise.prompts.clone();
    draft
}

fn practice(context: &Context<'_>) -> Draft {
    let mut what = vec!["Let the couple try today's work on a small, real matter while you coach them.".to_owned()];
    what.extend(context.stage.goals.iter().map(|goal| format!("Stage goal: {goal}")));
    Draft::new(AgendaKind::Practice, "Practice and integration", PRACTICE_MINUTES, PRACTICE_FLOOR).with_what(what)
}

fn homework_to_give(context: &Context<'_>) -> Option<Draft> {
    if context.stage.homework.is_empty() {
        return None;
    }
    let mut what: Vec<String> = context
        .stage
        .homework
        .iter()
        .map(|id| match context.program.sheet(id) {
            Some(sheet) => sheet_line(sheet, context.record),
            None => id.clone(),
        })
        .collect();
    what.push(format!(
        "Print them with `mend homework packet {} --sheets {}` and agree when each will do it.",
        context.record.id,
        context.stage.homework.join(",")
    ));
    Some(Draft::new(AgendaKind::Homework, "Homework to give", HOMEWORK_MINUTES, SHORT_ITEM_FLOOR).with_what(what))
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

/// Who does an exercise, by name.
fn who_does(role: Role, record: &CoupleRecord) -> String {
    if role == Role::Both {
        return format!("For both: {}.", partner_names(record));
    }
    let doers: Vec<String> =
        record.partners.iter().filter(|p| p.roles.includes(role)).map(|p| p.name.to_string()).collect();
    let part = match role {
        Role::BrokeTrust => "broke trust",
        _ => "was hurt",
    };
    match doers.as_slice() {
        [] => format!("For {}, which no partner here is: adapt it or leave it out.", role.describe()),
        [one] => format!("For {one} ({}).", role.describe()),
        _ => format!("For {} in turn: each of them {part}.", join_names(&doers)),
    }
}

fn time_note(minutes: u32, base: u32) -> Option<String> {
    if minutes < base {
        Some(format!(
            "Shortened to {minutes} of its {base} minutes: do the first steps fully rather than all of them in a rush."
        ))
    } else if minutes > base {
        Some(format!("Given {minutes} minutes (written for {base}): go slowly and let each partner finish."))
    } else {
        None
    }
}

/// One cut made to fit the agenda, remembered so that minutes left over can undo it.
enum Cut {
    /// The item at this index lost this many minutes.
    Shortened(usize, u32),
    /// The item at this index was dropped.
    Dropped(usize),
}

/// A step of the shortening rule: given the minutes still too many, it cuts and records its cuts.
type Step = fn(&mut [Draft], u32, &mut Vec<Cut>);

/// Cuts the agenda to `total` minutes by the stated rule, undoes the latest cuts that the minutes
/// left over allow, then gives any spare minutes to the exercises and practice. Returns whether
/// anything stayed cut.
fn fit(drafts: &mut [Draft], total: u32) -> bool {
    let steps: [Step; 8] = [
        |d, excess, cuts| shorten(d, excess, cuts, |d| d.item.kind == AgendaKind::Practice, false),
        |d, excess, cuts| drop_last_first(d, excess, cuts, |d| d.item.kind == AgendaKind::Exercise && !d.essential),
        |d, excess, cuts| {
            let fixed = |d: &Draft| matches!(d.item.kind, AgendaKind::HomeworkReview | AgendaKind::Homework);
            shorten(d, excess, cuts, fixed, false);
        },
        |d, excess, cuts| drop_last_first(d, excess, cuts, |d| d.item.kind == AgendaKind::Practice),
        |d, excess, cuts| shorten(d, excess, cuts, |d| d.item.kind == AgendaKind::Exercise, true),
        |d, excess, cuts| {
            let ends = |d: &Draft| matches!(d.item.kind, AgendaKind::CheckIn | AgendaKind::Closing);
            shorten(d, excess, cuts, ends, false);
        },
        |d, excess, cuts| drop_last_first(d, excess, cuts, |d| d.item.kind == AgendaKind::Exercise),
        squeeze_first_exercise,
    ];
    let mut cuts = Vec::new();
    for step in steps {
        let used = used_minutes(drafts);
        if used <= total {
            break;
        }
        step(drafts, used - total, &mut cuts);
    }
    let spare = undo_cuts(drafts, &cuts, total.saturating_sub(used_minutes(drafts)));
    spread(drafts, spare);
    drafts.iter().any(|d| d.dropped || d.item.minutes < d.base)
}

fn used_minutes(drafts: &[Draft]) -> u32 {
    drafts.iter().filter(|d| !d.dropped).map(|d| d.item.minutes).sum()
}

/// Shortens matching items towards their floor, by no more than `excess` in all; `last_first`
/// takes from the last matching item before the earlier ones.
fn shorten(drafts: &mut [Draft], mut excess: u32, cuts: &mut Vec<Cut>, matches: fn(&Draft) -> bool, last_first: bool) {
    let order: Vec<usize> = if last_first { (0..drafts.len()).rev().collect() } else { (0..drafts.len()).collect() };
    for i in order {
        let draft = &mut drafts[i];
        if excess == 0 {
            break;
        }
        if draft.dropped || !matches(draft) {
            continue;
        }
        let cut = excess.min(draft.item.minutes.saturating_sub(draft.floor));
        if cut > 0 {
            draft.item.minutes -= cut;
            excess -= cut;
            cuts.push(Cut::Shortened(i, cut));
        }
    }
}

/// Drops matching items, last first, until `excess` minutes are freed; the last exercise left is
/// always kept, so a session never loses the stage's work entirely.
fn drop_last_first(drafts: &mut [Draft], excess: u32, cuts: &mut Vec<Cut>, matches: fn(&Draft) -> bool) {
    let mut freed = 0;
    for i in (0..drafts.len()).rev() {
        if freed >= excess {
            break;
        }
        let kept_exercises = drafts.iter().filter(|d| !d.dropped && d.item.kind == AgendaKind::Exercise).count();
        let draft = &mut drafts[i];
        if draft.dropped || !matches(draft) || (draft.item.kind == AgendaKind::Exercise && kept_exercises <= 1) {
            continue;
        }
        draft.dropped = true;
        freed += draft.item.minutes;
        cuts.push(Cut::Dropped(i));
    }
}

/// The last resort: the one exercise left takes whatever time remains, below its floor if need be.
/// The fixed items' floors add up to far less than the shortest session, so at least 13 minutes remain.
fn squeeze_first_exercise(drafts: &mut [Draft], excess: u32, cuts: &mut Vec<Cut>) {
    if let Some((i, draft)) =
        drafts.iter_mut().enumerate().find(|(_, d)| !d.dropped && d.item.kind == AgendaKind::Exercise)
    {
        let cut = excess.min(draft.item.minutes.saturating_sub(1));
        draft.item.minutes -= cut;
        cuts.push(Cut::Shortened(i, cut));
    }
}

/// Undoes cuts, latest first, while the spare minutes cover them: a shortened item gets back what
/// it can, a dropped item returns only whole. Returns the minutes still spare.
fn undo_cuts(drafts: &mut [Draft], cuts: &[Cut], mut spare: u32) -> u32 {
    for cut in cuts.iter().rev() {
        match *cut {
            Cut::Shortened(i, by) if !drafts[i].dropped => {
                let back = by.min(spare);
                drafts[i].item.minutes += back;
                spare -= back;
            }
            Cut::Dropped(i) if drafts[i].item.minutes <= spare => {
                drafts[i].dropped = false;
                spare -= drafts[i].item.minutes;
            }
            Cut::Shortened(..) | Cut::Dropped(_) => {}
        }
    }
    spare
}

/// Gives spare minutes to the kept exercises and practice in proportion to their length, the
/// remainder one minute at a time to the largest fractions, earlier items first on ties.
fn spread(drafts: &mut [Draft], spare: u32) {
    if spare == 0 {
        return;
    }
    let mut takers: Vec<usize> = (0..drafts.len())
        .filter(|&i| !drafts[i].dropped && matches!(drafts[i].item.kind, AgendaKind::Exercise | AgendaKind::Practice))
        .collect();
    if takers.is_empty() {
        // Not reachable with a stage's two exercises, but spare minutes must still land somewhere.
        takers = (0..drafts.len()).filter(|&i| !drafts[i].dropped).take(1).collect();
    }
    let weight: u64 = takers.iter().map(|&i| u64::from(drafts[i].item.minutes.max(1))).sum();
    let mut given = 0;
    let mut fractions: Vec<(u64, usize)> = Vec::new();
    for &i in &takers {
        let share = u64::from(spare) * u64::from(drafts[i].item.minutes.max(1));
        let whole = u32::try_from(share / weight).unwrap_or(0);
        drafts[i].item.minutes += whole;
        given += whole;
        fractions.push((share % weight, i));
    }
    // Largest fraction first; on equal fractions the earlier item wins, which keeps it deterministic.
    fractions.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in fractions.iter().cycle().take((spare - given) as usize) {
        drafts[i].item.minutes += 1;
    }
}

fn shortening_statement(drafts: &[Draft], full: u32, minutes: u32) -> String {
    let dropped: Vec<String> =
        drafts.iter().filter(|d| d.dropped).map(|d| format!("“{}” ({} min)", d.item.title, d.base)).collect();
    let shortened: Vec<String> = drafts
        .iter()
        .filter(|d| !d.dropped && d.item.minutes < d.base)
        .map(|d| format!("“{}” ({} → {} min)", d.item.title, d.base, d.item.minutes))
        .collect();
    let mut statement = format!("The full agenda needs {full} minutes; this session has {minutes}.");
    if !dropped.is_empty() {
        let _ = write!(statement, " Dropped: {}.", dropped.join(", "));
    }
    if !shortened.is_empty() {
        let _ = write!(statement, " Shortened: {}.", shortened.join(", "));
    }
    let _ = write!(statement, " Rule: {SHORTENING_RULE}");
    statement
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

fn stop_notice(couple: &str, open_stops: &[&PlanFlag]) -> String {
    let which: Vec<String> =
        open_stops.iter().map(|f| format!("{}, from {}'s intake: {}", f.id, f.partner, f.message)).collect();
    let ids: BTreeSet<&str> = open_stops.iter().map(|f| f.id.as_str()).collect();
    let commands: Vec<String> = ids.iter().map(|id| format!("`mend flag resolve {couple} {id} --note TEXT`")).collect();
    format!(
        "Joint sessions wait while a stop flag is open. {} See each partner alone to assess safety; when joint work \
         is safe, resolve each flag with {} and plan again.",
        which.join(" "),
        commands.join(" and ")
    )
}

fn individual_agenda(record: &CoupleRecord, flags: &[PlanFlag], sheets: &[&Sheet], minutes: u32) -> Vec<AgendaItem> {
    let raised_stop =
        |name: &str| flags.iter().any(|f| f.partner == name && !f.resolved && f.severity == Severity::Stop);
    // The extra minute of an odd length goes to the first partner whose own answers raised a stop flag.
    let extra_to = record.partners.iter().position(|p| raised_stop(p.name.as_str())).unwrap_or(0);
    record
        .partners
        .iter()
        .enumerate()
        .map(|(i, partner)| {
            let name = partner.name.to_string();
            let other =
                record.partners.iter().find(|p| p.name != partner.name).map_or(String::new(), |p| p.name.to_string());
            let mut what = vec![format!("See {name} alone; {other} waits elsewhere, out of earshot.")];
            for flag in flags.iter().filter(|f| !f.resolved && f.severity == Severity::Stop) {
                if flag.partner == name {
                    what.push(format!("Assess the stop flag {}: {} {}", flag.id, flag.message, flag.action));
                } else {
                    what.push(format!(
                        "Do not reveal what {} said in the intake ({}); ask about safety in general terms.",
                        flag.partner, flag.id
                    ));
                }
            }
            what.extend(
                sheets.iter().map(|sheet| {
                    format!("Go through the sheet {} ({}) with {name} and give it.", sheet.title, sheet.id)
                }),
            );
            AgendaItem {
                kind: AgendaKind::Individual,
                title: format!("Individual safety assessment: {name}"),
                starts_at: 0,
                minutes: minutes / 2 + u32::from(minutes % 2 == 1 && i == extra_to),
                role: None,
                partner: Some(name.clone()),
                exercise: None,
                what,
                steps: individual_steps(&name),
                prompts: individual_prompts(),
            }
        })
        .collect()
}

fn individual_steps(name: &str) -> Vec<String> {
    vec![
        format!("Explain to {name} what stays between the two of you and when it could not."),
        "Ask about safety at home in concrete terms: fear, threats, pushing or hitting, control of money, phone or \
         friends, and thoughts of self-harm."
            .to_owned(),
        "If there is danger, make or review a safety plan and give crisis contacts before anything else.".to_owned(),
        "Decide whether joint sessions can begin, and write down what you assessed.".to_owned(),
    ]
}

fn individual_prompts() -> Vec<String> {
    vec![
        "How safe do you feel at home right now?".to_owned(),
        "When you two argue, what happens? Has anyone ever been frightened or hurt?".to_owned(),
        "Is there anything you could not say with your partner in the room?".to_owned(),
        "Have you had thoughts of harming yourself?".to_owned(),
    ]
}

fn set_start_times(agenda: &mut [AgendaItem]) {
    let mut clock = 0;
    for item in agenda {
        item.starts_at = clock;
        clock += item.minutes;
    }
}

fn partner_names(record: &CoupleRecord) -> String {
    let names: Vec<String> = record.partners.iter().map(|p| p.name.to_string()).collect();
    join_names(&names)
}

/// `a`, `a and b`, `a, b and c`.
fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Quotes a name for a shell command when it holds anything but plain letters.
fn shell_word(word: &str) -> String {
    if word.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn capitalise_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Watch-fors with a flag raised by both intakes, read once with both names.
fn grouped_watch_fors(watch_fors: &[WatchFor]) -> Vec<(&WatchFor, String)> {
    let mut groups: Vec<(&WatchFor, Vec<String>)> = Vec::new();
    for watch in watch_fors {
        let partner = watch.partner.clone().unwrap_or_default();
        match groups.iter_mut().find(|(first, _)| watch.flag.is_some() && first.flag == watch.flag) {
            Some((_, partners)) => partners.push(partner),
            None => groups.push((watch, vec![partner])),
        }
    }
    groups.into_iter().map(|(watch, partners)| (watch, join_names(&partners))).collect()
}

/// Flags raised by both intakes, read once: the first of each id, who raised it, and its status.
fn grouped_flags(flags: &[PlanFlag]) -> Vec<(&PlanFlag, String, String)> {
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
            let state = if all.iter().all(|f| f.resolved == first.resolved) {
                status(first).to_owned()
            } else {
                let each: Vec<String> = all.iter().map(|f| format!("{} for {}", status(f), f.partner)).collect();
                join_names(&each)
            };
            (first, join_names(&names), state)
        })
        .collect()
}

/// The widest a line of the text plan may be.
const WIDTH: usize = 80;

const BOLD: &str = "\x1b[1m";
const RED_BOLD: &str = "\x1b[1;31m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// Renders a plan for a terminal, within 80 columns; ANSI colour only when `color` is set.
pub fn render_text(plan: &Plan, color: bool) -> String {
    let paint = |style: &str, text: &str| if color { format!("{style}{text}{RESET}") } else { text.to_owned() };
    let mut out = String::new();
    let names: Vec<String> = plan.partners.iter().map(|p| p.name.clone()).collect();
    let heading = format!("Session {} plan: {}", plan.session_number, join_names(&names));
    out.push_str(&paint(BOLD, &wrap(&heading, "", "")));
    let kind = match plan.session_kind {
        SessionKind::Joint => "joint session",
        SessionKind::Individual => "individual sessions",
    };
    out.push_str(&wrap(&format!("Couple {} · {} · {} minutes · {kind}", plan.couple, plan.date, plan.minutes), "", ""));

    if let Some(notice) = &plan.notice {
        out.push('\n');
        out.push_str(&paint(RED_BOLD, &wrap(notice, "!! ", "   ")));
    }
    out.push('\n');
    out.push_str(&wrap(&format!("{} ({})", plan.stage.title, plan.stage.id), "Stage: ", "       "));
    out.push_str(&wrap(&plan.stage_reason, "Why:   ", "       "));
    if let Some(rule) = &plan.shortening_rule {
        out.push('\n');
        out.push_str(&wrap(rule, "Short session: ", "  "));
    }

    out.push('\n');
    out.push_str(&paint(BOLD, "AGENDA\n"));
    for item in &plan.agenda {
        render_item_text(&mut out, item, color);
    }
    out.push_str(&format!("{:>5}  end\n", clock(plan.minutes)));

    out.push('\n');
    out.push_str(&paint(BOLD, "PARTNERS\n"));
    for partner in &plan.partners {
        out.push_str(&paint(BOLD, &wrap(&format!("{} ({})", partner.name, partner.roles.describe()), "", "")));
        for note in &partner.notes {
            out.push_str(&wrap(&note.text, &format!("  - [{}] ", note.about.label()), "    "));
        }
    }

    out.push('\n');
    out.push_str(&paint(BOLD, "WATCH FOR\n"));
    for (watch, partners) in grouped_watch_fors(&plan.watch_fors) {
        let text = match watch.severity {
            Some(severity) => format!("[{severity}] {partners}: {}", watch.text),
            None => watch.text.clone(),
        };
        let line = wrap(&text, "  - ", "    ");
        out.push_str(&match watch.severity {
            Some(Severity::Stop) => paint(RED, &line),
            Some(Severity::Caution) => paint(YELLOW, &line),
            _ => line,
        });
    }

    out.push('\n');
    out.push_str(&paint(BOLD, "FLAGS FROM INTAKE\n"));
    if plan.flags.is_empty() {
        out.push_str("  None raised.\n");
    }
    for (flag, who, state) in grouped_flags(&plan.flags) {
        out.push_str(&wrap(&format!("{} · {} · {who} · {state}", flag.id, flag.severity), "  ", "  "));
        out.push_str(&wrap(&flag.message, "    ", "    "));
        out.push_str(&wrap(&flag.action, "    To do: ", "           "));
    }

    out.push('\n');
    out.push_str(&paint(BOLD, "HOMEWORK TO GIVE\n"));
    if plan.homework.is_empty() {
        out.push_str("  None.\n");
    } else {
        out.push_str(&wrap(&plan.homework.join(", "), "  ", "  "));
        out.push_str(&wrap(&format!("Print: {}", packet_command(plan)), "  ", "    "));
    }
    out
}

/// The column where an agenda item's text starts.
const ITEM_INDENT: &str = "               ";

fn render_item_text(out: &mut String, item: &AgendaItem, color: bool) {
    let mut title = item.title.clone();
    if let Some(role) = item.role {
        let _ = write!(title, " · {}", role.describe());
    }
    let head = format!("{:>5}  {:>2} min  ", clock(item.starts_at), item.minutes);
    let line = wrap(&title, &head, ITEM_INDENT);
    out.push_str(&if color { format!("{BOLD}{line}{RESET}") } else { line });
    for what in &item.what {
        out.push_str(&wrap(what, &format!("{ITEM_INDENT}- "), &format!("{ITEM_INDENT}  ")));
    }
    if !item.steps.is_empty() {
        out.push_str(&format!("{ITEM_INDENT}Steps:\n"));
        for (n, step) in item.steps.iter().enumerate() {
            let number = format!("{ITEM_INDENT}  {}. ", n + 1);
            let rest = " ".repeat(number.chars().count());
            out.push_str(&wrap(step, &number, &rest));
        }
    }
    if !item.prompts.is_empty() {
        out.push_str(&format!("{ITEM_INDENT}Prompts:\n"));
        for prompt in &item.prompts {
            out.push_str(&wrap(prompt, &format!("{ITEM_INDENT}  - "), &format!("{ITEM_INDENT}    ")));
        }
    }
}

/// Minutes from the start as `h:mm`.
fn clock(minutes: u32) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// Wraps `text` into lines of at most 80 characters, the first starting with `first` and the rest
/// with `rest`. A command in backticks stays on one line when it fits on a line of its own, so it
/// can be copied whole; words longer than a line are split. Every line ends with a newline.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut line_len = first.chars().count();
    let mut empty = true;
    let rest_len = rest.chars().count();
    for unit in wrap_units(text, WIDTH.saturating_sub(rest_len)) {
        let mut word = unit;
        loop {
            let word_len = word.chars().count();
            let needed = if empty { word_len } else { word_len + 1 };
            if line_len + needed <= WIDTH {
                if !empty {
                    line.push(' ');
                }
                line.push_str(&word);
                line_len += needed;
                empty = false;
                break;
            }
            if empty {
                // The word alone is too long for a line: put what fits here and carry the rest.
                let fits = WIDTH.saturating_sub(line_len).max(1);
                let head: String = word.chars().take(fits).collect();
                line.push_str(&head);
                word = word.chars().skip(fits).collect();
            }
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_owned();
            line_len = rest_len;
            empty = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || out.is_empty() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The words of `text`, with each backtick span joined into one unit when it is at most `max` long.
fn wrap_units(text: &str, max: usize) -> Vec<String> {
    let mut units = Vec::new();
    let mut span: Vec<&str> = Vec::new();
    for word in text.split_whitespace() {
        let opens_or_closes = word.matches('`').count() % 2 == 1;
        if span.is_empty() && !opens_or_closes {
            units.push(word.to_owned());
            continue;
        }
        span.push(word);
        if span.len() > 1 && opens_or_closes {
            let joined = span.join(" ");
            if joined.chars().count() <= max {
                units.push(joined);
            } else {
                units.extend(span.iter().map(|w| (*w).to_owned()));
            }
            span.clear();
        }
    }
    // An unclosed backtick: the words go out one by one.
    units.extend(span.iter().map(|w| (*w).to_owned()));
    units
}

/// Renders a plan as Markdown, for notes or printing.
pub fn render_markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let names: Vec<String> = plan.partners.iter().map(|p| md(&p.name)).collect();
    let _ = writeln!(out, "# Session {} plan: {}\n", plan.session_number, join_names(&names));
    let kind = match plan.session_kind {
        SessionKind::Joint => "joint session",
        SessionKind::Individual => "individual sessions",
    };
    let _ = writeln!(out, "- **Couple:** `{}`", plan.couple);
    let _ = writeln!(out, "- **Date:** {}", plan.date);
    let _ = writeln!(out, "- **Length:** {} minutes, {kind}", plan.minutes);
    let _ = writeln!(out, "- **Stage:** {} (`{}`)\n", md(&plan.stage.title), plan.stage.id);
    if let Some(notice) = &plan.notice {
        let _ = writeln!(out, "> **Stop:** {}\n", md(notice));
    }
    let _ = writeln!(out, "**Why this stage:** {}\n", md(&plan.stage_reason));
    if let Some(rule) = &plan.shortening_rule {
        let _ = writeln!(out, "**Short session:** {}\n", md(rule));
    }

    out.push_str("## Agenda\n\n| Starts | Minutes | Item |\n| --- | ---: | --- |\n");
    for item in &plan.agenda {
        let _ = writeln!(out, "| {} | {} | {} |", clock(item.starts_at), item.minutes, md(&item.title));
    }
    let _ = writeln!(out, "| {} | | End |\n", clock(plan.minutes));
    for item in &plan.agenda {
        render_item_markdown(&mut out, item);
    }

    out.push_str("## Partners\n\n");
    for partner in &plan.partners {
        let _ = writeln!(out, "### {} ({})\n", md(&partner.name), partner.roles.describe());
        for note in &partner.notes {
            let _ = writeln!(out, "- *{}:* {}", note.about.label(), md(&note.text));
        }
        out.push('\n');
    }

    out.push_str("## Watch for\n\n");
    for (watch, partners) in grouped_watch_fors(&plan.watch_fors) {
        match watch.severity {
            Some(severity) => {
                let _ = writeln!(out, "- **{severity}** ({}): {}", md(&partners), md(&watch.text));
            }
            None => {
                let _ = writeln!(out, "- {}", md(&watch.text));
            }
        }
    }
    out.push('\n');

    out.push_str("## Flags from intake\n\n");
    if plan.flags.is_empty() {
        out.push_str("None raised.\n\n");
    } else {
        out.push_str(
            "| Flag | Severity | Raised by | Status | What it means | To do |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for (flag, who, state) in grouped_flags(&plan.flags) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} |",
                flag.id,
                flag.severity,
                md(&who),
                md(&state),
                md(&flag.message),
                md(&flag.action)
            );
        }
        out.push('\n');
    }

    out.push_str("## Homework to give\n\n");
    if plan.homework.is_empty() {
        out.push_str("None.\n");
    } else {
        for id in &plan.homework {
            let _ = writeln!(out, "- `{id}`");
        }
        let _ = writeln!(out, "\nPrint them with `{}`.", packet_command(plan));
    }
    out
}

fn render_item_markdown(out: &mut String, item: &AgendaItem) {
    let role = item.role.map_or(String::new(), |r| format!(", {}", r.describe()));
    let _ = writeln!(out, "### {} {} ({} min{role})\n", clock(item.starts_at), md(&item.title), item.minutes);
    for what in &item.what {
        let _ = writeln!(out, "- {}", md(what));
    }
    if !item.steps.is_empty() {
        out.push_str("\n**Steps**\n\n");
        for (n, step) in item.steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", n + 1, md(step));
        }
    }
    if !item.prompts.is_empty() {
        out.push_str("\n**Prompts**\n\n");
        for prompt in &item.prompts {
            let _ = writeln!(out, "- {}", md(prompt));
        }
    }
    out.push('\n');
}

/// Escapes what Markdown would read as markup or HTML, and `|` which would break a table; text in
/// backticks (commands) is kept as it is.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            continue;
        }
        if c == '\n' {
            out.push(' ');
            continue;
        }
        if !in_code && matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The command that prints a plan's homework. It names the sheets, so it works before the plan
/// is saved as a session as well as after.
fn packet_command(plan: &Plan) -> String {
    format!("mend homework packet {} --sheets {}", plan.couple, plan.homework.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width_and_splits_long_words() {
        let text = format!("{} short {}", "word ".repeat(40), "x".repeat(200));
        let wrapped = wrap(&text, "  - ", "    ");
        for line in wrapped.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
        assert!(wrapped.starts_with("  - word"));
        assert_eq!(wrapped.matches('x').count(), 200);
    }

    #[test]
    fn wrap_keeps_a_command_in_backticks_on_one_line() {
        let text = "Mark them with `mend session record a7c2 --stage disclosure-and-accountability --met ID` soon.";
        let wrapped = wrap(text, "Why:   ", "       ");
        assert!(
            wrapped.contains("\n       `mend session record a7c2 --stage disclosure-and-accountability --met ID`"),
            "{wrapped}"
        );
        let unclosed = wrap("a `b c", "", "");
        assert_eq!(unclosed, "a `b c\n");
    }

    #[test]
    fn spread_is_proportional_and_exact() {
        let mut drafts = vec![
            Draft::new(AgendaKind::Exercise, "a", 10, 5),
            Draft::new(AgendaKind::Exercise, "b", 20, 10),
            Draft::new(AgendaKind::Closing, "c", 5, 3),
        ];
        spread(&mut drafts, 10);
        let minutes: Vec<u32> = drafts.iter().map(|d| d.item.minutes).collect();
        assert_eq!(minutes, vec![13, 27, 5]);
    }

    #[test]
    fn markdown_escape_leaves_commands_alone() {
        assert_eq!(md("a|b *c* `mend x --y_z`"), r"a\|b \*c\* `mend x --y_z`");
    }
}
