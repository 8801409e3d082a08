//! `mend homework list | print | packet`: the couple's homework sheets as PDF.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use mend_core::content::Audience;
use mend_core::{Program, Sheet};
use mend_pdf::{ForWhom, SheetKind, SheetOptions};
use serde::Serialize;

use crate::args::{Format, HomeworkCommand, HomeworkPacketArgs, HomeworkPrintArgs};
use crate::context::{Context, now, today};
use crate::files::{write_private, write_private_unsynced};
use crate::output::json;
use crate::output::outln;
use crate::sheets::{paper, practice_line};

pub(crate) fn run(ctx: &Context, command: HomeworkCommand) -> Result<ExitCode> {
    match command {
        HomeworkCommand::List(args) => list(ctx, args.format),
        HomeworkCommand::Print(args) => print(ctx, args),
        HomeworkCommand::Packet(args) => packet(ctx, args),
    }
}

/// One row of `homework list`.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    audience: Audience,
    for_whom: &'static str,
    pages: usize,
}

fn list(ctx: &Context, format: Format) -> Result<ExitCode> {
    let program = ctx.program()?;
    let options = SheetOptions { paper: paper(ctx, None)?, ..SheetOptions::default() };
    let mut rows = Vec::new();
    for sheet in program.sheets.values() {
        // Laying a sheet out is enough to count its pages; no PDF is written for the list.
        let pages = mend_pdf::lay_out(sheet, &options)?.pages();
        rows.push(Row {
            id: &sheet.id,
            title: &sheet.title,
            audience: sheet.audience,
            for_whom: sheet.audience.describe(),
            pages,
        });
    }
    if format == Format::Json {
        json(&rows)?;
    } else {
        for row in &rows {
            let pages = if row.pages == 1 { "1 page".to_owned() } else { format!("{} pages", row.pages) };
            outln!("{:<28} {:<44} {:<28} {pages}", row.id, row.title, row.for_whom)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Who a sheet is for, in words.
fn audience_words(audience: Audience) -> &'static str {
    match audience {
        Audience::Together => "both partners together",
        Audience::Each => "each partner",
        Audience::BrokeTrust => "the partner who broke trust",
        Audience::Hurt => "the partner who was hurt",
    }
}

/// A due date: today or later, since a sheet is given before it is due.
fn due_date(date: time::Date) -> Result<time::Date> {
    if date < today() {
        bail!("the due date {date} has passed: give today or a later day (YYYY-MM-DD)");
    }
    Ok(date)
}

fn find_sheet<'a>(program: &'a Program, id: &str) -> Result<&'a Sheet> {
    program.sheet(id).with_context(|| format!("unknown homework sheet {id:?}: see `mend homework list` for the ids"))
}

fn print(ctx: &Context, args: HomeworkPrintArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    let sheet = find_sheet(program, &args.sheet)?;
    let due_on = args.due.map(due_date).transpose()?;
    let base = SheetOptions {
        paper: paper(ctx, args.paper)?,
        practice_name: practice_line(ctx),
        for_whom: ForWhom::Blank,
        given_on: None,
        due_on,
        kind: SheetKind::Homework,
    };
    let copies = match &args.couple {
        None => {
            if args.partner.is_some() {
                bail!("--partner needs --couple: say whose couple the partner belongs to");
            }
            vec![base.clone()]
        }
        Some(query) => {
            let mut store = ctx.store()?;
            let couple = store.find_couple(query)?;
            if sheet.is_filled_in_alone() {
                let kept = kept_in_session(program, &store.couple_record_for(&couple, program)?);
                if !kept.is_empty() {
                    bail!(
                        "{} is filled in alone, and while {} is open no such sheet goes home or to a phone: go \
                         through it with the partner in the session and keep it there (a blank copy, without \
                         --couple, can be used in the room)",
                        sheet.id,
                        kept.join(", ")
                    );
                }
            }
            store.audit(mend_store::Actor::Cli, "homework printed", Some(&couple.short_id), now())?;
            let names = match &args.partner {
                Some(partner) => {
                    let name = couple.partner(partner)?.name.to_string();
                    let meant_for = sheet.copies(&couple);
                    if !args.anyway && !meant_for.iter().any(|names| names.contains(&name)) {
                        bail!(
                            "{} is for {}, and {name} is not: print it without --partner to get the right \
                             copies, or add --anyway if you mean {name} to have it",
                            sheet.id,
                            audience_words(sheet.audience)
                        );
                    }
                    vec![vec![name]]
                }
                None => sheet.copies(&couple),
            };
            names
                .into_iter()
                .map(|names| SheetOptions { for_whom: ForWhom::Names(names), given_on: Some(today()), ..base.clone() })
                .collect()
        }
    };
    let sheets: Vec<(&Sheet, SheetOptions)> = copies.into_iter().map(|o| (sheet, o)).collect();
    let rendered = mend_pdf::render_many(&sheets)?;
    write_private(&args.output, &rendered.bytes)?;
    outln!(
        "Wrote {} ({} page(s), {} KB).",
        args.output.display(),
        rendered.pages,
        rendered.bytes.len().div_ceil(1024)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The ids of the open flags under which sheets filled in alone do not go home, each once.
fn kept_in_session(program: &Program, record: &mend_core::CoupleRecord) -> Vec<String> {
    let flags = mend_core::plan::couple_flags(program, record);
    mend_core::plan::sheets_kept_in_session(program, &flags).into_iter().map(|f| f.id.clone()).collect()
}

/// A name made safe for a file name: `José Núñez` → `josé-núñez`.
fn slug(name: &str) -> String {
    let words: Vec<String> =
        name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    if words.is_empty() { "partner".to_owned() } else { words.join("-") }
}

fn packet(ctx: &Context, args: HomeworkPacketArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    let mut store = ctx.store()?;
    let couple = store.find_couple(&args.couple)?;
    let sheet_ids = if args.sheets.is_empty() {
        let sessions = store.sessions(&couple)?;
        let Some(latest) = sessions.last() else {
            bail!(
                "{} have no recorded session yet: run `mend plan {} --save` first, or name sheets with --sheets a,b",
                couple.names(),
                couple.short_id
            );
        };
        if latest.homework.is_empty() {
            bail!("session #{} gave no homework: name sheets with --sheets a,b", latest.number);
        }
        latest.homework.clone()
    } else {
        args.sheets.clone()
    };
    let mut sheets = sheet_ids.iter().map(|id| find_sheet(program, id)).collect::<Result<Vec<_>>>()?;
    // While a flag says home is not private, sheets filled in alone stay in the session room.
    let kept = kept_in_session(program, &store.couple_record_for(&couple, program)?);
    let mut left_out: Vec<&str> = Vec::new();
    if !kept.is_empty() {
        left_out = sheets.iter().filter(|s| s.is_filled_in_alone()).map(|s| s.id.as_str()).collect();
        sheets.retain(|s| !s.is_filled_in_alone());
        if sheets.is_empty() {
            bail!(
                "every sheet here is filled in alone ({}), and while {} is open no such sheet goes home or to a \
                 phone: go through them with the partner in the session and keep them there",
                left_out.join(", "),
                kept.join(", ")
            );
        }
    }
    let due_on = args.due.map(due_date).transpose()?;
    let base = SheetOptions {
        paper: paper(ctx, args.paper)?,
        practice_name: practice_line(ctx),
        for_whom: ForWhom::Blank,
        given_on: Some(today()),
        due_on,
        kind: SheetKind::Homework,
    };
    fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create the folder {}: check the path", args.output.display()))?;

    let mut jobs: Vec<(&Sheet, SheetOptions, PathBuf)> = Vec::new();
    for sheet in &sheets {
        for names in sheet.copies(&couple) {
            let file = if sheet.audience == Audience::Together {
                format!("{}.pdf", sheet.id)
            } else {
                format!("{}-{}.pdf", sheet.id, slug(&names[0]))
            };
            let options = SheetOptions { for_whom: ForWhom::Names(names), ..base.clone() };
            jobs.push((sheet, options, args.output.join(file)));
        }
    }
    let progress = progress_bar(jobs.len() as u64 + 1);
    // Each sheet is laid out once: its own file and the combined one are written from the same
    // layout.
    let mut written = Vec::new();
    let mut laid = Vec::new();
    for (sheet, options, path) in &jobs {
        progress.set_message(sheet.id.clone());
        let laid_out = mend_pdf::lay_out(sheet, options)?;
        write_private_unsynced(path, &laid_out.to_pdf()?)?;
        written.push((path.clone(), laid_out.pages()));
        laid.push(laid_out);
        progress.inc(1);
    }
    let all = mend_pdf::bind(&laid)?;
    let all_path = args.output.join("all-sheets.pdf");
    write_private_unsynced(&all_path, &all.bytes)?;
    let mut files: Vec<&Path> = written.iter().map(|(path, _)| path.as_path()).collect();
    files.push(&all_path);
    sync_folder(&args.output, &files)?;
    progress.inc(1);
    progress.finish_and_clear();
    store.audit(mend_store::Actor::Cli, "homework packet printed", Some(&couple.short_id), now())?;

    outln!("Homework for {} ({} sheet(s)):", couple.names(), sheets.len())?;
    if !left_out.is_empty() {
        outln!(
            "  Left out {}: filled in alone, they stay in the session room while {} is open.",
            left_out.join(", "),
            kept.join(", ")
        )?;
    }
    for (path, pages) in &written {
        outln!("  {} ({pages} page(s))", display(path))?;
    }
    outln!("  {} (everything, to print at once: {} pages)", display(&all_path), all.pages)?;
    Ok(ExitCode::SUCCESS)
}

/// Waits once until the sheets just written into `folder` are on the disk, rather than once a
/// sheet: on a disk where a sync costs milliseconds, a packet of twenty sheets would otherwise
/// spend most of its time waiting. On Linux that is one `syncfs` of the folder's file system.
fn sync_folder(folder: &Path, files: &[&Path]) -> Result<()> {
    let cannot = || format!("cannot save the sheets in {} to the disk", folder.display());
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        let folder = fs::File::open(folder).with_context(cannot)?;
        rustix::fs::syncfs(&folder).map_err(std::io::Error::from).with_context(cannot)?;
    }
    #[cfg(not(target_os = "linux"))]
    for file in files {
        fs::File::open(file).and_then(|file| file.sync_all()).with_context(cannot)?;
    }
    Ok(())
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// A progress bar on a terminal; hidden when stderr is not one (scripts, tests).
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}
