/*
 * sqlite_import.c - the case references of imported survivors on SQLite
 * (store.h's "imports" section; migration 024).
 *
 * A reference is held only as its keyed hash (the caller's blind index), so
 * both statements are primary-key lookups and writes; prepared per call, as
 * sqlite_cal.c's, since an import runs them once per row, not per request.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "sqlite.h"
#include "store.h"

wm_err sqlite_import_ref_find(struct sqlite_store *st, const char *org_id,
			      const unsigned char *hash, size_t len, char survivor_id[STORE_ID_LEN])
{
	survivor_id[0] = '\0';
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	sqlite3_stmt *s = NULL;
	wm_err e = WM_ERR_IO;
	if (sqlite3_prepare_v2(db,
			       "SELECT survivor_id FROM import_refs WHERE org_id = ?1 AND "
			       "ref_hash = ?2",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, hash, (int)len, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			const unsigned char *id = sqlite3_column_text(s, 0);
			snprintf(survivor_id, STORE_ID_LEN, "%s", id ? (const char *)id : "");
		}
		e = rc == SQLITE_ROW ? WM_OK : rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : WM_ERR_IO;
	}
	sqlite3_finalize(s);
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_import_ref_put(struct sqlite_store *st, const char *org_id, const unsigned char *hash,
			     size_t len, const char *survivor_id)
{
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = sqlite_begin(c);
	if (e == WM_OK) {
		sqlite3_stmt *s = NULL;
		e = WM_ERR_IO;
		if (sqlite3_prepare_v2(db,
				       "INSERT INTO import_refs(org_id, ref_hash, survivor_id) "
				       "VALUES (?1, ?2, ?3)",
				       -1, &s, NULL) == SQLITE_OK) {
			sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
			sqlite3_bind_blob(s, 2, hash, (int)len, SQLITE_STATIC);
			sqlite3_bind_text(s, 3, survivor_id, -1, SQLITE_STATIC);
			int rc = sqlite3_step(s);
			e = rc == SQLITE_DONE		       ? WM_OK
			    : (rc & 0xff) == SQLITE_CONSTRAINT ? WM_ERR_CONFLICT
							       : WM_ERR_IO;
		}
		sqlite3_finalize(s);
	}
	e = sqlite_finish(c, e);
	sqlite_release(st, c);
	return e;
}
