//! The therapist's configuration file: where it is and what it may say, below both the context and the keys that read it.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::args::Paper;
use crate::values::BaseUrl;

/// The therapist's settings, from `config.toml` in the platform's config directory. Every field
/// is optional; flags on the command line win over it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// The practice's name, printed on homework sheets.
    pub(crate) practice_name: Option<String>,
    /// The therapist's name, printed on homework sheets beside the practice's.
    pub(crate) therapist_name: Option<String>,
    /// `letter` or `a4`.
    pub(crate) paper: Option<Paper>,
    /// Default session length in minutes.
    pub(crate) session_minutes: Option<u32>,
    /// The public address of the intake server, for invitation links.
    pub(crate) base_url: Option<BaseUrl>,
    /// The therapist's policy on secrets, shown on the intake form.
    pub(crate) secrets_policy: Option<String>,
    /// A file holding the passphrase that unlocks the key file, so `mend serve` can start
    /// unattended.
    pub(crate) passphrase_file: Option<PathBuf>,
    /// Where the key file is (default: `mend.key` beside this configuration file).
    pub(crate) key_file: Option<PathBuf>,
    /// The relay's folder on this machine, which `mend serve` serves (default: beside the
    /// record, `mend.relay` for `mend.db`).
    pub(crate) relay_dir: Option<PathBuf>,
    /// `mend serve`'s settings, for a relay run as a service (`/etc/mend/serve.toml`).
    pub(crate) serve: Option<ServeConfig>,
    /// The mail server links and reminders go through; without it, links are printed to hand over.
    pub(crate) mail: Option<MailConfig>,
}

/// The `[mail]` table: how mend reaches the practice's mail server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MailConfig {
    /// The mail server's name.
    pub(crate) host: String,
    /// Its port (default: 587 for starttls, 465 for tls, 25 for none).
    pub(crate) port: Option<u16>,
    /// `starttls`, `tls`, or `none` (only to a mail server on this machine).
    pub(crate) security: MailSecurity,
    /// The login name, if the server asks for one.
    pub(crate) username: Option<String>,
    /// A file holding the password (only its owner may read it); never the password itself here.
    pub(crate) password_file: Option<PathBuf>,
    /// The sender, `Name <address>`.
    pub(crate) from: String,
    /// How partners may reach the practice, printed in every message (default: the from address).
    pub(crate) contact: Option<String>,
    /// An extra CA to trust for the mail server's certificate (PEM), for a practice's own server.
    pub(crate) tls_root: Option<PathBuf>,
}

/// `security` in `[mail]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MailSecurity {
    /// STARTTLS on a plain connection, required.
    Starttls,
    /// TLS from the first byte.
    Tls,
    /// No encryption, to this machine only.
    None,
}

/// The `[serve]` table: the flags of `mend serve`, for a service that starts it without any.
/// A flag given on the command line wins over the same setting here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServeConfig {
    /// Plain HTTP address, when HTTPS is not asked for.
    pub(crate) addr: Option<String>,
    /// The HTTPS address.
    pub(crate) https_addr: Option<String>,
    /// The plain-HTTP address that redirects to HTTPS.
    pub(crate) http_addr: Option<String>,
    /// A certificate chain file (PEM).
    pub(crate) tls_cert: Option<PathBuf>,
    /// Its key file (PEM).
    pub(crate) tls_key: Option<PathBuf>,
    /// Names to obtain a certificate for by ACME.
    #[serde(default)]
    pub(crate) domains: Vec<String>,
    /// An e-mail address for the certificate authority.
    pub(crate) acme_contact: Option<String>,
    /// The ACME directory's URL.
    pub(crate) acme_directory: Option<String>,
    /// A CA to trust for the ACME directory.
    pub(crate) acme_root: Option<PathBuf>,
    /// The relay's folder.
    pub(crate) data: Option<PathBuf>,
    /// Whether to trust X-Forwarded-For.
    #[serde(default)]
    pub(crate) trust_proxy: bool,
    /// The proxies to trust it from, in place of loopback (addresses or CIDR blocks).
    #[serde(default)]
    pub(crate) trusted_proxies: Vec<String>,
}

/// Where the configuration file is: `MEND_CONFIG`, else the platform's config directory.
pub(crate) fn config_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("MEND_CONFIG") {
        return Ok(PathBuf::from(path));
    }
    let dirs = project_dirs()?;
    Ok(dirs.config_dir().join("config.toml"))
}

/// The platform's folders for mend, which hold the configuration and the default database.
pub(crate) fn project_dirs() -> Result<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "mend", "mend")
        .context("cannot find your home directory: set MEND_DB and MEND_CONFIG to paths mend may use")
}

impl Config {
    /// Reads the configuration; a missing file is the empty configuration.
    pub(crate) fn load() -> Result<Self> {
        let path = config_path()?;
        match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                // toml's own rendering draws the place over several lines; one is enough here.
                let place = e.span().map_or(String::new(), |span| {
                    let number = text[..span.start].matches('\n').count() + 1;
                    let line = text.lines().nth(number - 1).unwrap_or_default().trim();
                    format!(", line {number} ({line})")
                });
                anyhow::anyhow!(
                    "{}{place} is not a valid mend configuration: {}; fix it or delete the file",
                    path.display(),
                    e.message().trim()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}
