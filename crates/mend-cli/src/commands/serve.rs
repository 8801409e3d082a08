//! `mend serve`: the relay that links point to, which partners reach.
//!
//! It never opens the practice record and never reads its key or passphrase: it serves from the
//! relay's folder, where everything about a partner is sealed.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use mend_intake::{Application, Config, RateLimit};

use crate::args::ServeArgs;
use crate::context::Context;
use crate::output::outln;

pub(crate) fn run(ctx: &Context, args: ServeArgs) -> Result<ExitCode> {
    let addr = args.addr;
    let base = ctx.base_url(args.base_url.as_ref());
    let data = args.data.unwrap_or_else(|| ctx.relay_folder());
    let config = Config { data_dir: data.clone(), trust_proxy: args.trust_proxy, rate_limit: RateLimit::default() };
    init_logging();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let app = Application::build(config, addr).await?;
        let local = app.local_addr();
        // Scripts (and the tests) read this line to learn the port when --addr ends in :0.
        outln!("mend serve: listening on http://{local}")?;
        outln!(
            "Links start with {base}/i/ and {base}/c/; the relay keeps them in {}. Stop with Ctrl-C; requests in flight finish first.",
            data.display()
        )?;
        app.run_until_stopped().await?;
        outln!("mend serve: stopped")?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Request lines on stderr (method, route template, status, time; never a token or an answer).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MEND_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
