//! Sending a letter by SMTP: TLS from the first byte or by STARTTLS, the server's certificate
//! always verified (against the Mozilla roots and the one extra CA a practice may name), and
//! every outcome reduced to the server's reply code and one line.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use mend_core::EmailAddress;

use crate::letters::Letter;

/// How long to wait for the mail server at each step before giving up.
const TIMEOUT: Duration = Duration::from_secs(20);

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain at first, then TLS by STARTTLS before anything is said (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only to a mail server on this machine.
    None,
}

/// The practice's mail settings, checked.
#[derive(Clone)]
pub struct Settings {
    host: String,
    port: u16,
    security: Security,
    login: Option<(String, String)>,
    from: Mailbox,
    tls_root: Option<Vec<u8>>,
}

impl std::fmt::Debug for Settings {
    /// The password is left out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.login.as_ref().map(|(user, _)| user))
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// What is wrong with the mail settings, or what failed while sending.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The settings cannot work as written.
    #[error("{0}")]
    Settings(String),
    /// The mail server could not be reached, or the connection broke.
    #[error("cannot reach the mail server {server}: {detail}")]
    Unreachable {
        /// `host:port`.
        server: String,
        /// What failed.
        detail: String,
    },
    /// The TLS handshake failed, or the server's certificate did not verify.
    #[error("the mail server {server} failed the TLS check: {detail}")]
    Tls {
        /// `host:port`.
        server: String,
        /// What failed.
        detail: String,
    },
    /// The mail server took too long.
    #[error("the mail server {server} did not answer in time")]
    Timeout {
        /// `host:port`.
        server: String,
    },
    /// The mail server refused: the login, the sender, a recipient or the message.
    #[error("the mail server {server} refused: {code} {reply}")]
    Refused {
        /// `host:port`.
        server: String,
        /// The reply code, such as 535 or 550.
        code: u16,
        /// What it said, on one line.
        reply: String,
    },
}

impl MailError {
    /// The mail server's reply code, when it replied.
    pub fn reply_code(&self) -> Option<u16> {
        match self {
            Self::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl Settings {
    /// Checks mail settings as the configuration gives them. `password` is the content of the
    /// practice's password file; `tls_root` the PEM of an extra CA to trust.
    pub fn new(
        host: &str,
        port: Option<u16>,
        security: Security,
        login: Option<(String, String)>,
        from: &str,
        tls_root: Option<Vec<u8>>,
    ) -> Result<Self, MailError> {
        let host = host.trim().to_owned();
        if host.is_empty() {
            return Err(MailError::Settings("the mail host is empty: give the mail server's name".into()));
        }
        if security == Security::None && !is_loopback(&host) {
            return Err(MailError::Settings(format!(
                "security = \"none\" would send links unencrypted to {host}: it is allowed only to a mail server on \
                 this machine (localhost or 127.0.0.1); use \"starttls\" or \"tls\""
            )));
        }
        let from: Mailbox = from.parse().map_err(|e| {
            MailError::Settings(format!(
                "the from address {from:?} is not an address ({e}): write it as Name <name@example.org>"
            ))
        })?;
        if let Some(pem) = &tls_root {
            // lettre reads a file with no certificate in it as an empty list, without a word.
            let has_one = String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----");
            let parsed = Certificate::from_pem(pem).map_err(|e| e.to_string());
            if let Err(why) = parsed.and_then(|_| if has_one { Ok(()) } else { Err("no certificate in it".into()) }) {
                return Err(MailError::Settings(format!("the tls_root file is not a PEM certificate: {why}")));
            }
        }
        let port = port.unwrap_or(match security {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        });
        Ok(Self { host, port, security, login, from, tls_root })
    }

    /// `host:port`, as messages name the server.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The address messages come from.
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    fn transport(&self) -> Result<SmtpTransport, MailError> {
        let tls = match self.security {
            Security::None => Tls::None,
            Security::Starttls => Tls::Required(self.tls_parameters()?),
            Security::Tls => Tls::Wrapper(self.tls_parameters()?),
        };
        let mut builder = SmtpTransport::builder_dangerous(&self.host).port(self.port).tls(tls).timeout(Some(TIMEOUT));
        if let Some((user, password)) = &self.login {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }

    fn tls_parameters(&self) -> Result<TlsParameters, MailError> {
        let mut parameters = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.tls_root {
            let root = Certificate::from_pem(pem)
                .map_err(|e| MailError::Settings(format!("the tls_root file is not a PEM certificate: {e}")))?;
            parameters = parameters.add_root_certificate(root);
        }
        parameters.build_rustls().map_err(|e| MailError::Tls { server: self.server(), detail: e.to_string() })
    }

    /// Sends one letter to one address over a connection of its own. Returns the server's reply
    /// code on success.
    pub fn send(&self, to: &EmailAddress, letter: &Letter) -> Result<u16, MailError> {
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|e| MailError::Settings(format!("{to} cannot be written to by the mail library ({e})")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(letter.body.clone())
            .map_err(|e| MailError::Settings(format!("the message could not be put together: {e}")))?;
        let response = self.transport()?.send(&message).map_err(|e| self.explain(&e))?;
        Ok(u16::from(response.code()))
    }

    /// One failure in the words of [`MailError`], never with the message in it.
    fn explain(&self, e: &lettre::transport::smtp::Error) -> MailError {
        let server = self.server();
        if let Some(code) = e.status() {
            // lettre's text is "permanent error (550): …"; the reply after the code is what the
            // server said.
            let text = e.to_string();
            let reply = text.split_once("): ").map_or(text.as_str(), |(_, said)| said).trim();
            return MailError::Refused { server, code: u16::from(code), reply: one_line(reply) };
        }
        if e.is_timeout() {
            return MailError::Timeout { server };
        }
        let detail = one_line(&chain(e));
        if e.is_tls() || detail.contains("certificate") || detail.contains("TLS") {
            MailError::Tls { server, detail }
        } else {
            MailError::Unreachable { server, detail }
        }
    }
}

/// An error with its causes, as one sentence.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_is_refused_to_any_server_but_this_machine() {
        let err = Settings::new("mail.example.org", None, Security::None, None, "Practice <p@example.org>", None)
            .unwrap_err();
        assert!(err.to_string().contains("only to a mail server on this machine"), "{err}");
        for here in ["localhost", "127.0.0.1", "[::1]"] {
            assert!(Settings::new(here, Some(2525), Security::None, None, "p@example.org", None).is_ok(), "{here}");
        }
        let settings =
            Settings::new("mail.example.org", None, Security::Starttls, None, "Practice <p@example.org>", None)
                .unwrap();
        assert_eq!(settings.server(), "mail.example.org:587");
        let bad_from = Settings::new("localhost", None, Security::None, None, "not an address", None).unwrap_err();
        assert!(bad_from.to_string().contains("Name <name@example.org>"), "{bad_from}");
        let bad_root =
            Settings::new("localhost", None, Security::Tls, None, "p@example.org", Some(b"junk".to_vec())).unwrap_err();
        assert!(bad_root.to_string().contains("tls_root"), "{bad_root}");
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let login = Some(("practice".to_owned(), "correct-horse-battery".to_owned()));
        let settings = Settings::new("localhost", None, Security::None, login, "p@example.org", None).unwrap();
        assert!(!format!("{settings:?}").contains("correct-horse"));
    }
}
