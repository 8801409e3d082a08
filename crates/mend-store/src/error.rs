//! Everything that can go wrong with the practice record, each cause stated plainly; the binary
//! adds what to do about it.

use std::path::PathBuf;

use mend_core::{InvalidInput, LookupError, PartnerId};
use rusqlite::ErrorCode;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not an SQLite database at all.
    #[error("{} is not a mend database (not SQLite)", path.display())]
    NotSqlite {
        /// The file that was given.
        path: PathBuf,
    },

    /// The file is an SQLite database that some other program made.
    #[error("{} is an SQLite database but not one of mend's", path.display())]
    NotMend {
        /// The file that was given.
        path: PathBuf,
    },

    /// The file that should hold the practice record does not exist.
    #[error("no database at {}", path.display())]
    NoDatabase {
        /// The file that was looked for.
        path: PathBuf,
    },

    /// The database was written by a newer mend whose schema this one does not know.
    #[error(
        "the database was written by a newer mend (schema version {found}, this mend knows up to \
         {supported}): upgrade mend to open it; the file was left untouched"
    )]
    TooNew {
        /// The schema version found in the file.
        found: u32,
        /// The newest schema version this build understands.
        supported: u32,
    },

    /// A folder for the database could not be created.
    #[error("cannot create the folder {} for the database: {source}", path.display())]
    CreateDir {
        /// The folder that could not be created.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A file could not be created, read or written.
    #[error("cannot use {}: {source}; check that the path is right and that you may write there", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A file that mend would create is already there.
    #[error("{} already exists: choose a new file name or move the old file away first", path.display())]
    AlreadyExists {
        /// The file that is in the way.
        path: PathBuf,
    },

    /// Another program held the database locked for longer than the busy timeout.
    #[error("the database stayed busy for more than 5 seconds (another mend is using it): try again")]
    Busy(#[source] rusqlite::Error),

    /// SQLite reported an error that is not one of the causes above.
    #[error("the database reported an error: {0}")]
    Sqlite(#[source] rusqlite::Error),

    /// The schema could not be brought up to date.
    #[error("cannot upgrade the database schema: {0}; restore the file from a backup")]
    Migration(#[from] rusqlite_migration::Error),

    /// Something stored in the database cannot be read back as what it should be.
    #[error("the database holds damaged data ({0}): restore the file from a backup")]
    Corrupt(String),

    /// A value given to the store was refused.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),

    /// A couple or partner could not be found from what was typed.
    #[error(transparent)]
    Lookup(#[from] LookupError),

    /// A partner id no longer exists, usually because the couple was deleted meanwhile.
    #[error("partner {0} does not exist (the couple may have been deleted meanwhile)")]
    UnknownPartnerId(PartnerId),

    /// A session number that the couple does not have.
    #[error("couple {couple} has no session {number}")]
    NoSuchSession {
        /// The couple's short id.
        couple: String,
        /// The session number asked for.
        number: u32,
    },

    /// A session that has notes or met markers cannot have its saved plan replaced.
    #[error("session {number} has been recorded, so its saved plan is kept")]
    SessionAlreadyRecorded {
        /// The session's number.
        number: u32,
    },

    /// A questionnaire was published under a version the record already keeps with other content.
    #[error(
        "questionnaire {questionnaire:?} version {version} has changed since links were made for it; \
         a changed questionnaire needs a new version number"
    )]
    QuestionnaireChanged {
        /// The questionnaire's id.
        questionnaire: String,
        /// The version whose content differs.
        version: u32,
    },

    /// A draft was saved for an invitation that is used, expired or replaced.
    #[error("this intake link is no longer active (used, expired or replaced)")]
    InvitationNotActive,

    /// An import was attempted into a database that already holds couples.
    #[error("the database already holds couples; an import goes into a new, empty file")]
    ImportNotEmpty,

    /// The key file that holds the database's key is not where it should be.
    #[error("the database is encrypted and its key file {} is missing", path.display())]
    NoKeyFile {
        /// Where the key file was looked for.
        path: PathBuf,
    },

    /// The file is not plain SQLite, and there is no key file to try: it is encrypted and its
    /// key file is missing, or it is not a database at all.
    #[error(
        "{} is not a mend database, or it is an encrypted one whose key file {} is missing",
        path.display(),
        key_file.display()
    )]
    EncryptedWithoutKey {
        /// The database file.
        path: PathBuf,
        /// Where the key file was looked for.
        key_file: PathBuf,
    },

    /// The key file cannot be read as one.
    #[error("the key file {} is damaged ({why})", path.display())]
    KeyFileDamaged {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },

    /// A key file that holds the key unsealed may be read by others than its owner.
    #[error("the key file {} holds the key unsealed but others may read it (mode {mode:o})", path.display())]
    KeyFileExposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// The key file is sealed by a passphrase and none was given.
    #[error("the key file {} is locked with a passphrase, and none was given", path.display())]
    PassphraseNeeded {
        /// The key file.
        path: PathBuf,
    },

    /// The passphrase given does not unseal the key file.
    #[error("the passphrase does not unlock the key file {}; nothing was changed", path.display())]
    WrongPassphrase {
        /// The key file.
        path: PathBuf,
    },

    /// A passphrase to be set is too short.
    #[error("a passphrase must have at least {min} characters")]
    WeakPassphrase {
        /// The fewest characters accepted.
        min: usize,
    },

    /// Recovery words could not be read back as a key.
    #[error("the recovery words cannot be read: {0}")]
    BadRecoveryWords(String),

    /// The key opens the key file but not the database: it belongs to another database, or the
    /// file is damaged.
    #[error(
        "the key does not open {}: it is the key of another database, or the file is damaged or not a \
         database; nothing was changed",
        path.display()
    )]
    WrongKey {
        /// The database file.
        path: PathBuf,
    },

    /// A key was given for a database that is not encrypted.
    #[error("{} is not encrypted", path.display())]
    NotEncrypted {
        /// The database file.
        path: PathBuf,
    },

    /// The database is open in another process, so it cannot be rewritten whole.
    #[error("{} is open in another process (the intake server or another mend); nothing was changed", path.display())]
    InUse {
        /// The database file.
        path: PathBuf,
    },

    /// An encrypted export could not be opened with the passphrase given.
    #[error("the passphrase does not open this encrypted export")]
    WrongExportPassphrase,

    /// An export file cannot be imported.
    #[error("the export cannot be imported: {0}")]
    BadExport(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy(err),
            _ => StoreError::Sqlite(err),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Corrupt(format!("stored JSON does not parse: {err}"))
    }
}

/// Whether an SQLite error means the file is not a database.
pub(crate) fn is_not_a_database(err: &rusqlite::Error) -> bool {
    err.sqlite_error_code() == Some(ErrorCode::NotADatabase)
}
