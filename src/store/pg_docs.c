/*
 * pg_docs.c - an organisation's choices for its printed documents on
 * PostgreSQL (store.h; migration 023), sqlite_docs.c statement for
 * statement: prepared once per connection in pg_docs.c's slots
 * (PG_SLOT_DOCS onwards), the write under the writers' lock (pg_begin).
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "pg.h"
#include "store.h"

enum { D_GET = PG_SLOT_DOCS, D_SET, D_END };

static const char *const sql_text[] = {
    [D_GET - PG_SLOT_DOCS] = "SELECT phone, name_staff FROM org_documents WHERE org_id = ?1",
    /* Only for an organisation that exists: the SELECT gives no row
     * otherwise, and nothing is written. */
    [D_SET - PG_SLOT_DOCS] = "INSERT INTO org_documents(org_id, phone, name_staff, updated_at) "
			     "SELECT id, ?2, ?3, ?4 FROM orgs WHERE id = ?1 "
			     "ON CONFLICT (org_id) DO UPDATE SET phone = excluded.phone, "
			     "name_staff = excluded.name_staff, updated_at = excluded.updated_at",
};

_Static_assert(D_END <= PG_SLOT_DOCS + 16 && D_END <= PG_OTHER_STMTS,
	       "pg_docs.c's statements fit their slots");

static pq_stmt *stmt(struct conn *c, int q)
{
	return pg_stmt(c, q, sql_text[q - PG_SLOT_DOCS]);
}

wm_err pg_org_documents_get(struct pg_store *st, const char *org_id,
			    struct store_org_documents *out)
{
	memset(out, 0, sizeof *out);
	struct conn *c;
	pg_acquire(st, &c);
	pq_stmt *s = stmt(c, D_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			const unsigned char *phone = pq_column_text(s, 0);
			snprintf(out->phone, sizeof out->phone, "%s",
				 phone ? (const char *)phone : "");
			out->name_staff = pq_column_int(s, 1) != 0;
		}
		e = rc == PQ_ROW || rc == PQ_DONE ? WM_OK : WM_ERR_IO;
		pg_done(s);
	}
	pg_release(st, c);
	return e;
}

wm_err pg_org_documents_set(struct pg_store *st, const char *org_id,
			    const struct store_org_documents *in, int64_t now,
			    const struct store_account_event *ev)
{
	struct conn *c;
	pg_acquire(st, &c);
	wm_err e = pg_begin(c);
	long changed = 0;
	if (e == WM_OK) {
		pq_stmt *s = stmt(c, D_SET);
		if (s) {
			pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
			if (in->phone[0])
				pq_bind_text(s, 2, in->phone, -1, PQ_STATIC);
			else
				pq_bind_null(s, 2);
			pq_bind_int(s, 3, in->name_staff ? 1 : 0);
			pq_bind_int64(s, 4, now);
		}
		e = pg_exec(c, s, &changed);
		if (e == WM_OK && changed == 0)
			e = WM_ERR_NOT_FOUND;
	}
	if (e == WM_OK)
		e = pg_account_event(c, ev);
	e = pg_finish(c, e);
	pg_release(st, c);
	return e;
}
