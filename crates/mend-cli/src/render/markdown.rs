//! Plans as Markdown, for notes or printing: headings, an agenda table, and escaped text.

use std::fmt::Write as _;

use mend_core::plan::{AgendaItem, Plan, SessionKind, grouped_flags, grouped_watch_fors, join_names};

use super::{clock, steps};

/// Renders a plan as Markdown, for notes or printing.
pub(crate) fn render_markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let names: Vec<String> = plan.partners.iter().map(|p| md(&p.name)).collect();
    let _ = writeln!(out, "# Session {} plan: {}\n", plan.session_number, join_names(&names));
    let kind = match plan.session_kind {
        SessionKind::Joint => "joint session",
        SessionKind::Individual => "individual sessions",
    };
    let _ = writeln!(out, "- **Couple:** `{}`", plan.couple);
    let _ = writeln!(out, "- **Date:** {}", plan.date);
    let _ = writeln!(out, "- **Length:** {} minutes, {kind}", plan.minutes);
    let _ = writeln!(out, "- **Stage:** {} (`{}`)\n", md(&plan.stage.title), plan.stage.id);
    if let Some(notice) = steps::notice(plan) {
        let label = if steps::notice_is_stop(plan) { "Stop" } else { "Alone" };
        let _ = writeln!(out, "> **{label}:** {}\n", md(&notice));
    }
    let _ = writeln!(out, "**Why this stage:** {}\n", md(&steps::why(plan)));
    if let Some(rule) = &plan.shortening_rule {
        let _ = writeln!(out, "**Short session:** {}\n", md(rule));
    }

    out.push_str("## Agenda\n\n| Starts | Minutes | Item |\n| --- | ---: | --- |\n");
    for item in &plan.agenda {
        let _ = writeln!(out, "| {} | {} | {} |", clock(item.starts_at), item.minutes, md(&item.title));
    }
    let _ = writeln!(out, "| {} | | End |\n", clock(plan.minutes));
    for item in &plan.agenda {
        render_item(&mut out, plan, item);
    }

    out.push_str("## Partners\n\n");
    for partner in &plan.partners {
        let _ = writeln!(out, "### {} ({})\n", md(&partner.name), partner.roles.describe());
        for (about, text) in steps::notes(plan, partner) {
            let _ = writeln!(out, "- *{}:* {}", about.label(), md(&text));
        }
        out.push('\n');
    }

    out.push_str("## Watch for\n\n");
    for group in grouped_watch_fors(&plan.watch_fors) {
        match group.watch.severity {
            Some(severity) => {
                let _ = writeln!(out, "- **{severity}** ({}): {}", md(&group.partners), md(&group.watch.text));
            }
            None => {
                let _ = writeln!(out, "- {}", md(&group.watch.text));
            }
        }
    }
    out.push('\n');

    let checkins = super::checkins::checkin_lines(plan);
    if !checkins.is_empty() {
        out.push_str("## Latest check-ins\n\n");
        for (line, open_answer) in checkins {
            let _ = writeln!(out, "- {}", md(&line));
            if let Some(answer) = open_answer {
                let _ = writeln!(out, "  - Before the session: “{}”", md(&answer));
            }
        }
        out.push('\n');
    }

    out.push_str("## Flags from intake\n\n");
    if plan.flags.is_empty() {
        out.push_str("None raised.\n\n");
    } else {
        out.push_str(
            "| Flag | Severity | Raised by | Status | What it means | To do |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for group in grouped_flags(&plan.flags) {
            let flag = group.flag;
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} |",
                flag.id,
                flag.severity,
                md(&group.raised_by),
                md(&group.status),
                md(&flag.message),
                md(&flag.action)
            );
        }
        out.push('\n');
    }

    out.push_str("## Homework to give\n\n");
    if plan.homework.is_empty() {
        out.push_str("None.\n");
    } else {
        for id in &plan.homework {
            let _ = writeln!(out, "- `{id}`");
        }
        if let Some(command) = steps::packet_command(plan) {
            let _ = writeln!(out, "\nPrint them with `{command}`.");
        }
    }
    out
}

fn render_item(out: &mut String, plan: &Plan, item: &AgendaItem) {
    let role = item.role.map_or(String::new(), |r| format!(", {}", r.describe()));
    let _ = writeln!(out, "### {} {} ({} min{role})\n", clock(item.starts_at), md(&item.title), item.minutes);
    for what in steps::what(plan, item) {
        let _ = writeln!(out, "- {}", md(&what));
    }
    if !item.steps.is_empty() {
        out.push_str("\n**Steps**\n\n");
        for (n, step) in item.steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", n + 1, md(step));
        }
    }
    if !item.prompts.is_empty() {
        out.push_str("\n**Prompts**\n\n");
        for prompt in &item.prompts {
            let _ = writeln!(out, "- {}", md(prompt));
        }
    }
    out.push('\n');
}

/// Escapes what Markdown would read as markup or HTML, and `|` which would break a table; text in
/// backticks (commands) is kept as it is.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            continue;
        }
        if c == '\n' {
            out.push(' ');
            continue;
        }
        if !in_code && matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escape_leaves_commands_alone() {
        assert_eq!(md("a|b *c* `mend x --y_z`"), r"a\|b \*c\* `mend x --y_z`");
    }
}
