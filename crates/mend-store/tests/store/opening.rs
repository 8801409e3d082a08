//! Opening files: creating them private, refusing what is not ours, upgrading older schemas.

use std::sync::Barrier;

use mend_store::{SCHEMA_VERSION, Store, StoreError, migrations};

use crate::helpers::{at, couple, fresh, fresh_store, raw};

fn user_version(path: &std::path::Path) -> i64 {
    raw(path).query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap()
}

#[test]
fn a_new_file_gets_its_folders_and_the_latest_schema_in_wal_mode() {
    let (_dir, path) = fresh();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.path(), path);
    assert_eq!(user_version(&path), i64::from(SCHEMA_VERSION));
    let mode: String = raw(&path).query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = raw(&path)
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in [
        "audit_log",
        "couples",
        "flag_resolutions",
        "intake_drafts",
        "intake_responses",
        "invitations",
        "partners",
        "sessions",
        "settings",
    ] {
        assert!(tables.iter().any(|t| t == table), "{table} missing from {tables:?}");
    }
}

#[cfg(unix)]
#[test]
fn the_database_and_its_companion_files_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path) = fresh();
    let mut store = Store::open(&path).unwrap();
    store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} has mode {mode:o}", file.to_string_lossy());
    }
}

#[test]
fn open_existing_refuses_a_missing_file_and_creates_nothing() {
    let (_dir, path) = fresh();
    let err = Store::open_existing(&path).unwrap_err();
    assert!(matches!(err, StoreError::NoDatabase { .. }), "{err:?}");
    let message = err.to_string();
    assert_eq!(message, format!("no database at {}", path.display()));
    assert!(!path.exists());
}

#[test]
fn open_existing_opens_a_file_that_is_there() {
    let (_dir, path) = fresh();
    let mut store = Store::open(&path).unwrap();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    drop(store);
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.couples().unwrap(), vec![added]);
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
    let (dir, _) = fresh();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "Session notes, not a database.\n").unwrap();
    for err in [Store::open(&path).unwrap_err(), Store::open_existing(&path).unwrap_err()] {
        assert!(matches!(err, StoreError::NotSqlite { .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("{} is not a mend database (not SQLite)", path.display()));
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "Session notes, not a database.\n");
}

#[test]
fn a_folder_given_as_the_database_is_refused() {
    let (dir, _) = fresh();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotSqlite { .. }), "{err:?}");
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_alone() {
    let (dir, _) = fresh();
    let path = dir.path().join("other.db");
    raw(&path).execute_batch("CREATE TABLE recipes (name TEXT);").unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotMend { .. }), "{err:?}");
    assert_eq!(user_version(&path), 0);
    let tables: i64 = raw(&path).query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0)).unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn a_parent_folder_that_cannot_be_made_is_named_in_the_error() {
    let (dir, _) = fresh();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let path = blocker.join("sub").join("mend.db");
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().contains(&blocker.join("sub").display().to_string()), "{err}");
}

#[test]
fn a_database_from_a_newer_mend_is_refused_and_left_untouched() {
    let (_dir, path) = fresh();
    drop(Store::open(&path).unwrap());
    let newer = i64::from(SCHEMA_VERSION) + 1;
    raw(&path).pragma_update(None, "user_version", newer).unwrap();

    let err = Store::open(&path).unwrap_err();
    match &err {
        StoreError::TooNew { found, supported } => {
            assert_eq!((i64::from(*found), *supported), (newer, SCHEMA_VERSION));
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert!(err.to_string().contains("upgrade mend"), "{err}");
    assert_eq!(user_version(&path), newer);
}

#[test]
fn a_version_1_database_is_upgraded_and_keeps_its_couples() {
    let (_dir, path) = fresh();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut conn = raw(&path);
    migrations().to_version(&mut conn, 1).unwrap();
    conn.execute_batch(
        "INSERT INTO couples (id, short_id, breach, created_at) VALUES (1, 'c0ffee', 'lies', '2024-11-02T10:00:00Z');
         INSERT INTO partners (couple_id, position, name, roles) VALUES (1, 1, 'Łukasz', 'broke_trust');
         INSERT INTO partners (couple_id, position, name, roles) VALUES (1, 2, 'Zoë', 'hurt');",
    )
    .unwrap();
    drop(conn);
    assert_eq!(user_version(&path), 1);

    let mut store = Store::open(&path).unwrap();
    assert_eq!(user_version(&path), i64::from(SCHEMA_VERSION));
    let found = store.find_couple("c0ffee").unwrap();
    assert_eq!(found.names(), "Łukasz & Zoë");
    // The settings table arrived with migration 2.
    let secret = store.server_secret().unwrap();
    assert_eq!(store.server_secret().unwrap(), secret);
}

#[test]
fn two_processes_opening_a_new_file_at_once_both_succeed() {
    let (_dir, path) = fresh();
    let barrier = Barrier::new(2);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    Store::open(&path).map(|_| ())
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap().unwrap();
        }
    });
    assert_eq!(user_version(&path), i64::from(SCHEMA_VERSION));
}

#[test]
fn the_server_secret_is_made_once_and_kept_across_opens() {
    let (_dir, mut store) = fresh_store();
    let secret = store.server_secret().unwrap();
    assert_ne!(secret, [0u8; 32]);
    assert_eq!(store.server_secret().unwrap(), secret);
    let path = store.path().to_owned();
    drop(store);
    assert_eq!(Store::open(&path).unwrap().server_secret().unwrap(), secret);

    let (_other_dir, mut other) = fresh_store();
    assert_ne!(other.server_secret().unwrap(), secret, "each practice gets its own secret");
}
