-- 019_two_factor: two-factor sign-in (TOTP, RFC 6238).
--
-- two_factor: one row per account that has begun or finished enrolment.
-- The secret is sealed with the data key (associated data "two_factor:" and
-- the user's id), never stored in clear. confirmed_at is NULL until the
-- owner has typed a first right code; last_step is the last time step a
-- code was accepted for, so a code cannot be used twice.
CREATE TABLE two_factor (
    user_id      TEXT PRIMARY KEY REFERENCES users(id),
    key_id       INTEGER NOT NULL,
    secret       BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0
);

-- The ten recovery codes of a confirmed enrolment, as keyed hashes; a code
-- is spent by setting used_at, once.
CREATE TABLE two_factor_recovery (
    user_id   TEXT NOT NULL REFERENCES users(id),
    code_hash BLOB NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- The organisations whose accounts must sign in with two factors: a row
-- means required.
CREATE TABLE org_two_factor (
    org_id         TEXT PRIMARY KEY REFERENCES orgs(id),
    required_since INTEGER NOT NULL
);
