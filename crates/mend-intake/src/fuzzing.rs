//! The form body parser, for the fuzz targets in `fuzz/` only: not part of the server's API,
//! and compiled only with the `fuzzing` feature.

/// The answers in a posted body as the server reads them; `None` where it would answer 400.
pub fn parse_form_answers(body: &[u8]) -> Option<mend_core::RawAnswers> {
    crate::parse::parse_form(body).ok().map(|form| form.answers)
}
