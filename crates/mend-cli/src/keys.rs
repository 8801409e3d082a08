//! The practice record's key on the therapist's side: where the key file lives, where a
//! passphrase comes from, and which key (if any) opens the database.
//!
//! Nothing is kept between commands: each command that opens an encrypted record unlocks the key
//! file once (one Argon2id derivation when it is sealed by a passphrase) and gives the raw key to
//! every connection it opens.

use std::cell::OnceCell;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use mend_store::{DataKey, DatabaseKind, KeyFile, Passphrase, Store, StoreError};
use zeroize::Zeroizing;

use crate::config::{Config, config_path};

/// The environment variable that holds the passphrase (for scripts and services).
pub(crate) const PASSPHRASE_ENV: &str = "MEND_PASSPHRASE";
/// The environment variable that holds the new passphrase for `mend key passphrase`.
pub(crate) const NEW_PASSPHRASE_ENV: &str = "MEND_NEW_PASSPHRASE";
/// The environment variable that holds recovery words, used instead of the key file.
pub(crate) const RECOVERY_ENV: &str = "MEND_RECOVERY_KEY";

/// The key file's name beside the configuration file.
const KEY_FILE_NAME: &str = "mend.key";

/// Why the command line could not get what a key operation needs; the store's own errors say
/// the rest.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KeyUseError {
    /// An export of an encrypted practice is sealed with a passphrase, and none could be had.
    #[error("an export of an encrypted practice is sealed with a passphrase, and none was given")]
    NoExportPassphrase,
    /// A sealed export was given and no passphrase could be had to open it.
    #[error("{} is sealed with a passphrase, and none was given", path.display())]
    NoImportPassphrase {
        /// The export file.
        path: PathBuf,
    },
    /// The two entries of a new passphrase differ.
    #[error("the two passphrases differ; nothing was changed")]
    PassphrasesDiffer,
    /// `mend key passphrase` was given no new passphrase.
    #[error("no new passphrase was given; nothing was changed")]
    NoNewPassphrase,
    /// No recovery words were given to `mend key restore`.
    #[error("no recovery words were given; nothing was changed")]
    NoRecoveryWords,
    /// The passphrase file may be read by others than its owner.
    #[error("the passphrase file {} may be read by others than its owner (mode {mode:o})", path.display())]
    PassphraseFileExposed {
        /// The passphrase file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The database is plain, so there is no key to work with.
    #[error("{} is not encrypted, so it has no key", path.display())]
    NotEncrypted {
        /// The database.
        path: PathBuf,
    },
}

/// The key file and the passphrase, found and unlocked at most once per command.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    key: OnceCell<DataKey>,
    passphrase: OnceCell<Option<Passphrase>>,
}

/// Where the key file is: `key_file` from the configuration, else `mend.key` beside the
/// configuration file (so `MEND_CONFIG` moves both).
pub(crate) fn key_file_path(config: &Config) -> Result<PathBuf> {
    if let Some(path) = &config.key_file {
        return Ok(path.clone());
    }
    let config = config_path()?;
    let dir = config.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok(dir.join(KEY_FILE_NAME))
}

/// The key file a rotation writes before the database is rewritten, kept until it is done.
pub(crate) fn pending_key_file_path(key_file: &Path) -> PathBuf {
    let mut name = key_file.as_os_str().to_owned();
    name.push(".next");
    PathBuf::from(name)
}

/// The text of an environment variable, if set and not empty.
fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The text of the configuration's `passphrase_file`, refused, as an unsealed key file is, when
/// others than its owner may read it (or write it): a passphrase anyone on the machine can read
/// protects nothing.
fn read_passphrase_file(file: &Path) -> Result<String> {
    let cannot = || format!("cannot read the passphrase file {} named in the configuration", file.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(file).with_context(cannot)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyUseError::PassphraseFileExposed { path: file.to_owned(), mode }.into());
        }
    }
    std::fs::read_to_string(file).with_context(cannot)
}

/// Whether mend may ask at the terminal.
fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks at the terminal without echo.
fn prompt(question: &str) -> Result<String> {
    rpassword::prompt_password(question).context("cannot read the passphrase from the terminal")
}

impl Keys {
    /// The passphrase that unlocks the key file: `MEND_PASSPHRASE`, else the configuration's
    /// `passphrase_file`, else asked at the terminal; `None` when none of them gives one.
    pub(crate) fn passphrase(&self, config: &Config) -> Result<Option<Passphrase>> {
        if let Some(passphrase) = self.passphrase.get() {
            return Ok(passphrase.clone());
        }
        let found = if let Some(text) = env_text(PASSPHRASE_ENV) {
            Some(Passphrase::given(text))
        } else if let Some(file) = &config.passphrase_file {
            Some(Passphrase::given(read_passphrase_file(file)?))
        } else if interactive() {
            Some(Passphrase::given(prompt("Passphrase for the practice record: ")?)).filter(|p| !p.is_empty())
        } else {
            None
        };
        Ok(self.passphrase.get_or_init(|| found).clone())
    }

    /// A passphrase to seal a new key file with: `env` (for `mend key passphrase`, the new one),
    /// else the configuration's `passphrase_file` when `use_file`, else asked twice at the
    /// terminal (empty for none); `None` when none of them gives one.
    pub(crate) fn chosen_passphrase(&self, config: &Config, env: &str, use_file: bool) -> Result<Option<Passphrase>> {
        if let Some(text) = env_text(env) {
            return Ok(Some(Passphrase::new(text)?));
        }
        if use_file && let Some(file) = &config.passphrase_file {
            return Ok(Some(Passphrase::new(read_passphrase_file(file)?)?));
        }
        if !interactive() {
            return Ok(None);
        }
        let first = prompt("New passphrase (empty for none): ")?;
        if first.is_empty() {
            return Ok(None);
        }
        let first = Passphrase::new(first)?;
        let again = Passphrase::given(prompt("The same passphrase again: ")?);
        if again.expose() != first.expose() {
            return Err(KeyUseError::PassphrasesDiffer.into());
        }
        Ok(Some(first))
    }

    /// The data key: from `MEND_RECOVERY_KEY` if set, else the key file, unlocked once.
    pub(crate) fn data_key(&self, config: &Config) -> Result<DataKey> {
        if let Some(key) = self.key.get() {
            return Ok(key.clone());
        }
        let key = match env_text(RECOVERY_ENV).map(Zeroizing::new) {
            Some(words) => DataKey::from_recovery_words(&words)?,
            None => self.unlock(&KeyFile::read(&key_file_path(config)?)?, config)?,
        };
        Ok(self.key.get_or_init(|| key).clone())
    }

    /// Unlocks `file`, asking for the passphrase only when it is sealed by one.
    pub(crate) fn unlock(&self, file: &KeyFile, config: &Config) -> Result<DataKey> {
        let passphrase = if file.needs_passphrase() { self.passphrase(config)? } else { None };
        Ok(file.unlock(passphrase.as_ref())?)
    }

    /// The key for a record about to be created: the key file's if there is one (one key per
    /// practice), else a new key in a new key file, sealed by the configured passphrase if there
    /// is one and else readable by its owner alone.
    fn key_for_new_record(&self, config: &Config) -> Result<DataKey> {
        let path = key_file_path(config)?;
        if env_text(RECOVERY_ENV).is_some() || path.exists() {
            return self.data_key(config);
        }
        // On a terminal, with no passphrase set anywhere, the first run offers one: without it
        // the key file is readable by its owner beside the configuration, and a backup of the
        // home folder holds both the key and the record.
        if env_text(PASSPHRASE_ENV).is_none() && config.passphrase_file.is_none() && interactive() {
            note(
                "a new practice record is being made. A passphrase protects its key (you type it once per command, \
                 or keep it in a passphrase_file); press Enter for none and the key file is readable by you alone.",
            );
        }
        let passphrase = self.chosen_passphrase(config, PASSPHRASE_ENV, true)?;
        let key = DataKey::generate();
        KeyFile::create(&path, &key, passphrase.as_ref())?;
        let how = if passphrase.is_some() { "sealed by your passphrase" } else { "readable by you alone" };
        note(&format!(
            "the new practice record is encrypted; its key is in {} ({how}). Keep that file apart from \
             backups, and write down the words `mend key recovery` prints.",
            path.display()
        ));
        Ok(self.key.get_or_init(|| key).clone())
    }

    /// Opens the store at `path`: a new or empty file encrypted with the practice's key, a plain
    /// file as it is, an encrypted one with the key file's key. `create` allows a new file.
    pub(crate) fn open_store(&self, config: &Config, path: &Path, create: bool) -> Result<Store> {
        let key = self.store_key(config, path, create)?;
        let store = if create {
            Store::open_keyed(path, key.as_ref())?
        } else {
            Store::open_existing_keyed(path, key.as_ref())?
        };
        if key.is_none() {
            suggest_encrypting(&store);
        }
        Ok(store)
    }

    /// The key that opens the database at `path`, `None` for a plain one; see [`Keys::open_store`].
    pub(crate) fn store_key(&self, config: &Config, path: &Path, create: bool) -> Result<Option<DataKey>> {
        match mend_store::database_kind(path)? {
            DatabaseKind::Missing if !create => Err(StoreError::NoDatabase { path: path.to_owned() }.into()),
            DatabaseKind::Missing | DatabaseKind::Empty => Ok(Some(self.key_for_new_record(config)?)),
            DatabaseKind::Plain => Ok(None),
            DatabaseKind::Encrypted => {
                let key_file = key_file_path(config)?;
                if env_text(RECOVERY_ENV).is_none() && !key_file.exists() {
                    return Err(StoreError::EncryptedWithoutKey { path: path.to_owned(), key_file }.into());
                }
                let key = self.data_key(config)?;
                Ok(Some(self.finish_rotation(config, path, key)?))
            }
        }
    }

    /// If a rotation was interrupted after the database was rewritten but before the new key
    /// file took the old one's place, the old key no longer opens the database and the new one
    /// does: the rotation is finished here. Otherwise `key` is returned as it is.
    fn finish_rotation(&self, config: &Config, path: &Path, key: DataKey) -> Result<DataKey> {
        let key_file = key_file_path(config)?;
        let pending = pending_key_file_path(&key_file);
        if env_text(RECOVERY_ENV).is_some() || !pending.exists() {
            return Ok(key);
        }
        match Store::open_existing_keyed(path, Some(&key)) {
            Err(StoreError::WrongKey { .. }) => {}
            _ => return Ok(key),
        }
        let next = self.unlock(&KeyFile::read(&pending)?, config)?;
        drop(Store::open_existing_keyed(path, Some(&next))?);
        std::fs::rename(&pending, &key_file)
            .with_context(|| format!("cannot move {} to {}", pending.display(), key_file.display()))?;
        note(&format!("finished an interrupted key rotation: {} holds the new key", key_file.display()));
        Ok(next)
    }
}

/// Says once per record that a plain record can be encrypted.
fn suggest_encrypting(store: &Store) {
    if store.first_notice("suggest-encrypt").unwrap_or(false) {
        note(
            "this practice record is not encrypted: anyone with a copy of the file can read it. Stop \
             `mend serve` and run `mend encrypt` to encrypt it (this note is shown once).",
        );
    }
}

/// A note for the therapist on standard error, beside a command's own output.
pub(crate) fn note(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "mend: note: {text}");
}
