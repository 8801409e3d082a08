//! Check-in links and scores: single use, expiry and drafts as for any link, scores in the same transaction, export and import, deletion without trace.

use std::collections::BTreeMap;

use mend_core::RawAnswers;
use mend_store::{CheckinAsks, Export, Store, SubmitOutcome};

use crate::helpers::{DAY, all_bytes, at, checked_by, checkin_form, contains, count, couple, form, fresh, fresh_store};

fn scores(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(id, score)| ((*id).to_owned(), *score)).collect()
}

#[test]
fn a_sent_checkin_stores_its_scores_once_and_closes_the_link() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("Odile", "Pavel"), at(0)).unwrap();
    let homework = vec!["trigger-log".to_owned(), "feelings-journal".to_owned()];
    let asks = CheckinAsks { homework: homework.clone(), sections: vec!["since-you-found-out".to_owned()] };
    let token = store.create_checkin_link(added.partners[0].id, &checkin_form(), &asks, at(1), at(4 * DAY)).unwrap();
    let lookup = store.lookup_invitation(&token, at(2)).unwrap().unwrap();
    assert_eq!(store.checkin_asks(lookup.invitation_id).unwrap(), Some(asks.clone()));
    let (_, _, opened) = store.open_invitation(&token, at(2)).unwrap().unwrap();
    assert_eq!(opened, Some(asks.clone()), "the page view reads the same in its one statement");

    let sent = scores(&[("phq2", 4), ("trust", 11)]);
    let cases = [
        // (when, expected outcome, scored rows after)
        (at(3), SubmitOutcome::Stored, 2),
        (at(4), SubmitOutcome::AlreadyUsed, 2),
    ];
    for (when, outcome, rows) in cases {
        assert_eq!(
            store.submit_checkin(&token, &checked_by(&checkin_form(), "week one"), &sent, when).unwrap(),
            outcome
        );
        assert_eq!(store.db_count("checkin_scores"), rows);
    }
    let record = store.couple_record(&added, &checkin_form()).unwrap();
    let [checkin] = record.partners[0].checkins.as_slice() else { panic!("one check-in: {record:?}") };
    assert_eq!(checkin.scores, sent);
    assert_eq!(checkin.homework, homework);
    assert_eq!(checkin.sections, asks.sections, "the record says which scheduled sections it asked");
    assert_eq!(checkin.questionnaire.as_deref(), Some(&checkin_form()), "read by the version it was answered on");
    let current = store.checkin_record(&added, Some(&checkin_form())).unwrap();
    assert_eq!(current.partners[0].checkins[0].questionnaire, None, "the program's own version is not read again");
    assert_eq!(mend_core::day::format_day(checkin.day), "2025-03-01");
    assert!(record.partners[0].intake.is_none(), "a check-in is not an intake");
    assert!(store.intake_responses(&added).unwrap().is_empty(), "nor listed as one");
}

#[test]
fn checkin_links_expire_retire_each_other_and_leave_intake_links_alone() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("Odile", "Pavel"), at(0)).unwrap();
    let partner = added.partners[1].id;
    let intake = store.create_invitation(partner, &form(1), at(0), at(14 * DAY)).unwrap();
    let first = store.create_checkin_link(partner, &checkin_form(), &CheckinAsks::default(), at(1), at(DAY)).unwrap();
    let second = store.create_checkin_link(partner, &checkin_form(), &CheckinAsks::default(), at(2), at(DAY)).unwrap();
    let none = BTreeMap::new();
    let cases = [
        (&first, at(3), SubmitOutcome::NotActive),
        (&second, at(2 * DAY), SubmitOutcome::NotActive),
        (&intake, at(3), SubmitOutcome::NotActive),
        (&second, at(4), SubmitOutcome::Stored),
    ];
    for (token, when, outcome) in cases {
        assert_eq!(store.submit_checkin(token, &checked_by(&checkin_form(), "x"), &none, when).unwrap(), outcome);
    }
    // The intake link still works, and a new intake link does not retire check-in links.
    let third = store.create_checkin_link(partner, &checkin_form(), &CheckinAsks::default(), at(5), at(DAY)).unwrap();
    store.create_invitation(partner, &form(1), at(6), at(14 * DAY)).unwrap();
    assert_eq!(
        store.submit_checkin(&third, &checked_by(&checkin_form(), "y"), &none, at(7)).unwrap(),
        SubmitOutcome::Stored
    );
}

#[test]
fn a_checkin_draft_is_kept_until_it_is_sent() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("Odile", "Pavel"), at(0)).unwrap();
    let token = store
        .create_checkin_link(added.partners[0].id, &checkin_form(), &CheckinAsks::default(), at(1), at(DAY))
        .unwrap();
    let id = store.lookup_invitation(&token, at(1)).unwrap().unwrap().invitation_id;
    let draft = RawAnswers::from([("before_session".to_owned(), vec!["half written".to_owned()])]);
    store.save_draft(id, &draft, at(2)).unwrap();
    assert_eq!(store.draft(id).unwrap(), Some(draft));
    store.submit_checkin(&token, &checked_by(&checkin_form(), "sent"), &BTreeMap::new(), at(3)).unwrap();
    assert_eq!(store.draft(id).unwrap(), None);
}

#[test]
fn checkins_and_their_scores_survive_export_and_import() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("Odile", "Pavel"), at(0)).unwrap();
    for week in 0..3 {
        let token = store
            .create_checkin_link(
                added.partners[0].id,
                &checkin_form(),
                &CheckinAsks::sheets(vec!["trigger-log".to_owned()]),
                at(week * 7 * DAY),
                at(week * 7 * DAY + DAY),
            )
            .unwrap();
        store
            .submit_checkin(
                &token,
                &checked_by(&checkin_form(), "w"),
                &scores(&[("trust", 10 + week)]),
                at(week * 7 * DAY + 1),
            )
            .unwrap();
    }
    let export = store.export(None).unwrap();
    let json = serde_json::to_string(&export).unwrap();
    assert!(json.contains("\"checkin\""), "the export carries the check-ins");
    let (_dir2, mut other) = fresh_store();
    other.import(&serde_json::from_str::<Export>(&json).unwrap()).unwrap();
    let again = other.export(None).unwrap();
    assert_eq!(serde_json::to_string(&again).unwrap(), json, "export, import, export gives the same JSON");
    let record = other.couple_record(&other.find_couple("odile").unwrap(), &checkin_form()).unwrap();
    let trust: Vec<i64> = record.partners[0].checkins.iter().map(|c| c.scores["trust"]).collect();
    assert_eq!(trust, [10, 11, 12]);
}

#[test]
fn a_deleted_couple_leaves_no_checkin_in_the_files() {
    let (_dir, path) = fresh();
    let mut store = Store::open(&path).unwrap();
    let added = store.add_couple(&couple("Quillon Vandermeer", "Rosalind Achterberg"), at(0)).unwrap();
    let token = store
        .create_checkin_link(
            added.partners[0].id,
            &checkin_form(),
            &CheckinAsks::sheets(vec!["homework-sheet-umber-3318".to_owned()]),
            at(1),
            at(DAY),
        )
        .unwrap();
    store
        .submit_checkin(
            &token,
            &checked_by(&checkin_form(), "checkin-answer-vermilion-6604"),
            &scores(&[("instrument-teal-9127", 13)]),
            at(2),
        )
        .unwrap();
    let draft_token = store
        .create_checkin_link(added.partners[1].id, &checkin_form(), &CheckinAsks::default(), at(3), at(DAY))
        .unwrap();
    let id = store.lookup_invitation(&draft_token, at(3)).unwrap().unwrap().invitation_id;
    store
        .save_draft(
            id,
            &RawAnswers::from([("in_own_words".to_owned(), vec!["checkin-draft-ochre-2240".to_owned()])]),
            at(4),
        )
        .unwrap();
    let secrets = [
        "Quillon Vandermeer",
        "homework-sheet-umber-3318",
        "checkin-answer-vermilion-6604",
        "instrument-teal-9127",
        "checkin-draft-ochre-2240",
    ];
    let before = all_bytes(&path);
    for secret in secrets {
        assert!(contains(&before, secret), "{secret} should be on disk before the deletion");
    }
    store.delete_couple(&added, at(5)).unwrap();
    let after = all_bytes(&path);
    for secret in secrets {
        assert!(!contains(&after, secret), "{secret} is still in the database files");
    }
    for table in ["checkin_links", "checkin_scores", "invitations", "intake_responses", "intake_drafts"] {
        assert_eq!(count(&path, table), 0, "{table} keeps rows of the deleted couple");
    }
}

/// Counting rows through the store's own file, for tests that hold only a `Store`.
trait DbCount {
    fn db_count(&self, table: &str) -> i64;
}

impl DbCount for Store {
    fn db_count(&self, table: &str) -> i64 {
        count(self.path(), table)
    }
}
