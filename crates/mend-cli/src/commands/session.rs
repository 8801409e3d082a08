//! `mend session record | list` and `mend flag resolve`: the record of what was done.

use std::process::ExitCode;

use anyhow::{Result, bail};
use mend_core::Program;
use mend_store::NewSession;

use crate::args::{FlagResolveArgs, Format, SessionCommand, SessionRecordArgs};
use crate::commands::couple::list_or_none;
use crate::context::{Context, format_date, now, parse_date, today};
use crate::output::json;

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
                println!(
                    "No sessions recorded for {} yet. `mend plan {} --save` plans and records the first.",
                    couple.names(),
                    couple.short_id
                );
            } else {
                println!("Sessions of {} ({}):", couple.names(), couple.short_id);
                for s in &sessions {
                    println!("\n#{} on {} — stage {}", s.number, s.held_on, s.stage);
                    println!("  homework given: {}", list_or_none(&s.homework));
                    println!("  progress met:   {}", list_or_none(&s.met));
                    if !s.notes.is_empty() {
                        print!("{}", crate::output::wrap(&format!("notes: {}", s.notes), 80, "  "));
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

/// The couple's latest session if it was held on `day` (`YYYY-MM-DD`) and began as a plan saved
/// with `mend plan --save`: the session that recording or planning again on that day adds to.
pub(crate) fn saved_plan_on<'a>(
    store: &mend_store::Store,
    couple: &mend_store::Couple,
    sessions: &'a [mend_core::SessionRecord],
    day: &str,
) -> Result<Option<&'a mend_core::SessionRecord>> {
    let Some(last) = sessions.last().filter(|s| s.held_on == day) else { return Ok(None) };
    Ok(store.session_plan(couple, last.number)?.map(|_| last))
}

/// The date a session was held: today or earlier, since a session is recorded once it is over.
fn held_date(raw: &str) -> Result<time::Date> {
    let date = parse_date(raw)?;
    if date > today() {
        anyhow::bail!(
            "{} is after today: record a session once it has been held, with the date it was held \
             (or leave out --date for today); to get ready for one, use `mend plan`",
            format_date(date)
        );
    }
    Ok(date)
}

fn record(ctx: &Context, args: SessionRecordArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    check_ids(&program, &args.stage, &args.homework, &args.met)?;
    let held_on = match &args.date {
        Some(raw) => held_date(raw)?,
        None => today(),
    };
    let mut store = ctx.store()?;
    let couple = store.find_couple(&args.couple)?;
    // A plan saved with `mend plan --save` for the same day is the session being recorded: add
    // to it instead of recording a second one. A session recorded without a plan is never
    // merged into, so two sessions held on one day stay two.
    let sessions = store.sessions(&couple)?;
    let held = format_date(held_on);
    // Sessions are numbered in the order they were held, and "the latest session" (for the
    // packet, for the plan's progress) is the highest number, so a date may not go back in time.
    if let Some(last) = sessions.last()
        && held < last.held_on
    {
        anyhow::bail!(
            "{held} is before session #{} on {}: sessions are recorded in the order they were held, \
             so give {} or a later date",
            last.number,
            last.held_on,
            last.held_on
        );
    }
    let number = saved_plan_on(&store, &couple, &sessions, &held)?.map(|last| last.number);
    let session = NewSession {
        held_on,
        stage: args.stage.clone(),
        plan_json: None,
        homework: args.homework,
        met: args.met,
        notes: args.notes.unwrap_or_default(),
        number,
    };
    let number = store.record_session(&couple, &session, now())?;
    let verb = if session.number.is_some() { "Updated" } else { "Recorded" };
    println!("{verb} session #{number} of {} on {held} at stage {}.", couple.names(), args.stage);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn resolve_flag(ctx: &Context, args: FlagResolveArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    if !program.questionnaire.flags.iter().any(|f| f.id == args.flag) {
        let known: Vec<&str> = program.questionnaire.flags.iter().map(|f| f.id.as_str()).collect();
        bail!("unknown flag {:?}: use one of {} (as `mend intake` shows them)", args.flag, known.join(", "));
    }
    if args.note.trim().is_empty() {
        bail!("--note is empty: say what was assessed and decided");
    }
    let program = ctx.program()?;
    let mut store = ctx.store()?;
    let couple = store.find_couple(&args.couple)?;
    let raised = mend_core::plan::raised_flags(&program, &store.couple_record(&couple)?);
    let open: Vec<&str> = raised.iter().filter(|f| !f.resolved).map(|f| f.id.as_str()).collect();
    if !open.contains(&args.flag.as_str()) {
        let already = raised.iter().any(|f| f.id == args.flag);
        let open_now = if open.is_empty() { "none is open".to_owned() } else { format!("open: {}", open.join(", ")) };
        anyhow::bail!(
            "flag {} {} for {} ({open_now}): a flag is resolved after the answers that raise it; \
             `mend intake {}` shows them",
            args.flag,
            if already { "is already resolved" } else { "is not raised by the partners' latest answers" },
            couple.names(),
            couple.short_id
        );
    }
    store.resolve_flag(&couple, &args.flag, &args.note, now())?;
    println!("Resolved flag {} for {}; the note is kept in the couple's record.", args.flag, couple.names());
    Ok(ExitCode::SUCCESS)
}
