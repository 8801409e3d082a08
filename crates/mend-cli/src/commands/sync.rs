//! `mend sync`: takes in the forms partners sent, from the relay into the record; `mend relay
//! pair` and `connect`: a relay on another machine, paired once.

use std::process::ExitCode;

use anyhow::Result;

use mend_relay::{PAIRING_CODE_LIFETIME, RelayStore};
use mend_sync::Practice;
use serde::Serialize;

use crate::args::{Format, FormatArgs, RelayCommand, RelayConnectArgs, RelayPairArgs};
use crate::context::Context;
use crate::output::{json, outln};
use crate::relay::take_in;

pub(crate) fn run(ctx: &Context, args: &FormatArgs) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    // A practice that has not joined a relay yet joins the folder beside the record now, which
    // hands it the links still open from before.
    let practice = ctx.practice(&mut store, crate::context::now())?;
    let report = take_in(&mut store, &practice, true)?;
    if args.format == Format::Json {
        json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    match report.received {
        0 => outln!("Nothing new from the relay.")?,
        1 => outln!("Took in 1 sent form from the relay.")?,
        n => outln!("Took in {n} sent forms from the relay.")?,
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn relay(ctx: &Context, command: RelayCommand) -> Result<ExitCode> {
    match command {
        RelayCommand::Pair(args) => pair(ctx, args),
        RelayCommand::Connect(args) => connect(ctx, args),
    }
}

/// What `mend relay pair --format json` prints.
#[derive(Serialize)]
struct Code {
    code: String,
    expires_at: String,
}

/// On the relay's machine: a one-time code. Only the relay's folder is opened, never a record.
fn pair(ctx: &Context, args: RelayPairArgs) -> Result<ExitCode> {
    let folder = args.data.unwrap_or_else(|| ctx.relay_folder());
    let now = crate::context::now();
    let code = RelayStore::open(&folder)?.new_pairing_code(now)?;
    let expires_at = (now + PAIRING_CODE_LIFETIME).replace_nanosecond(0)?.format(crate::links::STAMP)?;
    if args.format.format == Format::Json {
        json(&Code { code, expires_at })?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Pairing code (works once, until {expires_at}):\n\n  {code}\n")?;
    outln!("On the therapist's machine: mend relay connect https://THIS-RELAY --code {code}")?;
    Ok(ExitCode::SUCCESS)
}

/// What `mend relay connect --format json` prints.
#[derive(Serialize)]
struct Connected {
    relay: String,
    practice: i64,
}

/// On the therapist's machine: pairs the record with the relay at the address.
fn connect(ctx: &Context, args: RelayConnectArgs) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let practice = Practice::connect(&mut store, &args.url, &args.code, crate::context::now())?;
    let relay = match practice.place() {
        mend_sync::RelayPlace::Remote(url) => url.clone(),
        mend_sync::RelayPlace::Folder(folder) => folder.display().to_string(),
    };
    if args.format.format == Format::Json {
        json(&Connected { relay, practice: practice.id().get() })?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Paired with the relay at {relay}. New links go there; `mend sync` takes in what partners send.")?;
    outln!("Set base_url in the configuration to the address partners open, if it is not {relay}.")?;
    Ok(ExitCode::SUCCESS)
}
