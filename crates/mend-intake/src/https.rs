//! HTTPS for the relay: which certificate it serves ([`mend_tls`] keeps and renews it), the
//! `Strict-Transport-Security` header on every HTTPS answer, and the plain-HTTP listener that
//! only redirects to HTTPS and answers ACME's HTTP-01 challenges.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mend_tls::{AcmeSettings, CertificateFiles, Certificates};

use crate::IntakeError;
use crate::guards;
use crate::pages::Notice;

/// `Strict-Transport-Security` on every HTTPS answer: a year, so that a browser that has once
/// reached the relay never tries it in plain HTTP again, where a link could be read on the way.
pub const HSTS: &str = "max-age=31536000";

/// How the relay speaks HTTPS.
#[derive(Debug, Clone)]
pub struct Https {
    /// Where its certificate comes from.
    pub certificate: CertificateSource,
    /// A plain-HTTP address that redirects to HTTPS (308) and answers HTTP-01 challenges.
    pub http_addr: Option<SocketAddr>,
}

/// Where the relay's certificate comes from.
#[derive(Debug, Clone)]
pub enum CertificateSource {
    /// PEM files kept by someone else, read again when they change or on SIGHUP.
    Files(CertificateFiles),
    /// Obtained and renewed by ACME, kept in the relay's folder under `tls/`.
    Acme {
        /// The names the certificate is for.
        domains: Vec<String>,
        /// An e-mail address for the CA.
        contact: Option<String>,
        /// The ACME directory's URL.
        directory: String,
        /// A CA to trust for the directory itself (tests, private CAs).
        root: Option<PathBuf>,
    },
}

impl Https {
    /// Loads or starts obtaining the certificate. Files that do not load stop the start here;
    /// an ACME order goes on in the background, answered on the HTTPS port being bound.
    pub(crate) fn start(&self, data_dir: &std::path::Path) -> Result<Arc<Certificates>, IntakeError> {
        let certificates = Certificates::empty();
        match &self.certificate {
            CertificateSource::Files(files) => files.clone().serve(&certificates)?,
            CertificateSource::Acme { domains, contact, directory, root } => AcmeSettings {
                domains: domains.clone(),
                contact: contact.clone(),
                directory: directory.clone(),
                root: root.clone(),
                state_dir: data_dir.join("tls"),
                http_open: self.http_addr.is_some(),
            }
            .serve(&certificates)?,
        }
        Ok(certificates)
    }
}

#[derive(Clone)]
struct RedirectState {
    certificates: Arc<Certificates>,
    https_port: u16,
}

/// The plain-HTTP routes: an HTTP-01 answer while an order is open, else a redirect to HTTPS.
pub(crate) fn redirect_router(certificates: Arc<Certificates>, https_port: u16) -> Router {
    Router::new()
        .route("/.well-known/acme-challenge/{token}", get(challenge_answer))
        .fallback(to_https)
        .with_state(RedirectState { certificates, https_port })
        .layer(axum::middleware::from_fn(guards::guard))
}

async fn challenge_answer(State(state): State<RedirectState>, Path(token): Path<String>) -> Response {
    match state.certificates.http_answer(&token) {
        Some(answer) => ([(header::CONTENT_TYPE, "application/octet-stream")], answer).into_response(),
        None => Notice::InvalidLink.into_response(),
    }
}

/// A 308 to the same path over HTTPS: a post stays a post, so a form sent over plain HTTP by an
/// old bookmark is sent again over HTTPS rather than lost.
async fn to_https(State(state): State<RedirectState>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()).and_then(host_alone) else {
        return Notice::BadRequest.into_response();
    };
    let authority = if state.https_port == 443 { host.to_owned() } else { format!("{host}:{}", state.https_port) };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    match HeaderValue::try_from(format!("https://{authority}{path}")) {
        Ok(location) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response(),
        Err(_) => Notice::BadRequest.into_response(),
    }
}

/// The host of a `Host` header without its port, if it is a plain name or address (nothing that
/// could turn the redirect into a link to somewhere else).
fn host_alone(value: &str) -> Option<&str> {
    let host = if value.starts_with('[') {
        &value[..=value.find(']')?]
    } else {
        value
            .rsplit_once(':')
            .map_or(value, |(host, port)| if port.bytes().all(|b| b.is_ascii_digit()) { host } else { value })
    };
    let plain = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    plain.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::host_alone;

    #[test]
    fn the_redirect_keeps_the_host_and_nothing_else() {
        assert_eq!(host_alone("intake.example.org"), Some("intake.example.org"));
        assert_eq!(host_alone("intake.example.org:80"), Some("intake.example.org"));
        assert_eq!(host_alone("[::1]:8080"), Some("[::1]"));
        assert_eq!(host_alone("evil.example/@x"), None);
        assert_eq!(host_alone(""), None);
        assert_eq!(host_alone("a b"), None);
    }
}
