//! Journey 2: a partner who says they are afraid of the other raises a stop flag, and joint
//! sessions wait until the therapist has assessed it and resolved it.

use crate::answers::{IntakeAnswers, Role};
use crate::browser::Browser;
use crate::mend::{Practice, link_for};
use crate::server::IntakeServer;

const SOREN: &str = "Søren Łęcki";
const AMELIE: &str = "Amélie Brandt";

#[test]
fn fear_of_partner_holds_joint_sessions_until_resolved() {
    let practice = Practice::new();

    // The therapist adds the couple and invites both partners.
    let couple = practice.json(&[
        "couple",
        "add",
        "--partner",
        SOREN,
        "--partner",
        AMELIE,
        "--breach",
        "lies",
        "--broke-trust",
        SOREN,
        "--format",
        "json",
    ]);
    let id = couple["id"].as_str().expect("`couple add` prints the new couple's id").to_owned();
    let links = practice.json(&["invite", &id, "--format", "json"]);
    let links = links.as_array().expect("`invite --format json` prints an array");

    // Both answer on the real server; Amélie says she is sometimes afraid of Søren.
    let server = IntakeServer::start(&practice);
    let browser = Browser::new();
    browser.fill_in_intake(
        &server.local(link_for(links, SOREN)),
        SOREN,
        &IntakeAnswers::steady(SOREN, Role::BrokeTrust, "lies"),
    );
    let afraid = IntakeAnswers::steady(AMELIE, Role::Hurt, "lies").with("afraid_of_partner", &["yes"]);
    browser.fill_in_intake(&server.local(link_for(links, AMELIE)), AMELIE, &afraid);
    server.stop();

    // The plan is for individual sessions, and says how to lift the hold once it is assessed.
    let plan = practice.json(&["plan", &id, "--format", "json"]);
    assert_eq!(plan["session_kind"], "individual", "an open stop flag means no joint session: {plan}");
    let notice = plan["notice"].as_str().unwrap_or_else(|| panic!("the plan explains why joint work waits: {plan}"));
    assert!(notice.contains("fear-of-partner"), "the notice names the flag: {notice}");
    let resolve = serde_json::json!({ "kind": "resolve_flag", "flag": "fear-of-partner" });
    assert!(
        plan["next_steps"].as_array().is_some_and(|steps| steps.contains(&resolve)),
        "the plan's next step is to resolve the flag: {plan}"
    );

    // The plan is with Amélie, whose answers raised the flag. The therapist sees her alone, then
    // Søren, records both sessions, makes a safety plan, and resolves the flag.
    assert_eq!(plan["with"], AMELIE, "the partner who raised the flag is seen first: {plan}");
    for partner in [AMELIE, SOREN] {
        practice.ok(&["session", "record", &id, "--stage", "safety-and-stabilising", "--with", partner]);
    }
    practice.ok(&["flag", "resolve", &id, "fear-of-partner", "--note", "assessed separately; safety plan in place"]);

    // Now the next session can be a joint one, and the intake shows the flag as resolved.
    let plan = practice.json(&["plan", &id, "--format", "json"]);
    assert_eq!(plan["session_kind"], "joint", "with the flag resolved, joint work goes ahead: {plan}");
    assert!(plan["notice"].is_null(), "nothing holds the session any more: {}", plan["notice"]);
    let intake = practice.json(&["intake", &id, "--format", "json"]);
    let fear = intake["flags"]
        .as_array()
        .and_then(|flags| flags.iter().find(|f| f["id"] == "fear-of-partner"))
        .unwrap_or_else(|| panic!("the intake still lists the fear-of-partner flag: {intake}"));
    assert_eq!(fear["severity"], "stop");
    assert_eq!(fear["partner"], AMELIE, "the flag is Amélie's");
    assert_eq!(fear["resolved"], true);
}
