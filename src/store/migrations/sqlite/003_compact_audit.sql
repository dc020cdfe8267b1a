-- 003_compact_audit: the audit trail in compact rows, and what bulk-access
-- detection needs.
--
-- A list of 500 records writes 500 entries, so an entry must be small:
-- integer references to the survivor, the account and its organisation
-- (their seq, never reused: AUTOINCREMENT, and nothing is deleted), the
-- time as integer seconds, role and action as small codes (store/codec.c),
-- the route pattern as a reference into audit_routes, and seq as the plain
-- rowid (append-only, so never reused without AUTOINCREMENT's bookkeeping).
-- The API shows every entry exactly as before: ids, names and patterns are
-- joined back in.

CREATE TABLE audit_routes (
    id      INTEGER PRIMARY KEY,
    pattern TEXT NOT NULL UNIQUE
);
INSERT INTO audit_routes(pattern) SELECT DISTINCT route FROM audit ORDER BY route;

CREATE TABLE audit_new (
    seq          INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    survivor_seq INTEGER NOT NULL,
    user_seq     INTEGER NOT NULL,
    org_seq      INTEGER,
    role         INTEGER NOT NULL,
    action       INTEGER NOT NULL,
    route        INTEGER NOT NULL
);

-- An unknown role, action or reference leaves a NULL that NOT NULL refuses,
-- and the count check below refuses to lose a row: the migration fails
-- rather than drop an entry.
INSERT INTO audit_new(seq, at, survivor_seq, user_seq, org_seq, role, action, route)
SELECT a.seq, CAST(strftime('%s', a.at) AS INTEGER), s.seq, u.seq, o.seq,
       CASE a.role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'advocate' THEN 2
                   WHEN 'clinician' THEN 3 WHEN 'analyst' THEN 4 END,
       CASE a.action WHEN 'read' THEN 0 WHEN 'create' THEN 1 WHEN 'update' THEN 2
                     WHEN 'export' THEN 3 WHEN 'handover' THEN 4 END,
       r.id
FROM audit a
LEFT JOIN survivors s ON s.id = a.survivor_id
LEFT JOIN users u ON u.id = a.user_id
LEFT JOIN orgs o ON o.id = a.org_id
LEFT JOIN audit_routes r ON r.pattern = a.route
ORDER BY a.seq;

CREATE TEMP TABLE migration_check (ok INTEGER NOT NULL CHECK (ok));
INSERT INTO migration_check
SELECT (SELECT count(*) FROM audit) = (SELECT count(*) FROM audit_new)
   AND (SELECT count(*) FROM audit a LEFT JOIN orgs o ON o.id = a.org_id
        WHERE a.org_id IS NOT NULL AND o.seq IS NULL) = 0;
DROP TABLE migration_check;

DROP TABLE audit;
ALTER TABLE audit_new RENAME TO audit;
CREATE INDEX audit_survivor ON audit(survivor_seq);
CREATE INDEX audit_user ON audit(user_seq);

-- Bulk-access detection: the distinct survivors each account touched within
-- the last hour (rows older than that are pruned as the account reads on),
-- and the events flagged for the account's organisation's managers.
CREATE TABLE recent_reads (
    user_seq     INTEGER NOT NULL,
    survivor_seq INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (user_seq, survivor_seq)
) WITHOUT ROWID;
CREATE INDEX recent_reads_user_at ON recent_reads(user_seq, at);

CREATE TABLE bulk_access (
    seq                INTEGER PRIMARY KEY,
    user_seq           INTEGER NOT NULL,
    org_seq            INTEGER NOT NULL,
    role               INTEGER NOT NULL,
    window_start       INTEGER NOT NULL,
    window_end         INTEGER NOT NULL,
    distinct_survivors INTEGER NOT NULL,
    threshold          INTEGER NOT NULL,
    detected_at        INTEGER NOT NULL
);
CREATE INDEX bulk_access_org ON bulk_access(org_seq);
CREATE INDEX bulk_access_user ON bulk_access(user_seq, detected_at);
