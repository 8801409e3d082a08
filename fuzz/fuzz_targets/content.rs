//! A content folder with one file replaced or added, through the loader `mend content check`
//! and `--content DIR` use.
//!
//! The input's first byte picks the file: one of the real content files (replaced), or a new
//! stage, sheet or questionnaire; the rest is the file's text. Starting from the real program
//! keeps the references between files intact, so the loader's later checks are reached too.

#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use mend_core::{Answers, Program, RawAnswers};

/// The repository's `content/`, as (path under it, text).
static FILES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read content/") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("read a content file");
                let relative = path.strip_prefix(&root).expect("under content/").to_string_lossy().replace('\\', "/");
                files.push((relative, text));
            }
        }
    }
    files.sort();
    files
});

/// Where a new file goes when the first byte picks none of the real ones.
const NEW_FILES: &[&str] = &["stages/fuzzed.toml", "homework/fuzzed.toml", "intake/fuzzed.toml", "fuzzed.toml"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let mut files = FILES.clone();
    let pick = usize::from(pick) % (files.len() + NEW_FILES.len());
    match files.get_mut(pick) {
        Some(file) => file.1 = text.to_owned(),
        None => files.push((NEW_FILES[pick - files.len()].to_owned(), text.to_owned())),
    }
    match Program::from_files(files) {
        Ok(program) => {
            // A program that loads must hold together: every stage found by its id, every sheet
            // a stage gives there to print, and its questionnaire evaluated.
            for stage in program.all_stages() {
                assert!(program.find(&stage.id).is_some(), "stage {} is not found by its id", stage.id);
                for sheet in &stage.homework {
                    assert!(program.sheet(sheet).is_some(), "stage {} gives the unknown sheet {sheet}", stage.id);
                }
            }
            let _ = program.ids();
            let questionnaire = &program.questionnaire;
            let evaluation = questionnaire.evaluate(&RawAnswers::new(), time::macros::date!(2026 - 06 - 15));
            let _ = questionnaire.start_rule(&[&evaluation.answers, &Answers::new()]);
        }
        Err(errors) => {
            // Every problem names its file, so that a therapist can find it.
            assert!(!errors.0.is_empty(), "refused without a reason");
            let _ = errors.to_string();
        }
    }
});
