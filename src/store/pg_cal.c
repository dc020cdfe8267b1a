/*
 * pg_cal.c - calendar feeds' storage on PostgreSQL (store.h's "calendar
 * feeds" section; migration 022), sqlite_cal.c statement for statement.
 *
 * As pg_mfa.c does: each statement is prepared on the server once per
 * connection and kept with it (pg_stmt, slots PG_SLOT_CAL onwards), and
 * every write runs in one transaction under the writers' lock (pg_begin)
 * with its entry of the account trail. A feed is found by the digest of
 * its token through the column's unique index, never by the token, which
 * is not stored.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "pg.h"
#include "store.h"

enum { C_SET = PG_SLOT_CAL, C_GET, C_DELETE, C_OWNER, C_END };

static const char *const sql_text[] = {
    [C_SET] = "INSERT INTO calendar_feeds(user_id, org_id, token_hash, created_at) "
	      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id) DO UPDATE SET "
	      "org_id = excluded.org_id, token_hash = excluded.token_hash, "
	      "created_at = excluded.created_at",
    [C_GET] = "SELECT created_at FROM calendar_feeds WHERE user_id = ?1",
    [C_DELETE] = "DELETE FROM calendar_feeds WHERE user_id = ?1",
    [C_OWNER] = "SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id "
		"WHERE f.token_hash = ?1 AND u.disabled = 0 AND u.org_id = f.org_id",
};

_Static_assert(C_END <= PG_SLOT_CAL + 16 && C_END <= PG_OTHER_STMTS,
	       "pg_cal.c's statements fit their slots");

static pq_stmt *stmt(struct conn *c, int q)
{
	return pg_stmt(c, q, sql_text[q]);
}

wm_err pg_calendar_feed_set(struct pg_store *st, const char *user_id, const char *org_id,
			    const unsigned char *digest, size_t len, int64_t created_at,
			    const struct store_account_event *ev)
{
	struct conn *c;
	pg_acquire(st, &c);
	wm_err e = pg_begin(c);
	if (e == WM_OK) {
		pq_stmt *s = stmt(c, C_SET);
		if (s) {
			pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
			pq_bind_text(s, 2, org_id, -1, PQ_STATIC);
			pq_bind_blob(s, 3, digest, (int)len, PQ_STATIC);
			pq_bind_int64(s, 4, created_at);
		}
		e = pg_exec(c, s, NULL);
	}
	if (e == WM_OK)
		e = pg_account_event(c, ev);
	e = pg_finish(c, e);
	pg_release(st, c);
	return e;
}

wm_err pg_calendar_feed_get(struct pg_store *st, const char *user_id, int64_t *created_at)
{
	*created_at = 0;
	struct conn *c;
	pg_acquire(st, &c);
	pq_stmt *s = stmt(c, C_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW)
			*created_at = pq_column_int64(s, 0);
		e = rc == PQ_ROW ? WM_OK : rc == PQ_DONE ? WM_ERR_NOT_FOUND : WM_ERR_IO;
		pg_done(s);
	}
	pg_release(st, c);
	return e;
}

wm_err pg_calendar_feed_delete(struct pg_store *st, const char *user_id,
			       const struct store_account_event *ev)
{
	struct conn *c;
	pg_acquire(st, &c);
	wm_err e = pg_begin(c);
	long changed = 0;
	if (e == WM_OK) {
		pq_stmt *s = stmt(c, C_DELETE);
		if (s)
			pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
		e = pg_exec(c, s, &changed);
	}
	/* The trail says when a feed ended, not that nothing was revoked. */
	if (e == WM_OK && changed > 0)
		e = pg_account_event(c, ev);
	e = pg_finish(c, e);
	pg_release(st, c);
	return e;
}

wm_err pg_calendar_feed_owner(struct pg_store *st, const unsigned char *digest, size_t len,
			      struct store_user *out)
{
	memset(out, 0, sizeof *out);
	char user_id[STORE_ID_LEN] = "";
	struct conn *c;
	pg_acquire(st, &c);
	pq_stmt *s = stmt(c, C_OWNER);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_blob(s, 1, digest, (int)len, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			const char *id = (const char *)pq_column_text(s, 0);
			snprintf(user_id, sizeof user_id, "%s", id ? id : "");
		}
		e = rc == PQ_ROW ? WM_OK : rc == PQ_DONE ? WM_ERR_NOT_FOUND : WM_ERR_IO;
		pg_done(s);
	}
	pg_release(st, c);
	if (e == WM_OK)
		e = pg_user_get(st, user_id, out);
	return e;
}
