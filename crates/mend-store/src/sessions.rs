//! Sessions held with a couple and the flags the therapist resolved.

use mend_core::domain::check_id;
use mend_core::{FlagResolution, InvalidInput, SessionRecord};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::{Date, OffsetDateTime};

use crate::audit::record;
use crate::clock::{day, stamp, stored_day};
use crate::couples::ensure_couple;
use mend_core::Couple;

use crate::{Store, StoreError};

/// A session to record, or more to add to one already recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The day it was held.
    pub held_on: Date,
    /// The stage worked on.
    pub stage: String,
    /// The plan used, as JSON, if one was saved.
    pub plan_json: Option<String>,
    /// Homework sheet ids given.
    pub homework: Vec<String>,
    /// Progress marker ids met.
    pub met: Vec<String>,
    /// Exercise ids done.
    pub done: Vec<String>,
    /// For an individual session, the partner seen alone.
    pub with: Option<String>,
    /// Whether new facts about the betrayal came out (a second disclosure).
    pub new_disclosure: bool,
    /// The therapist's notes.
    pub notes: String,
    /// `None` records the next session; `Some(n)` adds to session `n`: its day, stage and plan
    /// are replaced (the plan only when one is given), homework and markers are added to what it
    /// has, and notes are appended.
    pub number: Option<u32>,
}

/// A stored session's changeable parts.
struct StoredSession {
    plan: Option<String>,
    homework: Vec<String>,
    met: Vec<String>,
    done: Vec<String>,
    notes: String,
}

impl Store {
    /// Records a session (or adds to one, see [`NewSession::number`]) and returns its number.
    /// The couple's current stage becomes the stage of its latest session.
    pub fn record_session(&mut self, couple: &Couple, s: &NewSession, now: OffsetDateTime) -> Result<u32, StoreError> {
        check_session(s)?;
        let held_on = day(s.held_on)?;
        let recorded_at = stamp(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ensure_couple(&tx, couple)?;
        let number = match s.number {
            None => {
                let number = next_number(&tx, couple)?;
                tx.execute(
                    "INSERT INTO sessions (couple_id, number, held_on, stage, plan, homework, met, notes, recorded_at,
                       done, with_partner, new_disclosure)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    params![
                        couple.id.get(),
                        number,
                        held_on,
                        s.stage,
                        s.plan_json,
                        serde_json::to_string(&merged(&[], &s.homework))?,
                        serde_json::to_string(&merged(&[], &s.met))?,
                        s.notes.trim(),
                        recorded_at,
                        serde_json::to_string(&merged(&[], &s.done))?,
                        s.with,
                        s.new_disclosure
                    ],
                )?;
                number
            }
            Some(number) => {
                let old = stored_session(&tx, couple, number)?;
                let notes = match (old.notes.trim(), s.notes.trim()) {
                    (old, "") => old.to_owned(),
                    ("", new) => new.to_owned(),
                    (old, new) => format!("{old}\n\n{new}"),
                };
                tx.execute(
                    "UPDATE sessions SET held_on = ?1, stage = ?2, plan = ?3, homework = ?4, met = ?5, notes = ?6,
                     recorded_at = ?7, done = ?10, with_partner = COALESCE(?11, with_partner),
                     new_disclosure = (new_disclosure OR ?12)
                     WHERE couple_id = ?8 AND number = ?9",
                    params![
                        held_on,
                        s.stage,
                        s.plan_json.clone().or(old.plan),
                        serde_json::to_string(&merged(&old.homework, &s.homework))?,
                        serde_json::to_string(&merged(&old.met, &s.met))?,
                        notes,
                        recorded_at,
                        couple.id.get(),
                        number,
                        serde_json::to_string(&merged(&old.done, &s.done))?,
                        s.with,
                        s.new_disclosure
                    ],
                )?;
                number
            }
        };
        follow_latest_stage(&tx, couple)?;
        let detail = format!("session {number}");
        record(&tx, self.actor, "session recorded", Some(&couple.short_id), Some(&detail), now)?;
        tx.commit()?;
        Ok(number)
    }

    /// Replaces session `number`, a plan saved ahead of the session and not yet recorded, with a
    /// new plan: its stage, plan and homework become the new plan's, so that planning again on
    /// the same day does not add a second session. Refused once the session has notes or met
    /// markers, or if it has no saved plan.
    pub fn replace_saved_plan(
        &mut self,
        couple: &Couple,
        number: u32,
        s: &NewSession,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        check_session(s)?;
        let recorded_at = stamp(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ensure_couple(&tx, couple)?;
        let old = stored_session(&tx, couple, number)?;
        let replaceable = SessionRecord {
            number,
            held_on: s.held_on,
            stage: s.stage.clone(),
            homework: Vec::new(),
            met: old.met,
            done: old.done,
            with: None,
            new_disclosure: false,
            notes: old.notes,
            planned: old.plan.is_some(),
        }
        .is_replaceable_plan();
        if !replaceable {
            return Err(StoreError::SessionAlreadyRecorded { number });
        }
        tx.execute(
            "UPDATE sessions SET held_on = ?1, stage = ?2, plan = ?3, homework = ?4, recorded_at = ?5
             WHERE couple_id = ?6 AND number = ?7",
            params![
                day(s.held_on)?,
                s.stage,
                s.plan_json,
                serde_json::to_string(&merged(&[], &s.homework))?,
                recorded_at,
                couple.id.get(),
                number
            ],
        )?;
        follow_latest_stage(&tx, couple)?;
        let detail = format!("session {number}");
        record(&tx, self.actor, "session plan replaced", Some(&couple.short_id), Some(&detail), now)?;
        tx.commit()?;
        Ok(())
    }

    /// The couple's sessions, oldest first.
    pub fn sessions(&self, couple: &Couple) -> Result<Vec<SessionRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT number, held_on, stage, homework, met, notes, plan IS NOT NULL, done, with_partner, new_disclosure
             FROM sessions WHERE couple_id = ?1 ORDER BY number",
        )?;
        let rows = stmt
            .query_map([couple.id.get()], |row| {
                Ok((
                    row.get(0)?,
                    row.get::<_, String>(1)?,
                    row.get(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get(5)?,
                    row.get(6)?,
                    row.get::<_, String>(7)?,
                    row.get::<_, Option<String>>(8)?,
                    row.get::<_, bool>(9)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(number, held_on, stage, homework, met, notes, planned, done, with, new_disclosure)| {
                Ok(SessionRecord {
                    number,
                    held_on: stored_day(&held_on)?,
                    stage,
                    homework: serde_json::from_str(&homework)?,
                    met: serde_json::from_str(&met)?,
                    done: serde_json::from_str(&done)?,
                    with,
                    new_disclosure,
                    notes,
                    planned,
                })
            })
            .collect()
    }

    /// The plan saved with a session, as JSON, if any.
    pub fn session_plan(&self, couple: &Couple, number: u32) -> Result<Option<String>, StoreError> {
        Ok(stored_session(&self.conn, couple, number)?.plan)
    }

    /// Records that the therapist assessed a flag and what they decided. The audit trail gets
    /// the flag's id, never the note.
    pub fn resolve_flag(
        &mut self,
        couple: &Couple,
        flag: &str,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        check_id(flag)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(InvalidInput("resolving a flag needs a note: say what was assessed and decided".into()).into());
        }
        let resolved_at = stamp(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ensure_couple(&tx, couple)?;
        tx.execute(
            "INSERT INTO flag_resolutions (couple_id, flag, note, resolved_at) VALUES (?1, ?2, ?3, ?4)",
            params![couple.id.get(), flag, note, resolved_at],
        )?;
        let detail = format!("flag {flag}");
        record(&tx, self.actor, "flag resolved", Some(&couple.short_id), Some(&detail), now)?;
        tx.commit()?;
        Ok(())
    }

    /// The flags the therapist resolved for the couple, oldest first.
    pub fn resolved_flags(&self, couple: &Couple) -> Result<Vec<FlagResolution>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT flag, note, resolved_at FROM flag_resolutions WHERE couple_id = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map([couple.id.get()], |row| {
                Ok(FlagResolution { flag: row.get(0)?, note: row.get(1)?, resolved_at: row.get(2)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// Refuses ids that are not content ids and a plan that is not JSON.
fn check_session(s: &NewSession) -> Result<(), StoreError> {
    check_id(&s.stage)?;
    for id in s.homework.iter().chain(&s.met).chain(&s.done) {
        check_id(id)?;
    }
    if let Some(plan) = &s.plan_json
        && serde_json::from_str::<serde_json::Value>(plan).is_err()
    {
        return Err(InvalidInput("the session plan is not valid JSON".into()).into());
    }
    if s.number == Some(0) {
        return Err(InvalidInput("sessions are numbered from 1: give a number of 1 or more".into()).into());
    }
    Ok(())
}

/// Sets the couple's current stage to the stage of its latest session.
fn follow_latest_stage(conn: &Connection, couple: &Couple) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE couples SET current_stage =
           (SELECT stage FROM sessions WHERE couple_id = ?1 ORDER BY number DESC LIMIT 1)
         WHERE id = ?1",
        [couple.id.get()],
    )?;
    Ok(())
}

fn next_number(conn: &Connection, couple: &Couple) -> Result<u32, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM sessions WHERE couple_id = ?1",
        [couple.id.get()],
        |row| row.get(0),
    )?)
}

fn stored_session(conn: &Connection, couple: &Couple, number: u32) -> Result<StoredSession, StoreError> {
    let row: Option<(Option<String>, String, String, String, String)> = conn
        .query_row(
            "SELECT plan, homework, met, notes, done FROM sessions WHERE couple_id = ?1 AND number = ?2",
            params![couple.id.get(), number],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
        )
        .optional()?;
    let Some((plan, homework, met, notes, done)) = row else {
        return Err(StoreError::NoSuchSession { couple: couple.short_id.clone(), number });
    };
    Ok(StoredSession {
        plan,
        homework: serde_json::from_str(&homework)?,
        met: serde_json::from_str(&met)?,
        done: serde_json::from_str(&done)?,
        notes,
    })
}

/// `old` followed by whatever of `new` it lacks, without repeats.
fn merged(old: &[String], new: &[String]) -> Vec<String> {
    let mut all: Vec<String> = Vec::with_capacity(old.len() + new.len());
    for id in old.iter().chain(new) {
        if !all.contains(id) {
            all.push(id.clone());
        }
    }
    all
}
