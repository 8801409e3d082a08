//! The relay's database: one SQLite file in the relay's folder, holding for each link only what
//! the web needs, and sealed everything else.
//!
//! Nothing in it opens without a link's token or the practice's identity: names, what a check-in
//! asks and drafts are sealed by each link's own key, and sent answers to the practice. What is in
//! clear is a token's hash, a link's kind, expiry and questionnaire version, the questions of
//! that version, when a link was used, and for each paired practice its public key and the hash
//! of its credential.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mend_core::Questionnaire;
use rand::RngCore;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::seal::{BadKey, PracticeRecipient};
use crate::wire::{LinkKind, Push, Waiting};

/// The relay's database file, inside its folder.
pub const RELAY_FILE: &str = "relay.sqlite3";

/// How long a connection waits for another (the server, the therapist's mend) to finish writing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a link is kept after it stopped working, so that a second click on "Send" is still
/// thanked and a dead link keeps answering with the one plain page rather than a different one.
const KEEP_DEAD_LINKS_DAYS: i64 = 30;

/// A pairing code lasts this long.
pub const PAIRING_CODE_LIFETIME: time::Duration = time::Duration::minutes(15);

/// Why the relay's store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The folder or file could not be made or read.
    #[error("cannot use the relay folder {path}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database failed.
    #[error("the relay's database failed: {0}")]
    Database(#[from] rusqlite::Error),
    /// A value in the database or a push is not what it should be.
    #[error("the relay's data is not valid: {0}")]
    Invalid(String),
    /// The folder holds no relay database.
    #[error("{path} holds no relay yet")]
    NoRelay {
        /// The folder.
        path: PathBuf,
    },
}

impl RelayError {
    /// Whether the failure is another connection holding the file for longer than the busy
    /// timeout: worth trying again later.
    pub fn is_busy(&self) -> bool {
        matches!(self, RelayError::Database(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
    }
}

impl From<serde_json::Error> for RelayError {
    fn from(error: serde_json::Error) -> Self {
        RelayError::Invalid(error.to_string())
    }
}

/// A practice the relay serves: its row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PracticeId(i64);

impl PracticeId {
    /// The number, as the therapist's record keeps it.
    pub fn get(self) -> i64 {
        self.0
    }

    /// A practice id the record kept.
    pub fn from_kept(id: i64) -> Self {
        PracticeId(id)
    }
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// The form may be filled in and sent.
    Active,
    /// A form was sent through it.
    Used,
    /// Its expiry passed.
    Expired,
    /// A newer link for the same partner replaced it.
    Retired,
}

/// A link as a request finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedLink {
    /// The practice it belongs to.
    pub practice: PracticeId,
    /// Which form it serves.
    pub kind: LinkKind,
    /// The questionnaire's id.
    pub questionnaire: String,
    /// The version it shows.
    pub version: u32,
    /// Where it stands now.
    pub state: LinkState,
    /// Its details, sealed by its key; empty for a link made before the relay.
    pub details: Vec<u8>,
    /// A saved draft, sealed by its key.
    pub draft: Option<Vec<u8>>,
    /// The newest version of its questionnaire the practice pushed.
    pub newest_version: Option<u32>,
    /// The practice's public key, which a sent form is sealed to.
    pub recipient: String,
    /// The practice's own words on secrets, if it gave any.
    pub secrets_policy: Option<String>,
}

/// What became of a sent form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Kept, sealed, durably; the link is closed.
    Kept,
    /// The link was used before; nothing was kept.
    AlreadyUsed,
    /// The link is unknown, expired or retired; nothing was kept.
    NotActive,
}

/// One sent form for [`RelayStore::receive`].
#[derive(Debug, Clone)]
pub struct Arrival {
    /// SHA-256 of the link's token.
    pub token_sha256: String,
    /// The practice the link belongs to (from the lookup that checked the answers).
    pub practice: PracticeId,
    /// The form, sealed to the practice.
    pub sealed: Vec<u8>,
    /// When it was sent.
    pub at: OffsetDateTime,
}

/// Why pairing was refused. It says nothing more to the caller than that.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingRefused {
    /// The code is unknown, used or past its time.
    #[error("the pairing code is unknown, used or expired: make a new one with `mend relay pair` on the relay")]
    Code,
    /// The practice's key is not a key.
    #[error(transparent)]
    Key(#[from] BadKey),
}

/// An open relay store: one connection to its database.
#[derive(Debug)]
pub struct RelayStore {
    conn: Connection,
    path: PathBuf,
}

/// Every migration of the relay's database, oldest first. Never edit one that has shipped.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE practices (
    id                INTEGER PRIMARY KEY,
    recipient         TEXT NOT NULL,
    credential_sha256 TEXT UNIQUE CHECK (credential_sha256 IS NULL OR length(credential_sha256) = 64),
    secrets_policy    TEXT,
    created_at        TEXT NOT NULL
) STRICT;

CREATE TABLE pairing_codes (
    code_sha256 TEXT PRIMARY KEY CHECK (length(code_sha256) = 64),
    expires_at  TEXT NOT NULL
) STRICT;

CREATE TABLE versions (
    practice_id   INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    questionnaire TEXT NOT NULL,
    version       INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    definition    TEXT NOT NULL CHECK (json_valid(definition)),
    PRIMARY KEY (practice_id, questionnaire, version)
) STRICT;

CREATE TABLE links (
    token_sha256  TEXT PRIMARY KEY CHECK (length(token_sha256) = 64),
    practice_id   INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('intake', 'checkin')),
    questionnaire TEXT NOT NULL,
    version       INTEGER NOT NULL,
    expires_at    TEXT NOT NULL,
    details       BLOB NOT NULL,
    draft         BLOB,
    used_at       TEXT,
    retired_at    TEXT
) STRICT;

CREATE TABLE answers (
    id          INTEGER PRIMARY KEY,
    practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    sealed      BLOB NOT NULL,
    sent_at     TEXT NOT NULL
) STRICT;
CREATE INDEX answers_by_practice ON answers (practice_id, id);

CREATE TABLE secret (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL CHECK (length(key) = 32)
) STRICT;
"#];

/// An instant as the relay writes it: RFC 3339 in UTC with nanoseconds, so that text order is
/// time order.
fn stamp(at: OffsetDateTime) -> Result<String, RelayError> {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let text = utc.format(&time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    ));
    text.map_err(|e| RelayError::Invalid(e.to_string()))
}

/// SHA-256 of a secret's text, as lowercase hex.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A fresh random secret: 32 bytes as hex.
fn fresh_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl RelayStore {
    /// Opens the relay in `folder`, making the folder (owner-only) and its database if needed.
    pub fn open(folder: &Path) -> Result<RelayStore, RelayError> {
        let folder_error = |source| RelayError::Folder { path: folder.to_owned(), source };
        fs::create_dir_all(folder).map_err(folder_error)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(folder, fs::Permissions::from_mode(0o700)).map_err(folder_error)?;
        }
        let path = folder.join(RELAY_FILE);
        if !path.exists() {
            let mut options = fs::OpenOptions::new();
            options.write(true).create(true).truncate(false);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options.open(&path).map_err(folder_error)?;
        }
        let conn = Connection::open(&path)?;
        let mut store = RelayStore { conn, path };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing relay; a folder without one is [`RelayError::NoRelay`].
    pub fn open_existing(folder: &Path) -> Result<RelayStore, RelayError> {
        if !folder.join(RELAY_FILE).exists() {
            return Err(RelayError::NoRelay { path: folder.to_owned() });
        }
        RelayStore::open(folder)
    }

    /// Whether answers wait for `practice` in the relay in `folder`, read without writing
    /// anything or waiting for the disk: the check each reading command makes first, so finding
    /// that nothing is new costs one small read. A folder without a relay has none.
    pub fn has_waiting(folder: &Path, practice: PracticeId) -> Result<bool, RelayError> {
        let path = folder.join(RELAY_FILE);
        if !path.exists() {
            return Ok(false);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let found =
            conn.query_row("SELECT 1 FROM answers WHERE practice_id = ?1 LIMIT 1", [practice.0], |_| Ok(())).optional();
        match found {
            Ok(found) => Ok(found.is_some()),
            // A relay file made but not yet given its tables has nothing waiting.
            Err(rusqlite::Error::SqliteFailure(_, Some(message))) if message.contains("no such table") => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&mut self) -> Result<(), RelayError> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets the server and the therapist's mend use the file together; FULL makes every
        // commit durable before a partner is thanked or a link is printed.
        let mode = self.journal_mode_wal()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(RelayError::Invalid(format!("the relay's database would not use WAL (it uses {mode})")));
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", true)?;
        // Deleted answers are overwritten, not left in free pages for a copy of the disk to find.
        self.conn.pragma_update(None, "secure_delete", true)?;
        Ok(())
    }

    /// Switches a new file to WAL. Two processes opening a new file at once (the server and the
    /// therapist's first link) can each hold the other off, which SQLite answers with an
    /// immediate "busy" rather than waiting, so the switch is tried again for a while.
    fn journal_mode_wal(&self) -> Result<String, RelayError> {
        let started = std::time::Instant::now();
        loop {
            match self.conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get::<_, String>(0)) {
                Ok(mode) => return Ok(mode),
                Err(error) => {
                    let error = RelayError::from(error);
                    if !error.is_busy() || started.elapsed() > BUSY_TIMEOUT {
                        return Err(error);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }

    fn migrate(&mut self) -> Result<(), RelayError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        let done = usize::try_from(done).unwrap_or(usize::MAX);
        if done > MIGRATIONS.len() {
            return Err(RelayError::Invalid(format!(
                "the relay's database was made by a newer mend (schema {done}); upgrade mend on this machine"
            )));
        }
        for (number, migration) in MIGRATIONS.iter().enumerate().skip(done) {
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", i64::try_from(number + 1).unwrap_or(i64::MAX))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Leaves folding the log into the file to another connection (see [`RelayStore::fold_in`]):
    /// a commit that folds it in waits for the file's sync, and every form behind it waits too.
    pub fn leave_checkpoints(&mut self) -> Result<(), RelayError> {
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(())
    }

    /// Folds into the file what no reader still needs (`PASSIVE`); returns the pages left.
    pub fn fold_in(&mut self) -> Result<u64, RelayError> {
        let (log, folded): (i64, i64) =
            self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| Ok((row.get(1)?, row.get(2)?)))?;
        Ok(u64::try_from(log - folded).unwrap_or(0))
    }

    /// The relay's own secret, for signing the forms it serves; made the first time.
    pub fn server_secret(&mut self) -> Result<[u8; 32], RelayError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kept: Option<Vec<u8>> = tx.query_row("SELECT key FROM secret WHERE id = 1", [], |r| r.get(0)).optional()?;
        let key = match kept {
            Some(key) => key,
            None => {
                let mut key = vec![0u8; 32];
                rand::rng().fill_bytes(&mut key);
                tx.execute("INSERT INTO secret (id, key) VALUES (1, ?1)", [&key])?;
                key
            }
        };
        tx.commit()?;
        key.try_into().map_err(|_| RelayError::Invalid("the relay's secret is not 32 bytes".to_owned()))
    }

    /// Registers the practice on this machine's own relay (no credential: it reaches the folder
    /// directly) with its public key, and returns its id.
    pub fn add_local_practice(
        &mut self,
        recipient: &PracticeRecipient,
        now: OffsetDateTime,
    ) -> Result<PracticeId, RelayError> {
        self.conn.execute(
            "INSERT INTO practices (recipient, created_at) VALUES (?1, ?2)",
            params![recipient.to_text(), stamp(now)?],
        )?;
        Ok(PracticeId(self.conn.last_insert_rowid()))
    }

    /// A one-time pairing code, valid for [`PAIRING_CODE_LIFETIME`]; only its hash is kept.
    pub fn new_pairing_code(&mut self, now: OffsetDateTime) -> Result<String, RelayError> {
        // Eight groups of four hex digits: 128 bits, typed or pasted once.
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let code = hex::encode(bytes)
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM pairing_codes WHERE expires_at <= ?1", [stamp(now)?])?;
        tx.execute(
            "INSERT INTO pairing_codes (code_sha256, expires_at) VALUES (?1, ?2)",
            params![sha256_hex(&normal_code(&code)), stamp(now + PAIRING_CODE_LIFETIME)?],
        )?;
        tx.commit()?;
        Ok(code)
    }

    /// Pairs a practice by a code from [`RelayStore::new_pairing_code`]: the code is used up, the
    /// practice's public key kept, and a fresh credential returned, of which only the hash stays.
    pub fn pair(
        &mut self,
        code: &str,
        recipient: &str,
        now: OffsetDateTime,
    ) -> Result<Result<(PracticeId, String), PairingRefused>, RelayError> {
        let recipient = match PracticeRecipient::parse(recipient) {
            Ok(recipient) => recipient,
            Err(bad) => return Ok(Err(bad.into())),
        };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let used = tx.execute(
            "DELETE FROM pairing_codes WHERE code_sha256 = ?1 AND expires_at > ?2",
            params![sha256_hex(&normal_code(code)), stamp(now)?],
        )?;
        if used == 0 {
            return Ok(Err(PairingRefused::Code));
        }
        let credential = fresh_secret();
        tx.execute(
            "INSERT INTO practices (recipient, credential_sha256, created_at) VALUES (?1, ?2, ?3)",
            params![recipient.to_text(), sha256_hex(&credential), stamp(now)?],
        )?;
        let id = PracticeId(tx.last_insert_rowid());
        tx.commit()?;
        Ok(Ok((id, credential)))
    }

    /// The practice a sync credential belongs to, if any.
    pub fn practice_of(&self, credential: &str) -> Result<Option<PracticeId>, RelayError> {
        let id = self
            .conn
            .prepare_cached("SELECT id FROM practices WHERE credential_sha256 = ?1")?
            .query_row([sha256_hex(credential)], |row| row.get(0))
            .optional()?;
        Ok(id.map(PracticeId))
    }

    /// Takes a push from a practice in one transaction: its versions, new links and retired
    /// links. Repeating a push changes nothing more; a link or retirement of another practice's
    /// hash is ignored, so no practice can touch another's links.
    pub fn push(&mut self, practice: PracticeId, push: &Push, now: OffsetDateTime) -> Result<(), RelayError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for entry in &push.versions {
            // Checked before it is kept: a version the relay cannot read would fail every page.
            Questionnaire::from_stored_json(&entry.questionnaire, &entry.definition)?;
            tx.prepare_cached(
                "INSERT INTO versions (practice_id, questionnaire, version, sha256, definition)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                practice.0,
                entry.questionnaire,
                entry.version,
                entry.sha256,
                entry.definition
            ])?;
        }
        for link in &push.links {
            let details = hex::decode(&link.details).map_err(|e| RelayError::Invalid(format!("link details: {e}")))?;
            if link.token_sha256.len() != 64 || !link.token_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(RelayError::Invalid("a link's hash is not 64 hex digits".to_owned()));
            }
            tx.prepare_cached(
                "INSERT INTO links (token_sha256, practice_id, kind, questionnaire, version, expires_at, details)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                link.token_sha256,
                practice.0,
                link.kind.as_str(),
                link.questionnaire,
                link.version,
                stamp(link.expires_at)?,
                details
            ])?;
        }
        let at = stamp(now)?;
        for hash in &push.retire {
            tx.prepare_cached(
                "UPDATE links SET retired_at = ?1, draft = NULL
                 WHERE token_sha256 = ?2 AND practice_id = ?3 AND retired_at IS NULL AND used_at IS NULL",
            )?
            .execute(params![at, hash, practice.0])?;
        }
        if let Some(policy) = &push.secrets_policy {
            let policy = Some(policy.as_str()).filter(|p| !p.trim().is_empty());
            tx.execute("UPDATE practices SET secrets_policy = ?1 WHERE id = ?2", params![policy, practice.0])?;
        }
        forget_dead_drafts(&tx, &at)?;
        // Links dead for a month are no use to anyone; they go, with their sealed drafts.
        let old = stamp(now - time::Duration::days(KEEP_DEAD_LINKS_DAYS))?;
        tx.execute(
            "DELETE FROM links WHERE practice_id = ?1 AND (expires_at <= ?2 OR used_at <= ?2 OR retired_at <= ?2)",
            params![practice.0, old],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes the drafts of links that no longer work at `now` (expired, used or retired): a
    /// draft is for finishing the form, and a dead link's is of use to nobody. Returns how many.
    pub fn forget_dead_drafts(&mut self, now: OffsetDateTime) -> Result<usize, RelayError> {
        forget_dead_drafts(&self.conn, &stamp(now)?)
    }

    /// What a token's hash leads to at `now`, with its sealed details and draft, in one
    /// statement: every page view and sent form runs it.
    pub fn open_link(&self, token_sha256: &str, now: OffsetDateTime) -> Result<Option<OpenedLink>, RelayError> {
        let now = stamp(now)?;
        let found = self
            .conn
            .prepare_cached(
                "SELECT l.practice_id, l.kind, l.questionnaire, l.version, l.expires_at, l.details, l.draft,
                        l.used_at, l.retired_at, p.recipient, p.secrets_policy,
                        (SELECT max(v.version) FROM versions v
                         WHERE v.practice_id = l.practice_id AND v.questionnaire = l.questionnaire)
                 FROM links l JOIN practices p ON p.id = l.practice_id WHERE l.token_sha256 = ?1",
            )?
            .query_row([token_sha256], |row| {
                let expires_at: String = row.get(4)?;
                let used: Option<String> = row.get(7)?;
                let retired: Option<String> = row.get(8)?;
                Ok(OpenedLink {
                    practice: PracticeId(row.get(0)?),
                    kind: row.get(1)?,
                    questionnaire: row.get(2)?,
                    version: row.get(3)?,
                    state: link_state(&expires_at, used.as_deref(), retired.as_deref(), &now),
                    details: row.get(5)?,
                    draft: row.get(6)?,
                    recipient: row.get(9)?,
                    secrets_policy: row.get(10)?,
                    newest_version: row.get(11)?,
                })
            })
            .optional()?;
        let Some(link) = found else { return Ok(None) };
        Ok(Some(link))
    }

    /// The questions of a version a practice pushed.
    pub fn version(
        &self,
        practice: PracticeId,
        questionnaire: &str,
        version: u32,
    ) -> Result<Option<Questionnaire>, RelayError> {
        let definition: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT definition FROM versions WHERE practice_id = ?1 AND questionnaire = ?2 AND version = ?3",
            )?
            .query_row(params![practice.0, questionnaire, version], |row| row.get(0))
            .optional()?;
        definition.map(|text| Questionnaire::from_stored_json(questionnaire, &text)).transpose().map_err(Into::into)
    }

    /// Every version any practice pushed, for working out the largest form body to accept.
    pub fn all_versions(&self) -> Result<Vec<Questionnaire>, RelayError> {
        let mut statement = self.conn.prepare("SELECT questionnaire, definition FROM versions")?;
        let texts = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        texts.iter().map(|(id, text)| Questionnaire::from_stored_json(id, text).map_err(Into::into)).collect()
    }

    /// Keeps a sealed draft for a link that still works; `false` when it no longer does.
    pub fn save_draft(&mut self, token_sha256: &str, sealed: &[u8], now: OffsetDateTime) -> Result<bool, RelayError> {
        let now = stamp(now)?;
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE links SET draft = ?1
                 WHERE token_sha256 = ?2 AND used_at IS NULL AND retired_at IS NULL AND expires_at > ?3",
            )?
            .execute(params![sealed, token_sha256, now])?;
        Ok(changed == 1)
    }

    /// Moves a working link to a newer version of its questions, with its draft carried over.
    pub fn upgrade_link(
        &mut self,
        token_sha256: &str,
        version: u32,
        sealed_draft: Option<&[u8]>,
    ) -> Result<(), RelayError> {
        self.conn
            .prepare_cached("UPDATE links SET version = ?1, draft = ?2 WHERE token_sha256 = ?3 AND used_at IS NULL")?
            .execute(params![version, sealed_draft, token_sha256])?;
        Ok(())
    }

    /// Keeps sent forms, sealed, with one commit for all of them (a busy server waits for the disk
    /// once per group); each closes its link in the same transaction, so a link takes one form.
    /// The outer `Err` means the commit failed and nothing was kept.
    pub fn receive(&mut self, arrivals: &[Arrival]) -> Result<Vec<Received>, RelayError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(arrivals.len());
        for arrival in arrivals {
            let at = stamp(arrival.at)?;
            let row: Option<(i64, String, Option<String>, Option<String>)> = tx
                .prepare_cached(
                    "SELECT practice_id, expires_at, used_at, retired_at FROM links WHERE token_sha256 = ?1",
                )?
                .query_row([&arrival.token_sha256], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
                .optional()?;
            let Some((practice, expires_at, used, retired)) = row else {
                outcomes.push(Received::NotActive);
                continue;
            };
            let outcome = match link_state(&expires_at, used.as_deref(), retired.as_deref(), &at) {
                _ if practice != arrival.practice.0 => Received::NotActive,
                LinkState::Active => {
                    tx.prepare_cached("INSERT INTO answers (practice_id, sealed, sent_at) VALUES (?1, ?2, ?3)")?
                        .execute(params![practice, arrival.sealed, at])?;
                    tx.prepare_cached("UPDATE links SET used_at = ?1, draft = NULL WHERE token_sha256 = ?2")?
                        .execute(params![at, arrival.token_sha256])?;
                    Received::Kept
                }
                LinkState::Used => Received::AlreadyUsed,
                LinkState::Expired | LinkState::Retired => Received::NotActive,
            };
            outcomes.push(outcome);
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// Up to `limit` sealed answers waiting for a practice, oldest first.
    pub fn waiting(&self, practice: PracticeId, limit: usize) -> Result<Vec<Waiting>, RelayError> {
        let mut statement =
            self.conn.prepare_cached("SELECT id, sealed FROM answers WHERE practice_id = ?1 ORDER BY id LIMIT ?2")?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement
            .query_map(params![practice.0, limit], |row| {
                Ok(Waiting { id: row.get(0)?, sealed: hex::encode(row.get::<_, Vec<u8>>(1)?) })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Deletes answers the practice has taken in, in one transaction; ids of other practices, or
    /// already deleted, are ignored, so an acknowledgement may be repeated.
    pub fn acknowledge(&mut self, practice: PracticeId, ids: &[i64]) -> Result<usize, RelayError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut deleted = 0;
        {
            let mut statement = tx.prepare_cached("DELETE FROM answers WHERE id = ?1 AND practice_id = ?2")?;
            for id in ids {
                deleted += statement.execute(params![id, practice.0])?;
            }
        }
        tx.commit()?;
        Ok(deleted)
    }
}

/// Where a link stands at `now`; use comes first, so a sent form reads as used even once expired.
fn forget_dead_drafts(conn: &Connection, now: &str) -> Result<usize, RelayError> {
    Ok(conn
        .prepare_cached(
            "UPDATE links SET draft = NULL
             WHERE draft IS NOT NULL AND (expires_at <= ?1 OR used_at IS NOT NULL OR retired_at IS NOT NULL)",
        )?
        .execute([now])?)
}

fn link_state(expires_at: &str, used: Option<&str>, retired: Option<&str>, now: &str) -> LinkState {
    if used.is_some() {
        LinkState::Used
    } else if retired.is_some() {
        LinkState::Retired
    } else if expires_at <= now {
        LinkState::Expired
    } else {
        LinkState::Active
    }
}

/// A link's kind as the database keeps it; the schema's CHECK allows no other word.
impl rusqlite::types::FromSql for LinkKind {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        LinkKind::parse(value.as_str()?).ok_or(rusqlite::types::FromSqlError::InvalidType)
    }
}

/// A pairing code as typed: without spaces, dashes or capitals.
fn normal_code(code: &str) -> String {
    code.chars().filter(char::is_ascii_hexdigit).map(|c| c.to_ascii_lowercase()).collect()
}
