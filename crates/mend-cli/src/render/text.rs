//! The detailed text plan: every step and prompt, within 80 columns, with ANSI colour for headings and flags when asked.

use std::fmt::Write as _;

use mend_core::Severity;
use mend_core::plan::{AgendaItem, Plan, SessionKind, grouped_flags, grouped_watch_fors, join_names};

use super::term::{Palette, Style, wrap};
use super::{clock, steps};

/// The column where an agenda item's text starts.
const ITEM_INDENT: &str = "               ";

/// Renders the detailed plan (every step and prompt) for a terminal, within 80 columns; ANSI colour
/// only when `color` is set.
pub(crate) fn render_text(plan: &Plan, color: bool) -> String {
    let palette = Palette::new(color);
    let mut out = String::new();
    let names: Vec<String> = plan.partners.iter().map(|p| p.name.clone()).collect();
    let heading = format!("Session {} plan: {}", plan.session_number, join_names(&names));
    out.push_str(&palette.paint(Style::Bold, &wrap(&heading, "", "")));
    let kind = match (plan.session_kind, &plan.with) {
        (SessionKind::Joint, _) => "joint session".to_owned(),
        (SessionKind::Individual, Some(with)) => format!("individual session with {with}"),
        (SessionKind::Individual, None) => "individual sessions".to_owned(),
    };
    out.push_str(&wrap(&format!("Couple {} · {} · {} minutes · {kind}", plan.couple, plan.date, plan.minutes), "", ""));

    if let Some(notice) = steps::notice(plan) {
        out.push('\n');
        let style = if steps::notice_is_stop(plan) { Style::RedBold } else { Style::Bold };
        out.push_str(&palette.paint(style, &wrap(&notice, "!! ", "   ")));
    }
    out.push('\n');
    out.push_str(&wrap(&format!("{} ({})", plan.stage.title, plan.stage.id), "Stage: ", "       "));
    out.push_str(&wrap(&steps::why(plan), "Why:   ", "       "));
    if let Some(rule) = &plan.shortening_rule {
        out.push('\n');
        out.push_str(&wrap(rule, "Short session: ", "  "));
    }

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "AGENDA\n"));
    for item in &plan.agenda {
        render_item(&mut out, plan, item, palette);
    }
    let _ = writeln!(out, "{:>5}  end", clock(plan.minutes));

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "PARTNERS\n"));
    for partner in &plan.partners {
        out.push_str(
            &palette.paint(Style::Bold, &wrap(&format!("{} ({})", partner.name, partner.roles.describe()), "", "")),
        );
        for (about, text) in steps::notes(plan, partner) {
            out.push_str(&wrap(&text, &format!("  - [{}] ", about.label()), "    "));
        }
    }

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "WATCH FOR\n"));
    out.push_str(&watch_for_entries(plan, palette, str::to_owned));

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "FLAGS FROM INTAKE\n"));
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
    out.push_str(&palette.paint(Style::Bold, "HOMEWORK TO GIVE\n"));
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

fn render_item(out: &mut String, plan: &Plan, item: &AgendaItem, palette: Palette) {
    let mut title = item.title.clone();
    if let Some(role) = item.role {
        let _ = write!(title, " · {}", role.describe());
    }
    let head = format!("{:>5}  {:>2} min  ", clock(item.starts_at), item.minutes);
    out.push_str(&palette.paint(Style::Bold, &wrap(&title, &head, ITEM_INDENT)));
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

/// The plan's watch-fors, one entry each (a watch-for both partners raised once), each worded by
/// `words` and coloured by its severity: the detailed plan and the one-page plan differ only in
/// how much of each they print.
pub(super) fn watch_for_entries(plan: &Plan, palette: Palette, words: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    for group in grouped_watch_fors(&plan.watch_fors) {
        let watch = group.watch;
        let text = match watch.severity {
            Some(severity) => format!("[{severity}] {}: {}", group.partners, words(&watch.text)),
            None => words(&watch.text),
        };
        let line = wrap(&text, "  - ", "    ");
        out.push_str(&match watch.severity {
            Some(Severity::Stop) => palette.paint(Style::Red, &line),
            Some(Severity::Caution) => palette.paint(Style::Yellow, &line),
            _ => line,
        });
    }
    out
}
