//! Check-in links and scores: a check-in link is an invitation with a `checkin_links` row naming the homework it asks about, and a sent check-in leaves one scored row per measure.
//!
//! Everything an invitation has (the hashed token, expiry, single use, drafts, the one
//! transaction that stores a sent form) a check-in link has too, through the invitation it is.
//! Only what is new lives here: the homework a link asks about, the scores, and reading them back.

use std::collections::BTreeMap;
use std::sync::Arc;

use mend_core::{Answers, CheckedAnswers, CheckinRecord, InvitationToken, PartnerId, Questionnaire};
use rusqlite::{Connection, OptionalExtension, Savepoint, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::invitations::{IntakeSubmission, InvitationId, store_one};
use crate::{Store, StoreError, SubmitOutcome};

/// One scored row of a sent check-in, as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedScore {
    /// The instrument's id.
    pub instrument: String,
    /// The total.
    pub score: i64,
    /// The day it is charted on, `YYYY-MM-DD`.
    pub day: String,
}

/// What a check-in link asks beyond the questions every check-in asks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinAsks {
    /// The homework sheets given at the last session (ids), in the order of the check-in's slots.
    pub homework: Vec<String>,
    /// The scheduled sections due for this partner (ids), such as the PCL-5's.
    #[serde(default)]
    pub sections: Vec<String>,
}

impl CheckinAsks {
    /// A link that asks about these sheets and no scheduled section.
    pub fn sheets(homework: Vec<String>) -> Self {
        Self { homework, sections: Vec::new() }
    }
}

/// What an exported invitation carries when it is a check-in link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedCheckin {
    /// The homework sheets the link asks about, in the order of the check-in's slots.
    pub homework: Vec<String>,
    /// The scheduled sections it asks; an export from before they existed has none.
    #[serde(default)]
    pub sections: Vec<String>,
    /// The scores of the check-in sent through it, if it was sent.
    pub scores: Vec<ExportedScore>,
}

impl Store {
    /// Makes a check-in link for a partner until `expires_at`, asking what `asks` says, and
    /// returns its token. The partner's earlier unused check-in links stop working in the same
    /// transaction; an open intake invitation is left alone.
    pub fn create_checkin_link(
        &mut self,
        partner: PartnerId,
        questionnaire: &Questionnaire,
        asks: &CheckinAsks,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<InvitationToken, StoreError> {
        let request = crate::LinkRequest { partner, questionnaire, checkin: Some(asks), expires_at };
        let made = self.make_links(&[request], now, |_| Ok::<_, StoreError>(()))?;
        made.into_iter().next().map(|link| link.token).ok_or(StoreError::InvitationNotActive)
    }

    /// What a check-in link asks, or `None` if the invitation is not a check-in link.
    pub fn checkin_asks(&self, invitation: InvitationId) -> Result<Option<CheckinAsks>, StoreError> {
        let json: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT homework, sections FROM checkin_links WHERE invitation_id = ?1")?
            .query_row([invitation.get()], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        json.map(|(homework, sections)| read_asks(&homework, &sections)).transpose()
    }

    /// Stores a sent check-in through its token as [`Store::submit_intake`] stores a form, and in
    /// the same transaction its scores, one row per measure, charted on the day it was sent.
    /// [`Store::submit_intakes`] stores check-ins in groups the same way.
    pub fn submit_checkin(
        &mut self,
        token: &InvitationToken,
        answers: &CheckedAnswers,
        scores: &BTreeMap<String, i64>,
        now: OffsetDateTime,
    ) -> Result<SubmitOutcome, StoreError> {
        let link = token.sha256();
        let outcomes = self.submit_intakes(&[IntakeSubmission::new(&link, answers, now, Some(scores))])?;
        // One submission in, one outcome out.
        outcomes.into_iter().next().unwrap_or(Ok(SubmitOutcome::NotActive))
    }
}

/// Stores a sent check-in inside `savepoint` as [`store_one`] stores a form, with its scores;
/// releases the savepoint only if it was stored. A token that is not a check-in link's is not
/// active here.
pub(crate) fn store_checkin(
    mut savepoint: Savepoint<'_>,
    actor: crate::Actor,
    submission: &IntakeSubmission<'_>,
    scores: &BTreeMap<String, i64>,
) -> Result<SubmitOutcome, StoreError> {
    let token = submission.link;
    let is_checkin: bool = savepoint
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM checkin_links l JOIN invitations i ON i.id = l.invitation_id
                 WHERE i.token_sha256 = ?1)",
        )?
        .query_row([token], |row| row.get(0))?;
    if !is_checkin {
        return Ok(SubmitOutcome::NotActive);
    }
    let outcome = store_one(savepoint.savepoint()?, actor, submission)?;
    if outcome != SubmitOutcome::Stored {
        return Ok(outcome);
    }
    let day = crate::clock::day(submission.at.to_offset(time::UtcOffset::UTC).date())?;
    let (response, partner, questionnaire, version): (i64, i64, String, u32) = savepoint
        .prepare_cached(
            "SELECT r.id, r.partner_id, r.questionnaire, r.questionnaire_version
             FROM intake_responses r JOIN invitations i ON i.id = r.invitation_id WHERE i.token_sha256 = ?1",
        )?
        .query_row([token], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?;
    for (instrument, score) in scores {
        insert_score(&savepoint, response, partner, instrument, *score, &day, &questionnaire, version)?;
    }
    savepoint.commit()?;
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)] // One argument a column: a struct would only rename them.
fn insert_score(
    conn: &Connection,
    response: i64,
    partner: i64,
    instrument: &str,
    score: i64,
    day: &str,
    questionnaire: &str,
    version: u32,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO checkin_scores (partner_id, response_id, instrument, score, day, questionnaire, questionnaire_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![partner, response, instrument, score, day, questionnaire, version])?;
    Ok(())
}

/// A partner's sent check-ins, oldest first, with the homework each asked about and its scores.
pub(crate) fn checkins_of(
    conn: &Connection,
    partner: PartnerId,
    versions: &mut KeptVersions,
) -> Result<Vec<CheckinRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.submitted_at, r.questionnaire_version, r.answers, l.homework, l.sections, r.questionnaire
         FROM intake_responses r JOIN checkin_links l ON l.invitation_id = r.invitation_id
         WHERE r.partner_id = ?1 ORDER BY r.submitted_at, r.id",
    )?;
    let rows = stmt
        .query_map([partner.get()], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // Every score of the partner in one statement, rather than one a check-in: a year of weekly
    // check-ins is a hundred statements saved on every `mend plan` and `mend progress`.
    let mut by_response: BTreeMap<i64, (BTreeMap<String, i64>, String)> = BTreeMap::new();
    let mut scores =
        conn.prepare_cached("SELECT response_id, instrument, score, day FROM checkin_scores WHERE partner_id = ?1")?;
    for row in scores.query_map([partner.get()], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?, row.get::<_, String>(3)?))
    })? {
        let (response, instrument, score, day) = row?;
        let entry = by_response.entry(response).or_insert_with(|| (BTreeMap::new(), day));
        entry.0.insert(instrument, score);
    }
    rows.into_iter()
        .map(|(id, sent_at, version, answers, homework, sections, questionnaire)| {
            let (scores, day) = by_response.remove(&id).map_or((BTreeMap::new(), None), |(s, d)| (s, Some(d)));
            // A check-in with no scores is charted on the day it was sent.
            let day = match day {
                Some(day) => crate::clock::stored_day(&day)?,
                None => crate::clock::stored_day(sent_at.get(..10).unwrap_or_default())?,
            };
            let answers: Answers = serde_json::from_str(&answers)?;
            let CheckinAsks { homework, sections } = read_asks(&homework, &sections)?;
            let questionnaire = versions.read(conn, &questionnaire, version)?;
            Ok(CheckinRecord { sent_at, day, version, answers, homework, sections, scores, questionnaire })
        })
        .collect()
}

/// What the export holds of a check-in link, or `None` for an intake invitation.
pub(crate) fn export_checkin(conn: &Connection, invitation: i64) -> Result<Option<ExportedCheckin>, StoreError> {
    let asks: Option<(String, String)> = conn
        .query_row("SELECT homework, sections FROM checkin_links WHERE invitation_id = ?1", [invitation], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let Some((homework, sections)) = asks else { return Ok(None) };
    let CheckinAsks { homework, sections } = read_asks(&homework, &sections)?;
    let mut stmt = conn.prepare(
        "SELECT s.instrument, s.score, s.day FROM checkin_scores s JOIN intake_responses r ON r.id = s.response_id
         WHERE r.invitation_id = ?1 ORDER BY s.instrument",
    )?;
    let scores = stmt
        .query_map([invitation], |row| {
            Ok(ExportedScore { instrument: row.get(0)?, score: row.get(1)?, day: row.get(2)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(ExportedCheckin { homework, sections, scores }))
}

/// Imports what an exported check-in link holds, after its invitation (and response) are in.
pub(crate) fn import_checkin(
    conn: &Connection,
    invitation: i64,
    partner: PartnerId,
    questionnaire: &str,
    version: u32,
    checkin: &ExportedCheckin,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO checkin_links (invitation_id, homework, sections) VALUES (?1, ?2, ?3)",
        params![invitation, serde_json::to_string(&checkin.homework)?, serde_json::to_string(&checkin.sections)?],
    )?;
    if checkin.scores.is_empty() {
        return Ok(());
    }
    let response: i64 =
        conn.query_row("SELECT id FROM intake_responses WHERE invitation_id = ?1", [invitation], |row| row.get(0))?;
    for score in &checkin.scores {
        insert_score(
            conn,
            response,
            partner.get(),
            &score.instrument,
            score.score,
            &score.day,
            questionnaire,
            version,
        )?;
    }
    Ok(())
}

/// A link's two JSON columns, as stored.
pub(crate) fn read_asks(homework: &str, sections: &str) -> Result<CheckinAsks, StoreError> {
    Ok(CheckinAsks { homework: serde_json::from_str(homework)?, sections: serde_json::from_str(sections)? })
}

/// The check-in versions a record's check-ins were answered on, each read once: a year of
/// check-ins is usually one or two versions. The program's own version is not read at all.
pub(crate) struct KeptVersions {
    /// The program's check-in, as (id, version).
    current: Option<(String, u32)>,
    read: BTreeMap<(String, u32), Option<Arc<Questionnaire>>>,
}

impl KeptVersions {
    /// Versions to read for check-ins, all but `current`'s.
    pub(crate) fn new(current: Option<&Questionnaire>) -> Self {
        Self { current: current.map(|q| (q.id.clone(), q.version)), read: BTreeMap::new() }
    }

    /// The version `questionnaire`/`version` as the record keeps it; `None` when it is the
    /// program's own (which reads it the same: a version out on a link cannot change) or was sent
    /// before versions were kept, and the program's check-in reads it.
    fn read(
        &mut self,
        conn: &Connection,
        questionnaire: &str,
        version: u32,
    ) -> Result<Option<Arc<Questionnaire>>, StoreError> {
        let key = (questionnaire.to_owned(), version);
        if self.current.as_ref() == Some(&key) {
            return Ok(None);
        }
        if let Some(kept) = self.read.get(&key) {
            return Ok(kept.clone());
        }
        let read = crate::versions::read_version(conn, questionnaire, version)?.map(Arc::new);
        self.read.insert(key, read.clone());
        Ok(read)
    }
}
