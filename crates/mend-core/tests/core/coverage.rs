//! Keeps `docs/content-coverage.md` true to the embedded program: every id it names exists,
//! every section and step of both articles has a row, and every row's section is cited.

use std::collections::BTreeSet;
use std::path::PathBuf;

use mend_core::Program;

/// The first article's source id, as the table's Article column and `program.toml` write it.
const TRUST_BROKEN: &str = "trust-broken";

/// The second article's source id.
const BETRAYED_PARTNER: &str = "betrayed-partner";

/// Every heading of the first article, its untitled opening included, as the content cites them.
const TRUST_BROKEN_SECTIONS: [&str; 11] = [
    "Introduction",
    "Understanding What Trust Really Means in a Relationship",
    "How to Fix a Relationship After Trust Is Broken",
    "Open Communication Without Defensiveness",
    "Rebuilding Trust Through Consistent Actions",
    "Setting Healthy Boundaries for Healing",
    "Managing Triggers, Anxiety, and Emotional Flashbacks",
    "Reconnecting Emotionally and Intimately",
    "When to Seek Professional Support",
    "Knowing When Repair Is No Longer Healthy",
    "Final Thoughts",
];

/// The number of numbered steps in the second article.
const BETRAYED_PARTNER_STEPS: usize = 7;

/// One row of the coverage table.
#[derive(Debug)]
struct Row {
    article: String,
    section: String,
    ids: Vec<String>,
}

/// Reads and parses the coverage table from the docs folder.
fn coverage_table() -> Vec<Row> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/content-coverage.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let rows = parse_table(&text);
    assert!(!rows.is_empty(), "{} has no table rows", path.display());
    rows
}

/// Turns the markdown table's body rows into [`Row`]s, skipping the header and the divider.
fn parse_table(text: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for line in text.lines().map(str::trim) {
        if !(line.starts_with('|') && line.ends_with('|')) {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 3, "a coverage row needs three cells: {line}");
        let is_divider = cells.iter().all(|c| c.chars().all(|ch| matches!(ch, '-' | ':')));
        if is_divider || cells[0] == "Article" {
            continue;
        }
        rows.push(Row { article: cells[0].to_owned(), section: cells[1].to_owned(), ids: backticked(cells[2]) });
    }
    rows
}

/// Every `backticked` word in a cell.
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

fn embedded_program() -> Program {
    Program::embedded().unwrap_or_else(|e| panic!("the embedded content does not load:\n{e}"))
}

#[test]
fn coverage_table_parses_rows_and_ids() {
    let rows =
        parse_table("| Article | Section or step | Content ids |\n| --- | --- | --- |\n| A | B | `x`, `y-z` |\n");
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].article.as_str(), rows[0].section.as_str()), ("A", "B"));
    assert_eq!(rows[0].ids, ["x", "y-z"]);
}

#[test]
fn coverage_table_has_a_row_for_every_section_and_step() {
    let rows = coverage_table();
    let has_row = |article: &str, matches: &dyn Fn(&str) -> bool| {
        rows.iter().any(|r| r.article == article && matches(&r.section))
    };

    let missing_sections: Vec<&str> =
        TRUST_BROKEN_SECTIONS.iter().copied().filter(|heading| !has_row(TRUST_BROKEN, &|s| s == *heading)).collect();
    assert!(missing_sections.is_empty(), "no row for these sections of the first article: {missing_sections:?}");

    let missing_steps: Vec<usize> = (1..=BETRAYED_PARTNER_STEPS)
        .filter(|n| !has_row(BETRAYED_PARTNER, &|s| s.starts_with(&format!("Step {n}:"))))
        .collect();
    assert!(missing_steps.is_empty(), "no row for these steps of the second article: {missing_steps:?}");

    let mut seen = BTreeSet::new();
    for row in &rows {
        assert!(seen.insert((&row.article, &row.section)), "two rows for {} / {}", row.article, row.section);
        assert!(!row.ids.is_empty(), "the row for {} / {} names no content ids", row.article, row.section);
    }
}

#[test]
fn every_id_in_the_coverage_table_exists_in_the_program() {
    let program = embedded_program();
    let known = program.ids();
    let unknown: Vec<String> = coverage_table()
        .iter()
        .flat_map(|row| {
            row.ids.iter().filter(|id| !known.contains(*id)).map(move |id| format!("{id} (row {})", row.section))
        })
        .collect();
    assert!(unknown.is_empty(), "the coverage table names ids the program does not have: {unknown:?}");
}

#[test]
fn every_section_in_the_coverage_table_is_cited_by_the_content() {
    let program = embedded_program();
    let mut cited = BTreeSet::new();
    for stage in program.all_stages() {
        cited.extend(stage.sources.iter().map(|c| (c.article.clone(), c.section.clone())));
        for exercise in &stage.exercises {
            cited.extend(exercise.sources.iter().map(|c| (c.article.clone(), c.section.clone())));
        }
    }
    for sheet in program.sheets.values() {
        cited.extend(sheet.sources.iter().map(|c| (c.article.clone(), c.section.clone())));
    }

    let mut uncited = Vec::new();
    for row in coverage_table() {
        let Some(source) = program.sources.iter().find(|s| s.id == row.article) else {
            panic!("the coverage table names article {:?}, which program.toml does not list", row.article);
        };
        if !cited.contains(&(source.id.clone(), row.section.clone())) {
            uncited.push(format!("{} / {}", source.id, row.section));
        }
    }
    assert!(uncited.is_empty(), "no stage, exercise or sheet cites these sections: {uncited:?}");
}

/// The framework list in the coverage page: `- `stage-id`: Gottman *phase*, Baucom *phase*`.
fn framework_lines(text: &str) -> Vec<(String, String, String)> {
    let section = text.split("## The two frameworks").nth(1).expect("a section on the two frameworks");
    section
        .lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .map(|rest| {
            let (id, rest) = rest.split_once("`: Gottman *").expect("`id`: Gottman *phase*, Baucom *phase*");
            let (gottman, rest) = rest.split_once("*, Baucom *").expect("Gottman *phase*, Baucom *phase*");
            let baucom = rest.trim_end().trim_end_matches('*');
            (id.to_owned(), gottman.to_owned(), baucom.to_owned())
        })
        .collect()
}

#[test]
fn the_framework_list_matches_every_stages_phases_in_order() {
    let program = embedded_program();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/content-coverage.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let listed = framework_lines(&text);
    let actual: Vec<(String, String, String)> = program
        .all_stages()
        .map(|stage| {
            let phase = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
            let phases = serde_json::to_value(&stage.phases).expect("phases serialise");
            (stage.id.clone(), phase(phases["gottman"].clone()), phase(phases["baucom"].clone()))
        })
        .collect();
    assert_eq!(listed, actual, "the framework list in docs/content-coverage.md");
}

/// Every citation, the questionnaire's included, names a section exactly as the table does, so
/// one section is never cited under two labels.
#[test]
fn every_citation_names_a_section_of_the_coverage_table() {
    let program = embedded_program();
    let rows: BTreeSet<(String, String)> = coverage_table().into_iter().map(|row| (row.article, row.section)).collect();
    let mut citations = Vec::new();
    for stage in program.all_stages() {
        citations.extend(stage.sources.iter().map(|c| (stage.id.clone(), c)));
        for exercise in &stage.exercises {
            citations.extend(exercise.sources.iter().map(|c| (exercise.id.clone(), c)));
        }
    }
    for sheet in program.sheets.values() {
        citations.extend(sheet.sources.iter().map(|c| (sheet.id.clone(), c)));
    }
    citations.extend(program.questionnaire.sources.iter().map(|c| (program.questionnaire.id.clone(), c)));
    let unknown: Vec<String> = citations
        .iter()
        .filter(|(_, c)| !rows.contains(&(c.article.clone(), c.section.clone())))
        .map(|(owner, c)| format!("{owner}: {} / {}", c.article, c.section))
        .collect();
    assert!(unknown.is_empty(), "these citations name a section the coverage table does not have: {unknown:?}");
}
