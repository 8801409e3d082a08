//! `mend config`, `mend completions` and `mend man`: the therapist's conveniences.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;
use mend_store::{DatabaseKind, KeyFile, StoreError};

use crate::args::{Cli, CompletionsArgs, ConfigCommand};
use crate::config::config_path;
use crate::context::Context;
use crate::keys::PASSPHRASE_ENV;
use crate::output::{out, outln};

pub(crate) fn config(ctx: &Context, command: ConfigCommand) -> Result<ExitCode> {
    match command {
        ConfigCommand::Path => outln!("{}", config_path()?.display())?,
        ConfigCommand::Show => {
            outln!("# {}", config_path()?.display())?;
            out!("{}", toml::to_string(&ctx.config)?)?;
            outln!("# database: {}", ctx.db_path.display())?;
            let key_file = crate::keys::key_file_path(&ctx.config)?;
            outln!("# key file: {}", key_file.display())?;
            outln!("# {}", key_protection(ctx, &key_file))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How the record's key is protected, in one line for `mend config show`, with what to do when
/// it could be better protected. Nothing is unlocked or asked for.
fn key_protection(ctx: &Context, key_file: &Path) -> String {
    let record = match mend_store::database_kind(&ctx.db_path) {
        Ok(DatabaseKind::Plain) => {
            return "the record is not encrypted: anyone with a copy can read it; stop `mend serve` and run \
                    `mend encrypt`"
                .to_owned();
        }
        Ok(DatabaseKind::Missing | DatabaseKind::Empty) => "the record does not exist yet; its key",
        Ok(DatabaseKind::Encrypted) | Err(_) => "the record is encrypted; its key",
    };
    match KeyFile::read(key_file) {
        Ok(file) if file.needs_passphrase() => format!(
            "{record} is sealed by a passphrase (Argon2id), asked for or read from {PASSPHRASE_ENV} or \
             passphrase_file; a copy of the key file alone opens nothing"
        ),
        Ok(_) => format!(
            "{record} is not sealed by a passphrase: the key file is readable by you alone, and a backup of your \
             home folder holds it with the record; seal it with `mend key passphrase`"
        ),
        Err(StoreError::NoKeyFile { .. }) => {
            format!("{record} file is not made yet (the first command that needs it makes it)")
        }
        Err(StoreError::KeyFileExposed { .. }) => format!(
            "{record} is not sealed by a passphrase and others may read the key file: run `chmod 600 {}`, or seal \
             it with `mend key passphrase`",
            key_file.display()
        ),
        Err(error) => format!("{record} file cannot be read: {error}"),
    }
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
