//! `mend`: the therapist's command line.

use std::io::Write;
use std::panic;
use std::process::ExitCode;

use clap::Parser;

mod args;
mod commands;
mod context;
mod output;
mod render;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    quiet_broken_pipe();
    // `println!` panics when stdout is a closed pipe (`mend content list | head`). Unwinding
    // lets cleanup run (the demo stops its server); the pipe closing is then no error at all.
    let outcome = panic::catch_unwind(|| commands::run(cli));
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(error)) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            let _ = writeln!(std::io::stderr(), "mend: {error:#}");
            ExitCode::FAILURE
        }
        Err(payload) if panic_is_broken_pipe(payload.as_ref()) => ExitCode::SUCCESS,
        Err(payload) => panic::resume_unwind(payload),
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

fn panic_is_broken_pipe(payload: &(dyn std::any::Any + Send)) -> bool {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    message.contains("Broken pipe")
}

/// Keeps the default panic message for real bugs, and says nothing for a closed pipe.
fn quiet_broken_pipe() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !panic_is_broken_pipe(info.payload()) {
            default(info);
        }
    }));
}
