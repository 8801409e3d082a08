//! Individual sessions: while a stop flag is open, each partner is seen alone to assess safety, and joint work waits.

use std::collections::BTreeSet;

use super::{AgendaItem, AgendaKind, NextStep, PlanFlag};
use crate::content::{Audience, Program, Sheet};
use crate::domain::Severity;
use crate::record::CoupleRecord;

/// Safety sheets for individual sessions: sheets of the first stage whose id names safety and that
/// a partner fills in alone.
pub(super) fn safety_sheets(program: &Program) -> Vec<&Sheet> {
    let Some(first) = program.stages.first() else { return Vec::new() };
    first
        .homework
        .iter()
        .filter_map(|id| program.sheet(id))
        .filter(|sheet| sheet.id.contains("safety") && sheet.audience != Audience::Together)
        .collect()
}

/// Why joint work waits: each open stop flag, whose intake raised it and what it means.
pub(super) fn stop_notice(open_stops: &[&PlanFlag]) -> String {
    let which: Vec<String> =
        open_stops.iter().map(|f| format!("{}, from {}'s intake: {}", f.id, f.partner, f.message)).collect();
    format!(
        "Joint sessions wait while a stop flag is open. {} See each partner alone to assess safety.",
        which.join(" ")
    )
}

/// One step per open stop flag, each id once though both intakes raised it, in the order of their ids.
pub(super) fn flags_to_resolve(open_stops: &[&PlanFlag]) -> Vec<NextStep> {
    let ids: BTreeSet<&str> = open_stops.iter().map(|f| f.id.as_str()).collect();
    ids.into_iter().map(|id| NextStep::ResolveFlag { flag: id.to_owned() }).collect()
}

/// One item per partner, the session's minutes shared between them.
pub(super) fn agenda(record: &CoupleRecord, flags: &[PlanFlag], sheets: &[&Sheet], minutes: u32) -> Vec<AgendaItem> {
    let raised_stop =
        |name: &str| flags.iter().any(|f| f.partner == name && !f.resolved && f.severity == Severity::Stop);
    // The extra minute of an odd length goes to the first partner whose own answers raised a stop flag.
    let extra_to = record.partners.iter().position(|p| raised_stop(p.name.as_str())).unwrap_or(0);
    record
        .partners
        .iter()
        .enumerate()
        .map(|(i, partner)| {
            let name = partner.name.to_string();
            let other =
                record.partners.iter().find(|p| p.name != partner.name).map_or(String::new(), |p| p.name.to_string());
            let mut what = vec![format!("See {name} alone; {other} waits elsewhere, out of earshot.")];
            for flag in flags.iter().filter(|f| !f.resolved && f.severity == Severity::Stop) {
                if flag.partner == name {
                    what.push(format!("Assess the stop flag {}: {} {}", flag.id, flag.message, flag.action));
                } else {
                    what.push(format!(
                        "Do not reveal what {} said in the intake ({}); ask about safety in general terms.",
                        flag.partner, flag.id
                    ));
                }
            }
            what.extend(
                sheets.iter().map(|sheet| {
                    format!("Go through the sheet {} ({}) with {name} and give it.", sheet.title, sheet.id)
                }),
            );
            AgendaItem {
                kind: AgendaKind::Individual,
                title: format!("Individual safety assessment: {name}"),
                starts_at: 0,
                minutes: minutes / 2 + u32::from(minutes % 2 == 1 && i == extra_to),
                role: None,
                partner: Some(name.clone()),
                exercise: None,
                serves: Vec::new(),
                sheets: Vec::new(),
                what,
                steps: steps(&name),
                prompts: prompts(),
            }
        })
        .collect()
}

fn steps(name: &str) -> Vec<String> {
    vec![
        format!("Explain to {name} what stays between the two of you and when it could not."),
        "Ask about safety at home in concrete terms: fear, threats, pushing or hitting, control of money, phone or \
         friends, and thoughts of self-harm."
            .to_owned(),
        "If there is danger, make or review a safety plan and give crisis contacts before anything else.".to_owned(),
        "Decide whether joint sessions can begin, and write down what you assessed.".to_owned(),
    ]
}

fn prompts() -> Vec<String> {
    vec![
        "How safe do you feel at home right now?".to_owned(),
        "When you two argue, what happens? Has anyone ever been frightened or hurt?".to_owned(),
        "Is there anything you could not say with your partner in the room?".to_owned(),
        "Have you had thoughts of harming yourself?".to_owned(),
    ]
}
