//! Taking sent forms in: opened with the practice's key, checked again by the version that showed
//! them, stored in the record with one commit, and only then deleted from the relay.
//!
//! Killed at any moment, nothing is lost and nothing arrives twice: a form stays on the relay until
//! the record has committed it, and a form whose link the record has already answered is only
//! acknowledged again.

use std::collections::BTreeMap;

use mend_core::checkin::scores_of;
use mend_core::day::latest_today;
use mend_core::{CheckedAnswers, Questionnaire};
use mend_relay::{LinkKind, SentForm};
use mend_store::{IntakeSubmission, Store, SubmitOutcome};
use serde::Serialize;
use time::OffsetDateTime;

use crate::practice::{Practice, PracticeError};

/// How many forms are taken in with one commit of the record and one of the relay.
pub const TAKE_IN_BATCH: usize = 1000;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Forms stored in the record now.
    pub received: usize,
    /// Forms the record had already (a sync cut short before it told the relay), acknowledged again.
    pub already: usize,
    /// Forms left on the relay because they cannot be taken in: a link the record does not know
    /// (a record restored from an older copy, say), or a seal this practice's key does not open.
    pub left: usize,
}

/// A form opened and checked, ready for the record.
struct Ready {
    id: i64,
    form: SentForm,
    answers: CheckedAnswers,
    scores: Option<BTreeMap<String, i64>>,
}

impl Practice {
    /// Takes in every form waiting on the relay, in batches of [`TAKE_IN_BATCH`], each stored with
    /// one commit of the record before the relay deletes it.
    pub fn sync(&self, store: &mut Store, now: OffsetDateTime) -> Result<SyncReport, PracticeError> {
        let mut report = SyncReport::default();
        let mut versions: BTreeMap<(String, u32), Option<Questionnaire>> = BTreeMap::new();
        loop {
            let waiting = self.waiting(TAKE_IN_BATCH + report.left)?;
            // Forms left behind come first again; only the rest are new.
            let waiting: Vec<_> = waiting.into_iter().skip(report.left).collect();
            if waiting.is_empty() {
                break;
            }
            let mut ready = Vec::with_capacity(waiting.len());
            for one in waiting {
                let opened =
                    hex::decode(&one.sealed).ok().and_then(|bytes| SentForm::open(&bytes, self.identity()).ok());
                let Some(form) = opened else {
                    report.left += 1;
                    continue;
                };
                let key = (form.questionnaire.clone(), form.version);
                let questionnaire = match versions.get(&key) {
                    Some(kept) => kept.clone(),
                    None => {
                        let kept = store.questionnaire_version(&form.questionnaire, form.version)?;
                        versions.insert(key, kept.clone());
                        kept
                    }
                };
                // The relay checked the answers with these questions before it took them, so
                // they pass again; the check is what makes answers the record accepts.
                let checked = questionnaire.as_ref().and_then(|q| {
                    let answers = q.check(&form.answers, latest_today(form.sent_at)).ok()?;
                    let scores = (form.kind == LinkKind::Checkin).then(|| scores_of(q, answers.answers()));
                    Some((answers, scores))
                });
                match checked {
                    Some((answers, scores)) => ready.push(Ready { id: one.id, form, answers, scores }),
                    None => report.left += 1,
                }
            }
            let forms: Vec<IntakeSubmission<'_>> = ready
                .iter()
                .map(|one| {
                    IntakeSubmission::new(&one.form.token_sha256, &one.answers, one.form.sent_at, one.scores.as_ref())
                })
                .collect();
            let outcomes = store.take_in(&forms, now)?;
            let mut done = Vec::with_capacity(ready.len());
            for (one, outcome) in ready.iter().zip(outcomes) {
                match outcome {
                    Ok(SubmitOutcome::Stored) => {
                        report.received += 1;
                        done.push(one.id);
                    }
                    Ok(SubmitOutcome::AlreadyUsed) => {
                        report.already += 1;
                        done.push(one.id);
                    }
                    Ok(SubmitOutcome::NotActive) | Err(_) => report.left += 1,
                }
            }
            self.acknowledge(&done)?;
        }
        Ok(report)
    }
}
