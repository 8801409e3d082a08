//! Journey 5: the nightly backup runs while partners send their forms to a real server, and every
//! copy is encrypted, opens with the practice's key, and holds each form stored before it began.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use crate::answers::{IntakeAnswers, Role};
use crate::browser::Browser;
use crate::mend::{Practice, link_for};
use crate::server::IntakeServer;

/// Couples whose partners send their forms while the backups run.
const COUPLES: usize = 6;

#[test]
fn backups_taken_while_the_server_stores_forms_are_encrypted_and_open_with_the_key() {
    let practice = Practice::new();
    let mut links = Vec::new();
    for n in 0..COUPLES {
        let first = format!("Ximena {n}");
        let couple = practice.json(&[
            "couple",
            "add",
            "--partner",
            &first,
            "--partner",
            &format!("Yusuf {n}"),
            "--breach",
            "lies",
            "--broke-trust",
            &first,
            "--format",
            "json",
        ]);
        let id = couple["id"].as_str().expect("an id").to_owned();
        let invited = practice.json(&["invite", &id, "--format", "json"]);
        let invited = invited.as_array().expect("links");
        links.push((first.clone(), link_for(invited, &first).to_owned()));
    }
    let server = IntakeServer::start(&practice);
    let local: Vec<(String, String)> = links.iter().map(|(name, link)| (name.clone(), server.local(link))).collect();
    let browser = Browser::new();
    let done = AtomicBool::new(false);
    let (sent_tx, sent_rx) = mpsc::channel::<String>();

    let backups = std::thread::scope(|scope| {
        let (browser, done) = (&browser, &done);
        scope.spawn(move || {
            for (name, link) in &local {
                let answers = IntakeAnswers::steady(name, Role::BrokeTrust, "lies");
                browser.fill_in_intake(link, name, &answers);
                // Sent after the server answered, so after the form was committed.
                let _ = sent_tx.send(name.clone());
            }
            done.store(true, Ordering::SeqCst);
        });
        let mut backups = Vec::new();
        while !done.load(Ordering::SeqCst) || backups.is_empty() {
            let sent_before: Vec<String> = sent_rx.try_iter().collect();
            let path = practice.path(&format!("backup-{}.db", backups.len()));
            practice.ok(&["backup", path.to_str().expect("UTF-8")]);
            backups.push((path, sent_before));
        }
        backups
    });
    server.stop();

    let mut sent_so_far = Vec::new();
    for (path, sent_before) in backups {
        sent_so_far.extend(sent_before);
        let bytes = std::fs::read(&path).expect("the backup");
        assert!(!bytes.starts_with(b"SQLite format 3\0"), "{} is a plain SQLite file", path.display());
        assert!(!bytes.windows(6).any(|w| w == b"Ximena"), "a name is readable in {}", path.display());
        let db = path.to_str().expect("UTF-8");
        for name in &sent_so_far {
            let shown = practice.json(&["--db", db, "couple", "show", name, "--format", "json"]);
            let received = shown["intakes_received"].as_array().expect("intakes_received");
            assert!(
                received.iter().any(|r| r.as_str() == Some(name.as_str())),
                "{name}'s form, stored before {db} began, is missing: {shown}"
            );
        }
    }
}
