//! A test CA for the journeys that speak TLS: the relay's HTTPS and the mail server's STARTTLS.

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::CertificateDer;

/// A test CA that signs server certificates.
pub(crate) struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pub(crate) pem: String,
}

impl TestCa {
    pub(crate) fn new() -> Self {
        let mut params = CertificateParams::new(Vec::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, "mend test CA");
        let key = KeyPair::generate().expect("CA key");
        let certificate = params.self_signed(&key).expect("CA certificate");
        TestCa { pem: certificate.pem(), issuer: Issuer::new(params, key) }
    }

    /// A certificate for localhost and 127.0.0.1, as (chain PEM, key PEM, DER).
    pub(crate) fn server_certificate(&self, not_after: time::OffsetDateTime) -> (String, String, Vec<u8>) {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("server parameters");
        params.not_after = not_after;
        let key = KeyPair::generate().expect("server key");
        let certificate = params.signed_by(&key, &self.issuer).expect("sign the server certificate");
        (certificate.pem(), key.serialize_pem(), certificate.der().to_vec())
    }

    pub(crate) fn roots(&self) -> rustls::RootCertStore {
        roots_from_pem(self.pem.as_bytes())
    }
}

pub(crate) fn roots_from_pem(pem: &[u8]) -> rustls::RootCertStore {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem) {
        roots.add(certificate.expect("a PEM certificate")).expect("add a root");
    }
    roots
}
