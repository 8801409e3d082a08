//! End-to-end tests of `mend content list | show | check`, run on the real binary against the
//! embedded program and against a copy of `content/` with one mistake made in it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The stage whose homework the broken copy gets wrong.
const STAGE: &str = "safety-and-stabilising";

/// A temporary folder that holds mend's database, configuration and home for one test, so
/// nothing reads or writes the therapist's own files.
struct Sandbox {
    dir: tempfile::TempDir,
}

/// What one run of `mend` printed and how it ended.
#[derive(Debug)]
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

impl Sandbox {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("create a temporary folder") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `mend` with `args`, stdin closed, every path it may use inside the sandbox.
    fn mend(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_mend"))
            .args(args)
            .current_dir(self.dir.path())
            .env("MEND_DB", self.path("mend.db"))
            .env("MEND_CONFIG", self.path("config.toml"))
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_DATA_HOME", self.path("home/.local/share"))
            // A folder set in the caller's environment would replace the embedded program.
            .env_remove("MEND_CONTENT")
            .stdin(Stdio::null())
            .output()
            .expect("run the mend binary");
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
        }
    }

    /// A copy of the shipped `content/` folder inside the sandbox.
    fn content_copy(&self) -> PathBuf {
        let copy = self.path("my-program");
        copy_tree(&shipped(), &copy);
        copy
    }
}

/// Copies every file under `from` to the same place under `to`.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the copy's folder");
    for entry in fs::read_dir(from).expect("read the content folder") {
        let path = entry.expect("a directory entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            fs::copy(&path, &target).expect("copy a content file");
        }
    }
}

/// The shipped content folder.
pub(crate) fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content")
}

/// How many files the shipped content has in `folder`, so counts follow the content as it grows.
fn shipped_files(folder: &str) -> usize {
    fs::read_dir(shipped().join(folder)).expect("read a content folder").count()
}

/// Replaces `find` with `replace` in one file of a content folder, insisting that it is there.
fn edit(dir: &Path, file: &str, find: &str, replace: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).expect("read the file to edit");
    assert!(text.contains(find), "{file} does not contain {find:?}");
    fs::write(&path, text.replacen(find, replace, 1)).expect("write the edited file");
}

/// A copy of the content in which one stage's homework names a sheet that does not exist.
fn broken_copy(sandbox: &Sandbox) -> PathBuf {
    let dir = sandbox.content_copy();
    edit(&dir, &format!("stages/{STAGE}.toml"), "\"grounding-steps\"]", "\"no-such-sheet\"]");
    dir
}

/// Asserts that a run failed with exit code 1 and printed nothing on standard output.
fn assert_failed(run: &Run) {
    assert_eq!(run.code, Some(1), "expected exit code 1: {run:#?}");
    assert!(run.stdout.is_empty(), "a failed run should print its message on stderr only: {run:#?}");
}

#[test]
fn check_of_the_embedded_program_says_it_is_valid() {
    let run = Sandbox::new().mend(&["content", "check"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let expected = format!("the embedded program is valid: {} stages", shipped_files("stages"));
    assert!(run.stdout.starts_with(&expected), "expected {expected:?}: {run:#?}");
}

#[test]
fn check_of_an_unchanged_copy_says_it_is_valid() {
    let sandbox = Sandbox::new();
    let dir = sandbox.content_copy();
    let run = sandbox.mend(&["content", "check", dir.to_str().expect("a UTF-8 path")]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.contains("my-program is valid"), "{run:#?}");
}

#[test]
fn check_of_a_broken_copy_names_the_file_the_stage_and_the_fix() {
    let sandbox = Sandbox::new();
    let dir = broken_copy(&sandbox);
    let run = sandbox.mend(&["content", "check", dir.to_str().expect("a UTF-8 path")]);
    assert_failed(&run);
    let expected = format!(
        "  stages/{STAGE}.toml [{STAGE}]: homework names sheet \"no-such-sheet\" but there is no \
         homework/no-such-sheet.toml: fix the id or add the sheet\n"
    );
    assert!(run.stderr.contains(&expected), "expected {expected:?} in:\n{}", run.stderr);
    assert!(run.stderr.contains("1 problem(s), each with its file and id"), "{}", run.stderr);
}

#[test]
fn check_of_a_copy_with_several_mistakes_lists_them_all() {
    let sandbox = Sandbox::new();
    let dir = broken_copy(&sandbox);
    edit(&dir, "homework/trigger-log.toml", "rows = 8", "rows = 0");
    edit(&dir, "intake/intake.toml", "id = \"pronouns\"", "id = \"name\"");
    let run = sandbox.mend(&["content", "check", dir.to_str().expect("a UTF-8 path")]);
    assert_failed(&run);
    for expected in [
        format!("stages/{STAGE}.toml [{STAGE}]: homework names sheet \"no-such-sheet\""),
        "homework/trigger-log.toml [trigger-log]: block 3 (table) cannot print".to_owned(),
        "intake/intake.toml [name]: question id used twice: rename one".to_owned(),
    ] {
        assert!(run.stderr.contains(&expected), "expected {expected:?} in:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("3 problem(s)"), "{}", run.stderr);
}

#[test]
fn check_of_a_copy_without_the_licence_ledger_refuses_each_score_by_file_and_id() {
    let sandbox = Sandbox::new();
    let dir = sandbox.content_copy();
    fs::remove_file(dir.join("instruments.toml")).expect("remove the licence ledger");
    let run = sandbox.mend(&["content", "check", dir.to_str().expect("a UTF-8 path")]);
    assert_failed(&run);
    let published = [
        "intake/intake.toml [phq2]",
        "intake/intake.toml [gad2]",
        "checkin/checkin.toml [phq2]",
        "checkin/checkin.toml [gad2]",
    ]
    .into_iter()
    .chain(["checkin/checkin.toml [phq9]", "checkin/checkin.toml [gad7]", "checkin/checkin.toml [pcl5]"]);
    for place in published {
        let expected = format!("  {place}: scores an instrument with no licence entry");
        assert!(run.stderr.contains(&expected), "expected {expected:?} in:\n{}", run.stderr);
    }
    // The check-in's trust score is mend's own items, which need no licence.
    assert!(run.stderr.contains("7 problem(s)"), "{}", run.stderr);
}

#[test]
fn check_of_a_missing_folder_says_what_to_give() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path("no-such-folder");
    let run = sandbox.mend(&["content", "check", missing.to_str().expect("a UTF-8 path")]);
    assert_failed(&run);
    assert!(run.stderr.contains("is not a folder: give the folder that holds program.toml"), "{}", run.stderr);
}

#[test]
fn list_with_a_broken_content_folder_fails_with_every_problem() {
    let sandbox = Sandbox::new();
    let dir = broken_copy(&sandbox);
    let run = sandbox.mend(&["--content", dir.to_str().expect("a UTF-8 path"), "content", "list"]);
    assert_failed(&run);
    assert!(run.stderr.starts_with("mend: "), "{}", run.stderr);
    assert!(run.stderr.contains("the content has 1 problem(s)"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("stages/{STAGE}.toml [{STAGE}]: homework names sheet \"no-such-sheet\"")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("fix the id or add the sheet"), "{}", run.stderr);
}

#[test]
fn show_of_a_sheet_prints_its_title_and_blocks() {
    let run = Sandbox::new().mend(&["content", "show", "trigger-log"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.starts_with("Trigger log (trigger-log), for each partner\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\nInstructions\n"), "{}", run.stdout);
    assert!(run.stdout.contains("| Date / time | What happened |"), "{}", run.stdout);
}

#[test]
fn show_of_an_exercise_prints_its_title_stage_and_steps() {
    let run = Sandbox::new().mend(&["content", "show", "separate-safety-check"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stdout.starts_with(&format!("Exercise separate-safety-check (stage {STAGE}: Safety and stabilising)\n")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Separate safety check-ins [separate-safety-check], 25 minutes"), "{}", run.stdout);
    assert!(run.stdout.contains("  Steps:\n   1. "), "{}", run.stdout);
}

#[test]
fn show_of_a_stage_prints_its_title_and_place() {
    let run = Sandbox::new().mend(&["content", "show", STAGE]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.starts_with(&format!("Safety and stabilising ({STAGE}, stage 1 of ")), "{}", run.stdout);
}

#[test]
fn show_of_an_unknown_id_points_to_content_list() {
    let run = Sandbox::new().mend(&["content", "show", "nope"]);
    assert_failed(&run);
    assert_eq!(
        run.stderr, "mend: no stage, exercise or sheet has the id \"nope\": see `mend content list`\n",
        "{run:#?}"
    );
}

#[test]
fn list_as_json_has_stages_exercises_and_sheets() {
    let run = Sandbox::new().mend(&["content", "list", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("content list prints a JSON array");
    let field = |row: &serde_json::Value, name: &str| row[name].as_str().map(str::to_owned);
    let of_kind = |kind: &str| rows.iter().filter(|row| row["kind"] == kind).count();
    assert_eq!(of_kind("stage"), shipped_files("stages"), "{}", run.stdout);
    assert_eq!(of_kind("sheet"), shipped_files("homework"), "{}", run.stdout);
    assert!(of_kind("exercise") >= 2 * of_kind("stage"), "each stage has at least two exercises");
    assert_eq!(of_kind("stage") + of_kind("exercise") + of_kind("sheet"), rows.len(), "only three kinds");
    let exercise = rows.iter().find(|row| row["id"] == "separate-safety-check").expect("a known exercise is listed");
    assert_eq!(field(exercise, "kind").as_deref(), Some("exercise"));
    assert_eq!(field(exercise, "title").as_deref(), Some("Separate safety check-ins"));
    assert_eq!(field(exercise, "stage").as_deref(), Some(STAGE));
    let sheet = rows.iter().find(|row| row["id"] == "trigger-log").expect("a known sheet is listed");
    assert_eq!(field(sheet, "kind").as_deref(), Some("sheet"));
    assert_eq!(sheet["stage"], serde_json::Value::Null);
}

#[test]
fn every_shipped_sheet_prints_on_two_pages_at_most_on_letter_and_a4() {
    let sandbox = Sandbox::new();
    for paper in ["letter", "a4"] {
        fs::write(sandbox.path("config.toml"), format!("paper = {paper:?}\n")).expect("write the configuration");
        for entry in fs::read_dir(shipped().join("homework")).expect("read the homework folder") {
            let path = entry.expect("a directory entry").path();
            let sheet = path.file_stem().expect("a file name").to_string_lossy().into_owned();
            let pdf = sandbox.path(&format!("{sheet}-{paper}.pdf"));
            let run = sandbox.mend(&["homework", "print", &sheet, "-o", pdf.to_str().expect("a UTF-8 path")]);
            assert_eq!(run.code, Some(0), "{run:#?}");
            let pages = ["(1 page(s)", "(2 page(s)"];
            assert!(
                pages.iter().any(|p| run.stdout.contains(p) || run.stderr.contains(p)),
                "{sheet} on {paper} should print on one or two pages: {run:#?}"
            );
        }
    }
}
