-- 004_survivor_list_indexes: every shape of the survivor list reads its
-- page from an index in seq order, with no sort.
--
-- An index's rows end with the rowid (seq), so (org_id) serves "the
-- organisation, in seq order" and (org_id, advocate_id) "an advocate's
-- caseload, any status". The name indexes gain org_id so that a search by
-- name stays within one organisation's rows.
CREATE INDEX survivors_org_seq ON survivors(org_id);
CREATE INDEX survivors_advocate ON survivors(org_id, advocate_id);
DROP INDEX survivors_known_as;
DROP INDEX survivors_legal_name;
CREATE INDEX survivors_known_as ON survivors(known_as_idx, org_id);
CREATE INDEX survivors_legal_name ON survivors(legal_name_idx, org_id);
