//! What to do about an error: the libraries state causes, and this one place adds the commands
//! and flags that fix them, as the therapist types them.

use mend_core::day::format_day;
use mend_core::plan::PlanError;
use mend_core::{CoupleError, LookupError, SessionDayError};
use mend_store::StoreError;

use crate::keys::{KeyUseError, NEW_PASSPHRASE_ENV, PASSPHRASE_ENV, RECOVERY_ENV};

/// The advice to print after `error`'s own message, starting with its separator (`: …`), or
/// nothing when the message says enough.
pub(crate) fn for_error(error: &anyhow::Error) -> String {
    for cause in error.chain() {
        if let Some(store) = cause.downcast_ref::<StoreError>() {
            return store_advice(store);
        }
        // The relay's errors carry the record's and the relay's as they are, not as causes.
        match cause.downcast_ref::<mend_sync::PracticeError>() {
            Some(mend_sync::PracticeError::Store(store)) => return store_advice(store),
            Some(mend_sync::PracticeError::Refused { status: 429, .. }) => {
                return ": too many refused attempts from this address; wait a few minutes and try again".to_owned();
            }
            Some(mend_sync::PracticeError::Refused { .. }) => {
                return ": the pairing code is used or expired, or this record's credential is no longer the relay's; \
                        make a new code with `mend relay pair` on the relay and run `mend relay connect` again"
                    .to_owned();
            }
            Some(mend_sync::PracticeError::PlainHttp(_)) => {
                return ": give the relay's https:// address (put mend serve behind HTTPS; see docs/deployment.md)"
                    .to_owned();
            }
            Some(mend_sync::PracticeError::Relay(_)) => {
                return ": check that the relay folder (relay_dir in the configuration, or `mend.relay` beside the \
                        record) is a folder this user may write, and that the disk has room"
                    .to_owned();
            }
            _ => {}
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
        if let Some(plan) = cause.downcast_ref::<PlanError>() {
            return plan_advice(plan);
        }
        if let Some(key) = cause.downcast_ref::<KeyUseError>() {
            return key_use_advice(key);
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
        StoreError::QuestionnaireChanged { version, .. } => format!(
            ": raise `version` in the questionnaire's file to {} (links already out keep version {version}), \
             or put back the text version {version} had; `mend content check` shows what is out",
            version + 1
        ),
        StoreError::EncryptedWithoutKey { .. } => {
            ": check the --db path; if it is your encrypted record, put its key file back or make a new one from the \
             recovery words with `mend key restore`"
                .into()
        }
        StoreError::NoKeyFile { .. } | StoreError::KeyFileDamaged { .. } => {
            ": put back your copy of it, or make a new one from the recovery words with `mend key restore`".into()
        }
        StoreError::KeyFileExposed { path, .. } => {
            format!(": run `chmod 600 {}`, or seal it with `mend key passphrase`", path.display())
        }
        StoreError::PassphraseNeeded { .. } => format!(
            ": set {PASSPHRASE_ENV}, name a passphrase_file in the configuration, or run mend on a terminal to be asked"
        ),
        StoreError::WrongPassphrase { .. } => {
            ": try again; if it is forgotten, make a new key file from the recovery words with `mend key restore`"
                .into()
        }
        StoreError::WeakPassphrase { .. } => ": choose a longer one (a few words are easy to remember)".into(),
        StoreError::BadRecoveryWords(_) => ": check them against what `mend key recovery` printed".into(),
        StoreError::WrongKey { .. } => format!(
            ": check --db and the key file (key_file in the configuration), or set {RECOVERY_ENV} to this \
             database's recovery words"
        ),
        StoreError::InUse { .. } => {
            ": stop `mend serve` (and other mend commands using it), then run this again".into()
        }
        StoreError::WrongExportPassphrase => {
            format!(": set {PASSPHRASE_ENV} to the passphrase of the practice that made the export")
        }
        _ => String::new(),
    }
}

fn key_use_advice(error: &KeyUseError) -> String {
    match error {
        KeyUseError::NoExportPassphrase => format!(
            ": set {PASSPHRASE_ENV} or a passphrase_file in the configuration, or pass --plaintext for plain JSON"
        ),
        KeyUseError::NoImportPassphrase { .. } => {
            format!(": set {PASSPHRASE_ENV} to the passphrase of the practice that made it")
        }
        KeyUseError::PassphrasesDiffer => ": run the command again".into(),
        KeyUseError::NoNewPassphrase => format!(
            ": set {NEW_PASSPHRASE_ENV}, run it on a terminal to be asked, or pass --remove to keep the key without one"
        ),
        KeyUseError::NoRecoveryWords => format!(": set {RECOVERY_ENV}, or type them when asked"),
        KeyUseError::PassphraseFileExposed { path, .. } => {
            format!(": run `chmod 600 {}` (it must be yours alone), then run this again", path.display())
        }
        KeyUseError::NotEncrypted { .. } => ": run `mend encrypt` first".into(),
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

fn plan_advice(error: &PlanError) -> String {
    match error {
        PlanError::UnknownStage { .. } => ": give one of them to --stage".into(),
        PlanError::MinutesOutOfRange { .. } => ": give --minutes within that range".into(),
        PlanError::NotTwoPartners { .. } => ": add the couple again with both partners (`mend couple add`)".into(),
        PlanError::UnknownRecordedStage { .. } => {
            ": use the content it was recorded with (--content DIR), or plan with --stage ID".into()
        }
        PlanError::NoStages => ": add stage ids to program.toml".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(error: impl std::error::Error + Send + Sync + 'static) -> String {
        let error = anyhow::Error::new(error);
        format!("{error:#}{}", for_error(&error))
    }

    #[test]
    fn each_planning_error_is_followed_by_what_to_type() {
        let cases = [
            (
                PlanError::MinutesOutOfRange { minutes: 20 },
                "a session of 20 minutes cannot be planned: sessions last 30 to 120 minutes: give --minutes within \
                 that range",
            ),
            (
                PlanError::UnknownStage { id: "x".into(), known: vec!["a".into(), "b".into()] },
                r#"the program has no stage "x"; its stages are a, b: give one of them to --stage"#,
            ),
            (
                PlanError::NotTwoPartners { couple: "k3f9".into(), partners: 1 },
                "couple k3f9 has 1 partner(s), and a plan needs exactly two: add the couple again with both \
                 partners (`mend couple add`)",
            ),
            (
                PlanError::UnknownRecordedStage { session: 2, stage: "gone".into() },
                r#"session 2 is recorded at stage "gone", which this program does not have: use the content it was recorded with (--content DIR), or plan with --stage ID"#,
            ),
            (PlanError::NoStages, "the program has no stages to start at: add stage ids to program.toml"),
        ];
        for (error, expected) in cases {
            assert_eq!(printed(error), expected);
        }
    }

    #[test]
    fn store_and_lookup_errors_get_the_commands_that_fix_them() {
        let no_couple = LookupError::NoSuchCouple { query: "Quentin".into() };
        assert_eq!(
            printed(StoreError::Lookup(no_couple.clone())),
            r#"no couple matches "Quentin": run `mend couple list` to see short ids and names"#
        );
        assert_eq!(
            printed(no_couple),
            printed(StoreError::Lookup(LookupError::NoSuchCouple { query: "Quentin".into() }))
        );
        let path = std::path::PathBuf::from("/tmp/notes.txt");
        assert_eq!(
            printed(StoreError::NotSqlite { path }),
            "/tmp/notes.txt is not a mend database (not SQLite): check the --db path"
        );
        let names = ["Zoë".to_owned(), "José".to_owned()];
        assert_eq!(
            printed(CoupleError::UnknownBrokeTrust { given: "Quentin".into(), names }),
            r#""Quentin" does not name one of the partners, "Zoë" and "José": give --broke-trust "Zoë", "José" or both"#
        );
    }
}
