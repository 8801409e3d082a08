//! Journey 1: from adding a couple to a printed homework packet, through both partners' intake
//! forms on a real server.

use crate::answers::{IntakeAnswers, Role};
use crate::browser::Browser;
use crate::mend::{Practice, link_for};
use crate::pdf::{pdfs_in, text_of};
use crate::server::IntakeServer;

const JOSE: &str = "José Núñez";
const ZOE: &str = "Zoë Łukasz";

#[test]
fn a_couple_goes_from_intake_links_to_a_homework_packet() {
    let practice = Practice::new();

    // The therapist adds the couple: José had an affair, Zoë was hurt by it.
    let couple = practice.json(&[
        "couple",
        "add",
        "--partner",
        JOSE,
        "--partner",
        ZOE,
        "--breach",
        "affair",
        "--broke-trust",
        "José",
        "--format",
        "json",
    ]);
    let id = couple["id"].as_str().expect("`couple add` prints the new couple's id").to_owned();
    let names: Vec<&str> =
        couple["partners"].as_array().expect("partners").iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, [JOSE, ZOE], "the names are stored exactly as typed");

    // The therapist makes one private link per partner.
    let links = practice.json(&["invite", &id, "--format", "json"]);
    let links = links.as_array().expect("`invite --format json` prints an array");
    assert_eq!(links.len(), 2, "one link per partner: {links:?}");
    for link in links {
        assert!(
            link["expires_at"].as_str().is_some_and(|at| !at.is_empty()),
            "every link says when it expires: {link}"
        );
    }

    // Each partner opens their own link, alone, and sends the form.
    let server = IntakeServer::start(&practice);
    let browser = Browser::new();
    let answers = [
        (JOSE, IntakeAnswers::steady(JOSE, Role::BrokeTrust, "affair")),
        // Low mood for more than half the days: a positive PHQ-2 screen, a caution and not a stop.
        (ZOE, IntakeAnswers::steady(ZOE, Role::Hurt, "affair").with("phq2_interest", &["2"]).with("phq2_down", &["2"])),
    ];
    for (partner, answers) in &answers {
        let link = server.local(link_for(links, partner));
        let form = browser.open(&link);
        assert_eq!(form.status, 200, "{partner}'s link opens the form");
        let first_name = partner.split(' ').next().unwrap_or(partner);
        assert!(form.body.contains(&format!("Hello, {first_name}.")), "the form greets {first_name}");

        browser.send(&link, &form, answers).assert_sent(partner);

        // Sending closes the link: opening it again shows the plain page, not the form.
        let again = browser.open(&link);
        assert_eq!(again.status, 404, "{partner}'s used link no longer opens");
        assert!(!again.body.contains("_csrf"), "a used link shows no form");
    }
    server.stop();

    // The therapist reads both intakes side by side, with Zoë's caution.
    let intake = practice.ok(&["intake", &id]);
    for expected in [JOSE, ZOE, "phq2-positive"] {
        assert!(intake.contains(expected), "`mend intake` shows {expected:?}:\n{intake}");
    }
    let intake = practice.json(&["intake", &id, "--format", "json"]);
    let flags = intake["flags"].as_array().expect("intake JSON has flags");
    let phq2 = flags.iter().find(|f| f["id"] == "phq2-positive").expect("the phq2-positive flag is raised");
    assert_eq!(phq2["severity"], "caution");
    assert_eq!(phq2["partner"], ZOE, "the flag is Zoë's");
    assert!(!flags.iter().any(|f| f["severity"] == "stop"), "nobody raised a stop flag: {flags:?}");

    // Each partner is first seen alone for a private safety check-in, recorded as held.
    for partner in [JOSE, ZOE] {
        let alone = practice.json(&["plan", &id, "--format", "json"]);
        assert_eq!((&alone["session_kind"], &alone["with"]), (&"individual".into(), &partner.into()), "{alone}");
        let stage = alone["stage"]["id"].as_str().expect("a stage");
        practice.ok(&["session", "record", &id, "--stage", stage, "--with", partner]);
    }

    // The therapist plans the first joint session and saves it.
    let plan = practice.json(&["plan", &id, "--save", "--format", "json"]);
    assert_eq!(plan["session_kind"], "joint");
    assert_eq!(plan["session_number"], 3);
    let homework = plan["homework"].as_array().expect("the plan lists homework");
    assert!(!homework.is_empty(), "the first session gives homework: {plan}");

    // The therapist prints the homework packet; every sheet carries the couple's names.
    let sheets = practice.path("sheets");
    practice.ok(&["homework", "packet", &id, "-o", sheets.to_str().expect("a UTF-8 temporary path")]);
    let pdfs = pdfs_in(&sheets);
    assert!(pdfs.len() >= 2, "at least one sheet and all-sheets.pdf: {pdfs:?}");
    let texts: Vec<(String, String)> = pdfs.iter().map(|path| (file_name(path), text_of(path))).collect();
    for name in [JOSE, ZOE] {
        assert!(texts.iter().any(|(_, text)| text.contains(name)), "{name} is printed on a sheet, accents intact");
    }
    let (_, all) = texts.iter().find(|(file, _)| file == "all-sheets.pdf").expect("the packet has all-sheets.pdf");
    assert!(all.contains(JOSE) && all.contains(ZOE), "all-sheets.pdf names both partners:\n{all}");
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
