//! Runs the intake server on a database file, for the crash test, the benchmark and trying the
//! form by hand:
//!
//! ```text
//! cargo run -p mend-intake --example serve -- DB [--questionnaire FILE.toml] [--addr 127.0.0.1:0]
//! ```
//!
//! It prints `listening on http://ADDR` once the port is bound, then serves until SIGTERM or
//! Ctrl-C. The questionnaire defaults to the content embedded in mend. With `MEND_RECOVERY_KEY`
//! set to a key's recovery words, the database is encrypted with that key.

#[path = "support/program.rs"]
mod program;

use std::error::Error;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mend_intake::{Application, Config, RateLimit};

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
    let mut db = None;
    let mut questionnaire = None;
    let mut addr: SocketAddr = "127.0.0.1:0".parse()?;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--questionnaire" => {
                questionnaire = Some(PathBuf::from(args.next().ok_or("--questionnaire needs a file")?))
            }
            "--addr" => addr = args.next().ok_or("--addr needs an address")?.parse()?,
            _ if db.is_none() => db = Some(PathBuf::from(arg)),
            other => return Err(format!("unexpected argument {other:?}").into()),
        }
    }
    let db_path = db.ok_or("usage: serve DB [--questionnaire FILE.toml] [--addr ADDR]")?;
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).init();
    let config = Config {
        db_path,
        program: program::load(questionnaire.as_deref())?,
        trust_proxy: false,
        secrets_policy: None,
        rate_limit: RateLimit::default(),
    };
    let key = std::env::var("MEND_RECOVERY_KEY")
        .ok()
        .map(|words| mend_store::DataKey::from_recovery_words(&words))
        .transpose()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let app = Application::build_keyed(config, addr, key).await?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on http://{}", app.local_addr())?;
        stdout.flush()?;
        app.run_until_stopped().await?;
        Ok(())
    })
}
