-- 013_safeguarding_shares: a manager's share of a survivor's record with
-- another organisation, without consent, where the survivor is at risk of
-- serious harm. It lets that organisation's clinicians read as a consent
-- would until expires_at (72 hours), and stays listed for the owning
-- organisation's managers until one marks it reviewed. The reason is
-- sealed; instants are seconds since the epoch.
CREATE TABLE IF NOT EXISTS safeguarding_shares (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    survivor_id TEXT NOT NULL REFERENCES survivors(id),
    org_id      TEXT NOT NULL, -- the survivor's organisation, whose managers review it
    with_org_id TEXT NOT NULL, -- the organisation shared with
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    reviewed_at INTEGER,
    reviewed_by TEXT,
    key_id      INTEGER NOT NULL,
    reason      BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS safeguarding_shares_with ON safeguarding_shares(with_org_id, expires_at);
CREATE INDEX IF NOT EXISTS safeguarding_shares_org ON safeguarding_shares(org_id, seq);
