//! Journey 3: `mend demo` walks the whole journey with invented people, shows each command it
//! runs, and leaves the PDFs it says it wrote.

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
