-- 002_audit_by_user: find everything one account touched, newest first,
-- without scanning the audit trail (investigating a suspected leak).
CREATE INDEX audit_user ON audit(user_id, seq);
