//! Stage choice: which stage the next session works on and why, from the therapist, the sessions or the intake.

use std::fmt::Write as _;

use super::course::Course;
use super::{NextStep, PlanError, individual, join_names};
use crate::content::{Program, Stage};
use crate::questionnaire::{Answers, StartRule};
use crate::record::{CoupleRecord, PartnerRecord, SessionRecord};

/// The stage chosen, why, and what the therapist can do next about it.
pub(super) struct StageChoice<'a> {
    pub(super) stage: &'a Stage,
    pub(super) reason: String,
    pub(super) next_step: Option<NextStep>,
}

impl<'a> StageChoice<'a> {
    fn new(stage: &'a Stage, reason: String) -> Self {
        Self { stage, reason, next_step: None }
    }
}

/// The therapist's stage when one is given, otherwise the one the record leads to.
pub(super) fn choose<'a>(
    program: &'a Program,
    record: &CoupleRecord,
    course: &Course<'a>,
    stage_override: Option<&str>,
) -> Result<StageChoice<'a>, PlanError> {
    let Some(id) = stage_override else {
        return from_record(program, record, course);
    };
    let Some(stage) = program.stage(id) else {
        return Err(PlanError::UnknownStage {
            id: id.to_owned(),
            known: program.all_stages().map(|s| s.id.clone()).collect(),
        });
    };
    let mut reason = "Chosen by the therapist.".to_owned();
    if program.stage_index(id).is_none() {
        reason.push_str(" This is a review stage, which a couple enters only by the therapist's decision.");
    }
    // The automatic choice is only context here, so a record it cannot read does not block an override.
    if let Ok(automatic) = from_record(program, record, course)
        && automatic.stage.id != stage.id
    {
        let _ = write!(reason, " Without that choice, the plan would be at “{}”.", automatic.stage.title);
    }
    Ok(StageChoice::new(stage, reason))
}

fn from_record<'a>(
    program: &'a Program,
    record: &CoupleRecord,
    course: &Course<'a>,
) -> Result<StageChoice<'a>, PlanError> {
    let sessions = course.sessions.as_slice();
    if let Some(session) = sessions.iter().find(|s| program.stage(&s.stage).is_none()) {
        return Err(PlanError::UnknownRecordedStage { session: session.number, stage: session.stage.clone() });
    }
    let Some(latest) = sessions.last() else {
        return from_intake(program, record);
    };
    if let Some((stage, number)) = course.reopened {
        let met = course.met(stage).len();
        let reason = format!(
            "New facts about the betrayal came out in session {number}, so the work of “{}” is open again: {met} of \
             its {} progress markers are met since then. The couple moves on when all are met again.",
            stage.title,
            stage.progress_markers.len()
        );
        let mut choice = StageChoice::new(stage, reason);
        choice.next_step = Some(NextStep::MarkMarkers { stage: stage.id.clone() });
        return Ok(choice);
    }
    // A review the therapist opened goes on while its work done alone is unfinished, so that each
    // partner is seen alone before the review is taken further or left.
    if program.stage_index(&latest.stage).is_none()
        && latest.with.is_some()
        && let Some(review) = program.stage(&latest.stage)
        && individual::work_alone_pending(review, record, course)
    {
        let reason = format!(
            "Session {} was an individual session of the review “{}”, which the therapist opened; the review goes on \
             until each partner has been seen alone for its work.",
            latest.number, review.title
        );
        return Ok(StageChoice::new(review, reason));
    }
    let last_advancing = sessions.iter().rposition(|s| program.stage_index(&s.stage).is_some());
    let mut prefix = String::new();
    if program.stage_index(&latest.stage).is_none() {
        let title = program.stage(&latest.stage).map_or(latest.stage.as_str(), |s| s.title.as_str());
        let _ = write!(
            prefix,
            "Session {} was the review stage “{title}”; review stages are entered only by the therapist's \
             decision, so the plan goes on with the program's stages. ",
            latest.number
        );
    }
    let mut choice = match last_advancing {
        Some(position) => from_progress(program, course, &sessions[..=position]),
        None => from_intake(program, record)?,
    };
    choice.reason = prefix + &choice.reason;
    Ok(choice)
}

/// The stage after the latest session at an advancing stage: the same one until all of its
/// markers are met, then the next one. `sessions` ends with that session; the markers are the
/// course's, counted over every session, which gives the same here: the sessions after it are
/// at review stages, and new facts recorded in one of those leave every reopened stage reached
/// unmet (so the choice was made before, from the reopened stage) and one not reached has no
/// session to count either way.
fn from_progress<'a>(program: &'a Program, course: &Course<'_>, sessions: &[&SessionRecord]) -> StageChoice<'a> {
    let latest = sessions[sessions.len() - 1];
    let index = program.stage_index(&latest.stage).unwrap_or(0);
    let stage = &program.stages[index];
    let mut reason = skipped_stages_note(program, sessions, index);

    let met = course.met(stage);
    let unmet: Vec<_> = stage.progress_markers.iter().filter(|m| !met.contains(&m.id)).collect();
    let total = stage.progress_markers.len();

    if !unmet.is_empty() {
        let list: Vec<String> = unmet.iter().map(|m| format!("{} ({})", m.text.trim_end_matches('.'), m.id)).collect();
        let _ = write!(
            reason,
            "Session {} worked on “{}”, and {} of its {total} progress markers are still unmet: {}. The couple moves \
             on when all are met.",
            latest.number,
            stage.title,
            unmet.len(),
            list.join("; "),
        );
        let mut choice = StageChoice::new(stage, reason);
        choice.next_step = Some(NextStep::MarkMarkers { stage: stage.id.clone() });
        return choice;
    }
    // Stages already done (before new facts took the couple back) are not done again.
    let next =
        program.stages[index + 1..].iter().find(|s| !course.all_met(s)).or_else(|| program.stages.get(index + 1));
    let Some(next) = next else {
        let _ = write!(
            reason,
            "All {total} progress markers of “{}”, the last stage, were met by session {}: the program's stages are \
             complete, so the plan stays here to consolidate.",
            stage.title, latest.number
        );
        let mut choice = StageChoice::new(stage, reason);
        choice.next_step = program.review_stages.first().map(|r| NextStep::PlanReview { stage: r.id.clone() });
        return choice;
    };
    let _ = write!(
        reason,
        "All {total} progress markers of “{}” were met by session {}, so the couple moves on to the next stage.",
        stage.title, latest.number
    );
    StageChoice::new(next, reason)
}

/// Says so when the therapist recorded a stage beyond the next one, so no stage is passed silently.
fn skipped_stages_note(program: &Program, sessions: &[&SessionRecord], index: usize) -> String {
    let latest = sessions[sessions.len() - 1];
    let previous = sessions[..sessions.len() - 1].iter().rev().find_map(|s| program.stage_index(&s.stage));
    match previous {
        Some(before) if index > before + 1 => {
            let skipped: Vec<String> =
                program.stages[before + 1..index].iter().map(|s| format!("“{}”", s.title)).collect();
            format!(
                "Session {} was recorded at “{}”, past {}, by the therapist's choice. ",
                latest.number,
                program.stages[index].title,
                join_names(&skipped)
            )
        }
        _ => String::new(),
    }
}

/// The starting stage, from the intake's start rules over both partners' answers.
fn from_intake<'a>(program: &'a Program, record: &CoupleRecord) -> Result<StageChoice<'a>, PlanError> {
    let first = program.stages.first().ok_or(PlanError::NoStages)?;
    let answered: Vec<(&PartnerRecord, &Answers)> =
        record.partners.iter().filter_map(|p| p.intake.as_ref().map(|a| (p, a))).collect();
    if answered.is_empty() {
        let mut choice =
            StageChoice::new(first, "No intake answers yet, so the plan starts at the first stage.".to_owned());
        choice.next_step = Some(NextStep::InviteBoth);
        return Ok(choice);
    }
    let missing: Vec<String> =
        record.partners.iter().filter(|p| p.intake.is_none()).map(|p| p.name.to_string()).collect();
    let partial = if missing.is_empty() {
        String::new()
    } else {
        format!(" {} has not answered the intake yet.", join_names(&missing))
    };

    let all_answers: Vec<&Answers> = answered.iter().map(|(_, a)| *a).collect();
    let questionnaire = &program.questionnaire;
    let Some(rule) = questionnaire.start_rule(&all_answers) else {
        let reason = format!(
            "The intake answers match none of the start rules, so the plan starts at the first stage.{partial}"
        );
        return Ok(StageChoice::new(first, reason));
    };
    // The winning rule holds for a partner exactly when it also wins on that partner's answers alone,
    // because no earlier rule holds for anyone.
    let whose: Vec<String> = answered
        .iter()
        .filter(|(_, answers)| questionnaire.start_rule(&[answers]).is_some_and(|r| same_rule(r, rule)))
        .map(|(p, _)| format!("{}'s", p.name))
        .collect();
    let stage = program.stage(&rule.stage).unwrap_or(first);
    let reason = format!("From the intake ({} answers): {}{partial}", join_names(&whose), rule.reason);
    Ok(StageChoice::new(stage, reason))
}

fn same_rule(a: &StartRule, b: &StartRule) -> bool {
    std::ptr::eq(a, b)
}
