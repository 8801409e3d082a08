//! What every test arranges: a fresh database file, a fixed clock, invented couples and answers.

use std::path::{Path, PathBuf};

use mend_core::{
    Answer, Answers, BreachKind, BrokeTrust, CheckedAnswers, NewCouple, PartnerName, Questionnaire, RawAnswers,
};
use mend_store::Store;
use tempfile::TempDir;
use time::{Duration, OffsetDateTime, macros::datetime};

/// A temporary folder and a database path inside a folder that does not exist yet.
pub(crate) fn fresh() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice").join("mend.db");
    (dir, path)
}

/// A store on a fresh file.
pub(crate) fn fresh_store() -> (TempDir, Store) {
    let (dir, path) = fresh();
    let store = Store::open(&path).unwrap();
    (dir, store)
}

/// The tests' "now": a fixed morning, plus some minutes.
pub(crate) fn at(minutes: i64) -> OffsetDateTime {
    datetime!(2025-03-01 09:00 UTC) + Duration::minutes(minutes)
}

/// A day after [`at`]`(0)`, in minutes.
pub(crate) const DAY: i64 = 24 * 60;

pub(crate) fn name(raw: &str) -> PartnerName {
    PartnerName::parse(raw).unwrap()
}

/// A couple where the first partner broke trust through an affair.
pub(crate) fn couple(first: &str, second: &str) -> NewCouple {
    couple_with(first, second, &BrokeTrust::Named(first.into()), BreachKind::Affair)
}

/// A couple with the given breach and the partner(s) who broke trust.
pub(crate) fn couple_with(first: &str, second: &str, broke_trust: &BrokeTrust, breach: BreachKind) -> NewCouple {
    NewCouple::new([name(first), name(second)], broke_trust, breach, None).unwrap()
}

/// A small set of valid answers with one free-text answer that tests can look for.
pub(crate) fn answers(text: &str) -> Answers {
    Answers::from([
        ("safe_at_home".to_owned(), Answer::Text("yes".into())),
        ("hope".to_owned(), Answer::Number(7)),
        ("wants".to_owned(), Answer::Choices(vec!["honesty".into(), "time".into()])),
        ("in_own_words".to_owned(), Answer::Text(text.into())),
    ])
}

/// A session held on 2025-03-04 at the safety stage, with `notes` and nothing else recorded.
pub(crate) fn session_with_notes(notes: &str) -> mend_store::NewSession {
    mend_store::NewSession {
        held_on: time::macros::date!(2025 - 03 - 04),
        stage: "safety".into(),
        plan_json: None,
        homework: vec![],
        met: vec![],
        done: Vec::new(),
        with: None,
        new_disclosure: false,
        notes: notes.into(),
        number: None,
    }
}

/// The questions [`answers`] answers, for checking them as the intake server does.
const QUESTIONNAIRE: &str = r#"
version = 1
title = "A small intake"
intro = []

[[sections]]
id = "all"
title = "All of it"
questions = [
    { id = "safe_at_home", kind = "yes_no", label = "Do you feel safe at home?" },
    { id = "hope", kind = "scale", label = "How hopeful are you?", min = 0, max = 10 },
    { id = "wants", kind = "multiple", label = "What do you want?", options = [{ value = "honesty", label = "Honesty" }, { value = "time", label = "Time" }] },
    { id = "in_own_words", kind = "long_text", label = "In your own words" },
]
"#;

/// The small questionnaire of these tests as `intake` at `version`, for making links.
pub(crate) fn form(version: u32) -> Questionnaire {
    let mut questionnaire: Questionnaire = toml::from_str(QUESTIONNAIRE).unwrap();
    questionnaire.id = "intake".to_owned();
    questionnaire.version = version;
    questionnaire
}

/// [`answers`] as a form would send them, checked by the questionnaire: what the store accepts.
pub(crate) fn checked(text: &str) -> CheckedAnswers {
    checked_on(1, text)
}

/// [`checked`], by the questionnaire at `version`.
pub(crate) fn checked_on(version: u32, text: &str) -> CheckedAnswers {
    checked_by(&form(version), text)
}

/// The small questionnaire as the check-in, `checkin` version 1.
pub(crate) fn checkin_form() -> Questionnaire {
    let mut questionnaire = form(1);
    questionnaire.id = "checkin".to_owned();
    questionnaire
}

/// [`checked`], by `questionnaire`.
pub(crate) fn checked_by(questionnaire: &Questionnaire, text: &str) -> CheckedAnswers {
    let raw = RawAnswers::from([
        ("safe_at_home".to_owned(), vec!["yes".to_owned()]),
        ("hope".to_owned(), vec!["7".to_owned()]),
        ("wants".to_owned(), vec!["honesty".to_owned(), "time".to_owned()]),
        ("in_own_words".to_owned(), vec![text.to_owned()]),
    ]);
    let checked = questionnaire.check(&raw, time::macros::date!(2026 - 01 - 01)).unwrap();
    assert_eq!(checked.answers(), &answers(text), "the two helpers agree");
    checked
}

/// The record as it is kept: the database file and its write-ahead log, not the shared-memory
/// index beside them, which every reader may rebuild and which holds no part of the record.
pub(crate) fn record_bytes(db: &Path) -> (Vec<u8>, Option<Vec<u8>>) {
    let log = std::fs::read(format!("{}-wal", db.display())).ok().filter(|log| !log.is_empty());
    (std::fs::read(db).unwrap(), log)
}

/// The bytes of the database file and of its `-wal` and `-shm` companions, where they exist.
pub(crate) fn all_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut file = db.as_os_str().to_owned();
        file.push(suffix);
        if let Ok(content) = std::fs::read(&file) {
            bytes.extend(content);
        }
    }
    bytes
}

/// Whether `needle` occurs anywhere in `haystack`.
pub(crate) fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A raw connection, for looking at what the store wrote.
pub(crate) fn raw(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

/// How many rows a table holds.
pub(crate) fn count(db: &Path, table: &str) -> i64 {
    raw(db).query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0)).unwrap()
}
