//! `mend progress`: both partners' check-ins over time, as terminal charts, JSON or a one-page PDF report.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use mend_core::progress::progress;

use crate::args::{Format, ProgressArgs};
use crate::context::{Context, now, today};
use crate::files::write_private;
use crate::output::{json, out, outln};
use crate::render::render_progress;
use crate::sheets::{paper, practice_line};

pub(crate) fn run(ctx: &Context, args: ProgressArgs) -> Result<ExitCode> {
    let content = ctx.checkin_content()?;
    let mut store = ctx.store_taking_in()?;
    let couple = store.find_couple(&args.couple)?;
    let record = store.checkin_record(&couple, content.as_ref().map(|c| &c.checkin))?;
    let progress = progress(content.as_ref(), &record);
    if let Some(path) = args.output.as_deref().filter(|_| args.pdf) {
        let options = mend_pdf::SheetOptions {
            paper: paper(ctx, None)?,
            practice_name: practice_line(ctx),
            given_on: Some(today()),
            ..mend_pdf::SheetOptions::default()
        };
        let rendered = mend_pdf::render_progress(&progress, &options)?;
        write_private(path, &rendered.bytes)?;
        outln!("Wrote the progress report for {} to {}.", couple.names(), path.display())?;
    } else if args.format.format == Format::Json {
        json(&progress)?;
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        out!("{}", render_progress(&progress, color))?;
    }
    store.audit(mend_store::Actor::Cli, "progress viewed", Some(&couple.short_id), now())?;
    Ok(ExitCode::SUCCESS)
}
