//! Notes: what the therapist keeps in mind, for each partner and through the session (the watch-fors).

use super::{NoteAbout, PartnerNote, PartnerPlan, PlanFlag, WatchFor, capitalise_first};
use crate::content::Stage;
use crate::domain::Role;
use crate::record::{CoupleRecord, PartnerRecord};

/// Open flags first, as they were raised, then the stage's own watch-fors.
pub(super) fn watch_fors(stage: &Stage, flags: &[PlanFlag]) -> Vec<WatchFor> {
    let open = flags.iter().filter(|f| !f.resolved).map(|f| WatchFor {
        text: f.message.clone(),
        severity: Some(f.severity),
        partner: Some(f.partner.clone()),
        flag: Some(f.id.clone()),
    });
    let own =
        stage.watch_fors.iter().map(|text| WatchFor { text: text.clone(), severity: None, partner: None, flag: None });
    open.chain(own).collect()
}

/// Notes for each partner: from their intake first, then (for joint work) the stage's notes for their roles.
pub(super) fn partner_plans(record: &CoupleRecord, stage: Option<&Stage>, flags: &[PlanFlag]) -> Vec<PartnerPlan> {
    record
        .partners
        .iter()
        .map(|partner| {
            let mut notes = intake_notes(partner, flags);
            if let Some(stage) = stage {
                let sets = [
                    (Role::BrokeTrust, NoteAbout::BrokeTrust, &stage.notes.broke_trust),
                    (Role::Hurt, NoteAbout::Hurt, &stage.notes.hurt),
                    (Role::Both, NoteAbout::Both, &stage.notes.both),
                ];
                for (role, about, texts) in sets {
                    if partner.roles.includes(role) {
                        notes.extend(texts.iter().map(|text| PartnerNote { about, text: text.clone() }));
                    }
                }
            }
            PartnerPlan { name: partner.name.to_string(), roles: partner.roles, notes }
        })
        .collect()
}

/// The partner's open flags, or that their intake is missing; inviting them is a next step of the plan.
fn intake_notes(partner: &PartnerRecord, flags: &[PlanFlag]) -> Vec<PartnerNote> {
    let name = partner.name.to_string();
    if partner.intake.is_none() {
        let text = format!("No intake answers from {name} yet.");
        return vec![PartnerNote { about: NoteAbout::Intake, text }];
    }
    flags
        .iter()
        .filter(|f| f.partner == name && !f.resolved)
        .map(|f| PartnerNote {
            about: NoteAbout::Intake,
            text: format!("{} flag {}: {} {}", capitalise_first(f.severity.as_str()), f.id, f.message, f.action),
        })
        .collect()
}
