//! The record's side of the relay: where the practice's links live, links made and handed to
//! the relay before their transaction commits, and sent forms taken in from it.
//!
//! The store does not talk to a relay itself: a caller gives [`Store::make_links`] the step that
//! pushes the new links, and hands [`Store::take_in`] the forms it opened. So the record and the
//! relay never disagree: a link the relay refused was never made, and a form is deleted from the
//! relay only after the record has committed it.

use mend_core::{InvitationToken, PartnerId, Questionnaire};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::audit::record;
use crate::checkins::CheckinAsks;
use crate::clock::stamp;
use crate::invitations::{IntakeSubmission, LinkKind, insert_link};
use crate::{Store, StoreError, SubmitOutcome};

/// Where the practice's links live, as the record keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct RelayJoin {
    /// A folder on this machine, or the `https://` address of a paired relay.
    pub location: String,
    /// The practice's number on that relay.
    pub practice: i64,
    /// The credential a paired relay gave for syncing; `None` for a folder.
    pub credential: Option<String>,
    /// The practice's secret key, which opens the answers sealed to it (age, `AGE-SECRET-KEY-1…`).
    pub identity: String,
    /// When the record last took in answers from the relay, or checked that none were waiting.
    pub synced_at: Option<String>,
}

impl std::fmt::Debug for RelayJoin {
    /// The credential and the key are left out: they open the practice's answers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayJoin")
            .field("location", &self.location)
            .field("practice", &self.practice)
            .field("synced_at", &self.synced_at)
            .finish_non_exhaustive()
    }
}

/// A link to make: for a partner, to a questionnaire, until a time; a check-in says what it asks.
#[derive(Debug, Clone, Copy)]
pub struct LinkRequest<'a> {
    /// The partner it is for.
    pub partner: PartnerId,
    /// The questions it shows.
    pub questionnaire: &'a Questionnaire,
    /// For a check-in link, what it asks; `None` for an intake link.
    pub checkin: Option<&'a CheckinAsks>,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// A link made inside [`Store::make_links`], for the step that pushes it and then the caller.
#[derive(Debug, Clone)]
pub struct MadeLink {
    /// Its row in the record, for recording the messages that carry it.
    pub invitation: crate::InvitationId,
    /// Its token, for the link printed once and for sealing what the relay keeps of it.
    pub token: InvitationToken,
    /// The partner it is for.
    pub partner: PartnerId,
    /// The SHA-256 of the questionnaire version it shows.
    pub content_sha256: String,
    /// The token hashes of the open links of its kind it replaced, which stop working.
    pub retired: Vec<String>,
}

/// An open link as a relay that has just been joined needs it: everything but what only the
/// token could seal, which the record never had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLink {
    /// The SHA-256 of its token.
    pub token_sha256: String,
    /// Whether it is a check-in link.
    pub checkin: bool,
    /// The questionnaire's id.
    pub questionnaire: String,
    /// The version it shows.
    pub version: u32,
    /// When it stops working, RFC 3339 UTC.
    pub expires_at: String,
}

impl Store {
    /// Makes the links asked for, in one transaction (each retiring the partner's open link of
    /// its kind, as [`Store::create_invitation`] does), hands them to `push`, and commits only if
    /// `push` succeeds: when the relay cannot be reached, no link is made and nothing is retired.
    pub fn make_links<E: From<StoreError>>(
        &mut self,
        requests: &[LinkRequest<'_>],
        now: OffsetDateTime,
        push: impl FnOnce(&[MadeLink]) -> Result<(), E>,
    ) -> Result<Vec<MadeLink>, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let mut made = Vec::with_capacity(requests.len());
        for request in requests {
            let kind = if request.checkin.is_some() { LinkKind::Checkin } else { LinkKind::Intake };
            let link = insert_link(&tx, request.partner, request.questionnaire, kind, now, request.expires_at)?;
            let what = match request.checkin {
                Some(asks) => {
                    tx.execute(
                        "INSERT INTO checkin_links (invitation_id, homework, sections) VALUES (?1, ?2, ?3)",
                        params![
                            link.id,
                            serde_json::to_string(&asks.homework).map_err(StoreError::from)?,
                            serde_json::to_string(&asks.sections).map_err(StoreError::from)?
                        ],
                    )
                    .map_err(StoreError::from)?;
                    "check-in link created"
                }
                None => "invitation created",
            };
            let detail = format!("invitation {}", link.id);
            record(&tx, self.actor, what, Some(&link.couple_short_id), Some(&detail), now)?;
            made.push(MadeLink {
                invitation: crate::InvitationId::from_row(link.id),
                token: link.token,
                partner: request.partner,
                content_sha256: link.content_sha256,
                retired: link.retired,
            });
        }
        push(&made)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(made)
    }

    /// Where the practice's links live, once it has joined a relay.
    pub fn relay(&self) -> Result<Option<RelayJoin>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT location, practice, credential, identity, synced_at FROM relay WHERE id = 1")?
            .query_row([], |row| {
                Ok(RelayJoin {
                    location: row.get(0)?,
                    practice: row.get(1)?,
                    credential: row.get(2)?,
                    identity: row.get(3)?,
                    synced_at: row.get(4)?,
                })
            })
            .optional()?)
    }

    /// Keeps the relay the practice joined, in place of any it had.
    pub fn join_relay(&mut self, join: &RelayJoin, now: OffsetDateTime) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO relay (id, location, practice, credential, identity, joined_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET location = excluded.location, practice = excluded.practice,
                 credential = excluded.credential, identity = excluded.identity, joined_at = excluded.joined_at,
                 synced_at = NULL",
            params![join.location, join.practice, join.credential, join.identity, stamp(now)?],
        )?;
        record(&tx, self.actor, "relay joined", None, None, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Notes that the relay was asked for answers at `now` and none were left waiting.
    pub fn synced(&mut self, now: OffsetDateTime) -> Result<(), StoreError> {
        self.conn.execute("UPDATE relay SET synced_at = ?1 WHERE id = 1", [stamp(now)?])?;
        Ok(())
    }

    /// The links that work at `now`, for a relay the practice has just joined.
    pub fn open_links(&self, now: OffsetDateTime) -> Result<Vec<OpenLink>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT i.token_sha256, c.invitation_id IS NOT NULL, i.questionnaire, i.questionnaire_version, i.expires_at
             FROM invitations i LEFT JOIN checkin_links c ON c.invitation_id = i.id
             WHERE i.used_at IS NULL AND i.retired_at IS NULL AND i.expires_at > ?1 ORDER BY i.id",
        )?;
        let links = statement
            .query_map([stamp(now)?], |row| {
                Ok(OpenLink {
                    token_sha256: row.get(0)?,
                    checkin: row.get(1)?,
                    questionnaire: row.get(2)?,
                    version: row.get(3)?,
                    expires_at: row.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(links)
    }

    /// The token hashes of a couple's links that have not been used, for retiring them on the
    /// relay before the couple is deleted.
    pub fn unused_links(&self, couple: &mend_core::Couple) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT i.token_sha256 FROM invitations i JOIN partners p ON p.id = i.partner_id
             WHERE p.couple_id = ?1 AND i.used_at IS NULL",
        )?;
        let hashes = statement.query_map([couple.id.get()], |row| row.get(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(hashes)
    }

    /// The token hashes of the couple's links (of `partner` alone, if given) that still work at
    /// `now`, intake and check-in alike: what `mend invite revoke` retires.
    pub fn working_links(
        &self,
        couple: &mend_core::Couple,
        partner: Option<PartnerId>,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT i.token_sha256 FROM invitations i JOIN partners p ON p.id = i.partner_id
             WHERE p.couple_id = ?1 AND (?2 IS NULL OR p.id = ?2)
               AND i.used_at IS NULL AND i.retired_at IS NULL AND i.expires_at > ?3
             ORDER BY i.id",
        )?;
        let hashes = statement
            .query_map(params![couple.id.get(), partner.map(PartnerId::get), stamp(now)?], |row| row.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(hashes)
    }

    /// Retires the couple's links with these token hashes that are not used or retired yet, in
    /// one transaction that the audit trail notes; returns how many it retired. The caller has
    /// told the relay first, so a link is never dead in the record and open on the relay.
    pub fn retire_links(
        &mut self,
        couple: &mend_core::Couple,
        hashes: &[String],
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let actor = self.actor;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at = stamp(now)?;
        let mut retired = 0;
        for hash in hashes {
            retired += tx.execute(
                "UPDATE invitations SET retired_at = ?1
                 WHERE token_sha256 = ?2 AND used_at IS NULL AND retired_at IS NULL
                   AND partner_id IN (SELECT id FROM partners WHERE couple_id = ?3)",
                params![at, hash, couple.id.get()],
            )?;
        }
        let detail = format!("{retired} links");
        record(&tx, actor, "invitation revoked", Some(&couple.short_id), Some(&detail), now)?;
        tx.commit()?;
        Ok(retired)
    }

    /// Stores forms the relay took in, with one commit, as [`Store::submit_intakes`] does; a form
    /// whose link already has its answers is [`SubmitOutcome::AlreadyUsed`] (taken in before),
    /// one whose link the record does not know is [`SubmitOutcome::NotActive`]. The commit also
    /// notes when the record last synced.
    pub fn take_in(
        &mut self,
        forms: &[IntakeSubmission<'_>],
        now: OffsetDateTime,
    ) -> Result<Vec<Result<SubmitOutcome, StoreError>>, StoreError> {
        let actor = self.actor;
        let mut tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(forms.len());
        for form in forms {
            let form = IntakeSubmission { relayed: true, ..*form };
            let outcome = tx.savepoint().map_err(StoreError::from).and_then(|savepoint| match form.scores {
                None => crate::invitations::store_one(savepoint, actor, &form),
                Some(scores) => crate::checkins::store_checkin(savepoint, actor, &form, scores),
            });
            outcomes.push(outcome);
        }
        tx.execute("UPDATE relay SET synced_at = ?1 WHERE id = 1", [stamp(now)?])?;
        tx.commit()?;
        Ok(outcomes)
    }
}
