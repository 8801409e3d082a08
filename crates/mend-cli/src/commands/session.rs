//! `mend session record | list` and `mend flag resolve`: the record of what was done.

use std::process::ExitCode;

use anyhow::{Result, bail};
use mend_core::plan::Plan;
use mend_core::{Program, check_session_day, saved_plan_on};
use mend_store::NewSession;

use crate::args::{FlagResolveArgs, Format, SessionCommand, SessionRecordArgs};
use crate::context::{Context, now, today};
use crate::output::json;
use crate::output::{list_or_none, out, outln};

pub(crate) fn run(ctx: &Context, command: SessionCommand) -> Result<ExitCode> {
    match command {
        SessionCommand::Record(args) => record(ctx, args),
        SessionCommand::List(args) => {
            let store = ctx.store()?;
            let couple = store.find_couple(&args.couple)?;
            let sessions = store.sessions(&couple)?;
            if args.format.format == Format::Json {
                json(&sessions)?;
            } else if sessions.is_empty() {
                outln!(
                    "No sessions recorded for {} yet. `mend plan {} --save` plans and records the first.",
                    couple.names(),
                    couple.short_id
                )?;
            } else {
                outln!("Sessions of {} ({}):", couple.names(), couple.short_id)?;
                for s in &sessions {
                    outln!("\n#{} on {} — stage {}", s.number, s.held_on, s.stage)?;
                    outln!("  homework given: {}", list_or_none(&s.homework))?;
                    outln!("  exercises done: {}", list_or_none(&s.done))?;
                    outln!("  progress met:   {}", list_or_none(&s.met))?;
                    if let Some(with) = &s.with {
                        outln!("  individual:     with {with}")?;
                    }
                    if s.new_disclosure {
                        outln!("  new disclosure: yes")?;
                    }
                    if !s.notes.is_empty() {
                        out!("{}", crate::output::wrap(&format!("notes: {}", s.notes), 80, "  "))?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Checks that every id given on the command line names something in the program.
pub(crate) fn check_ids(program: &Program, stage: &str, homework: &[String], met: &[String]) -> Result<()> {
    let Some(stage) = program.stage(stage) else {
        let known: Vec<&str> = program.all_stages().map(|s| s.id.as_str()).collect();
        bail!("unknown stage {stage:?}: use one of {}", known.join(", "));
    };
    for sheet in homework {
        if program.sheet(sheet).is_none() {
            bail!("unknown homework sheet {sheet:?}: see `mend homework list` for the ids");
        }
    }
    for marker in met {
        if !stage.progress_markers.iter().any(|m| &m.id == marker) {
            let known: Vec<&str> = stage.progress_markers.iter().map(|m| m.id.as_str()).collect();
            bail!("{marker:?} is not a progress marker of stage {}: use one of {}", stage.id, known.join(", "));
        }
    }
    Ok(())
}

fn record(ctx: &Context, args: SessionRecordArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    check_ids(program, &args.stage, &args.homework, &args.met)?;
    check_done(program, &args.stage, &args.done)?;
    if args.new_disclosure && args.notes.as_deref().is_none_or(|n| n.trim().is_empty()) {
        bail!("--new-disclosure needs --notes saying what came out, so the record keeps it");
    }
    let held_on = args.date.unwrap_or_else(today);
    let mut store = ctx.store_taking_in()?;
    let couple = store.find_couple(&args.couple)?;
    let sessions = store.sessions(&couple)?;
    check_session_day(&sessions, held_on, today())?;
    // A plan saved with `mend plan --save` for the same day is the session being recorded: add
    // to it instead of recording a second one.
    let number = saved_plan_on(&sessions, held_on).map(|last| last.number);
    let done = match number {
        Some(number) if args.done.is_empty() => planned_exercises(store.session_plan(&couple, number)?.as_deref()),
        _ => args.done,
    };
    let with = args.with.as_deref().map(|name| couple.partner(name).map(|p| p.name.to_string())).transpose()?;
    let session = NewSession {
        held_on,
        stage: args.stage.clone(),
        plan_json: None,
        homework: args.homework,
        met: args.met,
        done,
        with,
        new_disclosure: args.new_disclosure,
        notes: args.notes.unwrap_or_default(),
        number,
    };
    let number = store.record_session(&couple, &session, now())?;
    let verb = if session.number.is_some() { "Updated" } else { "Recorded" };
    outln!("{verb} session #{number} of {} on {held_on} at stage {}.", couple.names(), args.stage)?;
    Ok(ExitCode::SUCCESS)
}

/// Checks that every exercise given as done is one of the stage's.
fn check_done(program: &Program, stage: &str, done: &[String]) -> Result<()> {
    let Some(stage) = program.stage(stage) else { return Ok(()) };
    for exercise in done {
        if !stage.exercises.iter().any(|e| &e.id == exercise) {
            let known: Vec<&str> = stage.exercises.iter().map(|e| e.id.as_str()).collect();
            bail!("{exercise:?} is not an exercise of stage {}: use one of {}", stage.id, known.join(", "));
        }
    }
    Ok(())
}

/// The exercises of a saved plan, in its order; none if there is no plan or it cannot be read.
fn planned_exercises(plan: Option<&str>) -> Vec<String> {
    plan.and_then(|json| serde_json::from_str::<Plan>(json).ok())
        .map(|plan| plan.agenda.into_iter().filter_map(|item| item.exercise).collect())
        .unwrap_or_default()
}

pub(crate) fn resolve_flag(ctx: &Context, args: FlagResolveArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    let known = mend_core::plan::flag_ids(program);
    if !known.contains(&args.flag.as_str()) {
        bail!(
            "unknown flag {:?}: use one of {} (as `mend intake` and `mend plan` show them)",
            args.flag,
            known.join(", ")
        );
    }
    if args.note.trim().is_empty() {
        bail!("--note is empty: say what was assessed and decided");
    }
    let mut store = ctx.store_taking_in()?;
    let couple = store.find_couple(&args.couple)?;
    // Every flag the couple's record raises, resolved the same way.
    let raised = mend_core::plan::couple_flags(program, &store.couple_record_for(&couple, program)?);
    let open: Vec<&str> = raised.iter().filter(|f| !f.resolved).map(|f| f.id.as_str()).collect();
    if !open.contains(&args.flag.as_str()) {
        let already = raised.iter().any(|f| f.id == args.flag);
        let open_now = if open.is_empty() { "none is open".to_owned() } else { format!("open: {}", open.join(", ")) };
        anyhow::bail!(
            "flag {} {} for {} ({open_now}): a flag is resolved after the answers or the session that raise it; \
             `mend intake {}` shows the intake's flags and `mend plan` the rest",
            args.flag,
            if already { "is already resolved" } else { "is not raised by the partners' latest answers or sessions" },
            couple.names(),
            couple.short_id
        );
    }
    store.resolve_flag(&couple, &args.flag, &args.note, now())?;
    outln!("Resolved flag {} for {}; the note is kept in the couple's record.", args.flag, couple.names())?;
    Ok(ExitCode::SUCCESS)
}
