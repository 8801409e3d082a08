//! Killing the relay in the middle of a stream of submissions, or the therapist's sync in the
//! middle of taking them in, loses nothing that was acknowledged and stores nothing twice.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use mend_core::{Answer, InvitationToken};
use mend_relay::LinkDetails;
use mend_store::{InvitationState, LinkRequest, Store};
use mend_sync::{NewLink, Practice};
use time::OffsetDateTime;

use crate::helpers::*;

/// How many submissions are acknowledged before the kill.
const ACKED_BEFORE_KILL: usize = 40;

/// The `serve` example, which `cargo test` builds next to the test binaries.
fn serve_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
    let serve = profile_dir.join("examples").join("serve");
    assert!(
        serve.exists(),
        "{} is missing: run `cargo test -p mend-intake`, which builds the examples",
        serve.display()
    );
    serve
}

#[test]
fn a_killed_server_keeps_every_acknowledged_submission() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mend.sqlite3");
    let relay = mend_sync::default_folder(&db);

    // Enough invitations that the stream is still going when the server dies.
    let questionnaire = fixture_questionnaire();
    let mut store = Store::open(&db).unwrap();
    let now = OffsetDateTime::now_utc();
    let practice = Practice::of_record_or_join(&mut store, &relay, now).unwrap();
    let mut tokens: Vec<(InvitationToken, String)> = Vec::new();
    for n in 0..60 {
        let couple = store
            .add_couple(
                &mend_core::NewCouple::new(
                    [format!("Zoë {n}"), format!("José {n}")].map(|name| mend_core::PartnerName::parse(&name).unwrap()),
                    &mend_core::BrokeTrust::Named(format!("José {n}")),
                    mend_core::BreachKind::Lies,
                    None,
                )
                .unwrap(),
                now,
            )
            .unwrap();
        let links: Vec<NewLink<'_>> = couple
            .partners
            .iter()
            .map(|partner| NewLink {
                request: LinkRequest {
                    partner: partner.id,
                    questionnaire: &questionnaire,
                    checkin: None,
                    expires_at: now + time::Duration::days(1),
                },
                details: LinkDetails { partner_name: Some(partner.name.to_string()), ..LinkDetails::default() },
            })
            .collect();
        for made in practice.make_links(&mut store, &links, None, now).unwrap() {
            tokens.push((made.token, format!("Nick {}", tokens.len())));
        }
    }
    drop(store);

    let mut child = Command::new(serve_binary())
        .arg(&relay)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server process starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    let base = first_line.trim().strip_prefix("listening on ").expect("the server prints its address").to_owned();

    let queue = Arc::new(Mutex::new(tokens.into_iter()));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let (ack_tx, ack_rx) = mpsc::channel::<()>();
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let (queue, acked, ack_tx, base) = (Arc::clone(&queue), Arc::clone(&acked), ack_tx.clone(), base.clone());
            std::thread::spawn(move || {
                loop {
                    let Some((token, nickname)) = queue.lock().unwrap().next() else { return };
                    let link = format!("{base}/i/{}", token.expose());
                    let Ok(page) = try_get(&link) else { return };
                    let csrf = page.csrf();
                    let answers = valid_answers(&nickname);
                    let Ok(reply) = try_post(&link, &encode(&with_controls("send", &csrf, &answers))) else { return };
                    assert_eq!(reply.status, 303, "{}", reply.body);
                    acked.lock().unwrap().push((token, nickname));
                    let _ = ack_tx.send(());
                }
            })
        })
        .collect();
    drop(ack_tx);
    for _ in 0..ACKED_BEFORE_KILL {
        ack_rx.recv().expect("submissions are being acknowledged");
    }
    child.kill().expect("SIGKILL the server mid-stream");
    child.wait().unwrap();
    for client in clients {
        client.join().expect("a client thread ends cleanly");
    }

    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= ACKED_BEFORE_KILL && acked.len() < 120, "{} acknowledged", acked.len());
    // The relay reopens after the kill; the therapist's mend takes the forms in.
    let mut store = Store::open(&db).expect("the record opens");
    let report = practice.sync(&mut store, OffsetDateTime::now_utc()).expect("the forms are taken in");
    assert!(report.received >= acked.len(), "{report:?} for {} acknowledged", acked.len());
    let again = practice.sync(&mut store, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(again.received + again.already, 0, "a second sync finds nothing: {again:?}");
    for (token, nickname) in &acked {
        let invitation =
            store.lookup_invitation(token, OffsetDateTime::now_utc()).unwrap().expect("the invitation exists");
        assert_eq!(invitation.state, InvitationState::Used, "an acknowledged link is closed");
        let responses = store.intake_responses(&store.find_couple(&invitation.couple_short_id).unwrap()).unwrap();
        let answers =
            &responses.iter().find(|r| r.partner_id == invitation.partner_id).expect("its answers are stored").answers;
        assert_eq!(answers["nickname"], Answer::Text(nickname.clone()));
    }
    drop(store);
    for file in [db.clone(), relay.join(mend_relay::RELAY_FILE)] {
        let conn = rusqlite::Connection::open(&file).unwrap();
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
        assert_eq!(integrity, "ok", "{}", file.display());
    }
}
