//! Files that hold health information, written so that only their owner can read them, and
//! never through a symbolic link: a link planted where an export or a sheet is written would
//! otherwise send the health information (and a change of mode) to the file it points at.

use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context as _, Result};

/// Writes a file only its owner can read, and waits until it is on the disk: exports hold
/// health information, and a copy the therapist made on purpose must survive a power cut. An
/// older file is replaced; a symbolic link is refused.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_private_unsynced(path, bytes)?.sync_all()?;
    Ok(())
}

/// [`write_private`] without the wait, for files made durable together afterwards.
pub(crate) fn write_private_unsynced(path: &Path, bytes: &[u8]) -> Result<fs::File> {
    write_to(open_private(path, true)?, path, bytes)
}

/// Writes a new file only its owner can read, as [`write_private`] does, but refuses a file
/// already there unless `replace` (`--force`): an export is written where the therapist says,
/// and a mistyped name must not overwrite something else.
pub(crate) fn write_private_new(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    write_to(open_private(path, replace)?, path, bytes)?.sync_all()?;
    Ok(())
}

/// Refuses at once what [`write_private_new`] would refuse later: a symbolic link, and a file
/// already there unless `replace`, so a command stops before doing any work.
pub(crate) fn check_new_target(path: &Path, replace: bool) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(symlink_refused(path)),
        Ok(_) if !replace => Err(exists_refused(path)),
        _ => Ok(()),
    }
}

fn symlink_refused(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{} is a symbolic link, and mend writes health information only to a file itself: give the path of \
         a file, not a link",
        path.display()
    )
}

fn exists_refused(path: &Path) -> anyhow::Error {
    anyhow::anyhow!("{} already exists: choose a new file name, or pass --force to replace it", path.display())
}

/// Opens `path` for writing, owner-only when it is created, never following a symbolic link
/// in its last part; an existing file is emptied when `replace`, and refused otherwise.
fn open_private(path: &Path, replace: bool) -> Result<fs::File> {
    // A clear refusal first; the flag below closes the gap between this look and the open.
    check_new_target(path, true)?;
    let mut options = fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    match options.open(path) {
        Ok(file) => Ok(file),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Err(exists_refused(path)),
        Err(_) if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => Err(symlink_refused(path)),
        Err(err) => Err(err).with_context(|| format!("cannot write {}: check the folder exists", path.display())),
    }
}

fn write_to(mut file: fs::File, path: &Path, bytes: &[u8]) -> Result<fs::File> {
    use std::io::Write;
    // The mode given when opening applies only to a new file; an older file being overwritten
    // keeps whatever mode it had, so it is narrowed here before any health information goes in.
    // Devices and pipes are left as they are.
    #[cfg(unix)]
    if file.metadata().is_ok_and(|m| m.is_file()) {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} private to you: choose a file you own", path.display()))?;
    }
    file.write_all(bytes)?;
    Ok(file)
}
