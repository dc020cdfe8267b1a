/*
 * pg_import.c - the case references of imported survivors on PostgreSQL
 * (store.h's "imports" section; migration 024), sqlite_import.c statement
 * for statement, prepared once per connection (slots PG_SLOT_IMPORT
 * onwards) as pg_cal.c's.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "pg.h"
#include "store.h"

enum { I_FIND = PG_SLOT_IMPORT, I_PUT, I_END };

static const char *const sql_text[] = {
    [I_FIND] = "SELECT survivor_id FROM import_refs WHERE org_id = ?1 AND ref_hash = ?2",
    [I_PUT] = "INSERT INTO import_refs(org_id, ref_hash, survivor_id) VALUES (?1, ?2, ?3)",
};

_Static_assert(I_END <= PG_SLOT_IMPORT + 16 && I_END <= PG_OTHER_STMTS,
	       "pg_import.c's statements fit their slots");

static pq_stmt *stmt(struct conn *c, int q)
{
	return pg_stmt(c, q, sql_text[q]);
}

wm_err pg_import_ref_find(struct pg_store *st, const char *org_id, const unsigned char *hash,
			  size_t len, char survivor_id[STORE_ID_LEN])
{
	survivor_id[0] = '\0';
	struct conn *c;
	pg_acquire(st, &c);
	pq_stmt *s = stmt(c, I_FIND);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
		pq_bind_blob(s, 2, hash, (int)len, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			const char *id = (const char *)pq_column_text(s, 0);
			snprintf(survivor_id, STORE_ID_LEN, "%s", id ? id : "");
		}
		e = rc == PQ_ROW ? WM_OK : rc == PQ_DONE ? WM_ERR_NOT_FOUND : WM_ERR_IO;
		pg_done(s);
	}
	pg_release(st, c);
	return e;
}

wm_err pg_import_ref_put(struct pg_store *st, const char *org_id, const unsigned char *hash,
			 size_t len, const char *survivor_id)
{
	struct conn *c;
	pg_acquire(st, &c);
	wm_err e = pg_begin(c);
	if (e == WM_OK) {
		pq_stmt *s = stmt(c, I_PUT);
		if (s) {
			pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
			pq_bind_blob(s, 2, hash, (int)len, PQ_STATIC);
			pq_bind_text(s, 3, survivor_id, -1, PQ_STATIC);
		}
		e = pg_exec(c, s, NULL);
	}
	e = pg_finish(c, e);
	pg_release(st, c);
	return e;
}
