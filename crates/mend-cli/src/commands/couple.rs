//! `mend couple add | list | show | delete`: the record of each couple.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use mend_core::{Couple, NewCouple};
use mend_store::Store;
use serde::Serialize;

use crate::args::{CoupleAddArgs, CoupleCommand, CoupleEmailArgs, Format};
use crate::context::{Context, now};
use crate::output::json;
use crate::output::{list_or_none, out, outln};

pub(crate) fn run(ctx: &Context, command: CoupleCommand) -> Result<ExitCode> {
    match command {
        CoupleCommand::Add(args) => add(ctx, args),
        CoupleCommand::List(args) => {
            let store = ctx.store()?;
            let couples = store.couples()?;
            if args.format == Format::Json {
                json(&couples)?;
            } else if couples.is_empty() {
                outln!(
                    "No couples yet. Add one with `mend couple add --partner NAME --partner NAME --breach KIND --broke-trust NAME`."
                )?;
            } else {
                for couple in &couples {
                    let stage = couple.current_stage.as_deref().unwrap_or("not started");
                    let label = couple.label.as_deref().map(|l| format!(" [{l}]")).unwrap_or_default();
                    outln!(
                        "{}  {:<36} {:<20} {stage}{label}",
                        couple.short_id,
                        couple.names(),
                        couple.breach.as_str()
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CoupleCommand::Show(args) => show(ctx, &args.couple, args.format.format),
        CoupleCommand::Delete(args) => delete(ctx, &args.couple, args.yes),
        CoupleCommand::Email(args) => email(ctx, args),
    }
}

fn email(ctx: &Context, args: CoupleEmailArgs) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let couple = store.find_couple(&args.couple)?;
    let partner = couple.partner(&args.partner)?.clone();
    store.set_email(partner.id, args.address.as_ref(), now())?;
    match &args.address {
        Some(address) => outln!(
            "{}'s links may now be e-mailed to {address} (`mend invite --send`, `mend checkin --send`, `mend remind`).",
            partner.name
        )?,
        None => outln!("{}'s e-mail address is forgotten: nothing more is e-mailed to them.", partner.name)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn add(ctx: &Context, args: CoupleAddArgs) -> Result<ExitCode> {
    let [first, second] = args.partners.as_slice() else {
        bail!("give exactly two partners, each with --partner NAME (got {})", args.partners.len());
    };
    if args.emails.len() > 2 {
        bail!("give at most two --email addresses, in the order of --partner (got {})", args.emails.len());
    }
    let new = NewCouple::new([first.clone(), second.clone()], &args.broke_trust, args.breach, args.label)?;
    let mut store = ctx.create_store()?;
    let mut couple = store.add_couple(&new, now())?;
    for (partner, address) in couple.partners.iter_mut().zip(&args.emails) {
        store.set_email(partner.id, Some(address), now())?;
        partner.email = Some(address.clone());
    }
    if args.format.format == Format::Json {
        json(&couple)?;
    } else {
        outln!("Added couple {}: {} ({}).", couple.short_id, couple.names(), couple.breach.describe())?;
        for partner in &couple.partners {
            outln!("  {} {}", partner.name, partner.roles.describe())?;
        }
        outln!("Next: `mend invite {}` makes a private intake link for each partner.", couple.short_id)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `couple show` as JSON.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    couple: &'a Couple,
    sessions: Vec<mend_core::SessionRecord>,
    open_invitations: Vec<mend_store::InvitationInfo>,
    intakes_received: Vec<String>,
}

fn show(ctx: &Context, query: &str, format: Format) -> Result<ExitCode> {
    let mut store = ctx.store_taking_in()?;
    let couple = store.find_couple(query)?;
    let sessions = store.sessions(&couple)?;
    let open_invitations = store.open_invitations(&couple, now())?;
    let intakes_received: Vec<String> =
        store.intake_responses(&couple)?.into_iter().map(|r| r.partner_name.to_string()).collect();
    store.audit(mend_store::Actor::Cli, "couple viewed", Some(&couple.short_id), now())?;
    if format == Format::Json {
        json(&Shown { couple: &couple, sessions, open_invitations, intakes_received })?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Couple {}: {}", couple.short_id, couple.names())?;
    outln!("Breach: {}", couple.breach.describe())?;
    if let Some(label) = &couple.label {
        outln!("Label: {label}")?;
    }
    outln!("Added: {}", &couple.created_at[..10.min(couple.created_at.len())])?;
    outln!("\nPartners:")?;
    for partner in &couple.partners {
        let pronouns = partner.pronouns.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        let intake = if intakes_received.iter().any(|n| n == partner.name.as_str()) {
            "intake received"
        } else {
            "no intake yet"
        };
        let email = partner.email.as_ref().map(|e| format!("; e-mail {e}")).unwrap_or_default();
        outln!("  {}{pronouns}: {}; {intake}{email}", partner.name, partner.roles.describe())?;
    }
    outln!("\nStage: {}", couple.current_stage.as_deref().unwrap_or("not started (see `mend plan`)"))?;
    if sessions.is_empty() {
        outln!("Sessions: none yet")?;
    } else {
        outln!("Sessions:")?;
        for s in &sessions {
            outln!("  #{} {}  {}  homework: {}", s.number, s.held_on, s.stage, list_or_none(&s.homework))?;
        }
    }
    if open_invitations.is_empty() {
        outln!("Open invitations: none")?;
    } else {
        outln!("Open invitations:")?;
        for invitation in &open_invitations {
            // Stored as `2026-12-06T02:57:00Z`; shown as `mend invite` shows it.
            let minute = invitation.expires_at.get(..16).unwrap_or(&invitation.expires_at).replacen('T', " ", 1);
            outln!("  {} — expires {minute} UTC", invitation.partner_name)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn delete(ctx: &Context, query: &str, yes: bool) -> Result<ExitCode> {
    let mut store: Store = ctx.store()?;
    let couple = store.find_couple(query)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to delete {} without confirmation: add --yes to delete from a script", couple.short_id);
        }
        out!(
            "Delete couple {} ({}) and every record of them, including intakes and sessions? This cannot be undone. Type the id to confirm: ",
            couple.short_id,
            couple.names()
        )?;
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != couple.short_id {
            outln!("Not deleted.")?;
            return Ok(ExitCode::FAILURE);
        }
    }
    // Their links stop working on the relay first, so that nothing more arrives for them; drafts
    // the relay kept for those links go with them.
    if let Some(practice) = mend_sync::Practice::of_record(&store)? {
        practice
            .retire(store.unused_links(&couple)?, now())
            .context("the couple was not deleted: their links could not be closed on the relay")?;
    }
    store.delete_couple(&couple, now())?;
    outln!("Deleted couple {} and every record of them.", couple.short_id)?;
    Ok(ExitCode::SUCCESS)
}
