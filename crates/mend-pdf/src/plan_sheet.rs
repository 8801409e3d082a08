//! The therapist's one-page session plan: the couple, the day, the agenda with times, homework and watch-fors, with room for notes.

use mend_core::content::{Audience, Block, Sheet};
use mend_core::plan::{AgendaKind, Plan, SessionKind, grouped_watch_fors};

use crate::{ForWhom, PdfError, Rendered, SheetKind, SheetOptions, lay_out};

/// The most ruled lines left for notes; fewer are printed when the page needs the room.
const NOTES_LINES: u32 = 14;

/// Renders a plan as the therapist's one printed page to walk in with: the couple, the day and
/// the session, the agenda with times, who does what, the homework and what to watch for, then
/// ruled lines for notes, with a footer marking it as a confidential clinical note. The notes shrink, then the stage's
/// watch-fors, until the sheet fits one page.
pub fn render_plan(plan: &Plan, options: &SheetOptions) -> Result<Rendered, PdfError> {
    let names: Vec<String> = plan.partners.iter().map(|p| p.name.clone()).collect();
    let options = SheetOptions {
        for_whom: if names.is_empty() { ForWhom::Blank } else { ForWhom::Names(names) },
        kind: SheetKind::SessionPlan { session: session_line(plan) },
        ..options.clone()
    };
    let stage_cues = grouped_watch_fors(&plan.watch_fors).iter().filter(|g| g.watch.severity.is_none()).count();
    // Each try is only laid out: the one that is kept is the only one written as a PDF.
    let mut best = None;
    'tries: for dropped_cues in 0..=stage_cues {
        for lines in (3..=NOTES_LINES).rev().step_by(2) {
            let laid = lay_out(&sheet(plan, lines, stage_cues - dropped_cues), &options)?;
            let fits = laid.pages() == 1;
            best = Some(laid);
            if fits {
                break 'tries;
            }
        }
    }
    let laid = best.ok_or(PdfError::NoSheets)?;
    Ok(Rendered { bytes: laid.to_pdf()?, pages: laid.pages() })
}

/// The plan as a sheet, with `notes` ruled lines and the first `cues` of the stage's watch-fors.
fn sheet(plan: &Plan, notes: u32, cues: usize) -> Sheet {
    let mut blocks = vec![Block::Heading { text: "Agenda".to_owned() }];
    let agenda: Vec<String> = plan
        .agenda
        .iter()
        .map(|item| {
            let mut line = format!("{} · {} min · {}", clock(item.starts_at), item.minutes, item.title);
            if item.kind == AgendaKind::Exercise
                && let Some(doers) = &item.doers
            {
                line.push_str(" — ");
                line.push_str(&doers.whom());
            }
            line
        })
        .collect();
    blocks.push(Block::Checklist { items: agenda });
    if let Some(safety) = plan.agenda.iter().find(|i| matches!(i.kind, AgendaKind::Safety | AgendaKind::Individual)) {
        blocks.extend(safety.what.first().map(|text| Block::Paragraph { text: text.clone() }));
    }
    if !plan.left_for_next_time.is_empty() {
        blocks.push(Block::Paragraph { text: format!("Left for next time: {}.", plan.left_for_next_time.join(", ")) });
    }
    if !plan.homework.is_empty() {
        blocks.push(Block::Heading { text: "Homework".to_owned() });
        blocks.push(Block::Paragraph { text: plan.homework.join(", ") });
    }
    let mut watch: Vec<String> = Vec::new();
    let mut stage_cues = 0;
    for group in grouped_watch_fors(&plan.watch_fors) {
        match group.watch.severity {
            Some(severity) => watch.push(format!("[{severity}] {}: {}", group.partners, cue(&group.watch.text))),
            None if stage_cues < cues => {
                stage_cues += 1;
                watch.push(cue(&group.watch.text));
            }
            None => {}
        }
    }
    if !watch.is_empty() {
        blocks.push(Block::Heading { text: "Watch for".to_owned() });
        blocks.push(Block::Checklist { items: watch });
    }
    blocks.push(Block::Lines { label: "Session notes".to_owned(), count: notes });
    let markers: Vec<&str> = plan.stage.markers.iter().filter(|m| !m.met).map(|m| m.id.as_str()).collect();
    let mut stage = format!("Stage: {}", plan.stage.title);
    if !markers.is_empty() {
        stage.push_str(&format!(" · to meet: {}", markers.join(", ")));
    }
    blocks.insert(0, Block::Paragraph { text: stage });
    Sheet {
        id: String::new(),
        title: "Therapist's session plan".to_owned(),
        audience: Audience::Together,
        purpose: String::new(),
        instructions: Vec::new(),
        blocks,
        sources: Vec::new(),
    }
}

/// Which session the plan is for: `Session 3 · joint · 50 minutes`, or the partner seen alone.
fn session_line(plan: &Plan) -> String {
    let kind = match (plan.session_kind, &plan.with) {
        (SessionKind::Joint, _) => "joint (both partners)".to_owned(),
        (SessionKind::Individual, Some(with)) => format!("individual, with {with} alone"),
        (SessionKind::Individual, None) => "individual".to_owned(),
    };
    format!("Session {} · {kind} · {} minutes · couple {}", plan.session_number, plan.minutes, plan.couple)
}

/// A watch-for as a short cue: the words before its first colon or full stop.
fn cue(text: &str) -> String {
    let end = text.find([':', '.']).unwrap_or(text.len());
    format!("{}.", text[..end].trim_end())
}

/// Minutes from the start as `h:mm`.
fn clock(minutes: u32) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}
