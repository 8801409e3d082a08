//! `mend serve`: the relay that links point to, which partners reach.
//!
//! It never opens the practice record and never reads its key or passphrase: it serves from the
//! relay's folder, where everything about a partner is sealed. It speaks plain HTTP on loopback
//! (or behind a proxy), or HTTPS itself, from certificate files or with a certificate it obtains
//! and renews by ACME.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use mend_intake::{Application, CertificateFiles, CertificateSource, Config, Https, LETS_ENCRYPT, RateLimit};

use crate::args::ServeArgs;
use crate::config::ServeConfig;
use crate::context::Context;
use crate::output::outln;
use crate::values;

/// Where HTTPS listens when a certificate or a domain is given and no address is.
const DEFAULT_HTTPS_ADDR: &str = "[::]:443";
/// Where plain HTTP listens when nothing is given: loopback, for the demo and a proxy.
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

pub(crate) fn run(ctx: &Context, args: ServeArgs) -> Result<ExitCode> {
    let kept = ctx.config.serve.clone().unwrap_or_default();
    let (addr, https) = listening(&args, &kept)?;
    let data = args.data.or(kept.data).unwrap_or_else(|| ctx.relay_folder());
    let trusted_proxies = if args.trusted_proxies.is_empty() {
        kept.trusted_proxies
            .iter()
            .map(|raw| {
                values::address_block(raw)
                    .map_err(|e| anyhow::anyhow!("[serve] trusted_proxies in the configuration: {e}"))
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        args.trusted_proxies.clone()
    };
    let config = Config {
        data_dir: data.clone(),
        trust_proxy: args.trust_proxy || kept.trust_proxy || !trusted_proxies.is_empty(),
        trusted_proxies,
        rate_limit: RateLimit::default(),
        https,
    };
    let base = match (&args.base_url, &config.https) {
        (None, Some(Https { certificate: CertificateSource::Acme { domains, .. }, .. }))
            if ctx.config.base_url.is_none() =>
        {
            let port = if addr.port() == 443 { String::new() } else { format!(":{}", addr.port()) };
            format!("https://{}{port}", domains[0])
        }
        _ => ctx.base_url(args.base_url.as_ref()).to_string(),
    };
    init_logging();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let app = Application::build(config, addr).await?;
        let local = app.local_addr();
        let scheme = if app.is_https() { "https" } else { "http" };
        // Scripts (and the tests) read this line to learn the port when --addr ends in :0.
        outln!("mend serve: listening on {scheme}://{local}")?;
        if let Some(redirect) = app.redirect_addr() {
            outln!("mend serve: plain HTTP on http://{redirect} redirects to HTTPS")?;
        }
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

/// The address to listen on and how it speaks HTTPS, from the flags, else the `[serve]` table.
fn listening(args: &ServeArgs, kept: &ServeConfig) -> Result<(SocketAddr, Option<Https>)> {
    let parse = |setting: &str, raw: &Option<String>| -> Result<Option<SocketAddr>> {
        raw.as_deref()
            .map(|raw| {
                values::listen_address(raw).map_err(|e| anyhow::anyhow!("[serve] {setting} in the configuration: {e}"))
            })
            .transpose()
    };
    let https_addr = args.https_addr.or(parse("https_addr", &kept.https_addr)?);
    let http_addr = args.http_addr.or(parse("http_addr", &kept.http_addr)?);
    let files = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        _ => kept.tls_cert.clone().zip(kept.tls_key.clone()),
    };
    let domains = if args.domains.is_empty() { kept.domains.clone() } else { args.domains.clone() };
    let certificate = match (files, domains.is_empty()) {
        (Some(_), false) => bail!("give either certificate files (tls_cert, tls_key) or domains for ACME, not both"),
        (Some((cert, key)), true) => Some(CertificateSource::Files(CertificateFiles { cert, key })),
        (None, false) => Some(CertificateSource::Acme {
            domains,
            contact: args.acme_contact.clone().or(kept.acme_contact.clone()),
            directory: args
                .acme_directory
                .clone()
                .or(kept.acme_directory.clone())
                .unwrap_or_else(|| LETS_ENCRYPT.to_owned()),
            root: args.acme_root.clone().or(kept.acme_root.clone()),
        }),
        (None, true) => None,
    };
    if kept.tls_cert.is_some() != kept.tls_key.is_some() {
        bail!("[serve] in the configuration gives only one of tls_cert and tls_key: give both");
    }
    match certificate {
        Some(certificate) => {
            let addr = match https_addr {
                Some(addr) => addr,
                None => values::listen_address(DEFAULT_HTTPS_ADDR)?,
            };
            Ok((addr, Some(Https { certificate, http_addr })))
        }
        None if https_addr.is_some() || http_addr.is_some() => bail!(
            "HTTPS needs a certificate: give --tls-cert FILE --tls-key FILE, or --domain NAME to obtain one by ACME"
        ),
        None => {
            let addr = match args.addr.or(parse("addr", &kept.addr)?) {
                Some(addr) => addr,
                None => values::listen_address(DEFAULT_ADDR)?,
            };
            Ok((addr, None))
        }
    }
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
