//! Rendering tests: the invented couples' plans as text and Markdown, widths, colour, and where each command goes.

use mend_core::checkin::CheckinContent;
use mend_core::plan::{Plan, PlanOptions, plan};
use mend_core::{CoupleRecord, Program};

use super::{render_markdown, render_page, render_text};

/// Plans as `mend plan --format json` prints them for mend-core's three invented couples; the
/// planner's tests snapshot the same JSON (`crates/mend-core/tests/snapshots/plan__*_json.snap`),
/// so a change there is copied here to show how it reads.
const FIXTURES: [(&str, &str); 3] = [
    ("affair_low_mood", include_str!("testdata/affair_low_mood.json")),
    ("mutual_promises", include_str!("testdata/mutual_promises.json")),
    ("lies_fear", include_str!("testdata/lies_fear.json")),
];

/// One of the fixture plans, by name.
pub(super) fn fixture(name: &str) -> Plan {
    let (_, json) = FIXTURES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no fixture {name}"));
    serde_json::from_str(json).unwrap_or_else(|e| panic!("the fixture {name} is not a plan: {e}"))
}

fn embedded() -> Program {
    Program::embedded().unwrap_or_else(|errors| panic!("the embedded program does not load:\n{errors}"))
}

/// A couple from the JSON the store's record reads as; only names, roles and intakes are given,
/// so the plan is for their first session.
fn record(json: &str) -> CoupleRecord {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("not a couple record: {e}\n{json}"))
}

/// Neither partner has answered the intake: the plan invites both.
const NOT_ANSWERED: &str = r#"{
    "id": "k3f9",
    "breach": "affair",
    "partners": [
        { "name": "José Núñez", "roles": "broke_trust" },
        { "name": "Zoë Whitfield", "roles": "hurt" }
    ]
}"#;

/// Zoë is afraid of José and he has not answered: the plan is for individual sessions.
const AFRAID: &str = r#"{
    "id": "k3f9",
    "breach": "lies",
    "partners": [
        { "name": "José Núñez", "roles": "broke_trust" },
        { "name": "Zoë Whitfield", "roles": "hurt", "intake": { "afraid_of_partner": "yes" } }
    ]
}"#;

fn plan_for(json: &str, minutes: u32, stage: Option<&str>) -> Plan {
    let options = PlanOptions { minutes, stage_override: stage.map(str::to_owned), today: "2025-03-14".to_owned() };
    plan(&embedded(), &record(json), &options).unwrap_or_else(|e| panic!("planning failed: {e}"))
}

#[test]
fn snapshot_each_invented_couple_as_text_and_markdown() {
    for (name, _) in FIXTURES {
        let plan = fixture(name);
        insta::assert_snapshot!(format!("{name}_text"), render_page(&plan, false));
        insta::assert_snapshot!(format!("{name}_text_detail"), render_text(&plan, false));
        insta::assert_snapshot!(format!("{name}_markdown"), render_markdown(&plan));
    }
}

#[test]
fn partner_names_head_their_notes_in_text_and_markdown() {
    let plan = fixture("affair_low_mood");
    let text = render_text(&plan, false);
    let markdown = render_markdown(&plan);
    for name in ["Łukasz Nowak", "Ana Lima"] {
        assert!(text.contains(&format!("\n{name} (")), "{name} missing from the text partners");
        assert!(markdown.contains(&format!("### {name} (")), "{name} missing from the markdown partners");
    }
    assert!(text.contains("Ana Lima (was hurt)\n  - [intake] Caution flag phq2-positive"), "{text}");
}

#[test]
fn text_fits_80_columns_and_colours_only_when_asked() {
    for (name, _) in FIXTURES {
        let plan = fixture(name);
        let plain = render_text(&plan, false);
        for line in plain.lines() {
            assert!(line.chars().count() <= 80, "{name}: too wide: {line:?}");
        }
        assert!(!plain.contains('\x1b'), "{name}: no colour unless asked");
        let coloured = render_text(&plan, true);
        assert!(coloured.contains("\x1b[1mAGENDA\n\x1b[0m"), "{name}: headings are bold");
        if plan.notice.is_some() {
            assert!(coloured.contains("\x1b[1;31m!! Joint sessions wait"), "{name}: the stop notice is red and bold");
        }
    }
}

/// About what fits on one printed page at 80 columns.
const PAGE_LINES: usize = 60;

#[test]
fn the_default_text_plan_fits_one_page_at_50_minutes() {
    let program = embedded();
    for stage in program.stages.iter() {
        for couple in [NOT_ANSWERED, AFRAID] {
            let page = render_page(&plan_for(couple, 50, Some(&stage.id)), false);
            let lines = page.lines().count();
            assert!(lines <= PAGE_LINES, "{} takes {lines} lines:\n{page}", stage.id);
        }
    }
    for (name, _) in FIXTURES {
        let page = render_page(&fixture(name), false);
        assert!(page.lines().count() <= PAGE_LINES, "{name} takes {} lines:\n{page}", page.lines().count());
        assert!(!page.contains("Steps:") && !page.contains("Prompts:"), "{name}: steps wait for --detail");
    }
}

#[test]
fn every_stage_of_the_shipped_program_renders_within_80_columns() {
    let program = embedded();
    for stage in program.all_stages() {
        for minutes in 30..=120 {
            for couple in [NOT_ANSWERED, AFRAID] {
                let plan = plan_for(couple, minutes, Some(&stage.id));
                for line in render_text(&plan, false).lines().chain(render_page(&plan, false).lines()) {
                    assert!(line.chars().count() <= 80, "{} at {minutes} minutes: too wide: {line:?}", stage.id);
                }
            }
        }
    }
}

#[test]
fn partners_without_answers_are_invited_where_the_plan_says_so() {
    let plan = plan_for(NOT_ANSWERED, 50, None);
    let text = render_text(&plan, false);
    let markdown = render_markdown(&plan);
    let why = "No intake answers yet, so the plan starts at the first stage. Invite both partners with `mend invite \
               k3f9` so the starting stage can follow their answers.";
    assert!(markdown.contains(&format!("**Why this stage:** {why}\n")), "{markdown}");
    for (name, quoted) in [("José Núñez", "'José Núñez'"), ("Zoë Whitfield", "'Zoë Whitfield'")] {
        let note =
            format!("No intake answers from {name} yet. Invite them with `mend invite k3f9 --partner {quoted}`.");
        assert!(markdown.contains(&format!("- *intake:* {note}\n")), "{markdown}");
    }
    assert!(text.contains("Print: mend homework packet k3f9 --sheets"), "{text}");
}

#[test]
fn a_held_plan_gives_the_command_that_resolves_its_flag_after_the_notice() {
    let plan = plan_for(AFRAID, 60, None);
    let markdown = render_markdown(&plan);
    let notice = markdown.lines().find(|l| l.starts_with("> **Stop:** ")).expect("a stop notice");
    assert!(
        notice.ends_with(
            "See each partner alone to assess safety. This session is with Zoë Whitfield; José Núñez is seen alone \
             in turn. Once it is held, record it with `mend session record k3f9 --stage safety-and-stabilising \
             --with 'Zoë Whitfield'`. When joint work is safe, resolve each flag with `mend flag resolve k3f9 \
             fear-of-partner --note TEXT` and plan again."
        ),
        "{notice}"
    );
}

/// Ines and Tomás after four weekly check-ins and one session: Ines's PHQ-9 worsens reliably in
/// the last week, Tomás has one week without a check-in.
const CHECKED_IN: &str = r#"{
    "id": "c4eck1",
    "breach": "lies",
    "partners": [
        { "name": "Ines Carvalho", "roles": "hurt", "checkins": [
            { "sent_at": "2025-03-01T10:00:00Z", "day": "2025-03-01", "version": 1, "answers": {},
              "scores": { "phq2": 4, "gad2": 2, "phq9": 14, "trust": 8 } },
            { "sent_at": "2025-03-08T10:00:00Z", "day": "2025-03-08", "version": 1, "answers": {},
              "scores": { "phq2": 3, "gad2": 2, "phq9": 12, "trust": 9 } },
            { "sent_at": "2025-03-15T10:00:00Z", "day": "2025-03-15", "version": 1, "answers": {},
              "scores": { "phq2": 2, "gad2": 1, "trust": 11 } },
            { "sent_at": "2025-03-22T10:00:00Z", "day": "2025-03-22", "version": 1,
              "answers": { "afraid_of_partner": "yes", "homework_1": "partly", "before_session": "A hard week." },
              "homework": ["trigger-log"],
              "scores": { "phq2": 6, "gad2": 3, "phq9": 21, "trust": 6 } }
        ] },
        { "name": "Tomás Reyes", "roles": "broke_trust", "checkins": [
            { "sent_at": "2025-03-01T11:00:00Z", "day": "2025-03-01", "version": 1, "answers": {},
              "scores": { "phq2": 1, "gad2": 2, "trust": 15 } },
            { "sent_at": "2025-03-15T11:00:00Z", "day": "2025-03-15", "version": 1, "answers": {},
              "scores": { "phq2": 1, "gad2": 1, "trust": 16 } },
            { "sent_at": "2025-03-22T11:00:00Z", "day": "2025-03-22", "version": 1, "answers": {},
              "scores": { "phq2": 0, "gad2": 1, "trust": 16 } }
        ] }
    ],
    "sessions": [
        { "number": 1, "held_on": "2025-03-10", "stage": "disclosure-and-accountability", "homework": ["trigger-log"] }
    ]
}"#;

#[test]
fn snapshot_progress_chart_of_two_partners_with_a_gap_and_a_deterioration() {
    let progress = mend_core::progress::progress(CheckinContent::of(&embedded()).as_ref(), &record(CHECKED_IN));
    insta::assert_snapshot!("progress_text", super::render_progress(&progress, false));
}

#[test]
fn the_plan_page_shows_each_partners_latest_checkin() {
    let page = render_page(&plan_for(CHECKED_IN, 50, None), false);
    let section = page.split("LATEST CHECK-INS").nth(1).unwrap_or_else(|| panic!("no check-in section:\n{page}"));
    // Read as one line, whatever the wrapping.
    let section = section.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(section.contains("Ines Carvalho, 2025-03-22: PHQ-2 (low mood) 6"), "{section}");
    assert!(section.contains("PHQ-9 (depression severity) 21 (deteriorated)"), "{section}");
    assert!(section.contains("homework: trigger-log partly"), "{section}");
    assert!(section.contains("flags: fear-of-partner, checkin-deterioration"), "{section}");
    assert!(section.contains("Tomás Reyes, 2025-03-22"), "{section}");
    assert!(section.contains("“A hard week.”"), "{section}");
}
