//! One module per command group; `run` sends each command to its module.

use std::process::ExitCode;

use anyhow::Result;

use crate::args::{Cli, Command, FlagCommand};
use crate::context::Context;

mod audit;
mod checkin;
mod content;
mod couple;
mod data;
mod demo;
mod due;
mod homework;
mod intake;
mod invite;
mod key;
mod mail;
mod misc;
mod plan;
mod progress;
mod remind;
mod serve;
mod session;
mod sync;

/// Runs one command line.
pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    // These need no database, program or configuration.
    match cli.command {
        Command::Completions(args) => return misc::completions(args),
        Command::Man => return misc::man(),
        _ => {}
    }
    let ctx = Context::new(&cli)?;
    match cli.command {
        Command::Content(command) => content::run(&ctx, command),
        Command::Couple(command) => couple::run(&ctx, command),
        Command::Invite(args) => invite::run(&ctx, args),
        Command::Checkin(args) => checkin::run(&ctx, args),
        Command::Progress(args) => progress::run(&ctx, args),
        Command::Due(args) => due::run(&ctx, &args),
        Command::Remind(args) => remind::run(&ctx, args),
        Command::Mail(command) => mail::run(&ctx, command),
        Command::Intake(args) => intake::run(&ctx, args),
        Command::Plan(args) => plan::run(&ctx, args),
        Command::Session(command) => session::run(&ctx, command),
        Command::Flag(FlagCommand::Resolve(args)) => session::resolve_flag(&ctx, args),
        Command::Homework(command) => homework::run(&ctx, command),
        Command::Serve(args) => serve::run(&ctx, args),
        Command::Sync(args) => sync::run(&ctx, &args),
        Command::Relay(command) => sync::relay(&ctx, command),
        Command::Export(args) => data::export(&ctx, args),
        Command::Import(args) => data::import(&ctx, args),
        Command::Backup(args) => data::backup(&ctx, args),
        Command::Encrypt => key::encrypt(&ctx),
        Command::Key(command) => key::run(&ctx, command),
        Command::Audit(args) => audit::run(&ctx, &args),
        Command::Demo(args) => demo::run(&ctx, args),
        Command::Config(command) => misc::config(&ctx, command),
        Command::Completions(_) | Command::Man => unreachable!("handled above"),
    }
}
