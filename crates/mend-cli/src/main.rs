//! `mend`: the therapist's command line.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

mod args;
mod commands;
mod context;
mod output;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // A closed pipe (`mend ... | head`) is not an error worth a message.
            if error.chain().any(|e| {
                e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "mend: {error:#}");
            ExitCode::FAILURE
        }
    }
}
