//! Running a checkpoint and reading the log's pages, for `couple delete` and the tests.

use rusqlite::Connection;

/// Runs a checkpoint of `mode` (`NOOP`, `PASSIVE`, `TRUNCATE`...) and returns the pages in the
/// log and how many of them are in the database file now.
pub(crate) fn wal_checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| Ok((row.get(1)?, row.get(2)?)))
}
