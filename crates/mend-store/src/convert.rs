//! Rewriting the database whole under a new key: encrypting a plain file in place, or moving an
//! encrypted one to a new key, so that a crash at any point leaves a file that opens.
//!
//! The copy is made by SQLCipher's `sqlcipher_export` into a new file beside the database, checked
//! (integrity and every table's row count), synced, and only then renamed over the old file, which
//! is one atomic step: before it the old file is whole, after it the new one is.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::key::{DataKey, apply_key, attach_encrypted, sync_dir};
use crate::open::{BUSY_TIMEOUT, SQLITE_HEADER, create_private_file};
use crate::{Store, StoreError};

/// What a database file holds, as far as its first bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// There is no file.
    Missing,
    /// The file is empty: a database not yet written.
    Empty,
    /// A plain SQLite database, readable by anyone who has the file.
    Plain,
    /// Neither empty nor plain SQLite: encrypted, or not a database at all.
    Encrypted,
}

/// Says what the file at `path` holds, from its header alone.
pub fn database_kind(path: &Path) -> Result<DatabaseKind, StoreError> {
    let io_error = |source| StoreError::Io { path: path.to_owned(), source };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(DatabaseKind::Missing),
        Err(err) => return Err(io_error(err)),
    };
    if file.metadata().map_err(io_error)?.is_dir() {
        return Err(StoreError::NotSqlite { path: path.to_owned() });
    }
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    file.take(SQLITE_HEADER.len() as u64).read_to_end(&mut header).map_err(io_error)?;
    Ok(match header.as_slice() {
        [] => DatabaseKind::Empty,
        h if h == SQLITE_HEADER => DatabaseKind::Plain,
        _ => DatabaseKind::Encrypted,
    })
}

/// How many rows the rewritten database holds, as checked against the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rewritten {
    /// Couples in the record.
    pub couples: i64,
    /// Rows in every table together.
    pub rows: i64,
}

impl Store {
    /// Rewrites the database at `path`, plain when `from` is `None` or encrypted with `from`, so
    /// that it is encrypted with `to`. No other process may have the file open meanwhile (the
    /// intake server must be stopped); if one has, nothing is changed. A crash at any point
    /// leaves the old file or the new, checked one under `path`, never neither.
    pub fn rewrite_encrypted(path: &Path, from: Option<&DataKey>, to: &DataKey) -> Result<Rewritten, StoreError> {
        // Opening through the store first brings an older schema up to date and refuses a wrong
        // key or a file that is not ours with the usual errors.
        drop(Store::open_existing_keyed(path, from)?);
        let copy = sibling(path, ".rewriting");
        remove_leftovers(&copy)?;

        let in_use = |err: rusqlite::Error| match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::InUse { path: path.to_owned() },
            _ => err.into(),
        };
        let source =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        if let Some(key) = from {
            apply_key(&source, key)?;
        }
        source.busy_timeout(BUSY_TIMEOUT)?;
        // Exclusive locking, then leaving WAL mode: both need every other connection closed, and
        // the lock is kept until this connection closes, after the rename. Leaving WAL also
        // folds the WAL into the file and removes it, so no old WAL can be replayed onto the new
        // file.
        source.pragma_update(None, "locking_mode", "EXCLUSIVE").map_err(in_use)?;
        let mode: String =
            source.pragma_update_and_check(None, "journal_mode", "DELETE", |row| row.get(0)).map_err(in_use)?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(StoreError::InUse { path: path.to_owned() });
        }
        source.execute_batch("BEGIN EXCLUSIVE; COMMIT;").map_err(in_use)?;

        let result = write_copy(&source, &copy, to).and_then(|()| {
            let expected = row_counts(&source, "main")?;
            check_copy(&copy, to, &expected)?;
            Ok(expected)
        });
        let expected = match result {
            Ok(expected) => expected,
            Err(err) => {
                let _ = remove_leftovers(&copy);
                return Err(err);
            }
        };
        File::open(&copy).and_then(|f| f.sync_all()).map_err(|source| StoreError::Io { path: copy.clone(), source })?;
        fs::rename(&copy, path).map_err(|source| StoreError::Io { path: path.to_owned(), source })?;
        sync_dir(path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))?;
        drop(source);
        // The old file's shared-memory index outlives leaving WAL mode; it indexes a log that is
        // gone, and SQLite would only rebuild it, so it goes too.
        remove_if_there(&sibling(path, "-shm"))?;
        let couples = expected.iter().find(|(table, _)| table == "couples").map_or(0, |(_, n)| *n);
        Ok(Rewritten { couples, rows: expected.iter().map(|(_, n)| n).sum() })
    }

    /// Whether the one-time notice `name` has not been given yet for this record; from now on
    /// it counts as given.
    pub fn first_notice(&self, name: &str) -> Result<bool, StoreError> {
        let added = self
            .conn
            .execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?1, 'given')", [format!("notice:{name}")])?;
        Ok(added == 1)
    }

    /// Whether this store's file is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }
}

/// `path` with `suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes a copy left by an earlier, interrupted rewrite, and its journal.
fn remove_leftovers(copy: &Path) -> Result<(), StoreError> {
    remove_if_there(copy)?;
    remove_if_there(&sibling(copy, "-journal"))
}

fn remove_if_there(file: &Path) -> Result<(), StoreError> {
    match fs::remove_file(file) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Io { path: file.to_owned(), source }),
    }
}

/// Exports everything on `source` into a new private file at `copy`, encrypted with `to`.
fn write_copy(source: &Connection, copy: &Path, to: &DataKey) -> Result<(), StoreError> {
    create_private_file(copy)?;
    attach_encrypted(source, copy, "rewritten", to)?;
    let exported = (|| {
        source.query_row("SELECT sqlcipher_export('rewritten')", [], |_| Ok(()))?;
        // sqlcipher_export copies tables and rows; the schema version is set here.
        let version: i64 = source.pragma_query_value(None, "user_version", |row| row.get(0))?;
        source.pragma_update(Some("rewritten"), "user_version", version)
    })();
    let detached = source.execute("DETACH DATABASE rewritten", []);
    exported?;
    detached?;
    Ok(())
}

/// Opens the copy with its key and checks it is whole and holds what the source holds.
fn check_copy(copy: &Path, key: &DataKey, expected: &[(String, i64)]) -> Result<(), StoreError> {
    let conn = Connection::open_with_flags(copy, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    apply_key(&conn, key)?;
    let check: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if check != "ok" {
        return Err(StoreError::Corrupt(format!("the encrypted copy failed its check ({check})")));
    }
    let found = row_counts(&conn, "main")?;
    if found != expected {
        return Err(StoreError::Corrupt("the encrypted copy does not hold the same rows as the database".into()));
    }
    Ok(())
}

/// Every table of `schema` with its number of rows, by name.
fn row_counts(conn: &Connection, schema: &str) -> Result<Vec<(String, i64)>, StoreError> {
    let tables: Vec<String> = conn
        .prepare(&format!(
            "SELECT name FROM {schema}.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ))?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    tables
        .into_iter()
        .map(|table| {
            let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {schema}.\"{table}\""), [], |row| row.get(0))?;
            Ok((table, n))
        })
        .collect()
}
