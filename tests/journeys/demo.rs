//! Journey 3: `mend demo` walks the whole journey with invented people, shows each command it
//! runs, and leaves the PDFs it says it wrote.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::mend::Practice;
use crate::pdf::text_of;

/// The demo starts a server and renders PDFs; on a busy two-core machine that can take a while.
const DEMO_LIMIT: Duration = Duration::from_secs(120);

/// The steps a therapist takes, in the order the demo shows them.
const STEPS: [&str; 5] =
    ["$ mend couple add", "$ mend invite", "$ mend intake", "$ mend plan", "$ mend homework packet"];

#[test]
fn demo_runs_every_step_and_writes_the_pdfs_it_names() {
    let practice = Practice::new();
    let demo_dir = practice.path("demo");
    let run = practice.run_within(&["demo", "--dir", demo_dir.to_str().expect("a UTF-8 temporary path")], DEMO_LIMIT);
    run.assert_success();
    run.assert_nothing_left_running();

    let mut from = 0;
    for step in STEPS {
        let Some(at) = run.stdout[from..].find(step) else {
            panic!("the demo does not show {step:?} after the steps before it:\n{}", run.stdout)
        };
        from += at + step.len();
    }

    let pdfs = pdfs_named_in(&run.stdout);
    assert!(!pdfs.is_empty(), "the demo names the PDFs it wrote:\n{}", run.stdout);
    for named in &pdfs {
        let path = resolve(named, &practice.path(""), &demo_dir);
        assert!(path.is_file(), "the demo says it wrote {named}, but there is no such file");
        assert!(!text_of(&path).trim().is_empty(), "{named} has text on its pages");
    }
}

/// Every word of `output` that ends in `.pdf`, without the quotes, brackets or punctuation
/// around it.
fn pdfs_named_in(output: &str) -> Vec<String> {
    let mut pdfs: Vec<String> = output
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| matches!(c, '(' | ')' | '`' | '"' | '\'' | ',' | ';' | ':')))
        .map(|word| word.trim_end_matches('.'))
        .filter(|word| word.len() > ".pdf".len() && word.ends_with(".pdf"))
        .map(str::to_owned)
        .collect();
    pdfs.dedup();
    pdfs
}

/// A path the demo printed: absolute, or relative to where it ran or to its folder.
fn resolve(named: &str, working_dir: &Path, demo_dir: &Path) -> PathBuf {
    let path = Path::new(named);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let from_working_dir = working_dir.join(path);
    if from_working_dir.is_file() { from_working_dir } else { demo_dir.join(path) }
}

/// What the demo's couple said and what was written about them: none of it may be readable in
/// any file the practice keeps or makes.
const DEMO_SECRETS: [&str; 6] = [
    "Okafor",
    "Núñez",
    "Daniel",
    "To understand what happened",
    "gave his account without excuses",
    "asked for a pause",
];

#[test]
fn after_the_demo_and_a_deletion_no_name_answer_or_note_is_readable_in_any_file() {
    let practice = Practice::new();
    let demo_dir = practice.path("demo");
    let run = practice.run_within(&["demo", "--dir", demo_dir.to_str().expect("a UTF-8 temporary path")], DEMO_LIMIT);
    run.assert_success();
    let passphrase = run
        .stdout
        .split("demo passphrase \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the demo prints its passphrase:\n{}", run.stdout))
        .to_owned();
    let db = demo_dir.join("demo.db");
    // The therapist's own commands on the demo's record, with its configuration and passphrase.
    let mend = |args: &[&str]| {
        let output = practice
            .command(args)
            .env("MEND_DB", &db)
            .env("MEND_CONFIG", demo_dir.join("config.toml"))
            .env("MEND_PASSPHRASE", &passphrase)
            .output()
            .expect("run mend");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "mend {args:?} failed: {stderr}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    assert!(mend(&["couple", "list"]).contains("Daniel Okafor"), "the record opens with the printed passphrase");

    let backup = demo_dir.join("backup.db");
    mend(&["backup", backup.to_str().expect("UTF-8")]);
    let export = demo_dir.join("export.age");
    mend(&["export", "-o", export.to_str().expect("UTF-8")]);
    let check = |what: &str, bytes: &[u8]| {
        assert!(!bytes.is_empty(), "{what} is empty");
        for secret in DEMO_SECRETS {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{secret:?} is readable in {what}");
        }
    };
    let files = |db: &Path| {
        ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| fs::read(format!("{}{suffix}", db.display())).ok())
            .flatten()
            .collect::<Vec<u8>>()
    };
    check("the database and its WAL", &files(&db));
    check("the backup", &fs::read(&backup).expect("the backup"));
    check("the encrypted export", &fs::read(&export).expect("the export"));

    mend(&["couple", "delete", "okafor", "--yes"]);
    assert!(!mend(&["couple", "list"]).contains("Okafor"));
    check("the database and its WAL after the deletion", &files(&db));
    let after = demo_dir.join("after.db");
    mend(&["backup", after.to_str().expect("UTF-8")]);
    check("a backup after the deletion", &fs::read(&after).expect("the backup"));
}
