//! Export to JSON and import into an empty file.

use mend_core::{BreachKind, BrokeTrust, InvitationToken, NewCouple, RawAnswers};
use mend_store::{
    EXPORT_VERSION, Export, InvitationState, LONGEST_LINK_DAYS, NewSession, OpenLinks, Store, StoreError,
};
use time::macros::date;

use crate::helpers::{DAY, at, checked, couple_with, form, fresh, fresh_store, name};

/// A practice with one of everything: pronouns, a label, a stage, used, retired and open
/// invitations, a draft, answers, sessions with and without a plan, and a resolved flag.
/// Returns the open invitation's token.
fn full_practice(store: &mut Store) -> InvitationToken {
    let first = NewCouple::new(
        [name("José Núñez"), name("Zoë")],
        &BrokeTrust::Named("José Núñez".into()),
        BreachKind::Affair,
        Some("Tuesdays".into()),
    )
    .unwrap();
    let a = store.add_couple(&first, at(0)).unwrap();
    let second = couple_with("Łukasz", "Amara", &BrokeTrust::Both, BreachKind::Affair);
    let b = store.add_couple(&second, at(1)).unwrap();

    store.set_pronouns(a.partners[1].id, Some("she/her"), at(2)).unwrap();
    let used = store.create_invitation(a.partners[0].id, &form(1), at(3), at(DAY)).unwrap();
    store.submit_intake(&used, &checked("I want to rebuild this."), at(4)).unwrap();
    store.create_invitation(a.partners[1].id, &form(1), at(5), at(DAY)).unwrap();
    let open = store.create_invitation(a.partners[1].id, &form(1), at(6), at(DAY)).unwrap();
    let open_id = store.lookup_invitation(&open, at(6)).unwrap().unwrap().invitation_id;
    let draft = RawAnswers::from([("in_own_words".to_owned(), vec!["Still deciding…".to_owned()])]);
    store.save_draft(open_id, &draft, at(7)).unwrap();

    let mut held = NewSession {
        held_on: date!(2025 - 03 - 04),
        stage: "safety".into(),
        plan_json: Some(r#"{"minutes":50,"items":[{"title":"Check-in","minutes":5}]}"#.into()),
        homework: vec!["trigger-log".into()],
        met: vec!["pause-word".into()],
        done: Vec::new(),
        with: None,
        new_disclosure: false,
        notes: "Agreed on a pause word.".into(),
        number: None,
    };
    store.record_session(&a, &held, at(8)).unwrap();
    held.plan_json = None;
    held.stage = "atonement".into();
    store.record_session(&a, &held, at(9)).unwrap();
    store.resolve_flag(&b, "low-mood", "Referred to GP.", at(10)).unwrap();
    open
}

#[test]
fn export_then_import_into_a_new_file_then_export_gives_the_same_json() {
    let (_dir, mut store) = fresh_store();
    let open_token = full_practice(&mut store);
    let first = store.export(None).unwrap().to_json().unwrap();

    let (_other_dir, other_path) = fresh();
    let mut copy = Store::open(&other_path).unwrap();
    copy.import(&Export::from_json(&first).unwrap()).unwrap();
    let second = copy.export(None).unwrap().to_json().unwrap();
    assert_eq!(first, second);

    // Links made before the move still work after it, and the records read the same.
    let found = copy.lookup_invitation(&open_token, at(11)).unwrap().unwrap();
    assert_eq!(found.state, InvitationState::Active);
    assert!(copy.draft(found.invitation_id).unwrap().is_some());
    for (original, imported) in store.couples().unwrap().iter().zip(copy.couples().unwrap()) {
        assert_eq!(store.couple_record(original, &form(1)).unwrap(), copy.couple_record(&imported, &form(1)).unwrap());
    }
}

#[test]
fn an_import_caps_or_retires_the_links_a_file_gives_as_open() {
    let (_dir, mut store) = fresh_store();
    let open_token = full_practice(&mut store);
    let mut export = store.export(None).unwrap();
    // Edited by hand: every link that was not used works until 9999.
    for invitation in export.couples.iter_mut().flat_map(|c| &mut c.partners).flat_map(|p| &mut p.invitations) {
        invitation.expires_at = "9999-12-31T00:00:00Z".into();
    }
    let now = at(11);

    // Kept (a sealed export), the open link works no longer than mend's longest link.
    let (_kept_dir, mut kept) = fresh_store();
    let done = kept.import_with(&export, OpenLinks::Keep, now).unwrap();
    assert_eq!((done.couples, done.retired, done.capped), (2, 0, 1), "{done:?}");
    let found = kept.lookup_invitation(&open_token, now).unwrap().unwrap();
    assert_eq!(found.state, InvitationState::Active);
    let made = at(6);
    let past_longest = made + time::Duration::days(LONGEST_LINK_DAYS) + time::Duration::minutes(1);
    let late = kept.lookup_invitation(&open_token, past_longest).unwrap().unwrap();
    assert_ne!(late.state, InvitationState::Active, "it stops {LONGEST_LINK_DAYS} days after it was made");

    // Retired (plain JSON anyone could write), it does not open, and its draft is gone.
    let (_retired_dir, mut retired) = fresh_store();
    let done = retired.import_with(&export, OpenLinks::Retire, now).unwrap();
    assert_eq!((done.retired, done.capped), (1, 0), "{done:?}");
    let found = retired.lookup_invitation(&open_token, now).unwrap().unwrap();
    assert_ne!(found.state, InvitationState::Active);
    assert!(retired.draft(found.invitation_id).unwrap().is_none());
    assert!(retired.open_links(now).unwrap().is_empty(), "nothing to hand a relay");

    // A time that is not one would let text comparisons lie; it refuses the file.
    export.couples[0].partners[0].invitations[0].expires_at = "zzzz".into();
    let (_bad_dir, mut bad) = fresh_store();
    let err = bad.import_with(&export, OpenLinks::Keep, now).unwrap_err();
    assert!(matches!(err, StoreError::BadExport(_)) && err.to_string().contains("expires_at"), "{err}");
}

#[test]
fn an_import_refuses_control_characters_in_its_text() {
    let (_dir, mut store) = fresh_store();
    full_practice(&mut store);
    let good = store.export(None).unwrap();
    for bad_text in ["Tues\u{1b}[2Jdays", "Tues\u{7}days", "Tues\u{9b}days"] {
        let mut export = good.clone();
        export.couples[0].label = Some(bad_text.into());
        let (_other_dir, mut empty) = fresh_store();
        let err = empty.import(&export).unwrap_err();
        assert!(matches!(err, StoreError::BadExport(_)) && err.to_string().contains("control character"), "{err}");
        assert!(empty.couples().unwrap().is_empty());
    }
    let mut fine = good.clone();
    fine.couples[0].sessions[0].notes = "Line one\n\tline two, \u{202B}עברית\u{202C}".into();
    let (_fine_dir, mut empty) = fresh_store();
    empty.import(&fine).unwrap();
}

#[test]
fn the_export_is_readable_json_with_a_format_and_version() {
    let (_dir, mut store) = fresh_store();
    full_practice(&mut store);
    let json = store.export(None).unwrap().to_json().unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["format"], "mend-export");
    assert_eq!(value["version"], EXPORT_VERSION);
    // The versions the links were made for travel with them, and each link names its own.
    let kept = &value["questionnaires"][0];
    assert_eq!((kept["id"].as_str(), kept["version"].as_u64()), (Some("intake"), Some(1)));
    assert_eq!(kept["definition"]["version"], 1);
    let invitation = &value["couples"][0]["partners"][0]["invitations"][0];
    assert_eq!(invitation["content_sha256"], kept["content_sha256"]);
    assert_eq!(value["couples"][0]["partners"][0]["name"], "José Núñez");
    assert_eq!(value["couples"][0]["sessions"][0]["plan"]["minutes"], 50);
    assert!(json.contains("\n  \"couples\""), "indented for people");
    assert!(json.contains("José Núñez"), "non-ASCII kept as is");
}

#[test]
fn one_couple_can_be_exported_alone() {
    let (_dir, mut store) = fresh_store();
    full_practice(&mut store);
    let second = store.couples().unwrap().pop().unwrap();
    let export = store.export(Some(&second)).unwrap();
    assert_eq!(export.couples.len(), 1);
    assert_eq!(export.couples[0].id, second.short_id);
    let entry = store.audit_log().unwrap().pop().unwrap();
    assert_eq!((entry.action.as_str(), entry.couple.as_deref()), ("export", Some(second.short_id.as_str())));
}

#[test]
fn importing_into_a_database_that_has_couples_is_refused_and_changes_nothing() {
    let (_dir, mut store) = fresh_store();
    full_practice(&mut store);
    let export = store.export(None).unwrap();
    let before = store.couples().unwrap();
    let err = store.import(&export).unwrap_err();
    assert!(matches!(err, StoreError::ImportNotEmpty), "{err:?}");
    assert!(err.to_string().contains("new, empty file"), "{err}");
    assert_eq!(store.couples().unwrap(), before);
}

#[test]
fn exports_that_are_not_ours_or_are_too_new_or_inconsistent_are_refused() {
    let (_dir, mut store) = fresh_store();
    full_practice(&mut store);
    let good = store.export(None).unwrap();
    let (_other_dir, mut empty) = fresh_store();

    let check = |export: Export, expected: &str, empty: &mut Store| {
        let err = empty.import(&export).unwrap_err();
        assert!(matches!(err, StoreError::BadExport(_)), "{err:?}");
        assert!(err.to_string().contains(expected), "{err}");
        assert!(empty.couples().unwrap().is_empty());
    };
    let mut wrong_format = good.clone();
    wrong_format.format = "other-app".into();
    check(wrong_format, "not \"mend-export\"", &mut empty);
    let mut newer = good.clone();
    newer.version = EXPORT_VERSION + 1;
    check(newer, "upgrade mend", &mut empty);
    let mut twice = good.clone();
    twice.couples.push(twice.couples[0].clone());
    check(twice, "appears twice", &mut empty);
    let mut lonely = good.clone();
    lonely.couples[0].partners.pop();
    check(lonely, "instead of two", &mut empty);
    let mut tampered = good.clone();
    tampered.questionnaires[0].definition["title"] = "Another form".into();
    check(tampered, "does not match its hash", &mut empty);

    for json in [
        "{",
        r#"{"format":"mend-export","version":1}"#,
        r#"{"format":"mend-export","version":1,"couples":[],"extra":1}"#,
    ] {
        let err = Export::from_json(json).unwrap_err();
        assert!(matches!(err, StoreError::BadExport(_)), "{json}: {err:?}");
    }
}
