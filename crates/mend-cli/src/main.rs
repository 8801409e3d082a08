//! `mend`: the therapist's command line.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser as _;

mod advice;
mod args;
mod commands;
mod config;
mod context;
mod files;
mod keys;
mod links;
mod mailing;
mod output;
mod relay;
mod render;
mod sheets;
mod values;
mod week;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if error.kind() == clap::error::ErrorKind::ValueValidation => {
            // A value our own parsers refused: one line, as every other mistake is reported,
            // rather than clap's three with a pointer to --help.
            let rendered = error.to_string();
            let line = rendered.lines().next().unwrap_or_default();
            let _ = writeln!(std::io::stderr(), "mend: {}", line.strip_prefix("error: ").unwrap_or(line));
            return ExitCode::from(2);
        }
        Err(error) => error.exit(),
    };
    // The audit trail says who at this computer did what: the login, and who ran sudo.
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(user) = env("USER").or_else(|| env("LOGNAME")) {
        mend_store::set_operator(&user, env("SUDO_USER").as_deref());
    }
    match commands::run(cli) {
        Ok(code) => code,
        // `mend ... | head`: the reader has what it wanted, so a closed pipe is no error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "mend: {error:#}{}", advice::for_error(&error));
            ExitCode::FAILURE
        }
    }
}

/// Whether an error comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        let io = e.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        let json = e.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind);
        io.or(json) == Some(std::io::ErrorKind::BrokenPipe)
    })
}
