//! Turns content files into a checked [`Program`], collecting every problem with its file and id:
//! the program's entry points, embedded or from a folder's files, and the check-in's alone.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;

use crate::citation::Citation;
use crate::content::{
    Block, ContentError, ContentErrors, Instrument, InstrumentsFile, PRIVATE_SHEET_LINE, Program, ProgramFile,
    ProgressMarker, Sheet, Stage, check_item_id,
};
use crate::domain::Severity;
use crate::questionnaire::{Condition, PAUSE_JOINT_WORK, Question, QuestionKind, Questionnaire};

mod checkin;
mod instruments;

use checkin::check_checkin;
use instruments::{check_instruments, license_scores};

/// The file that orders the program.
const PROGRAM_FILE: &str = "program.toml";

/// The licence ledger: every instrument a score may use, with its grant.
const INSTRUMENTS_FILE: &str = "instruments.toml";

/// Collects problems as they are found.
#[derive(Default)]
struct Problems(Vec<ContentError>);

impl Problems {
    fn add(&mut self, file: &str, id: Option<&str>, message: impl Into<String>) {
        self.0.push(ContentError { file: file.to_owned(), id: id.map(str::to_owned), message: message.into() });
    }
}

/// Everything the content files held, before the references between them are checked.
#[derive(Default)]
struct Parsed {
    /// Stages by id, with their file.
    stages: BTreeMap<String, (String, Stage)>,
    /// Sheets by id.
    sheets: BTreeMap<String, Sheet>,
    /// Questionnaires by id, with their file.
    questionnaires: BTreeMap<String, (String, Questionnaire)>,
    /// Check-in questionnaires by id, with their file.
    checkins: BTreeMap<String, (String, Questionnaire)>,
    /// The licence ledger's entries, when `instruments.toml` exists and could be read.
    instruments: Vec<Instrument>,
    /// Files that exist but could not be read. Their own problem is already reported, so a
    /// reference to one must not also claim that the file is missing.
    unreadable: BTreeSet<String>,
}

impl Parsed {
    /// Whether `folder/id.toml` exists but could not be read.
    fn is_unreadable(&self, folder: &str, id: &str) -> bool {
        self.unreadable.contains(&format!("{folder}/{id}.toml"))
    }
}

/// A content file's text: TOML as people write it, or the JSON that `build.rs` turned the
/// embedded TOML into (the same data; JSON is several times faster to read at every start).
#[derive(Debug)]
pub(crate) enum Text {
    /// TOML, from a folder or from an embedded file that did not parse at build time.
    Toml(String),
    /// JSON converted from valid TOML at build time.
    Json(String),
}

/// The files of the content embedded at build time that `wanted` keeps, by path under `content/`.
fn embedded_texts(wanted: impl Fn(&str) -> bool) -> BTreeMap<String, Text> {
    let files = crate::embedded::FILES.iter().filter(|(path, _, _)| wanted(path)).map(|(path, json, text)| {
        let text = (*text).to_owned();
        let text = if *json { Text::Json(text) } else { Text::Toml(text) };
        ((*path).to_owned(), text)
    });
    files.collect()
}

impl Program {
    /// The program embedded in mend at build time.
    pub fn embedded() -> Result<Self, ContentErrors> {
        load(embedded_texts(|_| true))
    }

    /// Builds and checks a program from `(path under content/, text)` pairs, reporting every
    /// problem at once.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Self, ContentErrors> {
        load(files.into_iter().map(|(path, text)| (path, Text::Toml(text))).collect())
    }
}

/// Reads and checks a whole program from its files.
fn load(files: BTreeMap<String, Text>) -> Result<Program, ContentErrors> {
    let mut problems = Problems::default();
    // A broken program.toml must not hide the problems in every other file, so all files are
    // read before giving up on it: one `mend content check` then shows everything to fix.
    let program_file = match files.get(PROGRAM_FILE) {
        Some(text) => parse::<ProgramFile>(&mut problems, PROGRAM_FILE, None, text),
        None => {
            problems.add(PROGRAM_FILE, None, "missing: the content folder needs a program.toml that lists the stages");
            None
        }
    };
    let parsed = parse_files(&mut problems, &files);
    match program_file {
        Some(program_file) => check_program(problems, program_file, parsed),
        None => Err(ContentErrors(problems.0)),
    }
}

/// Whether a file is one [`load_checkin`] reads.
fn is_checkin_file(path: &str) -> bool {
    path == PROGRAM_FILE || path == INSTRUMENTS_FILE || path.starts_with("checkin/")
}

/// Reads every file but program.toml, checking what can be checked inside one file alone.
fn parse_files(problems: &mut Problems, files: &BTreeMap<String, Text>) -> Parsed {
    let mut parsed = Parsed::default();
    for (path, text) in files {
        let Some((folder, id)) = folder_and_id(path) else {
            if path == INSTRUMENTS_FILE {
                match parse::<InstrumentsFile>(problems, path, None, text) {
                    Some(ledger) => {
                        check_instruments(problems, &ledger.instruments);
                        parsed.instruments = ledger.instruments;
                    }
                    None => {
                        parsed.unreadable.insert(path.clone());
                    }
                }
            } else if path != PROGRAM_FILE {
                problems.add(
                    path,
                    None,
                    "unexpected file: content lives in program.toml, instruments.toml, stages/, homework/ and intake/",
                );
            }
            continue;
        };
        check_item_id(&mut problems.0, path, &id);
        // `None` when the file could not be read; the reason is already among the problems.
        let read = match folder {
            "stages" => parse::<Stage>(problems, path, Some(&id), text).map(|mut stage| {
                stage.id = id.clone();
                parsed.stages.insert(id, (path.clone(), stage));
            }),
            "homework" => parse::<Sheet>(problems, path, Some(&id), text).map(|mut sheet| {
                sheet.id = id.clone();
                check_sheet(problems, path, &sheet);
                parsed.sheets.insert(id, sheet);
            }),
            "intake" => parse::<Questionnaire>(problems, path, Some(&id), text).map(|mut questionnaire| {
                questionnaire.id = id.clone();
                parsed.questionnaires.insert(id, (path.clone(), questionnaire));
            }),
            "checkin" => parse::<Questionnaire>(problems, path, Some(&id), text).map(|mut questionnaire| {
                questionnaire.id = id.clone();
                parsed.checkins.insert(id, (path.clone(), questionnaire));
            }),
            _ => {
                problems.add(path, None, "unexpected folder: use stages/, homework/, intake/ or checkin/");
                Some(())
            }
        };
        if read.is_none() {
            parsed.unreadable.insert(path.clone());
        }
    }
    parsed
}

/// Checks the references between files and, when nothing is wrong, builds the program.
fn check_program(
    mut problems: Problems,
    program_file: ProgramFile,
    mut parsed: Parsed,
) -> Result<Program, ContentErrors> {
    let sources: BTreeSet<&str> = program_file.sources.iter().map(|s| s.id.as_str()).collect();
    let check_citations = |problems: &mut Problems, file: &str, id: &str, citations: &[Citation]| {
        for citation in citations {
            if !sources.contains(citation.article.as_str()) {
                problems.add(
                    file,
                    Some(id),
                    format!(
                        "cites unknown article {:?}: use one of the source ids in program.toml ({})",
                        citation.article,
                        sources.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
    };
    for sheet in parsed.sheets.values() {
        check_citations(&mut problems, &format!("homework/{}.toml", sheet.id), &sheet.id, &sheet.sources);
    }

    // Stages: each listed once, each file listed, references resolved.
    let mut listed = BTreeSet::new();
    let advancing = order_stages(&mut problems, &parsed, &program_file.stages, &mut listed);
    let review = order_stages(&mut problems, &parsed, &program_file.review_stages, &mut listed);
    if program_file.stages.is_empty() {
        problems.add(PROGRAM_FILE, None, "lists no stages: add stage ids to `stages`");
    }
    for (id, (path, _)) in &parsed.stages {
        if !listed.contains(id) {
            problems.add(
                path,
                Some(id),
                "this stage is not in program.toml: add its id to `stages` or `review_stages`",
            );
        }
    }
    let mut exercise_ids: BTreeMap<String, String> = BTreeMap::new();
    for (path, stage) in parsed.stages.values() {
        check_stage(&mut problems, path, stage, &parsed, &mut exercise_ids);
        check_citations(&mut problems, path, &stage.id, &stage.sources);
        for exercise in &stage.exercises {
            check_citations(&mut problems, path, &exercise.id, &exercise.sources);
        }
    }

    // The questionnaire the program names; any other would never be asked, so it is a mistake.
    let questionnaire = parsed.questionnaires.remove(&program_file.questionnaire);
    for (id, (path, _)) in &parsed.questionnaires {
        problems.add(
            path,
            Some(id),
            "this questionnaire is not used: set `questionnaire` in program.toml to its id or remove the file",
        );
    }
    let questionnaire = match questionnaire {
        Some((path, mut q)) => {
            check_questionnaire(&mut problems, &path, &q, &parsed);
            for section in q.sections.iter().filter(|s| s.schedule.is_some()) {
                problems.add(&path, Some(&section.id), "only a check-in's sections have a schedule: remove it");
            }
            check_citations(&mut problems, &path, &q.id, &q.sources);
            license_scores(&mut problems, &path, &mut q, &parsed);
            Some(q)
        }
        None if parsed.is_unreadable("intake", &program_file.questionnaire) => None,
        None => {
            problems.add(
                PROGRAM_FILE,
                Some(&program_file.questionnaire),
                format!(
                    "names questionnaire {:?} but there is no intake/{}.toml: add it or fix `questionnaire`",
                    program_file.questionnaire, program_file.questionnaire
                ),
            );
            None
        }
    };

    let checkin = check_checkin(&mut problems, &program_file, &mut parsed);
    if let Some(q) = &checkin {
        check_citations(&mut problems, &format!("checkin/{}.toml", q.id), &q.id, &q.sources);
    }

    match questionnaire {
        Some(questionnaire) if problems.0.is_empty() => Ok(Program {
            title: program_file.title,
            summary: program_file.summary,
            sources: program_file.sources,
            stages: advancing,
            review_stages: review,
            sheets: parsed.sheets,
            questionnaire,
            checkin,
            instruments: parsed.instruments,
        }),
        _ => Err(ContentErrors(problems.0)),
    }
}

/// The stages named by `ids`, in order, noting each in `listed` and reporting repeats and
/// stages that have no file.
fn order_stages(problems: &mut Problems, parsed: &Parsed, ids: &[String], listed: &mut BTreeSet<String>) -> Vec<Stage> {
    let mut out = Vec::new();
    for id in ids {
        if !listed.insert(id.clone()) {
            problems.add(PROGRAM_FILE, Some(id), "stage listed twice: list each stage once");
            continue;
        }
        match parsed.stages.get(id) {
            Some((_, stage)) => out.push(stage.clone()),
            None if parsed.is_unreadable("stages", id) => {}
            None => problems.add(
                PROGRAM_FILE,
                Some(id),
                format!("lists stage {id:?} but there is no stages/{id}.toml: add the file or remove the id"),
            ),
        }
    }
    out
}

/// `stages/accountability.toml` → `("stages", "accountability")`.
fn folder_and_id(path: &str) -> Option<(&str, String)> {
    let (folder, name) = path.split_once('/')?;
    let id = name.strip_suffix(".toml")?;
    Some((folder, id.to_owned()))
}

/// Reads one file as `T`, reporting a failure with its line and what to do.
fn parse<T: DeserializeOwned>(problems: &mut Problems, path: &str, id: Option<&str>, source: &Text) -> Option<T> {
    let text = match source {
        Text::Toml(text) => text,
        Text::Json(json) => {
            return serde_json::from_str(json)
                .map_err(|e| problems.add(path, id, format!("{e}: fix this file and rebuild mend")))
                .ok();
        }
    };
    match toml::from_str(text) {
        Ok(value) => Some(value),
        Err(e) => {
            let message = e.message().trim_end();
            // Counting bytes rather than slicing the text, which could split a character.
            let location = e.span().map(|span| {
                let line = text.bytes().take(span.start).filter(|b| *b == b'\n').count() + 1;
                format!("line {line}: ")
            });
            let advice = parse_advice(message);
            problems.add(path, id, format!("{}{message}{advice}", location.unwrap_or_default()));
            None
        }
    }
}

/// What to do about a TOML error, when the parser's own message does not already say.
fn parse_advice(message: &str) -> &'static str {
    if message.starts_with("missing field") {
        ": add it"
    } else if message.contains("expected one of") {
        ""
    } else {
        ": fix the TOML on that line"
    }
}

fn check_stage(
    problems: &mut Problems,
    path: &str,
    stage: &Stage,
    parsed: &Parsed,
    exercise_ids: &mut BTreeMap<String, String>,
) {
    let id = Some(stage.id.as_str());
    if stage.exercises.len() < 2 {
        problems.add(path, id, "a stage needs at least two exercises: add another [[exercises]]");
    }
    for (field, empty) in [
        ("goals", stage.goals.is_empty()),
        ("key_ideas", stage.key_ideas.is_empty()),
        ("progress_markers", stage.progress_markers.is_empty()),
        ("watch_fors", stage.watch_fors.is_empty()),
        ("sources", stage.sources.is_empty()),
    ] {
        if empty {
            problems.add(path, id, format!("`{field}` is empty: add at least one"));
        }
    }
    for sheet in &stage.homework {
        if !parsed.sheets.contains_key(sheet) && !parsed.is_unreadable("homework", sheet) {
            problems.add(
                path,
                id,
                format!(
                    "homework names sheet {sheet:?} but there is no homework/{sheet}.toml: fix the id or add the sheet"
                ),
            );
        }
    }
    let mut markers = BTreeSet::new();
    for marker in &stage.progress_markers {
        check_item_id(&mut problems.0, path, &marker.id);
        if !markers.insert(&marker.id) {
            problems.add(path, Some(&marker.id), "progress marker id used twice in this stage: rename one");
        }
        check_marker_served(problems, path, stage, marker);
    }
    for exercise in &stage.exercises {
        let eid = Some(exercise.id.as_str());
        check_item_id(&mut problems.0, path, &exercise.id);
        if let Some(other) = exercise_ids.insert(exercise.id.clone(), path.to_owned()) {
            problems.add(path, eid, format!("exercise id also used in {other}: exercise ids must be unique"));
        }
        if exercise.minutes == 0 {
            problems.add(path, eid, "minutes must be a positive number: give how long it takes in the room");
        }
        if exercise.steps.is_empty() || exercise.prompts.is_empty() {
            problems.add(path, eid, "an exercise needs `steps` and `prompts`: add at least one of each");
        }
    }
}

/// Whether a marker names the work that serves it, and only work of its own stage.
fn check_marker_served(problems: &mut Problems, path: &str, stage: &Stage, marker: &ProgressMarker) {
    let id = Some(marker.id.as_str());
    if marker.served_by.is_empty() {
        problems.add(
            path,
            id,
            "nothing serves this progress marker: name in `served_by` the exercises or homework sheets that work towards it",
        );
    }
    for served in &marker.served_by {
        let known = stage.exercises.iter().any(|e| &e.id == served) || stage.homework.contains(served);
        if !known {
            problems.add(
                path,
                id,
                format!(
                    "`served_by` names {served:?}, which is neither an exercise of this stage nor a sheet of its \
                     homework: fix the id or add it to the stage"
                ),
            );
        }
    }
}

/// Whether every block has something a printer can draw.
fn check_sheet(problems: &mut Problems, path: &str, sheet: &Sheet) {
    let id = Some(sheet.id.as_str());
    if sheet.blocks.is_empty() {
        problems.add(path, id, "a sheet needs at least one block: add [[blocks]]");
    }
    if sheet.instructions.is_empty() {
        problems.add(path, id, "`instructions` is empty: say how to do the homework");
    }
    if sheet.is_filled_in_alone() && !sheet.instructions.iter().any(|i| i == PRIVATE_SHEET_LINE) {
        problems.add(
            path,
            id,
            format!("a sheet filled in alone must say it is private: add the instruction {PRIVATE_SHEET_LINE:?}"),
        );
    }
    for (n, block) in sheet.blocks.iter().enumerate() {
        if let Some((kind, fix)) = block_problem(block) {
            problems.add(path, id, format!("block {} ({kind}) cannot print: {fix}", n + 1));
        }
    }
}

/// For a block a printer cannot draw: its kind and what to change.
fn block_problem(block: &Block) -> Option<(&'static str, &'static str)> {
    let blank = |text: &str| text.trim().is_empty();
    let bad_items = |items: &[String]| items.is_empty() || items.iter().any(|i| blank(i));
    match block {
        Block::Heading { text } if blank(text) => Some(("heading", "give it some `text`")),
        Block::Paragraph { text } if blank(text) => Some(("paragraph", "give it some `text`")),
        Block::Steps { items } if bad_items(items) => Some(("steps", "give it `items`, none of them empty")),
        Block::Checklist { items } if bad_items(items) => Some(("checklist", "give it `items`, none of them empty")),
        Block::Lines { count, .. } if !(1..=40).contains(count) => Some(("lines", "give it a `count` from 1 to 40")),
        Block::Table { columns, rows } if columns.is_empty() || columns.len() > 6 || !(1..=30).contains(rows) => {
            Some(("table", "give it 1 to 6 columns and 1 to 30 rows"))
        }
        Block::Scale { label, low, high } if blank(label) || blank(low) || blank(high) => {
            Some(("scale", "give it a `label` and words for both ends (`low`, `high`)"))
        }
        Block::Signature { signers } if signers.is_empty() || signers.len() > 2 => {
            Some(("signature", "give it one or two `signers`"))
        }
        _ => None,
    }
}

fn check_questionnaire(problems: &mut Problems, path: &str, q: &Questionnaire, parsed: &Parsed) {
    for (id, message) in q.upgrade_problems() {
        problems.add(path, id.as_deref(), message);
    }
    let questions: BTreeSet<&str> = q.questions().map(|question| question.id.as_str()).collect();
    let mut seen: BTreeMap<&str, QuestionKind> = BTreeMap::new();
    // The error summary lists every message at the top of the page: two alike would not say
    // which question each is about.
    let mut messages: BTreeMap<&str, &str> = BTreeMap::new();
    let mut sections = BTreeSet::new();
    for section in &q.sections {
        check_item_id(&mut problems.0, path, &section.id);
        if !sections.insert(&section.id) {
            problems.add(path, Some(&section.id), "section id used twice: rename one");
        }
        for question in &section.questions {
            let id = Some(question.id.as_str());
            check_item_id(&mut problems.0, path, &question.id);
            if let Some(condition) = &question.show_if {
                let names = Names { earlier: &seen, questions: &questions, scores: &[] };
                check_condition(problems, path, &question.id, condition, &names, "show_if");
            }
            if seen.insert(&question.id, question.kind).is_some() {
                problems.add(path, id, "question id used twice: rename one");
            }
            let message = question.error.trim();
            if !message.is_empty()
                && let Some(first) = messages.insert(message, &question.id)
            {
                problems.add(
                    path,
                    id,
                    format!("has the same `error` as {first:?}: name what this question asks, so the error summary can tell them apart"),
                );
            }
            match question.kind {
                QuestionKind::Single | QuestionKind::Multiple => {
                    let values: BTreeSet<_> = question.options.iter().map(|o| &o.value).collect();
                    if question.options.len() < 2 || values.len() != question.options.len() {
                        problems.add(path, id, "a choice needs at least two options with different values");
                    }
                }
                QuestionKind::Scale => match (question.min, question.max) {
                    (Some(min), Some(max)) if min < max => {}
                    _ => problems.add(path, id, "a scale needs `min` and `max`, with min below max"),
                },
                QuestionKind::Consent if question.text.trim().is_empty() => {
                    problems.add(path, id, "a consent question needs the `text` being acknowledged");
                }
                _ => {}
            }
            if question.past && question.kind != QuestionKind::Date {
                problems.add(path, id, "`past` is for a date question only: remove it");
            }
        }
    }
    let score_ids: Vec<&str> = q.scores.iter().map(|s| s.id.as_str()).collect();
    let names = Names { earlier: &seen, questions: &questions, scores: &score_ids };
    for score in &q.scores {
        for item in &score.questions {
            if !q.question(item).is_some_and(Question::is_numeric) {
                problems.add(
                    path,
                    Some(&score.id),
                    format!(
                        "sums {item:?}, which is not a scale question or a single choice whose values are whole numbers: fix the id"
                    ),
                );
            }
        }
    }
    for flag in &q.flags {
        check_item_id(&mut problems.0, path, &flag.id);
        check_condition(problems, path, &flag.id, &flag.when, &names, "when");
        if flag.action.trim().is_empty() {
            problems.add(path, Some(&flag.id), "a flag needs an `action`: say what the therapist should do");
        }
        if flag.severity == Severity::Stop {
            check_stop_action(problems, path, &flag.id, &flag.action);
        }
    }
    let mut flag_ids = BTreeSet::new();
    for flag in &q.flags {
        if !flag_ids.insert(&flag.id) {
            problems.add(path, Some(&flag.id), "flag id used twice: rename one");
        }
    }
    for rule in &q.start_rules {
        if !parsed.stages.contains_key(&rule.stage) && !parsed.is_unreadable("stages", &rule.stage) {
            problems.add(
                path,
                Some(&rule.stage),
                "a start rule names an unknown stage: use a stage id from program.toml",
            );
        }
        check_condition(problems, path, &rule.stage, &rule.when, &names, "when");
    }
}

/// A stop flag's action says plainly that joint work pauses, in the one sentence every stop flag
/// uses, and never with "hold", which in US usage means to conduct a session, its opposite.
fn check_stop_action(problems: &mut Problems, path: &str, id: &str, action: &str) {
    if !action.contains(PAUSE_JOINT_WORK) {
        problems.add(
            path,
            Some(id),
            format!("a stop flag's `action` must say that joint work pauses: add the sentence {PAUSE_JOINT_WORK:?}"),
        );
    }
    let holds = action
        .split(|c: char| !c.is_alphabetic())
        .map(str::to_lowercase)
        .find(|word| matches!(word.as_str(), "hold" | "holds" | "held"));
    if let Some(word) = holds {
        problems.add(
            path,
            Some(id),
            format!(
                "a stop flag's `action` says {word:?}, which can read as its opposite (to hold a session is to have \
                 it): say \"pause\" instead"
            ),
        );
    }
}

/// What a condition may name.
struct Names<'a> {
    /// The questions before the condition's owner (every question, for flags and start rules).
    earlier: &'a BTreeMap<&'a str, QuestionKind>,
    /// Every question in the questionnaire, to tell a misspelt id from one that comes too late.
    questions: &'a BTreeSet<&'a str>,
    /// The score ids a condition may test (none for `show_if`, which is evaluated as the form
    /// is filled in, before any score exists).
    scores: &'a [&'a str],
}

/// Checks a condition's shape and that it names known, earlier questions or scores.
fn check_condition(problems: &mut Problems, path: &str, owner: &str, c: &Condition, names: &Names<'_>, field: &str) {
    let subjects = [c.question.is_some(), c.score.is_some(), !c.any.is_empty(), !c.all.is_empty()];
    if subjects.iter().filter(|s| **s).count() != 1 {
        problems.add(path, Some(owner), format!("`{field}` must name exactly one of question, score, any or all"));
        return;
    }
    for inner in c.any.iter().chain(&c.all) {
        check_condition(problems, path, owner, inner, names, field);
    }
    let tests = [c.equals.is_some(), !c.any_of.is_empty(), c.at_least.is_some() || c.at_most.is_some()];
    if let Some(question) = &c.question {
        if !names.earlier.contains_key(question.as_str()) {
            let problem = if names.questions.contains(question.as_str()) {
                format!("names question {question:?}, which comes after it")
            } else {
                format!("names unknown question {question:?}")
            };
            problems.add(path, Some(owner), format!("`{field}` {problem}: name an earlier question"));
        }
        if tests.iter().filter(|t| **t).count() != 1 {
            problems.add(
                path,
                Some(owner),
                format!("`{field}` must use exactly one of equals, any_of, at_least/at_most"),
            );
        }
    }
    if let Some(score) = &c.score {
        if names.scores.is_empty() {
            problems.add(path, Some(owner), format!("`{field}` cannot test score {score:?}: test a question instead"));
        } else if !names.scores.contains(&score.as_str()) {
            problems.add(
                path,
                Some(owner),
                format!(
                    "`{field}` names unknown score {score:?}: use one of the [[scores]] ids ({})",
                    names.scores.join(", ")
                ),
            );
        }
        if c.at_least.is_none() && c.at_most.is_none() {
            problems.add(path, Some(owner), format!("`{field}` on a score needs at_least or at_most"));
        }
    }
}
