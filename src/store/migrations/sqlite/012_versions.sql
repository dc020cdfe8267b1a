-- 012_versions: what a survivor's record, or a part of it, was before each
-- change, sealed exactly as it was stored (same key id, same binding to its
-- row and organisation), so that a 409 can name the fields that changed
-- since the version the client read. Only the last few versions of each are
-- kept (see KEEP_VERSIONS in sqlite.c); erasure removes them with the rest.
CREATE TABLE IF NOT EXISTS versions (
    tbl     TEXT NOT NULL,    -- 'survivors', or the kind's table
    id      TEXT NOT NULL,
    version INTEGER NOT NULL, -- the version this body had
    key_id  INTEGER NOT NULL,
    body    BLOB NOT NULL,
    PRIMARY KEY (tbl, id, version)
) WITHOUT ROWID;
