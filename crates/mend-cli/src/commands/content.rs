//! `mend content list | show | check`: the repair program, readable in a terminal.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};
use mend_core::content::{Block, Exercise, Item};
use mend_core::{Program, Questionnaire, Sheet, Stage};
use serde::Serialize;

use crate::args::{ContentCommand, Format};
use crate::context::{Context, now, read_content_dir};
use crate::output::{json, wrap};
use crate::output::{out, outln};

/// Terminal width the text output is wrapped to.
const WIDTH: usize = 80;

pub(crate) fn run(ctx: &Context, command: ContentCommand) -> Result<ExitCode> {
    match command {
        ContentCommand::List(args) => list(ctx.program()?, args.format),
        ContentCommand::Show(args) => {
            let program = ctx.program()?;
            let Some(item) = program.find(&args.id) else {
                bail!("no stage, exercise or sheet has the id {:?}: see `mend content list`", args.id);
            };
            out!("{}", show(program, item))?;
            Ok(ExitCode::SUCCESS)
        }
        ContentCommand::Check(args) => {
            let dir = args.dir.or_else(|| ctx.content_dir.clone());
            let Some(dir) = dir else {
                let program = ctx.program()?;
                outln!("{}", summary(program, "the embedded program"))?;
                return links_out(ctx, &program.questionnaire);
            };
            match Program::from_files(read_content_dir(&dir)?) {
                Ok(program) => {
                    outln!("{}", summary(&program, &dir.display().to_string()))?;
                    links_out(ctx, &program.questionnaire)
                }
                Err(errors) => {
                    eprintln!("{}: {} problem(s), each with its file and id:", dir.display(), errors.0.len());
                    for error in &errors.0 {
                        eprintln!("  {error}");
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// What the checked questionnaire would do to the links still out in the practice record, when
/// there is one: which versions they keep showing, which move on through a declared upgrade, and
/// whether this version number is already out with other content (which `mend invite` and
/// `mend serve` refuse).
fn links_out(ctx: &Context, questionnaire: &Questionnaire) -> Result<ExitCode> {
    if !ctx.db_path.exists() {
        return Ok(ExitCode::SUCCESS);
    }
    let store = ctx.store()?;
    let hash = questionnaire.content_sha256();
    let (id, version) = (&questionnaire.id, questionnaire.version);
    let mut changed = false;
    outln!("In the practice record {}:", ctx.db_path.display())?;
    let kept: Vec<_> = store.published_versions(now())?.into_iter().filter(|v| &v.questionnaire == id).collect();
    if kept.is_empty() {
        outln!("  no links were ever made for {id:?}; the first link will keep version {version}")?;
    }
    for published in kept {
        let out_on = format!(
            "{} open link(s), {} with a saved draft, on version {}",
            published.open_links, published.drafts, published.version
        );
        if published.version == version && published.content_sha256 != hash {
            changed = true;
            outln!(
                "  version {version} is already out with other content ({out_on}): raise `version` to {}",
                version + 1
            )?;
        } else if published.version == version {
            outln!("  {out_on}: the form as checked")?;
        } else if published.version > version {
            outln!("  {out_on}, newer than the version checked ({version})")?;
        } else if questionnaire.upgrade_from(published.version).is_some() {
            outln!("  {out_on}: they move to version {version} when opened, drafts carried by the declared upgrade")?;
        } else {
            outln!("  {out_on}: they keep showing version {} until used or expired", published.version)?;
        }
    }
    Ok(if changed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn summary(program: &Program, origin: &str) -> String {
    let exercises: usize = program.all_stages().map(|s| s.exercises.len()).sum();
    format!(
        "{origin} is valid: {} stages ({} to review), {exercises} exercises, {} homework sheets, {} intake questions, {} flag rules, {} licensed instruments",
        program.stages.len() + program.review_stages.len(),
        program.review_stages.len(),
        program.sheets.len(),
        program.questionnaire.questions().count(),
        program.questionnaire.flags.len(),
        program.instruments.len(),
    )
}

/// One row of `content list`.
#[derive(Serialize)]
struct Row<'a> {
    kind: &'static str,
    id: &'a str,
    title: &'a str,
    stage: Option<&'a str>,
}

fn list(program: &Program, format: Format) -> Result<ExitCode> {
    let mut rows = Vec::new();
    for stage in program.all_stages() {
        rows.push(Row { kind: "stage", id: &stage.id, title: &stage.title, stage: None });
        for exercise in &stage.exercises {
            rows.push(Row { kind: "exercise", id: &exercise.id, title: &exercise.title, stage: Some(&stage.id) });
        }
    }
    for sheet in program.sheets.values() {
        rows.push(Row { kind: "sheet", id: &sheet.id, title: &sheet.title, stage: None });
    }
    if format == Format::Json {
        json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{}\n", program.title)?;
    outln!("Stages, in order, with their in-session exercises:")?;
    for (n, stage) in program.all_stages().enumerate() {
        let review = program.stage_index(&stage.id).is_none();
        let number = if review { "review".to_owned() } else { format!("{:>6}", n + 1) };
        outln!("{number}  {:<32} {}", stage.id, stage.title)?;
        for exercise in &stage.exercises {
            outln!(
                "          - {:<30} {} ({} min, {})",
                exercise.id,
                exercise.title,
                exercise.minutes,
                exercise.role.describe()
            )?;
        }
    }
    outln!("\nHomework sheets:")?;
    for sheet in program.sheets.values() {
        outln!("  {:<32} {} (for {})", sheet.id, sheet.title, sheet.audience.describe())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show(program: &Program, item: Item<'_>) -> String {
    match item {
        Item::Stage(stage) => show_stage(program, stage),
        Item::Exercise(stage, exercise) => {
            let mut out = format!("Exercise {} (stage {}: {})\n", exercise.id, stage.id, stage.title);
            show_exercise(&mut out, exercise);
            out
        }
        Item::Sheet(sheet) => show_sheet(sheet),
    }
}

fn heading(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}\n{}", "-".repeat(title.chars().count()));
}

fn bullets(out: &mut String, items: &[String]) {
    for item in items {
        let wrapped = wrap(item, WIDTH, "    ");
        out.push_str("  - ");
        out.push_str(wrapped.trim_start());
    }
}

fn show_stage(program: &Program, stage: &Stage) -> String {
    let mut out = String::new();
    let position = match program.stage_index(&stage.id) {
        Some(i) => format!("stage {} of {}", i + 1, program.stages.len()),
        None => "a review stage, entered by decision".to_owned(),
    };
    let _ = writeln!(out, "{} ({}, {position})", stage.title, stage.id);
    out.push_str(&wrap(&stage.purpose, WIDTH, ""));
    let _ = writeln!(
        out,
        "\nGottman Trust Revival: {:?}. Baucom, Snyder and Gordon: {:?}.",
        stage.phases.gottman, stage.phases.baucom
    );
    out.push_str(&wrap(&stage.phases.note, WIDTH, ""));
    heading(&mut out, "Goals");
    bullets(&mut out, &stage.goals);
    heading(&mut out, "Key ideas to explain");
    bullets(&mut out, &stage.key_ideas);
    heading(&mut out, "Exercises");
    for exercise in &stage.exercises {
        show_exercise(&mut out, exercise);
    }
    heading(&mut out, "Homework");
    for id in &stage.homework {
        let title = program.sheet(id).map_or("", |s| s.title.as_str());
        let _ = writeln!(out, "  - {id}: {title}");
    }
    heading(&mut out, "Done when");
    for marker in &stage.progress_markers {
        let _ = write!(out, "  - [{}] {}", marker.id, wrap(&marker.text, WIDTH, "    ").trim_start());
    }
    heading(&mut out, "Watch for");
    bullets(&mut out, &stage.watch_fors);
    heading(&mut out, "Sources");
    for citation in &stage.sources {
        let title = program.sources.iter().find(|s| s.id == citation.article).map_or("", |s| s.title.as_str());
        let _ = writeln!(out, "  - \"{title}\", {}", citation.section);
    }
    out
}

fn show_exercise(out: &mut String, exercise: &Exercise) {
    let _ = writeln!(
        out,
        "\n{} [{}], {} minutes, for {}{}",
        exercise.title,
        exercise.id,
        exercise.minutes,
        exercise.role.describe(),
        if exercise.essential { ", essential" } else { "" }
    );
    out.push_str(&wrap(&exercise.purpose, WIDTH, "  "));
    let _ = writeln!(out, "  Steps:");
    for (n, step) in exercise.steps.iter().enumerate() {
        let _ = write!(out, "  {:>2}. {}", n + 1, wrap(step, WIDTH, "      ").trim_start());
    }
    let _ = writeln!(out, "  Prompts:");
    for prompt in &exercise.prompts {
        let _ = write!(out, "    \u{2022} {}", wrap(prompt, WIDTH, "      ").trim_start());
    }
}

fn show_sheet(sheet: &Sheet) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}), for {}", sheet.title, sheet.id, sheet.audience.describe());
    out.push_str(&wrap(&sheet.purpose, WIDTH, ""));
    heading(&mut out, "Instructions");
    bullets(&mut out, &sheet.instructions);
    heading(&mut out, "On the page");
    for block in &sheet.blocks {
        let line = match block {
            Block::Heading { text } => format!("## {text}"),
            Block::Paragraph { text } => text.clone(),
            Block::Steps { items } => {
                items.iter().enumerate().map(|(n, i)| format!("{}. {i}", n + 1)).collect::<Vec<_>>().join("\n")
            }
            Block::Checklist { items } => items.iter().map(|i| format!("[ ] {i}")).collect::<Vec<_>>().join("\n"),
            Block::Lines { label, count } => format!("{label} ({count} ruled lines)"),
            Block::Table { columns, rows } => format!("| {} | ({rows} empty rows)", columns.join(" | ")),
            Block::Scale { label, low, high } => format!("{label}: 0 ({low}) … 10 ({high})"),
            Block::Signature { signers } => format!("Signature and date for: {}", signers.join(", ")),
        };
        for part in line.lines() {
            out.push_str(&wrap(part, WIDTH, "  "));
        }
    }
    out
}
