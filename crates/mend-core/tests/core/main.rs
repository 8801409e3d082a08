//! mend-core's tests, as one test binary whose modules are the areas: content checking, the
//! coverage table, planning, the questionnaire, the check-in and who gets a homework sheet.

mod checkin;
mod content_errors;
mod course;
mod coverage;
mod due;
mod plan;
mod questionnaire;
mod sheets;
