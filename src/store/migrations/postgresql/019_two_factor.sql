-- 019_two_factor: two-factor sign-in (TOTP, RFC 6238), as SQLite's 019:
-- the same tables, columns and meaning (types as 018_schema.sql maps them).
--
-- two_factor: one row per account that has begun or finished enrolment.
-- The secret is sealed with the data key (associated data "two_factor:" and
-- the user's id), never stored in clear. confirmed_at is NULL until the
-- owner has typed a first right code; last_step is the last time step a
-- code was accepted for, so a code cannot be used twice.
CREATE TABLE two_factor (
    user_id      text PRIMARY KEY REFERENCES users(id),
    key_id       bigint NOT NULL,
    secret       bytea NOT NULL,
    created_at   bigint NOT NULL,
    confirmed_at bigint,
    last_step    bigint NOT NULL DEFAULT 0
);

-- The ten recovery codes of a confirmed enrolment, as keyed hashes; a code
-- is spent by setting used_at, once.
CREATE TABLE two_factor_recovery (
    user_id   text NOT NULL REFERENCES users(id),
    code_hash bytea NOT NULL,
    used_at   bigint,
    PRIMARY KEY (user_id, code_hash)
);

-- The organisations whose accounts must sign in with two factors: a row
-- means required.
CREATE TABLE org_two_factor (
    org_id         text PRIMARY KEY REFERENCES orgs(id),
    required_since bigint NOT NULL
);
