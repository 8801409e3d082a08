//! Encryption at rest on real files: what the bytes on disk hold, wrong keys, encrypting a plain
//! file in place, moving to a new key, encrypted backups while another connection writes, and
//! exports sealed for a passphrase.

use mend_core::{BreachKind, BrokeTrust, NewCouple};
use mend_store::{DataKey, DatabaseKind, Passphrase, Store, StoreError, database_kind};

use crate::helpers::{
    DAY, all_bytes, at, checked, contains, couple, form, fresh, name, record_bytes, session_with_notes,
};

/// Words that only the invented couple's record holds, so finding one in a file finds them.
const SECRETS: [&str; 5] = [
    "Ximena Quetzalcóatl",
    "Yusuf Brightwater",
    "label-periwinkle-2291",
    "answer-moonlit-cartography-7731",
    "notes-cobalt-harbour-5512",
];

/// Adds the invented couple, their intake and a session with notes.
fn add_secret_couple(store: &mut Store) -> mend_core::Couple {
    let new = NewCouple::new(
        [name(SECRETS[0]), name(SECRETS[1])],
        &BrokeTrust::Both,
        BreachKind::Affair,
        Some(SECRETS[2].into()),
    )
    .unwrap();
    let couple = store.add_couple(&new, at(1)).unwrap();
    let token = store.create_invitation(couple.partners[0].id, &form(1), at(2), at(DAY)).unwrap();
    store.submit_intake(&token, &checked(SECRETS[3]), at(3)).unwrap();
    store.record_session(&couple, &session_with_notes(SECRETS[4]), at(4)).unwrap();
    couple
}

fn assert_no_secret(bytes: &[u8], what: &str) {
    assert!(!bytes.is_empty(), "{what} is empty");
    for secret in SECRETS {
        assert!(!contains(bytes, secret), "{secret:?} is readable in {what}");
    }
}

#[test]
fn an_encrypted_record_shows_no_name_answer_or_note_in_its_files_wal_or_backup() {
    let (dir, path) = fresh();
    let key = DataKey::generate();
    let mut store = Store::open_keyed(&path, Some(&key)).unwrap();
    // A second connection, as the intake server keeps one, so the WAL is not folded away.
    let server = Store::open_existing_keyed(&path, Some(&key)).unwrap();
    let couple = add_secret_couple(&mut store);
    assert_eq!(database_kind(&path).unwrap(), DatabaseKind::Encrypted);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0, "the WAL holds the latest writes");
    assert_no_secret(&all_bytes(&path), "the database and its WAL");

    let backup = dir.path().join("backup.db");
    store.backup(&backup).unwrap();
    assert_no_secret(&std::fs::read(&backup).unwrap(), "the backup");
    let copy = Store::open_existing_keyed(&backup, Some(&key)).unwrap();
    assert_eq!(copy.find_couple("Ximena").unwrap().short_id, couple.short_id);

    store.delete_couple(&couple, at(5)).unwrap();
    assert_no_secret(&all_bytes(&path), "the database and its WAL after the deletion");
    assert!(server.couples().unwrap().is_empty(), "the second connection reads through the same key");
}

#[test]
fn a_wrong_key_or_no_key_is_refused_and_changes_nothing() {
    let (dir, path) = fresh();
    let key = DataKey::generate();
    let mut store = Store::open_keyed(&path, Some(&key)).unwrap();
    store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    drop(store);
    let before = record_bytes(&path);

    let err = Store::open_existing_keyed(&path, Some(&DataKey::generate())).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    let err = Store::open_existing(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotSqlite { .. }), "{err:?}");
    assert_eq!(record_bytes(&path), before, "a refused open writes nothing");

    // A key for a plain file is refused too, rather than treating the file as damaged.
    let plain = dir.path().join("plain.db");
    drop(Store::open(&plain).unwrap());
    let err = Store::open_existing_keyed(&plain, Some(&key)).unwrap_err();
    assert!(matches!(err, StoreError::NotEncrypted { .. }), "{err:?}");

    assert_eq!(Store::open_existing_keyed(&path, Some(&key)).unwrap().couples().unwrap().len(), 1);
}

#[test]
fn a_plain_record_is_encrypted_in_place_with_nothing_lost_and_nothing_plain_left() {
    let (dir, path) = fresh();
    let mut store = Store::open(&path).unwrap();
    for i in 0..30 {
        store.add_couple(&couple(&format!("Partner {i}a"), &format!("Partner {i}b")), at(i)).unwrap();
    }
    let secret = add_secret_couple(&mut store);
    let before: Vec<String> = store.couples().unwrap().into_iter().map(|c| c.short_id).collect();
    drop(store);
    assert_eq!(database_kind(&path).unwrap(), DatabaseKind::Plain);

    let key = DataKey::generate();
    let done = Store::rewrite_encrypted(&path, None, &key).unwrap();
    assert_eq!(done.couples, 31);

    assert_eq!(database_kind(&path).unwrap(), DatabaseKind::Encrypted);
    assert_no_secret(&all_bytes(&path), "the encrypted database");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "mend.db")
        .collect();
    assert!(leftovers.is_empty(), "files left beside the database: {leftovers:?}");
    let store = Store::open_existing_keyed(&path, Some(&key)).unwrap();
    let after: Vec<String> = store.couples().unwrap().into_iter().map(|c| c.short_id).collect();
    assert_eq!(after, before);
    assert_eq!(store.sessions(&store.find_couple(&secret.short_id).unwrap()).unwrap()[0].notes, SECRETS[4]);
    assert_eq!(store.intake_responses(&secret).unwrap().len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    drop(dir);
}

#[test]
fn encrypting_is_refused_while_another_process_has_the_file_open() {
    let (_dir, path) = fresh();
    let mut store = Store::open(&path).unwrap();
    store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let err = Store::rewrite_encrypted(&path, None, &DataKey::generate()).unwrap_err();
    assert!(matches!(err, StoreError::InUse { .. }), "{err:?}");
    assert_eq!(database_kind(&path).unwrap(), DatabaseKind::Plain);
    store.add_couple(&couple("Amara", "Bea"), at(1)).unwrap();
    assert_eq!(Store::open_existing(&path).unwrap().couples().unwrap().len(), 2, "the plain file still works");
}

#[test]
fn a_new_key_replaces_the_old_one_which_then_opens_nothing() {
    let (_dir, path) = fresh();
    let old = DataKey::generate();
    let mut store = Store::open_keyed(&path, Some(&old)).unwrap();
    add_secret_couple(&mut store);
    drop(store);
    let new = DataKey::generate();
    let err = Store::rewrite_encrypted(&path, Some(&DataKey::generate()), &new).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");

    Store::rewrite_encrypted(&path, Some(&old), &new).unwrap();
    assert!(matches!(Store::open_existing_keyed(&path, Some(&old)), Err(StoreError::WrongKey { .. })));
    let store = Store::open_existing_keyed(&path, Some(&new)).unwrap();
    assert_eq!(store.find_couple("Yusuf").unwrap().partners.len(), 2);
    assert_no_secret(&all_bytes(&path), "the database under its new key");
}

#[test]
fn an_export_sealed_for_a_passphrase_opens_with_it_alone() {
    let plain = format!("{{\"notes\": \"{}\"}}", SECRETS[4]);
    let passphrase = Passphrase::new("harbour lights at dusk".into()).unwrap();
    let sealed = mend_store::seal(plain.as_bytes(), &passphrase).unwrap();
    assert!(mend_store::is_sealed(&sealed));
    assert!(!mend_store::is_sealed(plain.as_bytes()));
    assert_no_secret(&sealed, "the sealed export");
    assert_eq!(mend_store::unseal(&sealed, &passphrase).unwrap().as_slice(), plain.as_bytes());
    let wrong = Passphrase::given("harbour lights at dawn".into());
    assert!(matches!(mend_store::unseal(&sealed, &wrong), Err(StoreError::WrongExportPassphrase)));
}
