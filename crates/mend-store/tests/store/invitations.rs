//! Invitations: tokens kept only as hashes, expiry, retirement on re-invite, drafts, single use.

use std::sync::Barrier;

use mend_core::{Couple, InvitationToken, PartnerId, RawAnswers};
use mend_store::{IntakeSubmission, InvitationState, Store, StoreError, SubmitOutcome};
use sha2::{Digest, Sha256};

use crate::helpers::{DAY, all_bytes, answers, at, checked, contains, count, couple, form, fresh_store, raw};

fn with_couple() -> (tempfile::TempDir, Store, Couple) {
    let (dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    (dir, store, added)
}

fn draft(text: &str) -> RawAnswers {
    RawAnswers::from([("in_own_words".to_owned(), vec![text.to_owned()]), ("hope".to_owned(), vec!["6".to_owned()])])
}

#[test]
fn a_token_is_long_and_random_and_only_its_hash_is_stored() {
    let (_dir, mut store, added) = with_couple();
    let token = store.create_invitation(added.partners[0].id, &form(1), at(1), at(14 * DAY)).unwrap();
    let other = store.create_invitation(added.partners[1].id, &form(1), at(1), at(14 * DAY)).unwrap();
    assert_ne!(token, other);
    assert_eq!(token.expose().len(), 64, "32 random bytes as hex");
    assert!(token.expose().chars().all(|c| c.is_ascii_hexdigit()));

    let bytes = all_bytes(store.path());
    let hash = hex::encode(Sha256::digest(token.expose().as_bytes()));
    assert!(contains(&bytes, &hash), "the scan finds what is stored");
    assert!(!contains(&bytes, token.expose()), "the token itself is in the database files");
    assert!(!contains(&bytes, other.expose()));
}

#[test]
fn a_lookup_tells_who_was_invited_and_whether_the_link_still_works() {
    let (_dir, mut store, added) = with_couple();
    let zoe = &added.partners[1];
    let token = store.create_invitation(zoe.id, &form(3), at(1), at(2 * DAY)).unwrap();

    let found = store.lookup_invitation(&token, at(2)).unwrap().unwrap();
    assert_eq!(found.partner_name, zoe.name);
    assert_eq!(found.partner_id, zoe.id);
    assert_eq!(found.couple_short_id, added.short_id);
    assert_eq!((found.questionnaire.as_str(), found.version), ("intake", 3));
    assert_eq!(found.expires_at, "2025-03-03T09:00:00Z");
    assert_eq!(found.state, InvitationState::Active);

    let state_at = |minutes| store.lookup_invitation(&token, at(minutes)).unwrap().unwrap().state;
    assert_eq!(state_at(2 * DAY - 1), InvitationState::Active);
    assert_eq!(state_at(2 * DAY), InvitationState::Expired, "the expiry itself is too late");
    assert_eq!(state_at(3 * DAY), InvitationState::Expired);

    let never_made = InvitationToken::parse(&"0".repeat(64)).unwrap();
    assert_eq!(store.lookup_invitation(&never_made, at(2)).unwrap(), None);
    assert!(InvitationToken::parse(&token.expose().to_uppercase()).is_err(), "not even looked up");
}

#[test]
fn inviting_a_partner_again_retires_the_earlier_link() {
    let (_dir, mut store, added) = with_couple();
    let [jose, zoe] = [added.partners[0].id, added.partners[1].id];
    let old = store.create_invitation(zoe, &form(1), at(1), at(DAY)).unwrap();
    let jose_link = store.create_invitation(jose, &form(1), at(2), at(DAY)).unwrap();
    let new = store.create_invitation(zoe, &form(1), at(3), at(DAY)).unwrap();

    assert_eq!(store.lookup_invitation(&old, at(4)).unwrap().unwrap().state, InvitationState::Retired);
    assert_eq!(store.lookup_invitation(&new, at(4)).unwrap().unwrap().state, InvitationState::Active);
    assert_eq!(store.lookup_invitation(&jose_link, at(4)).unwrap().unwrap().state, InvitationState::Active);

    let open: Vec<_> =
        store.open_invitations(&added, at(4)).unwrap().into_iter().map(|i| i.partner_name.to_string()).collect();
    assert_eq!(open, vec!["José Núñez", "Zoë"]);
    assert_eq!(store.submit_intake(&old, &checked("too late"), at(5)).unwrap(), SubmitOutcome::NotActive);
    assert_eq!(count(store.path(), "intake_responses"), 0);
}

#[test]
fn open_invitations_leave_out_expired_and_used_links_and_show_no_token() {
    let (_dir, mut store, added) = with_couple();
    let [jose, zoe] = [added.partners[0].id, added.partners[1].id];
    let used = store.create_invitation(jose, &form(1), at(1), at(DAY)).unwrap();
    store.submit_intake(&used, &checked("done"), at(2)).unwrap();
    store.create_invitation(zoe, &form(1), at(3), at(60)).unwrap();

    let open = store.open_invitations(&added, at(4)).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].partner_name.as_str(), "Zoë");
    assert_eq!(
        (open[0].created_at.as_str(), open[0].expires_at.as_str()),
        ("2025-03-01T09:03:00Z", "2025-03-01T10:00:00Z")
    );
    assert!(store.open_invitations(&added, at(60)).unwrap().is_empty());
}

#[test]
fn a_link_stores_answers_once_and_then_reads_as_used() {
    let (_dir, mut store, added) = with_couple();
    let token = store.create_invitation(added.partners[1].id, &form(1), at(1), at(DAY)).unwrap();

    assert_eq!(store.submit_intake(&token, &checked("first"), at(2)).unwrap(), SubmitOutcome::Stored);
    assert_eq!(store.submit_intake(&token, &checked("second"), at(3)).unwrap(), SubmitOutcome::AlreadyUsed);
    assert_eq!(count(store.path(), "intake_responses"), 1);
    assert_eq!(store.intake_responses(&added).unwrap()[0].answers, answers("first"));
    assert_eq!(store.lookup_invitation(&token, at(4)).unwrap().unwrap().state, InvitationState::Used);
    // Still used, not expired, once the expiry has passed.
    assert_eq!(store.lookup_invitation(&token, at(2 * DAY)).unwrap().unwrap().state, InvitationState::Used);
    let unknown = InvitationToken::parse(&"0".repeat(64)).unwrap();
    assert_eq!(store.submit_intake(&unknown, &checked("x"), at(5)).unwrap(), SubmitOutcome::NotActive);
}

#[test]
fn an_expired_link_stores_nothing() {
    let (_dir, mut store, added) = with_couple();
    let token = store.create_invitation(added.partners[1].id, &form(1), at(1), at(60)).unwrap();
    assert_eq!(store.submit_intake(&token, &checked("late"), at(60)).unwrap(), SubmitOutcome::NotActive);
    assert_eq!(count(store.path(), "intake_responses"), 0);
}

#[test]
fn two_submissions_racing_on_separate_connections_store_one_response() {
    let (_dir, mut store, added) = with_couple();
    let token = store.create_invitation(added.partners[1].id, &form(1), at(1), at(DAY)).unwrap();
    let path = store.path().to_owned();
    let barrier = Barrier::new(2);
    let outcomes: Vec<SubmitOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = ["one", "two"]
            .map(|text| {
                let (path, token, barrier) = (&path, &token, &barrier);
                scope.spawn(move || {
                    let mut server = Store::open_existing(path).unwrap();
                    barrier.wait();
                    server.submit_intake(token, &checked(text), at(2)).unwrap()
                })
            })
            .into_iter()
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let stored = outcomes.iter().filter(|o| **o == SubmitOutcome::Stored).count();
    let used = outcomes.iter().filter(|o| **o == SubmitOutcome::AlreadyUsed).count();
    assert_eq!((stored, used), (1, 1), "{outcomes:?}");
    assert_eq!(count(&path, "intake_responses"), 1);
}

#[test]
fn submissions_committed_together_each_get_their_own_outcome() {
    let (_dir, mut store, first) = with_couple();
    let second = store.add_couple(&couple("Ana Lía", "Mateo"), at(0)).unwrap();
    let [ana, refused, mateo] = [first.partners[0].id, first.partners[1].id, second.partners[0].id]
        .map(|partner| store.create_invitation(partner, &form(1), at(1), at(DAY)).unwrap());
    // A real failure inside SQLite, for one partner only: the batch must undo that one alone.
    raw(store.path())
        .execute_batch(&format!(
            "CREATE TRIGGER refuse BEFORE INSERT ON intake_responses WHEN NEW.partner_id = {}
             BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;",
            first.partners[1].id.get()
        ))
        .unwrap();

    let (one, two, three, four) = (checked("one"), checked("two"), checked("three"), checked("four"));
    let unknown = InvitationToken::parse(&"0".repeat(64)).unwrap();
    let hashes = [&ana, &unknown, &refused, &mateo].map(InvitationToken::sha256);
    let batch = [
        IntakeSubmission::new(&hashes[0], &one, at(2), None),
        IntakeSubmission::new(&hashes[0], &two, at(2), None),
        IntakeSubmission::new(&hashes[1], &two, at(2), None),
        IntakeSubmission::new(&hashes[2], &three, at(2), None),
        IntakeSubmission::new(&hashes[3], &four, at(2), None),
    ];
    let outcomes = store.submit_intakes(&batch).unwrap();

    assert!(matches!(outcomes[0], Ok(SubmitOutcome::Stored)), "{outcomes:?}");
    assert!(matches!(outcomes[1], Ok(SubmitOutcome::AlreadyUsed)), "the same link twice in one batch stores once");
    assert!(matches!(outcomes[2], Ok(SubmitOutcome::NotActive)));
    assert!(
        matches!(&outcomes[3], Err(StoreError::Sqlite(e)) if e.to_string().contains("refused for the test")),
        "{outcomes:?}"
    );
    assert!(matches!(outcomes[4], Ok(SubmitOutcome::Stored)), "a failure before it does not stop it");
    assert_eq!(count(store.path(), "intake_responses"), 2);
    assert_eq!(&store.intake_responses(&first).unwrap()[0].answers, one.answers());
    assert_eq!(&store.intake_responses(&second).unwrap()[0].answers, four.answers());
    let state = |token: &InvitationToken| store.lookup_invitation(token, at(3)).unwrap().unwrap().state;
    assert_eq!(state(&refused), InvitationState::Active, "the failed one left its link open, to be sent again");
    assert_eq!(state(&ana), InvitationState::Used);
    let audited: i64 = raw(store.path())
        .query_row("SELECT count(*) FROM audit_log WHERE action = 'intake submitted'", [], |row| row.get(0))
        .unwrap();
    assert_eq!(audited, 2, "the failed one left no trace in the audit log either");
}

#[test]
fn a_draft_is_kept_replaced_and_dropped_on_submission() {
    let (_dir, mut store, added) = with_couple();
    let token = store.create_invitation(added.partners[1].id, &form(1), at(1), at(DAY)).unwrap();
    let id = store.lookup_invitation(&token, at(1)).unwrap().unwrap().invitation_id;

    // Opening the link reads the invitation and its draft in one go, as the two reads would.
    let opened = |store: &Store, minutes| {
        let (invitation, draft, homework) = store.open_invitation(&token, at(minutes)).unwrap().unwrap();
        assert_eq!(homework, None, "an intake link asks about no sheets");
        assert_eq!(Some(&invitation), store.lookup_invitation(&token, at(minutes)).unwrap().as_ref());
        assert_eq!(draft, store.draft(id).unwrap());
        (invitation.state, draft)
    };

    assert_eq!(opened(&store, 1), (InvitationState::Active, None));
    store.save_draft(id, &draft("halfway"), at(2)).unwrap();
    assert_eq!(opened(&store, 2), (InvitationState::Active, Some(draft("halfway"))));
    store.save_draft(id, &draft("nearly there"), at(3)).unwrap();
    assert_eq!(opened(&store, 3), (InvitationState::Active, Some(draft("nearly there"))));
    assert_eq!(count(store.path(), "intake_drafts"), 1);

    store.submit_intake(&token, &checked("finished"), at(4)).unwrap();
    assert_eq!(opened(&store, 4), (InvitationState::Used, None));
    let unknown = InvitationToken::parse(&"0".repeat(64)).unwrap();
    assert_eq!(store.open_invitation(&unknown, at(4)).unwrap(), None);
    let err = store.save_draft(id, &draft("after"), at(5)).unwrap_err();
    assert!(matches!(err, StoreError::InvitationNotActive), "{err:?}");
    assert_eq!(store.draft(id).unwrap(), None);
}

#[test]
fn drafts_are_refused_for_expired_retired_and_unknown_invitations() {
    let (_dir, mut store, added) = with_couple();
    let zoe = added.partners[1].id;
    let first = store.create_invitation(zoe, &form(1), at(1), at(60)).unwrap();
    let first_id = store.lookup_invitation(&first, at(1)).unwrap().unwrap().invitation_id;
    assert!(matches!(store.save_draft(first_id, &draft("x"), at(60)), Err(StoreError::InvitationNotActive)));
    let second = store.create_invitation(zoe, &form(1), at(61), at(DAY)).unwrap();
    assert!(matches!(store.save_draft(first_id, &draft("x"), at(62)), Err(StoreError::InvitationNotActive)));
    // An id of an invitation that is gone: its couple was deleted, and the invitation with it.
    let gone = store.add_couple(&couple("Ana Lía", "Mateo"), at(62)).unwrap();
    let gone_token = store.create_invitation(gone.partners[0].id, &form(1), at(62), at(DAY)).unwrap();
    let gone_id = store.lookup_invitation(&gone_token, at(62)).unwrap().unwrap().invitation_id;
    store.delete_couple(&gone, at(62)).unwrap();
    assert!(matches!(store.save_draft(gone_id, &draft("x"), at(62)), Err(StoreError::InvitationNotActive)));
    let second_id = store.lookup_invitation(&second, at(62)).unwrap().unwrap().invitation_id;
    store.save_draft(second_id, &draft("fine"), at(62)).unwrap();
}

#[test]
fn invitations_need_a_known_partner_and_a_later_expiry() {
    let (_dir, mut store, added) = with_couple();
    let err = store.create_invitation(PartnerId::from_row(9999), &form(1), at(1), at(DAY)).unwrap_err();
    assert!(matches!(err, StoreError::UnknownPartnerId(id) if id.get() == 9999), "{err:?}");
    let err = store.create_invitation(added.partners[0].id, &form(1), at(10), at(10)).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let mut misnamed = form(1);
    "Intake Form".clone_into(&mut misnamed.id);
    let err = store.create_invitation(added.partners[0].id, &misnamed, at(1), at(DAY)).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(count(store.path(), "invitations"), 0);
}

#[test]
fn the_audit_trail_notes_invitations_and_submissions_without_names_or_answers() {
    let (_dir, mut store, added) = with_couple();
    store.set_actor(mend_store::Actor::Cli);
    let token = store.create_invitation(added.partners[1].id, &form(1), at(1), at(DAY)).unwrap();
    let mut server = Store::open_existing(store.path()).unwrap();
    server.set_actor(mend_store::Actor::Server);
    server.submit_intake(&token, &checked("private words"), at(2)).unwrap();

    let log = store.audit_log().unwrap();
    let lines: Vec<_> = log.iter().map(|e| (e.actor.as_str(), e.action.as_str(), e.couple.as_deref())).collect();
    let id = Some(added.short_id.as_str());
    assert_eq!(
        lines,
        vec![("cli", "couple added", id), ("cli", "invitation created", id), ("server", "intake submitted", id)]
    );
    assert_eq!(log[2].at, "2025-03-01T09:02:00Z");
    let everything = format!("{log:?}");
    for secret in ["José", "Zoë", "private words", token.expose()] {
        assert!(!everything.contains(secret), "{secret:?} in the audit trail: {everything}");
    }
}
