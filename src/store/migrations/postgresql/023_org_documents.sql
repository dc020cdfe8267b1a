-- 023_org_documents: what an organisation chooses for its printed documents
-- (docs/documents.md): the telephone number its survivors call, printed on
-- appointment cards and GP registration letters, and whether a survivor's
-- access report names the organisation's own staff. No row: no number, and
-- staff are not named. (IF NOT EXISTS: a test that undoes an earlier
-- migration by deleting the versions after it runs this one again.) As SQLite's 023.
CREATE TABLE IF NOT EXISTS org_documents (
    org_id     text PRIMARY KEY REFERENCES orgs(id),
    phone      text,
    name_staff bigint NOT NULL DEFAULT 0,
    updated_at bigint NOT NULL
);
