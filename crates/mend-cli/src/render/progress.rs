//! `mend progress` in a terminal: for each measure, both partners as sparklines on one time line, with the latest values and their change marks, and the course's events beneath.

use std::fmt::Write as _;

use mend_core::checkin::{Change, Measure, MeasureRule};
use mend_core::progress::Progress;

use super::term::{Palette, Style, wrap};

/// The most check-in days a chart shows: the latest ones, so a year of weekly check-ins fits 80 columns.
const MAX_COLUMNS: usize = 40;

/// How many of a series' latest values are printed beside its line.
const VALUES_SHOWN: usize = 5;

/// Eight heights, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Renders the charts within 80 columns; ANSI bold only when `color` is set.
pub(crate) fn render_progress(progress: &Progress, color: bool) -> String {
    let palette = Palette::new(color);
    let mut out = String::new();
    out.push_str(
        &palette.paint(
            Style::Bold,
            &format!("Progress: {} (couple {})\n", progress.partners.join(" and "), progress.couple),
        ),
    );
    let days = timeline(progress);
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        out.push_str("No check-ins yet: send each partner one with `mend checkin`.\n");
        return out;
    };
    let shown = &days[days.len().saturating_sub(MAX_COLUMNS)..];
    let mut intro = format!("{} check-in days from {first} to {last}", days.len());
    if shown.len() < days.len() {
        let _ = write!(intro, "; the charts show the latest {}", shown.len());
    }
    intro.push_str(". Each value's mark is against the one before: + improved, = no reliable change, ! deteriorated.");
    out.push_str(&wrap(&intro, "", ""));
    let width = progress.partners.iter().map(|p| p.chars().count()).max().unwrap_or(0);
    for rule in &progress.rules {
        let series: Vec<&Measure> = progress.measures.iter().filter(|m| m.instrument == rule.instrument).collect();
        if series.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(&palette.paint(Style::Bold, &format!("{}\n", rule.title)));
        out.push_str(&wrap(&describe(rule), "  ", "  "));
        for partner in &progress.partners {
            let Some(measure) = series.iter().find(|m| &m.partner == partner) else {
                let _ = writeln!(out, "  {partner:<width$}  (no points)");
                continue;
            };
            let _ = writeln!(out, "  {partner:<width$}  {}  {}", sparkline(rule, measure, shown), values(measure));
        }
    }
    render_events(&mut out, progress, shown, width);
    out
}

/// The measure's range, direction, threshold and cut-offs, in a line.
fn describe(rule: &MeasureRule) -> String {
    let better = if rule.higher_is_better { "higher is better" } else { "lower is better" };
    let mut text = format!("0 to {}, {better}", rule.max);
    match rule.reliable_change {
        Some(points) => {
            let _ = write!(text, "; reliable change {points} points");
        }
        None => text.push_str("; no reliable-change threshold, so no marks"),
    }
    if !rule.cutoffs.is_empty() {
        let cutoffs: Vec<String> = rule.cutoffs.iter().map(i64::to_string).collect();
        let _ = write!(text, "; cut-offs {}", cutoffs.join(", "));
    }
    text
}

/// Every day either partner checked in, oldest first, each once.
fn timeline(progress: &Progress) -> Vec<String> {
    let mut days: Vec<String> =
        progress.measures.iter().flat_map(|m| m.points.iter().map(|p| p.date.clone())).collect();
    days.sort();
    days.dedup();
    days
}

/// One character a day on the shown time line: a bar for the score, `·` where this partner has none.
fn sparkline(rule: &MeasureRule, measure: &Measure, days: &[String]) -> String {
    days.iter()
        .map(|day| match measure.points.iter().find(|p| &p.date == day) {
            Some(point) => {
                let top = (BARS.len() - 1) as i64;
                let level =
                    if rule.max > 0 { (point.score.clamp(0, rule.max) * top + rule.max / 2) / rule.max } else { 0 };
                BARS[usize::try_from(level).unwrap_or(0)]
            }
            None => '·',
        })
        .collect()
}

/// The latest values, each with its mark against the one before.
fn values(measure: &Measure) -> String {
    let from = measure.points.len().saturating_sub(VALUES_SHOWN);
    let shown: Vec<String> = measure.points[from..]
        .iter()
        .map(|p| format!("{}{}", p.score, p.change.map_or(String::new(), |c: Change| c.mark().to_string())))
        .collect();
    let more = if from > 0 { "… " } else { "" };
    format!("{more}{}", shown.join(" "))
}

/// The events row under the charts, one mark a day, then the events listed.
fn render_events(out: &mut String, progress: &Progress, days: &[String], width: usize) {
    if progress.events.is_empty() {
        return;
    }
    // Each event is marked at the first shown day on or after it.
    let row: String = days
        .iter()
        .enumerate()
        .map(|(n, day)| {
            let previous = n.checked_sub(1).map(|p| days[p].as_str()).unwrap_or("");
            let here = |e: &&mend_core::progress::Event| e.date.as_str() <= day.as_str() && e.date.as_str() > previous;
            let mut marks = progress.events.iter().filter(here).map(|e| mark(e.kind));
            // The most telling mark wins a shared day: a flag, then a disclosure, then a session.
            let mut best = marks.next().unwrap_or(' ');
            for m in marks {
                if rank(m) > rank(best) {
                    best = m;
                }
            }
            best
        })
        .collect();
    out.push('\n');
    let _ = writeln!(out, "  {:<width$}  {row}", "events");
    out.push_str("  S session, T new stage, D new facts came out, F flag raised, R flag resolved\n");
    for event in &progress.events {
        out.push_str(&wrap(&event.text, &format!("  {} {}  ", event.date, mark(event.kind)), "                 "));
    }
}

fn mark(kind: &str) -> char {
    match kind {
        "session" => 'S',
        "stage_change" => 'T',
        "new_disclosure" => 'D',
        "flag" => 'F',
        "resolved" => 'R',
        _ => '?',
    }
}

fn rank(mark: char) -> u8 {
    match mark {
        'F' => 5,
        'D' => 4,
        'T' => 3,
        'R' => 2,
        'S' => 1,
        _ => 0,
    }
}
