//! `mend audit`: the audit trail, read through the record's key, so it can be reviewed on an
//! encrypted record (the `sqlite3` tool cannot open one).

use std::process::ExitCode;

use anyhow::Result;
use mend_core::day::format_day;
use mend_store::{Actor, AuditEntry, ChainCheck, StoreError};

use crate::args::{AuditArgs, Format};
use crate::context::{Context, now};
use crate::output::{json, outln, terminal_safe};

pub(crate) fn run(ctx: &Context, args: &AuditArgs) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    // A couple's entries stay after it is deleted, so a short id is taken as it is.
    let couple = match args.couple.as_deref() {
        None => None,
        Some(query) => match store.find_couple(query) {
            Ok(couple) => Some(couple.short_id),
            Err(StoreError::Lookup(_)) if is_short_id(query) => Some(query.to_owned()),
            Err(error) => return Err(error.into()),
        },
    };
    let since = args.since.map(format_day);
    let entries: Vec<AuditEntry> = store
        .audit_log()?
        .into_iter()
        .filter(|e| couple.as_ref().is_none_or(|c| e.couple.as_ref() == Some(c)))
        .filter(|e| since.as_ref().is_none_or(|day| e.at.as_str() >= day.as_str()))
        .collect();
    let chain = store.check_audit_chain()?;
    // Reading the trail is itself a use of the record.
    store.audit(Actor::Cli, "audit viewed", couple.as_deref(), now())?;
    let broken = match chain {
        ChainCheck::Intact { .. } => None,
        ChainCheck::BrokenAt(number) => Some(number),
    };
    if args.format.format == Format::Json {
        json(&serde_json::json!({ "entries": entries, "chain_intact": broken.is_none(), "chain_broken_at": broken }))?;
        return Ok(if broken.is_some() { ExitCode::FAILURE } else { ExitCode::SUCCESS });
    }
    if entries.is_empty() {
        outln!("No audit entries match.")?;
        return Ok(ExitCode::SUCCESS);
    }
    for e in &entries {
        let line = format!(
            "{}  {:<6}  {:<12}  {:<26}  {:<6}  {}",
            e.at,
            e.actor.as_str(),
            e.os_user.as_deref().unwrap_or("-"),
            e.action,
            e.couple.as_deref().unwrap_or("-"),
            e.detail.as_deref().unwrap_or("")
        );
        outln!("{}", terminal_safe(line.trim_end()))?;
    }
    match (chain, broken) {
        (ChainCheck::Intact { chained }, _) => {
            outln!("\nThe trail's chain holds: the {chained} chained entries are as they were written.")?
        }
        (_, Some(number)) => {
            eprintln!(
                "mend: the audit trail's chain breaks at entry {number} (counting the whole trail from the oldest): \
                 it, or one before it, was changed or removed after it was written"
            );
            return Ok(ExitCode::FAILURE);
        }
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `text` is written as a couple's short id: six lowercase hex characters.
fn is_short_id(text: &str) -> bool {
    text.len() == 6 && text.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}
