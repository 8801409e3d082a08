//! The `mend` binary's tests, as one test binary whose modules are the areas: checking a content
//! folder, help and completions, the session sheet of a plan, and the record kept across commands.

mod content_check;
mod encryption;
mod help;
mod plan_pdf;
mod record;
mod support;
