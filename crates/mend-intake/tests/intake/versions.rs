//! A link keeps the version of the form it was made for while the content moves on, and moves
//! to a newer version only through an upgrade the content declares.

use std::sync::Arc;

use mend_core::questionnaire::Upgrade;
use mend_core::{Answer, InvitationToken, Program, Questionnaire};
use time::OffsetDateTime;

use crate::helpers::*;

/// The fixture with its first question asked in other words and a required question added, as
/// `version`: answers to it cannot be sent from the old page.
fn edited(version: u32) -> Questionnaire {
    let mut edited = fixture_questionnaire();
    edited.version = version;
    let first = &mut edited.sections[0].questions[0];
    assert_eq!(first.id, "nickname");
    "Which name shall we use?".clone_into(&mut first.label);
    let mut added = edited.sections[0].questions[0].clone();
    "pet_name".clone_into(&mut added.id);
    "A name only you use?".clone_into(&mut added.label);
    "Enter the name only you use".clone_into(&mut added.error);
    edited.sections[0].questions.push(added);
    edited
}

fn program_with(questionnaire: Questionnaire) -> Arc<Program> {
    let mut program = (*fixture_program()).clone();
    program.questionnaire = questionnaire;
    Arc::new(program)
}

/// (version, answers) of each response stored for the couple's partners, in partner order.
fn stored_versions(app: &TestApp, invited: &Invited) -> Vec<(u32, Option<String>)> {
    let store = app.store();
    store.intake_responses(&invited.couple).unwrap().into_iter().map(|r| (r.version, r.content_sha256)).collect()
}

#[test]
fn open_links_keep_their_version_when_the_form_changes_and_send_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mend.sqlite3");
    let before = spawn_on(&db, |_| {});
    let invited = invite_couple(&before, ["Zoë", "Sam"]);
    let (with_draft, fresh) = (&invited.tokens[0], &invited.tokens[1]);
    let csrf = get(&before.link(with_draft)).csrf();
    let partial = vec![("nickname", "Zoë half-way".to_owned()), ("commitment", "6".to_owned())];
    assert_eq!(post_form(&before.link(with_draft), &with_controls("save", &csrf, &partial)).status, 200);
    let old_hash = fixture_questionnaire().content_sha256();
    drop(before);

    // The therapist edits the questions and raises the version; the server restarts with it.
    let after = spawn_on(&db, |config| config.program = program_with(edited(4)));
    for token in [with_draft, fresh] {
        let page = get(&after.link(token));
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("What should we call you?"), "the link shows the questions it was made for");
        assert!(!page.body.contains("A name only you use?"), "and not the new ones");
    }
    assert!(get(&after.link(with_draft)).body.contains(r#"value="Zoë half-way""#), "the draft is kept");

    // Both send the answers their page asks for, which the new version alone would refuse.
    assert_eq!(send_valid(&after, with_draft, "Zoë").status, 303);
    assert_eq!(send_valid(&after, fresh, "Sam").status, 303);
    let stored = stored_versions(&after, &invited);
    assert_eq!(stored, vec![(3, Some(old_hash.clone())), (3, Some(old_hash))], "stored against version 3");
    assert_eq!(stored_answers(&after, &invited.couple)["Zoë"]["nickname"], Answer::Text("Zoë".into()));

    // A link made now shows the new version, and asks its new question.
    let now_links = invite_couple(&after, ["Ana", "Bo"]);
    let page = get(&after.link(&now_links.tokens[0]));
    assert!(page.body.contains("Which name shall we use?") && page.body.contains("A name only you use?"));
    let refused = send_valid(&after, &now_links.tokens[0], "Ana");
    assert_eq!(refused.status, 422, "the new required question is asked of new links");
    assert!(refused.body.contains("Enter the name only you use"));
}

#[test]
fn a_link_moves_to_a_newer_version_only_through_a_declared_upgrade_with_its_draft() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mend.sqlite3");
    let before = spawn_on(&db, |_| {});
    let invited = invite_couple(&before, ["Zoë", "Sam"]);
    let token = &invited.tokens[0];
    let csrf = get(&before.link(token)).csrf();
    let partial = vec![("nickname", "Zoë early".to_owned()), ("worries", "money".to_owned())];
    assert_eq!(post_form(&before.link(token), &with_controls("save", &csrf, &partial)).status, 200);
    drop(before);

    // Version 4 renames `nickname` to `called` and the worry `money` to `bills`, and says so.
    let mut upgraded = fixture_questionnaire();
    upgraded.version = 4;
    let first = &mut upgraded.sections[0].questions[0];
    "called".clone_into(&mut first.id);
    let worries = upgraded.sections[0].questions.iter_mut().find(|q| q.id == "worries").unwrap();
    worries.options.iter_mut().find(|o| o.value == "money").unwrap().value = "bills".to_owned();
    upgraded.upgrades.push(Upgrade {
        from: 3,
        renamed: [("nickname".to_owned(), "called".to_owned())].into(),
        renamed_options: [("worries".to_owned(), [("money".to_owned(), "bills".to_owned())].into())].into(),
    });
    let after = spawn_on(&db, |config| config.program = program_with(upgraded));
    // The practice's new version reaches the relay with the first link made for it.
    invite_couple(&after, ["Ana", "Bo"]);

    let page = get(&after.link(token));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(r#"name="called" value="Zoë early""#), "the draft is carried:\n{}", page.body);
    assert!(page.body.contains(r#"value="bills" checked"#), "its choice renamed");
    let hash = InvitationToken::parse(token).unwrap().sha256();
    let version: u32 = rusqlite::Connection::open(after.relay_db())
        .unwrap()
        .query_row("SELECT version FROM links WHERE token_sha256 = ?1", [hash], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 4, "the link now shows version 4");
    // The other partner's link had no draft but moves too: the content says how.
    assert!(get(&after.link(&invited.tokens[1])).body.contains(r#"name="called""#));
}

#[test]
fn a_changed_form_under_a_version_already_out_is_refused_when_a_link_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mend.sqlite3");
    let before = spawn_on(&db, |_| {});
    let invited = invite_couple(&before, ["Zoë", "Sam"]);
    drop(before);
    let after = spawn_on(&db, |config| config.program = program_with(edited(3)));
    let mut store = after.store();
    let now = OffsetDateTime::now_utc();
    let partner = invited.couple.partners[0].id;
    let refused =
        after.make_link(&mut store, partner, &after.program.questionnaire, None, now, now + time::Duration::days(1));
    let Err(error) = refused else { panic!("the changed questions are refused") };
    let message = error.to_string();
    assert!(message.contains("version 3 has changed"), "{message}");
    assert_eq!(get(&after.link(&invited.tokens[0])).status, 200, "the link already out still works");
}
