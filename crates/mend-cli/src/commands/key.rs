//! `mend encrypt` and `mend key …`: encrypting a plain record, and keeping its key: the
//! passphrase, a new key, recovery words and restoring from them.

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use mend_store::{Actor, DataKey, DatabaseKind, KeyFile, Store, StoreError};
use zeroize::Zeroizing;

use crate::args::{KeyCommand, KeyPassphraseArgs};
use crate::context::{Context, now};
use crate::keys::{
    KeyUseError, NEW_PASSPHRASE_ENV, PASSPHRASE_ENV, RECOVERY_ENV, key_file_path, note, pending_key_file_path,
};
use crate::output::outln;

pub(crate) fn run(ctx: &Context, command: KeyCommand) -> Result<ExitCode> {
    match command {
        KeyCommand::Passphrase(args) => passphrase(ctx, args),
        KeyCommand::Rotate => rotate(ctx),
        KeyCommand::Recovery => recovery(ctx),
        KeyCommand::Restore => restore(ctx),
    }
}

/// How a key file is protected, in words.
fn protection(sealed: bool) -> &'static str {
    if sealed { "sealed by your passphrase" } else { "readable by you alone, with no passphrase" }
}

/// The key that opens the existing, encrypted database.
fn encrypted_key(ctx: &Context) -> Result<DataKey> {
    match mend_store::database_kind(&ctx.db_path)? {
        DatabaseKind::Encrypted => {}
        DatabaseKind::Plain => return Err(KeyUseError::NotEncrypted { path: ctx.db_path.clone() }.into()),
        DatabaseKind::Missing | DatabaseKind::Empty => {
            return Err(StoreError::NoDatabase { path: ctx.db_path.clone() }.into());
        }
    }
    let key = ctx.keys.store_key(&ctx.config, &ctx.db_path, false)?.context("the encrypted database has no key")?;
    // The key must open this database, not only the key file.
    drop(Store::open_existing_keyed(&ctx.db_path, Some(&key))?);
    Ok(key)
}

pub(crate) fn encrypt(ctx: &Context) -> Result<ExitCode> {
    match mend_store::database_kind(&ctx.db_path)? {
        DatabaseKind::Plain => {}
        DatabaseKind::Encrypted => {
            outln!("{} is already encrypted.", ctx.db_path.display())?;
            return Ok(ExitCode::SUCCESS);
        }
        DatabaseKind::Missing | DatabaseKind::Empty => {
            return Err(StoreError::NoDatabase { path: ctx.db_path.clone() }.into());
        }
    }
    let key_file = key_file_path(&ctx.config)?;
    // A key file already there (from an earlier, interrupted `mend encrypt`, or the practice's
    // key for another file) is used as it is: one key per practice.
    let (key, sealed) = if key_file.exists() {
        let file = KeyFile::read(&key_file)?;
        (ctx.keys.unlock(&file, &ctx.config)?, file.needs_passphrase())
    } else {
        let passphrase = ctx.keys.chosen_passphrase(&ctx.config, PASSPHRASE_ENV, true)?;
        let key = DataKey::generate();
        // The key file is durable before the database depends on it.
        KeyFile::create(&key_file, &key, passphrase.as_ref())?;
        (key, passphrase.is_some())
    };
    let done = Store::rewrite_encrypted(&ctx.db_path, None, &key)?;
    let mut store = Store::open_existing_keyed(&ctx.db_path, Some(&key))?;
    store.audit(Actor::Cli, "database encrypted", None, now())?;
    outln!("Encrypted {} ({} couples, {} rows checked).", ctx.db_path.display(), done.couples, done.rows)?;
    outln!("Its key is in {} ({}).", key_file.display(), protection(sealed))?;
    outln!(
        "Next: run `mend key recovery` and write the words down; without them, losing the key file loses the record."
    )?;
    outln!("Backups made before now are not encrypted: make a new one with `mend backup`, then delete the old ones.")?;
    Ok(ExitCode::SUCCESS)
}

fn passphrase(ctx: &Context, args: KeyPassphraseArgs) -> Result<ExitCode> {
    if mend_store::database_kind(&ctx.db_path)? == DatabaseKind::Plain {
        return Err(KeyUseError::NotEncrypted { path: ctx.db_path.clone() }.into());
    }
    let key_file = key_file_path(&ctx.config)?;
    let file = KeyFile::read(&key_file)?;
    let key = ctx.keys.unlock(&file, &ctx.config)?;
    if matches!(mend_store::database_kind(&ctx.db_path)?, DatabaseKind::Encrypted) {
        drop(Store::open_existing_keyed(&ctx.db_path, Some(&key))?);
    }
    let new = if args.remove {
        None
    } else {
        let new = ctx.keys.chosen_passphrase(&ctx.config, NEW_PASSPHRASE_ENV, false)?;
        Some(new.ok_or(KeyUseError::NoNewPassphrase)?)
    };
    KeyFile::write(&key_file, &key, new.as_ref())?;
    outln!("The key in {} is now {}; the database was not changed.", key_file.display(), protection(new.is_some()))?;
    if ctx.config.passphrase_file.is_some() && new.is_some() {
        outln!("Put the new passphrase in the passphrase file named in the configuration too.")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn rotate(ctx: &Context) -> Result<ExitCode> {
    let old = encrypted_key(ctx)?;
    let key_file = key_file_path(&ctx.config)?;
    let file = KeyFile::read(&key_file)?;
    let passphrase = if file.needs_passphrase() { ctx.keys.passphrase(&ctx.config)? } else { None };
    let new = DataKey::generate();
    // The new key is written beside the old one first, so that a crash after the database is
    // rewritten still finds it (see `Keys::finish_rotation`).
    let pending = pending_key_file_path(&key_file);
    KeyFile::write(&pending, &new, passphrase.as_ref())?;
    if let Err(err) = Store::rewrite_encrypted(&ctx.db_path, Some(&old), &new) {
        let _ = std::fs::remove_file(&pending);
        return Err(err.into());
    }
    std::fs::rename(&pending, &key_file)
        .with_context(|| format!("cannot move {} to {}", pending.display(), key_file.display()))?;
    let mut store = Store::open_existing_keyed(&ctx.db_path, Some(&new))?;
    store.audit(Actor::Cli, "key rotated", None, now())?;
    outln!("{} is now encrypted with a new key, in {}.", ctx.db_path.display(), key_file.display())?;
    outln!("The recovery words changed: run `mend key recovery` and write the new ones down.")?;
    outln!("Backups made before now need the old key: make a new one with `mend backup`.")?;
    Ok(ExitCode::SUCCESS)
}

fn recovery(ctx: &Context) -> Result<ExitCode> {
    let key = encrypted_key(ctx)?;
    let mut store = Store::open_existing_keyed(&ctx.db_path, Some(&key))?;
    store.audit(Actor::Cli, "recovery words shown", None, now())?;
    outln!("The recovery words for {}:", ctx.db_path.display())?;
    outln!()?;
    outln!("    {}", key.recovery_words().as_str())?;
    outln!()?;
    outln!("Write them on paper and keep it safe, apart from the computer: with them, anyone can read the record.")?;
    outln!("If the key file is lost or its passphrase forgotten, `mend key restore` makes a new key file from them.")?;
    Ok(ExitCode::SUCCESS)
}

fn restore(ctx: &Context) -> Result<ExitCode> {
    // The words are the key itself: wiped from memory once read, as the key is.
    let words = Zeroizing::new(match std::env::var(RECOVERY_ENV).ok().filter(|w| !w.trim().is_empty()) {
        Some(words) => words,
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password("Recovery words: ").context("cannot read the recovery words")?
        }
        None => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("cannot read the recovery words")?;
            line
        }
    });
    if words.trim().is_empty() {
        return Err(KeyUseError::NoRecoveryWords.into());
    }
    let key = DataKey::from_recovery_words(&words)?;
    match mend_store::database_kind(&ctx.db_path)? {
        DatabaseKind::Encrypted => drop(Store::open_existing_keyed(&ctx.db_path, Some(&key))?),
        DatabaseKind::Plain => return Err(KeyUseError::NotEncrypted { path: ctx.db_path.clone() }.into()),
        DatabaseKind::Missing | DatabaseKind::Empty => {
            return Err(StoreError::NoDatabase { path: ctx.db_path.clone() }.into());
        }
    }
    let passphrase = ctx.keys.chosen_passphrase(&ctx.config, PASSPHRASE_ENV, true)?;
    let key_file = key_file_path(&ctx.config)?;
    if key_file.exists() {
        note(&format!("replacing the key file {}", key_file.display()));
    }
    KeyFile::write(&key_file, &key, passphrase.as_ref())?;
    let mut store = Store::open_existing_keyed(&ctx.db_path, Some(&key))?;
    store.audit(Actor::Cli, "key restored", None, now())?;
    outln!("The recovery words open {}.", ctx.db_path.display())?;
    outln!("Wrote the key to {} ({}).", key_file.display(), protection(passphrase.is_some()))?;
    Ok(ExitCode::SUCCESS)
}
