//! mend's practice record: one SQLite file, shared safely by the therapist's CLI and the intake
//! server, reached only through one function per query.
//!
//! Callers never write SQL. Every write runs in a transaction (IMMEDIATE when it reads before it
//! writes), every time is passed in as `now` so tests control the clock, and the audit trail
//! records what was done to which couple without names or answers.

mod audit;
mod backup;
mod checkins;
mod checkpoint;
mod clock;
mod convert;
mod couples;
mod error;
mod export;
mod invitations;
mod key;
mod open;
mod relay;
mod schema;
mod sealed;
mod sessions;
mod versions;
mod week;

use std::path::PathBuf;

use rusqlite::Connection;

pub use audit::{Actor, AuditEntry, ChainCheck, set_operator};
pub use checkins::{CheckinAsks, ExportedCheckin, ExportedScore};
pub use convert::{DatabaseKind, database_kind};
pub use couples::IntakeResponse;
pub use error::StoreError;
pub use export::{EXPORT_FORMAT, EXPORT_VERSION, Export, ExportedCouple, ExportedDraft, ExportedInvitation};
pub use export::{ExportedPartner, ExportedQuestionnaire, ExportedResponse, ExportedSession};
pub use export::{Imported, LONGEST_LINK_DAYS, OpenLinks};
pub use invitations::{
    IntakeSubmission, InvitationId, InvitationInfo, InvitationLookup, InvitationState, OpenedLink, SubmitOutcome,
};
pub use key::{DataKey, KeyFile, MIN_PASSPHRASE_CHARS, Passphrase, Protection};
pub use relay::{LinkRequest, MadeLink, OpenLink, RelayJoin};
pub use schema::{SCHEMA_VERSION, migrations};
pub use sealed::{is_sealed, seal, unseal};
pub use sessions::NewSession;
pub use versions::PublishedVersion;
pub use week::{CheckinSchedule, LONGEST_SCHEDULE_DAYS, LinkWaiting, MailAttempt, MailPurpose};

/// An open practice record: one connection to the database file.
///
/// Open one `Store` per thread or task that needs it; SQLite's WAL mode and the busy timeout let
/// the CLI and the intake server use the same file at the same time.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    actor: Actor,
    /// The key the file is encrypted with, for backups; `None` for a plain file.
    key: Option<DataKey>,
}

impl Store {
    /// Says who is using this store, for the audit trail; a new store acts as [`Actor::Cli`].
    pub fn set_actor(&mut self, actor: Actor) {
        self.actor = actor;
    }

    /// Who the audit trail records for the writes of this store.
    pub fn actor(&self) -> Actor {
        self.actor
    }
}
