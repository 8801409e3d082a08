//! Runs the intake server on a relay folder, for the crash test, the benchmark and trying the
//! form by hand:
//!
//! ```text
//! cargo run -p mend-intake --example serve -- DATA_DIR [--addr 127.0.0.1:0]
//! ```
//!
//! It prints `listening on http://ADDR` once the port is bound, then serves until SIGTERM or
//! Ctrl-C. The folder is the relay's own; the server never opens a practice record.

use std::error::Error;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mend_intake::{Application, Config};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("serve: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut data = None;
    let mut addr: SocketAddr = "127.0.0.1:0".parse()?;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs an address")?.parse()?,
            _ if data.is_none() => data = Some(PathBuf::from(arg)),
            other => return Err(format!("unexpected argument {other:?}").into()),
        }
    }
    let data = data.ok_or("usage: serve DATA_DIR [--addr ADDR]")?;
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).init();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let app = Application::build(Config::new(data), addr).await?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on http://{}", app.local_addr())?;
        stdout.flush()?;
        app.run_until_stopped().await?;
        Ok(())
    })
}
