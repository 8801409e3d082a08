//! The intake questionnaire as data, and its evaluation: which questions show, which answers are
//! missing or invalid, the PHQ-2 and GAD-2 scores, the flags raised and the stage to start at.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::citation::Citation;
use crate::domain::{Role, Severity};
use crate::text::has_visible;

mod answer;
mod condition;
mod score;
mod version;

use answer::{missing_message, parse_answer};
use condition::collect_evidence;
pub(crate) use condition::holds;
use score::score;
pub use version::Upgrade;

/// Answers as a browser sends them: each field name with every value given for it.
pub type RawAnswers = BTreeMap<String, Vec<String>>;

/// Valid answers, by question id; only visible questions that were answered appear.
pub type Answers = BTreeMap<String, Answer>;

/// Answers that passed every check of a questionnaire: each visible question's values parsed,
/// nothing required missing, hidden and unknown fields dropped.
///
/// Only [`Questionnaire::check`] makes one (the field is private and there is no other
/// constructor), so the store, which accepts nothing else for a submission, never stores answers
/// that skipped the checks. Its `Debug` shows how many answers there are, never what they say:
/// they are health information.
///
/// It names the questionnaire and version that checked it, so that answers are stored against
/// the questions the partner was shown, whichever version the content is at now.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckedAnswers {
    answers: Answers,
    questionnaire: String,
    version: u32,
}

impl CheckedAnswers {
    /// The answers, by question id.
    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    /// The id of the questionnaire that checked them.
    pub fn questionnaire(&self) -> &str {
        &self.questionnaire
    }

    /// The version of the questionnaire that checked them.
    pub fn version(&self) -> u32 {
        self.version
    }
}

impl std::fmt::Debug for CheckedAnswers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CheckedAnswers({} answers)", self.answers.len())
    }
}

/// One valid answer, stored in JSON as a number, a string or a list of strings (read by
/// `answer.rs`, without trying each variant in turn).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// A scale value.
    Number(i64),
    /// Yes/no (`yes`/`no`), a single choice's value, text, a date (`YYYY-MM-DD`), or `yes` for consent.
    Text(String),
    /// The values chosen in a multiple choice.
    Choices(Vec<String>),
}

/// The kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Yes or no.
    YesNo,
    /// One of the options.
    Single,
    /// Any number of the options.
    Multiple,
    /// A whole number from `min` to `max`.
    Scale,
    /// One line of text.
    ShortText,
    /// Several lines of text.
    LongText,
    /// A calendar date.
    Date,
    /// A box ticked to acknowledge the question's `text`.
    Consent,
}

/// An option of a single or multiple choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// What is stored.
    pub value: String,
    /// What the partner reads.
    pub label: String,
}

/// A condition on earlier answers or scores, written in TOML as an inline table such as
/// `{ question = "found_out", equals = "discovered" }`, `{ score = "phq2", at_least = 3 }` or
/// `{ any = [ ..., ... ] }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The question whose answer is tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// The score that is tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
    /// True when the answer is this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// True when the answer (or any chosen value) is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<String>,
    /// True when the number is at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    /// True when the number is at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
    /// True when any of these is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<Condition>,
    /// True when all of these are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<Condition>,
}

impl Condition {
    /// Whether the condition tests a score anywhere in it.
    pub fn tests_a_score(&self) -> bool {
        self.score.is_some() || self.any.iter().chain(&self.all).any(Condition::tests_a_score)
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique in the questionnaire; also the form field's name.
    pub id: String,
    /// What kind of answer it takes.
    pub kind: QuestionKind,
    /// The question as the partner reads it.
    pub label: String,
    /// A line of help under the label.
    #[serde(default)]
    pub hint: String,
    /// For sensitive questions: why it is asked, who sees the answer, where to get help now.
    #[serde(default)]
    pub help: String,
    /// For consent: the text being acknowledged.
    #[serde(default)]
    pub text: String,
    /// Whether an answer is needed to send the form.
    #[serde(default)]
    pub required: bool,
    /// The options of a choice.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// The smallest scale value.
    #[serde(default)]
    pub min: Option<i64>,
    /// The largest scale value.
    #[serde(default)]
    pub max: Option<i64>,
    /// Words for the smallest scale value.
    #[serde(default)]
    pub min_label: String,
    /// Words for the largest scale value.
    #[serde(default)]
    pub max_label: String,
    /// The question is asked only when this holds for earlier answers.
    #[serde(default)]
    pub show_if: Option<Condition>,
    /// What to say when a required answer is missing (defaults by kind).
    #[serde(default)]
    pub error: String,
    /// For a date: the day asked about has already come, so a day after today is refused.
    #[serde(default)]
    pub past: bool,
    /// Whether a saved draft keeps the answer. `false` for the safety questions: a draft is shown
    /// again to whoever opens the link, and on a shared phone that may be the other partner.
    #[serde(default = "kept_by_default")]
    pub kept_in_drafts: bool,
}

fn kept_by_default() -> bool {
    true
}

impl Question {
    /// Whether the answer is a number a score can sum: a scale, or a single choice whose option
    /// values are all whole numbers (a published instrument's answers with their words, such as
    /// "Several days" for 1).
    pub fn is_numeric(&self) -> bool {
        match self.kind {
            QuestionKind::Scale => true,
            QuestionKind::Single => {
                !self.options.is_empty() && self.options.iter().all(|o| o.value.parse::<i64>().is_ok())
            }
            _ => false,
        }
    }

    /// The largest number the question can give, for a score's maximum.
    fn largest(&self) -> i64 {
        match self.kind {
            QuestionKind::Single => self.options.iter().filter_map(|o| o.value.parse().ok()).max().unwrap_or(0),
            _ => self.max.unwrap_or(0),
        }
    }
}

/// A group of questions under one heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Unique in the questionnaire.
    pub id: String,
    /// The heading.
    pub title: String,
    /// Paragraphs before the questions.
    #[serde(default)]
    pub intro: Vec<String>,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// For a check-in's longer measure: asked only now and then, of some partners; `None` for a
    /// section every form asks. A link names the scheduled sections it asks (see
    /// [`crate::checkin::due_sections`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
}

/// When a scheduled section is asked: of which partners, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Whose check-ins ask it: `hurt` (the partner who was hurt, and both partners after a
    /// mutual breach), `broke_trust` or `both`.
    pub of: Role,
    /// Asked at a partner's first check-in and then at every `every`th: with 4, the first, the
    /// fifth, the ninth and so on.
    pub every: u32,
}

/// A published screening score: the sum of some numeric answers (scales, or single choices whose
/// values are whole numbers), positive at a cutoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRule {
    /// Id used in conditions (`phq2`).
    pub id: String,
    /// Name shown to the therapist.
    pub title: String,
    /// The questions summed.
    pub questions: Vec<String>,
    /// A total at or above this is a positive screen; `None` only for an `own` score.
    #[serde(default)]
    pub cutoff: Option<i64>,
    /// mend's own items rather than a published instrument: no licence entry and no cut-off.
    #[serde(default)]
    pub own: bool,
    /// Whether a higher total is the better one (trust), rather than the worse (symptoms).
    #[serde(default)]
    pub higher_is_better: bool,
    /// What a positive screen means and does not mean.
    pub meaning: String,
    /// Where the instrument comes from and its terms of use: filled in on load from the licence
    /// ledger's entry with the score's id, which every score must have.
    #[serde(default)]
    pub attribution: String,
}

/// A rule that raises a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagRule {
    /// Id used in `mend flag resolve`.
    pub id: String,
    /// How much it matters.
    pub severity: Severity,
    /// What it means, for the therapist.
    pub message: String,
    /// What the therapist should do.
    pub action: String,
    /// Whether the answer says the other partner frightens, hurts, controls or watches this one.
    /// When a partner cast as having broken trust raises such a flag, what they kept hidden may be
    /// what keeps them safe: the planner assigns no roles and starts no accountability work.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub danger_from_partner: bool,
    /// Whether, while it is open, sheets filled in alone stay in the session room: they are not
    /// given to take home or sent to a phone, where the other partner might read them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sheets_stay_in_session: bool,
    /// When it is raised.
    pub when: Condition,
}

/// The sentence every stop flag's `action` carries, so that what a stop means reads the same in
/// every flag: joint work pauses. `mend content check` refuses a stop flag without it.
pub const PAUSE_JOINT_WORK: &str = "Pause all joint sessions until this flag is resolved.";

/// A rule for the stage a couple starts at; the first rule that holds for either partner wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRule {
    /// The stage to start at.
    pub stage: String,
    /// Why, in a sentence the plan prints.
    pub reason: String,
    /// When it applies.
    pub when: Condition,
}

/// The intake questionnaire, from `intake/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    /// The file name without `.toml`; filled in on load.
    #[serde(skip_deserializing)]
    pub id: String,
    /// Raised whenever questions change meaning, so stored answers name what they answered.
    pub version: u32,
    /// The form's title.
    pub title: String,
    /// Paragraphs at the top of the form.
    pub intro: Vec<String>,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Screening scores.
    #[serde(default)]
    pub scores: Vec<ScoreRule>,
    /// Flag rules.
    #[serde(default)]
    pub flags: Vec<FlagRule>,
    /// Rules for the starting stage.
    #[serde(default)]
    pub start_rules: Vec<StartRule>,
    /// Which article ideas it carries.
    #[serde(default)]
    pub sources: Vec<Citation>,
    /// How drafts saved on older versions are carried to this one; a draft from a version not
    /// listed stays on its version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upgrades: Vec<Upgrade>,
}

/// A problem with one answer, for the error summary and the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The question id (the field's name).
    pub question: String,
    /// What to do, in the partner's words.
    pub message: String,
}

/// A computed score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// The rule's id.
    pub id: String,
    /// The rule's title.
    pub title: String,
    /// The sum, when every item was answered.
    pub value: Option<i64>,
    /// The largest possible sum.
    pub max: i64,
    /// The cutoff for a positive screen, for a published instrument.
    pub cutoff: Option<i64>,
    /// Whether the screen is positive.
    pub positive: bool,
}

/// An answer that contributed to a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The question id.
    pub question: String,
    /// The question as asked.
    pub label: String,
    /// The answer, in words.
    pub answer: String,
}

/// A flag raised by one partner's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaisedFlag {
    /// The rule's id.
    pub id: String,
    /// How much it matters.
    pub severity: Severity,
    /// What it means.
    pub message: String,
    /// What to do.
    pub action: String,
    /// The answers that raised it.
    pub because: Vec<Evidence>,
}

/// Everything known from one partner's answers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Evaluation {
    /// Valid answers to visible questions.
    pub answers: Answers,
    /// Missing or invalid answers, in question order; empty when the form can be stored.
    pub errors: Vec<FieldError>,
    /// Screening scores.
    pub scores: Vec<Score>,
    /// Flags raised, most severe first.
    pub flags: Vec<RaisedFlag>,
}

/// The most text a short answer may hold.
pub const SHORT_TEXT_MAX: usize = 200;
/// The most text a long answer may hold.
pub const LONG_TEXT_MAX: usize = 5000;

impl Questionnaire {
    /// Every question, in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| &s.questions)
    }

    /// A question by id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    /// Checks answers from a form: parses each visible question's values, drops hidden and
    /// unknown fields, and reports every missing or invalid answer; then scores and flags them.
    /// `today` is the latest day it may be where the partner is ([`crate::day::latest_today`]):
    /// a `past` date after it is refused.
    pub fn evaluate(&self, raw: &RawAnswers, today: time::Date) -> Evaluation {
        let (answers, errors) = self.read(raw, today);
        let (scores, flags) = self.assess(&answers);
        Evaluation { answers, errors, scores, flags }
    }

    /// Checks a sent form, as [`Questionnaire::evaluate`] does, in one pass: the answers ready to
    /// store, or every missing or invalid answer in question order. Scores and flags are left
    /// out; they are worked out from the stored answers when the therapist reads them.
    pub fn check(&self, raw: &RawAnswers, today: time::Date) -> Result<CheckedAnswers, Vec<FieldError>> {
        let (answers, errors) = self.read(raw, today);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedAnswers { answers, questionnaire: self.id.clone(), version: self.version })
    }

    /// The valid answers to visible questions, and the problems with the rest.
    fn read(&self, raw: &RawAnswers, today: time::Date) -> (Answers, Vec<FieldError>) {
        let mut answers = Answers::new();
        let mut errors = Vec::new();
        for question in self.questions() {
            if !self.is_visible(question, &answers) {
                continue;
            }
            // A value of nothing visible (spaces, a zero-width space, a byte-order mark) is no
            // answer: a required one must not be met by text no one can read.
            let values: Vec<&str> =
                raw.get(&question.id).into_iter().flatten().map(|v| v.trim()).filter(|v| has_visible(v)).collect();
            match parse_answer(question, &values, today) {
                Ok(Some(answer)) => {
                    answers.insert(question.id.clone(), answer);
                }
                Ok(None) if question.required => {
                    errors.push(FieldError { question: question.id.clone(), message: missing_message(question) });
                }
                Ok(None) => {}
                Err(message) => errors.push(FieldError { question: question.id.clone(), message }),
            }
        }
        (answers, errors)
    }

    /// Keeps what a partner typed for a draft: known fields only, each value cut to a sane
    /// length, so a saved draft can be shown back exactly and never grows without bound.
    pub fn draft(&self, raw: &RawAnswers) -> RawAnswers {
        let mut kept = RawAnswers::new();
        for question in self.questions().filter(|question| question.kept_in_drafts) {
            if let Some(values) = raw.get(&question.id) {
                let values: Vec<String> = values
                    .iter()
                    .take(question.options.len().max(1))
                    .map(|v| v.chars().take(LONG_TEXT_MAX).collect())
                    .collect();
                kept.insert(question.id.clone(), values);
            }
        }
        kept
    }

    /// Scores and flags for stored answers.
    pub fn assess(&self, answers: &Answers) -> (Vec<Score>, Vec<RaisedFlag>) {
        let scores: Vec<Score> = self.scores.iter().map(|rule| score(self, rule, answers)).collect();
        let flags = self.raise(answers, &scores);
        (scores, flags)
    }

    /// The flags stored answers raise, as [`Questionnaire::assess`] gives them, with the scores
    /// worked out only when some flag tests one. Reading a year of check-ins for `mend progress`
    /// needs their flags alone, and the check-in's flags test answers, not scores.
    pub fn flags(&self, answers: &Answers) -> Vec<RaisedFlag> {
        let scores: Vec<Score> = if self.flags.iter().any(|rule| rule.when.tests_a_score()) {
            self.scores.iter().map(|rule| score(self, rule, answers)).collect()
        } else {
            Vec::new()
        };
        self.raise(answers, &scores)
    }

    /// The flags that hold, most severe first, each with the answers and scores that raised it.
    fn raise(&self, answers: &Answers, scores: &[Score]) -> Vec<RaisedFlag> {
        let mut flags: Vec<RaisedFlag> = self
            .flags
            .iter()
            .filter(|rule| holds(&rule.when, answers, scores))
            .map(|rule| RaisedFlag {
                id: rule.id.clone(),
                severity: rule.severity,
                message: rule.message.clone(),
                action: rule.action.clone(),
                because: self.evidence(&rule.when, answers, scores),
            })
            .collect();
        flags.sort_by_key(|flag| std::cmp::Reverse(flag.severity));
        flags
    }

    /// The first start rule that holds for any of the given partners' answers.
    pub fn start_rule<'a>(&'a self, partners: &[&Answers]) -> Option<&'a StartRule> {
        self.start_rules.iter().find(|rule| {
            partners.iter().any(|answers| {
                let (scores, _) = self.assess(answers);
                holds(&rule.when, answers, &scores)
            })
        })
    }

    /// Whether a question is asked, given the answers to the questions before it.
    pub fn is_visible(&self, question: &Question, answers: &Answers) -> bool {
        question.show_if.as_ref().is_none_or(|c| holds(c, answers, &[]))
    }

    /// An answer in words, as the partner chose it.
    pub fn describe(&self, question: &Question, answer: &Answer) -> String {
        let label = |value: &str| {
            question.options.iter().find(|o| o.value == value).map_or_else(|| value.to_owned(), |o| o.label.clone())
        };
        match answer {
            Answer::Number(n) => n.to_string(),
            Answer::Text(t) => match question.kind {
                QuestionKind::Single => label(t),
                QuestionKind::YesNo => if t == "yes" { "Yes" } else { "No" }.to_owned(),
                QuestionKind::Consent => "Acknowledged".to_owned(),
                _ => t.clone(),
            },
            Answer::Choices(values) => values.iter().map(|v| label(v)).collect::<Vec<_>>().join("; "),
        }
    }

    fn evidence(&self, condition: &Condition, answers: &Answers, scores: &[Score]) -> Vec<Evidence> {
        let mut out = Vec::new();
        collect_evidence(self, condition, answers, scores, &mut out);
        out
    }
}
