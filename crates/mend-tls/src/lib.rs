//! HTTPS for the relay: the certificate it serves, from PEM files that are read again when they
//! change, or obtained and renewed by ACME, and the TLS settings (rustls with ring, TLS 1.2 and
//! 1.3 only). The accept loop in mend-intake runs the handshakes; this crate decides what each
//! one presents.

mod acme;
mod certs;
mod files;
mod validity;

use std::path::PathBuf;

pub use acme::{AcmeSettings, FIRST_PAUSE, LETS_ENCRYPT, LETS_ENCRYPT_STAGING, LONGEST_PAUSE};
pub use certs::{ACME_TLS_ALPN, Certificates, Loaded, is_acme_challenge, server_config};
pub use files::{CertificateFiles, FILE_POLL};
pub use validity::Validity;

/// Why HTTPS could not start, or a certificate could not be renewed or reloaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A certificate file holds no certificate.
    #[error("{path} holds no certificate: give the PEM file with the server's certificate first, then its chain")]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A PEM file could not be read as PEM.
    #[error("{path} is not a PEM certificate file: {reason}")]
    BadPem {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A key file holds no usable private key.
    #[error("{path} holds no private key mend can use ({reason}): give the PEM key of the certificate, unencrypted")]
    NoKey {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The key is not the certificate's.
    #[error("the key in {key} does not belong to the certificate in {cert}: give the key the certificate was made for")]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The certificate has expired.
    #[error("the certificate in {path} expired on {not_after}: renew it, or use --domain to let mend obtain one")]
    Expired {
        /// The file.
        path: PathBuf,
        /// When it expired.
        not_after: time::OffsetDateTime,
    },
    /// The certificate is not valid yet.
    #[error("the certificate in {path} is not valid until {not_before}: check the machine's clock")]
    NotYetValid {
        /// The file.
        path: PathBuf,
        /// When it becomes valid.
        not_before: time::OffsetDateTime,
    },
    /// A domain that cannot be ordered.
    #[error("cannot order a certificate for {name:?}: {reason}")]
    BadDomain {
        /// The name given.
        name: String,
        /// What was wrong.
        reason: String,
    },
    /// The folder for the account and certificate could not be used.
    #[error("cannot keep the certificate in {path}: {source}")]
    State {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The ACME server could not be used or refused.
    #[error("{0}")]
    Acme(String),
    /// The TLS settings were refused.
    #[error("the TLS settings are not usable: {0}")]
    Settings(String),
}
