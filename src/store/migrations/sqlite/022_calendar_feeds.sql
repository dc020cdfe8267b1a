-- 022_calendar_feeds: an advocate's secret calendar feed (/cal/TOKEN.ics;
-- docs/security.md, "Calendar feeds").
--
-- One row per account that has a feed. The token itself is never stored:
-- token_hash is its BLAKE2b digest, as sessions keep theirs, and a fetch
-- finds its feed by that unique (indexed) column alone. org_id is the
-- organisation the feed was made in: an account moved to another one has
-- a feed that opens nothing until it makes a new one. Revoking deletes the
-- row; making a new feed replaces it.
CREATE TABLE calendar_feeds (
    user_id    TEXT PRIMARY KEY REFERENCES users(id),
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
