//! Session planning: the plan's types, and `plan()`, which makes one from the program and a couple's record.
//!
//! Planning is a pure function of its inputs. The day is passed in, every collection is ordered,
//! and nothing is read from a clock or a hash map, so the same inputs give the same plan byte for
//! byte in every format.
//!
//! The work is done in rooms, one job each: `course` works out once what the sessions so far
//! say (their order, the markers met, the stage new facts reopened) for every other room to read,
//! `stage` chooses the stage, `agenda` writes the joint
//! session's items, `fit` cuts them to the session's length, `individual` plans a session with one
//! partner where the program calls for it, `notes` gathers what to keep in mind for each partner,
//! and `flags` reads the flags the intakes raised. A plan states facts and carries values; what the
//! therapist types to act on it (a command, a flag) is the caller's to spell, from [`NextStep`].

mod agenda;
mod checkins;
mod course;
mod disclosure;
mod doers;
mod fit;
mod flags;
mod individual;
mod notes;
mod safekeeping;
mod stage;
mod work;

use serde::{Deserialize, Serialize};

use crate::content::Program;
use crate::domain::{Role, Roles, Severity};
use crate::record::CoupleRecord;

use course::Course;

pub use checkins::{
    CheckinScore, DETERIORATION_FLAG, LatestCheckin, TRUST_DISTRESS_FLAG, checkin_flags, latest_checkins, points_of,
    trust_falls_as_distress_rises,
};
pub use flags::{FlagGroup, PlanFlag, WatchGroup, grouped_flags, grouped_watch_fors, raised_flags};
pub use safekeeping::sheets_kept_in_session;

/// The shortest session mend plans, in minutes.
pub const MIN_MINUTES: u32 = 30;
/// The longest session mend plans, in minutes.
pub const MAX_MINUTES: u32 = 120;
/// The session length used when none is given.
pub const DEFAULT_MINUTES: u32 = 50;

/// What a plan is asked for, besides the program and the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// The session's length, from 30 to 120 minutes.
    pub minutes: u32,
    /// A stage chosen by the therapist, overriding the one the record leads to.
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

/// Why a plan could not be made. Each message states the cause only; what to do about it depends
/// on how the caller asked (a command line, a form), so the caller says that.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The stage asked for is not in the program.
    #[error("the program has no stage {id:?}; its stages are {}", known.join(", "))]
    UnknownStage {
        /// The id that was given.
        id: String,
        /// Every stage id, advancing stages first, then review stages.
        known: Vec<String>,
    },
    /// The session length is outside what can be planned.
    #[error("a session of {minutes} minutes cannot be planned: sessions last {MIN_MINUTES} to {MAX_MINUTES} minutes")]
    MinutesOutOfRange {
        /// The length that was given.
        minutes: u32,
    },
    /// The record does not have the two partners every plan is written for.
    #[error("couple {couple} has {partners} partner(s), and a plan needs exactly two")]
    NotTwoPartners {
        /// The couple's short id.
        couple: String,
        /// How many partners the record has.
        partners: usize,
    },
    /// A recorded session is at a stage this program does not have, so the record cannot be followed.
    #[error("session {session} is recorded at stage {stage:?}, which this program does not have")]
    UnknownRecordedStage {
        /// The session's number.
        session: u32,
        /// The stage id it was recorded at.
        stage: String,
    },
    /// The program has no advancing stage to start a couple at.
    #[error("the program has no stages to start at")]
    NoStages,
}

pub use disclosure::FLAG_ID as NEW_DISCLOSURE_FLAG;
pub use doers::Doers;

/// Whether the couple meets together or each partner alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// Both partners together: the program's ordinary work.
    Joint,
    /// One partner alone, the one named in the plan's `with`, for the reason in its `individual`.
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

/// What the program calls an individual session for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndividualPurpose {
    /// A stop flag is open: joint work waits, and each partner is seen alone in turn.
    StopFlag,
    /// New facts came out: each partner is seen alone to re-check safety before joint work resumes.
    NewDisclosure,
    /// Before the first joint session: each partner's private safety check-in.
    SafetyCheckIn,
    /// Before the disclosure stage's first joint session: a partner who broke trust prepares the account.
    PreparingDisclosure,
    /// A review stage's work done with each partner alone.
    Review,
    /// Other work the content marks as done with each partner alone.
    WorkAlone,
}

impl IndividualPurpose {
    /// The word used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            IndividualPurpose::StopFlag => "stop_flag",
            IndividualPurpose::NewDisclosure => "new_disclosure",
            IndividualPurpose::SafetyCheckIn => "safety_check_in",
            IndividualPurpose::PreparingDisclosure => "preparing_disclosure",
            IndividualPurpose::Review => "review",
            IndividualPurpose::WorkAlone => "work_alone",
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

/// A stage, named, with where its progress markers stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRef {
    /// The stage id.
    pub id: String,
    /// The stage's title.
    pub title: String,
    /// The stage's progress markers in its order, each met or not. Plans saved before this
    /// field existed read it as empty.
    #[serde(default)]
    pub markers: Vec<MarkerState>,
}

/// One progress marker of the plan's stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerState {
    /// The marker's id.
    pub id: String,
    /// Whether a session at the stage met it (since new facts came out, for a stage they reopen).
    pub met: bool,
}

/// A sheet given as homework, with the markers it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetServes {
    /// The sheet's id.
    pub id: String,
    /// The ids of the stage's progress markers it serves.
    pub serves: Vec<String>,
}

/// One timed item of the agenda.
///
/// In JSON, who does an exercise is not a field of its own but the sentence second among its
/// `what`, as in plans saved before it was a value (see [`Doers`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "doers::ItemJson", from = "doers::ItemJson")]
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
    /// For an exercise: the ids of the stage's progress markers it serves. Plans saved before this
    /// field existed read it as empty.
    #[serde(default)]
    pub serves: Vec<String>,
    /// For the homework item: the sheets given, with the markers each serves.
    #[serde(default)]
    pub sheets: Vec<SheetServes>,
    /// What to do, in order; for an exercise, its purpose first, and who does it is in `doers`.
    pub what: Vec<String>,
    /// For an exercise of the joint session: who does it, by name.
    pub doers: Option<Doers>,
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

/// Something the therapist does outside the session to move the couple on, as values: the caller
/// decides how to offer it (the command line spells each as a `mend` command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextStep {
    /// Neither partner has answered the intake: invite both, so the starting stage can follow their answers.
    InviteBoth,
    /// This partner has not answered the intake: invite them.
    InvitePartner {
        /// The partner's display name.
        partner: String,
    },
    /// The stage's progress markers are not all met: record those met as sessions are held.
    MarkMarkers {
        /// The stage whose markers are counted.
        stage: String,
    },
    /// The program's stages are complete: the therapist may plan this review stage.
    PlanReview {
        /// The review stage's id.
        stage: String,
    },
    /// This stop flag holds joint work: resolve it once joint work is safe, then plan again.
    ResolveFlag {
        /// The flag rule's id.
        flag: String,
    },
    /// Once this individual session is held, record it with this partner at this stage, so the
    /// next plan moves on.
    RecordIndividual {
        /// The stage the session is recorded at.
        stage: String,
        /// The partner seen alone.
        partner: String,
    },
    /// Print these sheets for the couple, as the plan's homework.
    PrintPacket {
        /// The sheet ids, in the plan's order.
        sheets: Vec<String>,
    },
}

/// A plan for a couple's next session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The couple's short id.
    pub couple: String,
    /// The number of the session planned: the last recorded one plus one.
    pub session_number: u32,
    /// Joint, or individual where the program calls for seeing one partner alone.
    pub session_kind: SessionKind,
    /// For an individual session with one partner: that partner. Plans saved before this field
    /// existed read it as none.
    #[serde(default)]
    pub with: Option<String>,
    /// For an individual session: what the program calls it for. Plans saved before this field
    /// existed read it as none.
    #[serde(default)]
    pub individual: Option<IndividualPurpose>,
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
    /// The ids of the stage's exercises dropped to fit this session, left for a later one.
    /// Plans saved before this field existed read it as empty.
    #[serde(default)]
    pub left_for_next_time: Vec<String>,
    /// The timed items, in order.
    pub agenda: Vec<AgendaItem>,
    /// Notes for each partner, in the record's order.
    pub partners: Vec<PartnerPlan>,
    /// Open flags (most severe first), then the stage's own watch-fors.
    pub watch_fors: Vec<WatchFor>,
    /// Every flag raised by either intake or latest check-in, open or resolved.
    pub flags: Vec<PlanFlag>,
    /// Each partner's latest check-in: scores and their change, homework done, the open answer
    /// and its flags. Left out of JSON when neither partner has sent one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkins: Vec<LatestCheckin>,
    /// The sheet ids to give as homework.
    pub homework: Vec<String>,
    /// What to do outside the session: stop flags to resolve, then the stage's step, partners to
    /// invite, and the homework to print. Plans saved before this field existed read it as empty.
    #[serde(default)]
    pub next_steps: Vec<NextStep>,
    /// The day the plan is for.
    pub date: String,
}

/// Plans the couple's next session.
pub fn plan(program: &Program, record: &CoupleRecord, options: &PlanOptions) -> Result<Plan, PlanError> {
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&options.minutes) {
        return Err(PlanError::MinutesOutOfRange { minutes: options.minutes });
    }
    if record.partners.len() != 2 {
        return Err(PlanError::NotTwoPartners { couple: record.id.clone(), partners: record.partners.len() });
    }
    let course = Course::new(program, record);
    let mut choice = stage::choose(program, record, &course, options.stage_override.as_deref())?;
    let flags = flags_of(program, record, &course);
    // Secrets kept for safety: no accountability or transparency work for a partner cast as having
    // broken trust who says the other endangers them, until the therapist chooses a later stage.
    let withheld = safekeeping::withheld(program, record, &course, &flags);
    if !withheld.is_empty()
        && options.stage_override.is_none()
        && let Some(first) = program.stages.first()
        && program.stage_index(&choice.stage.id).is_some_and(|i| i > 0)
    {
        let reason = safekeeping::stage_reason(first, choice.stage);
        let next_step = (!course.all_met(first)).then(|| NextStep::MarkMarkers { stage: first.id.clone() });
        choice = stage::StageChoice { stage: first, reason, next_step };
    }

    let mut plan = Plan {
        couple: record.id.clone(),
        session_number: course.last().map_or(1, |s| s.number.saturating_add(1)),
        session_kind: SessionKind::Joint,
        with: None,
        individual: None,
        stage: StageRef {
            id: choice.stage.id.clone(),
            title: choice.stage.title.clone(),
            markers: {
                let met = course.met(choice.stage);
                let state =
                    |m: &crate::content::ProgressMarker| MarkerState { id: m.id.clone(), met: met.contains(&m.id) };
                choice.stage.progress_markers.iter().map(state).collect()
            },
        },
        stage_reason: choice.reason,
        minutes: options.minutes,
        notice: None,
        shortening_rule: None,
        left_for_next_time: Vec::new(),
        agenda: Vec::new(),
        partners: Vec::new(),
        watch_fors: notes::watch_fors(choice.stage, &flags),
        flags: flags.clone(),
        checkins: latest_checkins(program, record, &flags),
        homework: Vec::new(),
        next_steps: Vec::new(),
        date: options.today.clone(),
    };

    let shared_only = !withheld.is_empty();
    let withheld_names: Vec<String> = withheld.iter().map(|w| w.partner.name.to_string()).collect();
    let alone = individual::Context {
        program,
        record,
        stage: choice.stage,
        course: &course,
        flags: &flags,
        withheld: &withheld_names,
    };
    if let Some(proposal) = individual::propose(&alone) {
        individual::fill(&mut plan, &alone, &proposal, options.minutes);
    } else {
        let homework =
            if shared_only { safekeeping::shared_sheets(program, choice.stage) } else { choice.stage.homework.clone() };
        let context = agenda::Context {
            program,
            record,
            stage: choice.stage,
            flags: &flags,
            last: course.last(),
            course: &course,
            shared_only,
            homework: &homework,
        };
        let fitted = agenda::joint(&context, options.minutes);
        plan.agenda = fitted.agenda;
        plan.shortening_rule = fitted.shortening_rule;
        plan.left_for_next_time = fitted.left;
        plan.homework = homework;
        plan.partners = notes::partner_plans(record, Some(choice.stage), &flags);
        if shared_only {
            safekeeping::strip_role_notes(&mut plan.partners);
            plan.notice = Some(safekeeping::notice(record, &withheld));
        }
    }
    plan.next_steps.extend(choice.next_step);
    // A caution a check-in raised proposes the review stage, unless the plan is already there.
    let review_proposed = flags.iter().any(|f| !f.resolved && f.from_checkin && f.severity == Severity::Caution);
    if review_proposed
        && let Some(review) = program.review_stages.first()
        && review.id != plan.stage.id
        && !plan.next_steps.iter().any(|s| matches!(s, NextStep::PlanReview { .. }))
    {
        plan.next_steps.push(NextStep::PlanReview { stage: review.id.clone() });
    }
    plan.next_steps.extend(
        record
            .partners
            .iter()
            .filter(|p| p.intake.is_none())
            .map(|p| NextStep::InvitePartner { partner: p.name.to_string() }),
    );
    safekeeping::keep_in_session(program, &mut plan, &safekeeping::sheets_kept_in_session(program, &flags));
    if !plan.homework.is_empty() {
        plan.next_steps.push(NextStep::PrintPacket { sheets: plan.homework.clone() });
    }
    set_start_times(&mut plan.agenda);
    Ok(plan)
}

/// Every flag the couple's record raises, open or resolved: those of either partner's intake,
/// most severe first, then the caution flag of new facts that came out, while the work they
/// reopened is not done again. A therapist resolves any of them by its id.
pub fn couple_flags(program: &Program, record: &CoupleRecord) -> Vec<PlanFlag> {
    flags_of(program, record, &Course::new(program, record))
}

/// Every flag id a couple's record can raise under `program`, each once, for checking the id a
/// therapist resolves: the intake's flag rules, then the check-in's own and the two a series of
/// check-ins raises (when the program has a check-in), then the caution flag of new facts.
pub fn flag_ids(program: &Program) -> Vec<&str> {
    let mut ids: Vec<&str> = program.questionnaire.flags.iter().map(|f| f.id.as_str()).collect();
    if let Some(checkin) = &program.checkin {
        // A check-in may ask what the intake asks, under the same flag id: one id, one entry.
        let own: Vec<&str> = checkin.flags.iter().map(|f| f.id.as_str()).filter(|id| !ids.contains(id)).collect();
        ids.extend(own);
        ids.extend([DETERIORATION_FLAG, TRUST_DISTRESS_FLAG]);
    }
    ids.push(NEW_DISCLOSURE_FLAG);
    ids
}

/// [`couple_flags`], with the course already worked out.
fn flags_of(program: &Program, record: &CoupleRecord, course: &Course<'_>) -> Vec<PlanFlag> {
    let mut flags = raised_flags(program, record);
    flags.extend(disclosure::flag(record, course));
    let from_checkins = checkin_flags(program, record);
    if !from_checkins.is_empty() {
        flags.extend(from_checkins);
        flags.sort_by_key(|f| std::cmp::Reverse(f.severity));
    }
    flags
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

/// Joins names as a sentence lists them: `a`, `a and b`, `a, b and c`.
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalise_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
