//! The repair program as data: stages, exercises, homework sheets and the licence ledger, read
//! from TOML and checked.
//!
//! Content arrives as `(path, text)` pairs, from the copy embedded at build time or from a
//! therapist's own folder read by the caller, and is read and checked in `load`
//! ([`Program::embedded`], [`Program::from_files`]); nothing here touches the file system.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::citation::{Article, Citation};
use crate::couple::{Couple, Partner};
use crate::domain::{Role, check_id};
use crate::questionnaire::Questionnaire;

/// One problem in the content, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentError {
    /// The file, relative to the content folder (`stages/accountability.toml`).
    pub file: String,
    /// The item inside the file, when the problem is narrower than the file.
    pub id: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{} [{id}]: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found in a content folder, reported together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ContentErrors(pub Vec<ContentError>);

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the content has {} problem(s):", self.0.len())?;
        for error in &self.0 {
            writeln!(f, "  {error}")?;
        }
        Ok(())
    }
}

/// `program.toml`: the program's name, its sources and the order of its stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramFile {
    /// The program's name.
    pub title: String,
    /// A paragraph on what the program is.
    pub summary: String,
    /// The articles the program draws on.
    pub sources: Vec<Article>,
    /// Stage ids in the order a couple moves through them.
    pub stages: Vec<String>,
    /// The id of the intake questionnaire in `intake/`.
    pub questionnaire: String,
    /// Stages a couple enters only by the therapist's decision or a flag, never by advancing
    /// (such as deciding whether repair is still healthy).
    #[serde(default)]
    pub review_stages: Vec<String>,
    /// The id of the between-sessions check-in in `checkin/`, if the program has one.
    #[serde(default)]
    pub checkin: Option<String>,
}

/// Gottman's Trust Revival phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GottmanPhase {
    /// Making amends: honesty, remorse, answers.
    Atone,
    /// Learning to turn towards each other again.
    Attune,
    /// Rebuilding closeness and a new commitment.
    Attach,
}

/// Baucom, Snyder and Gordon's forgiveness-based model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaucomPhase {
    /// Dealing with the shock and its effects.
    Impact,
    /// Understanding how it came to happen.
    Meaning,
    /// Deciding how to go on.
    MovingOn,
}

/// How a stage maps onto the two established models of affair recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    /// Gottman Trust Revival phase.
    pub gottman: GottmanPhase,
    /// Baucom, Snyder and Gordon phase.
    pub baucom: BaucomPhase,
    /// A sentence on why the stage sits there.
    pub note: String,
}

/// A sign that a stage's work is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressMarker {
    /// Id used in `mend session record --met`.
    pub id: String,
    /// What the therapist observes.
    pub text: String,
    /// The exercises of the stage and the sheets of its homework that work towards it; the
    /// planner chooses work by the markers it serves, and a marker nothing serves is refused.
    #[serde(default)]
    pub served_by: Vec<String>,
}

/// Something done in the session room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Unique across the whole program.
    pub id: String,
    /// A short name.
    pub title: String,
    /// Who does it.
    pub role: Role,
    /// How long it takes in the room.
    pub minutes: u32,
    /// Whether a short session may drop it (the plan keeps essential ones first).
    #[serde(default)]
    pub essential: bool,
    /// Whether it is done with each partner alone, in an individual session, rather than with
    /// the couple together: the planner proposes an individual session for it with each partner
    /// of its role who has not done it, and never puts it in a joint session.
    #[serde(default)]
    pub alone: bool,
    /// Why it is done.
    pub purpose: String,
    /// What happens, in order.
    pub steps: Vec<String>,
    /// What the therapist may say or ask.
    pub prompts: Vec<String>,
    /// Which article ideas it carries.
    #[serde(default)]
    pub sources: Vec<Citation>,
}

/// What the therapist keeps in mind for a partner, by role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleNotes {
    /// For the partner who broke trust.
    #[serde(default)]
    pub broke_trust: Vec<String>,
    /// For the hurt partner.
    #[serde(default)]
    pub hurt: Vec<String>,
    /// For both.
    #[serde(default)]
    pub both: Vec<String>,
}

/// One stage of the program, from `stages/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// The file name without `.toml`; filled in on load.
    #[serde(skip_deserializing)]
    pub id: String,
    /// A short name.
    pub title: String,
    /// Why the stage exists.
    pub purpose: String,
    /// Where it sits in the established models.
    pub phases: Phases,
    /// What the couple works towards.
    pub goals: Vec<String>,
    /// Psychoeducation: what the therapist explains.
    pub key_ideas: Vec<String>,
    /// Done in the session room; at least two.
    pub exercises: Vec<Exercise>,
    /// Sheet ids given as homework in this stage.
    pub homework: Vec<String>,
    /// Whether new facts coming out (a second disclosure) open this stage's markers again.
    #[serde(default)]
    pub reopen_on_new_disclosure: bool,
    /// Signs the stage is done.
    pub progress_markers: Vec<ProgressMarker>,
    /// What the therapist watches for.
    pub watch_fors: Vec<String>,
    /// Notes for each partner by role.
    pub notes: RoleNotes,
    /// Which article ideas it carries.
    pub sources: Vec<Citation>,
}

/// Who a homework sheet is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// One sheet the couple fills in together.
    Together,
    /// One copy for each partner.
    Each,
    /// The partner who broke trust.
    BrokeTrust,
    /// The hurt partner.
    Hurt,
}

impl Audience {
    /// Words a person reads.
    pub fn describe(self) -> &'static str {
        match self {
            Audience::Together => "both, together",
            Audience::Each => "each partner",
            Audience::BrokeTrust => "the partner who broke trust",
            Audience::Hurt => "the hurt partner",
        }
    }
}

/// One printable piece of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    /// A sub-heading.
    Heading { text: String },
    /// A paragraph of text.
    Paragraph { text: String },
    /// Numbered steps.
    Steps { items: Vec<String> },
    /// Items with a box to tick.
    Checklist { items: Vec<String> },
    /// Ruled lines to write on, with an optional prompt above.
    Lines {
        #[serde(default)]
        label: String,
        count: u32,
    },
    /// A table with column headings and empty rows to fill in.
    Table { columns: Vec<String>, rows: u32 },
    /// A 0–10 scale with tick marks and words at both ends.
    Scale { label: String, low: String, high: String },
    /// Signature and date lines, one per signer.
    Signature { signers: Vec<String> },
}

/// The instruction every sheet filled in alone carries, word for word: `mend content check`
/// refuses such a sheet without it.
pub const PRIVATE_SHEET_LINE: &str =
    "This sheet is private. Keep it where no one else can read it, and share only what you choose.";

/// A homework sheet, from `homework/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sheet {
    /// The file name without `.toml`; filled in on load.
    #[serde(skip_deserializing)]
    pub id: String,
    /// The sheet's title.
    pub title: String,
    /// Who fills it in.
    pub audience: Audience,
    /// Why this homework.
    pub purpose: String,
    /// How to do it.
    pub instructions: Vec<String>,
    /// What to print.
    pub blocks: Vec<Block>,
    /// Which article ideas it carries.
    pub sources: Vec<Citation>,
}

impl Sheet {
    /// Whether each partner fills it in alone: every audience but `together`.
    pub fn is_filled_in_alone(&self) -> bool {
        self.audience != Audience::Together
    }

    /// Who gets a copy, by the sheet's audience: one entry per copy, each with the names printed
    /// on it. A sheet done together is one copy with both names; one for each partner, or for a
    /// role, is a copy for each partner it is for, in the couple's order (none when no partner
    /// has the role).
    pub fn copies(&self, couple: &Couple) -> Vec<Vec<String>> {
        let name = |p: &Partner| p.name.to_string();
        let role = match self.audience {
            Audience::Together => return vec![couple.partners.iter().map(name).collect()],
            Audience::Each => return couple.partners.iter().map(|p| vec![name(p)]).collect(),
            Audience::BrokeTrust => Role::BrokeTrust,
            Audience::Hurt => Role::Hurt,
        };
        couple.partners.iter().filter(|p| p.roles.includes(role)).map(|p| vec![name(p)]).collect()
    }
}

/// One entry of the licence ledger (`instruments.toml`): a published instrument mend may score,
/// with the grant that allows it and where everything comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// The id a score in the questionnaire uses (`phq2`).
    pub id: String,
    /// The instrument's published name.
    pub name: String,
    /// Who holds the rights.
    pub rights_holder: String,
    /// The grant that allows reproducing it, quoted word for word.
    pub grant: String,
    /// Where that grant is published.
    pub grant_source: String,
    /// Where the instrument itself was published.
    pub published: String,
    /// The line to print wherever the instrument is shown.
    pub attribution: String,
    /// The published cut-offs; a score's `cutoff` must be one of them.
    pub cutoffs: Vec<i64>,
    /// Where the cut-offs come from.
    pub cutoffs_source: String,
    /// The smallest change in points that counts as reliable change, when one is established.
    #[serde(default)]
    pub reliable_change: Option<i64>,
    /// Where that threshold comes from, or why there is none.
    #[serde(default)]
    pub reliable_change_source: String,
    /// Anything uncertain about the entry, said plainly.
    #[serde(default)]
    pub note: String,
}

/// `instruments.toml`: the licence ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstrumentsFile {
    /// Every instrument with its licence entry.
    #[serde(default)]
    pub(crate) instruments: Vec<Instrument>,
}

/// The whole validated program: stages in order, sheets, and the intake questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Program {
    /// The program's name.
    pub title: String,
    /// A paragraph on what it is.
    pub summary: String,
    /// Cited articles.
    pub sources: Vec<Article>,
    /// Stages a couple advances through, in order.
    pub stages: Vec<Stage>,
    /// Stages entered only by decision.
    pub review_stages: Vec<Stage>,
    /// Homework sheets by id.
    pub sheets: BTreeMap<String, Sheet>,
    /// The intake questionnaire.
    pub questionnaire: Questionnaire,
    /// The check-in each partner answers between sessions, if the program has one.
    pub checkin: Option<Questionnaire>,
    /// The licence ledger: every instrument the content may score, with its grant.
    pub instruments: Vec<Instrument>,
}

/// What an id names, for `mend content show`.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    /// A stage.
    Stage(&'a Stage),
    /// An exercise, with its stage.
    Exercise(&'a Stage, &'a Exercise),
    /// A homework sheet.
    Sheet(&'a Sheet),
}

impl Program {
    /// Every stage, advancing ones first, then review stages.
    pub fn all_stages(&self) -> impl Iterator<Item = &Stage> {
        self.stages.iter().chain(&self.review_stages)
    }

    /// A stage by id.
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.all_stages().find(|s| s.id == id)
    }

    /// The position of an advancing stage (0-based), or `None` for review or unknown stages.
    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }

    /// A sheet by id.
    pub fn sheet(&self, id: &str) -> Option<&Sheet> {
        self.sheets.get(id)
    }

    /// An instrument's licence entry by id.
    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    /// Finds whatever an id names: a stage, an exercise or a sheet.
    pub fn find(&self, id: &str) -> Option<Item<'_>> {
        if let Some(stage) = self.stage(id) {
            return Some(Item::Stage(stage));
        }
        for stage in self.all_stages() {
            if let Some(exercise) = stage.exercises.iter().find(|e| e.id == id) {
                return Some(Item::Exercise(stage, exercise));
            }
        }
        self.sheet(id).map(Item::Sheet)
    }

    /// Every id in the program (stages, exercises, markers, sheets, questions, flags), for
    /// checking references from outside such as the coverage table.
    pub fn ids(&self) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for stage in self.all_stages() {
            ids.insert(stage.id.clone());
            ids.extend(stage.exercises.iter().map(|e| e.id.clone()));
            ids.extend(stage.progress_markers.iter().map(|m| m.id.clone()));
        }
        ids.extend(self.sheets.keys().cloned());
        ids.insert(self.questionnaire.id.clone());
        ids.extend(self.questionnaire.questions().map(|q| q.id.clone()));
        ids.extend(self.questionnaire.flags.iter().map(|f| f.id.clone()));
        ids
    }
}

/// Checks an id and records a problem if it is malformed.
pub(crate) fn check_item_id(errors: &mut Vec<ContentError>, file: &str, id: &str) {
    if let Err(e) = check_id(id) {
        errors.push(ContentError { file: file.into(), id: Some(id.into()), message: e.0 });
    }
}
