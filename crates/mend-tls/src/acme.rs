//! A certificate obtained and renewed by ACME (Let's Encrypt, or any RFC 8555 server), without a
//! proxy or certbot: the relay answers the challenge itself, on its HTTPS port (TLS-ALPN-01) or,
//! where its HTTP port is open, on that (HTTP-01).
//!
//! The account and the certificate are kept in the relay's folder, readable by its user alone,
//! so a restart serves the same certificate without a new order. Renewal starts once two thirds
//! of the certificate's life have passed; a failure is logged and retried with a growing pause
//! while the old certificate keeps serving.

use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, BodyWrapper, BytesResponse, ChallengeType, HttpClient,
    Identifier, NewAccount, NewOrder, OrderStatus, RetryPolicy,
};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::TlsError;
use crate::certs::{Certificates, Loaded};

/// Let's Encrypt's production directory, the default.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory, for trying a set-up without its production rate limits.
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// The first pause after a failed order; each failure doubles it, up to [`LONGEST_PAUSE`].
pub const FIRST_PAUSE: Duration = Duration::from_secs(60);
/// The longest pause between tries.
pub const LONGEST_PAUSE: Duration = Duration::from_secs(6 * 60 * 60);
/// How often a served certificate is looked at, even when its renewal is far off.
const CHECK_EVERY: Duration = Duration::from_secs(12 * 60 * 60);

/// How to obtain the relay's certificate.
#[derive(Debug, Clone)]
pub struct AcmeSettings {
    /// The names the certificate is for.
    pub domains: Vec<String>,
    /// An e-mail address the CA may write to about the certificate.
    pub contact: Option<String>,
    /// The ACME directory's URL.
    pub directory: String,
    /// A PEM file with the CA that signs the directory's own HTTPS certificate, for a test or
    /// private CA; without it, the public web's roots.
    pub root: Option<PathBuf>,
    /// Where the account and the certificate are kept (a folder only the relay's user reads).
    pub state_dir: PathBuf,
    /// Whether plain HTTP reaches this server, so HTTP-01 may be answered.
    pub http_open: bool,
}

/// What is kept of the account, per directory.
#[derive(Serialize, Deserialize)]
struct StoredAccount {
    directory: String,
    credentials: AccountCredentials,
}

/// What is kept of the certificate.
#[derive(Serialize, Deserialize)]
struct StoredCertificate {
    directory: String,
    domains: Vec<String>,
    chain_pem: String,
    key_pem: String,
}

const ACCOUNT_FILE: &str = "acme-account.json";
const CERTIFICATE_FILE: &str = "acme-certificate.json";

impl AcmeSettings {
    /// Checks the settings, prepares the folder and installs a kept certificate if it is for
    /// these domains, from this directory, and still valid; then orders and renews in the
    /// background. Returns once the certificate kept is installed, or at once if there is none.
    pub fn serve(self, certificates: &Arc<Certificates>) -> Result<(), TlsError> {
        for domain in &self.domains {
            check_domain(domain)?;
        }
        if self.domains.is_empty() {
            return Err(TlsError::BadDomain { name: String::new(), reason: "no domain was given".into() });
        }
        let agent = agent(self.root.as_deref())?;
        make_private_dir(&self.state_dir)?;
        if let Some(kept) = self.kept_certificate() {
            tracing::info!(until = %kept.validity.not_after, "tls: serving the certificate kept from the last order");
            certificates.install(kept);
        }
        let certificates = Arc::clone(certificates);
        tokio::spawn(async move { self.keep_renewed(agent, certificates).await });
        Ok(())
    }

    fn kept_certificate(&self) -> Option<Loaded> {
        let path = self.state_dir.join(CERTIFICATE_FILE);
        let kept: StoredCertificate = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        if kept.directory != self.directory || kept.domains != self.domains {
            return None;
        }
        Loaded::from_pem(kept.chain_pem.as_bytes(), kept.key_pem.as_bytes(), &path, &path).ok()
    }

    async fn keep_renewed(self, agent: ureq::Agent, certificates: Arc<Certificates>) {
        let mut pause = FIRST_PAUSE;
        loop {
            let due = certificates.validity().map(|v| v.renew_from());
            let now = OffsetDateTime::now_utc();
            if let Some(due) = due.filter(|due| *due > now) {
                let wait = Duration::try_from(due - now).unwrap_or(CHECK_EVERY).min(CHECK_EVERY);
                tokio::time::sleep(wait).await;
                continue;
            }
            tracing::info!(domains = ?self.domains, directory = %self.directory, "tls: ordering a certificate");
            match self.order(agent.clone(), &certificates).await {
                Ok(loaded) => {
                    tracing::info!(
                        until = %loaded.validity.not_after,
                        renew_from = %loaded.validity.renew_from(),
                        "tls: certificate obtained"
                    );
                    certificates.install(loaded);
                    pause = FIRST_PAUSE;
                }
                Err(error) => {
                    let serving = match certificates.validity() {
                        Some(v) => format!("the current certificate (valid until {}) keeps serving", v.not_after),
                        None => "HTTPS has no certificate until then".to_owned(),
                    };
                    tracing::error!("tls: {error}; {serving}; trying again in {} s", pause.as_secs());
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(LONGEST_PAUSE);
                }
            }
        }
    }

    async fn order(&self, agent: ureq::Agent, certificates: &Certificates) -> Result<Loaded, TlsError> {
        let account = self.account(agent).await?;
        let identifiers: Vec<Identifier> = self.domains.iter().map(|d| Identifier::Dns(d.clone())).collect();
        let mut order = account.new_order(&NewOrder::new(&identifiers)).await.map_err(refused)?;
        let mut authorizations = order.authorizations();
        while let Some(authorization) = authorizations.next().await {
            let mut authorization = authorization.map_err(refused)?;
            match authorization.status {
                AuthorizationStatus::Pending => {}
                AuthorizationStatus::Valid => continue,
                other => return Err(TlsError::Acme(format!("the CA refused an authorisation ({other:?})"))),
            }
            let offers_alpn = authorization.challenges.iter().any(|c| c.r#type == ChallengeType::TlsAlpn01);
            let kind = if offers_alpn {
                ChallengeType::TlsAlpn01
            } else if self.http_open {
                ChallengeType::Http01
            } else {
                return Err(TlsError::Acme(
                    "the CA offers no challenge this server can answer (TLS-ALPN-01 on the HTTPS port, or HTTP-01 with --http-addr)".into(),
                ));
            };
            let mut challenge = authorization
                .challenge(kind.clone())
                .ok_or_else(|| TlsError::Acme(format!("the CA withdrew its {kind:?} challenge")))?;
            let domain = match challenge.identifier().identifier {
                Identifier::Dns(name) => name.clone(),
                other => return Err(TlsError::Acme(format!("the CA asked about {other:?}, not a domain"))),
            };
            let answer = challenge.key_authorization();
            if kind == ChallengeType::TlsAlpn01 {
                certificates.open_challenges(&domain, Some(alpn_certificate(&domain, answer.digest().as_ref())?), None);
            } else {
                certificates.open_challenges(
                    &domain,
                    None,
                    Some((challenge.token.clone(), answer.as_str().to_owned())),
                );
            }
            challenge.set_ready().await.map_err(refused)?;
        }
        let patient = RetryPolicy::new().timeout(Duration::from_secs(90));
        let status = order.poll_ready(&patient).await.map_err(refused);
        certificates.close_challenges();
        match status? {
            OrderStatus::Ready => {}
            other => {
                return Err(TlsError::Acme(format!(
                    "the CA could not check the domain ({other:?}): is {} reachable from the internet on ports 443 (and 80 with --http-addr), pointing at this server?",
                    self.domains.join(", ")
                )));
            }
        }
        let key_pem = order.finalize().await.map_err(refused)?;
        let chain_pem = order.poll_certificate(&patient).await.map_err(refused)?;
        let path = self.state_dir.join(CERTIFICATE_FILE);
        let loaded = Loaded::from_pem(chain_pem.as_bytes(), key_pem.as_bytes(), &path, &path)?;
        let kept =
            StoredCertificate { directory: self.directory.clone(), domains: self.domains.clone(), chain_pem, key_pem };
        write_private(&path, &serde_json::to_vec(&kept).map_err(|e| TlsError::Acme(e.to_string()))?)?;
        Ok(loaded)
    }

    /// The account kept for this directory, or a new one (kept at once).
    async fn account(&self, agent: ureq::Agent) -> Result<Account, TlsError> {
        let path = self.state_dir.join(ACCOUNT_FILE);
        let builder = Account::builder_with_http(Box::new(UreqClient(agent)));
        let kept = std::fs::read(&path).ok().and_then(|bytes| serde_json::from_slice::<StoredAccount>(&bytes).ok());
        if let Some(kept) = kept.filter(|kept| kept.directory == self.directory) {
            return builder.from_credentials(kept.credentials).await.map_err(unreachable_directory);
        }
        let contact = self.contact.as_ref().map(|c| format!("mailto:{c}"));
        let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
        let new = NewAccount { contact: &contacts, terms_of_service_agreed: true, only_return_existing: false };
        let (account, credentials) =
            builder.create(&new, self.directory.clone(), None).await.map_err(unreachable_directory)?;
        let kept = StoredAccount { directory: self.directory.clone(), credentials };
        write_private(&path, &serde_json::to_vec(&kept).map_err(|e| TlsError::Acme(e.to_string()))?)?;
        Ok(account)
    }
}

fn refused(error: instant_acme::Error) -> TlsError {
    TlsError::Acme(format!("the CA refused: {error}"))
}

fn unreachable_directory(error: instant_acme::Error) -> TlsError {
    TlsError::Acme(format!("could not use the ACME directory: {error}"))
}

/// A name the CA could be asked about: letters, digits, hyphens and dots, no scheme or port.
fn check_domain(name: &str) -> Result<(), TlsError> {
    let bad = |reason: &str| TlsError::BadDomain { name: name.to_owned(), reason: reason.to_owned() };
    if name.is_empty() || name.len() > 253 {
        return Err(bad("a domain has 1 to 253 characters"));
    }
    if name.contains("://") || name.contains(':') || name.contains('/') {
        return Err(bad("give the name alone, without https:// or a port"));
    }
    let labels_ok = name.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if !labels_ok {
        return Err(bad("use letters, digits, hyphens and dots (write an international name in its xn-- form)"));
    }
    Ok(())
}

/// The self-signed certificate that answers a TLS-ALPN-01 challenge: for the domain, carrying
/// the digest of the key authorisation in the acmeIdentifier extension (RFC 8737).
fn alpn_certificate(domain: &str, digest: &[u8]) -> Result<Arc<CertifiedKey>, TlsError> {
    let failed = |e: rcgen::Error| TlsError::Acme(format!("could not make the challenge certificate: {e}"));
    let mut params = rcgen::CertificateParams::new(vec![domain.to_owned()]).map_err(failed)?;
    params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(digest)];
    let key = rcgen::KeyPair::generate().map_err(failed)?;
    let certificate = params.self_signed(&key).map_err(failed)?;
    let der = PrivatePkcs8KeyDer::from(key.serialize_der());
    let signing = crate::certs::provider()
        .key_provider
        .load_private_key(der.into())
        .map_err(|e| TlsError::Acme(format!("could not load the challenge key: {e}")))?;
    Ok(Arc::new(CertifiedKey::new(vec![CertificateDer::from(certificate.der().to_vec())], signing)))
}

/// The HTTP client that talks to the directory: ureq, already in the tree for the sync client,
/// run on a blocking thread. Its answers are read whole (an ACME answer is a few kilobytes).
fn agent(root: Option<&Path>) -> Result<ureq::Agent, TlsError> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let roots = match root {
        None => RootCerts::WebPki,
        Some(path) => {
            let pem = std::fs::read(path).map_err(|source| TlsError::Read { path: path.to_owned(), source })?;
            let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(TlsError::NoCertificate { path: path.to_owned() });
            }
            RootCerts::new_with_certs(&certs)
        }
    };
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .build();
    Ok(config.into())
}

struct UreqClient(ureq::Agent);

impl HttpClient for UreqClient {
    fn request(
        &self,
        request: ureq::http::Request<BodyWrapper<Bytes>>,
    ) -> Pin<Box<dyn Future<Output = Result<BytesResponse, instant_acme::Error>> + Send>> {
        let agent = self.0.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = match body.collect().await {
                Ok(collected) => collected.to_bytes().to_vec(),
                Err(never) => match never {},
            };
            let request = ureq::http::Request::from_parts(parts, body);
            let response = tokio::task::spawn_blocking(move || {
                let response = agent.run(request)?;
                let (parts, mut body) = response.into_parts();
                let bytes = body.read_to_vec()?;
                Ok::<_, ureq::Error>(ureq::http::Response::from_parts(parts, Full::new(Bytes::from(bytes))))
            })
            .await
            .map_err(|e| instant_acme::Error::Other(Box::new(e)))?
            .map_err(|e| instant_acme::Error::Other(Box::new(e)))?;
            Ok(BytesResponse::from(response))
        })
    }
}

/// Creates `dir` readable by its owner alone (or narrows it to that).
fn make_private_dir(dir: &Path) -> Result<(), TlsError> {
    let failed = |source| TlsError::State { path: dir.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(failed)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(failed)?;
    }
    Ok(())
}

/// Writes a file only its owner may read, whole or not at all: a temporary file, synced, then
/// renamed over the old one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    let failed = |source| TlsError::State { path: path.to_owned(), source };
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    std::fs::rename(&temporary, path).map_err(failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_names_alone() {
        assert!(check_domain("intake.example.org").is_ok());
        assert!(check_domain("xn--bcher-kva.example").is_ok());
        for bad in ["", "https://intake.example.org", "intake.example.org:443", "a..b", "-a.example", "bücher.example"]
        {
            assert!(check_domain(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn kept_files_are_private_and_whole() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("tls");
        make_private_dir(&state).unwrap();
        let path = state.join("kept.json");
        write_private(&path, b"{}").unwrap();
        write_private(&path, b"{\"again\":1}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"again\":1}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&state).unwrap().permissions().mode() & 0o777, 0o700);
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(!path.with_extension("tmp").exists());
    }
}
