//! The one-page text plan to walk in with: agenda with times, who does what, homework, watch-fors and flags.

use std::fmt::Write as _;

use mend_core::plan::{AgendaItem, AgendaKind, Plan, SessionKind, grouped_flags, join_names};

use super::term::{Palette, Style, wrap};
use super::text::watch_for_entries;
use super::{clock, steps};
use crate::output::list_or_none;

/// Renders the one-page plan for a terminal, within 80 columns; ANSI colour only when `color` is set.
pub(crate) fn render_page(plan: &Plan, color: bool) -> String {
    let palette = Palette::new(color);
    let mut out = String::new();
    let names: Vec<String> = plan.partners.iter().map(|p| p.name.clone()).collect();
    out.push_str(
        &palette.paint(
            Style::Bold,
            &wrap(&format!("Session {} plan: {}", plan.session_number, join_names(&names)), "", ""),
        ),
    );
    let kind = match (plan.session_kind, &plan.with) {
        (SessionKind::Joint, _) => "joint session".to_owned(),
        (SessionKind::Individual, Some(with)) => format!("individual session with {with}"),
        (SessionKind::Individual, None) => "individual sessions".to_owned(),
    };
    out.push_str(&wrap(&format!("Couple {} · {} · {} minutes · {kind}", plan.couple, plan.date, plan.minutes), "", ""));
    if let Some(notice) = steps::notice(plan) {
        let style = if steps::notice_is_stop(plan) { Style::RedBold } else { Style::Bold };
        out.push_str(&palette.paint(style, &wrap(&notice, "!! ", "   ")));
    }
    out.push_str(&wrap(&format!("{} ({})", plan.stage.title, plan.stage.id), "Stage: ", "       "));
    out.push_str(&wrap(&steps::short_why(plan), "Why:   ", "       "));
    let met: Vec<&str> = plan.stage.markers.iter().filter(|m| m.met).map(|m| m.id.as_str()).collect();
    let unmet: Vec<&str> = plan.stage.markers.iter().filter(|m| !m.met).map(|m| m.id.as_str()).collect();
    if !plan.stage.markers.is_empty() {
        let mut markers = format!("to meet {}", list_or_none(&unmet));
        if !met.is_empty() {
            let _ = write!(markers, "; met {}", list_or_none(&met));
        }
        out.push_str(&wrap(&markers, "Markers: ", "         "));
    }
    if !plan.left_for_next_time.is_empty() {
        out.push_str(&wrap(
            &format!("left for next time: {} (`--detail` shows the rule).", plan.left_for_next_time.join(", ")),
            "Short session: ",
            "  ",
        ));
    } else if plan.shortening_rule.is_some() {
        out.push_str(&wrap("items shortened to fit (`--detail` shows the rule).", "Short session: ", "  "));
    }

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "AGENDA\n"));
    for item in &plan.agenda {
        render_item(&mut out, item, palette);
    }
    let _ = writeln!(out, "{:>5}  end", clock(plan.minutes));

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "WHO DOES WHAT\n"));
    for partner in &plan.partners {
        let theirs: Vec<&str> = plan
            .agenda
            .iter()
            .filter(|i| i.kind == AgendaKind::Exercise)
            .filter(|i| match (&i.partner, i.role) {
                (Some(turn), _) => *turn == partner.name,
                (None, Some(role)) => partner.roles.includes(role),
                (None, None) => false,
            })
            .map(|i| i.title.as_str())
            .collect();
        let does = if theirs.is_empty() { "no exercise of their own today".to_owned() } else { theirs.join("; ") };
        out.push_str(&wrap(&does, &format!("  {} ({}): ", partner.name, partner.roles.describe()), "    "));
        if let Some(command) = steps::invite_command(plan, &partner.name) {
            out.push_str(&wrap(&format!("No intake answers yet: `{command}`."), "    - ", "      "));
        }
    }

    let checkins = super::checkins::checkin_lines(plan);
    if !checkins.is_empty() {
        out.push('\n');
        out.push_str(&palette.paint(Style::Bold, "LATEST CHECK-INS\n"));
        for (line, open_answer) in checkins {
            out.push_str(&wrap(&line, "  ", "    "));
            if let Some(answer) = open_answer {
                out.push_str(&wrap(&format!("“{answer}”"), "    Before the session: ", "      "));
            }
        }
    }

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "HOMEWORK\n"));
    if plan.homework.is_empty() {
        out.push_str("  None.\n");
    } else {
        out.push_str(&wrap(&plan.homework.join(", "), "  ", "  "));
        if let Some(command) = steps::packet_command(plan) {
            out.push_str(&wrap(&format!("Print: {command}"), "  ", "    "));
        }
    }

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "WATCH FOR\n"));
    out.push_str(&watch_for_entries(plan, palette, cue));

    out.push('\n');
    out.push_str(&palette.paint(Style::Bold, "FLAGS\n"));
    if plan.flags.is_empty() {
        out.push_str("  None raised.\n");
    }
    for group in grouped_flags(&plan.flags) {
        let flag = group.flag;
        out.push_str(&wrap(
            &format!("{} · {} · {} · {}", flag.id, flag.severity, group.raised_by, group.status),
            "  ",
            "    ",
        ));
    }
    out
}

/// One agenda item: its time and title, then who does it and what it serves, or its first line.
fn render_item(out: &mut String, item: &AgendaItem, palette: Palette) {
    let head = format!("{:>5}  {:>2} min  ", clock(item.starts_at), item.minutes);
    out.push_str(&palette.paint(Style::Bold, &wrap(&item.title, &head, ITEM_INDENT)));
    let detail: Vec<String> = match item.kind {
        AgendaKind::Exercise => {
            let who = item.doers.as_ref().map(ToString::to_string);
            let serves = (!item.serves.is_empty()).then(|| format!("Serves: {}.", item.serves.join(", ")));
            who.into_iter().chain(serves).collect()
        }
        AgendaKind::Safety | AgendaKind::Individual => item.what.iter().take(1).cloned().collect(),
        _ => Vec::new(),
    };
    for text in detail {
        out.push_str(&wrap(&text, &format!("{ITEM_INDENT}- "), &format!("{ITEM_INDENT}  ")));
    }
}

/// The column where an agenda item's text starts.
const ITEM_INDENT: &str = "               ";

/// A stage's watch-for as a short cue: the words before its first colon or full stop.
fn cue(text: &str) -> String {
    let end = text.find([':', '.']).unwrap_or(text.len());
    format!("{}.", text[..end].trim_end())
}
