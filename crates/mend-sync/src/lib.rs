//! The therapist's side of the relay: new links pushed to it before the record commits them, and
//! sent forms taken from it into the record, which only then lets the relay delete them.
//!
//! On one machine the relay is a folder beside the record, which the therapist's mend reads and
//! writes directly, so answers that arrived can be read while the server is stopped. On two, the
//! record is paired with a relay on another machine and syncs with it over HTTPS.

mod practice;
mod remote;
mod take_in;

pub use practice::{NewLink, Practice, PracticeError, RelayPlace, default_folder};
pub use take_in::{SyncReport, TAKE_IN_BATCH};
