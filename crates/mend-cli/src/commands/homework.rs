//! `mend homework list | print | packet`: the couple's homework sheets as PDF.

use std::process::ExitCode;

use anyhow::Result;

use crate::args::HomeworkCommand;
use crate::context::Context;

pub(crate) fn run(_ctx: &Context, _command: HomeworkCommand) -> Result<ExitCode> {
    anyhow::bail!("homework printing is not available in this build yet")
}
