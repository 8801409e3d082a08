//! The relay: what the web server that partners reach keeps, all of it sealed, and what crosses
//! between it and the therapist's mend.
//!
//! The relay never holds the practice record or its key. For each link it keeps the token's hash,
//! kind, expiry and questionnaire version in clear, and sealed by a key derived from the token
//! (which it never stores) the partner's name, what a check-in asks and any saved draft. A sent
//! form is sealed at once, in memory, to the practice's public key and only then written; the
//! therapist's mend takes it in and tells the relay to delete it.

mod seal;
mod store;
mod wire;

pub use seal::{BadKey, LinkKey, PracticeIdentity, PracticeRecipient, SealBroken, Sealed};
pub use store::{
    Arrival, LinkState, OpenedLink, PAIRING_CODE_LIFETIME, PairingRefused, PracticeId, RELAY_FILE, Received,
    RelayError, RelayStore,
};
pub use wire::{LinkDetails, LinkEntry, LinkKind, Push, SentForm, VersionEntry, Waiting};
