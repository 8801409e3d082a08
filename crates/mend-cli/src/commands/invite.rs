//! `mend invite`: one private intake link per partner, shown once.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use crate::args::{Format, InviteArgs};
use crate::context::{Context, now};
use crate::output::json;
use crate::output::outln;

/// One link, as printed.
#[derive(Serialize)]
pub(crate) struct Link {
    pub(crate) partner: String,
    pub(crate) url: String,
    pub(crate) expires_at: String,
}

/// When a link stops working, to the minute: a link may last only hours.
pub(crate) const UNTIL: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

/// The same instant as the store writes it, so `invite` and `couple show` agree in JSON.
pub(crate) const STAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

pub(crate) fn run(ctx: &Context, args: InviteArgs) -> Result<ExitCode> {
    let lifetime = args.expires;
    // The address was checked when the command line (or the configuration) was read, before any
    // link is made: making one retires the partner's previous link, so a mistyped address must
    // not cost them a link that worked.
    let base = ctx.base_url(args.base_url.as_ref());
    let program = ctx.program()?;
    let mut store = ctx.store()?;
    let couple = store.find_couple(&args.couple)?;
    let partners = match &args.partner {
        Some(name) => vec![couple.partner(name)?.clone()],
        None => couple.partners.clone(),
    };
    let now = now().replace_nanosecond(0)?;
    let expires = now + lifetime;
    let questionnaire = &program.questionnaire;
    let mut links = Vec::new();
    for partner in partners {
        let token = store.create_invitation(partner.id, questionnaire, now, expires)?;
        links.push(Link {
            partner: partner.name.to_string(),
            url: format!("{base}/i/{}", token.expose()),
            expires_at: expires.format(STAMP)?,
        });
    }
    // Said once the links exist, on the side, so that it never mixes with an error or the JSON.
    if let Some(warning) = reach_warning(base.as_str()) {
        eprintln!("{warning}");
    }
    if args.format.format == Format::Json {
        json(&links)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("Private intake links for {} (shown once; each works until its answers are sent):", couple.names())?;
    for link in &links {
        outln!("\n  {} (until {}):\n  {}", link.partner, expires.format(UNTIL)?, link.url)?;
    }
    outln!(
        "\nGive each partner only their own link. Running `mend invite` again makes a new link and retires the old one.\nThe links need `mend serve` running at {base}."
    )?;
    Ok(ExitCode::SUCCESS)
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
