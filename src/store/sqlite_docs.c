/*
 * sqlite_docs.c - an organisation's choices for its printed documents on
 * SQLite (store.h; migration 023): the number its survivors call, and
 * whether the access report names its own staff.
 *
 * Read when a document is printed and written by a manager now and then:
 * each statement is prepared per call, plain enough for pg_docs.c to carry
 * over as it is.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "sqlite.h"
#include "store.h"

wm_err sqlite_org_documents_get(struct sqlite_store *st, const char *org_id,
				struct store_org_documents *out)
{
	memset(out, 0, sizeof *out);
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	sqlite3_stmt *s = NULL;
	wm_err e = WM_ERR_IO;
	if (sqlite3_prepare_v2(db, "SELECT phone, name_staff FROM org_documents WHERE org_id = ?1",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			const unsigned char *phone = sqlite3_column_text(s, 0);
			snprintf(out->phone, sizeof out->phone, "%s",
				 phone ? (const char *)phone : "");
			out->name_staff = sqlite3_column_int(s, 1) != 0;
		}
		e = rc == SQLITE_ROW || rc == SQLITE_DONE ? WM_OK : WM_ERR_IO;
	}
	sqlite3_finalize(s);
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_org_documents_set(struct sqlite_store *st, const char *org_id,
				const struct store_org_documents *in, int64_t now,
				const struct store_account_event *ev)
{
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = sqlite_begin(c);
	sqlite3_stmt *s = NULL;
	if (e == WM_OK) {
		/* Only for an organisation that exists: the SELECT gives no row
		 * otherwise, and nothing is written. */
		e = sqlite3_prepare_v2(
			db,
			"INSERT INTO org_documents(org_id, phone, name_staff, updated_at) "
			"SELECT id, ?2, ?3, ?4 FROM orgs WHERE id = ?1 "
			"ON CONFLICT(org_id) DO UPDATE SET phone = excluded.phone, "
			"name_staff = excluded.name_staff, updated_at = excluded.updated_at",
			-1, &s, NULL) == SQLITE_OK
			? WM_OK
			: WM_ERR_IO;
	}
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
		if (in->phone[0])
			sqlite3_bind_text(s, 2, in->phone, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 2);
		sqlite3_bind_int(s, 3, in->name_staff ? 1 : 0);
		sqlite3_bind_int64(s, 4, now);
		e = sqlite3_step(s) == SQLITE_DONE ? WM_OK : WM_ERR_IO;
		if (e == WM_OK && sqlite3_changes(db) == 0)
			e = WM_ERR_NOT_FOUND;
	}
	sqlite3_finalize(s);
	if (e == WM_OK)
		e = sqlite_account_event(c, ev);
	e = sqlite_finish(c, e);
	sqlite_release(st, c);
	return e;
}
