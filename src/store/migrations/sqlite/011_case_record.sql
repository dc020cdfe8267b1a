-- 011_case_record: the parts of a survivor's record (domain/kind.h), one
-- table per kind, named by kind->table.
-- Every table has the same head: the item's id, its survivor and that
-- survivor's organisation, its version and times (RFC 3339 UTC text), and
-- the whole item sealed in body beside the id of the key that sealed it.
-- Then the kind's plain columns (kind->columns), copies of the fields the
-- alert rules and the outcome report count, kept in step with the body on
-- every write: dates as day numbers (days since 1970-01-01), instants as
-- epoch seconds, booleans as 0/1, enums and ids as text; NULL when the item
-- lacks the field. No free text is ever a column.
-- (survivor_id, seq) serves the lists; a one-per-survivor kind has a unique
-- index on survivor_id.
-- IF NOT EXISTS throughout: applying it again to a database that has it
-- (one whose schema_migrations was rolled back by hand, as the upgrade
-- tests do) changes nothing instead of failing the upgrade.

-- nrm: the National Referral Mechanism, one per survivor.
CREATE TABLE IF NOT EXISTS nrm (
    seq                          INTEGER PRIMARY KEY,
    id                           TEXT NOT NULL UNIQUE,
    survivor_id                  TEXT NOT NULL REFERENCES survivors(id),
    org_id                       TEXT NOT NULL,
    version                      INTEGER NOT NULL DEFAULT 1,
    created_at                   TEXT NOT NULL,
    updated_at                   TEXT NOT NULL,
    key_id                       INTEGER NOT NULL,
    body                         BLOB NOT NULL,
    referred_on                  INTEGER,
    duty_to_notify_only          INTEGER,
    rg_decision_on               INTEGER,
    rg_outcome                   TEXT,
    recovery_period_ends_on      INTEGER,
    cg_decision_on               INTEGER,
    cg_outcome                   TEXT,
    reconsideration_requested_on INTEGER,
    support                      TEXT
);
CREATE INDEX IF NOT EXISTS nrm_survivor ON nrm(survivor_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS nrm_one ON nrm(survivor_id);

-- asylum: the asylum claim, one per survivor.
CREATE TABLE IF NOT EXISTS asylum (
    seq                  INTEGER PRIMARY KEY,
    id                   TEXT NOT NULL UNIQUE,
    survivor_id          TEXT NOT NULL REFERENCES survivors(id),
    org_id               TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    key_id               INTEGER NOT NULL,
    body                 BLOB NOT NULL,
    claimed_on           INTEGER,
    support              TEXT,
    decision_on          INTEGER,
    outcome              TEXT,
    appeal_lodged_on     INTEGER,
    legal_representative INTEGER
);
CREATE INDEX IF NOT EXISTS asylum_survivor ON asylum(survivor_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS asylum_one ON asylum(survivor_id);

-- plan: the support plan, one per survivor; its goals are sealed.
CREATE TABLE IF NOT EXISTS plan (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    survivor_id       TEXT NOT NULL REFERENCES survivors(id),
    org_id            TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    key_id            INTEGER NOT NULL,
    body              BLOB NOT NULL,
    review_every_days INTEGER
);
CREATE INDEX IF NOT EXISTS plan_survivor ON plan(survivor_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS plan_one ON plan(survivor_id);

-- plan_reviews: append-only; `on` is an SQL keyword, hence reviewed_on.
CREATE TABLE IF NOT EXISTS plan_reviews (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    survivor_id TEXT NOT NULL REFERENCES survivors(id),
    org_id      TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    key_id      INTEGER NOT NULL,
    body        BLOB NOT NULL,
    reviewed_on INTEGER
);
CREATE INDEX IF NOT EXISTS plan_reviews_survivor ON plan_reviews(survivor_id, seq);

-- registrations: GP, dental, maternity...; person is "survivor" or
-- "dependant:N". The provider is sealed.
CREATE TABLE IF NOT EXISTS registrations (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    survivor_id    TEXT NOT NULL REFERENCES survivors(id),
    org_id         TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    key_id         INTEGER NOT NULL,
    body           BLOB NOT NULL,
    service        TEXT,
    person         TEXT,
    registered_on  INTEGER,
    refused_on     INTEGER,
    refusal_reason TEXT
);
CREATE INDEX IF NOT EXISTS registrations_survivor ON registrations(survivor_id, seq);

-- appointments: starts_at in epoch seconds; the provider and the notes are
-- sealed. The caseload's appointments by date: (org_id, starts_at).
CREATE TABLE IF NOT EXISTS appointments (
    seq                  INTEGER PRIMARY KEY,
    id                   TEXT NOT NULL UNIQUE,
    survivor_id          TEXT NOT NULL REFERENCES survivors(id),
    org_id               TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    key_id               INTEGER NOT NULL,
    body                 BLOB NOT NULL,
    kind                 TEXT,
    starts_at            INTEGER,
    status               TEXT,
    cancelled_by         TEXT,
    interpreter_needed   INTEGER,
    interpreter_booked   INTEGER,
    interpreter_provided INTEGER,
    advocate_attends     INTEGER
);
CREATE INDEX IF NOT EXISTS appointments_survivor ON appointments(survivor_id, seq);
CREATE INDEX IF NOT EXISTS appointments_org_starts ON appointments(org_id, starts_at);

-- referrals: the provider and the rejection reason are sealed. Waits by
-- service (the report's mental-health wait): (org_id, service, sent_on).
CREATE TABLE IF NOT EXISTS referrals (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    survivor_id   TEXT NOT NULL REFERENCES survivors(id),
    org_id        TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    key_id        INTEGER NOT NULL,
    body          BLOB NOT NULL,
    service       TEXT,
    sent_on       INTEGER,
    accepted_on   INTEGER,
    first_seen_on INTEGER,
    rejected_on   INTEGER,
    closed_on     INTEGER
);
CREATE INDEX IF NOT EXISTS referrals_survivor ON referrals(survivor_id, seq);
CREATE INDEX IF NOT EXISTS referrals_org_service ON referrals(org_id, service, sent_on);

-- medications: the medicine's name is sealed; its category is plain.
CREATE TABLE IF NOT EXISTS medications (
    seq                       INTEGER PRIMARY KEY,
    id                        TEXT NOT NULL UNIQUE,
    survivor_id               TEXT NOT NULL REFERENCES survivors(id),
    org_id                    TEXT NOT NULL,
    version                   INTEGER NOT NULL DEFAULT 1,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL,
    key_id                    INTEGER NOT NULL,
    body                      BLOB NOT NULL,
    category                  TEXT,
    started_on                INTEGER,
    stopped_on                INTEGER,
    explained                 INTEGER,
    explained_in_own_language INTEGER
);
CREATE INDEX IF NOT EXISTS medications_survivor ON medications(survivor_id, seq);

-- notes: append-only; the body is sealed.
CREATE TABLE IF NOT EXISTS notes (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    survivor_id TEXT NOT NULL REFERENCES survivors(id),
    org_id      TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    key_id      INTEGER NOT NULL,
    body        BLOB NOT NULL,
    kind        TEXT
);
CREATE INDEX IF NOT EXISTS notes_survivor ON notes(survivor_id, seq);

-- consents: with_org_id is the organisation consented to (the body's
-- org_id); org_id, as in every table, the survivor's organisation. Who
-- shares with an organisation: (with_org_id, purpose); an organisation's
-- consents by purpose: (org_id, purpose).
CREATE TABLE IF NOT EXISTS consents (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    survivor_id  TEXT NOT NULL REFERENCES survivors(id),
    org_id       TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    key_id       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    purpose      TEXT,
    with_org_id  TEXT,
    given_on     INTEGER,
    withdrawn_on INTEGER
);
CREATE INDEX IF NOT EXISTS consents_survivor ON consents(survivor_id, seq);
CREATE INDEX IF NOT EXISTS consents_org_purpose ON consents(org_id, purpose);
CREATE INDEX IF NOT EXISTS consents_with_org ON consents(with_org_id, purpose);
