//! Each partner's latest check-in in a plan, as lines for the one-page text and Markdown.

use mend_core::checkin::Change;
use mend_core::plan::{CheckinScore, Plan};

/// One entry per partner who has sent a check-in: scores with their change, homework, flags, and
/// then the open answer, if any, on a line of its own.
pub(crate) fn checkin_lines(plan: &Plan) -> Vec<(String, Option<String>)> {
    plan.checkins
        .iter()
        .map(|latest| {
            let scores: Vec<String> = latest.scores.iter().map(score).collect();
            let mut line = format!("{}, {}: {}", latest.partner, latest.date, scores.join(", "));
            if !latest.homework.is_empty() {
                let homework: Vec<String> = latest
                    .homework
                    .iter()
                    .map(|h| format!("{} {}", h.sheet, h.status.as_deref().unwrap_or("not answered").replace('-', " ")))
                    .collect();
                line.push_str(&format!("; homework: {}", homework.join(", ")));
            }
            if !latest.flags.is_empty() {
                line.push_str(&format!("; flags: {}", latest.flags.join(", ")));
            }
            line.push('.');
            (line, latest.open_answer.clone())
        })
        .collect()
}

/// A change in words: `no reliable change` rather than the JSON's `no_reliable_change`.
fn words(change: Change) -> String {
    change.as_str().replace('_', " ")
}

/// A score with its change against the previous check-in and, when it differs, the first.
fn score(score: &CheckinScore) -> String {
    let mut text = format!("{} {}", score.title, score.score);
    match (score.change, score.since_first) {
        (Some(change), Some(first)) if change != first => {
            text.push_str(&format!(" ({} since last, {} since first)", words(change), words(first)));
        }
        (Some(change), _) => text.push_str(&format!(" ({})", words(change))),
        _ => {}
    }
    text
}
