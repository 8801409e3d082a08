//! Next steps as commands: the `mend` command line each step stands for, set where the plan shows the step.

use mend_core::plan::{AgendaItem, AgendaKind, IndividualPurpose, NextStep, NoteAbout, PartnerPlan, Plan};

/// The command line that takes `step` for `couple`.
fn command(couple: &str, step: &NextStep) -> String {
    match step {
        NextStep::InviteBoth => format!("mend invite {couple}"),
        NextStep::InvitePartner { partner } => format!("mend invite {couple} --partner {}", shell_word(partner)),
        NextStep::MarkMarkers { stage } => format!("mend session record {couple} --stage {stage} --met ID"),
        NextStep::PlanReview { stage } => format!("mend plan {couple} --stage {stage}"),
        NextStep::ResolveFlag { flag } => format!("mend flag resolve {couple} {flag} --note TEXT"),
        NextStep::RecordIndividual { stage, partner } => {
            format!("mend session record {couple} --stage {stage} --with {}", shell_word(partner))
        }
        NextStep::PrintPacket { sheets } => format!("mend homework packet {couple} --sheets {}", sheets.join(",")),
    }
}

/// Why the plan is at its stage, followed by how to act on it: invite the partners, mark the
/// markers met, or plan a review.
pub(super) fn why(plan: &Plan) -> String {
    why_from(plan, plan.stage_reason.clone())
}

/// [`why`] for the one-page plan: the reason's first clause only, since the page lists the markers.
pub(super) fn short_why(plan: &Plan) -> String {
    let reason = &plan.stage_reason;
    let end = reason.find([':', '.']).unwrap_or(reason.len());
    why_from(plan, format!("{}.", reason[..end].trim_end()))
}

fn why_from(plan: &Plan, reason: String) -> String {
    let mut why = reason;
    for step in &plan.next_steps {
        let command = command(&plan.couple, step);
        let sentence = match step {
            NextStep::InviteBoth => {
                format!("Invite both partners with `{command}` so the starting stage can follow their answers.")
            }
            NextStep::MarkMarkers { .. } => format!("Mark them with `{command}`."),
            NextStep::PlanReview { .. } => format!("To look back on the work, plan a review with `{command}`."),
            NextStep::InvitePartner { .. }
            | NextStep::ResolveFlag { .. }
            | NextStep::RecordIndividual { .. }
            | NextStep::PrintPacket { .. } => continue,
        };
        why.push(' ');
        why.push_str(&sentence);
    }
    why
}

/// Whether the plan's notice is that a stop flag holds joint work, rather than why a partner is
/// seen alone. Plans saved before individual sessions had a reason had a notice only for that.
pub(super) fn notice_is_stop(plan: &Plan) -> bool {
    matches!(plan.individual, Some(IndividualPurpose::StopFlag) | None)
}

/// The notice to read first, followed by the commands that resolve the stop flags holding joint work.
pub(super) fn notice(plan: &Plan) -> Option<String> {
    let mut notice = plan.notice.clone()?;
    // How to record the individual session belongs with what says why it is held.
    if let Some(step) = plan.next_steps.iter().find(|step| matches!(step, NextStep::RecordIndividual { .. })) {
        notice.push_str(&format!(" Once it is held, record it with `{}`.", command(&plan.couple, step)));
    }
    let commands: Vec<String> = plan
        .next_steps
        .iter()
        .filter(|step| matches!(step, NextStep::ResolveFlag { .. }))
        .map(|step| format!("`{}`", command(&plan.couple, step)))
        .collect();
    if commands.is_empty() {
        return Some(notice);
    }
    Some(format!("{notice} When joint work is safe, resolve each flag with {} and plan again.", commands.join(" and ")))
}

/// A partner's notes, with the command that invites them after the note saying their intake is missing.
pub(super) fn notes(plan: &Plan, partner: &PartnerPlan) -> Vec<(NoteAbout, String)> {
    let mut invitation = plan
        .next_steps
        .iter()
        .find(|step| matches!(step, NextStep::InvitePartner { partner: name } if *name == partner.name))
        .map(|step| format!(" Invite them with `{}`.", command(&plan.couple, step)));
    partner
        .notes
        .iter()
        .map(|note| {
            let mut text = note.text.clone();
            // A partner without answers has no flags, so their one intake note is the missing one.
            if note.about == NoteAbout::Intake
                && let Some(sentence) = invitation.take()
            {
                text.push_str(&sentence);
            }
            (note.about, text)
        })
        .collect()
}

/// The command that invites `partner`, when the plan says to.
pub(super) fn invite_command(plan: &Plan, partner: &str) -> Option<String> {
    let step = plan
        .next_steps
        .iter()
        .find(|step| matches!(step, NextStep::InvitePartner { partner: name } if name == partner))?;
    Some(command(&plan.couple, step))
}

/// What to do in an agenda item: an exercise says who does it after its purpose, and giving
/// homework ends with the command that prints it.
pub(super) fn what(plan: &Plan, item: &AgendaItem) -> Vec<String> {
    let mut what = item.what.clone();
    if let Some(doers) = &item.doers {
        what.insert(1.min(what.len()), doers.to_string());
    }
    if item.kind == AgendaKind::Homework
        && let Some(command) = packet_command(plan)
    {
        what.push(format!("Print them with `{command}` and agree when each will do it."));
    }
    what
}

/// The command that prints the plan's homework. It names the sheets, so it works before the plan
/// is saved as a session as well as after.
pub(super) fn packet_command(plan: &Plan) -> Option<String> {
    let step = plan.next_steps.iter().find(|step| matches!(step, NextStep::PrintPacket { .. }))?;
    Some(command(&plan.couple, step))
}

/// Quotes a name for a shell command when it holds anything but letters, digits, `-` and `_`.
fn shell_word(word: &str) -> String {
    if word.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_is_spelled_as_a_command_for_the_couple() {
        let cases = [
            (NextStep::InviteBoth, "mend invite k3f9"),
            (NextStep::InvitePartner { partner: "Zoë".into() }, "mend invite k3f9 --partner Zoë"),
            (NextStep::InvitePartner { partner: "José Núñez".into() }, "mend invite k3f9 --partner 'José Núñez'"),
            (NextStep::InvitePartner { partner: "Ann O'Neil".into() }, r"mend invite k3f9 --partner 'Ann O'\''Neil'"),
            (NextStep::MarkMarkers { stage: "telling".into() }, "mend session record k3f9 --stage telling --met ID"),
            (NextStep::PlanReview { stage: "looking-back".into() }, "mend plan k3f9 --stage looking-back"),
            (NextStep::ResolveFlag { flag: "fear".into() }, "mend flag resolve k3f9 fear --note TEXT"),
            (
                NextStep::PrintPacket { sheets: vec!["calm-log".into(), "safety-card".into()] },
                "mend homework packet k3f9 --sheets calm-log,safety-card",
            ),
        ];
        for (step, expected) in cases {
            assert_eq!(command("k3f9", &step), expected, "{step:?}");
        }
    }

    #[test]
    fn a_review_to_plan_follows_the_stage_reason() {
        let mut plan = crate::render::tests::fixture("mutual_promises");
        plan.next_steps = vec![NextStep::PlanReview { stage: "is-repair-still-healthy".into() }];
        let expected = format!(
            "{} To look back on the work, plan a review with `mend plan m4p8 --stage is-repair-still-healthy`.",
            plan.stage_reason
        );
        assert_eq!(why(&plan), expected);
    }

    #[test]
    fn only_the_homework_item_ends_with_the_print_command() {
        let plan = crate::render::tests::fixture("mutual_promises");
        let print = "Print them with `mend homework packet m4p8 --sheets promises-kept-log,check-in-guide` and agree \
                     when each will do it.";
        for item in &plan.agenda {
            let what = what(&plan, item);
            let printed = what.last().is_some_and(|line| line == print);
            assert_eq!(printed, item.kind == AgendaKind::Homework, "{:?}: {what:?}", item.kind);
        }
    }
}
