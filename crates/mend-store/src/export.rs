//! The practice record as human-readable JSON, to move it to another machine or keep it outside
//! SQLite; an export imported into an empty file and exported again gives the same JSON.

use std::collections::BTreeSet;

use mend_core::{Answers, BreachKind, FlagResolution, PartnerName, Questionnaire, RawAnswers, Roles};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::audit::record;
use crate::clock::stamp;
use mend_core::{CoupleId, PartnerId};

use crate::couples::{ensure_couple, load_couple};
use crate::versions::publish;
use mend_core::Couple;

use crate::{Store, StoreError};

/// The value of [`Export::format`] in every mend export.
pub const EXPORT_FORMAT: &str = "mend-export";

/// The version of the export format this build writes and reads.
pub const EXPORT_VERSION: u32 = 3;

/// The oldest export format version this build still reads: version 1 had no questionnaire
/// versions and no record of what a session did.
const OLDEST_EXPORT_VERSION: u32 = 1;

/// The longest a link made by mend works, in days (`mend invite --expires` refuses more): an
/// imported link is never let work for longer than this after it was made.
pub const LONGEST_LINK_DAYS: i64 = 90;

/// What an import does with the links the file says are still open. An export is a file anyone
/// could have edited: one that names a token's hash, an expiry in 9999 and no use would plant a
/// working link whose token its author knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenLinks {
    /// Keep them, each working no longer than [`LONGEST_LINK_DAYS`] after it was made (and it
    /// was made no later than now): for an export whose author is known, such as one sealed
    /// with the practice's passphrase.
    Keep,
    /// Retire them, with their drafts: for a file anyone could have written.
    Retire,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Imported {
    /// How many couples came in.
    pub couples: usize,
    /// How many links the file gave as open and the import retired.
    pub retired: usize,
    /// How many links' expiry the import brought forward to [`LONGEST_LINK_DAYS`] after they
    /// were made.
    pub capped: usize,
}

/// A whole practice record, or one couple's, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// Always [`EXPORT_FORMAT`], so a stray JSON file is recognised as not ours.
    pub format: String,
    /// The export format's version, [`EXPORT_VERSION`] when written by this build.
    pub version: u32,
    /// The couples, oldest first.
    pub couples: Vec<ExportedCouple>,
    /// Every questionnaire version the exported links were made for, whole, so that answers
    /// are read, and open links keep their form, in the record they are imported into.
    #[serde(default)]
    pub questionnaires: Vec<ExportedQuestionnaire>,
}

/// A published questionnaire version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedQuestionnaire {
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// The SHA-256 of its content; checked against `definition` on import.
    pub content_sha256: String,
    /// When the record first kept it.
    pub published_at: String,
    /// The questionnaire itself.
    pub definition: serde_json::Value,
}

/// One couple with everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedCouple {
    /// The short id, kept so the therapist's notes that mention it stay true.
    pub id: String,
    /// What broke trust.
    pub breach: BreachKind,
    /// The therapist's label.
    pub label: Option<String>,
    /// When it was added, RFC 3339 UTC.
    pub created_at: String,
    /// The stage the couple is working on.
    pub current_stage: Option<String>,
    /// The two partners, in order.
    pub partners: Vec<ExportedPartner>,
    /// Sessions, oldest first.
    pub sessions: Vec<ExportedSession>,
    /// Resolved flags, oldest first.
    pub resolved_flags: Vec<FlagResolution>,
    /// How often a check-in is due, in days, if the therapist set a schedule (export version 3 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkin_every_days: Option<u32>,
}

/// One partner with their invitations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedPartner {
    /// The display name.
    pub name: PartnerName,
    /// Pronouns, if recorded.
    pub pronouns: Option<String>,
    /// Their part in the breach.
    pub roles: Roles,
    /// Where their links may be e-mailed (export version 3 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<mend_core::EmailAddress>,
    /// Every invitation made for them, oldest first.
    pub invitations: Vec<ExportedInvitation>,
}

/// One invitation, with the draft or the answers that came through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedInvitation {
    /// The SHA-256 of the token as hex; the token itself is never stored, so links keep working
    /// after an import but cannot be recovered from an export.
    pub token_sha256: String,
    /// The questionnaire's id.
    pub questionnaire: String,
    /// The questionnaire's version.
    pub version: u32,
    /// The SHA-256 of that version's content, for links made since mend keeps versions.
    #[serde(default)]
    pub content_sha256: Option<String>,
    /// When it was made.
    pub created_at: String,
    /// When it stops working.
    pub expires_at: String,
    /// When the form was submitted through it.
    pub used_at: Option<String>,
    /// When a newer invitation replaced it.
    pub retired_at: Option<String>,
    /// Unfinished answers, while the form is being filled in.
    pub draft: Option<ExportedDraft>,
    /// The submitted answers.
    pub response: Option<ExportedResponse>,
    /// For a check-in link: the homework it asks about and the scores of what was sent.
    /// Absent for an intake invitation, so exports without check-ins read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkin: Option<crate::checkins::ExportedCheckin>,
}

/// Unfinished answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedDraft {
    /// When they were last saved.
    pub saved_at: String,
    /// The fields as the browser sent them.
    pub answers: RawAnswers,
}

/// Submitted answers, for the invitation's questionnaire and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedResponse {
    /// When they were submitted.
    pub submitted_at: String,
    /// The answers.
    pub answers: Answers,
}

/// One session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedSession {
    /// 1 for the first.
    pub number: u32,
    /// The day it was held.
    pub held_on: String,
    /// The stage worked on.
    pub stage: String,
    /// The plan used, if one was saved.
    pub plan: Option<serde_json::Value>,
    /// Homework sheet ids given.
    pub homework: Vec<String>,
    /// Progress marker ids met.
    pub met: Vec<String>,
    /// Exercise ids done.
    #[serde(default)]
    pub done: Vec<String>,
    /// The partner seen alone, for an individual session.
    #[serde(default)]
    pub with_partner: Option<String>,
    /// Whether new facts came out in it.
    #[serde(default)]
    pub new_disclosure: bool,
    /// The therapist's notes.
    pub notes: String,
    /// When it was last recorded.
    pub recorded_at: String,
}

impl Export {
    /// The export as indented JSON.
    pub fn to_json(&self) -> Result<String, StoreError> {
        let mut json = serde_json::to_string_pretty(self)?;
        json.push('\n');
        Ok(json)
    }

    /// Reads an export back from its JSON.
    pub fn from_json(json: &str) -> Result<Export, StoreError> {
        serde_json::from_str(json)
            .map_err(|err| StoreError::BadExport(format!("it is not a valid mend export ({err})")))
    }
}

impl Store {
    /// Exports every couple, or only `couple`, read from one consistent snapshot. The audit
    /// trail notes the export at the current time.
    pub fn export(&self, couple: Option<&Couple>) -> Result<Export, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let ids: Vec<CoupleId> = match couple {
            Some(c) => {
                ensure_couple(&tx, c)?;
                vec![c.id]
            }
            None => tx
                .prepare("SELECT id FROM couples ORDER BY id")?
                .query_map([], |row| row.get(0).map(CoupleId::from_row))?
                .collect::<Result<_, _>>()?,
        };
        let couples = ids.into_iter().map(|id| export_couple(&tx, id)).collect::<Result<Vec<_>, _>>()?;
        let questionnaires = export_questionnaires(&tx, &couples)?;
        tx.commit()?;
        let detail = format!("{} couples", couples.len());
        record(
            &self.conn,
            self.actor,
            "export",
            couple.map(|c| c.short_id.as_str()),
            Some(&detail),
            OffsetDateTime::now_utc(),
        )?;
        Ok(Export { format: EXPORT_FORMAT.to_owned(), version: EXPORT_VERSION, couples, questionnaires })
    }

    /// Imports an export into this database, which must hold no couples yet, in one
    /// transaction: either everything is imported or nothing is. Links still open are kept
    /// ([`OpenLinks::Keep`]); see [`Store::import_with`].
    pub fn import(&mut self, export: &Export) -> Result<Imported, StoreError> {
        self.import_with(export, OpenLinks::Keep, OffsetDateTime::now_utc())
    }

    /// Imports an export as [`Store::import`] does, doing with the links still open what
    /// `open_links` says, at `now`. Its text is checked as the form checks answers: a control
    /// character (other than a line break or a tab) anywhere refuses the file.
    pub fn import_with(
        &mut self,
        export: &Export,
        open_links: OpenLinks,
        now: OffsetDateTime,
    ) -> Result<Imported, StoreError> {
        check_export(export)?;
        check_text(export)?;
        let mut done = Imported { couples: export.couples.len(), ..Imported::default() };
        let now_stamp = stamp(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: i64 = tx.query_row("SELECT count(*) FROM couples", [], |row| row.get(0))?;
        if existing > 0 {
            return Err(StoreError::ImportNotEmpty);
        }
        for questionnaire in &export.questionnaires {
            import_questionnaire(&tx, questionnaire)?;
        }
        for couple in &export.couples {
            import_couple(&tx, couple, open_links, now, &now_stamp, &mut done)?;
        }
        let detail = format!("{} couples", export.couples.len());
        record(&tx, self.actor, "import", None, Some(&detail), now)?;
        tx.commit()?;
        Ok(done)
    }
}

fn export_couple(conn: &Connection, id: CoupleId) -> Result<ExportedCouple, StoreError> {
    let couple = load_couple(conn, id)?;
    let partners = couple
        .partners
        .iter()
        .map(|p| {
            Ok(ExportedPartner {
                name: p.name.clone(),
                pronouns: p.pronouns.clone(),
                roles: p.roles,
                email: p.email.clone(),
                invitations: export_invitations(conn, p.id)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut flags =
        conn.prepare("SELECT flag, note, resolved_at FROM flag_resolutions WHERE couple_id = ?1 ORDER BY id")?;
    let resolved_flags = flags
        .query_map([id.get()], |row| {
            Ok(FlagResolution { flag: row.get(0)?, note: row.get(1)?, resolved_at: row.get(2)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ExportedCouple {
        id: couple.short_id,
        breach: couple.breach,
        label: couple.label,
        created_at: couple.created_at,
        current_stage: couple.current_stage,
        partners,
        sessions: export_sessions(conn, id)?,
        resolved_flags,
        checkin_every_days: conn
            .query_row("SELECT every_days FROM checkin_schedules WHERE couple_id = ?1", [id.get()], |row| row.get(0))
            .optional()?,
    })
}

fn export_invitations(conn: &Connection, partner: PartnerId) -> Result<Vec<ExportedInvitation>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, token_sha256, questionnaire, questionnaire_version, created_at, expires_at, used_at, retired_at,
                questionnaire_sha256
         FROM invitations WHERE partner_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([partner.get()], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                ExportedInvitation {
                    token_sha256: row.get(1)?,
                    questionnaire: row.get(2)?,
                    version: row.get(3)?,
                    created_at: row.get(4)?,
                    expires_at: row.get(5)?,
                    used_at: row.get(6)?,
                    retired_at: row.get(7)?,
                    content_sha256: row.get(8)?,
                    draft: None,
                    response: None,
                    checkin: None,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, mut invitation)| {
            invitation.draft = export_draft(conn, id)?;
            invitation.response = export_response(conn, id)?;
            invitation.checkin = crate::checkins::export_checkin(conn, id)?;
            Ok(invitation)
        })
        .collect()
}

fn export_draft(conn: &Connection, invitation: i64) -> Result<Option<ExportedDraft>, StoreError> {
    let row: Option<(String, String)> = conn
        .query_row("SELECT saved_at, answers FROM intake_drafts WHERE invitation_id = ?1", [invitation], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    row.map(|(saved_at, answers)| Ok(ExportedDraft { saved_at, answers: serde_json::from_str(&answers)? })).transpose()
}

fn export_response(conn: &Connection, invitation: i64) -> Result<Option<ExportedResponse>, StoreError> {
    let row: Option<(String, String)> = conn
        .query_row("SELECT submitted_at, answers FROM intake_responses WHERE invitation_id = ?1", [invitation], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    row.map(|(submitted_at, answers)| Ok(ExportedResponse { submitted_at, answers: serde_json::from_str(&answers)? }))
        .transpose()
}

fn export_sessions(conn: &Connection, couple: CoupleId) -> Result<Vec<ExportedSession>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT number, held_on, stage, plan, homework, met, notes, recorded_at, done, with_partner, new_disclosure
         FROM sessions WHERE couple_id = ?1 ORDER BY number",
    )?;
    let rows = stmt
        .query_map([couple.get()], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get(6)?,
                row.get(7)?,
                (row.get::<_, String>(8)?, row.get(9)?, row.get(10)?),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(
                number,
                held_on,
                stage,
                plan,
                homework,
                met,
                notes,
                recorded_at,
                (done, with_partner, new_disclosure),
            )| {
                Ok(ExportedSession {
                    number,
                    held_on,
                    stage,
                    plan: plan.map(|json| serde_json::from_str(&json)).transpose()?,
                    homework: serde_json::from_str(&homework)?,
                    met: serde_json::from_str(&met)?,
                    done: serde_json::from_str(&done)?,
                    with_partner,
                    new_disclosure,
                    notes,
                    recorded_at,
                })
            },
        )
        .collect()
}

/// Refuses an export this build cannot import faithfully, before anything is written.
fn check_export(export: &Export) -> Result<(), StoreError> {
    let bad = |why: String| Err(StoreError::BadExport(why));
    if export.format != EXPORT_FORMAT {
        return bad(format!(
            "its format is {:?}, not {EXPORT_FORMAT:?}: pass a file made by `mend export`",
            export.format
        ));
    }
    if export.version > EXPORT_VERSION {
        return bad(format!(
            "it was written by a newer mend (export version {}, this mend reads {EXPORT_VERSION}): upgrade mend",
            export.version
        ));
    }
    if export.version < OLDEST_EXPORT_VERSION {
        return bad(format!("its export version {} is unknown: pass a file made by `mend export`", export.version));
    }
    let mut short_ids = BTreeSet::new();
    let mut hashes = BTreeSet::new();
    for couple in &export.couples {
        let id = &couple.id;
        if id.len() != 6 || !id.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
            return bad(format!("the couple id {id:?} is not six lowercase hex characters"));
        }
        if !short_ids.insert(id.as_str()) {
            return bad(format!("the couple id {id} appears twice"));
        }
        if couple.partners.len() != 2 {
            return bad(format!("couple {id} has {} partners instead of two", couple.partners.len()));
        }
        let mut numbers = BTreeSet::new();
        if let Some(s) = couple.sessions.iter().find(|s| s.number == 0 || !numbers.insert(s.number)) {
            return bad(format!("couple {id} has session number {} twice or below 1", s.number));
        }
        for invitation in couple.partners.iter().flat_map(|p| &p.invitations) {
            let hash = &invitation.token_sha256;
            if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
                return bad(format!("an invitation of couple {id} has a token hash that is not SHA-256 hex"));
            }
            if !hashes.insert(hash.as_str()) {
                return bad(format!("an invitation of couple {id} repeats another's token hash"));
            }
        }
    }
    Ok(())
}

/// Refuses an export whose text holds a control character other than a line break or a tab,
/// the rule the form applies to what partners type: such a character could move the cursor or
/// recolour a terminal that shows the answers. Drafts are left out: the form keeps them as the
/// browser sent them, and an import keeps them only with a link it trusts.
fn check_text(export: &Export) -> Result<(), StoreError> {
    for couple in &export.couples {
        let mut couple = couple.clone();
        for invitation in couple.partners.iter_mut().flat_map(|p| &mut p.invitations) {
            invitation.draft = None;
        }
        let value = serde_json::to_value(&couple)?;
        if let Some(c) = control_character(&value) {
            return Err(StoreError::BadExport(format!(
                "couple {} holds a control character (U+{:04X}) that mend never stores: pass the file as                  `mend export` wrote it",
                couple.id,
                u32::from(c)
            )));
        }
    }
    Ok(())
}

/// The first control character other than a line break or a tab in any string of `value`.
fn control_character(value: &serde_json::Value) -> Option<char> {
    use serde_json::Value;
    let bad = |text: &str| text.chars().find(|&c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    match value {
        Value::String(text) => bad(text),
        Value::Array(items) => items.iter().find_map(control_character),
        Value::Object(fields) => fields.iter().find_map(|(key, v)| bad(key).or_else(|| control_character(v))),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

fn import_couple(
    conn: &Connection,
    couple: &ExportedCouple,
    open_links: OpenLinks,
    now: OffsetDateTime,
    now_stamp: &str,
    done: &mut Imported,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO couples (short_id, breach, label, created_at, current_stage) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![couple.id, couple.breach.as_str(), couple.label, couple.created_at, couple.current_stage],
    )?;
    let couple_id = conn.last_insert_rowid();
    for (position, partner) in (1_i64..).zip(&couple.partners) {
        conn.execute(
            "INSERT INTO partners (couple_id, position, name, pronouns, roles, email) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                couple_id,
                position,
                partner.name.as_str(),
                partner.pronouns,
                partner.roles.as_str(),
                partner.email.as_ref().map(mend_core::EmailAddress::as_str)
            ],
        )?;
        let partner_id = PartnerId::from_row(conn.last_insert_rowid());
        for invitation in &partner.invitations {
            let invitation = settle_link(invitation, open_links, now, now_stamp, done)?;
            import_invitation(conn, partner_id, &invitation)?;
        }
    }
    if let Some(days) = couple.checkin_every_days {
        conn.execute(
            "INSERT INTO checkin_schedules (couple_id, every_days, set_at) VALUES (?1, ?2, ?3)",
            params![couple_id, days, couple.created_at],
        )?;
    }
    for s in &couple.sessions {
        conn.execute(
            "INSERT INTO sessions (couple_id, number, held_on, stage, plan, homework, met, notes, recorded_at,
                                   done, with_partner, new_disclosure)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                couple_id,
                s.number,
                s.held_on,
                s.stage,
                s.plan.as_ref().map(serde_json::Value::to_string),
                serde_json::to_string(&s.homework)?,
                serde_json::to_string(&s.met)?,
                s.notes,
                s.recorded_at,
                serde_json::to_string(&s.done)?,
                s.with_partner,
                s.new_disclosure
            ],
        )?;
    }
    for flag in &couple.resolved_flags {
        conn.execute(
            "INSERT INTO flag_resolutions (couple_id, flag, note, resolved_at) VALUES (?1, ?2, ?3, ?4)",
            params![couple_id, flag.flag, flag.note, flag.resolved_at],
        )?;
    }
    Ok(())
}

/// The invitation as the record keeps it: a link the file gives as open is retired (without its
/// draft) or has its expiry brought within [`LONGEST_LINK_DAYS`] of when it was made, as
/// `open_links` says; a time that is not one the record writes refuses the file.
fn settle_link(
    invitation: &ExportedInvitation,
    open_links: OpenLinks,
    now: OffsetDateTime,
    now_stamp: &str,
    done: &mut Imported,
) -> Result<ExportedInvitation, StoreError> {
    let parse_time = |text: &str, what: &str| {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .ok()
            .filter(|at| stamp(*at).is_ok())
            .ok_or_else(|| {
                StoreError::BadExport(format!(
                    "an invitation's {what} {text:?} is not a time mend writes: pass the file as `mend export` wrote it"
                ))
            })
    };
    let created = parse_time(&invitation.created_at, "created_at")?;
    let expires = parse_time(&invitation.expires_at, "expires_at")?;
    let mut settled = invitation.clone();
    // Kept as the record writes every time, so that comparing them as text (as the record does)
    // compares the times.
    settled.created_at = stamp(created)?;
    settled.expires_at = stamp(expires)?;
    let open = invitation.used_at.is_none() && invitation.retired_at.is_none() && invitation.response.is_none();
    if !open {
        return Ok(settled);
    }
    match open_links {
        OpenLinks::Retire => {
            if expires > now {
                done.retired += 1;
            }
            settled.retired_at = Some(now_stamp.to_owned());
            settled.draft = None;
        }
        OpenLinks::Keep => {
            let longest = created.min(now) + time::Duration::days(LONGEST_LINK_DAYS);
            if expires > longest {
                done.capped += 1;
                settled.expires_at = stamp(longest)?;
            }
        }
    }
    Ok(settled)
}

fn import_invitation(
    conn: &Connection,
    partner_id: PartnerId,
    invitation: &ExportedInvitation,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO invitations (partner_id, token_sha256, questionnaire, questionnaire_version, created_at, expires_at,
                                  used_at, retired_at, questionnaire_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            partner_id.get(),
            invitation.token_sha256,
            invitation.questionnaire,
            invitation.version,
            invitation.created_at,
            invitation.expires_at,
            invitation.used_at,
            invitation.retired_at,
            invitation.content_sha256
        ],
    )?;
    let invitation_id = conn.last_insert_rowid();
    if let Some(draft) = &invitation.draft {
        conn.execute(
            "INSERT INTO intake_drafts (invitation_id, answers, saved_at) VALUES (?1, ?2, ?3)",
            params![invitation_id, serde_json::to_string(&draft.answers)?, draft.saved_at],
        )?;
    }
    if let Some(response) = &invitation.response {
        conn.execute(
            "INSERT INTO intake_responses (partner_id, invitation_id, questionnaire, questionnaire_version,
                                           questionnaire_sha256, answers, submitted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                partner_id.get(),
                invitation_id,
                invitation.questionnaire,
                invitation.version,
                invitation.content_sha256,
                serde_json::to_string(&response.answers)?,
                response.submitted_at
            ],
        )?;
    }
    if let Some(checkin) = &invitation.checkin {
        crate::checkins::import_checkin(
            conn,
            invitation_id,
            partner_id,
            &invitation.questionnaire,
            invitation.version,
            checkin,
        )?;
    }
    Ok(())
}

/// The versions the exported couples' links were made for, as the record keeps them.
fn export_questionnaires(
    conn: &Connection,
    couples: &[ExportedCouple],
) -> Result<Vec<ExportedQuestionnaire>, StoreError> {
    let used: BTreeSet<(&str, u32)> = couples
        .iter()
        .flat_map(|c| &c.partners)
        .flat_map(|p| &p.invitations)
        .map(|i| (i.questionnaire.as_str(), i.version))
        .collect();
    let mut stmt = conn.prepare(
        "SELECT content_sha256, published_at, definition FROM questionnaire_versions
         WHERE questionnaire = ?1 AND version = ?2",
    )?;
    let mut kept = Vec::new();
    for (id, version) in used {
        let row: Option<(String, String, String)> =
            stmt.query_row(params![id, version], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).optional()?;
        if let Some((content_sha256, published_at, definition)) = row {
            kept.push(ExportedQuestionnaire {
                id: id.to_owned(),
                version,
                content_sha256,
                published_at,
                definition: serde_json::from_str(&definition)?,
            });
        }
    }
    Ok(kept)
}

/// Keeps an exported version, after checking that its content is what its hash says; a version
/// this record already keeps must say the same.
fn import_questionnaire(conn: &Connection, exported: &ExportedQuestionnaire) -> Result<(), StoreError> {
    let questionnaire =
        Questionnaire::from_stored_json(&exported.id, &exported.definition.to_string()).map_err(|err| {
            StoreError::BadExport(format!(
                "questionnaire {:?} version {} cannot be read ({err})",
                exported.id, exported.version
            ))
        })?;
    if questionnaire.version != exported.version || questionnaire.content_sha256() != exported.content_sha256 {
        return Err(StoreError::BadExport(format!(
            "questionnaire {:?} version {} does not match its hash: pass the file as `mend export` wrote it",
            exported.id, exported.version
        )));
    }
    publish(conn, &questionnaire, &exported.published_at)?;
    Ok(())
}
