//! One module per command group; `run` sends each command to its module.

use std::process::ExitCode;

use anyhow::Result;

use crate::args::{Cli, Command};
use crate::context::Context;

mod content;

/// Runs one command line.
pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Context::new(&cli)?;
    match cli.command {
        Command::Content(command) => content::run(&ctx, command),
        other => anyhow::bail!("`{other:?}` is not available in this build yet"),
    }
}
