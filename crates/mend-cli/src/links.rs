//! Links as the therapist's mend makes them: pushed to the relay with what their pages show, and
//! printed once.

use anyhow::{Context as _, Result};
use mend_relay::{LinkDetails, LinkKind};
use mend_store::{CheckinAsks, LinkRequest, MailPurpose, Store};
use mend_sync::NewLink;
use serde::Serialize;

use crate::context::Context;
use crate::mailing::{Delivery, Mail, deliver};
use crate::values::BaseUrl;

/// One link, as printed.
#[derive(Serialize)]
pub(crate) struct Link {
    pub(crate) partner: String,
    pub(crate) url: String,
    pub(crate) expires_at: String,
    /// With `--send`, what became of the message that carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mail: Option<Delivery>,
    #[serde(skip)]
    pub(crate) invitation: mend_store::InvitationId,
    #[serde(skip)]
    pub(crate) expires: time::OffsetDateTime,
}

/// When a link stops working, to the minute: a link may last only hours.
pub(crate) const UNTIL: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

/// The same instant as the store writes it, so `invite` and `couple show` agree in JSON.
pub(crate) const STAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Makes the links in the record and pushes them to the practice's relay (joining the folder
/// beside the record the first time), before the record commits them: if the relay cannot take
/// them, nothing is made. Returns each link as printed, in the order asked.
///
/// The links start with `flag` (`--base-url`), else the configuration's `base_url`, else the
/// address of a relay on another machine the record is paired with, else the local server; the
/// address used is returned with them.
pub(crate) fn make(
    ctx: &Context,
    store: &mut Store,
    links: &[NewLink<'_>],
    kind: LinkKind,
    flag: Option<&BaseUrl>,
    now: time::OffsetDateTime,
) -> Result<(Vec<Link>, BaseUrl)> {
    let practice = ctx.practice(store, now).context("no link was made (nothing changed in the record)")?;
    let paired = match practice.place() {
        mend_sync::RelayPlace::Remote(url) => BaseUrl::parse(url).ok(),
        mend_sync::RelayPlace::Folder(_) => None,
    };
    let base = flag.or(ctx.config.base_url.as_ref()).cloned().or(paired).unwrap_or_else(BaseUrl::local_server);
    let made = practice
        .make_links(store, links, ctx.config.secrets_policy.as_deref(), now)
        .context("no link was made (nothing changed in the record)")?;
    links
        .iter()
        .zip(made)
        .map(|(link, made)| {
            Ok(Link {
                partner: link.details.partner_name.clone().unwrap_or_default(),
                url: format!("{base}{}{}", kind.path(), made.token.expose()),
                expires_at: link.request.expires_at.format(STAMP)?,
                mail: None,
                invitation: made.invitation,
                expires: link.request.expires_at,
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(|links| (links, base))
}

/// With `--send`: e-mails each partner their own link, where the record says a message is safe
/// and an address is recorded, noting on each link what became of it. Returns whether any
/// message failed at the mail server.
pub(crate) fn send_each(
    mail: &Mail,
    store: &mut Store,
    program: &mend_core::Program,
    couple: &mend_core::Couple,
    links: &mut [Link],
) -> Result<bool> {
    let record = store.couple_record_for(couple, program)?;
    let mut failed = false;
    for link in links {
        let letter = mend_mail::link_letter(&mail.sender, &link.partner, &link.url, link.expires);
        let delivery =
            deliver(mail, store, program, &record, couple, &link.partner, link.invitation, MailPurpose::Link, &letter)?;
        failed |= delivery.failed();
        link.mail = Some(delivery);
    }
    Ok(failed)
}

/// Says, on standard error, which messages failed: one line each, after the links were shown.
pub(crate) fn report_failures(links: &[Link]) {
    for link in links {
        if let Some(Delivery::Failed { why, .. }) = &link.mail {
            eprintln!("mend: the message with {}'s link was not sent: {why}", link.partner);
        }
    }
}

/// Check-in links just made, with what they ask.
pub(crate) struct CheckinsMade {
    pub(crate) links: Vec<Link>,
    pub(crate) base: BaseUrl,
    /// The homework sheets they ask about, by id.
    pub(crate) homework: Vec<String>,
    /// A line for each longer measure a partner's link also asks, by its schedule.
    pub(crate) scheduled: Vec<String>,
}

/// Makes a check-in link for each of `partners`, as [`make`] makes links: each asks about the
/// homework given at the latest session (as many sheets as it has slots) and the longer
/// measures its partner's schedule says are due.
#[allow(clippy::too_many_arguments)]
pub(crate) fn make_checkins(
    ctx: &Context,
    store: &mut Store,
    program: &mend_core::Program,
    checkin: &mend_core::Questionnaire,
    couple: &mend_core::Couple,
    partners: &[mend_core::Partner],
    expires: time::OffsetDateTime,
    flag: Option<&BaseUrl>,
    now: time::OffsetDateTime,
) -> Result<CheckinsMade> {
    let record = store.couple_record_for(couple, program)?;
    let slots = mend_core::checkin::homework_slots(checkin).len();
    let homework: Vec<String> = record
        .sessions
        .iter()
        .max_by_key(|s| s.number)
        .map(|s| s.homework.iter().take(slots).cloned().collect())
        .unwrap_or_default();
    let mut scheduled = Vec::new();
    let mut asked = Vec::new();
    for partner in partners {
        // A longer measure (the PCL-5 for the partner who was hurt) is asked when its schedule
        // says, counted over the check-ins this partner sent.
        let sent = record.partners.iter().find(|p| p.name == partner.name).map_or(&[][..], |p| &p.checkins);
        let sections = mend_core::checkin::due_sections(checkin, partner.roles, sent);
        for id in &sections {
            let title = checkin.sections.iter().find(|s| &s.id == id).map_or(id.as_str(), |s| s.title.as_str());
            scheduled.push(format!("{}'s link also asks \"{title}\".", partner.name));
        }
        asked.push(CheckinAsks { homework: homework.clone(), sections });
    }
    // The page names the sheets by their titles, sealed with the rest of what the link shows.
    let titles: Vec<String> =
        homework.iter().map(|id| program.sheet(id).map_or_else(|| id.clone(), |sheet| sheet.title.clone())).collect();
    let requests: Vec<NewLink<'_>> = partners
        .iter()
        .zip(&asked)
        .map(|(partner, asks)| NewLink {
            request: LinkRequest {
                partner: partner.id,
                questionnaire: checkin,
                checkin: Some(asks),
                expires_at: expires,
            },
            details: LinkDetails { sheets: titles.clone(), sections: asks.sections.clone(), ..greeting(&partner.name) },
        })
        .collect();
    let (links, base) = make(ctx, store, &requests, LinkKind::Checkin, flag, now)?;
    Ok(CheckinsMade { links, base, homework, scheduled })
}

/// What a link's page shows of a partner: their name, to greet them.
pub(crate) fn greeting(name: &mend_core::PartnerName) -> LinkDetails {
    LinkDetails { partner_name: Some(name.to_string()), ..LinkDetails::default() }
}

/// A warning for links partners may not be able to open safely: an address only this computer
/// answers on, or plain `http://` to another machine, which would carry answers unencrypted.
pub(crate) fn reach_warning(base: &str) -> Option<String> {
    let lower = base.to_ascii_lowercase();
    let (plain, rest) = match lower.strip_prefix("http://") {
        Some(rest) => (true, rest),
        None => (false, lower.strip_prefix("https://").unwrap_or(&lower)),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let only_here = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if only_here {
        Some(format!(
            "Note: these links start with {base}, which only this computer can open. For partners, set base_url \
             in the configuration (or pass --base-url) to the address of your intake server; see docs/deployment.md."
        ))
    } else if plain {
        Some(format!(
            "Note: {base} is plain http, so answers would cross the network unencrypted. Serve the form behind \
             HTTPS (see docs/deployment.md) and use an https:// address."
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::reach_warning;

    #[test]
    fn only_addresses_partners_can_reach_safely_pass_quietly() {
        for quiet in ["https://intake.example.org", "https://10.0.0.5:8443/mend"] {
            assert_eq!(reach_warning(quiet), None, "{quiet}");
        }
        for here in ["http://127.0.0.1:8080", "http://localhost:8080", "https://[::1]:8443", "http://127.0.0.2"] {
            assert!(reach_warning(here).is_some_and(|w| w.contains("only this computer")), "{here}");
        }
        for plain in ["http://intake.example.org", "http://10.0.0.5:8080"] {
            assert!(reach_warning(plain).is_some_and(|w| w.contains("unencrypted")), "{plain}");
        }
    }
}
