//! The certificate the relay serves, swapped in place when it is renewed or its files change, and
//! the answers to the challenges an ACME server sends to prove the domain is ours.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, version};
use time::OffsetDateTime;

use crate::TlsError;
use crate::validity::Validity;

/// The ALPN protocol an ACME server names when it checks a TLS-ALPN-01 challenge (RFC 8737).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// A certificate chain with its key, checked, and when it is valid.
#[derive(Clone)]
pub struct Loaded {
    pub(crate) key: Arc<CertifiedKey>,
    /// When the first certificate of the chain is valid.
    pub validity: Validity,
}

impl fmt::Debug for Loaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded").field("validity", &self.validity).finish_non_exhaustive()
    }
}

impl Loaded {
    /// Checks a PEM chain and key: both present, the key the certificate's own, and the
    /// certificate valid now. `cert_name` and `key_name` say where each came from in errors.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8], cert_name: &Path, key_name: &Path) -> Result<Loaded, TlsError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::BadPem { path: cert_name.to_owned(), reason: e.to_string() })?;
        let leaf = chain.first().ok_or_else(|| TlsError::NoCertificate { path: cert_name.to_owned() })?;
        let validity = Validity::of(leaf).ok_or_else(|| TlsError::BadPem {
            path: cert_name.to_owned(),
            reason: "its first certificate cannot be read".into(),
        })?;
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| TlsError::NoKey { path: key_name.to_owned(), reason: e.to_string() })?;
        let provider = provider();
        let signing = provider
            .key_provider
            .load_private_key(key)
            .map_err(|e| TlsError::NoKey { path: key_name.to_owned(), reason: e.to_string() })?;
        let key = CertifiedKey::new(chain, signing);
        key.keys_match().map_err(|_| TlsError::Mismatch { cert: cert_name.to_owned(), key: key_name.to_owned() })?;
        let now = OffsetDateTime::now_utc();
        if validity.not_after < now {
            return Err(TlsError::Expired { path: cert_name.to_owned(), not_after: validity.not_after });
        }
        if validity.not_before > now {
            return Err(TlsError::NotYetValid { path: cert_name.to_owned(), not_before: validity.not_before });
        }
        Ok(Loaded { key: Arc::new(key), validity })
    }

    /// Reads and checks a certificate chain and key from PEM files.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Loaded, TlsError> {
        let read = |path: &Path| std::fs::read(path).map_err(|source| TlsError::Read { path: path.to_owned(), source });
        Loaded::from_pem(&read(cert)?, &read(key)?, cert, key)
    }
}

/// What the HTTPS listener presents: the current certificate, and for an ACME server checking
/// the domain, the challenge's own certificate. Cheap to read on every handshake.
#[derive(Default)]
pub struct Certificates {
    serving: RwLock<Option<Loaded>>,
    alpn_answers: RwLock<HashMap<String, Arc<CertifiedKey>>>,
    http_answers: RwLock<HashMap<String, String>>,
}

impl fmt::Debug for Certificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificates").field("serving", &self.validity()).finish_non_exhaustive()
    }
}

impl Certificates {
    /// No certificate yet: handshakes fail until one is installed (an ACME order in progress).
    pub fn empty() -> Arc<Certificates> {
        Arc::new(Certificates::default())
    }

    /// Starts serving `loaded`, in place of what was served before.
    pub fn install(&self, loaded: Loaded) {
        *self.serving.write().unwrap_or_else(|e| e.into_inner()) = Some(loaded);
    }

    /// The validity of the certificate being served, if there is one.
    pub fn validity(&self) -> Option<Validity> {
        self.serving.read().unwrap_or_else(|e| e.into_inner()).as_ref().map(|l| l.validity)
    }

    /// The DER bytes of the certificate being served, if there is one.
    pub fn serving_der(&self) -> Option<Vec<u8>> {
        let serving = self.serving.read().unwrap_or_else(|e| e.into_inner());
        serving.as_ref().and_then(|l| l.key.cert.first()).map(|c| c.as_ref().to_vec())
    }

    /// The answer to an HTTP-01 challenge for `token`, while it is open.
    pub fn http_answer(&self, token: &str) -> Option<String> {
        self.http_answers.read().unwrap_or_else(|e| e.into_inner()).get(token).cloned()
    }

    pub(crate) fn open_challenges(
        &self,
        domain: &str,
        alpn: Option<Arc<CertifiedKey>>,
        http: Option<(String, String)>,
    ) {
        if let Some(alpn) = alpn {
            self.alpn_answers.write().unwrap_or_else(|e| e.into_inner()).insert(domain.to_owned(), alpn);
        }
        if let Some((token, answer)) = http {
            self.http_answers.write().unwrap_or_else(|e| e.into_inner()).insert(token, answer);
        }
    }

    pub(crate) fn close_challenges(&self) {
        self.alpn_answers.write().unwrap_or_else(|e| e.into_inner()).clear();
        self.http_answers.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let challenge = hello.alpn().is_some_and(|mut offered| offered.any(|p| p == ACME_TLS_ALPN));
        if challenge {
            let name = hello.server_name()?;
            return self.alpn_answers.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned();
        }
        self.serving.read().unwrap_or_else(|e| e.into_inner()).as_ref().map(|l| Arc::clone(&l.key))
    }
}

/// ring, the provider ureq already uses. rustls 0.23.48 marks it deprecated because it has no
/// post-quantum key exchange; aws-lc-rs has, but it is a C and assembly build (cmake, and Go for
/// some targets) on every fresh machine, for connections whose secrets are sealed end to end
/// anyway. Revisit when ring gains ML-KEM or the project takes aws-lc-rs in.
#[allow(deprecated)]
pub(crate) fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// The relay's TLS settings: TLS 1.3 and 1.2 only, HTTP/1.1, and the ACME challenge protocol.
pub fn server_config(certificates: Arc<Certificates>) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&version::TLS13, &version::TLS12])
        .map_err(|e| TlsError::Settings(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(certificates);
    config.alpn_protocols = vec![b"http/1.1".to_vec(), ACME_TLS_ALPN.to_vec()];
    Ok(Arc::new(config))
}

/// Whether a finished handshake was an ACME server checking a challenge: such a connection
/// carries no request and is closed at once.
pub fn is_acme_challenge(alpn: Option<&[u8]>) -> bool {
    alpn == Some(ACME_TLS_ALPN)
}
