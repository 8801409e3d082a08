//! Table-driven tests proving that every kind of content problem is reported with its file, its
//! id and what to do about it, starting each time from the content mend really ships.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use mend_core::{ContentError, Program, Severity};

/// In a `find` pattern, stands for the shortest run of any text that lets the rest match.
const ANY: &str = "…";

/// The shipped content folder, read from disk at test time so a test sees exactly what a
/// therapist copying `content/` would start from.
static SHIPPED: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let mut files = BTreeMap::new();
    read_tree(&root, &root, &mut files);
    assert!(files.contains_key("program.toml"), "no program.toml under {}", root.display());
    files
});

/// Collects every `.toml` file under `dir` as (path relative to `root` with `/`, text).
fn read_tree(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path: PathBuf = entry.expect("a directory entry").path();
        if path.is_dir() {
            read_tree(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            let relative = path.strip_prefix(root).expect("under the content folder");
            let relative = relative.to_string_lossy().replace('\\', "/");
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            files.insert(relative, text);
        }
    }
}

/// Replaces the first match of `find` in `text`; `find` may hold [`ANY`] to skip over text.
/// Panics when nothing matches, so a case can never pass because its edit missed.
fn apply(file: &str, text: &str, find: &str, replace: &str) -> String {
    let mut parts = find.split(ANY);
    let first = parts.next().unwrap_or_default();
    let start = text.find(first).unwrap_or_else(|| panic!("{file} does not contain {first:?}"));
    let mut end = start + first.len();
    for part in parts {
        let found = text[end..].find(part).unwrap_or_else(|| panic!("{file} has no {part:?} after {first:?}"));
        end += found + part.len();
    }
    format!("{}{replace}{}", &text[..start], &text[end..])
}

/// Loads the shipped content after some edits, each `(file, find, replace)`; a file that does
/// not exist starts out empty, so an edit with an empty `find` creates it.
fn errors_after(edits: &[(&str, &str, &str)]) -> Vec<ContentError> {
    let mut files = SHIPPED.clone();
    for (file, find, replace) in edits {
        let text = files.get(*file).cloned().unwrap_or_default();
        let edited = if find.is_empty() { format!("{replace}{text}") } else { apply(file, &text, find, replace) };
        assert_ne!(edited, text, "the edit to {file} changed nothing");
        files.insert((*file).to_owned(), edited);
    }
    match Program::from_files(files) {
        Ok(_) => panic!("the edited content loaded without any problem: {edits:?}"),
        Err(errors) => errors.0,
    }
}

/// Whether one reported problem is the expected one.
fn matches(error: &ContentError, file: &str, id: Option<&str>, fragment: &str) -> bool {
    error.file == file && error.id.as_deref() == id && error.message.contains(fragment)
}

/// Makes one edit to the shipped content and asserts that the problems reported include one in
/// `expected_file`, about `expected_id`, whose message contains `expected_fragment`.
fn check(
    file: &str,
    find: &str,
    replace: &str,
    expected_file: &str,
    expected_id: Option<&str>,
    expected_fragment: &str,
) {
    let errors = errors_after(&[(file, find, replace)]);
    assert!(
        errors.iter().any(|e| matches(e, expected_file, expected_id, expected_fragment)),
        "expected a problem in {expected_file} about {expected_id:?} saying {expected_fragment:?}, got:\n{}",
        list(&errors)
    );
}

/// The problems one per line, as `mend content check` prints them.
fn list(errors: &[ContentError]) -> String {
    errors.iter().map(|e| format!("  {e}\n")).collect()
}

#[test]
fn shipped_content_loads_clean() {
    if let Err(errors) = Program::from_files(SHIPPED.clone()) {
        panic!("the shipped content has problems:\n{errors}");
    }
}

#[test]
fn shipped_content_is_what_mend_embeds() {
    let embedded = Program::embedded().expect("the embedded content loads");
    let read = Program::from_files(SHIPPED.clone()).expect("the shipped content loads");
    assert_eq!(embedded, read, "content/ on disk and the copy embedded in mend-core differ: rebuild");
}

// The files themselves.

#[test]
fn toml_syntax_error_names_file_and_line() {
    check(
        "homework/trigger-log.toml",
        "title = \"Trigger log\"",
        "title = \"Trigger log",
        "homework/trigger-log.toml",
        Some("trigger-log"),
        "line 1: ",
    );
}

#[test]
fn toml_syntax_error_says_to_fix_the_syntax() {
    check(
        "homework/trigger-log.toml",
        "rows = 8",
        "rows = = 8",
        "homework/trigger-log.toml",
        Some("trigger-log"),
        "fix the TOML",
    );
}

#[test]
fn unknown_field_lists_the_fields_allowed() {
    check(
        "stages/reconnection.toml",
        "title = \"Reconnection\"",
        "colour = \"blue\"\ntitle = \"Reconnection\"",
        "stages/reconnection.toml",
        Some("reconnection"),
        "line 1: unknown field `colour`, expected one of `title`",
    );
}

#[test]
fn unknown_field_in_program_toml_is_reported() {
    check(
        "program.toml",
        "questionnaire = \"intake\"",
        "questionnaire = \"intake\"\nlanguage = \"en\"",
        "program.toml",
        None,
        "unknown field `language`, expected one of",
    );
}

#[test]
fn malformed_file_name_is_reported_with_the_rule_for_ids() {
    check(
        "stages/Bad.toml",
        "",
        "title = \"Bad\"\n",
        "stages/Bad.toml",
        Some("Bad"),
        "use lowercase letters, digits, '-' and '_', starting with a letter",
    );
}

#[test]
fn file_outside_the_content_folders_is_reported() {
    check(
        "notes.toml",
        "",
        "x = 1\n",
        "notes.toml",
        None,
        "content lives in program.toml, instruments.toml, stages/, homework/ and intake/",
    );
}

// The list of stages in program.toml.

#[test]
fn listed_stage_without_a_file_is_reported() {
    check(
        "program.toml",
        "\"reconnection\",",
        "\"reconnection\",\n    \"forgiveness\",",
        "program.toml",
        Some("forgiveness"),
        "there is no stages/forgiveness.toml: add the file or remove the id",
    );
}

#[test]
fn stage_file_not_listed_is_reported() {
    check(
        "program.toml",
        "    \"reconnection\",\n",
        "",
        "stages/reconnection.toml",
        Some("reconnection"),
        "add its id to `stages` or `review_stages`",
    );
}

#[test]
fn stage_listed_twice_is_reported() {
    check(
        "program.toml",
        "\"reconnection\",",
        "\"reconnection\",\n    \"reconnection\",",
        "program.toml",
        Some("reconnection"),
        "list each stage once",
    );
}

#[test]
fn stage_listed_as_advancing_and_review_is_reported() {
    check(
        "program.toml",
        "review_stages = [\"is-repair-still-healthy\"]",
        "review_stages = [\"is-repair-still-healthy\", \"reconnection\"]",
        "program.toml",
        Some("reconnection"),
        "list each stage once",
    );
}

#[test]
fn program_naming_a_missing_questionnaire_is_reported() {
    check(
        "program.toml",
        "questionnaire = \"intake\"",
        "questionnaire = \"intake-v2\"",
        "program.toml",
        Some("intake-v2"),
        "there is no intake/intake-v2.toml: add it or fix `questionnaire`",
    );
}

#[test]
fn questionnaire_file_not_named_by_the_program_is_reported() {
    check(
        "intake/spare.toml",
        "",
        "version = 1\ntitle = \"Spare\"\nintro = []\nsections = []\n",
        "intake/spare.toml",
        Some("spare"),
        "not used: set `questionnaire` in program.toml to its id or remove the file",
    );
}

// Stages and their exercises.

#[test]
fn stage_with_one_exercise_is_reported() {
    check(
        "stages/reconnection.toml",
        "[[exercises]]\nid = \"fears-and-needs-talk\"…[[progress_markers]]",
        "[[progress_markers]]",
        "stages/reconnection.toml",
        Some("reconnection"),
        "at least two exercises: add another [[exercises]]",
    );
}

#[test]
fn exercise_of_zero_minutes_is_reported() {
    check(
        "stages/reconnection.toml",
        "minutes = 20",
        "minutes = 0",
        "stages/reconnection.toml",
        Some("fears-and-needs-talk"),
        "minutes must be a positive number",
    );
}

#[test]
fn exercise_id_used_in_two_stages_is_reported_with_both_files() {
    // Stages are checked in id order, so the later file is the one the problem is reported in.
    check(
        "stages/reconnection.toml",
        "id = \"fears-and-needs-talk\"",
        "id = \"separate-safety-check\"",
        "stages/safety-and-stabilising.toml",
        Some("separate-safety-check"),
        "also used in stages/reconnection.toml: exercise ids must be unique",
    );
}

#[test]
fn malformed_exercise_id_is_reported() {
    check(
        "stages/reconnection.toml",
        "id = \"fears-and-needs-talk\"",
        "id = \"Fears and needs\"",
        "stages/reconnection.toml",
        Some("Fears and needs"),
        "use lowercase letters",
    );
}

#[test]
fn marker_that_nothing_serves_is_reported() {
    check(
        "stages/reconnection.toml",
        "served_by = [\"fears-and-needs-talk\"]",
        "served_by = []",
        "stages/reconnection.toml",
        Some("closeness-talk-held"),
        "nothing serves this progress marker",
    );
}

#[test]
fn marker_served_by_work_of_another_stage_is_reported() {
    check(
        "stages/reconnection.toml",
        "served_by = [\"fears-and-needs-talk\"]",
        "served_by = [\"trust-map\"]",
        "stages/reconnection.toml",
        Some("closeness-talk-held"),
        "\"trust-map\", which is neither an exercise of this stage nor a sheet of its homework",
    );
}

#[test]
fn homework_naming_an_unknown_sheet_is_reported() {
    check(
        "stages/safety-and-stabilising.toml",
        "\"grounding-steps\"]",
        "\"no-such-sheet\"]",
        "stages/safety-and-stabilising.toml",
        Some("safety-and-stabilising"),
        "no homework/no-such-sheet.toml: fix the id or add the sheet",
    );
}

#[test]
fn stage_citing_an_unknown_article_is_reported() {
    check(
        "stages/reconnection.toml",
        "{ article = \"trust-broken\"",
        "{ article = \"trust-brokn\"",
        "stages/reconnection.toml",
        Some("reconnection"),
        "cites unknown article \"trust-brokn\": use one of the source ids in program.toml (betrayed-partner, trust-broken)",
    );
}

#[test]
fn exercise_citing_an_unknown_article_is_reported() {
    check(
        "stages/reconnection.toml",
        "{ article = \"trust-broken\", section = \"Managing Triggers",
        "{ article = \"bloom\", section = \"Managing Triggers",
        "stages/reconnection.toml",
        Some("new-experiences-plan"),
        "cites unknown article \"bloom\": use one of the source ids in program.toml",
    );
}

#[test]
fn sheet_citing_an_unknown_article_is_reported() {
    check(
        "homework/trigger-log.toml",
        "article = \"trust-broken\"",
        "article = \"gottman\"",
        "homework/trigger-log.toml",
        Some("trigger-log"),
        "use one of the source ids in program.toml",
    );
}

#[test]
fn empty_goals_are_reported() {
    check(
        "stages/reconnection.toml",
        "goals = […]\n",
        "goals = []\n",
        "stages/reconnection.toml",
        Some("reconnection"),
        "`goals` is empty: add at least one",
    );
}

#[test]
fn missing_required_field_is_reported() {
    check(
        "stages/reconnection.toml",
        "title = \"Reconnection\"\n",
        "",
        "stages/reconnection.toml",
        Some("reconnection"),
        "line 1: missing field `title`: add it",
    );
}

// Homework sheets: every block must be something a printer can draw.

#[test]
fn empty_paragraph_cannot_print() {
    check(
        "homework/trigger-log.toml",
        "kind = \"paragraph\"\ntext = \"…\"\n",
        "kind = \"paragraph\"\ntext = \"  \"\n",
        "homework/trigger-log.toml",
        Some("trigger-log"),
        "block 1 (paragraph) cannot print: give it some `text`",
    );
}

#[test]
fn lines_block_of_zero_lines_cannot_print() {
    check(
        "homework/accountability-letter.toml",
        "count = 12",
        "count = 0",
        "homework/accountability-letter.toml",
        Some("accountability-letter"),
        "(lines) cannot print: give it a `count` from 1 to 40",
    );
}

#[test]
fn table_of_seven_columns_cannot_print() {
    check(
        "homework/trigger-log.toml",
        "columns = [\"Date / time\",",
        "columns = [\"Who\", \"Where\", \"Why\", \"Date / time\",",
        "homework/trigger-log.toml",
        Some("trigger-log"),
        "(table) cannot print: give it 1 to 6 columns and 1 to 30 rows",
    );
}

#[test]
fn scale_without_words_at_its_ends_cannot_print() {
    check(
        "homework/check-in-guide.toml",
        "low = \"Not calm at all\"\nhigh = \"Completely calm\"",
        "low = \"\"\nhigh = \"\"",
        "homework/check-in-guide.toml",
        Some("check-in-guide"),
        "(scale) cannot print: give it a `label` and words for both ends (`low`, `high`)",
    );
}

#[test]
fn signature_without_signers_cannot_print() {
    check(
        "homework/boundaries-agreement.toml",
        "signers = [\"Partner\", \"Partner\"]",
        "signers = []",
        "homework/boundaries-agreement.toml",
        Some("boundaries-agreement"),
        "(signature) cannot print: give it one or two `signers`",
    );
}

#[test]
fn unknown_block_kind_is_reported() {
    check(
        "homework/trigger-log.toml",
        "kind = \"paragraph\"",
        "kind = \"picture\"",
        "homework/trigger-log.toml",
        Some("trigger-log"),
        "unknown variant `picture`, expected one of",
    );
}

// The intake questionnaire.

#[test]
fn show_if_naming_a_later_question_is_reported() {
    check(
        "intake/intake.toml",
        "show_if = { question = \"breach\", equals = \"other\" }",
        "show_if = { question = \"role\", equals = \"other\" }",
        "intake/intake.toml",
        Some("breach_other"),
        "names question \"role\", which comes after it: name an earlier question",
    );
}

#[test]
fn show_if_naming_an_unknown_question_is_reported() {
    check(
        "intake/intake.toml",
        "show_if = { question = \"breach\", equals = \"other\" }",
        "show_if = { question = \"breaches\", equals = \"other\" }",
        "intake/intake.toml",
        Some("breach_other"),
        "names unknown question \"breaches\": name an earlier question",
    );
}

#[test]
fn duplicate_question_id_is_reported() {
    check(
        "intake/intake.toml",
        "id = \"pronouns\"",
        "id = \"name\"",
        "intake/intake.toml",
        Some("name"),
        "question id used twice: rename one",
    );
}

#[test]
fn two_questions_with_one_error_message_are_reported() {
    check(
        "intake/intake.toml",
        "error = \"Choose how much you believe your partner is honest with you, from 0 to 4\"",
        "error = \"Choose how much you believe your partner respects your emotional boundaries, from 0 to 4\"",
        "intake/intake.toml",
        Some("trust_honest"),
        "has the same `error` as \"trust_boundaries\": name what this question asks",
    );
}

#[test]
fn choice_with_one_option_is_reported() {
    check(
        "intake/intake.toml",
        "options = [\n    { value = \"broke_trust\", label = \"I broke trust\" },…]\n",
        "options = [{ value = \"broke_trust\", label = \"I broke trust\" }]\n",
        "intake/intake.toml",
        Some("role"),
        "a choice needs at least two options with different values",
    );
}

#[test]
fn past_on_a_question_that_is_not_a_date_is_reported() {
    check(
        "intake/intake.toml",
        "min = 0\nmax = 10",
        "min = 0\nmax = 10\npast = true",
        "intake/intake.toml",
        Some("commitment"),
        "`past` is for a date question only",
    );
}

#[test]
fn scale_with_min_not_below_max_is_reported() {
    check(
        "intake/intake.toml",
        "min = 0\nmax = 10",
        "min = 10\nmax = 10",
        "intake/intake.toml",
        Some("commitment"),
        "a scale needs `min` and `max`, with min below max",
    );
}

#[test]
fn flag_naming_an_unknown_score_is_reported() {
    check(
        "intake/intake.toml",
        "when = { score = \"phq2\", at_least = 3 }",
        "when = { score = \"phq9\", at_least = 3 }",
        "intake/intake.toml",
        Some("phq2-positive"),
        "names unknown score \"phq9\": use one of the [[scores]] ids (phq2, gad2)",
    );
}

#[test]
fn start_rule_naming_an_unknown_stage_is_reported() {
    check(
        "intake/intake.toml",
        "stage = \"safety-and-stabilising\"",
        "stage = \"safety-and-stabilizing\"",
        "intake/intake.toml",
        Some("safety-and-stabilizing"),
        "use a stage id from program.toml",
    );
}

#[test]
fn condition_with_two_subjects_is_reported() {
    check(
        "intake/intake.toml",
        "when = { question = \"afraid_of_partner\", equals = \"yes\" }",
        "when = { question = \"afraid_of_partner\", score = \"phq2\", equals = \"yes\" }",
        "intake/intake.toml",
        Some("fear-of-partner"),
        "`when` must name exactly one of question, score, any or all",
    );
}

// Everything at once.

#[test]
fn problems_in_different_files_are_reported_together() {
    let errors = errors_after(&[
        ("homework/trigger-log.toml", "rows = 8", "rows = = 8"),
        ("stages/safety-and-stabilising.toml", "\"grounding-steps\"]", "\"no-such-sheet\"]"),
        ("stages/reconnection.toml", "minutes = 20", "minutes = 0"),
        (
            "intake/intake.toml",
            "when = { score = \"phq2\", at_least = 3 }",
            "when = { score = \"phq9\", at_least = 3 }",
        ),
        ("program.toml", "\"reconnection\",", "\"reconnection\",\n    \"forgiveness\","),
    ]);
    let expected = [
        ("homework/trigger-log.toml", Some("trigger-log"), "fix the TOML"),
        ("stages/safety-and-stabilising.toml", Some("safety-and-stabilising"), "no-such-sheet"),
        ("stages/reconnection.toml", Some("fears-and-needs-talk"), "minutes must be a positive number"),
        ("intake/intake.toml", Some("phq2-positive"), "unknown score \"phq9\""),
        ("program.toml", Some("forgiveness"), "add the file or remove the id"),
    ];
    let missing: Vec<_> =
        expected.iter().filter(|(file, id, says)| !errors.iter().any(|e| matches(e, file, *id, says))).collect();
    assert!(missing.is_empty(), "not reported: {missing:?}\ngot:\n{}", list(&errors));
}

#[test]
fn broken_program_toml_does_not_hide_problems_in_other_files() {
    let errors = errors_after(&[
        ("program.toml", "questionnaire = \"intake\"", "questionnaire = intake"),
        ("homework/boundaries-agreement.toml", "signers = [\"Partner\", \"Partner\"]", "signers = []"),
        ("stages/reconnection.toml", "title = \"Reconnection\"", "colour = \"blue\""),
    ]);
    let expected = [
        ("program.toml", None, "fix the TOML"),
        ("homework/boundaries-agreement.toml", Some("boundaries-agreement"), "one or two `signers`"),
        ("stages/reconnection.toml", Some("reconnection"), "unknown field `colour`"),
    ];
    let missing: Vec<_> =
        expected.iter().filter(|(file, id, says)| !errors.iter().any(|e| matches(e, file, *id, says))).collect();
    assert!(missing.is_empty(), "not reported: {missing:?}\ngot:\n{}", list(&errors));
}

#[test]
fn unreadable_files_are_not_also_reported_as_missing() {
    let errors = errors_after(&[
        ("stages/reconnection.toml", "title = \"Reconnection\"", "title = "),
        ("homework/trigger-log.toml", "rows = 8", "rows = = 8"),
        ("intake/intake.toml", "version = ", "version = = "),
    ]);
    let files: Vec<&str> = errors.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(
        files,
        ["homework/trigger-log.toml", "intake/intake.toml", "stages/reconnection.toml"],
        "each broken file should be reported once, and nothing else:\n{}",
        list(&errors)
    );
}

#[test]
fn show_if_testing_a_score_is_reported() {
    check(
        "intake/intake.toml",
        "show_if = { question = \"breach\", equals = \"other\" }",
        "show_if = { score = \"phq2\", at_least = 3 }",
        "intake/intake.toml",
        Some("breach_other"),
        "`show_if` cannot test score \"phq2\": test a question instead",
    );
}

#[test]
fn program_listing_no_stages_is_reported() {
    check(
        "program.toml",
        "stages = […]\n",
        "stages = []\n",
        "program.toml",
        None,
        "lists no stages: add stage ids to `stages`",
    );
}

// The licence ledger, instruments.toml.

/// The shipped content without one of its files.
fn errors_without(file: &str) -> Vec<ContentError> {
    let mut files = SHIPPED.clone();
    assert!(files.remove(file).is_some(), "the shipped content has no {file}");
    match Program::from_files(files) {
        Ok(_) => panic!("the content loaded without {file}"),
        Err(errors) => errors.0,
    }
}

#[test]
fn scored_instrument_without_a_licence_entry_is_refused_with_file_and_id() {
    check(
        "instruments.toml",
        "id = \"phq2\"",
        "id = \"phq2-renamed\"",
        "intake/intake.toml",
        Some("phq2"),
        "scores an instrument with no licence entry: add [[instruments]] with id = \"phq2\" to instruments.toml",
    );
}

#[test]
fn scores_without_any_licence_ledger_are_all_refused() {
    let errors = errors_without("instruments.toml");
    let published = [
        ("intake/intake.toml", "phq2"),
        ("intake/intake.toml", "gad2"),
        ("checkin/checkin.toml", "phq2"),
        ("checkin/checkin.toml", "gad2"),
        ("checkin/checkin.toml", "phq9"),
        ("checkin/checkin.toml", "gad7"),
        ("checkin/checkin.toml", "pcl5"),
    ];
    for (file, score) in published {
        assert!(
            errors.iter().any(|e| matches(e, file, Some(score), "no licence entry")),
            "expected {score} in {file} to be refused, got:\n{}",
            list(&errors)
        );
    }
    // The check-in's trust score is mend's own items, which need no licence.
    assert_eq!(errors.len(), published.len(), "only the published scores are wrong:\n{}", list(&errors));
}

#[test]
fn licence_entry_without_its_grant_is_reported() {
    check(
        "instruments.toml",
        "grant = \"No permission required to reproduce, translate, display or distribute.\"",
        "grant = \" \"",
        "instruments.toml",
        Some("phq2"),
        "`grant` is empty",
    );
}

#[test]
fn licence_entry_missing_a_field_is_reported() {
    check(
        "instruments.toml",
        "cutoffs_source = \"Kroenke, Spitzer and Williams 2003",
        "cutoffs_note = \"Kroenke, Spitzer and Williams 2003",
        "instruments.toml",
        None,
        "unknown field `cutoffs_note`",
    );
}

#[test]
fn licence_entry_listed_twice_is_reported() {
    check("instruments.toml", "id = \"gad2\"", "id = \"phq2\"", "instruments.toml", Some("phq2"), "used twice");
}

#[test]
fn score_at_an_unpublished_cutoff_is_reported() {
    check(
        "intake/intake.toml",
        "questions = [\"phq2_interest\", \"phq2_down\"]\ncutoff = 3",
        "questions = [\"phq2_interest\", \"phq2_down\"]\ncutoff = 2",
        "intake/intake.toml",
        Some("phq2"),
        "cutoff 2 is not among the published cut-offs in instruments.toml ([3])",
    );
}

#[test]
fn score_attribution_other_than_the_ledgers_is_reported() {
    check(
        "intake/intake.toml",
        "title = \"GAD-2 (anxiety)\"",
        "title = \"GAD-2 (anxiety)\"\nattribution = \"Free to use.\"",
        "intake/intake.toml",
        Some("gad2"),
        "`attribution` differs from the licence entry's",
    );
}

#[test]
fn score_over_a_text_question_is_reported() {
    check(
        "intake/intake.toml",
        "questions = [\"gad2_nervous\", \"gad2_worry\"]",
        "questions = [\"gad2_nervous\", \"name\"]",
        "intake/intake.toml",
        Some("gad2"),
        "sums \"name\", which is not a scale question or a single choice whose values are whole numbers",
    );
}

#[test]
fn score_over_a_choice_with_words_for_values_is_reported() {
    check(
        "intake/intake.toml",
        "{ value = \"3\", label = \"Nearly every day\" },",
        "{ value = \"nearly-every-day\", label = \"Nearly every day\" },",
        "intake/intake.toml",
        Some("phq2"),
        "sums \"phq2_interest\", which is not a scale question or a single choice whose values are whole numbers",
    );
}

#[test]
fn the_shipped_ledger_names_rights_holder_grant_source_attribution_and_cutoffs() {
    let program = Program::from_files(SHIPPED.clone()).expect("the shipped content loads");
    for score in &program.questionnaire.scores {
        let entry = program.instrument(&score.id).unwrap_or_else(|| panic!("{}: no licence entry", score.id));
        for (field, value) in [
            ("rights_holder", &entry.rights_holder),
            ("grant", &entry.grant),
            ("grant_source", &entry.grant_source),
            ("published", &entry.published),
            ("attribution", &entry.attribution),
            ("cutoffs_source", &entry.cutoffs_source),
        ] {
            assert!(!value.trim().is_empty(), "{}: {field} is empty", entry.id);
        }
        let cutoff = score.cutoff.expect("a published score has a cut-off");
        assert!(entry.cutoffs.contains(&cutoff), "{}: cut-off {cutoff} is published", entry.id);
        // The grant is quoted: the attribution line printed with the items carries it verbatim.
        assert!(entry.attribution.contains(&entry.grant), "{}: the attribution quotes the grant", entry.id);
    }
}

#[test]
fn upgrades_that_do_not_come_from_an_older_version_or_rename_to_nothing_are_reported() {
    let upgrade = |toml: &str| format!("{toml}\n\n[[sections]]");
    check(
        "intake/intake.toml",
        "[[sections]]",
        &upgrade("[[upgrades]]\nfrom = 9"),
        "intake/intake.toml",
        None,
        "must come from an older version",
    );
    check(
        "intake/intake.toml",
        "[[sections]]",
        &upgrade("[[upgrades]]\nfrom = 1\nrenamed = { name = \"no_such_question\" }"),
        "intake/intake.toml",
        Some("name"),
        "renamed to `no_such_question`, which is not a question of this version",
    );
    check(
        "intake/intake.toml",
        "[[sections]]",
        &upgrade("[[upgrades]]\nfrom = 1\nrenamed_options = { came_to_light = { told = \"no-such-option\" } }"),
        "intake/intake.toml",
        Some("came_to_light"),
        "which this question does not offer",
    );
}

// The check-in.

#[test]
fn checkin_errors_are_reported_with_file_and_id() {
    // (file, find, replace, expected file, expected id, fragment)
    let cases = [
        (
            "checkin/checkin.toml",
            "own = true\nhigher_is_better",
            "own = true\ncutoff = 3\nhigher_is_better",
            "checkin/checkin.toml",
            Some("trust"),
            "an `own` score has no published cut-off",
        ),
        (
            "checkin/checkin.toml",
            "own = true\nhigher_is_better",
            "higher_is_better",
            "checkin/checkin.toml",
            Some("trust"),
            "scores an instrument with no licence entry",
        ),
        (
            "checkin/checkin.toml",
            "questions = [\"phq9_1\", \"phq9_2\", \"phq9_3\"",
            "questions = [\"phq9_1\", \"phq9_2\", \"phq9_x\"",
            "checkin/checkin.toml",
            Some("phq9"),
            "sums \"phq9_x\"",
        ),
        (
            "checkin/checkin.toml",
            "id = \"gad7\"\ntitle = \"GAD-7 (anxiety severity)\"\nquestions = [\"gad7_1\", \"gad7_2\", \"gad7_3\", \"gad7_4\", \"gad7_5\", \"gad7_6\", \"gad7_7\"]\ncutoff = 10",
            "id = \"gad7\"\ntitle = \"GAD-7 (anxiety severity)\"\nquestions = [\"gad7_1\", \"gad7_2\", \"gad7_3\", \"gad7_4\", \"gad7_5\", \"gad7_6\", \"gad7_7\"]\ncutoff = 11",
            "checkin/checkin.toml",
            Some("gad7"),
            "cutoff 11 is not among the published cut-offs",
        ),
        (
            "program.toml",
            "checkin = \"checkin\"",
            "checkin = \"weekly\"",
            "program.toml",
            Some("weekly"),
            "no checkin/weekly.toml",
        ),
        (
            "program.toml",
            "checkin = \"checkin\"",
            "checkin = \"weekly\"",
            "checkin/checkin.toml",
            Some("checkin"),
            "this check-in is not used",
        ),
        (
            "instruments.toml",
            "reliable_change = 6\n",
            "reliable_change = 0\n",
            "instruments.toml",
            Some("phq9"),
            "`reliable_change` must be a positive number",
        ),
        (
            "instruments.toml",
            "reliable_change_source = \"The NHS Talking Therapies (formerly IAPT) data handbook counts a fall of 6…relying on it.\"",
            "reliable_change_source = \"\"",
            "instruments.toml",
            Some("phq9"),
            "`reliable_change_source` is empty",
        ),
    ];
    for (file, find, replace, expected_file, expected_id, fragment) in cases {
        check(file, find, replace, expected_file, expected_id, fragment);
    }
}

#[test]
fn a_schedule_is_for_a_check_in_section_of_optional_questions_asked_now_and_then() {
    let cases = [
        // (file, find, replace, expected id, fragment)
        (
            "checkin/checkin.toml",
            "schedule = { of = \"hurt\", every = 4 }",
            "schedule = { of = \"hurt\", every = 0 }",
            "since-you-found-out",
            "`every` must be 2 or more",
        ),
        (
            "checkin/checkin.toml",
            "id = \"pcl5_1\"\nkind = \"single\"",
            "id = \"pcl5_1\"\nkind = \"single\"\nrequired = true",
            "pcl5_1",
            "cannot be required",
        ),
        (
            "intake/intake.toml",
            "id = \"about-you\"",
            "id = \"about-you\"\nschedule = { of = \"hurt\", every = 4 }",
            "about-you",
            "only a check-in's sections have a schedule",
        ),
    ];
    for (file, find, replace, id, fragment) in cases {
        check(file, find, replace, file, Some(id), fragment);
    }
}

// Safety wording the content check enforces.

#[test]
fn stop_flag_saying_hold_is_reported() {
    check(
        "intake/intake.toml",
        "action = \"Pause all joint sessions until this flag is resolved. Strangulation",
        "action = \"Hold joint sessions. Pause all joint sessions until this flag is resolved. Strangulation",
        "intake/intake.toml",
        Some("strangulation"),
        "says \"hold\", which can read as its opposite",
    );
}

#[test]
fn stop_flag_whose_action_does_not_pause_joint_work_is_reported() {
    for (file, id) in [("intake/intake.toml", "weapon"), ("checkin/checkin.toml", "violence-or-threats")] {
        let find = format!(
            "id = \"{id}\"\nseverity = \"stop\"{ANY}action = \"Pause all joint sessions until this flag is resolved. "
        );
        check(
            file,
            &find,
            &format!("id = \"{id}\"\nseverity = \"stop\"\nmessage = \"Edited.\"\naction = \""),
            file,
            Some(id),
            "a stop flag's `action` must say that joint work pauses: add the sentence \"Pause all joint sessions until this flag is resolved.\"",
        );
    }
}

#[test]
fn every_shipped_stop_flag_pauses_joint_work_without_saying_hold() {
    let program = Program::from_files(SHIPPED.clone()).expect("the shipped content loads");
    let checkin = program.checkin.as_ref().expect("the shipped program has a check-in");
    for flag in program.questionnaire.flags.iter().chain(&checkin.flags).filter(|f| f.severity == Severity::Stop) {
        assert!(flag.action.starts_with(mend_core::questionnaire::PAUSE_JOINT_WORK), "{}: {}", flag.id, flag.action);
        assert!(!flag.action.to_lowercase().split(|c: char| !c.is_alphabetic()).any(|w| w == "hold"), "{}", flag.id);
    }
}

#[test]
fn sheet_filled_in_alone_without_the_privacy_line_is_reported() {
    check(
        "homework/trigger-log.toml",
        "    \"This sheet is private. Keep it where no one else can read it, and share only what you choose.\",\n",
        "",
        "homework/trigger-log.toml",
        Some("trigger-log"),
        "a sheet filled in alone must say it is private",
    );
}

#[test]
fn check_in_section_asked_every_time_of_both_is_reported() {
    check(
        "checkin/checkin.toml",
        "schedule = { of = \"broke_trust\", every = 1 }",
        "schedule = { of = \"both\", every = 1 }",
        "checkin/checkin.toml",
        Some("contact"),
        "a schedule's `every` must be 2 or more (or 1 for one partner's role)",
    );
}
