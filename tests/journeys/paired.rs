//! Journey 7: one relay on another machine serves two practices. Each pairs with a one-time code,
//! makes its links there, and takes in only its own partners' forms; a used code, a wrong
//! credential and plain http to another machine are refused.

use std::time::Duration;

use crate::answers::{IntakeAnswers, Role};
use crate::browser::Browser;
use crate::mend::{Practice, link_for};
use crate::server::IntakeServer;

/// A practice with one couple, whose id is returned.
fn practice_with_couple(first: &str, second: &str) -> (Practice, String) {
    let practice = Practice::new();
    let id = practice.add_couple(first, second);
    (practice, id)
}

/// A one-time code from the relay's folder.
fn pairing_code(host: &Practice, data: &str) -> String {
    let code = host.json(&["relay", "pair", "--data", data, "--format", "json"]);
    code["code"].as_str().expect("a code").to_owned()
}

#[test]
fn two_practices_share_a_relay_and_each_takes_in_only_its_own() {
    // The relay's host has no record at all: only the relay's folder.
    let host = Practice::new();
    let data = host.path("relay");
    let data = data.to_str().expect("UTF-8");
    let (code_a, code_b) = (pairing_code(&host, data), pairing_code(&host, data));
    let server = IntakeServer::start_command(&host, host.command(&["serve", "--addr", "127.0.0.1:0", "--data", data]));
    let relay = server.local("/i/");
    let relay = relay.trim_end_matches("/i/");
    assert!(!host.path("mend.db").exists(), "the relay's host has no record");

    let (ours, our_couple) = practice_with_couple("Aino Virtanen", "Bram de Vries");
    let (theirs, their_couple) = practice_with_couple("Chiara Rossi", "Dmitri Orlov");
    let paired = ours.json(&["relay", "connect", relay, "--code", &code_a, "--format", "json"]);
    assert_eq!(paired["relay"], relay);
    let reused = theirs.run(&["relay", "connect", relay, "--code", &code_a]);
    assert!(!reused.status.success(), "a used code is refused");
    assert!(reused.stderr.contains("refused") && reused.stderr.contains("mend relay pair"), "{}", reused.stderr);
    theirs.ok(&["relay", "connect", relay, "--code", &code_b]);

    // Links point at the relay each practice is paired with.
    let our_links = ours.json(&["invite", &our_couple, "--format", "json"]);
    let their_links = theirs.json(&["invite", &their_couple, "--format", "json"]);
    let (our_links, their_links) = (our_links.as_array().expect("links"), their_links.as_array().expect("links"));
    assert!(link_for(our_links, "Aino Virtanen").starts_with(relay), "{our_links:?}");
    let browser = Browser::new();
    for (links, name, role) in [
        (our_links, "Aino Virtanen", Role::Hurt),
        (our_links, "Bram de Vries", Role::BrokeTrust),
        (their_links, "Chiara Rossi", Role::Hurt),
    ] {
        browser.fill_in_intake(link_for(links, name), name, &IntakeAnswers::steady(name, role, "lies"));
    }

    let synced = ours.json(&["sync", "--format", "json"]);
    assert_eq!((synced["received"].as_u64(), synced["left"].as_u64()), (Some(2), Some(0)), "{synced}");
    let synced = theirs.json(&["sync", "--format", "json"]);
    assert_eq!(synced["received"], 1, "only their own: {synced}");
    let again = ours.json(&["sync", "--format", "json"]);
    assert_eq!(again["received"], 0, "nothing twice: {again}");
    let shown = ours.ok(&["intake", &our_couple]);
    assert!(shown.contains("Aino Virtanen") && !shown.contains("Chiara"), "{shown}");

    // Without the credential, the relay says nothing but no.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    for bearer in ["Bearer 0000000000000000000000000000000000000000000000000000000000000000", "nonsense", ""] {
        let mut response =
            agent.get(&format!("{relay}/relay/v1/waiting")).header("authorization", bearer).call().expect("an answer");
        assert_eq!(response.status().as_u16(), 401, "{bearer:?}");
        assert_eq!(response.body_mut().read_to_string().expect("a body"), "{}", "says nothing else");
    }
    server.stop();

    // Plain http to another machine would carry links and answers in the clear.
    let plain = ours.run(&["relay", "connect", "http://192.0.2.10:8080", "--code", "1234"]);
    assert!(!plain.status.success() && plain.stderr.contains("plain http"), "{}", plain.stderr);
}
