-- 014_erasures: the trace `waymark erase` leaves of a survivor it removed for
-- good. It names nothing about the person: when, which operating-system
-- account ran it, and the reason (sealed; the reason must not name them
-- either, but it is sealed in case it does).
CREATE TABLE IF NOT EXISTS erasures (
    seq    INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    ran_by TEXT NOT NULL,
    key_id INTEGER NOT NULL,
    reason BLOB NOT NULL
);
