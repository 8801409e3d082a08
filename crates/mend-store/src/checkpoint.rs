//! Folding the write-ahead log into the database file on a connection of its own, for a process that writes all day (the intake server).
//!
//! A connection's own checkpoints run inside the commit that takes the log past its threshold,
//! so that commit waits for the database file to be synced as well as the log. On the server,
//! every submission queued behind it waits too. A [`Checkpointer`] on a second connection does
//! the folding instead, in `PASSIVE` mode: it copies what no reader still needs and syncs the
//! file while the writer goes on committing to the log.

use rusqlite::Connection;

use crate::{Store, StoreError};

/// A second connection to a store's file that only folds the log in.
#[derive(Debug)]
pub struct Checkpointer {
    store: Store,
}

impl Store {
    /// Leaves folding the log in to a [`Checkpointer`]: this connection's commits no longer do
    /// it themselves. The caller must run the checkpointer, or the log grows without end.
    pub fn checkpointer(&mut self) -> Result<Checkpointer, StoreError> {
        let store = Store::open_existing_keyed(&self.path, self.key.as_ref())?;
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(Checkpointer { store })
    }
}

impl Checkpointer {
    /// Copies into the database file the log's pages that no reader still needs, and syncs it;
    /// returns how many pages the log holds that are not in the file yet. Does nothing (and
    /// syncs nothing) when the file already has them all.
    pub fn fold_in(&mut self) -> Result<u64, StoreError> {
        passive(&self.store.conn)
    }
}

fn passive(conn: &Connection) -> Result<u64, StoreError> {
    let (log, folded) = wal_checkpoint(conn, "PASSIVE")?;
    Ok(u64::try_from(log - folded).unwrap_or(0))
}

/// Runs a checkpoint of `mode` (`NOOP`, `PASSIVE`, `TRUNCATE`...) and returns the pages in the
/// log and how many of them are in the database file now.
pub(crate) fn wal_checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| Ok((row.get(1)?, row.get(2)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_leaves_the_log_to_the_checkpointer_which_folds_it_in() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("mend.db")).unwrap();
        let mut checkpointer = store.checkpointer().unwrap();
        let threshold: i64 = store.conn.pragma_query_value(None, "wal_autocheckpoint", |row| row.get(0)).unwrap();
        assert_eq!(threshold, 0, "the writer's commits no longer fold the log in");
        let now = time::OffsetDateTime::now_utc();
        for n in 0..300 {
            store.audit(crate::Actor::Server, "bench", Some(&format!("entry {n}")), now).unwrap();
        }
        let noop = |conn: &Connection| wal_checkpoint(conn, "NOOP").unwrap();
        let threshold: i64 = store.conn.pragma_query_value(None, "wal_autocheckpoint", |row| row.get(0)).unwrap();
        assert_eq!(threshold, 0, "a read's lazy audit entry leaves it so");
        let (log, folded) = noop(&store.conn);
        assert!(log >= 300 && folded < log, "past the usual threshold, nothing folded in: {log} {folded}");
        assert_eq!(checkpointer.fold_in().unwrap(), 0, "everything folded in");
        let (log, folded) = noop(&store.conn);
        assert_eq!(log, folded);
        assert_eq!(checkpointer.fold_in().unwrap(), 0, "again: nothing to do");
    }
}
