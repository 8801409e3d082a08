//! Backups taken while another connection keeps writing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use mend_store::{DataKey, Store, StoreError};

use crate::helpers::{at, couple, fresh, fresh_store, raw};

/// The most couples the writer adds, so the test ends even if the backup never signals. The
/// copy starts after the writer's third commit and takes milliseconds, so this is ample overlap.
/// It is also how long the backup's own audit entry may wait: a writer that commits in a tight
/// loop can keep the write lock from it, and 2,000 commits took about the 5-second busy timeout
/// here on a loaded machine, which then failed the backup.
const WRITER_LIMIT: usize = 200;

#[test]
fn a_backup_taken_during_writes_is_whole_and_has_everything_committed_before_it() {
    backup_during_writes(None);
}

#[test]
fn a_backup_of_an_encrypted_record_taken_during_writes_is_encrypted_and_opens_with_the_key() {
    let key = DataKey::generate();
    let (_dir, backup) = backup_during_writes(Some(&key));
    assert!(matches!(Store::open_existing(&backup), Err(StoreError::NotSqlite { .. })), "the copy is not plain");
    let other = DataKey::generate();
    assert!(matches!(Store::open_existing_keyed(&backup, Some(&other)), Err(StoreError::WrongKey { .. })));
}

/// Takes a backup while a second connection adds couples, checks it, and returns its path.
fn backup_during_writes(key: Option<&DataKey>) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path) = fresh();
    let mut store = Store::open_keyed(&path, key).unwrap();
    for i in 0..20 {
        store.add_couple(&couple(&format!("Partner {i}a"), &format!("Partner {i}b")), at(i)).unwrap();
    }
    let backup_path = dir.path().join("backups").join("copy.db");
    let stop = AtomicBool::new(false);
    let (committed_tx, committed_rx) = mpsc::channel::<String>();

    let (committed_before, writer_total) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut server = Store::open_existing_keyed(&path, key).unwrap();
            let mut added = 0;
            while added < WRITER_LIMIT && !stop.load(Ordering::SeqCst) {
                let c = server.add_couple(&couple("Zoë", "José Núñez"), at(100)).unwrap();
                added += 1;
                // The send happens after the commit, so whatever the main thread has received
                // before starting the backup was committed before it.
                let _ = committed_tx.send(c.short_id);
                // A moment between writes, as between a real server's requests: a writer that
                // never lets go starves the backup's own audit entry past the busy timeout on a
                // loaded machine, which is not what this test is about.
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            added
        });
        // Let the writer get going so the backup overlaps its inserts.
        let mut committed_before: Vec<String> = (0..3).map(|_| committed_rx.recv().unwrap()).collect();
        committed_before.extend(committed_rx.try_iter());
        store.backup(&backup_path).unwrap();
        stop.store(true, Ordering::SeqCst);
        (committed_before, writer.join().unwrap())
    });
    assert!(writer_total >= committed_before.len());

    if key.is_none() {
        let copy = raw(&backup_path);
        let check: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
        assert_eq!(check, "ok");
    }
    let reopened = Store::open_existing_keyed(&backup_path, key).unwrap();
    let in_copy = reopened.couples().unwrap();
    assert!(in_copy.len() >= 20 + committed_before.len(), "{} couples in the backup", in_copy.len());
    for short_id in &committed_before {
        assert!(
            in_copy.iter().any(|c| &c.short_id == short_id),
            "{short_id} was committed before the backup but is missing from it"
        );
    }
    // Every couple in the copy is whole: two partners each.
    assert!(in_copy.iter().all(|c| c.partners.len() == 2));
    (dir, backup_path)
}

#[cfg(unix)]
#[test]
fn a_backup_is_private_and_never_overwrites_a_file() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, mut store) = fresh_store();
    store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let dest = dir.path().join("copy.db");
    store.backup(&dest).unwrap();
    assert_eq!(std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(store.audit_log().unwrap().pop().unwrap().action, "backup");

    let err = store.backup(&dest).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(Store::open_existing(&dest).unwrap().couples().unwrap().len(), 1, "the first backup is intact");
}
