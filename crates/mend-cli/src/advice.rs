//! What to do about an error: the libraries state causes, and this one place adds the commands
//! and flags that fix them, as the therapist types them.

use mend_core::day::format_day;
use mend_core::{CoupleError, LookupError, SessionDayError};
use mend_store::StoreError;

/// The advice to print after `error`'s own message, starting with its separator (`: …`), or
/// nothing when the message says enough.
pub(crate) fn for_error(error: &anyhow::Error) -> String {
    for cause in error.chain() {
        if let Some(store) = cause.downcast_ref::<StoreError>() {
            return store_advice(store);
        }
        if let Some(lookup) = cause.downcast_ref::<LookupError>() {
            return lookup_advice(lookup);
        }
        if let Some(day) = cause.downcast_ref::<SessionDayError>() {
            return session_day_advice(day);
        }
        if let Some(couple) = cause.downcast_ref::<CoupleError>() {
            return couple_advice(couple);
        }
    }
    String::new()
}

fn store_advice(error: &StoreError) -> String {
    match error {
        StoreError::NotSqlite { .. } | StoreError::NotMend { .. } => ": check the --db path".into(),
        StoreError::NoDatabase { .. } => ": run `mend couple add` first or pass --db".into(),
        StoreError::CreateDir { .. } => "; create it yourself or pass another --db".into(),
        StoreError::Lookup(lookup) => lookup_advice(lookup),
        StoreError::UnknownPartnerId(_) => ": look the couple up again".into(),
        StoreError::NoSuchSession { couple, .. } => {
            format!(": run `mend session list {couple}` to see its sessions")
        }
        StoreError::SessionAlreadyRecorded { .. } => ": use `mend session record` to add to it".into(),
        StoreError::ImportNotEmpty => ": pass --db NEW_FILE".into(),
        _ => String::new(),
    }
}

fn lookup_advice(error: &LookupError) -> String {
    match error {
        LookupError::NoSuchCouple { .. } => ": run `mend couple list` to see short ids and names".into(),
        LookupError::AmbiguousCouple { .. } => ": use the short id".into(),
        LookupError::NoSuchPartner { choices, .. } => format!(": use {}", choices.join(" or ")),
        LookupError::AmbiguousPartner { choices, .. } => format!(": use the full name, {}", choices.join(" or ")),
    }
}

fn session_day_advice(error: &SessionDayError) -> String {
    match error {
        SessionDayError::InTheFuture(_) => {
            ", with the date it was held (or leave out --date for today); to get ready for one, use `mend plan`".into()
        }
        SessionDayError::BeforeLatest { latest, .. } => format!(", so give {} or a later date", format_day(*latest)),
    }
}

fn couple_advice(error: &CoupleError) -> String {
    match error {
        CoupleError::SameNames(_) => ": give each partner a distinct display name (add an initial)".into(),
        CoupleError::UnknownBrokeTrust { names, .. } => {
            format!(": give --broke-trust {:?}, {:?} or both", names[0], names[1])
        }
    }
}
