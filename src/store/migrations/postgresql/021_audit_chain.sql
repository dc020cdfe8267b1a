-- 021_audit_chain: the tamper-evident audit chain SQLite has had since its
-- 020 (docs/security.md, "A tamper-evident audit trail"), here on both
-- tables. Each entry's mac is a keyed hash of the mac before it in its
-- table and of every column the entry stores; the key is not in the
-- database, so the store computes each mac as it writes the entry (pg.c,
-- audit_insert), under the writers' lock, and links the entries already
-- here when it opens the database (chain_fill).
ALTER TABLE audit ADD COLUMN mac bytea;
ALTER TABLE read_audit ADD COLUMN mac bytea;

-- The head of each chain: its last entry's seq and mac, and a keyed tag of
-- both, written with every entry, so that entries cut from the end of a
-- trail are missed too (a chain alone would still hold).
CREATE TABLE audit_head (
    id  int PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    mac bytea NOT NULL,
    tag bytea NOT NULL
);
CREATE TABLE read_head (
    id  int PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    mac bytea NOT NULL,
    tag bytea NOT NULL
);
