-- 024_import_refs: the agency's own case references of survivors brought in
-- by `waymark import` (docs/import.md), so that running an import twice
-- creates no one twice. The reference is kept only as a keyed hash (the
-- keyring's blind index, purpose "import-ref", scoped by the organisation):
-- it can be matched, never read back. (IF NOT EXISTS: a test that undoes an
-- earlier migration by deleting the versions after it runs this one again.)
-- As SQLite's 024.
CREATE TABLE IF NOT EXISTS import_refs (
    org_id      text NOT NULL REFERENCES orgs(id),
    ref_hash    bytea NOT NULL,
    survivor_id text NOT NULL,
    PRIMARY KEY (org_id, ref_hash)
);
