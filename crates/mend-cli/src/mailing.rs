//! E-mail as the commands use it: the practice's mail settings read once, and links delivered to
//! each partner's own address only when the record says a message is safe for them. Every
//! attempt is recorded (when, and the server's reply; never the message).

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use mend_core::reach::may_message;
use mend_core::{Couple, CoupleRecord, Program};
use mend_mail::{Letter, MailError, Security, Sender, Settings};
use mend_store::{InvitationId, MailAttempt, MailPurpose, Store};
use serde::Serialize;

use crate::config::{MailConfig, MailSecurity};
use crate::context::{Context, now};

/// The practice's mail server and how its messages are signed.
#[derive(Debug)]
pub(crate) struct Mail {
    pub(crate) settings: Settings,
    pub(crate) sender: Sender,
}

/// Reads the `[mail]` table, the password file and the extra CA, or says what to fix. `None`
/// when the configuration has no `[mail]`.
pub(crate) fn configured(ctx: &Context) -> Result<Option<Mail>> {
    let Some(mail) = &ctx.config.mail else { return Ok(None) };
    Ok(Some(read(ctx, mail)?))
}

/// As [`configured`], for a command that cannot work without mail.
pub(crate) fn required(ctx: &Context, what: &str) -> Result<Mail> {
    match configured(ctx)? {
        Some(mail) => Ok(mail),
        None => bail!(
            "{what} needs a mail server, and the configuration has no [mail] table: add one (host, security, from; \
             see `mend config path` and docs/guide.md, \"The week\")"
        ),
    }
}

fn read(ctx: &Context, mail: &MailConfig) -> Result<Mail> {
    let Some(practice) = ctx.config.practice_name.clone() else {
        bail!(
            "messages are signed with the practice's name, and the configuration has none: set practice_name (see \
             `mend config path`)"
        );
    };
    let login = match (&mail.username, &mail.password_file) {
        (Some(user), Some(file)) => Some((user.clone(), read_password(file)?)),
        (Some(_), None) => bail!("[mail] has a username but no password_file: name the file that holds the password"),
        (None, Some(_)) => bail!("[mail] has a password_file but no username: give the login name too"),
        (None, None) => None,
    };
    let tls_root = match &mail.tls_root {
        Some(file) => Some(std::fs::read(file).with_context(|| {
            format!("cannot read the mail server's CA {} named by tls_root in [mail]", file.display())
        })?),
        None => None,
    };
    let security = match mail.security {
        MailSecurity::Starttls => Security::Starttls,
        MailSecurity::Tls => Security::Tls,
        MailSecurity::None => Security::None,
    };
    let settings = Settings::new(&mail.host, mail.port, security, login, &mail.from, tls_root)
        .context("the [mail] settings in the configuration cannot work")?;
    let contact = mail.contact.clone().unwrap_or_else(|| settings.from_address());
    Ok(Mail { settings, sender: Sender { practice, contact } })
}

/// The password, from a file only its owner may read (as the key file is kept).
fn read_password(file: &Path) -> Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(file)
            .with_context(|| format!("cannot read the mail password_file {}", file.display()))?;
        if meta.permissions().mode() & 0o077 != 0 {
            bail!(
                "the mail password_file {} may be read by other users: make it yours alone with `chmod 600 {}`",
                file.display(),
                file.display()
            );
        }
    }
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the mail password_file {}", file.display()))?;
    let password = text.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("the mail password_file {} is empty: put the password in it", file.display());
    }
    Ok(password)
}

/// What became of one partner's message.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub(crate) enum Delivery {
    /// The mail server accepted it.
    Sent {
        /// The address it went to.
        to: String,
        /// The server's reply code.
        reply_code: u16,
    },
    /// Nothing was sent on purpose: the record says a message is not safe, or has no address.
    Withheld {
        /// Why, for the therapist.
        why: String,
    },
    /// The mail server or the network failed; nothing was recorded as sent.
    Failed {
        /// What failed, in one line.
        why: String,
        /// The server's reply code, if it replied.
        reply_code: Option<u16>,
    },
}

impl Delivery {
    /// One line for the therapist, after the partner's name.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Sent { to, .. } => format!("e-mailed to {to}"),
            Self::Withheld { why } => format!("not e-mailed: {why}; give it by hand"),
            Self::Failed { why, .. } => format!("NOT e-mailed: {why}; give it by hand, or try again later"),
        }
    }

    pub(crate) fn failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }
}

/// Where a message to `partner` of `couple` may go, or why none may at all: an unsafe home (the
/// record's rule, asked first) or no address.
pub(crate) fn address_for<'a>(
    program: &Program,
    record: &CoupleRecord,
    couple: &'a Couple,
    partner: &str,
) -> Result<&'a mend_core::EmailAddress, String> {
    may_message(program, record, partner).map_err(|why| why.to_string())?;
    couple
        .partners
        .iter()
        .find(|p| p.name.as_str() == partner)
        .and_then(|p| p.email.as_ref())
        .ok_or_else(|| format!("no e-mail address is recorded for {partner} (`mend couple email`)"))
}

/// Sends `letter` to `partner` of `couple` for the link `invitation`, unless the record says not
/// to, and records the attempt.
#[allow(clippy::too_many_arguments)]
pub(crate) fn deliver(
    mail: &Mail,
    store: &mut Store,
    program: &Program,
    record: &CoupleRecord,
    couple: &Couple,
    partner: &str,
    invitation: InvitationId,
    purpose: MailPurpose,
    letter: &Letter,
) -> Result<Delivery> {
    let to = match address_for(program, record, couple, partner) {
        Ok(to) => to,
        Err(why) => return Ok(Delivery::Withheld { why }),
    };
    let (attempt, delivery) = match mail.settings.send(to, letter) {
        Ok(code) => (
            MailAttempt { sent: true, reply_code: Some(code), failure: None },
            Delivery::Sent { to: to.to_string(), reply_code: code },
        ),
        Err(e) => failure(&e),
    };
    store.record_mail(invitation, purpose, &attempt, now()).context("the attempt could not be recorded")?;
    Ok(delivery)
}

fn failure(e: &MailError) -> (MailAttempt, Delivery) {
    let why = e.to_string();
    (
        MailAttempt { sent: false, reply_code: e.reply_code(), failure: Some(why.clone()) },
        Delivery::Failed { why, reply_code: e.reply_code() },
    )
}
