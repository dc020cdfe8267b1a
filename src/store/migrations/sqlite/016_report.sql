-- 016_report: what the outcome report counts beyond 011 (docs/reports.md).
-- plan.goal_domains: the set of the plan's goals as "domain:status" pairs
-- (kind column COLUMN_GOALS: ",housing:met,safety:open,"), never their
-- words, so the Core Outcomes count goals without decrypting a plan. Plans
-- stored before this migration keep NULL until they are next saved: the
-- report counts them as plans without goals.
-- survivors.advocate_changes: how many times the survivor's advocate was
-- changed (had one, then another or none), counted by store_survivor_update
-- from this migration on; undated.
-- Indexes for the report's item figures, read by organisation and date.
ALTER TABLE plan ADD COLUMN goal_domains TEXT;
ALTER TABLE survivors ADD COLUMN advocate_changes INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS registrations_org_refused ON registrations(org_id, refused_on);
CREATE INDEX IF NOT EXISTS nrm_org ON nrm(org_id);
CREATE INDEX IF NOT EXISTS survivors_org_entered ON survivors(org_id, entered_service_on);
