//! Turns the parsed command line into real things: the configuration, the program, the store.

use std::cell::OnceCell;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use mend_core::Program;
use mend_core::checkin::CheckinContent;

use crate::args::Cli;
use crate::config::{Config, project_dirs};
use crate::keys::Keys;
use crate::values::BaseUrl;

/// What every command may need: the configuration, read and checked once; the program, loaded
/// once when a command first asks for it; the store, opened when asked for.
#[derive(Debug)]
pub(crate) struct Context {
    /// The database file.
    pub(crate) db_path: PathBuf,
    /// A content folder instead of the embedded program.
    pub(crate) content_dir: Option<PathBuf>,
    /// The configuration.
    pub(crate) config: Config,
    /// The program, once loaded; commands that never need it (`couple list`) never pay for it.
    program: OnceCell<Program>,
    /// The practice's key and passphrase, unlocked at most once.
    pub(crate) keys: Keys,
}

impl Context {
    /// Resolves paths and reads the configuration; opens nothing else.
    pub(crate) fn new(cli: &Cli) -> Result<Self> {
        let db_path = match &cli.db {
            Some(path) => path.clone(),
            None => project_dirs()?.data_dir().join("mend.db"),
        };
        Ok(Self {
            db_path,
            content_dir: cli.content.clone(),
            config: Config::load()?,
            program: OnceCell::new(),
            keys: Keys::default(),
        })
    }

    /// The program in use: the therapist's folder if given, else the embedded one.
    pub(crate) fn program(&self) -> Result<&Program> {
        if let Some(program) = self.program.get() {
            return Ok(program);
        }
        let program = match &self.content_dir {
            Some(dir) => load_program(dir)?,
            None => Program::embedded().context("the embedded program is invalid; this is a bug in mend")?,
        };
        Ok(self.program.get_or_init(|| program))
    }

    /// The check-in and its ledger: from the therapist's folder, loaded and checked whole, if
    /// one is given, else only those files of the embedded program (see
    /// [`CheckinContent::embedded`]). `None` when the program has no check-in.
    pub(crate) fn checkin_content(&self) -> Result<Option<CheckinContent>> {
        match &self.content_dir {
            Some(_) => Ok(CheckinContent::of(self.program()?)),
            None => CheckinContent::embedded().context("the embedded program is invalid; this is a bug in mend"),
        }
    }
}

/// Reads and checks a content folder.
pub(crate) fn load_program(dir: &Path) -> Result<Program> {
    let files = read_content_dir(dir)?;
    Program::from_files(files).map_err(|errors| anyhow::anyhow!("{}: {errors}", dir.display()))
}

/// Every `.toml` file under `dir`, as (path relative to `dir` with `/`, text).
pub(crate) fn read_content_dir(dir: &Path) -> Result<Vec<(String, String)>> {
    if !dir.is_dir() {
        bail!("{} is not a folder: give the folder that holds program.toml", dir.display());
    }
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).with_context(|| format!("cannot read {}", folder.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                let relative = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                files.push((relative, text));
            }
        }
    }
    Ok(files)
}

impl Context {
    /// Opens the database, creating it (owner-only, encrypted) if it does not exist yet.
    pub(crate) fn create_store(&self) -> Result<mend_store::Store> {
        self.keys.open_store(&self.config, &self.db_path, true)
    }

    /// Opens an existing database; a missing file is an error that says how to start.
    pub(crate) fn store(&self) -> Result<mend_store::Store> {
        self.keys.open_store(&self.config, &self.db_path, false)
    }

    /// Where invitation links point: the flag, else the configuration, else the local server.
    pub(crate) fn base_url(&self, flag: Option<&BaseUrl>) -> BaseUrl {
        flag.or(self.config.base_url.as_ref()).cloned().unwrap_or_else(BaseUrl::local_server)
    }
}

/// The current time, in UTC.
pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Today's date where the therapist is (UTC if the local offset cannot be known).
pub(crate) fn today() -> time::Date {
    time::OffsetDateTime::now_local().unwrap_or_else(|_| now()).date()
}
