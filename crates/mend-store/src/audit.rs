//! The audit trail (who did what to which couple, and when, never names or answers) and the
//! settings the intake server keeps.

use std::fmt;

use std::sync::OnceLock;

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::clock::stamp;
use crate::open::lazily;
use crate::{Store, StoreError};

/// Which program acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The therapist's `mend` command.
    Cli,
    /// The intake server, on behalf of a partner following their link.
    Server,
}

impl Actor {
    /// The word stored in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Cli => "cli",
            Actor::Server => "server",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "cli" => Ok(Actor::Cli),
            "server" => Ok(Actor::Server),
            other => Err(StoreError::Corrupt(format!("unknown actor {other:?} in the audit trail"))),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When, as RFC 3339 UTC.
    pub at: String,
    /// Which program acted.
    pub actor: Actor,
    /// What was done, such as `couple added`.
    pub action: String,
    /// The couple's short id, when the action concerned one.
    pub couple: Option<String>,
    /// Ids that say more (a session number, a flag id), never names or answers.
    pub detail: Option<String>,
    /// The operating-system user who ran the command (`root (sudo by ana)` under sudo); `None`
    /// for the server, and for entries written before mend recorded it.
    #[serde(default)]
    pub os_user: Option<String>,
}

/// Whether the trail's chain holds: every entry since mend chained them is as it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every chained entry is as it was written.
    Intact {
        /// How many entries carry a link of the chain.
        chained: usize,
    },
    /// The entry with this number (1 for the oldest) was changed, or one before it removed.
    BrokenAt(usize),
}

/// Who is at the computer, for every entry this process writes as [`Actor::Cli`]: set once by
/// the binary from the operating system (a fact about the process, as its clock is).
static OPERATOR: OnceLock<String> = OnceLock::new();

/// Names the operating-system user of this process for the audit trail: `user`, or under sudo
/// `user (sudo by sudo_user)`. Only the first call counts.
pub fn set_operator(user: &str, sudo_user: Option<&str>) {
    let name = match sudo_user.filter(|s| !s.is_empty() && *s != user) {
        Some(by) => format!("{user} (sudo by {by})"),
        None => user.to_owned(),
    };
    let _ = OPERATOR.set(name);
}

/// The link of the chain for an entry: the SHA-256 of the one before's link and every field.
fn chain_link(
    previous: &str,
    at: &str,
    actor: &str,
    action: &str,
    couple: Option<&str>,
    detail: Option<&str>,
    user: Option<&str>,
) -> String {
    let mut hash = Sha256::new();
    for field in
        [previous, at, actor, action, couple.unwrap_or("\u{0}"), detail.unwrap_or("\u{0}"), user.unwrap_or("\u{0}")]
    {
        hash.update(field.len().to_le_bytes());
        hash.update(field.as_bytes());
    }
    hex::encode(hash.finalize())
}

/// The settings key under which the intake server's HMAC secret is kept, as hex.
const SERVER_SECRET_KEY: &str = "intake_server_secret";

/// Appends one line to the audit trail on `conn`, which is usually an open transaction.
pub(crate) fn record(
    conn: &Connection,
    actor: Actor,
    action: &str,
    couple: Option<&str>,
    detail: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let at = stamp(now)?;
    let user = match actor {
        Actor::Cli => OPERATOR.get().map(String::as_str),
        Actor::Server => None,
    };
    let previous: Option<String> = conn
        .prepare_cached("SELECT chain FROM audit_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |row| row.get(0))
        .optional()?
        .flatten();
    let link = chain_link(previous.as_deref().unwrap_or(""), &at, actor.as_str(), action, couple, detail, user);
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, couple, detail, os_user, chain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![at, actor.as_str(), action, couple, detail, user, link])?;
    Ok(())
}

impl Store {
    /// Records that `actor` read something (for example a couple's intake), concerning the
    /// couple with short id `couple`. Never pass names or answers.
    ///
    /// The entry is committed without waiting for the disk, so that reading the record never
    /// does: it is durable at the next write of clinical data or checkpoint, and a power cut
    /// before then can lose it but never corrupt anything (see `open::lazily`). Changes to the
    /// record are audited inside their own transaction instead, with their full durability.
    pub fn audit(
        &mut self,
        actor: Actor,
        action: &str,
        couple: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        lazily(&mut self.conn, |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            record(&tx, actor, action, couple, None, now)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The whole audit trail, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_rows()?.into_iter().map(|(entry, _)| entry).collect()
    }

    /// Checks the trail's chain: each chained entry's link must be the hash of the one before
    /// and its own fields, so an entry changed, or one removed from the middle, shows.
    pub fn check_audit_chain(&self) -> Result<ChainCheck, StoreError> {
        let mut previous: Option<String> = None;
        let mut chained = 0;
        for (number, (entry, link)) in (1..).zip(self.audit_rows()?) {
            let entry = entry?;
            let Some(link) = link else {
                // Written before mend chained the trail; a chained entry must not come before it.
                if chained > 0 {
                    return Ok(ChainCheck::BrokenAt(number));
                }
                continue;
            };
            let expected = chain_link(
                previous.as_deref().unwrap_or(""),
                &entry.at,
                entry.actor.as_str(),
                &entry.action,
                entry.couple.as_deref(),
                entry.detail.as_deref(),
                entry.os_user.as_deref(),
            );
            if link != expected {
                return Ok(ChainCheck::BrokenAt(number));
            }
            chained += 1;
            previous = Some(link);
        }
        Ok(ChainCheck::Intact { chained })
    }

    /// Every entry with its link of the chain, oldest first.
    #[allow(clippy::type_complexity)]
    fn audit_rows(&self) -> Result<Vec<(Result<AuditEntry, StoreError>, Option<String>)>, StoreError> {
        let mut stmt =
            self.conn.prepare("SELECT at, actor, action, couple, detail, os_user, chain FROM audit_log ORDER BY id")?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, action, couple, detail, os_user, chain)| {
                let entry = Actor::parse(&actor).map(|actor| AuditEntry { at, actor, action, couple, detail, os_user });
                (entry, chain)
            })
            .collect())
    }

    /// The intake server's secret for signing form tokens: made once at random, then kept in
    /// the database so that every server process and restart agrees on it.
    pub fn server_secret(&mut self) -> Result<[u8; 32], StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored: Option<String> = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [SERVER_SECRET_KEY], |row| row.get(0))
            .optional()?;
        let secret = match stored {
            Some(hex_text) => decode_secret(&hex_text)?,
            None => {
                let mut secret = [0u8; 32];
                rand::rng().fill_bytes(&mut secret);
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                    params![SERVER_SECRET_KEY, hex::encode(secret)],
                )?;
                secret
            }
        };
        tx.commit()?;
        Ok(secret)
    }
}

fn decode_secret(hex_text: &str) -> Result<[u8; 32], StoreError> {
    let mut secret = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut secret)
        .map_err(|_| StoreError::Corrupt("the intake server's secret is not 32 bytes of hex".into()))?;
    Ok(secret)
}
