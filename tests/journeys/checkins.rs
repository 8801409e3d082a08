//! Journey 4: between sessions, both partners send a check-in each week over several weeks; the
//! scores, their changes and the flags come out as mend-core's tests say, a safety answer holds
//! the next joint plan, and a reliable deterioration raises its caution flag.
//!
//! Weeks are simulated: after each week's check-ins are sent, every stored check-in is moved a
//! week into the past, in the database itself, as if the days had gone by.

use crate::answers::IntakeAnswers;
use crate::browser::Browser;
use crate::mend::{Practice, link_for};
use crate::pdf::text_of;
use crate::server::IntakeServer;

const HANA: &str = "Hana Øyelaran";
const JONAS: &str = "Jonas Vilkė";

/// Moves every stored check-in (its time sent and its scores' day) a week into the past.
fn a_week_passes(practice: &Practice) {
    let key = mend_store::KeyFile::read(&practice.path("mend.key"))
        .and_then(|file| file.unlock(None))
        .expect("the practice's key, readable by its owner");
    let db = rusqlite::Connection::open(practice.path("mend.db")).expect("open the practice's database");
    db.pragma_update(None, "key", key.pragma_value().as_str()).expect("give SQLCipher the key");
    db.execute_batch(
        "UPDATE intake_responses SET submitted_at = strftime('%Y-%m-%dT%H:%M:%SZ', submitted_at, '-7 days')
           WHERE invitation_id IN (SELECT invitation_id FROM checkin_links);
         UPDATE checkin_scores SET day = date(day, '-7 days');",
    )
    .expect("move the check-ins a week back");
}

/// The PCL-5's section, which Hana's links ask at her first check-in and every fourth after.
const PCL5_SECTION: &str = "How finding out has stayed with you";

/// One week: a check-in link for each partner, and each sends theirs over HTTP.
fn week(practice: &Practice, server: &IntakeServer, id: &str, hana: &IntakeAnswers, jonas: &IntakeAnswers) {
    let links = practice.json(&["checkin", id, "--format", "json"]);
    let links = links.as_array().expect("`checkin --format json` prints an array, as `invite` does");
    assert_eq!(links.len(), 2);
    let browser = Browser::new();
    for (partner, answers) in [(HANA, hana), (JONAS, jonas)] {
        let url = link_for(links, partner);
        assert!(url.contains("/c/"), "a check-in link: {url}");
        let link = server.local(url);
        let page = browser.open(&link);
        assert_eq!(page.status, 200, "{partner}'s check-in opens");
        // Only Hana was hurt, and only her link the week the PCL-5 is due asks it (and is longer).
        let pcl5 = answers.has("pcl5_1");
        assert_eq!(page.body.contains(PCL5_SECTION), pcl5, "{partner}'s link asks the PCL-5: {pcl5}");
        let limit = if pcl5 { 36 } else { 23 } * 1024;
        assert!(page.body.len() < limit, "the check-in page is {} bytes", page.body.len());
        browser.send(&link, &page, answers).assert_sent(partner);
        assert_eq!(browser.open(&link).status, 404, "{partner}'s link is used up");
    }
}

#[test]
fn weekly_checkins_are_scored_charted_and_read_by_the_planner() {
    let practice = Practice::new();
    let couple = practice.json(&[
        "couple",
        "add",
        "--partner",
        HANA,
        "--partner",
        JONAS,
        "--breach",
        "lies",
        "--broke-trust",
        JONAS,
        "--format",
        "json",
    ]);
    let id = couple["id"].as_str().expect("the new couple's id").to_owned();
    let server = IntakeServer::start(&practice);
    let invites = practice.json(&["invite", &id, "--format", "json"]);
    let invites = invites.as_array().expect("an array of links");
    let browser = Browser::new();
    browser.both_send_intakes(&server, invites, HANA, JONAS);
    // A first session, with homework the check-ins then ask about.
    let plan = practice.json(&["plan", &id, "--format", "json"]);
    let stage = plan["stage"]["id"].as_str().expect("the plan's stage").to_owned();
    let sheet = plan["homework"][0].as_str().expect("the plan gives homework").to_owned();
    practice.ok(&["session", "record", &id, "--stage", &stage, "--homework", &sheet]);

    // Weeks 1 and 2: Hana's mood and worry are up but steady (PHQ-9 16, GAD-7 14); Jonas is calm.
    // Her first link also asks the PCL-5, the trauma-symptom measure for the partner who was hurt.
    let mut first = IntakeAnswers::checkin(2, 2, 2);
    for item in 1..=20 {
        first = first.with(&format!("pcl5_{item}"), &[if item <= 8 { "3" } else { "1" }]);
    }
    week(&practice, &server, &id, &first, &IntakeAnswers::checkin(3, 0, 0));
    a_week_passes(&practice);
    week(&practice, &server, &id, &IntakeAnswers::checkin(2, 2, 2), &IntakeAnswers::checkin(3, 1, 0));
    let plan = practice.json(&["plan", &id, "--format", "json"]);
    assert_eq!(plan["session_kind"], "joint", "nothing holds joint work yet: {}", plan["notice"]);
    a_week_passes(&practice);

    // Week 3: Hana says, alone, that she has been afraid of Jonas. The next plan holds joint work.
    let afraid = IntakeAnswers::checkin(2, 2, 2).with("afraid_of_partner", &["yes"]);
    week(&practice, &server, &id, &afraid, &IntakeAnswers::checkin(3, 0, 0));
    let plan = practice.json(&["plan", &id, "--format", "json"]);
    assert_eq!(plan["session_kind"], "individual", "a safety answer in a check-in holds joint work: {plan}");
    let resolve = serde_json::json!({ "kind": "resolve_flag", "flag": "fear-of-partner" });
    assert!(plan["next_steps"].as_array().is_some_and(|s| s.contains(&resolve)), "{}", plan["next_steps"]);
    let hana_latest = plan["checkins"].as_array().and_then(|c| c.iter().find(|c| c["partner"] == HANA)).cloned();
    let hana_latest = hana_latest.unwrap_or_else(|| panic!("the plan shows Hana's latest check-in: {plan}"));
    assert_eq!(hana_latest["flags"], serde_json::json!(["fear-of-partner"]));
    assert_eq!(hana_latest["homework"][0], serde_json::json!({ "sheet": sheet, "status": "done" }));
    let text = practice.ok(&["plan", &id]);
    assert!(text.contains("LATEST CHECK-INS"), "the text plan shows the check-ins:\n{text}");
    practice.ok(&["flag", "resolve", &id, "fear-of-partner", "--note", "seen alone; safety plan in place"]);
    let plan = practice.json(&["plan", &id, "--format", "json"]);
    assert_eq!(plan["session_kind"], "joint", "resolved after the check-in, joint work goes ahead: {}", plan["notice"]);
    a_week_passes(&practice);

    // Week 4: Hana's PHQ-9 rises from 16 to 24, past the reliable-change threshold of 6.
    week(&practice, &server, &id, &IntakeAnswers::checkin(2, 3, 2), &IntakeAnswers::checkin(3, 0, 0));
    server.stop();
    let plan = practice.json(&["plan", &id, "--format", "json"]);
    let flags = plan["flags"].as_array().expect("the plan's flags");
    let worse = flags.iter().find(|f| f["id"] == "checkin-deterioration");
    let worse = worse.unwrap_or_else(|| panic!("a reliable deterioration raises its flag: {flags:?}"));
    assert_eq!((worse["severity"].as_str(), worse["partner"].as_str()), (Some("caution"), Some(HANA)));
    let review = serde_json::json!({ "kind": "plan_review", "stage": "is-repair-still-healthy" });
    assert!(plan["next_steps"].as_array().is_some_and(|s| s.contains(&review)), "{}", plan["next_steps"]);

    // The charts: every point, both partners, with the changes mend-core gives.
    let progress = practice.json(&["progress", &id, "--format", "json"]);
    let series = |instrument: &str, partner: &str| -> Vec<(i64, serde_json::Value)> {
        let measures = progress["measures"].as_array().expect("measures");
        let measure = measures.iter().find(|m| m["instrument"] == instrument && m["partner"] == partner);
        let measure = measure.unwrap_or_else(|| panic!("no {instrument} series for {partner}: {progress}"));
        measure["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["score"].as_i64().unwrap(), p["change"].clone()))
            .collect()
    };
    let n = serde_json::Value::Null;
    let same = serde_json::json!("no_reliable_change");
    assert_eq!(
        series("phq9", HANA),
        [(16, n.clone()), (16, same.clone()), (16, same.clone()), (24, serde_json::json!("deteriorated"))]
    );
    assert_eq!(series("trust", JONAS), [(15, n.clone()), (15, n.clone()), (15, n.clone()), (15, n.clone())]);
    assert_eq!(series("pcl5", HANA), [(36, n.clone())], "asked once in four weeks, of Hana alone");
    assert!(progress["measures"].as_array().unwrap().iter().all(|m| m["instrument"] != "pcl5" || m["partner"] == HANA));
    assert_eq!(series("phq2", JONAS).iter().map(|(s, _)| *s).collect::<Vec<_>>(), [0, 2, 0, 0]);
    let text = practice.ok(&["progress", &id]);
    for expected in [HANA, JONAS, "PHQ-9 (depression severity)", "Trust beliefs", "24!"] {
        assert!(text.contains(expected), "the chart shows {expected:?}:\n{text}");
    }

    // The one-page report: each measure's name and both names come out as text.
    let report = practice.path("progress.pdf");
    practice.ok(&["progress", &id, "--pdf", "-o", report.to_str().unwrap()]);
    let words = text_of(&report);
    for expected in [
        HANA,
        JONAS,
        "PHQ-2 (low mood)",
        "GAD-2 (anxiety)",
        "PHQ-9 (depression severity)",
        "GAD-7 (anxiety severity)",
        "PCL-5 (trauma symptoms)",
        "Trust beliefs",
    ] {
        assert!(words.contains(expected), "the report has {expected:?}:\n{words}");
    }
}
