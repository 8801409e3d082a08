//! A posted intake body, read by the server's strict parser and checked by the questionnaire.
//!
//! Beyond "never panics": what the questionnaire keeps is canonical. Stored answers sent again
//! are kept unchanged, and they survive the JSON the store writes them as.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use mend_core::{Answer, Answers, Program, RawAnswers};

static PROGRAM: LazyLock<Program> = LazyLock::new(|| Program::embedded().expect("the embedded program loads"));

/// A fixed "today", so that every run of an input behaves the same.
const TODAY: time::Date = time::macros::date!(2026 - 06 - 15);

fuzz_target!(|body: &[u8]| {
    let Some(raw) = mend_intake::fuzzing::parse_form_answers(body) else { return };
    let questionnaire = &PROGRAM.questionnaire;
    let evaluation = questionnaire.evaluate(&raw, TODAY);
    let _ = questionnaire.draft(&raw);

    let again = questionnaire.evaluate(&as_raw(&evaluation.answers), TODAY);
    assert_eq!(again.answers, evaluation.answers, "stored answers, sent again, changed");
    if evaluation.errors.is_empty() {
        assert!(again.errors.is_empty(), "stored answers, sent again, were refused: {:?}", again.errors);
    }

    let json = serde_json::to_string(&evaluation.answers).expect("answers serialize");
    let read: Answers = serde_json::from_str(&json).expect("stored answers read back");
    assert_eq!(read, evaluation.answers, "answers changed through JSON");
});

/// Answers as a browser would post them again.
fn as_raw(answers: &Answers) -> RawAnswers {
    answers
        .iter()
        .map(|(id, answer)| {
            let values = match answer {
                Answer::Number(n) => vec![n.to_string()],
                Answer::Text(text) => vec![text.clone()],
                Answer::Choices(values) => values.clone(),
            };
            (id.clone(), values)
        })
        .collect()
}
