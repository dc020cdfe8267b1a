-- 015_alerts: what the alert engine keeps. Alerts themselves are derived,
-- never stored (domain/alerts.h); these are the two things people add.
--
-- snoozes: an advocate's "dealt with, leave it until then" on one alert, a
-- part of the survivor's record like any other kind (domain/kinds/snoozes.c):
-- the reason is sealed in body; the rule, the item it is about and the
-- version that item had, and the day it ends are plain columns, so judging
-- a caseload opens nothing.
CREATE TABLE IF NOT EXISTS snoozes (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    survivor_id  TEXT NOT NULL REFERENCES survivors(id),
    org_id       TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    key_id       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    rule         TEXT,
    item_id      TEXT,
    item_version INTEGER,
    until        INTEGER
);
CREATE INDEX IF NOT EXISTS snoozes_survivor ON snoozes(survivor_id, seq);

-- org_days: an organisation's own non-working days (a closure between
-- Christmas and New Year), which the working-day rules skip beside
-- weekends and the bank holidays of England and Wales. day is a day number.
CREATE TABLE IF NOT EXISTS org_days (
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    day        INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, day)
) WITHOUT ROWID;
