-- 004_survivor_list_indexes: every shape of the survivor list reads its
-- page from an index in seq order, with no sort.
--
-- An index's rows end with the rowid (seq), so (org_id) serves "the
-- organisation, in seq order" and (org_id, advocate_id) "an advocate's
-- caseload, any status". Searches by name keep the name indexes of 001
-- ((name, seq): in seq order, the organisation checked on each row found).
CREATE INDEX survivors_org_seq ON survivors(org_id);
CREATE INDEX survivors_advocate ON survivors(org_id, advocate_id);
