-- 010_accounts: a password an administrator set must be changed by its
-- owner at the next sign-in (an administrator who knows it could sign in as
-- them). Accounts that exist already keep working as they are (flag off).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
