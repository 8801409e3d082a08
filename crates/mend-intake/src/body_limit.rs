//! How large a sent form may be, worked out from the questionnaire: every answer at its length
//! limit fits in any script, with room for answers that run over it and come back with an error.

use mend_core::Questionnaire;
use mend_core::questionnaire::{LONG_TEXT_MAX, Question, QuestionKind, SHORT_TEXT_MAX};

/// The most bytes one character takes once a browser has sent it: up to four bytes of UTF-8,
/// each written as `%XX`.
const ENCODED_BYTES_PER_CHAR: usize = 12;

/// How far past its limit a text answer may run and still reach the checks, which send the form
/// back with every answer and a message to shorten that one, rather than a page without them.
const OVERRUN: usize = 2;

/// Room for the two control fields (`_csrf`, `_action`) and the separators between fields.
const CONTROLS: usize = 1024;

/// The smallest limit, whatever the questionnaire: a short form still gets room to be sent.
const FLOOR: usize = 64 * 1024;

/// The largest body the server reads for a form of `questionnaire`.
pub fn body_limit(questionnaire: &Questionnaire) -> usize {
    let fields: usize = questionnaire.questions().map(field_bytes).sum();
    (CONTROLS + fields).next_multiple_of(1024).max(FLOOR)
}

/// The most one question's fields can take in a body, names and separators included.
fn field_bytes(question: &Question) -> usize {
    let pair = |value_bytes: usize| question.id.len() * 3 + 2 + value_bytes;
    let longest_option = question.options.iter().map(|o| o.value.len()).max().unwrap_or(0);
    match question.kind {
        QuestionKind::ShortText => pair(SHORT_TEXT_MAX * OVERRUN * ENCODED_BYTES_PER_CHAR),
        QuestionKind::LongText => pair(LONG_TEXT_MAX * OVERRUN * ENCODED_BYTES_PER_CHAR),
        // Every option ticked: the name is repeated once per option.
        QuestionKind::Multiple => question.options.iter().map(|o| pair(o.value.len() * 3)).sum(),
        // One value: an option, a number, a date or "yes"; 64 bytes covers the last three.
        QuestionKind::Single
        | QuestionKind::YesNo
        | QuestionKind::Scale
        | QuestionKind::Date
        | QuestionKind::Consent => pair((longest_option * 3).max(64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_form_fits_every_text_answer_at_twice_its_limit_in_four_byte_characters() {
        let program = mend_core::Program::embedded().unwrap();
        let questionnaire = &program.questionnaire;
        let text_bytes: usize = questionnaire
            .questions()
            .map(|q| match q.kind {
                QuestionKind::ShortText => SHORT_TEXT_MAX * 2 * 12,
                QuestionKind::LongText => LONG_TEXT_MAX * 2 * 12,
                _ => 0,
            })
            .sum();
        assert!(text_bytes > FLOOR, "the real form needs more than the floor");
        assert!(body_limit(questionnaire) > text_bytes);
        assert!(body_limit(questionnaire) < 1024 * 1024, "still a bound a server can hold per request");
    }
}
