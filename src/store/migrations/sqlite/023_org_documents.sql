-- 023_org_documents: what an organisation chooses for its printed documents
-- (docs/documents.md): the telephone number its survivors call, printed on
-- appointment cards and GP registration letters, and whether a survivor's
-- access report names the organisation's own staff. No row: no number, and
-- staff are not named. (IF NOT EXISTS: a test that undoes an earlier
-- migration by deleting the versions after it runs this one again.)
CREATE TABLE IF NOT EXISTS org_documents (
    org_id     TEXT PRIMARY KEY REFERENCES orgs(id),
    phone      TEXT,
    name_staff INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
