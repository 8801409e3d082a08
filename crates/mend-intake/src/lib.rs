//! The intake server, the relay partners reach: each partner opens a private link, fills in the
//! questionnaire alone, and sends it; the answers are sealed to the practice's key, kept
//! durably, and the link closes.
//!
//! The server never opens the practice record and never reads its key: it serves from the relay's
//! own folder ([`mend_relay::RelayStore`]), where a link's name and draft are sealed by the link's
//! token and sent answers by the practice's public key. The therapist's mend takes them in.
//!
//! Routes: `GET`/`POST /i/{token}` (the form), `GET`/`POST /c/{token}` (a check-in), `GET /thanks`, `GET /healthz`, and
//! `/static/intake.css` and `/static/intake.js`; and for a paired practice's sync, the JSON routes
//! under `/relay/v1/` ([`sync_api`]), which carry only sealed bytes. Nothing else: no listing, no
//! admin and no read-back of answers.
//!
//! Guards, outermost first: a connection that does not finish its headers within
//! [`HEADER_TIMEOUT`] is closed; one middleware that logs each request without its path (the path
//! holds the token) and never an answer, turns every error status into a page of ours and sets
//! `Cache-Control: no-store`, `Referrer-Policy: no-referrer`, `nosniff` and a strict CSP on every
//! response; tower-http's cross-origin check (`Sec-Fetch-Site`/`Origin`); a request timeout; a
//! body limit worked out from the questionnaires ([`body_limit`]). In the handlers: an HMAC form value on every post, a limiter that charges
//! an address only for links that do not work, and strict parsing of the form body.

mod body_limit;
mod connections;
mod csrf;
mod filling;
mod form;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod guards;
mod handlers;
mod https;
mod limiter;
mod pages;
mod parse;
mod proxy;
mod relay_thread;
mod sent;
mod state;
mod sync_api;

pub use body_limit::body_limit;
pub use connections::PER_ADDRESS;
pub use filling::{FORM_KEY_FIELD, form_key};
pub use https::{CertificateSource, HSTS, Https};
pub use mend_tls::{CertificateFiles, LETS_ENCRYPT, LETS_ENCRYPT_STAGING, TlsError};
pub use proxy::{AddressBlock, NotABlock};

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use mend_relay::RelayError;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::csrf::CsrfLayer;
use tower_http::timeout::TimeoutLayer;

use crate::connections::Connections;
use crate::pages::Notice;
use crate::relay_thread::RelayThread;
use crate::state::{AppState, Shared};

/// The most a request's line and headers may take, in bytes. A browser sends a few hundred
/// bytes to this server, which sets no cookies; hyper's default of about 400 KB would let every
/// connection hold that much memory for the length of the header timeout.
pub const HEADER_BYTES_LIMIT: usize = 16 * 1024;

/// How long a client may take to send a request's headers before its connection is closed.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest body a paired practice's sync request may send: a push of links with the
/// versions of the questions they show.
pub const SYNC_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// How long one request may take, reading its body included, before it is answered with 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What the server needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The relay's folder: its links, versions and sealed answers. Never the practice record.
    pub data_dir: PathBuf,
    /// Whether a reverse proxy in front of the server appends the client's address to
    /// `X-Forwarded-For`; without it, that header is ignored and the peer address counts.
    pub trust_proxy: bool,
    /// The proxies whose `X-Forwarded-For` is believed when `trust_proxy` is set; empty for a
    /// proxy on this machine (loopback) only.
    pub trusted_proxies: Vec<AddressBlock>,
    /// How many failed link attempts an address may make.
    pub rate_limit: RateLimit,
    /// HTTPS on the main address, and where its certificate comes from; `None` serves plain
    /// HTTP (on loopback, or behind a proxy that speaks HTTPS).
    pub https: Option<Https>,
}

impl Config {
    /// The settings for the relay in `data_dir`, with the default limits.
    pub fn new(data_dir: PathBuf) -> Self {
        Config {
            data_dir,
            trust_proxy: false,
            trusted_proxies: Vec::new(),
            rate_limit: RateLimit::default(),
            https: None,
        }
    }
}

/// A per-address budget of failed link attempts (unknown, expired, retired or used tokens): up
/// to `burst` at once, refilled at `per_second`. Requests on a working link are never counted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Failures allowed in a row before the address must wait.
    pub burst: u32,
    /// Failures forgiven per second.
    pub per_second: f64,
}

impl Default for RateLimit {
    /// Twenty failures at once, then one every five seconds: a mistyped link is retried freely,
    /// while guessing a 128-bit token stays hopeless.
    fn default() -> Self {
        Self { burst: 20, per_second: 0.2 }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The address could not be bound.
    #[error("could not listen on {addr}: {source} (is another server using this port?)")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The relay's folder could not be opened or read.
    #[error("could not use the relay folder {path}: {source}")]
    Relay {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: RelayError,
    },
    /// HTTPS could not start: its certificate, key or ACME settings.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A startup task did not finish.
    #[error("the server could not start: {0}")]
    Startup(String),
}

/// A bound, ready server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    /// The TLS handshake, when the main address speaks HTTPS.
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    /// The plain-HTTP listener that only redirects to HTTPS, with its routes.
    redirect: Option<(TcpListener, Router)>,
}

impl Application {
    /// Opens the relay's folder, loads the server's secret and binds `addr` (port 0 picks a free
    /// port).
    pub async fn build(config: Config, addr: SocketAddr) -> Result<Application, IntakeError> {
        let folder = config.data_dir.clone();
        let opened = tokio::task::spawn_blocking(move || {
            let writer = RelayThread::spawn_writer(&folder)?;
            let mut relay = mend_relay::RelayStore::open(&folder)?;
            let secret = relay.server_secret()?;
            // A body must fit the answers of every version a link may show: a post reads its
            // body only after its link is found, with the limit of the version it shows.
            let mut limit = 0;
            for kept in relay.all_versions()? {
                limit = limit.max(body_limit(&kept));
            }
            let reader = RelayThread::spawn_reader(&folder)?;
            Ok::<_, RelayError>((writer, reader, secret, limit))
        })
        .await
        .map_err(|e| IntakeError::Startup(e.to_string()))?;
        let (writer, reader, secret, body_limit) =
            opened.map_err(|source| IntakeError::Relay { path: config.data_dir.clone(), source })?;
        let listener = TcpListener::bind(addr).await.map_err(|source| IntakeError::Bind { addr, source })?;
        let local_addr = listener.local_addr().map_err(|source| IntakeError::Bind { addr, source })?;
        let state = Arc::new(AppState::new(
            writer,
            reader,
            secret,
            body_limit,
            &config.rate_limit,
            config.trust_proxy,
            config.trusted_proxies.clone(),
        ));
        let Some(https) = &config.https else {
            return Ok(Application { listener, local_addr, router: router(state, false), tls: None, redirect: None });
        };
        let certificates = https.start(&config.data_dir)?;
        let tls = mend_tls::server_config(Arc::clone(&certificates))?;
        let redirect = match https.http_addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr).await.map_err(|source| IntakeError::Bind { addr, source })?;
                Some((listener, https::redirect_router(certificates, local_addr.port())))
            }
            None => None,
        };
        Ok(Application { listener, local_addr, router: router(state, true), tls: Some(tls), redirect })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether the main address speaks HTTPS.
    pub fn is_https(&self) -> bool {
        self.tls.is_some()
    }

    /// The plain-HTTP address that redirects to HTTPS, if there is one.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect.as_ref().and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight and returns.
    pub async fn run_until_stopped(self) -> Result<(), IntakeError> {
        self.run_with_shutdown(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then finishes the requests in flight and returns.
    ///
    /// hyper's HTTP/1 server is run here rather than through `axum::serve`, which sets no timer:
    /// without one, a client that never finishes its headers holds its connection for ever.
    pub async fn run_with_shutdown(self, signal: impl Future<Output = ()> + Send + 'static) -> Result<(), IntakeError> {
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            // hyper's own limit of 100 header fields stays: setting a count moves the fields
            // from the stack to the heap on every request.
            .max_buf_size(HEADER_BYTES_LIMIT);
        let connections = GracefulShutdown::new();
        let places = Connections::for_this_process();
        tracing::info!(total = places.total_cap(), per_address = PER_ADDRESS, "connection caps");
        let mut signal = std::pin::pin!(signal);
        loop {
            let (accepted, redirecting) = tokio::select! {
                accepted = self.listener.accept() => (accepted, false),
                accepted = accept_on(self.redirect.as_ref().map(|(listener, _)| listener)) => (accepted, true),
                () = &mut signal => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    pause_after_accept_error(&error).await;
                    continue;
                }
            };
            // Over a cap, the connection is closed at once, before it costs a handshake.
            let Some(place) = places.admit(peer.ip()) else {
                drop(stream);
                continue;
            };
            let routes = match (&self.redirect, redirecting) {
                (Some((_, redirect)), true) => redirect.clone(),
                _ => self.router.clone(),
            };
            // Each request carries the peer's address, as axum's `ConnectInfo`, for the limiter.
            let service = TowerToHyperService::new(routes.map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            }));
            let http = http.clone();
            let watcher = connections.watcher();
            let tls = if redirecting { None } else { self.tls.clone().map(tokio_rustls::TlsAcceptor::from) };
            tokio::spawn(async move {
                // A connection that ends in an error (the client left, a malformed request, the
                // header timeout) has no one left to answer, and its details could hold a token.
                match tls {
                    None => {
                        let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                    }
                    Some(tls) => {
                        // The handshake has the headers' time limit, so a client that stops
                        // half-way holds its place no longer than one that never sends headers.
                        let Ok(Ok(stream)) = tokio::time::timeout(HEADER_TIMEOUT, tls.accept(stream)).await else {
                            return;
                        };
                        if mend_tls::is_acme_challenge(stream.get_ref().1.alpn_protocol()) {
                            return;
                        }
                        let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                    }
                }
                drop(place);
            });
        }
        drop(self.listener);
        drop(self.redirect);
        connections.shutdown().await;
        Ok(())
    }
}

/// The next connection on `listener`, or never when there is none.
async fn accept_on(listener: Option<&TcpListener>) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

/// After a failed accept: a connection that failed before it was accepted is nothing to wait
/// for; anything else (out of file descriptors, say) is logged, and the loop pauses so as not to
/// spin while it lasts.
async fn pause_after_accept_error(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(cause = %error, "could not accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// The routes and their guards. Layers listed later wrap those listed earlier, so a request
/// meets, in order: the guard (log line, error pages, security headers), the cross-origin check,
/// the timeout and the body limit.
fn router(state: Shared, https: bool) -> Router {
    let cross_origin = CsrfLayer::new().with_rejection_response(|_| Notice::Forbidden.into_response());
    // A paired practice's sync: JSON, each body at most what a push of many links and a few
    // versions of the questions needs.
    let sync = Router::new()
        .route("/relay/v1/pair", post(sync_api::pair))
        .route("/relay/v1/push", post(sync_api::push))
        .route("/relay/v1/waiting", get(sync_api::waiting))
        .route("/relay/v1/acknowledge", post(sync_api::acknowledge))
        .layer(DefaultBodyLimit::max(SYNC_BODY_LIMIT));
    Router::new()
        .merge(sync)
        .route("/i/{token}", get(handlers::show_form).post(sent::submit_form))
        .route("/c/{token}", get(handlers::show_checkin).post(sent::submit_checkin))
        .route(sent::THANKS_PATH, get(handlers::thanks))
        .route("/healthz", get(handlers::healthz))
        .route("/static/intake.css", get(handlers::stylesheet))
        .route("/static/intake.js", get(handlers::script))
        .fallback(handlers::not_found)
        .with_state(state)
        // A post reads its body itself, once its link is found, with a limit worked out from the
        // questions the link shows, so that answers within their limits fit in any script.
        .layer(DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(cross_origin)
        .layer(axum::middleware::from_fn(guards::guard))
        .layer(tower::util::option_layer(https.then(|| {
            tower_http::set_header::SetResponseHeaderLayer::overriding(
                axum::http::header::STRICT_TRANSPORT_SECURITY,
                axum::http::HeaderValue::from_static(HSTS),
            )
        })))
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a Ctrl-C handler, wait for the other signal only.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
