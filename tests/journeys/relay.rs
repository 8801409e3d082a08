//! Journey 6: the web server is a relay that holds no key. It starts and takes both partners'
//! forms with no record, key file or passphrase anywhere it can read; the therapist's mend takes
//! them in afterwards; and a relay that cannot be reached leaves the record as it was.

use std::fs;

use crate::browser::Browser;
use crate::mend::Practice;
use crate::server::IntakeServer;

const ILSE: &str = "Ilse Varga";
const TEO: &str = "Teo Marchetti";

#[test]
fn the_relay_takes_forms_with_no_key_anywhere_and_the_record_takes_them_in() {
    let practice = Practice::new();
    let id = practice.add_couple(ILSE, TEO);
    let links = practice.json(&["invite", &id, "--format", "json"]);
    let links = links.as_array().expect("links");

    // The key file goes where the server cannot find it, and the server is given neither the
    // record nor the configuration: only the relay's folder.
    let key = practice.path("mend.key");
    let hidden = practice.path("elsewhere.key");
    fs::rename(&key, &hidden).expect("hide the key file");
    let relay = practice.path("mend.relay");
    let mut serve = practice.command(&["serve", "--addr", "127.0.0.1:0", "--data", relay.to_str().expect("UTF-8")]);
    serve
        .env("MEND_DB", practice.path("no-record-here/mend.db"))
        .env("MEND_CONFIG", practice.path("no-config-here/config.toml"))
        .env_remove("MEND_PASSPHRASE");
    let server = IntakeServer::start_command(&practice, serve);
    let browser = Browser::new();
    browser.both_send_intakes(&server, links, ILSE, TEO);
    server.stop();
    assert!(!practice.path("no-record-here").exists(), "the server made no record of its own");

    // Back on the therapist's side, with the key: the forms arrived while the server ran.
    fs::rename(&hidden, &key).expect("put the key file back");
    let shown = practice.json(&["couple", "show", &id, "--format", "json"]);
    let received = shown["intakes_received"].as_array().expect("intakes_received");
    assert_eq!(received.len(), 2, "both forms were taken in: {shown}");
    let again = practice.json(&["sync", "--format", "json"]);
    assert_eq!(again["received"], 0, "nothing arrives twice: {again}");
    let intake = practice.ok(&["intake", &id]);
    assert!(intake.contains(ILSE) && intake.contains(TEO), "{intake}");
}

#[test]
fn a_relay_that_cannot_be_reached_leaves_the_record_unchanged() {
    let practice = Practice::new();
    let id = practice.add_couple(ILSE, TEO);
    // The relay's folder would be inside a file: nothing can be written there.
    fs::write(practice.path("a-file"), "not a folder").expect("write a file");
    let relay_dir = practice.path("a-file/relay");
    fs::write(practice.path("config.toml"), format!("relay_dir = {:?}\n", relay_dir.to_str().expect("UTF-8")))
        .expect("write the configuration");
    let before = practice.json(&["couple", "show", &id, "--format", "json"]);
    let run = practice.run(&["invite", &id]);
    assert!(!run.status.success(), "the invite fails: {}", run.stdout);
    assert!(run.stdout.is_empty(), "no link is printed: {}", run.stdout);
    let said: Vec<&str> = run.stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    assert_eq!(said.len(), 1, "one clear line: {said:?}");
    assert!(said[0].contains("relay folder") && said[0].contains("nothing changed"), "{said:?}");
    let after = practice.json(&["couple", "show", &id, "--format", "json"]);
    assert_eq!(before, after, "the record is as it was: no link half-made");
}
