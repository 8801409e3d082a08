//! A second disclosure: new facts reopen the disclosure work, raise a caution flag, and each partner is seen alone first.

use super::course::Course;
use super::{AgendaItem, AgendaKind, PlanFlag, join_names};
use crate::domain::{Role, Severity};
use crate::record::CoupleRecord;

/// The id of the caution flag a second disclosure raises.
pub const FLAG_ID: &str = "new-disclosure";

/// The caution flag a new disclosure raises, there while the reopened work is not done again, and
/// open until the therapist resolves it.
pub(super) fn flag(record: &CoupleRecord, course: &Course<'_>) -> Option<PlanFlag> {
    let (stage, number) = course.reopened?;
    // The session's day stands for when the facts came out: a resolution made on or after it
    // covers them, and one made before covers only earlier news.
    let disclosed_on = course.sessions.iter().find(|s| s.number == number).map(|s| crate::day::format_day(s.held_on));
    let disclosed: Vec<String> =
        record.partners.iter().filter(|p| p.roles.includes(Role::BrokeTrust)).map(|p| p.name.to_string()).collect();
    Some(PlanFlag {
        id: FLAG_ID.to_owned(),
        severity: Severity::Caution,
        message: format!(
            "New facts about the betrayal came out in session {number}: the work of “{}” is open again.",
            stage.title
        ),
        action: "Re-check safety with each partner alone, and see each individually before joint work resumes."
            .to_owned(),
        partner: join_names(&disclosed),
        resolved: record.resolution_of(FLAG_ID, disclosed_on.as_deref()).is_some(),
        from_checkin: false,
    })
}

/// The partner to see alone next after a new disclosure: the first, in the record's order, not
/// seen alone since it.
pub(super) fn partner_to_see<'a>(record: &'a CoupleRecord, course: &Course<'_>) -> Option<&'a str> {
    let number = course.disclosed_in?;
    record
        .partners
        .iter()
        .map(|p| p.name.as_str())
        .find(|name| !course.sessions.iter().any(|s| s.number > number && s.with.as_deref() == Some(*name)))
}

/// The individual session's one item: a safety re-check, and for a partner who broke trust,
/// preparing to give the full account; for a hurt partner, how they are and what they need.
pub(super) fn individual_item(record: &CoupleRecord, name: &str, number: u32, minutes: u32) -> AgendaItem {
    let broke_trust = record.partners.iter().any(|p| p.name.as_str() == name && p.roles.includes(Role::BrokeTrust));
    let mut what = vec![
        format!("See {name} alone, after the new facts that came out in session {number}."),
        "Re-check safety: fear, threats, control, and thoughts of self-harm since the new facts came out.".to_owned(),
    ];
    let mut steps = vec![
        format!("Explain to {name} what stays between the two of you and when it could not."),
        "Ask how the days since the new facts came out have been, and what has changed at home.".to_owned(),
        "Ask directly about safety and self-harm; if there is danger, make or review a safety plan first.".to_owned(),
    ];
    if broke_trust {
        what.push("Prepare the full account: everything still untold is said now, in session, not later.".to_owned());
        steps.push("Ask what else has not been told, and whether any contact or deception still goes on.".to_owned());
        steps.push(
            "Plan how the full account will be given in the next joint session, owned and without excuses.".to_owned(),
        );
    } else {
        what.push("Hear what the new facts did, and what is needed before joint work resumes.".to_owned());
        steps.push("Ask what they need to feel steady enough to come back to joint sessions.".to_owned());
    }
    steps.push("Decide whether joint work can resume, and write down what you assessed.".to_owned());
    AgendaItem {
        kind: AgendaKind::Individual,
        title: format!("Individual session: {name}"),
        starts_at: 0,
        minutes,
        role: None,
        partner: Some(name.to_owned()),
        exercise: None,
        serves: Vec::new(),
        sheets: Vec::new(),
        what,
        doers: None,
        steps,
        prompts: vec![
            "How have you been since this came out?".to_owned(),
            "Have you felt afraid, or had thoughts of harming yourself?".to_owned(),
            "What would you need before we meet together again?".to_owned(),
        ],
    }
}
