//! Backups through SQLite's online backup API: a consistent copy even while the intake server
//! keeps writing, encrypted with the database's own key when it has one.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::Path;
use std::thread;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, ffi};
use time::OffsetDateTime;

use crate::audit::record;
use crate::key::{DataKey, apply_key};
use crate::open::BUSY_TIMEOUT;
use crate::{Store, StoreError};

/// How often to retry when the source is momentarily locked; with the pause below this bounds
/// the wait to about the busy timeout.
const BUSY_RETRIES: u32 = 100;
const BUSY_PAUSE: Duration = Duration::from_millis(50);

impl Store {
    /// Copies the whole database into `dest`, a new file readable only by its owner. The copy
    /// is one consistent snapshot: every transaction committed before the backup began, and
    /// none that commits while it runs. The audit trail notes the backup at the current time.
    pub fn backup(&self, dest: &Path) -> Result<(), StoreError> {
        create_new_private_file(dest)?;
        if let Err(err) = copy_into(&self.conn, dest, self.key.as_ref()) {
            // A half-written copy must not pass for a backup.
            let _ = fs::remove_file(dest);
            return Err(err);
        }
        record(&self.conn, self.actor, "backup", None, None, OffsetDateTime::now_utc())?;
        Ok(())
    }
}

/// Creates `dest` (and its folders) empty and owner-only, refusing to overwrite anything.
fn create_new_private_file(dest: &Path) -> Result<(), StoreError> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir { path: parent.to_owned(), source })?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(dest) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            Err(StoreError::AlreadyExists { path: dest.to_owned() })
        }
        Err(source) => Err(StoreError::Io { path: dest.to_owned(), source }),
    }
}

/// Copies every page in one step, which holds a single read snapshot of the source for the whole
/// copy; in WAL mode that snapshot does not block writers, and writers cannot force a restart.
fn copy_into(source: &Connection, dest: &Path, key: Option<&DataKey>) -> Result<(), StoreError> {
    let mut target =
        Connection::open_with_flags(dest, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    // An encrypted database is copied page by page under the same key, so the backup is
    // encrypted too and opens with the practice's key file.
    if let Some(key) = key {
        apply_key(&target, key)?;
    }
    target.busy_timeout(BUSY_TIMEOUT)?;
    {
        let backup = Backup::new(source, &mut target)?;
        let mut done = false;
        for _ in 0..BUSY_RETRIES {
            match backup.step(-1)? {
                StepResult::Done => {
                    done = true;
                    break;
                }
                _ => thread::sleep(BUSY_PAUSE),
            }
        }
        if !done {
            let busy = rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_BUSY), None);
            return Err(StoreError::Busy(busy));
        }
    }
    let check: String = target.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    if check != "ok" {
        return Err(StoreError::Corrupt(format!("the backup copy failed its check ({check})")));
    }
    Ok(())
}
