//! `mend invite`: one private intake link per partner, shown once.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use crate::args::{Format, InviteArgs};
use crate::context::{Context, now, parse_duration};
use crate::output::json;

/// One link, as printed.
#[derive(Serialize)]
struct Link {
    partner: String,
    url: String,
    expires_at: String,
}

/// When a link stops working, to the minute: a link may last only hours.
const UNTIL: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

/// The same instant as the store writes it, so `invite` and `couple show` agree in JSON.
const STAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

pub(crate) fn run(ctx: &Context, args: InviteArgs) -> Result<ExitCode> {
    let lifetime = parse_duration(&args.expires)?;
    // Checked before any link is made: making one retires the partner's previous link, so a
    // mistyped address must not cost them a link that worked.
    let base = ctx.base_url(args.base_url.as_deref())?;
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
        let token = store.create_invitation(partner.id, &questionnaire.id, questionnaire.version, now, expires)?;
        links.push(Link {
            partner: partner.name.to_string(),
            url: format!("{base}/i/{token}"),
            expires_at: expires.format(STAMP)?,
        });
    }
    if args.format.format == Format::Json {
        json(&links)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("Private intake links for {} (shown once; each works until its answers are sent):", couple.names());
    for link in &links {
        println!("\n  {} (until {}):\n  {}", link.partner, expires.format(UNTIL)?, link.url);
    }
    println!(
        "\nGive each partner only their own link. Running `mend invite` again makes a new link and retires the old one.\nThe links need `mend serve` running at {base}."
    );
    Ok(ExitCode::SUCCESS)
}
