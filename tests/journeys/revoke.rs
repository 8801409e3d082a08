//! Journey: a leaked link is revoked without making a new one. `mend invite revoke` closes one
//! partner's link on the relay while the server runs, and the other's still opens until it is
//! revoked too; a revoked link shows the same page as any dead link.

use crate::browser::Browser;
use crate::mend::{Practice, link_for};
use crate::server::IntakeServer;

const ILSE: &str = "Ilse Varga";
const TEO: &str = "Teo Marchetti";

#[test]
fn a_revoked_link_opens_nothing_and_no_new_link_is_made() {
    let practice = Practice::new();
    let id = practice.add_couple(ILSE, TEO);
    let links = practice.json(&["invite", &id, "--format", "json"]);
    let links = links.as_array().expect("links");
    let server = IntakeServer::start(&practice);
    let browser = Browser::new();
    let (ilse, teo) = (server.local(link_for(links, ILSE)), server.local(link_for(links, TEO)));
    assert_eq!(browser.open(&ilse).status, 200);
    assert_eq!(browser.open(&teo).status, 200);

    let said = practice.ok(&["invite", "revoke", &id, "--partner", "Ilse"]);
    assert!(said.contains("Revoked 1 link(s) of Ilse Varga") && said.contains("mend invite"), "{said}");
    assert!(!said.contains("/i/"), "no new link is printed: {said}");
    assert_eq!(browser.open(&ilse).status, 404, "Ilse's link no longer opens");
    assert_eq!(browser.open(&teo).status, 200, "Teo's still does");
    let shown = practice.json(&["couple", "show", &id, "--format", "json"]);
    assert_eq!(shown["open_invitations"].as_array().map(Vec::len), Some(1), "{shown}");

    let said = practice.ok(&["invite", "revoke", &id]);
    assert!(said.contains("Revoked 1 link(s)"), "{said}");
    assert_eq!(browser.open(&teo).status, 404, "now Teo's is closed too");
    let again = practice.ok(&["invite", "revoke", &id]);
    assert!(again.contains("nothing to revoke"), "{again}");
    // A mistyped partner is refused with the names to choose from.
    let wrong = practice.run(&["invite", "revoke", &id, "--partner", "Quentin"]);
    assert!(!wrong.status.success() && wrong.stderr.contains("Ilse"), "{}", wrong.stderr);
    server.stop();
}
