//! Files that hold health information, written so that only their owner can read them.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result};

/// Writes a file only its owner can read, and waits until it is on the disk: exports hold
/// health information, and a copy the therapist made on purpose must survive a power cut.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_private_unsynced(path, bytes)?.sync_all()?;
    Ok(())
}

/// [`write_private`] without the wait, for files made durable together afterwards.
pub(crate) fn write_private_unsynced(path: &Path, bytes: &[u8]) -> Result<fs::File> {
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
