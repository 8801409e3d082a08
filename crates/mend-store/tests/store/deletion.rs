//! Deleting a couple leaves nothing of them in the database files.

use mend_core::{BreachKind, BrokeTrust, LookupError, NewCouple, RawAnswers};
use mend_store::{Store, StoreError};

use crate::helpers::{DAY, all_bytes, at, checked, contains, count, couple, form, fresh, name, session_with_notes};

#[test]
fn a_deleted_couple_leaves_no_names_or_answers_in_the_files() {
    let (_dir, path) = fresh();
    let mut store = Store::open(&path).unwrap();
    // The intake server's connection is open too, as it would be in practice.
    let server = Store::open_existing(&path).unwrap();
    let keep = store.add_couple(&couple("Amara", "Bea"), at(0)).unwrap();

    let secrets = [
        "Ximena Quetzalcóatl",
        "Yusuf Brightwater",
        "label-periwinkle-2291",
        "she/they-ochre",
        "answer-moonlit-cartography-7731",
        "draft-marmalade-4410",
        "notes-cobalt-harbour-5512",
        "flagnote-saffron-8830",
    ];
    let new = NewCouple::new(
        [name(secrets[0]), name(secrets[1])],
        &BrokeTrust::Both,
        BreachKind::Affair,
        Some(secrets[2].into()),
    )
    .unwrap();
    let gone = store.add_couple(&new, at(1)).unwrap();
    store.set_pronouns(gone.partners[1].id, Some(secrets[3]), at(2)).unwrap();
    let token = store.create_invitation(gone.partners[0].id, &form(1), at(3), at(DAY)).unwrap();
    store.submit_intake(&token, &checked(secrets[4]), at(4)).unwrap();
    let other = store.create_invitation(gone.partners[1].id, &form(1), at(5), at(DAY)).unwrap();
    let other_id = server.lookup_invitation(&other, at(5)).unwrap().unwrap().invitation_id;
    store
        .save_draft(other_id, &RawAnswers::from([("in_own_words".to_owned(), vec![secrets[5].to_owned()])]), at(6))
        .unwrap();
    store.record_session(&gone, &session_with_notes(secrets[6]), at(7)).unwrap();
    store.resolve_flag(&gone, "low-mood", secrets[7], at(8)).unwrap();
    let before = all_bytes(&path);
    for secret in secrets {
        assert!(contains(&before, secret), "{secret} should be on disk before the deletion");
    }

    store.delete_couple(&gone, at(9)).unwrap();

    let after = all_bytes(&path);
    for secret in secrets {
        assert!(!contains(&after, secret), "{secret} is still in the database files");
    }
    assert!(!contains(&after, token.expose()));
    assert!(matches!(store.find_couple(&gone.short_id), Err(StoreError::Lookup(LookupError::NoSuchCouple { .. }))));
    assert_eq!(server.couples().unwrap(), vec![keep.clone()], "the server sees the deletion");
    for table in ["invitations", "intake_drafts", "intake_responses", "sessions", "flag_resolutions"] {
        assert_eq!(count(&path, table), 0, "{table} keeps rows of the deleted couple");
    }
    assert_eq!(count(&path, "partners"), 2);

    let entry = store.audit_log().unwrap().pop().unwrap();
    assert_eq!((entry.action.as_str(), entry.couple.as_deref()), ("couple deleted", Some(gone.short_id.as_str())));
    let err = store.delete_couple(&gone, at(10)).unwrap_err();
    assert!(matches!(err, StoreError::Lookup(LookupError::NoSuchCouple { .. })), "{err:?}");
}
