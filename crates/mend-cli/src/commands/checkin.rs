//! `mend checkin`: one private check-in link per partner, between sessions, shown once.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::args::{CheckinArgs, Format};
use crate::context::{Context, now};
use crate::links::{CheckinsMade, UNTIL, make_checkins, reach_warning, report_failures, send_each};
use crate::output::{json, outln};
use crate::values::Schedule;

pub(crate) fn run(ctx: &Context, args: CheckinArgs) -> Result<ExitCode> {
    // The address (`--base-url`, or the configuration's) was checked when the command line and
    // the configuration were read, before any link is made: making one retires the partner's
    // previous link, so a mistyped address must not cost them a link that worked.
    let program = ctx.program()?;
    let Some(checkin) = &program.checkin else {
        bail!("the program has no check-in: its program.toml names no `checkin`");
    };
    let mut store = ctx.store_taking_in()?;
    let couple = store.find_couple(&args.couple)?;
    let partners = match &args.partner {
        Some(name) => vec![couple.partner(name)?.clone()],
        None => couple.partners.clone(),
    };
    let now = now().replace_nanosecond(0)?;
    let expires = now + args.expires;
    // Mail settings are checked before any link is made, so a broken [mail] costs no link.
    let mail = if args.send { Some(crate::mailing::required(ctx, "--send")?) } else { None };
    let CheckinsMade { mut links, base, homework, scheduled } =
        make_checkins(ctx, &mut store, program, checkin, &couple, &partners, expires, args.base_url.as_ref(), now)?;
    // The schedule counts from this check-in, so it is kept once the links exist.
    if let Some(schedule) = args.every {
        let days = match schedule {
            Schedule::Every(days) => Some(days),
            Schedule::Off => None,
        };
        store.set_checkin_schedule(&couple, days, now)?;
    }
    let failed = match &mail {
        Some(mail) => send_each(mail, &mut store, program, &couple, &mut links)?,
        None => false,
    };
    let exit = if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS };
    if let Some(warning) = reach_warning(base.as_str()) {
        eprintln!("{warning}");
    }
    if args.format.format == Format::Json {
        json(&links)?;
        report_failures(&links);
        return Ok(exit);
    }
    outln!("Private check-in links for {} (shown once; each works until it is sent):", couple.names())?;
    for link in &links {
        outln!("\n  {} (until {}):\n  {}", link.partner, expires.format(UNTIL)?, link.url)?;
        if let Some(delivery) = &link.mail {
            outln!("  {}", delivery.describe())?;
        }
    }
    let asks = if homework.is_empty() { "no homework".to_owned() } else { homework.join(", ") };
    outln!("\nEach check-in asks about safety, trust, mood and worry, and the homework given last time ({asks}).")?;
    for line in &scheduled {
        outln!("{line}")?;
    }
    outln!(
        "Give each partner only their own link. Running `mend checkin` again makes a new link and retires the old one.\nThe links need `mend serve` running at {base}."
    )?;
    if let Some(Schedule::Every(days)) = args.every {
        outln!("From now on a check-in is due every {days} days: `mend due` lists it and `mend remind` sends it.")?;
    }
    report_failures(&links);
    Ok(exit)
}
