//! Sessions and resolved flags.

use mend_core::{FlagResolution, LookupError, SessionRecord};
use mend_store::{NewSession, StoreError};
use time::macros::date;

use crate::helpers::{at, couple, fresh_store};

fn session(stage: &str, homework: &[&str], met: &[&str], notes: &str) -> NewSession {
    NewSession {
        held_on: date!(2025 - 03 - 04),
        stage: stage.into(),
        plan_json: None,
        homework: homework.iter().map(|s| s.to_string()).collect(),
        met: met.iter().map(|s| s.to_string()).collect(),
        done: Vec::new(),
        with: None,
        new_disclosure: false,
        notes: notes.into(),
        number: None,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sessions_are_numbered_in_order_and_read_back() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let mut first = session("safety", &["trigger-log"], &[], "Zoë named what she needs.");
    first.plan_json = Some(r#"{"minutes": 50, "items": ["check-in"]}"#.into());
    assert_eq!(store.record_session(&added, &first, at(1)).unwrap(), 1);
    let mut second = session("atonement", &[], &["full-disclosure"], "");
    second.held_on = date!(2025 - 03 - 11);
    assert_eq!(store.record_session(&added, &second, at(2)).unwrap(), 2);

    assert_eq!(
        store.sessions(&added).unwrap(),
        vec![
            SessionRecord {
                number: 1,
                held_on: date!(2025 - 03 - 04),
                stage: "safety".into(),
                homework: strings(&["trigger-log"]),
                met: vec![],
                done: vec![],
                with: None,
                new_disclosure: false,
                notes: "Zoë named what she needs.".into(),
                planned: true,
            },
            SessionRecord {
                number: 2,
                held_on: date!(2025 - 03 - 11),
                stage: "atonement".into(),
                homework: vec![],
                met: strings(&["full-disclosure"]),
                done: vec![],
                with: None,
                new_disclosure: false,
                notes: String::new(),
                planned: false,
            },
        ]
    );
    let plan: serde_json::Value = serde_json::from_str(&store.session_plan(&added, 1).unwrap().unwrap()).unwrap();
    assert_eq!(plan["minutes"], 50);
    assert_eq!(store.session_plan(&added, 2).unwrap(), None);
    assert_eq!(store.couple(added.id).unwrap().current_stage.as_deref(), Some("atonement"));
}

#[test]
fn adding_to_a_session_merges_homework_and_markers_and_appends_notes() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let mut planned = session("safety", &["trigger-log"], &[], "Planned.");
    planned.plan_json = Some(r#"{"minutes": 50}"#.into());
    store.record_session(&added, &planned, at(1)).unwrap();

    let mut more = session("safety", &["trigger-log", "apology-letter"], &["pause-word"], "Held as planned.");
    more.number = Some(1);
    assert_eq!(store.record_session(&added, &more, at(2)).unwrap(), 1);

    let sessions = store.sessions(&added).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].homework, strings(&["trigger-log", "apology-letter"]));
    assert_eq!(sessions[0].met, strings(&["pause-word"]));
    assert_eq!(sessions[0].notes, "Planned.\n\nHeld as planned.");
    assert!(store.session_plan(&added, 1).unwrap().is_some(), "the plan is kept when none is given");

    more.number = Some(7);
    let err = store.record_session(&added, &more, at(3)).unwrap_err();
    assert!(matches!(err, StoreError::NoSuchSession { number: 7, .. }), "{err:?}");
    assert!(!err.to_string().contains("mend "), "the store states the cause; the CLI gives advice: {err}");
}

#[test]
fn sessions_with_bad_ids_or_a_plan_that_is_not_json_are_refused() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let mut bad_plan = session("safety", &[], &[], "");
    bad_plan.plan_json = Some("agenda: talk".into());
    for bad in [session("Safety Stage", &[], &[], ""), session("safety", &["Trigger Log"], &[], ""), bad_plan] {
        let err = store.record_session(&added, &bad, at(1)).unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    }
    assert!(store.sessions(&added).unwrap().is_empty());
}

#[test]
fn resolved_flags_read_back_and_the_audit_trail_keeps_the_flag_not_the_note() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    store.resolve_flag(&added, "low-mood", "  Seen by her GP; follow-up booked.  ", at(5)).unwrap();
    assert_eq!(
        store.resolved_flags(&added).unwrap(),
        vec![FlagResolution {
            flag: "low-mood".into(),
            note: "Seen by her GP; follow-up booked.".into(),
            resolved_at: "2025-03-01T09:05:00Z".into(),
        }]
    );
    let entry = store.audit_log().unwrap().pop().unwrap();
    assert_eq!((entry.action.as_str(), entry.detail.as_deref()), ("flag resolved", Some("flag low-mood")));
    assert_eq!(entry.couple.as_deref(), Some(added.short_id.as_str()));
    assert!(!format!("{entry:?}").contains("GP"));

    let err = store.resolve_flag(&added, "low-mood", "   ", at(6)).unwrap_err();
    assert!(err.to_string().contains("needs a note"), "{err}");
    assert!(matches!(store.resolve_flag(&added, "Low Mood", "note", at(6)), Err(StoreError::Invalid(_))));
}

#[test]
fn writes_for_a_couple_deleted_meanwhile_are_refused_plainly() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    store.delete_couple(&added, at(1)).unwrap();
    let err = store.record_session(&added, &session("safety", &[], &[], ""), at(2)).unwrap_err();
    assert!(matches!(err, StoreError::Lookup(LookupError::NoSuchCouple { .. })), "{err:?}");
    let err = store.resolve_flag(&added, "low-mood", "note", at(2)).unwrap_err();
    assert!(matches!(err, StoreError::Lookup(LookupError::NoSuchCouple { .. })), "{err:?}");
}
