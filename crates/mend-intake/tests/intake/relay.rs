//! The relay holds nothing it can read: every file it keeps is searched, byte for byte, for what
//! the test couple wrote; practices sharing a relay are kept apart; and a sync cut short after
//! the record committed stores nothing twice.

use std::path::Path;

use mend_core::InvitationToken;
use mend_sync::Practice;
use time::OffsetDateTime;

use crate::helpers::*;

/// Every byte of every file in `folder`: the relay's database, its log and its shared memory.
fn every_byte(folder: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        bytes.extend(std::fs::read(&path).unwrap());
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[test]
fn the_relays_files_hold_no_name_answer_draft_or_key() {
    let app = spawn_app_with(|config| config.secrets_policy = Some("Secrets are kept by the therapist.".into()));
    let invited = invite_couple(&app, ["Zéphyrine Quillfeather", "Barnabé Wolfsbane"]);
    let [drafting, sending] = &invited.tokens;

    // One partner saves a draft and leaves it; the other sends.
    let page = get(&app.link(drafting));
    assert!(page.body.contains("Hello, Zéphyrine."), "the sealed name opens with the link");
    let draft = vec![("nickname", "Marmalade-draft".to_owned()), ("notes", "Lanternfish in the draft".to_owned())];
    assert_eq!(post_form(&app.link(drafting), &with_controls("save", &page.csrf(), &draft)).status, 200);
    assert!(get(&app.link(drafting)).body.contains("Lanternfish in the draft"), "the draft comes back");
    assert_eq!(send_valid(&app, sending, "Quokka-sent").status, 303);

    let secret_key = mend_store::Store::open(&app.db).unwrap().relay().unwrap().unwrap().identity;
    let check = |when: &str| {
        let bytes = every_byte(&app.relay);
        for needle in [
            "Zéphyrine",
            "Quillfeather",
            "Barnabé",
            "Wolfsbane",
            "Marmalade-draft",
            "Lanternfish",
            "Quokka-sent",
            "A message on a shared tablet",
            "AGE-SECRET-KEY",
            secret_key.as_str(),
            drafting.as_str(),
            sending.as_str(),
        ] {
            assert!(!holds(&bytes, needle), "{when}: the relay's files hold {needle:?}");
        }
    };
    check("with the answers waiting");
    let stored = stored_answers(&app, &invited.couple);
    assert_eq!(stored["Barnabé Wolfsbane"]["nickname"], mend_core::Answer::Text("Quokka-sent".into()));
    check("after they were taken in");
    let logs = logs();
    for needle in ["Quokka-sent", "Lanternfish", drafting.as_str(), sending.as_str()] {
        assert!(!logs.contains(needle), "the log holds {needle:?}");
    }
}

#[test]
fn practices_sharing_a_relay_see_only_their_own_answers() {
    let app = spawn_app();
    let ours = invite_couple(&app, ["Ingrid", "Olek"]);
    // A second practice, with a record of its own, joins the same relay folder.
    let dir = tempfile::tempdir().unwrap();
    let mut theirs = mend_store::Store::open(&dir.path().join("other.db")).unwrap();
    let now = OffsetDateTime::now_utc();
    let other = Practice::of_record_or_join(&mut theirs, &app.relay, now).unwrap();
    let mine = Practice::of_record(&app.store()).unwrap().unwrap();
    assert_ne!(other.id(), mine.id());
    let couple = add_couple(&mut theirs, ["Priya", "Tomasz"]);
    let link = mend_store::LinkRequest {
        partner: couple.partners[0].id,
        questionnaire: &app.program.questionnaire,
        checkin: None,
        expires_at: now + time::Duration::days(1),
    };
    let made = other
        .make_links(&mut theirs, &[mend_sync::NewLink { request: link, details: Default::default() }], None, now)
        .unwrap();
    let their_token = made[0].token.expose().to_owned();

    assert_eq!(send_valid(&app, &their_token, "Theirs").status, 303);
    assert_eq!(send_valid(&app, &ours.tokens[0], "Ours").status, 303);

    let report = other.sync(&mut theirs, now).unwrap();
    assert_eq!((report.received, report.left), (1, 0), "the other practice takes in only its own form");
    assert_eq!(theirs.intake_responses(&couple).unwrap().len(), 1);
    let stored = stored_answers(&app, &ours.couple);
    assert_eq!(stored.len(), 1, "ours is ours: {stored:?}");
    assert_eq!(stored["Ingrid"]["nickname"], mend_core::Answer::Text("Ours".into()));
}

#[test]
fn a_sync_cut_short_after_the_record_committed_stores_nothing_twice() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Wanjiru", "Dov"]);
    for (token, nickname) in invited.tokens.iter().zip(["First", "Second"]) {
        assert_eq!(send_valid(&app, token, nickname).status, 303);
    }
    // The relay refuses to delete, as if the sync were killed after the record's commit.
    let relay = || rusqlite::Connection::open(app.relay_db()).unwrap();
    relay()
        .execute_batch("CREATE TRIGGER keep BEFORE DELETE ON answers BEGIN SELECT RAISE(ABORT, 'killed'); END;")
        .unwrap();
    let mut store = mend_store::Store::open(&app.db).unwrap();
    let practice = Practice::of_record(&store).unwrap().unwrap();
    let now = OffsetDateTime::now_utc();
    assert!(practice.sync(&mut store, now).is_err(), "the acknowledgement failed");
    assert_eq!(store.intake_responses(&invited.couple).unwrap().len(), 2, "the record has both already");
    relay().execute_batch("DROP TRIGGER keep;").unwrap();

    let again = practice.sync(&mut store, now).unwrap();
    assert_eq!((again.received, again.already), (0, 2), "taken in before, acknowledged now: {again:?}");
    assert_eq!(store.intake_responses(&invited.couple).unwrap().len(), 2, "stored once each");
    let waiting: i64 = relay().query_row("SELECT count(*) FROM answers", [], |row| row.get(0)).unwrap();
    assert_eq!(waiting, 0, "the relay holds nothing more");
    let token = InvitationToken::parse(&invited.tokens[0]).unwrap();
    assert_eq!(get(&app.link(token.expose())).status, 404, "the link stays used");
}

#[test]
fn links_made_before_the_relay_keep_working_once_the_record_joins_it() {
    let app = spawn_app();
    // A link from before the relay: made in the record alone, as the old server kept it.
    let mut store = mend_store::Store::open(&app.db).unwrap();
    let couple = add_couple(&mut store, ["Liesel", "Marek"]);
    let now = OffsetDateTime::now_utc();
    let questionnaire = &app.program.questionnaire;
    let old =
        store.create_invitation(couple.partners[0].id, questionnaire, now, now + time::Duration::days(3)).unwrap();
    assert_eq!(get(&app.link(old.expose())).status, 404, "the relay does not know it yet");

    // The first time the record uses the relay, it hands over every link still open.
    Practice::of_record_or_join(&mut store, &app.relay, now).unwrap();
    let page = get(&app.link(old.expose()));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Hello.") && !page.body.contains("Liesel"), "greeted without a name");
    assert_eq!(send_valid(&app, old.expose(), "Liesel").status, 303);
    let stored = stored_answers(&app, &couple);
    assert_eq!(stored["Liesel"]["nickname"], mend_core::Answer::Text("Liesel".into()));
}

#[test]
fn a_dead_links_draft_is_deleted_from_the_relay() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let [drafting, other] = &invited.tokens;
    for token in [drafting, other] {
        let page = get(&app.link(token));
        let draft = vec![("nickname", format!("draft of {}", &token[..4]))];
        assert_eq!(post_form(&app.link(token), &with_controls("save", &page.csrf(), &draft)).status, 200);
    }
    let drafts = || -> i64 {
        let conn = rusqlite::Connection::open(app.relay.join("relay.sqlite3")).unwrap();
        conn.query_row("SELECT count(*) FROM links WHERE draft IS NOT NULL", [], |row| row.get(0)).unwrap()
    };
    assert_eq!(drafts(), 2);
    // While the links work, their drafts stay; once they have expired (two weeks on), they go.
    let mut relay = mend_relay::RelayStore::open(&app.relay).unwrap();
    let now = OffsetDateTime::now_utc();
    assert_eq!(relay.forget_dead_drafts(now).unwrap(), 0);
    assert_eq!(relay.forget_dead_drafts(now + time::Duration::days(15)).unwrap(), 2);
    assert_eq!(drafts(), 0, "no dead link keeps a draft");
}
