-- 017_read_audit_file: the audit entries of reads, and bulk-access
-- detection's state, move to a second SQLite file beside the database
-- ("<path>-reads", attached as "reads"; store/sqlite.c, docs/design.md).
--
-- Every read is answered only once its audit entry is committed, so the
-- audit writer commits hundreds of times a second under load; in this file,
-- each of those commits made every other connection drop its page cache.
-- Entries of changes stay in audit, in the change's own transaction.
--
-- Before this runs, the store has created the file's tables and copied
-- recent_reads and bulk_access into them (committed first, idempotent), so
-- nothing is lost if the process stops between the two commits. The entries
-- already in audit stay where they are: the access log, erasure and the
-- investigations read both tables.
DROP TABLE IF EXISTS main.recent_reads;
DROP TABLE IF EXISTS main.bulk_access;
