//! `mend serve`: the intake server that invitation links point to.

use std::process::ExitCode;

use anyhow::Result;

use crate::args::ServeArgs;
use crate::context::Context;

pub(crate) fn run(_ctx: &Context, _args: ServeArgs) -> Result<ExitCode> {
    anyhow::bail!("the intake server is not available in this build yet")
}
