//! `mend plan --pdf -o FILE`: the therapist's session sheet, written by the real binary and read back with pdftotext.

use std::process::Command;

use crate::support::Sandbox;

/// The text of a PDF as poppler's pdftotext reads it, with every run of white space made one
/// space so that a line the layout wrapped still reads as one.
fn pdf_text(path: &std::path::Path) -> String {
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("run pdftotext (poppler-utils), which the PDF tests need");
    assert!(output.status.success(), "pdftotext could not read {}: {output:?}", path.display());
    let text = String::from_utf8(output.stdout).expect("pdftotext writes UTF-8");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A couple with invented names whose private safety check-ins are recorded, so the next plan is joint.
fn couple_ready_for_joint_work() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.ok(&[
        "couple",
        "add",
        "--partner",
        "Iñés Varga",
        "--partner",
        "Tomasz Ødegård",
        "--broke-trust",
        "Tomasz",
        "--breach",
        "lies",
    ]);
    for partner in ["Iñés", "Tomasz"] {
        sandbox.ok(&["session", "record", "ines", "--stage", "safety-and-stabilising", "--with", partner]);
    }
    sandbox
}

/// The plan `mend plan` would print, as its JSON.
fn plan_json(sandbox: &Sandbox) -> serde_json::Value {
    serde_json::from_str(&sandbox.ok(&["plan", "ines", "--format", "json"])).expect("the plan is JSON")
}

#[test]
fn the_session_sheet_names_the_couple_and_every_agenda_item_with_its_time() {
    let sandbox = couple_ready_for_joint_work();
    let plan = plan_json(&sandbox);
    assert_eq!(plan["session_kind"], "joint");

    let said = sandbox.ok(&["plan", "ines", "--pdf", "-o", "plan.pdf"]);
    assert!(said.contains("plan.pdf"), "{said}");
    let text = pdf_text(&sandbox.path("plan.pdf"));

    for expected in [
        "Therapist's session plan",
        "Iñés Varga",
        "Tomasz Ødegård",
        "Session 3",
        "joint",
        "Agenda",
        "Session notes",
        "Clinical note for the therapist: confidential",
        "page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} is missing from the sheet:\n{text}");
    }
    let agenda = plan["agenda"].as_array().expect("an agenda");
    assert!(agenda.iter().any(|item| item["kind"] == "exercise"), "the joint plan has exercises: {agenda:?}");
    for item in agenda {
        let starts = item["starts_at"].as_u64().unwrap();
        let line = format!(
            "{}:{:02} · {} min · {}",
            starts / 60,
            starts % 60,
            item["minutes"].as_u64().unwrap(),
            item["title"].as_str().unwrap()
        );
        assert!(text.contains(&line), "{line:?} is missing from the sheet:\n{text}");
    }
    assert!(!text.contains("Filled in by"), "a session plan is the therapist's, not the couple's homework:\n{text}");
}

#[test]
fn an_individual_session_sheet_says_whom_it_is_with() {
    let sandbox = Sandbox::new();
    sandbox.ok(&[
        "couple",
        "add",
        "--partner",
        "Iñés Varga",
        "--partner",
        "Tomasz Ødegård",
        "--broke-trust",
        "Tomasz",
        "--breach",
        "lies",
    ]);
    sandbox.ok(&["plan", "ines", "--pdf", "-o", "alone.pdf"]);
    let text = pdf_text(&sandbox.path("alone.pdf"));
    assert!(text.contains("individual, with Iñés Varga alone"), "{text}");
    assert!(text.contains("0:00 · 50 min"), "{text}");
}

#[test]
fn a_bad_output_path_is_one_line_of_error_and_writes_nothing() {
    let sandbox = couple_ready_for_joint_work();
    let missing = sandbox.path("no-such-folder").join("plan.pdf");
    let error = sandbox.fails(&["plan", "ines", "--pdf", "-o", missing.to_str().unwrap()]);
    assert!(error.contains("cannot write") && error.contains("no-such-folder"), "{error}");
    assert!(!sandbox.path("no-such-folder").exists(), "no folder is made");

    // A folder where the file should go is refused the same way, and left as it was.
    std::fs::create_dir(sandbox.path("plans")).unwrap();
    let error = sandbox.fails(&["plan", "ines", "--pdf", "-o", "plans"]);
    assert!(error.contains("cannot write plans"), "{error}");
    assert_eq!(std::fs::read_dir(sandbox.path("plans")).unwrap().count(), 0, "nothing is written into it");
}
