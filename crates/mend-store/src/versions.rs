//! Published questionnaire versions: each version a link was made for, kept whole with its
//! content hash, so that a link keeps showing and checking the form it was made for.

use mend_core::Questionnaire;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use crate::clock::stamp;
use crate::{Store, StoreError};

/// A version the record keeps, with what is still out on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedVersion {
    /// The questionnaire's id.
    pub questionnaire: String,
    /// Its version.
    pub version: u32,
    /// The SHA-256 of its content, as [`Questionnaire::content_sha256`] gives it.
    pub content_sha256: String,
    /// Links made for it that still work.
    pub open_links: u32,
    /// Of those, how many hold a saved draft.
    pub drafts: u32,
}

/// Keeps `questionnaire` as a published version, inside the caller's transaction: a version
/// already kept must have the same content, or [`StoreError::QuestionnaireChanged`] refuses it.
pub(crate) fn publish(conn: &Connection, questionnaire: &Questionnaire, now: &str) -> Result<String, StoreError> {
    let hash = questionnaire.content_sha256();
    let kept: Option<String> = conn
        .prepare_cached("SELECT content_sha256 FROM questionnaire_versions WHERE questionnaire = ?1 AND version = ?2")?
        .query_row(params![questionnaire.id, questionnaire.version], |row| row.get(0))
        .optional()?;
    match kept {
        Some(kept) if kept == hash => {}
        Some(_) => {
            return Err(StoreError::QuestionnaireChanged {
                questionnaire: questionnaire.id.clone(),
                version: questionnaire.version,
            });
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO questionnaire_versions (questionnaire, version, content_sha256, definition, published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                questionnaire.id,
                questionnaire.version,
                hash,
                questionnaire.stored_json(),
                now
            ])?;
        }
    }
    Ok(hash)
}

/// The content hash of a version the record keeps, if it keeps it.
pub(crate) fn published_sha256(
    conn: &Connection,
    questionnaire: &str,
    version: u32,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT content_sha256 FROM questionnaire_versions WHERE questionnaire = ?1 AND version = ?2")?
        .query_row(params![questionnaire, version], |row| row.get(0))
        .optional()?)
}

impl Store {
    /// A questionnaire version the record keeps, read back whole; `None` if no link was ever
    /// made for it.
    pub fn questionnaire_version(&self, id: &str, version: u32) -> Result<Option<Questionnaire>, StoreError> {
        read_version(&self.conn, id, version)
    }

    /// Every version the record keeps, oldest first, with the links still out on each at `now`.
    pub fn published_versions(&self, now: OffsetDateTime) -> Result<Vec<PublishedVersion>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT v.questionnaire, v.version, v.content_sha256,
                    count(i.id), count(d.invitation_id)
             FROM questionnaire_versions v
             LEFT JOIN invitations i ON i.questionnaire = v.questionnaire AND i.questionnaire_version = v.version
                  AND i.used_at IS NULL AND i.retired_at IS NULL AND i.expires_at > ?1
             LEFT JOIN intake_drafts d ON d.invitation_id = i.id
             GROUP BY v.questionnaire, v.version ORDER BY v.questionnaire, v.version",
        )?;
        let rows = stmt.query_map([stamp(now)?], |row| {
            Ok(PublishedVersion {
                questionnaire: row.get(0)?,
                version: row.get(1)?,
                content_sha256: row.get(2)?,
                open_links: row.get(3)?,
                drafts: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// See [`Store::questionnaire_version`].
pub(crate) fn read_version(conn: &Connection, id: &str, version: u32) -> Result<Option<Questionnaire>, StoreError> {
    let definition: Option<String> = conn
        .prepare_cached("SELECT definition FROM questionnaire_versions WHERE questionnaire = ?1 AND version = ?2")?
        .query_row(params![id, version], |row| row.get(0))
        .optional()?;
    definition
        .map(|json| Questionnaire::from_stored_json(id, &json))
        .transpose()
        .map_err(|err| StoreError::Corrupt(format!("questionnaire {id:?} version {version} cannot be read: {err}")))
}
