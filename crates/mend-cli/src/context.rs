//! Turns the parsed command line into real things: the configuration, the program, the store.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use mend_core::Program;
use serde::{Deserialize, Serialize};

use crate::args::Cli;

/// The therapist's settings, from `config.toml` in the platform's config directory. Every field
/// is optional; flags on the command line win over it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// The practice's name, printed on homework sheets.
    pub(crate) practice_name: Option<String>,
    /// The therapist's name, printed on homework sheets beside the practice's.
    pub(crate) therapist_name: Option<String>,
    /// `letter` or `a4`.
    pub(crate) paper: Option<String>,
    /// Default session length in minutes.
    pub(crate) session_minutes: Option<u32>,
    /// The public address of the intake server, for invitation links.
    pub(crate) base_url: Option<String>,
    /// The therapist's policy on secrets, shown on the intake form.
    pub(crate) secrets_policy: Option<String>,
}

/// Where the configuration file is: `MEND_CONFIG`, else the platform's config directory.
pub(crate) fn config_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("MEND_CONFIG") {
        return Ok(PathBuf::from(path));
    }
    let dirs = project_dirs()?;
    Ok(dirs.config_dir().join("config.toml"))
}

fn project_dirs() -> Result<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "mend", "mend")
        .context("cannot find your home directory: set MEND_DB and MEND_CONFIG to paths mend may use")
}

impl Config {
    /// Reads the configuration; a missing file is the empty configuration.
    pub(crate) fn load() -> Result<Self> {
        let path = config_path()?;
        match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("{} is not a valid mend configuration: fix it or delete it", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

/// What every command may need, opened only when asked for.
#[derive(Debug)]
pub(crate) struct Context {
    /// The database file.
    pub(crate) db_path: PathBuf,
    /// A content folder instead of the embedded program.
    pub(crate) content_dir: Option<PathBuf>,
    /// The configuration.
    pub(crate) config: Config,
}

impl Context {
    /// Resolves paths and reads the configuration; opens nothing else.
    pub(crate) fn new(cli: &Cli) -> Result<Self> {
        let db_path = match &cli.db {
            Some(path) => path.clone(),
            None => project_dirs()?.data_dir().join("mend.db"),
        };
        Ok(Self { db_path, content_dir: cli.content.clone(), config: Config::load()? })
    }

    /// The program in use: the therapist's folder if given, else the embedded one.
    pub(crate) fn program(&self) -> Result<Program> {
        match &self.content_dir {
            Some(dir) => load_program(dir),
            None => Ok(Program::embedded().context("the embedded program is invalid; this is a bug in mend")?),
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
    /// Opens the database, creating it (owner-only) if it does not exist yet.
    pub(crate) fn create_store(&self) -> Result<mend_store::Store> {
        Ok(mend_store::Store::open(&self.db_path)?)
    }

    /// Opens an existing database; a missing file is an error that says how to start.
    pub(crate) fn store(&self) -> Result<mend_store::Store> {
        Ok(mend_store::Store::open_existing(&self.db_path)?)
    }

    /// Where invitation links point: the flag, else the configuration, else the local server;
    /// refused when no partner could open it.
    pub(crate) fn base_url(&self, flag: Option<&str>) -> Result<String> {
        let url = flag.or(self.config.base_url.as_deref()).unwrap_or(DEFAULT_BASE_URL);
        let source = match (flag, &self.config.base_url) {
            (Some(_), _) => "--base-url".to_owned(),
            (None, Some(_)) => format!("base_url in {}", config_path()?.display()),
            (None, None) => "the default address".to_owned(),
        };
        check_base_url(url, &source)?;
        Ok(url.trim_end_matches('/').to_owned())
    }
}

/// Refuses a base address that no partner could open: links are only useful when they start
/// with `http://` or `https://` and name a host, and a query or fragment would break the path
/// that follows. `source` says where the address came from, such as `--base-url`.
fn check_base_url(url: &str, source: &str) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let host = rest.map(|rest| rest.split('/').next().unwrap_or_default());
    let usable = host.is_some_and(|host| !host.is_empty())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#');
    if !usable {
        bail!(
            "{source} {url:?} is not an address partners can open: give the intake server's address, \
             starting with https:// (or http://), such as https://intake.example.org"
        );
    }
    Ok(())
}

/// Where `mend serve` listens by default, and so where links point when nothing else is said.
pub(crate) const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

/// The current time, in UTC.
pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Today's date where the therapist is (UTC if the local offset cannot be known).
pub(crate) fn today() -> time::Date {
    time::OffsetDateTime::now_local().unwrap_or_else(|_| now()).date()
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(raw: &str) -> Result<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw.trim(), format)
        .map_err(|_| anyhow::anyhow!("{raw:?} is not a date: write it as YYYY-MM-DD, for example 2026-12-01"))
}

/// Formats a date as `YYYY-MM-DD`.
pub(crate) fn format_date(date: time::Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(format).unwrap_or_default()
}

/// Parses a duration such as `14d`, `2w` or `48h`.
pub(crate) fn parse_duration(raw: &str) -> Result<time::Duration> {
    let raw = raw.trim();
    let bad = || anyhow::anyhow!("{raw:?} is not a duration: write a number and a unit, such as 14d, 2w or 48h");
    let split = raw.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = raw.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let hours_per_unit = match unit {
        "h" => 1,
        "d" => 24,
        "w" => 24 * 7,
        _ => return Err(bad()),
    };
    // Counted in hours with a checked multiplication: a huge count such as `99999999999999w`
    // must be refused as out of range, not overflow while building the duration.
    let hours = n.checked_mul(hours_per_unit).filter(|h| (1..=90 * 24).contains(h));
    let Some(hours) = hours else {
        bail!("{raw:?} is out of range: a link may last from 1 hour to 90 days");
    };
    Ok(time::Duration::hours(hours))
}
