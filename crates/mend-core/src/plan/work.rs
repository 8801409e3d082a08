//! The stage's work for one session: exercises serving unmet markers first, rotated by what earlier sessions did.

use std::collections::BTreeSet;

use super::course::Course;
use crate::content::{Exercise, Stage};
use crate::domain::Role;
use crate::record::CoupleRecord;

/// One exercise chosen for the session, with why and by whom.
pub(super) struct Chosen<'a> {
    pub(super) exercise: &'a Exercise,
    /// Kept when time is short: the first exercise for each partner.
    pub(super) protected: bool,
    /// The stage's markers it serves, in the stage's order.
    pub(super) serves: Vec<String>,
    /// When both partners share the exercise's role, the one whose turn it is.
    pub(super) turn: Option<String>,
}

/// The markers of `stage` that `item` (an exercise or sheet id) serves, in the stage's order.
pub(super) fn serves(stage: &Stage, item: &str) -> Vec<String> {
    stage.progress_markers.iter().filter(|m| m.served_by.iter().any(|s| s == item)).map(|m| m.id.clone()).collect()
}

/// The exercises for the joint session (never work done alone), in the order they are planned: those serving an unmet marker
/// first (all of them when none does), then those not done in the last session at this stage,
/// then the least done, then essential before optional, then the stage's order.
/// With `shared_only`, only work for both partners is chosen: the roles are not assigned.
pub(super) fn choose<'a>(
    stage: &'a Stage,
    record: &CoupleRecord,
    course: &Course<'_>,
    shared_only: bool,
) -> Vec<Chosen<'a>> {
    let held = course.sessions_at(stage);
    let met = course.met(stage);
    // Rotation follows the last joint session: one with a partner alone did other work.
    let last_done: &[String] = held.iter().rev().find(|s| s.with.is_none()).map_or(&[], |s| s.done.as_slice());
    let times_done = |id: &str| held.iter().filter(|s| s.done.iter().any(|d| d == id)).count();

    let mut ranked: Vec<(bool, bool, usize, bool, usize, &Exercise)> = stage
        .exercises
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.alone && (!shared_only || e.role == Role::Both))
        .map(|(i, e)| {
            let unmet = serves(stage, &e.id).iter().any(|m| !met.contains(m));
            (!unmet, last_done.contains(&e.id), times_done(&e.id), !e.essential, i, e)
        })
        .collect();
    ranked.sort_by_key(|r| (r.0, r.1, r.2, r.3, r.4));
    if ranked.iter().any(|r| !r.0) {
        ranked.retain(|r| !r.0);
    }

    let mut covered: BTreeSet<usize> = BTreeSet::new();
    ranked
        .into_iter()
        .map(|(_, _, done, _, _, exercise)| {
            let doers: Vec<usize> =
                (0..record.partners.len()).filter(|&p| record.partners[p].roles.includes(exercise.role)).collect();
            // Partners who share a role take the exercise in turn, session by session; the hurt
            // partner's turn is offset so that one betrayal is worked on from both sides at once.
            let turn = (exercise.role != Role::Both && doers.len() > 1).then(|| {
                let offset = usize::from(exercise.role == Role::Hurt);
                doers[(done + offset) % doers.len()]
            });
            let who: Vec<usize> = turn.map_or(doers, |p| vec![p]);
            let protected = who.iter().any(|p| !covered.contains(p));
            if protected {
                covered.extend(who);
            }
            Chosen {
                exercise,
                protected,
                serves: serves(stage, &exercise.id),
                turn: turn.map(|p| record.partners[p].name.to_string()),
            }
        })
        .collect()
}
