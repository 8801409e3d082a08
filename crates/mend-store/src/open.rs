//! Opening the database file: creating it private to its owner, refusing what is not ours,
//! setting the connection's safety pragmas and bringing the schema up to date.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::is_not_a_database;
use crate::key::{DataKey, apply_key};
use crate::schema::{SCHEMA_VERSION, migrations};
use crate::{Actor, Store, StoreError};

/// How long a connection waits for another one (the CLI or the server) to finish writing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The write-ahead log is folded back into the database file (checkpointed) once it holds this
/// many pages, by whichever commit takes it past; with the log kept between commands (see
/// [`configure`]) this is what bounds it.
///
/// A kept log has a price: the first connection of each process reads the whole log to rebuild
/// its index, about 1.4 µs a page here (1.3 ms of CPU for `mend couple list` at SQLite's default
/// of 1,000 pages, against 1.2 ms for all of `mend --version`). A checkpoint costs about four
/// waits on the disk. A read adds one page, so at 200 pages one read in about 200 pays for a
/// checkpoint, and the others at most 0.3 ms for the log: near the best balance for a disk whose
/// sync costs 1 to 10 ms. Reads leave the checkpoint to the next write (see [`lazily`]).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 200;

/// The log a read's audit entry may take it to before that read folds it in. A checkpoint waits
/// for the disk, and a read must not (a checkpoint in one read of 200 was measured at 70 ms here);
/// the next write, which waits for the disk anyway, folds the log in instead. Only after about a
/// thousand reads with no write between them does a read pay for it: SQLite's own default.
const READ_CHECKPOINT_PAGES: i64 = 1000;

/// After a checkpoint, a log that an unusually large write (an import) made bigger than this is
/// cut back to it; the usual log, at most [`WAL_AUTOCHECKPOINT_PAGES`] of 4 KiB, stays below.
const JOURNAL_SIZE_LIMIT: i64 = 1024 * 1024;

/// The first bytes of every SQLite 3 database file.
pub(crate) const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

impl Store {
    /// Opens the practice record at `path`, creating the file (owner-only) and its folders if
    /// they do not exist yet, and upgrading an older schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_keyed(path, None)
    }

    /// Opens the practice record at `path`, which must already exist.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        Store::open_existing_keyed(path, None)
    }

    /// As [`Store::open`], for a database encrypted with `key` (a new file is encrypted with
    /// it), or a plain one when `key` is `None`.
    pub fn open_keyed(path: &Path, key: Option<&DataKey>) -> Result<Store, StoreError> {
        if !path.exists() {
            create_private_file(path)?;
        }
        Store::connect(path, key)
    }

    /// As [`Store::open_existing`], for a database encrypted with `key`, or a plain one when
    /// `key` is `None`.
    pub fn open_existing_keyed(path: &Path, key: Option<&DataKey>) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::NoDatabase { path: path.to_owned() });
        }
        Store::connect(path, key)
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(path: &Path, key: Option<&DataKey>) -> Result<Store, StoreError> {
        check_header(path, key.is_some())?;
        let not_sqlite = |err: rusqlite::Error| match (is_not_a_database(&err), key) {
            // With a key, SQLCipher cannot tell a wrong key from a damaged file.
            (true, Some(_)) => StoreError::WrongKey { path: path.to_owned() },
            (true, None) => StoreError::NotSqlite { path: path.to_owned() },
            (false, _) => err.into(),
        };
        // Started by SQLCipher, OpenSSL frees everything it made as the process exits, which
        // took 6% of `mend progress`'s instructions. Started here first, by the one safe call
        // openssl-sys offers (it also loads OpenSSL's error texts, 4%), it leaves its memory to
        // the end of the process, as the rest of mend does. It runs once a process.
        openssl_sys::init();
        // The file exists by now; not passing CREATE means a file removed meanwhile is an error
        // rather than a silently recreated, world-readable one.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(not_sqlite)?;
        // Before anything reads the file: a connection that fails below (a wrong key) must not
        // fold the kept log into the file as it closes, which would change a file it cannot read.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).map_err(not_sqlite)?;
        if let Some(key) = key {
            apply_key(&conn, key).map_err(not_sqlite)?;
        }
        let mode = configure(&conn).map_err(not_sqlite)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!("SQLite refused WAL mode for this file and chose {mode}")));
        }
        migrate(&mut conn, path)?;
        Ok(Store { conn, path: path.to_owned(), actor: Actor::Cli, key: key.cloned() })
    }
}

/// Creates the folders and an empty file readable only by its owner, so that SQLite's own
/// `-wal` and `-shm` files, which copy the database file's mode, are private too.
pub(crate) fn create_private_file(path: &Path) -> Result<(), StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir { path: parent.to_owned(), source })?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process created it between our check and now; that file is as good as ours.
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Io { path: path.to_owned(), source }),
    }
}

/// Refuses a file that is neither empty nor an SQLite database before SQLite touches it; with a
/// key, refuses a plain SQLite file instead, whose header an encrypted file never has.
fn check_header(path: &Path, keyed: bool) -> Result<(), StoreError> {
    let io_error = |source| StoreError::Io { path: path.to_owned(), source };
    if fs::metadata(path).map_err(io_error)?.is_dir() {
        return Err(StoreError::NotSqlite { path: path.to_owned() });
    }
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    File::open(path).map_err(io_error)?.take(SQLITE_HEADER.len() as u64).read_to_end(&mut header).map_err(io_error)?;
    match (header.is_empty(), header == SQLITE_HEADER, keyed) {
        (true, _, _) | (false, true, false) | (false, false, true) => Ok(()),
        (false, true, true) => Err(StoreError::NotEncrypted { path: path.to_owned() }),
        (false, false, false) => Err(StoreError::NotSqlite { path: path.to_owned() }),
    }
}

/// Sets what every connection needs: waiting for the other process, enforced foreign keys,
/// WAL so the CLI and the server can read while the other writes, FULL sync so an acknowledged
/// answer survives a power cut, and zeroing of deleted content. Returns the journal mode SQLite
/// actually chose.
///
/// The log is kept when the connection closes (set as the connection opens, before anything is
/// read). By default the last connection to close folds
/// the log into the database file and deletes it, which costs four waits on the disk (the log,
/// the file, and the log's header and folder when the next command starts a new one): every
/// short-lived `mend` command paid them, reads included. Kept, the log is folded in only when it
/// reaches [`WAL_AUTOCHECKPOINT_PAGES`], so a read waits for nothing, and a write for its own
/// commit. Everything committed is in the log or the file; SQLite reads both.
fn configure(conn: &Connection) -> rusqlite::Result<String> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    let mode = write_ahead_log(conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "secure_delete", true)?;
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
    Ok(mode)
}

/// Puts the file in WAL mode (a no-op once it is). Switching needs the file alone: two
/// processes opening a new file at once can each hold the other off, and SQLite then answers
/// "busy" at once rather than wait for a turn that might never come. So the switch is tried
/// again, for as long as any other wait on a lock.
fn write_ahead_log(conn: &Connection) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)) {
            Err(err)
                if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            result => return result,
        }
    }
}

/// Runs `write` with its commits made durable lazily: appended to the write-ahead log without
/// waiting for the disk (`synchronous = NORMAL`), then the connection goes back to FULL.
///
/// For the audit entries of reads only. In WAL mode such a commit is never torn (each page in
/// the log carries a checksum, and a half-written commit is dropped when the log is next read);
/// it becomes durable at the next FULL commit by anyone, or at the next checkpoint. A power cut
/// before then can lose the last few entries of this kind, and nothing else.
pub(crate) fn lazily<T>(
    conn: &mut Connection,
    write: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    // A connection whose log a checkpointer folds in (threshold 0) keeps it that way.
    let threshold: i64 = conn.pragma_query_value(None, "wal_autocheckpoint", |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    if threshold > 0 {
        conn.pragma_update(None, "wal_autocheckpoint", READ_CHECKPOINT_PAGES)?;
    }
    let result = write(conn);
    // Back to FULL whatever happened, so that no clinical write after this one is made lazily.
    let restored = conn
        .pragma_update(None, "synchronous", "FULL")
        .and_then(|()| conn.pragma_update(None, "wal_autocheckpoint", threshold));
    let value = result?;
    restored?;
    Ok(value)
}

/// Refuses a newer or foreign schema, then applies the migrations this file lacks.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    // Both are read from one snapshot: a migration sets the tables and the version together, so
    // a file another process is migrating right now never looks like someone else's database.
    let snapshot = conn.transaction()?;
    let found = user_version(&snapshot)?;
    let foreign = found == 0 && has_tables(&snapshot)?;
    snapshot.commit()?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew { found, supported: SCHEMA_VERSION });
    }
    if foreign {
        return Err(StoreError::NotMend { path: PathBuf::from(path) });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    // The migrations run in one IMMEDIATE transaction, so two processes opening a new file at
    // once take turns; the second then finds the tables made and the version already current.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let result = migrations().to_latest(conn);
    conn.set_transaction_behavior(TransactionBehavior::Deferred);
    match result {
        Ok(()) => Ok(()),
        Err(_) if user_version(conn)? == SCHEMA_VERSION => Ok(()),
        Err(err) => Err(err.into()),
    }
}

fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    u32::try_from(version).map_err(|_| StoreError::Corrupt(format!("schema version {version}")))
}

fn has_tables(conn: &Connection) -> Result<bool, StoreError> {
    let count: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", [], |row| row.get(0))?;
    Ok(count > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_write_goes_back_to_full_sync_even_when_it_fails() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("mend.db")).unwrap();
        let during: i64 =
            lazily(&mut store.conn, |conn| Ok(conn.pragma_query_value(None, "synchronous", |row| row.get(0))?))
                .unwrap();
        assert_eq!(during, 1, "NORMAL while the lazy write runs");
        let failed: Result<(), StoreError> =
            lazily(&mut store.conn, |conn| Ok(conn.execute_batch("INSERT INTO no_such_table VALUES (1)")?));
        assert!(failed.is_err());
        let after: i64 = store.conn.pragma_query_value(None, "synchronous", |row| row.get(0)).unwrap();
        assert_eq!(after, 2, "FULL again");
        let threshold: i64 = store.conn.pragma_query_value(None, "wal_autocheckpoint", |row| row.get(0)).unwrap();
        assert_eq!(threshold, WAL_AUTOCHECKPOINT_PAGES, "writes fold the log in as before");
    }

    #[test]
    fn reads_leave_the_checkpoint_to_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("mend.db")).unwrap();
        let now = time::OffsetDateTime::now_utc();
        // Without folding anything in: the pages in the log, and how many of them are folded in.
        let log = |store: &Store| crate::checkpoint::wal_checkpoint(&store.conn, "NOOP").unwrap();
        let reads = WAL_AUTOCHECKPOINT_PAGES + 50;
        for _ in 0..reads {
            store.audit(Actor::Cli, "couple viewed", None, now).unwrap();
        }
        let (pages, folded) = log(&store);
        assert!(pages >= reads && folded == 0, "{reads} audited reads, none folded in: {pages} pages, {folded} folded");
        store.conn.execute_batch("INSERT INTO settings (key, value) VALUES ('a write', '1')").unwrap();
        let (pages, folded) = log(&store);
        assert_eq!(folded, pages, "the next write folded the whole log in");
    }

    #[test]
    fn connections_wait_sync_fully_enforce_foreign_keys_and_zero_deleted_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("mend.db")).unwrap();
        let pragma = |name: &str| -> i64 { store.conn.pragma_query_value(None, name, |row| row.get(0)).unwrap() };
        assert_eq!(pragma("busy_timeout"), 5000);
        assert_eq!(pragma("synchronous"), 2, "FULL");
        assert_eq!(pragma("foreign_keys"), 1);
        assert_eq!(pragma("secure_delete"), 1);
        assert_eq!(pragma("wal_autocheckpoint"), WAL_AUTOCHECKPOINT_PAGES);
        assert_eq!(pragma("journal_size_limit"), JOURNAL_SIZE_LIMIT);
        assert!(store.conn.db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE).unwrap(), "the log is kept on close");
        let mode: String = store.conn.pragma_query_value(None, "journal_mode", |row| row.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
}
