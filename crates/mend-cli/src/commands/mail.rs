//! `mend mail test`: one message to the therapist's own address, and exactly what the mail
//! server said.

use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::args::MailCommand;
use crate::context::Context;
use crate::output::outln;

pub(crate) fn run(ctx: &Context, command: MailCommand) -> Result<ExitCode> {
    let MailCommand::Test(args) = command;
    let mail = crate::mailing::required(ctx, "`mend mail test`")?;
    let letter = mend_mail::test_letter(&mail.sender);
    let code = mail
        .settings
        .send(&args.address, &letter)
        .with_context(|| format!("the test message to {} was not sent", args.address))?;
    outln!(
        "The mail server {} accepted the test message to {} (reply {code}), from {}.",
        mail.settings.server(),
        args.address,
        mail.settings.from_address()
    )?;
    outln!("If it does not arrive within a few minutes, look in its spam folder and ask the mail provider.")?;
    Ok(ExitCode::SUCCESS)
}
