//! A certificate kept in files by someone else (certbot, a company's CA): read at start, and read
//! again when the files change or the process gets SIGHUP, so a renewal needs no restart.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::TlsError;
use crate::certs::{Certificates, Loaded};

/// How often the files' modification times are looked at. A `stat` of two files costs nothing;
/// a renewer that replaces them is seen within this long.
pub const FILE_POLL: Duration = Duration::from_secs(2);

/// A certificate chain and key in PEM files.
#[derive(Debug, Clone)]
pub struct CertificateFiles {
    /// The chain, the server's own certificate first.
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
}

impl CertificateFiles {
    /// Reads and checks the files; any fault is an error, so a server never starts on a bad pair.
    pub fn load(&self) -> Result<Loaded, TlsError> {
        Loaded::from_files(&self.cert, &self.key)
    }

    /// Installs the files' certificate, then watches them: a change, or SIGHUP, reloads them. A
    /// pair that does not load is logged and the certificate already served keeps serving.
    pub fn serve(self, certificates: &Arc<Certificates>) -> Result<(), TlsError> {
        certificates.install(self.load()?);
        let certificates = Arc::clone(certificates);
        tokio::spawn(async move { self.watch(certificates).await });
        Ok(())
    }

    async fn watch(self, certificates: Arc<Certificates>) {
        let mut seen = self.stamp();
        let mut hangup = hangup_signal();
        loop {
            let asked = tokio::select! {
                () = tokio::time::sleep(FILE_POLL) => false,
                () = next_signal(&mut hangup) => true,
            };
            let stamp = self.stamp();
            if !asked && stamp == seen {
                continue;
            }
            seen = stamp;
            match self.load() {
                Ok(loaded) => {
                    tracing::info!(until = %loaded.validity.not_after, "tls: certificate files read again");
                    certificates.install(loaded);
                }
                Err(error) => {
                    tracing::error!("tls: {error}; the certificate already loaded keeps serving")
                }
            }
        }
    }

    /// What tells a changed file: its modification time and length, for both files.
    fn stamp(&self) -> [Option<(SystemTime, u64)>; 2] {
        let of = |path: &PathBuf| std::fs::metadata(path).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
        [of(&self.cert), of(&self.key)]
    }
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = Option<()>;

#[cfg(unix)]
fn hangup_signal() -> Hangup {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}
#[cfg(not(unix))]
fn hangup_signal() -> Hangup {
    None
}

async fn next_signal(hangup: &mut Hangup) {
    #[cfg(unix)]
    if let Some(signal) = hangup
        && signal.recv().await.is_some()
    {
        return;
    }
    let _ = hangup;
    std::future::pending::<()>().await;
}
