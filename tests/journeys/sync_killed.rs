//! Journey 8: `mend sync` killed again and again while it takes answers in loses none and stores
//! none twice.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::browser::Browser;
use crate::mend::Practice;
use crate::server::IntakeServer;

/// Couples whose partners both send their intake before the syncs start.
const COUPLES: usize = 30;

#[test]
fn a_sync_killed_at_any_moment_loses_nothing_and_stores_nothing_twice() {
    let practice = Practice::new();
    let mut couples = Vec::new();
    for n in 0..COUPLES {
        let (first, second) = (format!("Runa {n}"), format!("Sami {n}"));
        let id = practice.add_couple(&first, &second);
        let links = practice.json(&["invite", &id, "--format", "json"]);
        couples.push((id, first, second, links));
    }
    let server = IntakeServer::start(&practice);
    let browser = Browser::new();
    for (_, first, second, links) in &couples {
        browser.both_send_intakes(&server, links.as_array().expect("links"), first, second);
    }
    server.stop();

    // SIGKILL each sync after a little longer than the one before, until one finishes.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut wait = Duration::from_millis(2);
    let mut killed = 0;
    loop {
        assert!(Instant::now() < deadline, "no sync finished");
        let mut child =
            practice.command(&["sync", "--format", "json"]).stdout(Stdio::null()).spawn().expect("start sync");
        std::thread::sleep(wait);
        if child.try_wait().expect("a status").is_some() {
            break;
        }
        child.kill().expect("SIGKILL the sync");
        child.wait().expect("reap it");
        killed += 1;
        wait += Duration::from_millis(4);
    }
    assert!(killed > 0, "at least one sync was killed on its way");
    let last = practice.json(&["sync", "--format", "json"]);
    assert_eq!(last["left"], 0, "{last}");
    for (id, first, second, _) in &couples {
        let shown = practice.json(&["couple", "show", id, "--format", "json"]);
        let received: Vec<&str> =
            shown["intakes_received"].as_array().expect("intakes_received").iter().filter_map(|r| r.as_str()).collect();
        assert_eq!(received.len(), 2, "each form once: {shown}");
        assert!(received.contains(&first.as_str()) && received.contains(&second.as_str()), "{shown}");
    }
}
