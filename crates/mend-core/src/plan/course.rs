//! The couple's course so far, worked out once a plan: the sessions in order, the markers each stage has met, and the stage new facts reopened.

use std::collections::{BTreeMap, BTreeSet};

use crate::content::{Program, Stage};
use crate::record::{CoupleRecord, SessionRecord};

/// What the record says of the couple's course, for every part of the planner to read rather
/// than work out again from the sessions.
pub(super) struct Course<'a> {
    /// Every session held, ordered by number: the record keeps them oldest first, but the number
    /// is what counts.
    pub(super) sessions: Vec<&'a SessionRecord>,
    /// The number of the latest session in which new facts came out, if any.
    pub(super) disclosed_in: Option<u32>,
    /// Each stage's markers met, by stage id: in the sessions at the stage, since the latest new
    /// disclosure for a stage it reopens.
    met: BTreeMap<&'a str, BTreeSet<String>>,
    /// The first reopened stage the couple had reached whose markers are not all met again, with
    /// the session the new facts came out in.
    pub(super) reopened: Option<(&'a Stage, u32)>,
}

/// The markers met of a stage the program does not have: none.
static NONE_MET: BTreeSet<String> = BTreeSet::new();

impl<'a> Course<'a> {
    /// The course of `record` through `program`.
    pub(super) fn new(program: &'a Program, record: &'a CoupleRecord) -> Self {
        let mut sessions: Vec<&SessionRecord> = record.sessions.iter().collect();
        sessions.sort_by_key(|s| s.number);
        let disclosed_in = sessions.iter().rev().find(|s| s.new_disclosure).map(|s| s.number);
        let mut course = Self { sessions, disclosed_in, met: BTreeMap::new(), reopened: None };
        for stage in program.all_stages() {
            let held = course.sessions_at(stage);
            let met = stage
                .progress_markers
                .iter()
                .filter(|m| held.iter().any(|s| s.met.contains(&m.id)))
                .map(|m| m.id.clone())
                .collect();
            course.met.insert(stage.id.as_str(), met);
        }
        course.reopened = course.reopened_stage(program);
        course
    }

    /// The sessions held at `stage` that count towards its markers, oldest first: since the
    /// latest new disclosure, for a stage it reopens.
    pub(super) fn sessions_at(&self, stage: &Stage) -> Vec<&'a SessionRecord> {
        let since = if stage.reopen_on_new_disclosure { self.disclosed_in.unwrap_or(0) } else { 0 };
        self.sessions.iter().copied().filter(|s| s.number > since && s.stage == stage.id).collect()
    }

    /// The stage's markers met.
    pub(super) fn met(&self, stage: &Stage) -> &BTreeSet<String> {
        self.met.get(stage.id.as_str()).unwrap_or(&NONE_MET)
    }

    /// Whether every one of the stage's markers is met.
    pub(super) fn all_met(&self, stage: &Stage) -> bool {
        self.met(stage).len() == stage.progress_markers.len()
    }

    /// The latest session held, if any.
    pub(super) fn last(&self) -> Option<&'a SessionRecord> {
        self.sessions.last().copied()
    }

    fn reopened_stage(&self, program: &'a Program) -> Option<(&'a Stage, u32)> {
        let number = self.disclosed_in?;
        let reached = self.sessions.iter().filter_map(|s| program.stage_index(&s.stage)).max()?;
        program.stages[..=reached]
            .iter()
            .filter(|s| s.reopen_on_new_disclosure)
            .find(|s| !self.all_met(s))
            .map(|s| (s, number))
    }
}
