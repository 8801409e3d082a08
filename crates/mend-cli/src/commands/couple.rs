//! `mend couple add | list | show | delete`: the record of each couple.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Result, bail};
use mend_core::{BreachKind, PartnerName, Roles};
use mend_store::{Couple, NewCouple, Store};
use serde::Serialize;

use crate::args::{CoupleAddArgs, CoupleCommand, Format};
use crate::context::{Context, now};
use crate::output::json;

pub(crate) fn run(ctx: &Context, command: CoupleCommand) -> Result<ExitCode> {
    match command {
        CoupleCommand::Add(args) => add(ctx, args),
        CoupleCommand::List(args) => {
            let store = ctx.store()?;
            let couples = store.couples()?;
            if args.format == Format::Json {
                json(&couples)?;
            } else if couples.is_empty() {
                println!(
                    "No couples yet. Add one with `mend couple add --partner NAME --partner NAME --breach KIND --broke-trust NAME`."
                );
            } else {
                for couple in &couples {
                    let stage = couple.current_stage.as_deref().unwrap_or("not started");
                    let label = couple.label.as_deref().map(|l| format!(" [{l}]")).unwrap_or_default();
                    println!(
                        "{}  {:<36} {:<20} {stage}{label}",
                        couple.short_id,
                        couple.names(),
                        couple.breach.as_str()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CoupleCommand::Show(args) => show(ctx, &args.couple, args.format.format),
        CoupleCommand::Delete(args) => delete(ctx, &args.couple, args.yes),
    }
}

/// Works out each partner's role from `--broke-trust NAME|both`.
fn roles(names: &[PartnerName; 2], broke_trust: &str) -> Result<[Roles; 2]> {
    let wanted = broke_trust.trim().to_lowercase();
    if wanted == "both" {
        return Ok([Roles::Mutual, Roles::Mutual]);
    }
    let matches: Vec<usize> = (0..2).filter(|&i| names[i].as_str().to_lowercase() == wanted).collect();
    let matches = if matches.is_empty() {
        (0..2).filter(|&i| names[i].as_str().to_lowercase().contains(&wanted)).collect()
    } else {
        matches
    };
    match matches.as_slice() {
        [0] => Ok([Roles::BrokeTrust, Roles::Hurt]),
        [1] => Ok([Roles::Hurt, Roles::BrokeTrust]),
        _ => bail!(
            "--broke-trust {broke_trust:?} does not name one partner: give {:?}, {:?} or both",
            names[0].as_str(),
            names[1].as_str()
        ),
    }
}

fn add(ctx: &Context, args: CoupleAddArgs) -> Result<ExitCode> {
    let [first, second] = args.partners.as_slice() else {
        bail!("give exactly two partners, each with --partner NAME (got {})", args.partners.len());
    };
    let names = [PartnerName::parse(first)?, PartnerName::parse(second)?];
    if names[0].as_str().to_lowercase() == names[1].as_str().to_lowercase() {
        bail!("both partners are called {:?}: give each a distinct display name (add an initial)", names[0].as_str());
    }
    let roles = roles(&names, &args.broke_trust)?;
    // Refuse early what could never be printed on a homework sheet, rather than at print time.
    for name in &names {
        if let Err(e) = mend_pdf::check_printable(name.as_str()) {
            bail!("{e}: give a display name using letters the homework sheets can print");
        }
    }
    let breach = BreachKind::parse(&args.breach)?;
    let mut store = ctx.create_store()?;
    let couple = store.add_couple(&NewCouple { partners: names, roles, breach, label: args.label }, now())?;
    if args.format.format == Format::Json {
        json(&couple)?;
    } else {
        println!("Added couple {}: {} ({}).", couple.short_id, couple.names(), breach.describe());
        for partner in &couple.partners {
            println!("  {} {}", partner.name, partner.roles.describe());
        }
        println!("Next: `mend invite {}` makes a private intake link for each partner.", couple.short_id);
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
    let mut store = ctx.store()?;
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
    println!("Couple {}: {}", couple.short_id, couple.names());
    println!("Breach: {}", couple.breach.describe());
    if let Some(label) = &couple.label {
        println!("Label: {label}");
    }
    println!("Added: {}", &couple.created_at[..10.min(couple.created_at.len())]);
    println!("\nPartners:");
    for partner in &couple.partners {
        let pronouns = partner.pronouns.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        let intake = if intakes_received.iter().any(|n| n == partner.name.as_str()) {
            "intake received"
        } else {
            "no intake yet"
        };
        println!("  {}{pronouns}: {}; {intake}", partner.name, partner.roles.describe());
    }
    println!("\nStage: {}", couple.current_stage.as_deref().unwrap_or("not started (see `mend plan`)"));
    if sessions.is_empty() {
        println!("Sessions: none yet");
    } else {
        println!("Sessions:");
        for s in &sessions {
            println!("  #{} {}  {}  homework: {}", s.number, s.held_on, s.stage, list_or_none(&s.homework));
        }
    }
    if open_invitations.is_empty() {
        println!("Open invitations: none");
    } else {
        println!("Open invitations:");
        for invitation in &open_invitations {
            // Stored as `2026-12-06T02:57:00Z`; shown as `mend invite` shows it.
            let minute = invitation.expires_at.get(..16).unwrap_or(&invitation.expires_at).replacen('T', " ", 1);
            println!("  {} — expires {minute} UTC", invitation.partner_name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}

fn delete(ctx: &Context, query: &str, yes: bool) -> Result<ExitCode> {
    let mut store: Store = ctx.store()?;
    let couple = store.find_couple(query)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to delete {} without confirmation: add --yes to delete from a script", couple.short_id);
        }
        print!(
            "Delete couple {} ({}) and every record of them, including intakes and sessions? This cannot be undone. Type the id to confirm: ",
            couple.short_id,
            couple.names()
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != couple.short_id {
            println!("Not deleted.");
            return Ok(ExitCode::FAILURE);
        }
    }
    store.delete_couple(&couple, now())?;
    println!("Deleted couple {} and every record of them.", couple.short_id);
    Ok(ExitCode::SUCCESS)
}
