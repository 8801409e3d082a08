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

pub(crate) fn run(ctx: &Context, args: InviteArgs) -> Result<ExitCode> {
    let lifetime = parse_duration(&args.expires)?;
    let program = ctx.program()?;
    let mut store = ctx.store()?;
    let couple = store.find_couple(&args.couple)?;
    let partners = match &args.partner {
        Some(name) => vec![couple.partner(name)?.clone()],
        None => couple.partners.clone(),
    };
    let base = ctx.base_url(args.base_url.as_deref());
    let now = now();
    let expires = now + lifetime;
    let questionnaire = &program.questionnaire;
    let mut links = Vec::new();
    for partner in partners {
        let token = store.create_invitation(partner.id, &questionnaire.id, questionnaire.version, now, expires)?;
        links.push(Link {
            partner: partner.name.to_string(),
            url: format!("{base}/i/{token}"),
            expires_at: crate::context::format_date(expires.date()),
        });
    }
    if args.format.format == Format::Json {
        json(&links)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("Private intake links for {} (shown once; each works until its answers are sent):", couple.names());
    for link in &links {
        println!("\n  {} (until {}):\n  {}", link.partner, link.expires_at, link.url);
    }
    println!(
        "\nGive each partner only their own link. Running `mend invite` again makes a new link and retires the old one.\nThe links need `mend serve` running at {base}."
    );
    Ok(ExitCode::SUCCESS)
}
