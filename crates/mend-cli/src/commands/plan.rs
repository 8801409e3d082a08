//! `mend plan`: a timed plan for the couple's next session, from the program and the record.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use mend_core::plan::{DEFAULT_MINUTES, PlanOptions, plan};
use mend_core::saved_plan_on;
use mend_store::NewSession;

use crate::args::{PlanArgs, PlanFormat};
use crate::context::{Context, now, today};
use crate::files::write_private;
use crate::output::{out, outln};
use crate::render::{render_markdown, render_page, render_text};
use crate::sheets::{paper, practice_line};
use mend_pdf::SheetOptions;

pub(crate) fn run(ctx: &Context, args: PlanArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    let mut store = ctx.store_taking_in()?;
    let couple = store.find_couple(&args.couple)?;
    let record = store.couple_record_for(&couple, program)?;
    let options = PlanOptions {
        minutes: args.minutes.or(ctx.config.session_minutes).unwrap_or(DEFAULT_MINUTES),
        stage_override: args.stage.clone(),
        today: mend_core::day::format_day(today()),
    };
    let plan = plan(program, &record, &options)?;
    if let Some(path) = args.output.as_deref().filter(|_| args.pdf) {
        let sheet_options = SheetOptions {
            paper: paper(ctx, None)?,
            practice_name: practice_line(ctx),
            given_on: mend_core::day::parse_day(&plan.date).ok(),
            ..SheetOptions::default()
        };
        let rendered = mend_pdf::render_plan(&plan, &sheet_options)?;
        write_private(path, &rendered.bytes)?;
        outln!("Wrote the session sheet for {} to {}.", couple.names(), path.display())?;
    } else {
        match args.format {
            PlanFormat::Text => {
                let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                if args.detail {
                    out!("{}", render_text(&plan, color))?;
                } else {
                    out!("{}", render_page(&plan, color))?;
                }
            }
            PlanFormat::Markdown => out!("{}", render_markdown(&plan))?,
            PlanFormat::Json => crate::output::json(&plan)?,
        }
    }
    if args.save {
        let session = NewSession {
            held_on: today(),
            stage: plan.stage.id.clone(),
            plan_json: Some(serde_json::to_string(&plan)?),
            homework: plan.homework.clone(),
            met: Vec::new(),
            done: Vec::new(),
            with: plan.with.clone(),
            new_disclosure: false,
            notes: String::new(),
            number: None,
        };
        // Planning again on the same day replaces the plan saved earlier, if nothing has been
        // recorded in it yet, rather than adding a second session.
        let replaceable =
            saved_plan_on(&record.sessions, today()).filter(|last| last.is_replaceable_plan()).map(|last| last.number);
        let (verb, number) = match replaceable {
            Some(number) => {
                store.replace_saved_plan(&couple, number, &session, now())?;
                ("Replaced today's saved plan: session", number)
            }
            None => ("Saved as session", store.record_session(&couple, &session, now())?),
        };
        eprintln!(
            "{verb} #{number}, held today. Add notes and met markers with `mend session record {} --stage {} --met MARKER,... --notes TEXT`.",
            couple.short_id, plan.stage.id
        );
    } else {
        store.audit(mend_store::Actor::Cli, "plan prepared", Some(&couple.short_id), now())?;
    }
    Ok(ExitCode::SUCCESS)
}
