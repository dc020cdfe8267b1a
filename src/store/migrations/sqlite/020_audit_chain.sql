-- 020_audit_chain: each audit entry carries a keyed hash linking it to the
-- entry before it in its table (docs/security.md, "A tamper-evident audit
-- trail"). The key is not in the database, so SQL cannot compute it: the
-- store links the entries already here when it opens the database
-- (chain_fill in store/sqlite.c), and every new entry as it is written.
-- The read-audit file's table gets the same column when it is attached.
ALTER TABLE audit ADD COLUMN mac BLOB;

-- The head of the chain (its last entry's seq and mac, and a keyed tag of
-- both), kept by a trigger as each entry is written, so that entries cut
-- from the end of the trail are missed too: a chain alone would still hold.
CREATE TABLE audit_head (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    mac BLOB NOT NULL,
    tag BLOB NOT NULL
);
CREATE TRIGGER audit_head_after_insert AFTER INSERT ON audit WHEN NEW.mac IS NOT NULL
BEGIN
    INSERT OR REPLACE INTO audit_head(id, seq, mac, tag)
    VALUES (1, NEW.seq, NEW.mac, wm_audit_head(NEW.seq, NEW.mac));
END;
