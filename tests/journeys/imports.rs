//! Journey: an export edited by hand is no way in. A plain export that plants a link (a token
//! its author knows, an expiry in 9999, never used) imports without it: the link does not open
//! on the relay the new record hands its links to. Answers holding a control character are
//! refused, as the form refuses them, and bidirectional controls never reach the terminal.

use std::fs;

use crate::browser::Browser;
use crate::mend::{Practice, link_for};
use crate::server::IntakeServer;

const ILSE: &str = "Ilse Varga";
const TEO: &str = "Teo Marchetti";

/// The text answer both partners give in [`crate::answers::IntakeAnswers::steady`].
const GOALS: &str = "To talk about it without it turning into a fight.";

#[test]
fn a_link_planted_in_an_edited_export_does_not_open() {
    let practice = Practice::new();
    let id = practice.add_couple(ILSE, TEO);
    let links = practice.json(&["invite", &id, "--format", "json"]);
    let planted = link_for(links.as_array().expect("links"), ILSE).to_owned();

    // The export, edited: every link open until 9999.
    let export = practice.path("practice.json");
    practice.ok(&["export", "--plaintext", "-o", export.to_str().expect("UTF-8")]);
    let mut json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&export).expect("the export")).unwrap();
    for partner in json["couples"][0]["partners"].as_array_mut().expect("partners") {
        for invitation in partner["invitations"].as_array_mut().expect("invitations") {
            invitation["expires_at"] = "9999-12-31T00:00:00Z".into();
            invitation["used_at"] = serde_json::Value::Null;
        }
    }
    let edited = practice.path("edited.json");
    fs::write(&edited, serde_json::to_string_pretty(&json).unwrap()).expect("write the edited export");

    let fresh = practice.path("fresh.db");
    let fresh = fresh.to_str().expect("UTF-8");
    let imported = practice.run(&["--db", fresh, "import", edited.to_str().expect("UTF-8")]);
    imported.assert_success();
    assert!(
        imported.stderr.contains("2 link(s)")
            && imported.stderr.contains("retired")
            && imported.stderr.contains("mend invite"),
        "the import says what it did and what to do: {}",
        imported.stderr
    );
    // The new record joins its relay, handing over the links it keeps open, and makes a new link
    // for Teo, which works.
    practice.ok(&["--db", fresh, "sync"]);
    let again = practice.json(&["--db", fresh, "invite", &id, "--partner", TEO, "--format", "json"]);
    let teo = link_for(again.as_array().expect("links"), TEO).to_owned();

    let relay = practice.path("fresh.relay");
    let serve = practice.command(&["serve", "--addr", "127.0.0.1:0", "--data", relay.to_str().expect("UTF-8")]);
    let server = IntakeServer::start_command(&practice, serve);
    let browser = Browser::new();
    assert_eq!(browser.open(&server.local(&teo)).status, 200, "a link the record made opens");
    let page = browser.open(&server.local(&planted));
    assert_eq!(page.status, 404, "the planted link does not open");
    assert!(!page.body.contains("_csrf"), "no form is shown on it");
    server.stop();
}

#[test]
fn control_characters_in_an_edited_export_never_reach_the_terminal() {
    let practice = Practice::new();
    let id = practice.add_couple(ILSE, TEO);
    let links = practice.json(&["invite", &id, "--format", "json"]);
    let server = IntakeServer::start(&practice);
    Browser::new().both_send_intakes(&server, links.as_array().expect("links"), ILSE, TEO);
    server.stop();
    let export = practice.path("practice.json");
    practice.ok(&["export", "--plaintext", "-o", export.to_str().expect("UTF-8")]);
    let text = fs::read_to_string(&export).expect("the export");
    assert!(text.contains(GOALS), "the answer is in the export");

    // An escape sequence that would retitle the terminal and clear the screen is refused, in one
    // line that says why, and nothing is imported.
    let escaped = practice.path("escaped.json");
    fs::write(&escaped, text.replace(GOALS, "To talk\\u001b]0;owned\\u0007\\u001b[2J about it.")).expect("write");
    let first = practice.path("first.db");
    let run = practice.run(&["--db", first.to_str().expect("UTF-8"), "import", escaped.to_str().expect("UTF-8")]);
    assert!(!run.status.success(), "the import is refused: {}", run.stdout);
    let said: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(said.len(), 1, "one line: {said:?}");
    assert!(said[0].contains("control character") && said[0].contains("U+001B"), "{said:?}");

    // Bidirectional controls, which the form takes (right-to-left writing uses them), come in,
    // and `mend intake` prints the answer without them.
    let reordered = practice.path("reordered.json");
    fs::write(&reordered, text.replace(GOALS, "To talk \u{202E}tuoba ti\u{202C} calmly\u{2066}.\u{2069}"))
        .expect("write");
    let second = practice.path("second.db");
    let second = second.to_str().expect("UTF-8");
    practice.ok(&["--db", second, "import", reordered.to_str().expect("UTF-8")]);
    let shown = practice.ok(&["--db", second, "intake", &id]);
    assert!(shown.contains("tuoba ti"), "the answer is shown: {shown}");
    for control in ['\u{202E}', '\u{202C}', '\u{2066}', '\u{2069}', '\u{1b}'] {
        assert!(!shown.contains(control), "U+{:04X} reached the terminal", u32::from(control));
    }
}
