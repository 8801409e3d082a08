//! `mend due`: the week at a glance, over the whole practice, most urgent first.

use std::process::ExitCode;

use anyhow::Result;
use mend_core::Couple;
use mend_core::due::{DueItem, RemoteSync, Urgency, due};
use serde::Serialize;

use crate::args::{Format, FormatArgs};
use crate::context::{Context, now};
use crate::output::{json, outln};
use crate::week::PracticeWeek;

/// `mend due --format json`.
#[derive(Serialize)]
struct Due<'a> {
    due: &'a [DueItem],
}

pub(crate) fn run(ctx: &Context, args: &FormatArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    let store = ctx.store_taking_in()?;
    let week = PracticeWeek::read(&store, program)?;
    // Answers on a relay on this machine were looked for as the store opened; a paired relay (the
    // one the record keeps a sync credential for) is asked by `mend sync` only, so its last sync
    // is worth a line when it is old.
    let relay = store
        .relay()?
        .filter(|join| join.credential.is_some())
        .map(|join| RemoteSync(join.synced_at.as_deref().and_then(parse)));
    let items = due(program, &week.weeks(), relay, now());
    if args.format == Format::Json {
        json(&Due { due: &items })?;
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        let n = week.couples.len();
        outln!("Nothing is due across the practice ({n} couple{}).", if n == 1 { "" } else { "s" })?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Due across the practice, most urgent first ({}):", items.len())?;
    for item in &items {
        let couple = item.couple.as_deref().and_then(|id| week.couples.iter().find(|c| c.short_id == id));
        outln!("\n{}", heading(item, couple))?;
        outln!("        {}", item.why)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `STOP    3f9c2a  José Núñez & Zoë — Zoë`.
fn heading(item: &DueItem, couple: Option<&Couple>) -> String {
    let urgency = match item.urgency {
        Urgency::Stop => "STOP  ",
        Urgency::High => "high  ",
        Urgency::Normal => "normal",
        Urgency::Low => "low   ",
    };
    let who = match (couple, &item.partner) {
        (Some(c), Some(p)) => format!("{}  {} — {p}", c.short_id, c.names()),
        (Some(c), None) => format!("{}  {}", c.short_id, c.names()),
        (None, _) => "the practice".to_owned(),
    };
    format!("{urgency}  {who}")
}

fn parse(at: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok()
}
