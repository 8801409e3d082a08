//! The audit trail (who did what to which couple, and when, never names or answers) and the
//! settings the intake server keeps.

use std::fmt;

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
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
    conn.prepare_cached("INSERT INTO audit_log (at, actor, action, couple, detail) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![stamp(now)?, actor.as_str(), action, couple, detail])?;
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
        let mut stmt = self.conn.prepare("SELECT at, actor, action, couple, detail FROM audit_log ORDER BY id")?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(at, actor, action, couple, detail)| {
                Ok(AuditEntry { at, actor: Actor::parse(&actor)?, action, couple, detail })
            })
            .collect()
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
