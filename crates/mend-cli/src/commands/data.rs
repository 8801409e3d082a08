//! `mend export | import | backup`: everything mend holds, out and back in, with no lock-in.

use std::fs;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use mend_store::{Export, OpenLinks, StoreError};
use zeroize::Zeroizing;

use crate::args::{BackupArgs, ExportArgs, ImportArgs};
use crate::context::{Context, now};
use crate::files::{check_new_target, write_private_new};
use crate::keys::{KeyUseError, note};
use crate::output::outln;

pub(crate) fn export(ctx: &Context, args: ExportArgs) -> Result<ExitCode> {
    let to_stdout = args.output.as_os_str() == "-";
    // A file in the way, or a symbolic link, is refused before anything is read or asked for.
    if !to_stdout {
        check_new_target(&args.output, args.force)?;
    }
    let store = ctx.store_taking_in()?;
    let couple = args.couple.as_deref().map(|q| store.find_couple(q)).transpose()?;
    // An encrypted practice's export is sealed with the passphrase unless plain JSON is asked
    // for; the passphrase is settled before anything is read, so a missing one exports nothing.
    let seal_with = if store.is_encrypted() && !args.plaintext {
        Some(ctx.keys.passphrase(&ctx.config)?.ok_or(KeyUseError::NoExportPassphrase)?)
    } else {
        None
    };
    let export = store.export(couple.as_ref())?;
    let json = Zeroizing::new(export.to_json()?);
    let (bytes, what) = match &seal_with {
        Some(passphrase) => (
            mend_store::seal(json.as_bytes(), passphrase)?,
            "It is encrypted with the practice's passphrase (age format); `mend import` reads it.",
        ),
        None => (json.as_bytes().to_vec(), "It holds health information: keep it as safe as the database."),
    };
    if args.plaintext && store.is_encrypted() {
        note("--plaintext: this export is plain JSON that anyone with the file can read, unlike the database.");
    }
    // `-o -` sends it to standard output, for a pipe, say; the note goes to standard error so
    // that the output stays only the export.
    if to_stdout {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)?;
        if seal_with.is_none() {
            out.write_all(b"\n")?;
        }
        out.flush()?;
        note(what);
        return Ok(ExitCode::SUCCESS);
    }
    write_private_new(&args.output, &bytes, args.force)?;
    let scope = couple.map_or_else(|| "every couple".to_owned(), |c| format!("couple {}", c.short_id));
    outln!("Exported {scope} to {}. {what}", args.output.display())?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn import(ctx: &Context, args: ImportArgs) -> Result<ExitCode> {
    let bytes = fs::read(&args.file).with_context(|| format!("cannot read {}: check the path", args.file.display()))?;
    let sealed = mend_store::is_sealed(&bytes);
    let plain = if sealed {
        let passphrase = ctx
            .keys
            .passphrase(&ctx.config)?
            .ok_or_else(|| KeyUseError::NoImportPassphrase { path: args.file.clone() })?;
        mend_store::unseal(&bytes, &passphrase)?
    } else {
        Zeroizing::new(bytes)
    };
    let text = std::str::from_utf8(&plain)
        .map_err(|_| StoreError::BadExport("it is neither JSON nor an encrypted export".into()))
        .with_context(|| format!("{} is not a mend export", args.file.display()))?;
    let export = Export::from_json(text).with_context(|| format!("{} is not a mend export", args.file.display()))?;
    let mut store = ctx.create_store()?;
    // A sealed export opened with the practice's passphrase was written by someone who knows
    // it; plain JSON could have been written by anyone, so the links it gives as open are not
    // let work (it could name a token its author knows).
    let open_links = if sealed { OpenLinks::Keep } else { OpenLinks::Retire };
    let done = store.import_with(&export, open_links, now())?;
    outln!("Imported {} into {}.", args.file.display(), ctx.db_path.display())?;
    if done.retired > 0 {
        note(&format!(
            "{} link(s) still open in the export were retired: a plain export could have been edited by anyone. \
             Give those partners new links with `mend invite COUPLE` (or import the export sealed with the \
             passphrase, which keeps them).",
            done.retired
        ));
    }
    if done.capped > 0 {
        note(&format!(
            "{} link(s) in the export worked for longer than mend makes links ({} days); they now stop working \
             {} days after they were made.",
            done.capped,
            mend_store::LONGEST_LINK_DAYS,
            mend_store::LONGEST_LINK_DAYS
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn backup(ctx: &Context, args: BackupArgs) -> Result<ExitCode> {
    // Forms that arrived on the relay are taken in first, so the copy holds every answer sent.
    let store = ctx.store_taking_in()?;
    store.backup(&args.file)?;
    outln!("Backed up {} to {}.", ctx.db_path.display(), args.file.display())?;
    Ok(ExitCode::SUCCESS)
}
