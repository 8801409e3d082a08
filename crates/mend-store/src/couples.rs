//! Couples and their partners: adding, listing, finding by short id or name, reading the whole
//! record for the planner, and deleting without a trace.

use std::sync::Arc;

use mend_core::{
    Answers, BreachKind, Couple, CoupleId, CoupleRecord, EmailAddress, InvalidInput, LookupError, NewCouple, Partner,
    PartnerId, PartnerName, PartnerRecord, Program, Questionnaire, Roles,
};
use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::audit::record;
use crate::clock::stamp;
use crate::{Store, StoreError};

/// How many random short ids to try before giving up; a practice would need hundreds of
/// thousands of couples before one clash became likely, so this bound is never reached in use.
const SHORT_ID_ATTEMPTS: usize = 64;

/// One submitted intake form, as read back for the therapist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeResponse {
    /// The partner who answered.
    pub partner_id: PartnerId,
    /// That partner's name.
    pub partner_name: PartnerName,
    /// The questionnaire's id.
    pub questionnaire: String,
    /// The questionnaire's version.
    pub version: u32,
    /// The SHA-256 of that version's content, for answers given since mend keeps versions.
    pub content_sha256: Option<String>,
    /// When it was submitted, RFC 3339 UTC.
    pub submitted_at: String,
    /// The answers.
    pub answers: Answers,
}

impl Store {
    /// Adds a couple and its two partners, giving it a fresh random short id.
    pub fn add_couple(&mut self, new: &NewCouple, now: OffsetDateTime) -> Result<Couple, StoreError> {
        let created_at = stamp(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let short_id = fresh_short_id(&tx)?;
        tx.execute(
            "INSERT INTO couples (short_id, breach, label, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![short_id, new.breach().as_str(), new.label(), created_at],
        )?;
        let couple_id = CoupleId::from_row(tx.last_insert_rowid());
        for (position, (name, roles)) in (1_i64..).zip(new.partners().iter().zip(new.roles())) {
            tx.execute(
                "INSERT INTO partners (couple_id, position, name, roles) VALUES (?1, ?2, ?3, ?4)",
                params![couple_id.get(), position, name.as_str(), roles.as_str()],
            )?;
        }
        record(&tx, self.actor, "couple added", Some(&short_id), None, now)?;
        let couple = load_couple(&tx, couple_id)?;
        tx.commit()?;
        Ok(couple)
    }

    /// Every couple, oldest first.
    pub fn couples(&self) -> Result<Vec<Couple>, StoreError> {
        let ids: Vec<CoupleId> = self
            .conn
            .prepare_cached("SELECT id FROM couples ORDER BY id")?
            .query_map([], |row| row.get(0).map(CoupleId::from_row))?
            .collect::<Result<_, _>>()?;
        ids.into_iter().map(|id| load_couple(&self.conn, id)).collect()
    }

    /// The couple the therapist means by `query`: see [`mend_core::find_couple`].
    pub fn find_couple(&self, query: &str) -> Result<Couple, StoreError> {
        Ok(mend_core::find_couple(&self.couples()?, query)?.clone())
    }

    /// Reads the couple again by its internal id, for example after a change.
    pub fn couple(&self, id: CoupleId) -> Result<Couple, StoreError> {
        load_couple(&self.conn, id)
    }

    /// Everything the planner needs: partners with their latest intake answers, sessions and
    /// resolved flags. Answers given on a version other than `current` come with the version
    /// they were given on, as the record keeps it, so that they are read by the questions asked.
    /// Check-ins come with the version they were answered on, each read once (see
    /// [`Store::couple_record_for`] to leave out the program's own).
    pub fn couple_record(&self, couple: &Couple, current: &Questionnaire) -> Result<CoupleRecord, StoreError> {
        self.record_of(couple, Some(current), None)
    }

    /// As [`Store::couple_record`] for the program in use: check-ins answered on its own check-in
    /// version come without it (the program's is the same), so that it is not read again.
    pub fn couple_record_for(&self, couple: &Couple, program: &Program) -> Result<CoupleRecord, StoreError> {
        self.record_of(couple, Some(&program.questionnaire), program.checkin.as_ref())
    }

    /// The couple's record as `mend progress` reads it: partners with their check-ins, sessions
    /// and resolved flags, but no intake (each partner's `intake` is `None`), which it does not
    /// chart and would only cost reading. Check-ins answered on `checkin`'s version come without
    /// it, as in [`Store::couple_record_for`].
    pub fn checkin_record(&self, couple: &Couple, checkin: Option<&Questionnaire>) -> Result<CoupleRecord, StoreError> {
        self.record_of(couple, None, checkin)
    }

    /// The record, with each partner's latest intake when `intake` gives the questionnaire now
    /// asked, and each check-in with its version unless it is `checkin`'s.
    fn record_of(
        &self,
        couple: &Couple,
        intake: Option<&Questionnaire>,
        checkin: Option<&Questionnaire>,
    ) -> Result<CoupleRecord, StoreError> {
        let mut versions = crate::checkins::KeptVersions::new(checkin);
        let partners = couple
            .partners
            .iter()
            .map(|p| {
                let latest = match intake {
                    Some(_) => latest_answers(&self.conn, p.id)?,
                    None => None,
                };
                let Some(latest) = latest else {
                    return Ok(PartnerRecord {
                        name: p.name.clone(),
                        pronouns: p.pronouns.clone(),
                        roles: p.roles,
                        intake: None,
                        intake_sent_at: None,
                        checkins: crate::checkins::checkins_of(&self.conn, p.id, &mut versions)?,
                        intake_questionnaire: None,
                    });
                };
                let asked_now = intake.is_some_and(|q| latest.questionnaire == q.id && latest.version == q.version);
                let intake_questionnaire = if asked_now {
                    None
                } else {
                    self.questionnaire_version(&latest.questionnaire, latest.version)?.map(Arc::new)
                };
                Ok(PartnerRecord {
                    name: p.name.clone(),
                    pronouns: p.pronouns.clone(),
                    roles: p.roles,
                    intake: Some(latest.answers),
                    intake_sent_at: Some(latest.sent_at),
                    intake_questionnaire,
                    checkins: crate::checkins::checkins_of(&self.conn, p.id, &mut versions)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(CoupleRecord {
            id: couple.short_id.clone(),
            label: couple.label.clone(),
            breach: couple.breach,
            partners,
            sessions: self.sessions(couple)?,
            resolved_flags: self.resolved_flags(couple)?,
        })
    }

    /// Every intake form the couple's partners submitted, oldest first; check-ins are not intakes.
    pub fn intake_responses(&self, couple: &Couple) -> Result<Vec<IntakeResponse>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.partner_id, p.name, r.questionnaire, r.questionnaire_version, r.submitted_at, r.answers,
                    r.questionnaire_sha256
             FROM intake_responses r JOIN partners p ON p.id = r.partner_id
             WHERE p.couple_id = ?1 AND r.invitation_id NOT IN (SELECT invitation_id FROM checkin_links)
             ORDER BY r.submitted_at, r.id",
        )?;
        let rows = stmt
            .query_map([couple.id.get()], |row| {
                Ok((
                    row.get(0).map(PartnerId::from_row)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get::<_, String>(5)?,
                    row.get(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(partner_id, name, questionnaire, version, submitted_at, answers, content_sha256)| {
                Ok(IntakeResponse {
                    partner_id,
                    partner_name: stored_name(name)?,
                    questionnaire,
                    version,
                    content_sha256,
                    submitted_at,
                    answers: serde_json::from_str(&answers)?,
                })
            })
            .collect()
    }

    /// Records a partner's pronouns, or clears them with `None` or empty text.
    pub fn set_pronouns(
        &mut self,
        partner: PartnerId,
        pronouns: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let pronouns = pronouns.map(str::trim).filter(|p| !p.is_empty());
        if pronouns.is_some_and(|p| p.chars().count() > 40 || p.chars().any(char::is_control)) {
            return Err(InvalidInput("pronouns are at most 40 characters on one line: shorten them".into()).into());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let short_id = couple_of_partner(&tx, partner)?;
        tx.execute("UPDATE partners SET pronouns = ?1 WHERE id = ?2", params![pronouns, partner.get()])?;
        record(&tx, self.actor, "pronouns changed", Some(&short_id), None, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Sets the stage the couple is working on, or clears it with `None`.
    pub fn set_current_stage(
        &mut self,
        couple: &Couple,
        stage: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if let Some(stage) = stage {
            mend_core::domain::check_id(stage)?;
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed =
            tx.execute("UPDATE couples SET current_stage = ?1 WHERE id = ?2", params![stage, couple.id.get()])?;
        if changed == 0 {
            return Err(no_such_couple(couple));
        }
        record(&tx, self.actor, "stage set", Some(&couple.short_id), stage, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes the couple with everything about it (partners, invitations, drafts, answers,
    /// sessions, flags), overwriting the deleted content, and then folds the write-ahead log back
    /// into the file and empties it so that no old copy of a page survives there.
    ///
    /// If another connection is reading at that moment the log may not be emptied; the deleted
    /// content is then gone from the log at the next checkpoint.
    pub fn delete_couple(&mut self, couple: &Couple, now: OffsetDateTime) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let deleted = tx.execute("DELETE FROM couples WHERE id = ?1", [couple.id.get()])?;
        if deleted == 0 {
            return Err(no_such_couple(couple));
        }
        record(&tx, self.actor, "couple deleted", Some(&couple.short_id), None, now)?;
        tx.commit()?;
        crate::checkpoint::wal_checkpoint(&self.conn, "TRUNCATE")?;
        Ok(())
    }
}

/// A random six-character hex id that no couple has yet.
fn fresh_short_id(conn: &Connection) -> Result<String, StoreError> {
    for _ in 0..SHORT_ID_ATTEMPTS {
        let mut bytes = [0u8; 3];
        rand::rng().fill_bytes(&mut bytes);
        let candidate = hex::encode(bytes);
        let taken: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM couples WHERE short_id = ?1)", [&candidate], |row| {
                row.get(0)
            })?;
        if !taken {
            return Ok(candidate);
        }
    }
    Err(StoreError::Corrupt("no free short id was found for a new couple".into()))
}

/// Reads one couple with its partners.
pub(crate) fn load_couple(conn: &Connection, id: CoupleId) -> Result<Couple, StoreError> {
    // Statements of reads a command repeats for every couple are cached: preparing one costs
    // about as much as running it.
    let couple = conn
        .prepare_cached("SELECT short_id, breach, label, created_at, current_stage FROM couples WHERE id = ?1")?
        .query_row([id.get()], |row| {
            let breach: String = row.get(1)?;
            Ok(Couple {
                id,
                short_id: row.get(0)?,
                breach: BreachKind::parse(&breach).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
                })?,
                label: row.get(2)?,
                created_at: row.get(3)?,
                current_stage: row.get(4)?,
                partners: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut couple) = couple else {
        return Err(LookupError::NoSuchCouple { query: id.to_string() }.into());
    };
    couple.partners = load_partners(conn, id)?;
    Ok(couple)
}

fn load_partners(conn: &Connection, couple: CoupleId) -> Result<Vec<Partner>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, pronouns, roles, email FROM partners WHERE couple_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([couple.get()], |row| {
            Ok((
                row.get(0).map(PartnerId::from_row)?,
                row.get::<_, String>(1)?,
                row.get(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, name, pronouns, roles, email)| {
            Ok(Partner {
                id,
                name: stored_name(name)?,
                pronouns,
                roles: Roles::parse(&roles).map_err(|e| StoreError::Corrupt(e.0))?,
                email: email
                    .map(|e| EmailAddress::parse(&e))
                    .transpose()
                    .map_err(|_| StoreError::Corrupt("a partner's stored e-mail address is not valid".into()))?,
            })
        })
        .collect()
}

/// A name read back from the file, which was valid when it was written.
pub(crate) fn stored_name(raw: String) -> Result<PartnerName, StoreError> {
    PartnerName::parse(&raw).map_err(|_| StoreError::Corrupt("a partner's stored name is not a valid name".into()))
}

/// Refuses a couple that was deleted since it was looked up.
pub(crate) fn ensure_couple(conn: &Connection, couple: &Couple) -> Result<(), StoreError> {
    let exists: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM couples WHERE id = ?1)", [couple.id.get()], |row| row.get(0))?;
    if exists { Ok(()) } else { Err(no_such_couple(couple)) }
}

/// The error for a couple that was deleted since it was looked up.
pub(crate) fn no_such_couple(couple: &Couple) -> StoreError {
    LookupError::NoSuchCouple { query: couple.short_id.clone() }.into()
}

/// The short id of the couple a partner belongs to.
pub(crate) fn couple_of_partner(conn: &Connection, partner: PartnerId) -> Result<String, StoreError> {
    conn.query_row(
        "SELECT c.short_id FROM partners p JOIN couples c ON c.id = p.couple_id WHERE p.id = ?1",
        [partner.get()],
        |row| row.get(0),
    )
    .optional()?
    .ok_or(StoreError::UnknownPartnerId(partner))
}

/// A partner's latest intake answers and when they were sent.
/// A partner's latest answers: what they said, when, and the questionnaire and version asked.
struct LatestAnswers {
    answers: Answers,
    sent_at: String,
    questionnaire: String,
    version: u32,
}

fn latest_answers(conn: &Connection, partner: PartnerId) -> Result<Option<LatestAnswers>, StoreError> {
    let latest: Option<(String, String, String, u32)> = conn
        .prepare_cached(
            "SELECT answers, submitted_at, questionnaire, questionnaire_version FROM intake_responses
             WHERE partner_id = ?1 AND invitation_id NOT IN (SELECT invitation_id FROM checkin_links)
             ORDER BY submitted_at DESC, id DESC LIMIT 1",
        )?
        .query_row([partner.get()], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .optional()?;
    latest
        .map(|(json, sent_at, questionnaire, version)| {
            Ok(LatestAnswers { answers: serde_json::from_str(&json)?, sent_at, questionnaire, version })
        })
        .transpose()
}
