-- 018_privacy_mode: an account's choice to blur survivors' names on every
-- page until hovered or focused (the web pages' privacy mode), for staff
-- who work where others can see the screen. Off for every account until
-- its owner turns it on (PATCH /api/v1/me).
ALTER TABLE users ADD COLUMN privacy_mode INTEGER NOT NULL DEFAULT 0;
