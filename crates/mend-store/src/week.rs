//! The therapist's week as the record keeps it: partners' e-mail addresses, each couple's
//! check-in schedule, the links still waiting for an answer, and every attempt to e-mail one
//! (when, and what the mail server replied; never the message).

use std::collections::BTreeMap;

use mend_core::{Couple, CoupleId, EmailAddress, InvalidInput, PartnerId, PartnerName};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::{Duration, OffsetDateTime};

use crate::audit::record;
use crate::clock::stamp;
use crate::couples::{couple_of_partner, stored_name};
use crate::invitations::InvitationId;
use crate::{Store, StoreError};

/// The longest check-in schedule mend keeps: one every 90 days.
pub const LONGEST_SCHEDULE_DAYS: u32 = 90;

/// Why a message with a link was written: the link itself, or a reminder of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailPurpose {
    /// The message that carried the link.
    Link,
    /// A reminder that the link is still waiting.
    Reminder,
}

impl MailPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Reminder => "reminder",
        }
    }
}

/// One attempt to e-mail a partner, as the record keeps it: never the message itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttempt {
    /// Whether the mail server accepted the message.
    pub sent: bool,
    /// The mail server's reply code, if it replied at all.
    pub reply_code: Option<u16>,
    /// For a failure, what failed in one line (the server's words, never the message).
    pub failure: Option<String>,
}

/// A link not answered and not replaced, with what was tried to reach its partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkWaiting {
    /// The link's row.
    pub invitation: InvitationId,
    /// The couple it belongs to.
    pub couple: CoupleId,
    /// The partner it is for.
    pub partner: PartnerId,
    /// That partner's name.
    pub partner_name: PartnerName,
    /// A check-in link rather than an intake link.
    pub checkin: bool,
    /// When it was made.
    pub made_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// The latest attempt to e-mail it or a reminder of it, if any.
    pub last_mail: Option<MailAttempt>,
    /// When the message with the link itself went, if it did.
    pub mailed_at: Option<OffsetDateTime>,
    /// Whether a reminder of it has gone.
    pub reminded: bool,
}

/// A couple's check-in schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinSchedule {
    /// How often.
    pub every: Duration,
    /// For each partner, when their latest check-in link was made (`None`: never).
    pub last_links: Vec<(PartnerId, Option<OffsetDateTime>)>,
}

impl Store {
    /// Records where mend may e-mail a partner's links, or forgets it with `None`.
    pub fn set_email(
        &mut self,
        partner: PartnerId,
        email: Option<&EmailAddress>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let short_id = couple_of_partner(&tx, partner)?;
        tx.execute(
            "UPDATE partners SET email = ?1 WHERE id = ?2",
            params![email.map(EmailAddress::as_str), partner.get()],
        )?;
        let what = if email.is_some() { "e-mail address set" } else { "e-mail address removed" };
        record(&tx, self.actor, what, Some(&short_id), None, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Sets how often the couple should get a check-in (whole days, 1 to 90), or stops the
    /// schedule with `None`.
    pub fn set_checkin_schedule(
        &mut self,
        couple: &Couple,
        every_days: Option<u32>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if every_days.is_some_and(|d| !(1..=LONGEST_SCHEDULE_DAYS).contains(&d)) {
            return Err(InvalidInput(format!(
                "a check-in schedule is from every day to every {LONGEST_SCHEDULE_DAYS} days: give a span in that range"
            ))
            .into());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::couples::ensure_couple(&tx, couple)?;
        match every_days {
            Some(days) => tx.execute(
                "INSERT INTO checkin_schedules (couple_id, every_days, set_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (couple_id) DO UPDATE SET every_days = excluded.every_days, set_at = excluded.set_at",
                params![couple.id.get(), days, stamp(now)?],
            )?,
            None => tx.execute("DELETE FROM checkin_schedules WHERE couple_id = ?1", [couple.id.get()])?,
        };
        let detail = every_days.map(|d| format!("every {d} days"));
        record(&tx, self.actor, "check-in schedule set", Some(&couple.short_id), detail.as_deref(), now)?;
        tx.commit()?;
        Ok(())
    }

    /// Every couple's check-in schedule, by couple.
    pub fn checkin_schedules(&self) -> Result<BTreeMap<CoupleId, CheckinSchedule>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT s.couple_id, s.every_days, p.id,
                    (SELECT max(i.created_at) FROM invitations i JOIN checkin_links c ON c.invitation_id = i.id
                     WHERE i.partner_id = p.id)
             FROM checkin_schedules s JOIN partners p ON p.couple_id = s.couple_id
             ORDER BY s.couple_id, p.position",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut schedules: BTreeMap<CoupleId, CheckinSchedule> = BTreeMap::new();
        for (couple, days, partner, last) in rows {
            let last = last.as_deref().map(stored_instant).transpose()?;
            schedules
                .entry(CoupleId::from_row(couple))
                .or_insert_with(|| CheckinSchedule { every: Duration::days(days), last_links: Vec::new() })
                .last_links
                .push((PartnerId::from_row(partner), last));
        }
        Ok(schedules)
    }

    /// Every link across the practice not yet answered and not replaced (expired ones among
    /// them), oldest first, with what was tried to reach its partner.
    pub fn waiting_links(&self) -> Result<Vec<LinkWaiting>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT i.id, p.couple_id, p.id, p.name, EXISTS (SELECT 1 FROM checkin_links c WHERE c.invitation_id = i.id),
                    i.created_at, i.expires_at, m.sent, m.reply_code, m.failure,
                    (SELECT min(at) FROM mail_attempts WHERE invitation_id = i.id AND purpose = 'link' AND sent = 1),
                    EXISTS (SELECT 1 FROM mail_attempts WHERE invitation_id = i.id AND purpose = 'reminder' AND sent = 1)
             FROM invitations i JOIN partners p ON p.id = i.partner_id
             LEFT JOIN mail_attempts m ON m.id = (SELECT max(id) FROM mail_attempts WHERE invitation_id = i.id)
             WHERE i.used_at IS NULL AND i.retired_at IS NULL
             ORDER BY i.id",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, bool>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, Option<bool>>(7)?,
                    row.get::<_, Option<u16>>(8)?,
                    row.get::<_, Option<String>>(9)?,
                    row.get::<_, Option<String>>(10)?,
                    row.get::<_, bool>(11)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, couple, partner, name, checkin, made, expires, sent, reply_code, failure, mailed, reminded)| {
                Ok(LinkWaiting {
                    invitation: InvitationId::from_row(id),
                    couple: CoupleId::from_row(couple),
                    partner: PartnerId::from_row(partner),
                    partner_name: stored_name(name)?,
                    checkin,
                    made_at: stored_instant(&made)?,
                    expires_at: stored_instant(&expires)?,
                    last_mail: sent.map(|sent| MailAttempt { sent, reply_code, failure }),
                    mailed_at: mailed.as_deref().map(stored_instant).transpose()?,
                    reminded,
                })
            })
            .collect()
    }

    /// Records one attempt to e-mail a link or a reminder of it (never the message).
    pub fn record_mail(
        &mut self,
        invitation: InvitationId,
        purpose: MailPurpose,
        attempt: &MailAttempt,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let couple: Option<String> = tx
            .query_row(
                "SELECT c.short_id FROM invitations i JOIN partners p ON p.id = i.partner_id
                 JOIN couples c ON c.id = p.couple_id WHERE i.id = ?1",
                [invitation.get()],
                |row| row.get(0),
            )
            .optional()?;
        let Some(couple) = couple else {
            return Err(StoreError::Invalid(InvalidInput(
                "the link was deleted with its couple before the message was recorded".into(),
            )));
        };
        tx.execute(
            "INSERT INTO mail_attempts (invitation_id, purpose, at, sent, reply_code, failure)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![invitation.get(), purpose.as_str(), stamp(now)?, attempt.sent, attempt.reply_code, attempt.failure],
        )?;
        let what = match (purpose, attempt.sent) {
            (MailPurpose::Link, true) => "link e-mailed",
            (MailPurpose::Reminder, true) => "reminder e-mailed",
            (_, false) => "e-mail failed",
        };
        let detail = format!("invitation {invitation}");
        record(&tx, self.actor, what, Some(&couple), Some(&detail), now)?;
        tx.commit()?;
        Ok(())
    }
}

/// An instant read back from the file, which was valid when it was written.
fn stored_instant(raw: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .map_err(|_| StoreError::Corrupt(format!("a stored time {raw:?} is not a time")))
}
