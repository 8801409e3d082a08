//! `mend config`, `mend completions` and `mend man`: the therapist's conveniences.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs, ConfigCommand};
use crate::config::config_path;
use crate::context::Context;
use crate::output::{out, outln};

pub(crate) fn config(ctx: &Context, command: ConfigCommand) -> Result<ExitCode> {
    match command {
        ConfigCommand::Path => outln!("{}", config_path()?.display())?,
        ConfigCommand::Show => {
            outln!("# {}", config_path()?.display())?;
            out!("{}", toml::to_string(&ctx.config)?)?;
            outln!("# database: {}", ctx.db_path.display())?;
            outln!("# key file: {}", crate::keys::key_file_path(&ctx.config)?.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    clap_complete::generate(args.shell, &mut Cli::command(), "mend", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn man() -> Result<ExitCode> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    std::io::stdout().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}
