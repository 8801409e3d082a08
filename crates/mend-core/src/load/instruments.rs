//! The licence ledger in the content check: every instrument's entry complete, and every score
//! of the questionnaire licensed, with cut-offs and attribution as the ledger gives them.

use std::collections::BTreeSet;

use super::{INSTRUMENTS_FILE, Parsed, Problems};
use crate::content::{Instrument, check_item_id};
use crate::questionnaire::Questionnaire;

/// Checks the licence ledger's entries on their own: ids, nothing left blank, some cut-offs.
pub(super) fn check_instruments(problems: &mut Problems, instruments: &[Instrument]) {
    let mut ids = BTreeSet::new();
    for instrument in instruments {
        let id = Some(instrument.id.as_str());
        check_item_id(&mut problems.0, INSTRUMENTS_FILE, &instrument.id);
        if !ids.insert(&instrument.id) {
            problems.add(INSTRUMENTS_FILE, id, "instrument id used twice: give each instrument one entry");
        }
        for (field, value) in [
            ("name", &instrument.name),
            ("rights_holder", &instrument.rights_holder),
            ("grant", &instrument.grant),
            ("grant_source", &instrument.grant_source),
            ("published", &instrument.published),
            ("attribution", &instrument.attribution),
            ("cutoffs_source", &instrument.cutoffs_source),
        ] {
            if value.trim().is_empty() {
                problems.add(
                    INSTRUMENTS_FILE,
                    id,
                    format!("`{field}` is empty: a licence entry needs its rights holder, the grant quoted, where both were published, the attribution line and the source of its cut-offs"),
                );
            }
        }
        if instrument.reliable_change.is_some() && instrument.reliable_change_source.trim().is_empty() {
            problems.add(
                INSTRUMENTS_FILE,
                id,
                "`reliable_change_source` is empty: give the source of `reliable_change`, or remove the threshold",
            );
        }
        if instrument.reliable_change.is_some_and(|points| points <= 0) {
            problems.add(INSTRUMENTS_FILE, id, "`reliable_change` must be a positive number of points");
        }
        if instrument.cutoffs.is_empty() {
            problems.add(INSTRUMENTS_FILE, id, "`cutoffs` is empty: list the published cut-offs");
        }
    }
}

/// Every score must be of an instrument in the licence ledger, at one of its published cut-offs;
/// the ledger's attribution line is the one printed, so a score's own may only repeat it.
pub(super) fn license_scores(problems: &mut Problems, path: &str, q: &mut Questionnaire, parsed: &Parsed) {
    if parsed.unreadable.contains(INSTRUMENTS_FILE) {
        // The ledger's own problem is reported; every score would otherwise be reported too.
        return;
    }
    for score in &mut q.scores {
        let id = Some(score.id.as_str());
        if score.own {
            // mend's own items: nothing to license, and no published cut-off to screen with.
            if score.cutoff.is_some() {
                problems.add(path, id, "an `own` score has no published cut-off: remove `cutoff`");
            }
            if parsed.instruments.iter().any(|i| i.id == score.id) {
                problems.add(
                    path,
                    id,
                    format!("is marked `own` but {INSTRUMENTS_FILE} has an instrument with this id: remove `own`"),
                );
            }
            continue;
        }
        let Some(instrument) = parsed.instruments.iter().find(|i| i.id == score.id) else {
            problems.add(
                path,
                id,
                format!(
                    "scores an instrument with no licence entry: add [[instruments]] with id = {:?} to {INSTRUMENTS_FILE} (rights holder, the grant quoted, where it was published, the attribution line and the source of its cut-offs), or remove the score",
                    score.id
                ),
            );
            continue;
        };
        match score.cutoff {
            Some(cutoff) if instrument.cutoffs.contains(&cutoff) => {}
            Some(cutoff) => problems.add(
                path,
                id,
                format!(
                    "cutoff {cutoff} is not among the published cut-offs in {INSTRUMENTS_FILE} ({:?}): use one of them",
                    instrument.cutoffs
                ),
            ),
            None => problems.add(
                path,
                id,
                format!(
                    "a published score needs a `cutoff`: use one of {:?} from {INSTRUMENTS_FILE}",
                    instrument.cutoffs
                ),
            ),
        }
        if score.attribution.trim().is_empty() {
            score.attribution = instrument.attribution.clone();
        } else if score.attribution.trim() != instrument.attribution.trim() {
            problems.add(
                path,
                id,
                format!("`attribution` differs from the licence entry's in {INSTRUMENTS_FILE}: remove it here, and the ledger's line is used"),
            );
        }
    }
}
