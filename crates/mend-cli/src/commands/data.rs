//! `mend export | import | backup`: everything mend holds, out and back in, with no lock-in.

use std::fs;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use mend_store::Export;

use crate::args::{BackupArgs, ExportArgs, ImportArgs};
use crate::context::Context;
use crate::output::outln;

pub(crate) fn export(ctx: &Context, args: ExportArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let couple = args.couple.as_deref().map(|q| store.find_couple(q)).transpose()?;
    let export = store.export(couple.as_ref())?;
    let json = export.to_json()?;
    // `-o -` sends it to standard output, for a pipe into an encrypting tool, say; the note goes
    // to standard error so that the output stays pure JSON.
    if args.output.as_os_str() == "-" {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        out.write_all(json.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
        eprintln!("It holds health information: keep it as safe as the database.");
        return Ok(ExitCode::SUCCESS);
    }
    write_private(&args.output, json.as_bytes())?;
    let scope = couple.map_or_else(|| "every couple".to_owned(), |c| format!("couple {}", c.short_id));
    outln!(
        "Exported {scope} to {}. It holds health information: keep it as safe as the database.",
        args.output.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn import(ctx: &Context, args: ImportArgs) -> Result<ExitCode> {
    let text = fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}: check the path", args.file.display()))?;
    let export = Export::from_json(&text).with_context(|| format!("{} is not a mend export", args.file.display()))?;
    let mut store = ctx.create_store()?;
    store.import(&export)?;
    outln!("Imported {} into {}.", args.file.display(), ctx.db_path.display())?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn backup(ctx: &Context, args: BackupArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    store.backup(&args.file)?;
    outln!("Backed up {} to {}.", ctx.db_path.display(), args.file.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes a file only its owner can read, and waits until it is on the disk: exports hold
/// health information, and a copy the therapist made on purpose must survive a power cut.
pub(crate) fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    write_private_unsynced(path, bytes)?.sync_all()?;
    Ok(())
}

/// [`write_private`] without the wait, for files made durable together afterwards.
pub(crate) fn write_private_unsynced(path: &std::path::Path, bytes: &[u8]) -> Result<fs::File> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file =
        options.open(path).with_context(|| format!("cannot write {}: check the folder exists", path.display()))?;
    // The mode above applies only to a new file; an older file being overwritten keeps whatever
    // mode it had, so it is narrowed here before any health information goes in. Devices and
    // pipes, such as /dev/stdout, are left as they are.
    #[cfg(unix)]
    if file.metadata().is_ok_and(|m| m.is_file()) {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} private to you: choose a file you own", path.display()))?;
    }
    file.write_all(bytes)?;
    Ok(file)
}
