//! mend-core's tests, as one test binary whose modules are the areas: content checking, the
//! coverage table, planning and the questionnaire.

mod content_errors;
mod course;
mod coverage;
mod plan;
mod questionnaire;
