//! `mend invite`: one private intake link per partner, shown once.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use mend_relay::LinkKind;
use mend_store::LinkRequest;
use mend_sync::NewLink;

use crate::args::{Format, InviteArgs, InviteCommand, InviteRevokeArgs};
use crate::context::{Context, now};
use crate::links::{UNTIL, greeting, make, reach_warning, report_failures, send_each};
use crate::output::json;
use crate::output::outln;

pub(crate) fn run(ctx: &Context, args: InviteArgs) -> Result<ExitCode> {
    if let Some(InviteCommand::Revoke(revoke_args)) = args.command {
        return revoke(ctx, &revoke_args);
    }
    let couple_query = args.couple.as_deref().context("give the couple's short id or part of a partner's name")?;
    let lifetime = args.expires;
    // The address (`--base-url`, or the configuration's) was checked when the command line and
    // the configuration were read, before any link is made: making one retires the partner's
    // previous link, so a mistyped address must not cost them a link that worked.
    let program = ctx.program()?;
    // Mail settings are checked before any link is made, so a broken [mail] costs no link.
    let mail = if args.send { Some(crate::mailing::required(ctx, "--send")?) } else { None };
    let mut store = ctx.store()?;
    let couple = store.find_couple(couple_query)?;
    let partners = match &args.partner {
        Some(name) => vec![couple.partner(name)?.clone()],
        None => couple.partners.clone(),
    };
    let now = now().replace_nanosecond(0)?;
    let expires = now + lifetime;
    let questionnaire = &program.questionnaire;
    let requests: Vec<NewLink<'_>> = partners
        .iter()
        .map(|partner| NewLink {
            request: LinkRequest { partner: partner.id, questionnaire, checkin: None, expires_at: expires },
            details: greeting(&partner.name),
        })
        .collect();
    let (mut links, base) = make(ctx, &mut store, &requests, LinkKind::Intake, args.base_url.as_ref(), now)?;
    let failed = match &mail {
        Some(mail) => send_each(mail, &mut store, program, &couple, &mut links)?,
        None => false,
    };
    let exit = if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS };
    // Said once the links exist, on the side, so that it never mixes with an error or the JSON.
    if let Some(warning) = reach_warning(base.as_str()) {
        eprintln!("{warning}");
    }
    if args.format.format == Format::Json {
        json(&links)?;
        report_failures(&links);
        return Ok(exit);
    }
    outln!("Private intake links for {} (shown once; each works until its answers are sent):", couple.names())?;
    for link in &links {
        outln!("\n  {} (until {}):\n  {}", link.partner, expires.format(UNTIL)?, link.url)?;
        if let Some(delivery) = &link.mail {
            outln!("  {}", delivery.describe())?;
        }
    }
    outln!(
        "\nGive each partner only their own link. Running `mend invite` again makes a new link and retires the old one.\nThe links need `mend serve` running at {base}."
    )?;
    report_failures(&links);
    Ok(exit)
}

/// `mend invite revoke`: the couple's links (or one partner's) stop working, on the relay first,
/// so that a link someone else has seen opens nothing from now on; nothing new is made.
fn revoke(ctx: &Context, args: &InviteRevokeArgs) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let couple = store.find_couple(&args.couple)?;
    let partner = args.partner.as_deref().map(|name| couple.partner(name)).transpose()?;
    let now = now();
    let hashes = store.working_links(&couple, partner.map(|p| p.id), now)?;
    let whose = partner.map_or_else(|| couple.names(), |p| p.name.as_str().to_owned());
    if hashes.is_empty() {
        outln!("No link of {whose} works now; nothing to revoke.")?;
        return Ok(ExitCode::SUCCESS);
    }
    // The relay first: if it cannot be told, the links still work and the record says so.
    if let Some(practice) = mend_sync::Practice::of_record(&store)? {
        practice.retire(hashes.clone(), now).context("no link was revoked: the relay could not be told")?;
    }
    let retired = store.retire_links(&couple, &hashes, now)?;
    outln!(
        "Revoked {retired} link(s) of {whose}: they open nothing from now on. `mend invite {}` makes new ones.",
        couple.short_id
    )?;
    Ok(ExitCode::SUCCESS)
}
