//! What every printed sheet takes from the flags and the configuration: the paper, and the practice's line at the top.

use anyhow::Result;
use mend_pdf::Paper;

use crate::args;
use crate::context::Context;

/// The paper: the flag, else the configuration, else Letter.
pub(crate) fn paper(ctx: &Context, flag: Option<args::Paper>) -> Result<Paper> {
    Ok(match flag {
        Some(args::Paper::Letter) => Paper::Letter,
        Some(args::Paper::A4) => Paper::A4,
        None => match ctx.config.paper {
            None | Some(args::Paper::Letter) => Paper::Letter,
            Some(args::Paper::A4) => Paper::A4,
        },
    })
}

/// The line at the top of every sheet: the practice and, if configured, the therapist.
pub(crate) fn practice_line(ctx: &Context) -> Option<String> {
    match (&ctx.config.practice_name, &ctx.config.therapist_name) {
        (Some(practice), Some(therapist)) => Some(format!("{practice} · {therapist}")),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    }
}
