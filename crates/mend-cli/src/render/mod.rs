//! Plans in words for the therapist: terminal text or Markdown, each next step spelled as a `mend` command.
//!
//! mend-core's plan states facts and carries its next steps as values; this is the one place that
//! turns them into the command lines a therapist types, so the library never names a flag.

mod checkins;
mod markdown;
mod page;
mod progress;
mod steps;
mod term;
#[cfg(test)]
mod tests;
mod text;

pub(crate) use markdown::render_markdown;
pub(crate) use page::render_page;
pub(crate) use progress::render_progress;
pub(crate) use text::render_text;

/// Minutes from the start as `h:mm`.
fn clock(minutes: u32) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}
