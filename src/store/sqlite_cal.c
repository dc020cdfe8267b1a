/*
 * sqlite_cal.c - calendar feeds' storage on SQLite (store.h's "calendar
 * feeds" section; migration 022).
 *
 * As sqlite_mfa.c: each function is one or two plain statements, prepared
 * per call (a feed is made or revoked now and then, and fetched every
 * quarter of an hour or so by a calendar app, not per record), so that the
 * PostgreSQL backend carries them over as they are. A feed is found by the
 * digest of its token through the column's unique index, never by the
 * token, which is not stored.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "sqlite.h"
#include "store.h"

wm_err sqlite_calendar_feed_set(struct sqlite_store *st, const char *user_id, const char *org_id,
				const unsigned char *digest, size_t len, int64_t created_at,
				const struct store_account_event *ev)
{
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = sqlite_begin(c);
	if (e == WM_OK) {
		sqlite3_stmt *s = sqlite_prepare(
		    db, "INSERT INTO calendar_feeds(user_id, org_id, token_hash, created_at) "
			"VALUES (?1, ?2, ?3, ?4) ON CONFLICT(user_id) DO UPDATE SET "
			"org_id = excluded.org_id, token_hash = excluded.token_hash, "
			"created_at = excluded.created_at");
		if (s) {
			sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, org_id, -1, SQLITE_STATIC);
			sqlite3_bind_blob(s, 3, digest, (int)len, SQLITE_STATIC);
			sqlite3_bind_int64(s, 4, created_at);
		}
		e = sqlite_run(db, s, NULL);
	}
	if (e == WM_OK)
		e = sqlite_account_event(c, ev);
	e = sqlite_finish(c, e);
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_calendar_feed_get(struct sqlite_store *st, const char *user_id, int64_t *created_at)
{
	*created_at = 0;
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	sqlite3_stmt *s =
	    sqlite_prepare(db, "SELECT created_at FROM calendar_feeds WHERE user_id = ?1");
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			*created_at = sqlite3_column_int64(s, 0);
		e = rc == SQLITE_ROW ? WM_OK : rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : WM_ERR_IO;
		sqlite3_finalize(s);
	}
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_calendar_feed_delete(struct sqlite_store *st, const char *user_id,
				   const struct store_account_event *ev)
{
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = sqlite_begin(c);
	int changed = 0;
	if (e == WM_OK) {
		sqlite3_stmt *s =
		    sqlite_prepare(db, "DELETE FROM calendar_feeds WHERE user_id = ?1");
		if (s)
			sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
		e = sqlite_run(db, s, &changed);
	}
	/* The trail says when a feed ended, not that nothing was revoked. */
	if (e == WM_OK && changed > 0)
		e = sqlite_account_event(c, ev);
	e = sqlite_finish(c, e);
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_calendar_feed_owner(struct sqlite_store *st, const unsigned char *digest, size_t len,
				  struct store_user *out)
{
	memset(out, 0, sizeof *out);
	char user_id[STORE_ID_LEN] = "";
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	sqlite3_stmt *s = sqlite_prepare(db, "SELECT f.user_id FROM calendar_feeds f "
					     "JOIN users u ON u.id = f.user_id "
					     "WHERE f.token_hash = ?1 AND u.disabled = 0 "
					     "AND u.org_id = f.org_id");
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_blob(s, 1, digest, (int)len, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			const unsigned char *id = sqlite3_column_text(s, 0);
			snprintf(user_id, sizeof user_id, "%s", id ? (const char *)id : "");
		}
		e = rc == SQLITE_ROW ? WM_OK : rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : WM_ERR_IO;
		sqlite3_finalize(s);
	}
	sqlite_release(st, c);
	if (e == WM_OK)
		e = sqlite_user_get(st, user_id, out);
	return e;
}
