//! The detailed text plan: every step and prompt, within 80 columns, with ANSI colour for headings and flags when asked.

use std::fmt::Write as _;

use mend_core::Severity;
use mend_core::plan::{AgendaItem, Plan, SessionKind, grouped_flags, grouped_watch_fors, join_names};

use super::{clock, steps};

/// The widest a line of the text plan may be.
const WIDTH: usize = 80;

pub(super) const BOLD: &str = "\x1b[1m";
pub(super) const RED_BOLD: &str = "\x1b[1;31m";
pub(super) const RED: &str = "\x1b[31m";
pub(super) const YELLOW: &str = "\x1b[33m";
pub(super) const RESET: &str = "\x1b[0m";

/// The column where an agenda item's text starts.
const ITEM_INDENT: &str = "               ";

/// Renders the detailed plan (every step and prompt) for a terminal, within 80 columns; ANSI colour
/// only when `color` is set.
pub(crate) fn render_text(plan: &Plan, color: bool) -> String {
    let paint = |style: &str, text: &str| if color { format!("{style}{text}{RESET}") } else { text.to_owned() };
    let mut out = String::new();
    let names: Vec<String> = plan.partners.iter().map(|p| p.name.clone()).collect();
    let heading = format!("Session {} plan: {}", plan.session_number, join_names(&names));
    out.push_str(&paint(BOLD, &wrap(&heading, "", "")));
    let kind = match (plan.session_kind, &plan.with) {
        (SessionKind::Joint, _) => "joint session".to_owned(),
        (SessionKind::Individual, Some(with)) => format!("individual session with {with}"),
        (SessionKind::Individual, None) => "individual sessions".to_owned(),
    };
    out.push_str(&wrap(&format!("Couple {} · {} · {} minutes · {kind}", plan.couple, plan.date, plan.minutes), "", ""));

    if let Some(notice) = steps::notice(plan) {
        out.push('\n');
        let style = if steps::notice_is_stop(plan) { RED_BOLD } else { BOLD };
        out.push_str(&paint(style, &wrap(&notice, "!! ", "   ")));
    }
    out.push('\n');
    out.push_str(&wrap(&format!("{} ({})", plan.stage.title, plan.stage.id), "Stage: ", "       "));
    out.push_str(&wrap(&steps::why(plan), "Why:   ", "       "));
    if let Some(rule) = &plan.shortening_rule {
        out.push('\n');
        out.push_str(&wrap(rule, "Short session: ", "  "));
    }

    out.push('\n');
    out.push_str(&paint(BOLD, "AGENDA\n"));
    for item in &plan.agenda {
        render_item(&mut out, plan, item, color);
    }
    let _ = writeln!(out, "{:>5}  end", clock(plan.minutes));

    out.push('\n');
    out.push_str(&paint(BOLD, "PARTNERS\n"));
    for partner in &plan.partners {
        out.push_str(&paint(BOLD, &wrap(&format!("{} ({})", partner.name, partner.roles.describe()), "", "")));
        for (about, text) in steps::notes(plan, partner) {
            out.push_str(&wrap(&text, &format!("  - [{}] ", about.label()), "    "));
        }
    }

    out.push('\n');
    out.push_str(&paint(BOLD, "WATCH FOR\n"));
    out.push_str(&watch_for_entries(plan, color, str::to_owned));

    out.push('\n');
    out.push_str(&paint(BOLD, "FLAGS FROM INTAKE\n"));
    if plan.flags.is_empty() {
        out.push_str("  None raised.\n");
    }
    for group in grouped_flags(&plan.flags) {
        let flag = group.flag;
        out.push_str(&wrap(
            &format!("{} · {} · {} · {}", flag.id, flag.severity, group.raised_by, group.status),
            "  ",
            "  ",
        ));
        out.push_str(&wrap(&flag.message, "    ", "    "));
        out.push_str(&wrap(&flag.action, "    To do: ", "           "));
    }

    out.push('\n');
    out.push_str(&paint(BOLD, "HOMEWORK TO GIVE\n"));
    if plan.homework.is_empty() {
        out.push_str("  None.\n");
    } else {
        out.push_str(&wrap(&plan.homework.join(", "), "  ", "  "));
        if let Some(command) = steps::packet_command(plan) {
            out.push_str(&wrap(&format!("Print: {command}"), "  ", "    "));
        }
    }
    out
}

fn render_item(out: &mut String, plan: &Plan, item: &AgendaItem, color: bool) {
    let mut title = item.title.clone();
    if let Some(role) = item.role {
        let _ = write!(title, " · {}", role.describe());
    }
    let head = format!("{:>5}  {:>2} min  ", clock(item.starts_at), item.minutes);
    let line = wrap(&title, &head, ITEM_INDENT);
    out.push_str(&if color { format!("{BOLD}{line}{RESET}") } else { line });
    for what in steps::what(plan, item) {
        out.push_str(&wrap(&what, &format!("{ITEM_INDENT}- "), &format!("{ITEM_INDENT}  ")));
    }
    if !item.steps.is_empty() {
        let _ = writeln!(out, "{ITEM_INDENT}Steps:");
        for (n, step) in item.steps.iter().enumerate() {
            let number = format!("{ITEM_INDENT}  {}. ", n + 1);
            let rest = " ".repeat(number.chars().count());
            out.push_str(&wrap(step, &number, &rest));
        }
    }
    if !item.prompts.is_empty() {
        let _ = writeln!(out, "{ITEM_INDENT}Prompts:");
        for prompt in &item.prompts {
            out.push_str(&wrap(prompt, &format!("{ITEM_INDENT}  - "), &format!("{ITEM_INDENT}    ")));
        }
    }
}

/// Wraps `text` into lines of at most 80 characters, the first starting with `first` and the rest
/// with `rest`. A command in backticks stays on one line when it fits on a line of its own, so it
/// can be copied whole; words longer than a line are split. Every line ends with a newline.
pub(super) fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut line_len = first.chars().count();
    let mut empty = true;
    let rest_len = rest.chars().count();
    for unit in wrap_units(text, WIDTH.saturating_sub(rest_len)) {
        let mut word = unit;
        loop {
            let word_len = word.chars().count();
            let needed = if empty { word_len } else { word_len + 1 };
            if line_len + needed <= WIDTH {
                if !empty {
                    line.push(' ');
                }
                line.push_str(&word);
                line_len += needed;
                empty = false;
                break;
            }
            if empty {
                // The word alone is too long for a line: put what fits here and carry the rest.
                let fits = WIDTH.saturating_sub(line_len).max(1);
                let head: String = word.chars().take(fits).collect();
                line.push_str(&head);
                word = word.chars().skip(fits).collect();
            }
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_owned();
            line_len = rest_len;
            empty = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || out.is_empty() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The words of `text`, with each backtick span joined into one unit when it is at most `max` long.
fn wrap_units(text: &str, max: usize) -> Vec<String> {
    let mut units = Vec::new();
    let mut span: Vec<&str> = Vec::new();
    for word in text.split_whitespace() {
        let opens_or_closes = word.matches('`').count() % 2 == 1;
        if span.is_empty() && !opens_or_closes {
            units.push(word.to_owned());
            continue;
        }
        span.push(word);
        if span.len() > 1 && opens_or_closes {
            let joined = span.join(" ");
            if joined.chars().count() <= max {
                units.push(joined);
            } else {
                units.extend(span.iter().map(|w| (*w).to_owned()));
            }
            span.clear();
        }
    }
    // An unclosed backtick: the words go out one by one.
    units.extend(span.iter().map(|w| (*w).to_owned()));
    units
}

/// The plan's watch-fors, one entry each (a watch-for both partners raised once), each worded by
/// `words` and coloured by its severity: the detailed plan and the one-page plan differ only in
/// how much of each they print.
pub(super) fn watch_for_entries(plan: &Plan, color: bool, words: impl Fn(&str) -> String) -> String {
    let paint = |style: &str, text: &str| if color { format!("{style}{text}{RESET}") } else { text.to_owned() };
    let mut out = String::new();
    for group in grouped_watch_fors(&plan.watch_fors) {
        let watch = group.watch;
        let text = match watch.severity {
            Some(severity) => format!("[{severity}] {}: {}", group.partners, words(&watch.text)),
            None => words(&watch.text),
        };
        let line = wrap(&text, "  - ", "    ");
        out.push_str(&match watch.severity {
            Some(Severity::Stop) => paint(RED, &line),
            Some(Severity::Caution) => paint(YELLOW, &line),
            _ => line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width_and_splits_long_words() {
        let text = format!("{} short {}", "word ".repeat(40), "x".repeat(200));
        let wrapped = wrap(&text, "  - ", "    ");
        for line in wrapped.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
        assert!(wrapped.starts_with("  - word"));
        assert_eq!(wrapped.matches('x').count(), 200);
    }

    #[test]
    fn wrap_keeps_a_command_in_backticks_on_one_line() {
        let text = "Mark them with `mend session record a7c2 --stage disclosure-and-accountability --met ID` soon.";
        let wrapped = wrap(text, "Why:   ", "       ");
        assert!(
            wrapped.contains("\n       `mend session record a7c2 --stage disclosure-and-accountability --met ID`"),
            "{wrapped}"
        );
        let unclosed = wrap("a `b c", "", "");
        assert_eq!(unclosed, "a `b c\n");
    }
}
