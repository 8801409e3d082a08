//! Invitations to the intake form: random tokens stored only as hashes, their expiry and
//! retirement, drafts kept while a partner fills the form in, and the single-use submission.

use mend_core::{CheckedAnswers, InvalidInput, InvitationToken, PartnerName, Questionnaire, RawAnswers};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::record;
use crate::clock::stamp;
use mend_core::PartnerId;

use crate::couples::{couple_of_partner, stored_name};
use crate::versions::{publish, published_sha256};
use mend_core::Couple;

use crate::{Store, StoreError};

/// An invitation's internal row id. Only the store makes one, from a row it read, so an id in
/// hand names an invitation that existed (it may have been deleted since, with its couple).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct InvitationId(i64);

impl InvitationId {
    /// The row id, for queries in other modules of the store.
    pub(crate) fn get(self) -> i64 {
        self.0
    }

    /// The id of a row just read.
    pub(crate) fn from_row(id: i64) -> Self {
        Self(id)
    }
}

impl std::fmt::Display for InvitationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// The link works: the form may be filled in and submitted.
    Active,
    /// The form was submitted through it.
    Used,
    /// Its expiry has passed.
    Expired,
    /// A newer invitation for the same partner replaced it.
    Retired,
}

/// An open invitation as the therapist sees it; the token itself is never stored or shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationInfo {
    /// The invitation's internal id.
    pub invitation_id: InvitationId,
    /// The partner invited.
    pub partner_id: PartnerId,
    /// That partner's name.
    pub partner_name: PartnerName,
    /// The questionnaire's id.
    pub questionnaire: String,
    /// The questionnaire's version.
    pub version: u32,
    /// When it was made, RFC 3339 UTC.
    pub created_at: String,
    /// When it stops working, RFC 3339 UTC.
    pub expires_at: String,
}

/// What a token leads to, for the intake server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationLookup {
    /// The invitation's internal id, for drafts.
    pub invitation_id: InvitationId,
    /// The partner invited.
    pub partner_id: PartnerId,
    /// That partner's name, to greet them.
    pub partner_name: PartnerName,
    /// The couple's short id.
    pub couple_short_id: String,
    /// The questionnaire's id.
    pub questionnaire: String,
    /// The questionnaire's version.
    pub version: u32,
    /// The SHA-256 of that version's content when the link was made; `None` for a link made
    /// before mend kept versions.
    pub content_sha256: Option<String>,
    /// When it stops working, RFC 3339 UTC.
    pub expires_at: String,
    /// Where it stands at the time asked about.
    pub state: InvitationState,
}

/// An opened link: what it leads to, the saved draft if any, and for a check-in link the sheets
/// it asks about (see [`Store::open_invitation`]).
pub type OpenedLink = (InvitationLookup, Option<RawAnswers>, Option<crate::CheckinAsks>);

/// What happened to a submitted form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// The answers are stored durably and the link is closed.
    Stored,
    /// The link was used before; nothing was stored.
    AlreadyUsed,
    /// The token is unknown, expired or replaced; nothing was stored.
    NotActive,
}

/// An invitation row with what decides its state.
struct InvitationRow {
    id: InvitationId,
    partner_id: PartnerId,
    partner_name: String,
    couple_short_id: String,
    questionnaire: String,
    version: u32,
    content_sha256: Option<String>,
    expires_at: String,
    used_at: Option<String>,
    retired_at: Option<String>,
}

impl InvitationRow {
    /// The row as the intake server sees it at `now` (RFC 3339 UTC).
    fn into_lookup(self, now: &str) -> Result<InvitationLookup, StoreError> {
        let state = self.state(now);
        Ok(InvitationLookup {
            invitation_id: self.id,
            partner_id: self.partner_id,
            partner_name: stored_name(self.partner_name)?,
            couple_short_id: self.couple_short_id,
            questionnaire: self.questionnaire,
            version: self.version,
            content_sha256: self.content_sha256,
            expires_at: self.expires_at,
            state,
        })
    }

    /// Use comes first, so a submitted form reads as used even after it would have expired.
    fn state(&self, now: &str) -> InvitationState {
        if self.used_at.is_some() {
            InvitationState::Used
        } else if self.retired_at.is_some() {
            InvitationState::Retired
        } else if self.expires_at.as_str() <= now {
            InvitationState::Expired
        } else {
            InvitationState::Active
        }
    }
}

/// The columns [`invitation_row`] reads, and the tables they come from. Macros rather than
/// constants so that each query is one string literal, built at compile time, for the statement
/// cache to find without formatting anything per call.
macro_rules! invitation_select {
    ($($rest:expr),*) => {
        concat!(
            "SELECT i.id, i.partner_id, p.name, c.short_id, i.questionnaire, i.questionnaire_version,
                i.expires_at, i.used_at, i.retired_at, i.questionnaire_sha256",
            $($rest,)*
        )
    };
}
macro_rules! invitation_tables {
    () => {
        " FROM invitations i JOIN partners p ON p.id = i.partner_id JOIN couples c ON c.id = p.couple_id"
    };
}

/// Reads the columns that [`invitation_select!`] names, which come first in a row.
fn invitation_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<InvitationRow> {
    Ok(InvitationRow {
        id: InvitationId(row.get(0)?),
        partner_id: row.get(1).map(PartnerId::from_row)?,
        partner_name: row.get(2)?,
        couple_short_id: row.get(3)?,
        questionnaire: row.get(4)?,
        version: row.get(5)?,
        expires_at: row.get(6)?,
        used_at: row.get(7)?,
        retired_at: row.get(8)?,
        content_sha256: row.get(9)?,
    })
}

fn find_by_hash(conn: &Connection, hash: &str) -> Result<Option<InvitationRow>, StoreError> {
    let sql = invitation_select!(invitation_tables!(), " WHERE i.token_sha256 = ?1");
    // Cached statements: these run on every page view and submission of the intake server.
    Ok(conn.prepare_cached(sql)?.query_row([hash], invitation_row).optional()?)
}

fn find_by_id(conn: &Connection, id: InvitationId) -> Result<Option<InvitationRow>, StoreError> {
    let sql = invitation_select!(invitation_tables!(), " WHERE i.id = ?1");
    Ok(conn.prepare_cached(sql)?.query_row([id.0], invitation_row).optional()?)
}

impl Store {
    /// Invites a partner to fill in `questionnaire` until `expires_at`, and returns the token
    /// for the link. The questionnaire is kept as a published version, so the link keeps its
    /// form whatever the content says later; a changed questionnaire under a version already
    /// kept is refused ([`StoreError::QuestionnaireChanged`]). The partner's earlier unused
    /// invitations stop working in the same transaction, so only the newest link is live.
    pub fn create_invitation(
        &mut self,
        partner: PartnerId,
        questionnaire: &Questionnaire,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<InvitationToken, StoreError> {
        let request = crate::LinkRequest { partner, questionnaire, checkin: None, expires_at };
        let made = self.make_links(&[request], now, |_| Ok::<_, StoreError>(()))?;
        made.into_iter().next().map(|link| link.token).ok_or(StoreError::InvitationNotActive)
    }

    /// The couple's invitations that still work at `now`, oldest first.
    pub fn open_invitations(&self, couple: &Couple, now: OffsetDateTime) -> Result<Vec<InvitationInfo>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT i.id, i.partner_id, p.name, i.questionnaire, i.questionnaire_version, i.created_at, i.expires_at
             FROM invitations i JOIN partners p ON p.id = i.partner_id
             WHERE p.couple_id = ?1 AND i.used_at IS NULL AND i.retired_at IS NULL AND i.expires_at > ?2
             ORDER BY i.id",
        )?;
        let rows = stmt
            .query_map(params![couple.id.get(), stamp(now)?], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1).map(PartnerId::from_row)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(invitation_id, partner_id, name, questionnaire, version, created_at, expires_at)| {
                Ok(InvitationInfo {
                    invitation_id: InvitationId(invitation_id),
                    partner_id,
                    partner_name: stored_name(name)?,
                    questionnaire,
                    version,
                    created_at,
                    expires_at,
                })
            })
            .collect()
    }

    /// What a token from a link leads to at `now`, or `None` if no invitation has it.
    pub fn lookup_invitation(
        &self,
        token: &InvitationToken,
        now: OffsetDateTime,
    ) -> Result<Option<InvitationLookup>, StoreError> {
        let now = stamp(now)?;
        let Some(row) = find_by_hash(&self.conn, &token.sha256())? else {
            return Ok(None);
        };
        row.into_lookup(&now).map(Some)
    }

    /// What a partner opening their link needs, in one query: what the token leads to at `now`,
    /// the answers they saved, if any, and for a check-in link what it asks
    /// (`None` for an intake link). The intake server runs this on every page view, so it is one
    /// statement rather than a lookup and then reads of the draft and the sheets.
    pub fn open_invitation(
        &self,
        token: &InvitationToken,
        now: OffsetDateTime,
    ) -> Result<Option<OpenedLink>, StoreError> {
        let now = stamp(now)?;
        let sql = invitation_select!(
            ", d.answers, c.homework, c.sections",
            invitation_tables!(),
            " LEFT JOIN intake_drafts d ON d.invitation_id = i.id
              LEFT JOIN checkin_links c ON c.invitation_id = i.id WHERE i.token_sha256 = ?1"
        );
        let found = self
            .conn
            .prepare_cached(sql)?
            .query_row([token.sha256()], |row| {
                let asks = row.get::<_, Option<String>>(11)?.zip(row.get::<_, Option<String>>(12)?);
                Ok((invitation_row(row)?, row.get::<_, Option<String>>(10)?, asks))
            })
            .optional()?;
        let Some((row, draft, asks)) = found else { return Ok(None) };
        let draft = draft.map(|json| serde_json::from_str(&json)).transpose()?;
        let asks = asks.map(|(homework, sections)| crate::checkins::read_asks(&homework, &sections)).transpose()?;
        Ok(Some((row.into_lookup(&now)?, draft, asks)))
    }

    /// Keeps a partner's unfinished answers so they can come back to the form; refused with
    /// [`StoreError::InvitationNotActive`] once the invitation is used, expired or replaced.
    pub fn save_draft(
        &mut self,
        invitation_id: InvitationId,
        draft: &RawAnswers,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let saved_at = stamp(now)?;
        let answers = serde_json::to_string(draft)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let active = find_by_id(&tx, invitation_id)?.is_some_and(|row| row.state(&saved_at) == InvitationState::Active);
        if !active {
            return Err(StoreError::InvitationNotActive);
        }
        tx.prepare_cached(
            "INSERT INTO intake_drafts (invitation_id, answers, saved_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (invitation_id) DO UPDATE SET answers = excluded.answers, saved_at = excluded.saved_at",
        )?
        .execute(params![invitation_id.0, answers, saved_at])?;
        tx.commit()?;
        Ok(())
    }

    /// The unfinished answers kept for an invitation, if any.
    pub fn draft(&self, invitation_id: InvitationId) -> Result<Option<RawAnswers>, StoreError> {
        let answers: Option<String> = self
            .conn
            .prepare_cached("SELECT answers FROM intake_drafts WHERE invitation_id = ?1")?
            .query_row([invitation_id.0], |row| row.get(0))
            .optional()?;
        answers.map(|json| serde_json::from_str(&json)).transpose().map_err(Into::into)
    }

    /// Stores a partner's answers through their token in one IMMEDIATE transaction: checks the
    /// invitation still works, stores the answers, closes the invitation, drops the draft and
    /// notes it in the audit trail. This is the one place that makes a link single-use: of two
    /// submissions racing, the second waits for the first and then finds the link used.
    pub fn submit_intake(
        &mut self,
        token: &InvitationToken,
        answers: &CheckedAnswers,
        now: OffsetDateTime,
    ) -> Result<SubmitOutcome, StoreError> {
        let link = token.sha256();
        let outcomes = self.submit_intakes(&[IntakeSubmission::new(&link, answers, now, None)])?;
        // One submission in, one outcome out.
        outcomes.into_iter().next().unwrap_or(Ok(SubmitOutcome::NotActive))
    }

    /// Stores several submissions with one commit, so that a busy server waits for the disk once
    /// for all the forms that arrived while the last commit was being made ("group commit").
    ///
    /// Each submission is checked and stored as [`Store::submit_intake`] (or, with scores,
    /// [`Store::submit_checkin`]) describes, inside its own
    /// savepoint: one that fails is undone alone and reported in its place, and the others are
    /// kept. The outer `Err` means the commit itself failed, so nothing at all was stored. Only
    /// when this returns is anything durable, so a caller acknowledges no form before it does.
    pub fn submit_intakes(
        &mut self,
        submissions: &[IntakeSubmission<'_>],
    ) -> Result<Vec<Result<SubmitOutcome, StoreError>>, StoreError> {
        let actor = self.actor;
        let mut tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(submissions.len());
        for submission in submissions {
            // The savepoint rolls back when dropped, unless `store_one` committed it.
            let outcome = tx.savepoint().map_err(StoreError::from).and_then(|savepoint| match submission.scores {
                None => store_one(savepoint, actor, submission),
                Some(scores) => crate::checkins::store_checkin(savepoint, actor, submission, scores),
            });
            outcomes.push(outcome);
        }
        tx.commit()?;
        Ok(outcomes)
    }
}

/// One form sent through an invitation link, for [`Store::submit_intakes`].
#[derive(Debug, Clone, Copy)]
pub struct IntakeSubmission<'a> {
    /// The SHA-256 of the link's token, as [`InvitationToken::sha256`] gives it.
    pub link: &'a str,
    /// The answers, as the questionnaire checked them.
    pub answers: &'a CheckedAnswers,
    /// When it was sent.
    pub at: OffsetDateTime,
    /// For a check-in, its scores, stored with it (see [`Store::submit_checkin`]); `None` for an
    /// intake.
    pub scores: Option<&'a std::collections::BTreeMap<String, i64>>,
    /// Whether the relay took the form in: it checked, when the form was sent, that the link
    /// worked, so the record stores it unless it holds the link's answers already. A link
    /// retired or expired since then was still open when the partner pressed "Send".
    pub relayed: bool,
}

impl<'a> IntakeSubmission<'a> {
    /// A form sent through the link whose token has the hash `link`, checked by the record.
    pub fn new(
        link: &'a str,
        answers: &'a CheckedAnswers,
        at: OffsetDateTime,
        scores: Option<&'a std::collections::BTreeMap<String, i64>>,
    ) -> Self {
        IntakeSubmission { link, answers, at, scores, relayed: false }
    }
}

/// Checks, stores and closes one submission inside `savepoint`, releasing it only if stored.
pub(crate) fn store_one(
    savepoint: rusqlite::Savepoint<'_>,
    actor: crate::Actor,
    submission: &IntakeSubmission<'_>,
) -> Result<SubmitOutcome, StoreError> {
    let submitted_at = stamp(submission.at)?;
    let Some(row) = find_by_hash(&savepoint, submission.link)? else {
        return Ok(SubmitOutcome::NotActive);
    };
    match row.state(&submitted_at) {
        InvitationState::Active => {}
        InvitationState::Used => return Ok(SubmitOutcome::AlreadyUsed),
        InvitationState::Expired | InvitationState::Retired if submission.relayed => {}
        InvitationState::Expired | InvitationState::Retired => return Ok(SubmitOutcome::NotActive),
    }
    let answers_json = serde_json::to_string(submission.answers.answers())?;
    // The answers are stored against the version that checked them: the page the partner saw,
    // even if the link has moved to a newer version since.
    let (questionnaire, version) = (submission.answers.questionnaire(), submission.answers.version());
    let content_sha256 = if (questionnaire, version) == (row.questionnaire.as_str(), row.version) {
        row.content_sha256.clone()
    } else {
        published_sha256(&savepoint, questionnaire, version)?
    };
    savepoint
        .prepare_cached(
            "INSERT INTO intake_responses (partner_id, invitation_id, questionnaire, questionnaire_version,
                                           questionnaire_sha256, answers, submitted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            row.partner_id.get(),
            row.id.0,
            questionnaire,
            version,
            content_sha256,
            answers_json,
            submitted_at
        ])?;
    savepoint
        .prepare_cached("UPDATE invitations SET used_at = ?1 WHERE id = ?2")?
        .execute(params![submitted_at, row.id.0])?;
    savepoint.prepare_cached("DELETE FROM intake_drafts WHERE invitation_id = ?1")?.execute([row.id.0])?;
    let detail = format!("invitation {}", row.id);
    record(&savepoint, actor, "intake submitted", Some(&row.couple_short_id), Some(&detail), submission.at)?;
    savepoint.commit()?;
    Ok(SubmitOutcome::Stored)
}

/// Which kind of link a new one is: it retires the partner's open links of its own kind only, so
/// that a check-in link never ends an intake link that is still out, nor the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    Intake,
    Checkin,
}

/// A link just made, inside its transaction.
pub(crate) struct NewLink {
    pub(crate) token: InvitationToken,
    pub(crate) id: i64,
    pub(crate) couple_short_id: String,
    /// The SHA-256 of the questionnaire version it shows.
    pub(crate) content_sha256: String,
    /// The token hashes of the partner's open links of its kind that it retired.
    pub(crate) retired: Vec<String>,
}

/// Makes a link for `partner` to fill in `questionnaire` until `expires_at`, inside `tx`: keeps
/// the questionnaire as a published version (refusing changed content under a kept version),
/// retires the partner's open links of the same kind, and stores the new link's hash.
pub(crate) fn insert_link(
    tx: &rusqlite::Transaction<'_>,
    partner: PartnerId,
    questionnaire: &Questionnaire,
    kind: LinkKind,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<NewLink, StoreError> {
    mend_core::domain::check_id(&questionnaire.id)?;
    if expires_at <= now {
        return Err(InvalidInput("a link must expire after it is made: give a later expiry".into()).into());
    }
    let (created, expires) = (stamp(now)?, stamp(expires_at)?);
    let token = InvitationToken::generate(&mut rand::rng());
    let couple_short_id = couple_of_partner(tx, partner)?;
    let hash = publish(tx, questionnaire, &created)?;
    let retire = match kind {
        LinkKind::Intake => {
            "UPDATE invitations SET retired_at = ?1 WHERE partner_id = ?2 AND used_at IS NULL AND retired_at IS NULL
             AND id NOT IN (SELECT invitation_id FROM checkin_links) RETURNING token_sha256"
        }
        LinkKind::Checkin => {
            "UPDATE invitations SET retired_at = ?1 WHERE partner_id = ?2 AND used_at IS NULL AND retired_at IS NULL
             AND id IN (SELECT invitation_id FROM checkin_links) RETURNING token_sha256"
        }
    };
    let retired = tx
        .prepare(retire)?
        .query_map(params![created, partner.get()], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    tx.execute(
        "INSERT INTO invitations (partner_id, token_sha256, questionnaire, questionnaire_version, questionnaire_sha256,
                                  created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![partner.get(), token.sha256(), questionnaire.id, questionnaire.version, hash, created, expires],
    )?;
    Ok(NewLink { token, id: tx.last_insert_rowid(), couple_short_id, content_sha256: hash, retired })
}
