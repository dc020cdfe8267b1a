-- 001_init: organisations, users, sessions, login failures, survivors, audit,
-- and the trail of changes to accounts.
-- Times are RFC 3339 UTC text (sortable); instants used for arithmetic
-- (expiry, lock-out) are integer seconds. Sensitive text lives only in
-- sealed blobs beside the id of the key that sealed them.

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE orgs (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    org_id        TEXT REFERENCES orgs(id),
    disabled      INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE login_failures (
    user_key BLOB NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(user_key, at);

CREATE TABLE login_locks (
    user_key BLOB PRIMARY KEY,
    until    INTEGER NOT NULL
);

CREATE TABLE survivors (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT NOT NULL UNIQUE,
    org_id             TEXT NOT NULL REFERENCES orgs(id),
    advocate_id        TEXT REFERENCES users(id),
    status             TEXT NOT NULL,
    entered_service_on TEXT NOT NULL,
    closed_on          TEXT,
    known_as_idx       BLOB NOT NULL,
    legal_name_idx     BLOB,
    key_id             INTEGER NOT NULL,
    body               BLOB NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX survivors_caseload ON survivors(org_id, advocate_id, status, seq);
CREATE INDEX survivors_org ON survivors(org_id, status, seq);
CREATE INDEX survivors_known_as ON survivors(known_as_idx);
CREATE INDEX survivors_legal_name ON survivors(legal_name_idx);

CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    survivor_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    role        TEXT NOT NULL,
    org_id      TEXT,
    action      TEXT NOT NULL,
    route       TEXT NOT NULL
);
CREATE INDEX audit_survivor ON audit(survivor_id, seq);

-- Who created or changed which account or organisation, and which fields
-- (names only, never values). actor_id is NULL for the command line.
CREATE TABLE account_audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor_id  TEXT,
    action    TEXT NOT NULL,
    target_id TEXT NOT NULL,
    fields    TEXT NOT NULL
);
CREATE INDEX account_audit_target ON account_audit(target_id, seq);
