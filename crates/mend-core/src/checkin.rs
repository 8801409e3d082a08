//! Between sessions: the check-in made for one link, its scores as series, and change that means something.
//!
//! A check-in's published scores are read against the licence ledger's reliable-change threshold:
//! a point is `improved` or `deteriorated` only when it moved at least that far from the point it
//! is compared with, in the direction the measure counts as better or worse. A measure without a
//! threshold (a two-item screen, mend's own trust items) is charted but never marked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::content::{Instrument, Program};
use crate::day::format_day;
use crate::domain::Roles;
use crate::questionnaire::{Answer, Answers, Question, Questionnaire, RawAnswers};
use crate::record::CheckinRecord;

/// The text in a homework slot's label that a sheet's title replaces.
pub const SHEET_PLACEHOLDER: &str = "{sheet}";

/// In the check-in's intro, replaced by how long the link's form is, worked out from the
/// questions it shows: a PCL-5 month or a homework slot makes it longer, and the page says so.
pub const LENGTH_PLACEHOLDER: &str = "{length}";

/// Seconds a partner takes for one question on a phone, about; the length sentence rounds up.
const SECONDS_A_QUESTION: usize = 15;

/// How far a point moved from the one it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Moved at least the reliable-change threshold in the better direction.
    Improved,
    /// Moved less than the threshold either way.
    NoReliableChange,
    /// Moved at least the threshold in the worse direction.
    Deteriorated,
}

impl Change {
    /// The word used in JSON and text.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Improved => "improved",
            Change::NoReliableChange => "no_reliable_change",
            Change::Deteriorated => "deteriorated",
        }
    }

    /// One character for a chart: up, level or down in meaning, not in number.
    pub fn mark(self) -> char {
        match self {
            Change::Improved => '+',
            Change::NoReliableChange => '=',
            Change::Deteriorated => '!',
        }
    }
}

/// The change from `from` to `to` for a measure with a reliable-change `threshold` in points.
pub fn change(from: i64, to: i64, threshold: i64, higher_is_better: bool) -> Change {
    let moved = to - from;
    if moved.abs() < threshold {
        Change::NoReliableChange
    } else if (moved > 0) == higher_is_better {
        Change::Improved
    } else {
        Change::Deteriorated
    }
}

/// How one measure of the check-in is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureRule {
    /// The score's id, which is the instrument's id in the ledger (`phq9`).
    pub instrument: String,
    /// The name a person reads.
    pub title: String,
    /// The largest total.
    pub max: i64,
    /// The published cut-offs, for bands on a chart; none for mend's own items.
    pub cutoffs: Vec<i64>,
    /// The reliable-change threshold in points, when the ledger gives one.
    pub reliable_change: Option<i64>,
    /// Whether higher is better (trust) rather than worse (symptoms).
    pub higher_is_better: bool,
}

/// What reading check-ins needs of the program: the check-in and the licence ledger. `mend
/// progress` reads only these of the embedded content ([`CheckinContent::embedded`], in `load`).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinContent {
    /// The check-in questionnaire.
    pub checkin: Questionnaire,
    /// The licence ledger.
    pub instruments: Vec<Instrument>,
}

impl CheckinContent {
    /// The check-in of a loaded program, with its ledger.
    pub fn of(program: &Program) -> Option<Self> {
        let checkin = program.checkin.clone()?;
        Some(Self { checkin, instruments: program.instruments.clone() })
    }
}

/// The check-in's measures in the questionnaire's order, each with what the ledger says of it.
pub fn measure_rules(checkin: &Questionnaire, ledger: &[Instrument]) -> Vec<MeasureRule> {
    checkin
        .scores
        .iter()
        .map(|rule| {
            let ledger = ledger.iter().find(|i| i.id == rule.id);
            let max = rule.questions.iter().filter_map(|id| checkin.question(id)).map(largest).sum();
            MeasureRule {
                instrument: rule.id.clone(),
                title: rule.title.clone(),
                max,
                cutoffs: ledger.map(|i| i.cutoffs.clone()).unwrap_or_default(),
                reliable_change: ledger.and_then(|i| i.reliable_change),
                higher_is_better: rule.higher_is_better,
            }
        })
        .collect()
}

fn largest(question: &crate::questionnaire::Question) -> i64 {
    let options = question.options.iter().filter_map(|o| o.value.parse::<i64>().ok()).max();
    options.or(question.max).unwrap_or(0)
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// The day of the check-in, `YYYY-MM-DD`.
    pub date: String,
    /// The total.
    pub score: i64,
    /// Against the previous point; `None` for the first, or a measure without a threshold.
    pub change: Option<Change>,
    /// Against the first point; `None` for the first, or a measure without a threshold.
    pub since_first: Option<Change>,
}

/// One partner's series on one measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// The instrument's id.
    pub instrument: String,
    /// The partner's display name.
    pub partner: String,
    /// The points, oldest first.
    pub points: Vec<Point>,
}

/// Marks each of a partner's scores, given oldest first, against the first and the previous.
pub fn series(rule: &MeasureRule, partner: &str, scores: &[(Date, i64)]) -> Measure {
    let mark = |from: i64, to: i64| rule.reliable_change.map(|t| change(from, to, t, rule.higher_is_better));
    let first = scores.first().map(|(_, score)| *score);
    let points = scores
        .iter()
        .enumerate()
        .map(|(n, (day, score))| {
            let previous = n.checked_sub(1).map(|p| scores[p].1);
            Point {
                date: format_day(*day),
                score: *score,
                change: previous.and_then(|p| mark(p, *score)),
                since_first: first.filter(|_| n > 0).and_then(|f| mark(f, *score)),
            }
        })
        .collect();
    Measure { instrument: rule.instrument.clone(), partner: partner.to_owned(), points }
}

/// The check-in as a link shows it: without the scheduled sections the link does not ask, and
/// with each homework slot named for a sheet given at the last session, in order, and the slots
/// beyond them left out. Checking a sent form uses the check-in itself, where every slot and every
/// question of a scheduled section is optional, so a link's answers check the same whatever it
/// shows, with no read of the link before them.
pub fn for_link(checkin: &Questionnaire, sheet_titles: &[String], sections: &[String]) -> Questionnaire {
    let mut shown = checkin.clone();
    shown.sections.retain(|section| section.schedule.is_none() || sections.contains(&section.id));
    let mut slot = 0;
    for section in &mut shown.sections {
        section.questions.retain_mut(|question| {
            if !question.label.contains(SHEET_PLACEHOLDER) {
                return true;
            }
            let keep =
                sheet_titles.get(slot).map(|title| question.label = question.label.replace(SHEET_PLACEHOLDER, title));
            slot += 1;
            keep.is_some()
        });
    }
    shown.sections.retain(|section| !section.questions.is_empty());
    let length = length_sentence(&shown);
    for paragraph in &mut shown.intro {
        *paragraph = paragraph.replace(LENGTH_PLACEHOLDER, &length);
    }
    shown
}

/// How long a link's form is, from its questions: those always asked, and the follow-ups some
/// answers call for (the rest of the PHQ-9 and GAD-7).
fn length_sentence(shown: &Questionnaire) -> String {
    let (always, follow_ups): (Vec<&Question>, Vec<&Question>) = shown.questions().partition(|q| q.show_if.is_none());
    let minutes = (always.len() * SECONDS_A_QUESTION).div_ceil(60).max(2);
    let more = match follow_ups.len() {
        0 => String::new(),
        n => format!(", and up to {n} more if some of your answers call for them"),
    };
    format!("This check-in has {} questions{more}. It takes about {minutes} minutes.", always.len())
}

/// The check-in as a page shows it to a partner with `typed` answers so far: as [`for_link`]
/// names it, and without the follow-up questions whose condition does not hold yet (the rest of
/// the PHQ-9 before a positive PHQ-2). Leaving them out keeps the page small on a phone; when the
/// answers make them apply, the check finds them missing and the page comes back asking them.
pub fn as_shown(
    checkin: &Questionnaire,
    sheet_titles: &[String],
    sections: &[String],
    typed: &RawAnswers,
    today: Date,
) -> Questionnaire {
    let mut shown = for_link(checkin, sheet_titles, sections);
    let answers = checkin.evaluate(typed, today).answers;
    for section in &mut shown.sections {
        let asked: Vec<bool> = section.questions.iter().map(|q| checkin.is_visible(q, &answers)).collect();
        let mut asked = asked.into_iter();
        section.questions.retain(|_| asked.next().unwrap_or(true));
    }
    shown.sections.retain(|section| !section.questions.is_empty());
    shown
}

/// The scheduled sections a partner's next check-in asks, given their roles and their sent
/// check-ins (oldest first): each section for their role that none of them asked yet, or that
/// the last `every - 1` of them did not ask. Links made but never sent do not count, so a
/// measure missed by an unanswered link is asked by the next one.
pub fn due_sections(checkin: &Questionnaire, roles: Roles, sent: &[CheckinRecord]) -> Vec<String> {
    checkin
        .sections
        .iter()
        .filter_map(|section| Some((section, section.schedule?)))
        .filter(|(_, schedule)| roles.includes(schedule.of))
        .filter(|(section, schedule)| {
            let since = sent.iter().rev().position(|c| c.sections.contains(&section.id));
            since.is_none_or(|since| since + 1 >= schedule.every as usize)
        })
        .map(|(section, _)| section.id.clone())
        .collect()
}

/// The homework slots' question ids, in order.
pub fn homework_slots(checkin: &Questionnaire) -> Vec<&str> {
    checkin.questions().filter(|q| q.label.contains(SHEET_PLACEHOLDER)).map(|q| q.id.as_str()).collect()
}

/// How far a partner got with one sheet, by their own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeworkDone {
    /// The sheet's id.
    pub sheet: String,
    /// `done`, `partly` or `not-yet`; `None` when the partner left it blank.
    pub status: Option<String>,
}

/// What a check-in says of the homework: one entry per sheet the link named, in order.
pub fn homework_done(checkin: &Questionnaire, sheets: &[String], answers: &Answers) -> Vec<HomeworkDone> {
    let slots = homework_slots(checkin);
    sheets
        .iter()
        .zip(slots)
        .map(|(sheet, slot)| HomeworkDone {
            sheet: sheet.clone(),
            status: match answers.get(slot) {
                Some(Answer::Text(value)) => Some(value.clone()),
                _ => None,
            },
        })
        .collect()
}

/// The answer to the check-in's open question, if given: its one long-text question.
pub fn open_answer<'a>(checkin: &Questionnaire, answers: &'a Answers) -> Option<&'a str> {
    let question = checkin.questions().find(|q| q.kind == crate::questionnaire::QuestionKind::LongText)?;
    match answers.get(&question.id) {
        Some(Answer::Text(text)) => Some(text.as_str()),
        _ => None,
    }
}

/// The scores of one sent check-in, as stored: each measure that could be totalled.
pub fn scores_of(checkin: &Questionnaire, answers: &Answers) -> BTreeMap<String, i64> {
    let (scores, _) = checkin.assess(answers);
    scores.into_iter().filter_map(|s| s.value.map(|v| (s.id, v))).collect()
}
