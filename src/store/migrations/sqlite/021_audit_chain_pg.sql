-- 021_audit_chain_pg: PostgreSQL's audit chain (its 021), which SQLite has
-- had since 020. A version means the same on both backends, so this step
-- exists here and adds nothing.
SELECT 1;
