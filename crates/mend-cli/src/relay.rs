//! The record's relay, as commands meet it: where its folder is, the practice joined to it, and
//! the forms that arrived, taken in before a command reads answers.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use mend_store::Store;
use mend_sync::{Practice, RelayPlace, SyncReport, default_folder};

use crate::context::{Context, now};

impl Context {
    /// The relay folder on this machine: the configuration's `relay_dir`, else beside the record.
    /// Worked out without opening the record, for `mend serve`, which never does.
    pub(crate) fn relay_folder(&self) -> PathBuf {
        self.config.relay_dir.clone().unwrap_or_else(|| default_folder(&self.db_path))
    }

    /// The practice as its relay knows it, joining the folder beside the record the first time
    /// (which also hands it the links still open from before).
    pub(crate) fn practice(&self, store: &mut Store, now: time::OffsetDateTime) -> Result<Practice> {
        Ok(Practice::of_record_or_join(store, &self.relay_folder(), now)?)
    }

    /// Opens the record after taking in whatever forms arrived on the relay, as `mend sync` does,
    /// so a command that reads answers reads the latest. Finding that nothing arrived is one small
    /// read of the relay's file, with nothing written and no wait for the disk.
    pub(crate) fn store_taking_in(&self) -> Result<Store> {
        let mut store = self.store()?;
        let Some(practice) = Practice::of_record(&store).context("cannot read the record's relay settings")? else {
            return Ok(store);
        };
        // A copy of the record opened at another path (a backup being checked, say) must not take
        // answers away from the record the relay belongs to: only the record whose relay folder is
        // the one beside it, or the one configured, takes them in by itself.
        // A relay on another machine is asked by `mend sync` only: a reading command never waits
        // on the network.
        let RelayPlace::Folder(folder) = practice.place() else { return Ok(store) };
        if *folder == self.relay_folder() && practice.has_waiting().context("cannot look for answers on the relay")? {
            take_in(&mut store, &practice, false)?;
        }
        Ok(store)
    }
}

/// Takes in the forms waiting for `practice`; with `always`, also notes the time of the sync,
/// which `mend sync` does even when nothing was waiting.
pub(crate) fn take_in(store: &mut Store, practice: &Practice, always: bool) -> Result<SyncReport> {
    let report = practice.sync(store, now()).context("cannot take in the answers that arrived on the relay")?;
    if always {
        store.synced(now())?;
    }
    if report.left > 0 {
        eprintln!(
            "Note: {} sent form(s) on the relay could not be taken in (their link is not in this record, or they \
             were sealed for another key); they stay on the relay.",
            report.left
        );
    }
    Ok(report)
}
