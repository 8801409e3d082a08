//! The practice as a relay knows it: where its relay is, its number there and its key pair, and
//! the links it pushes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mend_relay::{
    LinkDetails, LinkEntry, LinkKind, PracticeId, PracticeIdentity, Push, RelayError, RelayStore, VersionEntry, Waiting,
};
use mend_store::{LinkRequest, MadeLink, RelayJoin, Store, StoreError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::remote::{Remote, checked_url};

/// Where a practice's relay is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayPlace {
    /// A folder on this machine, which `mend serve` serves.
    Folder(PathBuf),
    /// A relay on another machine, paired by `mend relay connect`, at this address.
    Remote(String),
}

/// Why a step with the relay failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PracticeError {
    /// The record failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The relay failed.
    #[error(transparent)]
    Relay(#[from] RelayError),
    /// The key the record keeps for the relay is not a key.
    #[error("the practice's relay key in the record is damaged")]
    BadKey,
    /// A kept value is not what it should be.
    #[error("the record's relay settings are not valid: {0}")]
    Invalid(String),
    /// The relay's address is not a web address.
    #[error("{0} is not a relay's address (it starts with https://)")]
    BadAddress(String),
    /// Plain HTTP to another machine would carry the sync unencrypted.
    #[error("{0} is plain http to another machine, which would carry links and answers unencrypted")]
    PlainHttp(String),
    /// The relay could not be reached.
    #[error("cannot reach the relay at {url}: {cause}")]
    Unreachable {
        /// The relay's address.
        url: String,
        /// What the connection said.
        cause: String,
    },
    /// The relay refused the code or the credential (401, 403) or asked to wait (429).
    #[error("the relay at {url} refused the request ({status})")]
    Refused {
        /// The relay's address.
        url: String,
        /// Its status.
        status: u16,
    },
    /// The relay failed on its side.
    #[error("the relay at {url} failed ({status})")]
    RelayFailed {
        /// The relay's address.
        url: String,
        /// Its status.
        status: u16,
    },
}

/// The relay folder beside a record that has not been told of another: `mend.db` has `mend.relay`.
pub fn default_folder(db_path: &Path) -> PathBuf {
    db_path.with_extension("relay")
}

/// A practice joined to a relay: where it is, its number there and the key that opens its answers.
#[derive(Debug)]
pub struct Practice {
    place: RelayPlace,
    id: PracticeId,
    identity: PracticeIdentity,
    /// For a relay on another machine, its address and the practice's credential there.
    remote: Option<Remote>,
}

/// A link to make, and what the relay shows on it, sealed by the link's own key.
#[derive(Debug, Clone)]
pub struct NewLink<'a> {
    /// The link, as the record makes it.
    pub request: LinkRequest<'a>,
    /// What its page shows: the partner's name and, for a check-in, the sheets' titles.
    pub details: LinkDetails,
}

impl Practice {
    /// The relay the record has joined, if it has.
    pub fn of_record(store: &Store) -> Result<Option<Practice>, PracticeError> {
        let Some(join) = store.relay()? else { return Ok(None) };
        let identity = PracticeIdentity::parse(&join.identity).map_err(|_| PracticeError::BadKey)?;
        let id = PracticeId::from_kept(join.practice);
        let practice = match join.credential {
            Some(credential) => {
                let url = checked_url(&join.location)?;
                let remote = Some(Remote { url: url.clone(), credential });
                Practice { place: RelayPlace::Remote(url), id, identity, remote }
            }
            None => Practice { place: RelayPlace::Folder(PathBuf::from(&join.location)), id, identity, remote: None },
        };
        Ok(Some(practice))
    }

    /// The relay the record has joined, or else the folder beside it, joined now.
    pub fn of_record_or_join(store: &mut Store, folder: &Path, now: OffsetDateTime) -> Result<Practice, PracticeError> {
        match Practice::of_record(store)? {
            Some(practice) => Ok(practice),
            None => Practice::join_folder(store, folder, now),
        }
    }

    /// Joins the relay in `folder` on this machine: a fresh key pair, whose public half the relay
    /// keeps and whose secret half only the record does, and every link still open handed to the
    /// relay, so that links made before the relay keep working (greeting the partner without
    /// their name, which only the token could have sealed).
    pub fn join_folder(store: &mut Store, folder: &Path, now: OffsetDateTime) -> Result<Practice, PracticeError> {
        let identity = PracticeIdentity::generate();
        let mut relay = RelayStore::open(folder)?;
        let id = relay.add_local_practice(&identity.recipient(), now)?;
        let practice = Practice { place: RelayPlace::Folder(folder.to_owned()), id, identity, remote: None };
        let location =
            folder.to_str().ok_or_else(|| PracticeError::Invalid("the relay folder's path is not UTF-8".into()))?;
        practice.hand_over(store, location.to_owned(), None, now)?;
        Ok(practice)
    }

    /// Pairs the record with the relay at `url` on another machine, by the one-time `code` that
    /// `mend relay pair` printed there: a fresh key pair, whose public half the relay keeps, and
    /// a credential for syncing, of which the relay keeps only the hash. Whatever waits on the
    /// relay the record used before is taken in first, and every link still open is handed to
    /// the new one.
    pub fn connect(store: &mut Store, url: &str, code: &str, now: OffsetDateTime) -> Result<Practice, PracticeError> {
        let url = checked_url(url)?;
        if let Some(before) = Practice::of_record(store)? {
            before.sync(store, now)?;
        }
        let identity = PracticeIdentity::generate();
        let (id, credential) = crate::remote::pair(&url, code, &identity.recipient().to_text())?;
        let remote = Some(Remote { url: url.clone(), credential: credential.clone() });
        let id = PracticeId::from_kept(id);
        let practice = Practice { place: RelayPlace::Remote(url.clone()), id, identity, remote };
        practice.hand_over(store, url, Some(credential), now)?;
        Ok(practice)
    }

    /// Hands the record's open links to the relay just joined, then keeps the join in the record.
    fn hand_over(
        &self,
        store: &mut Store,
        location: String,
        credential: Option<String>,
        now: OffsetDateTime,
    ) -> Result<(), PracticeError> {
        let push = self.open_links(store, now)?;
        self.push(&push, now)?;
        let join = RelayJoin {
            location,
            practice: self.id.get(),
            credential,
            identity: self.identity.to_text().to_string(),
            synced_at: None,
        };
        store.join_relay(&join, now)?;
        Ok(())
    }

    /// Every link of the record that still works, for a relay joined now.
    fn open_links(&self, store: &Store, now: OffsetDateTime) -> Result<Push, PracticeError> {
        let mut push = Push::default();
        let mut versions = BTreeSet::new();
        for link in store.open_links(now)? {
            let expires_at = OffsetDateTime::parse(&link.expires_at, &Rfc3339)
                .map_err(|e| PracticeError::Invalid(format!("a link's expiry: {e}")))?;
            if versions.insert((link.questionnaire.clone(), link.version))
                && let Some(questionnaire) = store.questionnaire_version(&link.questionnaire, link.version)?
            {
                push.versions.push(VersionEntry::of(&questionnaire));
            }
            push.links.push(LinkEntry {
                token_sha256: link.token_sha256,
                kind: if link.checkin { LinkKind::Checkin } else { LinkKind::Intake },
                questionnaire: link.questionnaire,
                version: link.version,
                expires_at,
                details: String::new(),
            });
        }
        Ok(push)
    }

    /// Where the relay is.
    pub fn place(&self) -> &RelayPlace {
        &self.place
    }

    /// The practice's number on its relay.
    pub fn id(&self) -> PracticeId {
        self.id
    }

    pub(crate) fn identity(&self) -> &PracticeIdentity {
        &self.identity
    }

    /// Makes links in the record and pushes them, with what their pages show and the links they
    /// retire, to the relay before the record commits: if the relay cannot take them, no link is
    /// made and none retired.
    pub fn make_links(
        &self,
        store: &mut Store,
        links: &[NewLink<'_>],
        secrets_policy: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Vec<MadeLink>, PracticeError> {
        let requests: Vec<LinkRequest<'_>> = links.iter().map(|link| link.request).collect();
        store.make_links(&requests, now, |made| {
            let mut push =
                Push { secrets_policy: Some(secrets_policy.unwrap_or_default().to_owned()), ..Push::default() };
            let mut versions = BTreeSet::new();
            for (link, made) in links.iter().zip(made) {
                let questionnaire = link.request.questionnaire;
                let kind = if link.request.checkin.is_some() { LinkKind::Checkin } else { LinkKind::Intake };
                if versions.insert((questionnaire.id.as_str(), questionnaire.version)) {
                    push.versions.push(VersionEntry::of(questionnaire));
                }
                let expires_at = link.request.expires_at;
                push.links.push(LinkEntry::new(&made.token, kind, questionnaire, expires_at, &link.details));
                push.retire.extend(made.retired.iter().cloned());
            }
            self.push(&push, now)
        })
    }

    /// Tells the relay that these links no longer work (their couple is being deleted, say).
    pub fn retire(&self, hashes: Vec<String>, now: OffsetDateTime) -> Result<(), PracticeError> {
        if hashes.is_empty() {
            return Ok(());
        }
        self.push(&Push { retire: hashes, ..Push::default() }, now)
    }

    /// Hands a push to the relay.
    fn push(&self, push: &Push, now: OffsetDateTime) -> Result<(), PracticeError> {
        match (&self.place, &self.remote) {
            (_, Some(remote)) => remote.push(push),
            (RelayPlace::Folder(folder), None) => Ok(RelayStore::open(folder)?.push(self.id, push, now)?),
            (RelayPlace::Remote(_), None) => Err(PracticeError::Invalid("a relay without a credential".into())),
        }
    }

    /// Whether answers wait on the relay, found without writing or waiting for the disk.
    pub fn has_waiting(&self) -> Result<bool, PracticeError> {
        match (&self.place, &self.remote) {
            (_, Some(remote)) => Ok(!remote.waiting(1)?.is_empty()),
            (RelayPlace::Folder(folder), None) => Ok(RelayStore::has_waiting(folder, self.id)?),
            (RelayPlace::Remote(_), None) => Err(PracticeError::Invalid("a relay without a credential".into())),
        }
    }

    /// Up to `limit` sealed answers waiting, oldest first.
    pub(crate) fn waiting(&self, limit: usize) -> Result<Vec<Waiting>, PracticeError> {
        match (&self.place, &self.remote) {
            (_, Some(remote)) => remote.waiting(limit),
            (RelayPlace::Folder(folder), None) => Ok(RelayStore::open_existing(folder)?.waiting(self.id, limit)?),
            (RelayPlace::Remote(_), None) => Err(PracticeError::Invalid("a relay without a credential".into())),
        }
    }

    /// Tells the relay to delete answers the record has committed.
    pub(crate) fn acknowledge(&self, ids: &[i64]) -> Result<(), PracticeError> {
        match (&self.place, &self.remote) {
            (_, Some(remote)) => remote.acknowledge(ids),
            (RelayPlace::Folder(folder), None) => {
                RelayStore::open_existing(folder)?.acknowledge(self.id, ids)?;
                Ok(())
            }
            (RelayPlace::Remote(_), None) => Err(PracticeError::Invalid("a relay without a credential".into())),
        }
    }
}
