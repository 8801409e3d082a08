//! `mend checkin`: one private check-in link per partner, between sessions, shown once.

use std::process::ExitCode;

use anyhow::{Result, bail};

use mend_relay::{LinkDetails, LinkKind};
use mend_store::{CheckinAsks, LinkRequest};
use mend_sync::NewLink;

use crate::args::{CheckinArgs, Format};
use crate::context::{Context, now};
use crate::links::{UNTIL, greeting, make, reach_warning};
use crate::output::{json, outln};

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
    // The link asks about the homework given at the latest session, as many sheets as it has slots.
    let record = store.couple_record_for(&couple, program)?;
    let slots = mend_core::checkin::homework_slots(checkin).len();
    let homework: Vec<String> = record
        .sessions
        .iter()
        .max_by_key(|s| s.number)
        .map(|s| s.homework.iter().take(slots).cloned().collect())
        .unwrap_or_default();
    let now = now().replace_nanosecond(0)?;
    let expires = now + args.expires;
    let mut scheduled = Vec::new();
    let mut asked = Vec::new();
    for partner in &partners {
        // A longer measure (the PCL-5 for the partner who was hurt) is asked when its schedule
        // says, counted over the check-ins this partner sent.
        let sent = record.partners.iter().find(|p| p.name == partner.name).map_or(&[][..], |p| &p.checkins);
        let sections = mend_core::checkin::due_sections(checkin, partner.roles, sent);
        for id in &sections {
            let title = checkin.sections.iter().find(|s| &s.id == id).map_or(id.as_str(), |s| s.title.as_str());
            scheduled.push(format!("{}'s link also asks \"{title}\".", partner.name));
        }
        asked.push(CheckinAsks { homework: homework.clone(), sections });
    }
    // The page names the sheets by their titles, sealed with the rest of what the link shows.
    let titles: Vec<String> =
        homework.iter().map(|id| program.sheet(id).map_or_else(|| id.clone(), |sheet| sheet.title.clone())).collect();
    let requests: Vec<NewLink<'_>> = partners
        .iter()
        .zip(&asked)
        .map(|(partner, asks)| NewLink {
            request: LinkRequest {
                partner: partner.id,
                questionnaire: checkin,
                checkin: Some(asks),
                expires_at: expires,
            },
            details: LinkDetails { sheets: titles.clone(), sections: asks.sections.clone(), ..greeting(&partner.name) },
        })
        .collect();
    let (links, base) = make(ctx, &mut store, &requests, LinkKind::Checkin, args.base_url.as_ref(), now)?;
    if let Some(warning) = reach_warning(base.as_str()) {
        eprintln!("{warning}");
    }
    if args.format.format == Format::Json {
        json(&links)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Private check-in links for {} (shown once; each works until it is sent):", couple.names())?;
    for link in &links {
        outln!("\n  {} (until {}):\n  {}", link.partner, expires.format(UNTIL)?, link.url)?;
    }
    let asks = if homework.is_empty() { "no homework".to_owned() } else { homework.join(", ") };
    outln!("\nEach check-in asks about safety, trust, mood and worry, and the homework given last time ({asks}).")?;
    for line in &scheduled {
        outln!("{line}")?;
    }
    outln!(
        "Give each partner only their own link. Running `mend checkin` again makes a new link and retires the old one.\nThe links need `mend serve` running at {base}."
    )?;
    Ok(ExitCode::SUCCESS)
}
