//! The database schema as an ordered list of migrations; the file's `user_version` says how many
//! have run.

use rusqlite_migration::{M, Migrations};

/// The schema version this build writes: the number of migrations below.
pub const SCHEMA_VERSION: u32 = 8;

/// Every migration, oldest first. Never edit one that has shipped: add a new one.
const MIGRATIONS: &[M<'static>] = &[
    // 1: the practice record.
    M::up(
        r#"
CREATE TABLE couples (
    id            INTEGER PRIMARY KEY,
    short_id      TEXT NOT NULL UNIQUE
                  CHECK (length(short_id) = 6 AND short_id NOT GLOB '*[^0-9a-f]*'),
    breach        TEXT NOT NULL CHECK (breach IN
                  ('lies', 'emotional-betrayal', 'affair', 'broken-promises', 'financial', 'other')),
    label         TEXT,
    created_at    TEXT NOT NULL,
    current_stage TEXT
) STRICT;

CREATE TABLE partners (
    id        INTEGER PRIMARY KEY,
    couple_id INTEGER NOT NULL REFERENCES couples (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position IN (1, 2)),
    name      TEXT NOT NULL,
    pronouns  TEXT,
    roles     TEXT NOT NULL CHECK (roles IN ('broke_trust', 'hurt', 'mutual')),
    UNIQUE (couple_id, position)
) STRICT;

CREATE TABLE invitations (
    id                    INTEGER PRIMARY KEY,
    partner_id            INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    token_sha256          TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    questionnaire         TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    created_at            TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    used_at               TEXT,
    retired_at            TEXT
) STRICT;
CREATE INDEX invitations_by_partner ON invitations (partner_id);

CREATE TABLE intake_drafts (
    invitation_id INTEGER PRIMARY KEY REFERENCES invitations (id) ON DELETE CASCADE,
    answers       TEXT NOT NULL CHECK (json_valid(answers)),
    saved_at      TEXT NOT NULL
) STRICT;

CREATE TABLE intake_responses (
    id                    INTEGER PRIMARY KEY,
    partner_id            INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    invitation_id         INTEGER NOT NULL UNIQUE REFERENCES invitations (id) ON DELETE CASCADE,
    questionnaire         TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    answers               TEXT NOT NULL CHECK (json_valid(answers)),
    submitted_at          TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    couple_id   INTEGER NOT NULL REFERENCES couples (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL CHECK (number >= 1),
    held_on     TEXT NOT NULL,
    stage       TEXT NOT NULL,
    plan        TEXT CHECK (plan IS NULL OR json_valid(plan)),
    homework    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(homework)),
    met         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(met)),
    notes       TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    UNIQUE (couple_id, number)
) STRICT;

CREATE TABLE flag_resolutions (
    id          INTEGER PRIMARY KEY,
    couple_id   INTEGER NOT NULL REFERENCES couples (id) ON DELETE CASCADE,
    flag        TEXT NOT NULL,
    note        TEXT NOT NULL,
    resolved_at TEXT NOT NULL
) STRICT;
CREATE INDEX flag_resolutions_by_couple ON flag_resolutions (couple_id);

-- The couple is named by its short id, not a foreign key, so the trail outlives a deletion.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL CHECK (actor IN ('cli', 'server')),
    action TEXT NOT NULL,
    couple TEXT,
    detail TEXT
) STRICT;
"#,
    ),
    // 2: settings for the intake server, and the index that finds a partner's latest answers.
    M::up(
        r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE INDEX intake_responses_by_partner ON intake_responses (partner_id, submitted_at);
"#,
    ),
    // 3: what a session did (the exercises done), whom it saw alone, and whether new facts came out.
    M::up(
        r#"
ALTER TABLE sessions ADD COLUMN done TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(done));
ALTER TABLE sessions ADD COLUMN with_partner TEXT;
ALTER TABLE sessions ADD COLUMN new_disclosure INTEGER NOT NULL DEFAULT 0 CHECK (new_disclosure IN (0, 1));
"#,
    ),
    // 4: every questionnaire version a link was made for, kept whole, so a link keeps its form
    // while the content changes; invitations and answers name the version's content hash. Rows
    // from before have no hash: they were made for the version as this mend first publishes it.
    M::up(
        r#"
CREATE TABLE questionnaire_versions (
    questionnaire  TEXT NOT NULL,
    version        INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
    definition     TEXT NOT NULL CHECK (json_valid(definition)),
    published_at   TEXT NOT NULL,
    PRIMARY KEY (questionnaire, version)
) STRICT;
ALTER TABLE invitations ADD COLUMN questionnaire_sha256 TEXT;
ALTER TABLE intake_responses ADD COLUMN questionnaire_sha256 TEXT;
"#,
    ),
    // 5: check-ins between sessions. A check-in link is an invitation with the homework it asks
    // about; a sent check-in is an intake response with one scored row per measure.
    M::up(
        r#"
CREATE TABLE checkin_links (
    invitation_id INTEGER PRIMARY KEY REFERENCES invitations (id) ON DELETE CASCADE,
    homework      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(homework))
) STRICT;

CREATE TABLE checkin_scores (
    id                    INTEGER PRIMARY KEY,
    partner_id            INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    response_id           INTEGER NOT NULL REFERENCES intake_responses (id) ON DELETE CASCADE,
    instrument            TEXT NOT NULL,
    score                 INTEGER NOT NULL,
    day                   TEXT NOT NULL,
    questionnaire         TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    UNIQUE (response_id, instrument)
) STRICT;
-- The unique key indexes response_id; this one serves reading a partner's scores and deleting them.
CREATE INDEX checkin_scores_by_partner ON checkin_scores (partner_id);
"#,
    ),
    // 6: the scheduled sections a check-in link asks (a longer measure, such as the PCL-5 for the
    // partner who was hurt), by id.
    M::up(
        r#"
ALTER TABLE checkin_links ADD COLUMN sections TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(sections));
"#,
    ),
    // 7: the relay the practice's links live on: a folder on this machine or a paired relay's
    // address, the practice's number there, its sync credential, and the practice's secret key
    // that opens the answers sealed to it (here only, inside the encrypted record).
    M::up(
        r#"
CREATE TABLE relay (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    location    TEXT NOT NULL,
    practice    INTEGER NOT NULL,
    credential  TEXT,
    identity    TEXT NOT NULL,
    joined_at   TEXT NOT NULL,
    synced_at   TEXT
) STRICT;
"#,
    ),
    // 8: the therapist's week: partners' e-mail addresses, each couple's check-in schedule, and
    // every attempt to e-mail a link (when, the mail server's reply, never the message); the
    // audit trail says who and is chained.
    M::up(
        r#"
ALTER TABLE partners ADD COLUMN email TEXT;

CREATE TABLE checkin_schedules (
    couple_id  INTEGER PRIMARY KEY REFERENCES couples (id) ON DELETE CASCADE,
    every_days INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 90),
    set_at     TEXT NOT NULL
) STRICT;

CREATE TABLE mail_attempts (
    id            INTEGER PRIMARY KEY,
    invitation_id INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('link', 'reminder')),
    at            TEXT NOT NULL,
    sent          INTEGER NOT NULL CHECK (sent IN (0, 1)),
    reply_code    INTEGER,
    failure       TEXT
) STRICT;
CREATE INDEX mail_attempts_by_invitation ON mail_attempts (invitation_id);

-- Who at the computer did it (the operating-system user, and who ran sudo), and a hash that
-- chains each entry to the one before, so that a row changed or removed afterwards shows.
ALTER TABLE audit_log ADD COLUMN os_user TEXT;
ALTER TABLE audit_log ADD COLUMN chain TEXT;
"#,
    ),
];

/// The schema's migrations in order, for opening files and for tests that build an older file.
pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_to_an_empty_database() {
        migrations().validate().unwrap();
    }

    #[test]
    fn schema_version_counts_the_migrations() {
        assert_eq!(SCHEMA_VERSION as usize, MIGRATIONS.len());
    }
}
