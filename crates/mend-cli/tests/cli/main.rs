//! The `mend` binary's tests, as one test binary whose modules are the areas: checking a content
//! folder, help and completions, and the record kept across commands.

mod content_check;
mod encryption;
mod help;
mod record;
mod support;
