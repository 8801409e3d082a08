//! Runs the real `mend` binary in a sandbox of its own: a temporary folder for the database,
//! the configuration and the home directory, so no test ever touches the therapist's files.

// Each test binary that includes this module uses only some of its helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A temporary folder with mend's database and configuration paths pointing into it.
#[derive(Debug)]
pub(crate) struct Sandbox {
    dir: tempfile::TempDir,
}

/// What one run of the binary printed and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    /// Everything written to standard output.
    pub(crate) stdout: String,
    /// Everything written to standard error.
    pub(crate) stderr: String,
    /// The exit code; `None` when a signal ended the process.
    pub(crate) code: Option<i32>,
}

impl Sandbox {
    /// A fresh, empty sandbox.
    pub(crate) fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("create a temporary folder") }
    }

    /// A sandbox whose record was made plain, as an older mend made it, before any command.
    pub(crate) fn with_plain_record() -> Self {
        let sandbox = Self::new();
        drop(mend_store::Store::open(&sandbox.db()).expect("create a plain record"));
        sandbox
    }

    /// The sandbox folder.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the sandbox.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The database `MEND_DB` points at.
    pub(crate) fn db(&self) -> PathBuf {
        self.path("mend.db")
    }

    /// Runs `mend` with `args`, stdin closed, in the sandbox.
    pub(crate) fn mend(&self, args: &[&str]) -> Run {
        self.mend_with_env(args, &[])
    }

    /// Runs `mend` with `args` and extra environment variables.
    pub(crate) fn mend_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let home = self.path("home");
        let mut command = Command::new(env!("CARGO_BIN_EXE_mend"));
        command
            .args(args)
            .current_dir(self.dir())
            .env("MEND_DB", self.db())
            .env("MEND_CONFIG", self.path("config.toml"))
            // Should anything still look for the platform's folders, it finds the sandbox.
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env_remove("MEND_CONTENT")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("run the mend binary");
        Run {
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
            code: output.status.code(),
        }
    }

    /// Runs `mend` and insists that it succeeded, returning its standard output.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let run = self.mend(args);
        assert_eq!(run.code, Some(0), "mend {args:?} failed:\n{}{}", run.stdout, run.stderr);
        assert!(!run.stderr.contains("panicked"), "mend {args:?} panicked:\n{}", run.stderr);
        run.stdout
    }

    /// Runs `mend`, insists that it failed cleanly, and returns its one-line error.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        self.mend(args).clean_failure(args)
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Run {
    /// Checks that the run failed the way a user should see it fail: a non-zero exit, no
    /// panic, and exactly one line on standard error that starts with `mend:`. Returns that line.
    pub(crate) fn clean_failure(&self, args: &[&str]) -> String {
        assert!(!self.stderr.contains("panicked"), "mend {args:?} panicked:\n{}", self.stderr);
        assert!(matches!(self.code, Some(code) if code != 0), "mend {args:?} did not fail: {self:?}");
        let message = self.stderr.trim_end();
        assert_eq!(message.lines().count(), 1, "mend {args:?} should print one line of error, printed:\n{message}");
        assert!(message.starts_with("mend: "), "mend {args:?} error does not start with `mend: `: {message}");
        message.to_owned()
    }
}

/// The bytes of a database and of its write-ahead log, to show that a command changed nothing.
/// An empty log is no log: SQLite makes one when it first reads a file in WAL mode, and mend
/// keeps the log between commands.
pub(crate) fn database_bytes(db: &Path) -> (Vec<u8>, Option<Vec<u8>>) {
    let main = std::fs::read(db).expect("read the database");
    let wal = std::fs::read(wal_path(db)).ok().filter(|log| !log.is_empty());
    (main, wal)
}

/// Where SQLite keeps the write-ahead log of `db`.
pub(crate) fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Whether `needle` occurs anywhere in `haystack`.
pub(crate) fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

/// Opens the practice record at `db` as the binary does: with the practice's key file when it is
/// encrypted (the sandbox keeps the configuration, and so the key file, in its folder; `db` may
/// be a backup in a folder below it).
pub(crate) fn open_store(db: &Path) -> mend_store::Store {
    let key_file = db
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("mend.key"))
        .find(|file| file.exists())
        .unwrap_or_else(|| PathBuf::from("mend.key"));
    match mend_store::database_kind(db).expect("read the database's header") {
        mend_store::DatabaseKind::Encrypted => {
            let file = mend_store::KeyFile::read(&key_file).expect("the key file is beside the database");
            let key = file.unlock(None).expect("the sandbox's key file has no passphrase");
            mend_store::Store::open_existing_keyed(db, Some(&key)).expect("open the practice record with its key")
        }
        _ => mend_store::Store::open_existing(db).expect("open the practice record"),
    }
}
