/*
 * pg_maint.c - `waymark check` on a PostgreSQL database (pg_check), and
 * `waymark rotate-key`'s work there (pg_reseal, pg_key_use): the same
 * checks and the same re-sealing as sqlite_maint.c, through maint.c, which
 * both share.
 *
 * PostgreSQL has no one-call integrity check as SQLite does, so the
 * database's part is: every foreign key verified row by row (a constraint
 * holds only as long as nobody turned its triggers off, which is how a
 * tamperer with a superuser account would slip a row past it), every
 * constraint validated, and, when the amcheck extension is installed in the
 * database, the structure of every index. The check reads everything and
 * changes nothing, in one REPEATABLE READ transaction: one consistent
 * state even while servers write. Large tables are read through a cursor,
 * a batch of rows at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "maint.h"
#include "pg.h"

/* Rows fetched from a cursor at a time. */
#define FETCH_ROWS 1000

struct check {
	struct maint_check m;
	struct pq_db *db;
	char why[64]; /* of the last failure: its SQLSTATE */
};

/* Why the last statement failed, for the report (an SQLSTATE names no
 * value). */
static const char *why(struct check *ck)
{
	snprintf(ck->why, sizeof ck->why, "SQLSTATE %s",
		 ck->db->sqlstate[0] ? ck->db->sqlstate : "unknown");
	return ck->why;
}

/* Runs sql (no parameters) through a cursor, calling each for every row;
 * false when reading failed. */
static bool cursor_each(struct check *ck, const char *sql, void (*each)(void *ctx, pq_stmt *s),
			void *ctx)
{
	char *declare = pq_mprintf("DECLARE wm_check NO SCROLL CURSOR FOR %s", sql);
	bool ok = declare && pq_exec(ck->db, declare) == PQ_OK;
	free(declare);
	char fetch[48];
	snprintf(fetch, sizeof fetch, "FETCH %d FROM wm_check", FETCH_ROWS);
	pq_stmt *f = ok ? pq_prepare(ck->db, fetch, false) : NULL;
	ok = ok && f;
	for (int rows = FETCH_ROWS; ok && rows == FETCH_ROWS;) {
		int rc;
		rows = 0;
		while ((rc = pq_step(f)) == PQ_ROW) {
			rows++;
			each(ctx, f);
		}
		ok = rc == PQ_DONE;
		pq_reset(f);
	}
	pq_finalize(f);
	if (pq_exec(ck->db, "CLOSE wm_check") != PQ_OK)
		ok = false;
	return ok;
}

/* ---- the database ---- */

/* Every foreign key of the schema, with its two tables and their columns
 * (each prefixed for the query below), and whether PostgreSQL holds it
 * validated. */
static const char fk_sql[] =
    "SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text, "
    "(SELECT string_agg('t.' || quote_ident(a.attname), ', ' ORDER BY k.o) FROM "
    "unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid "
    "AND a.attnum = k.n), "
    "(SELECT string_agg('p.' || quote_ident(a.attname), ', ' ORDER BY k.o) FROM "
    "unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = "
    "c.confrelid AND a.attnum = k.n), c.convalidated "
    "FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace "
    "WHERE c.contype = 'f' AND ns.nspname = current_schema() ORDER BY c.conname";

/* Counts the rows of one foreign key's table whose reference has no row. */
static long orphans(struct check *ck, const char *child, const char *parent, const char *cols,
		    const char *pcols)
{
	char *sql = pq_mprintf("SELECT count(*) FROM %s t WHERE ROW(%s) IS NOT NULL AND NOT EXISTS "
			       "(SELECT 1 FROM %s p WHERE (%s) = (%s))",
			       child, cols, parent, pcols, cols);
	pq_stmt *s = sql ? pq_prepare(ck->db, sql, false) : NULL;
	long n = s && pq_step(s) == PQ_ROW ? (long)pq_column_int64(s, 0) : -1;
	pq_finalize(s);
	free(sql);
	return n;
}

static void check_foreign_keys(struct check *ck)
{
	pq_stmt *s = pq_prepare(ck->db, fk_sql, false);
	if (!s) {
		maint_say(&ck->m, false, "database: cannot list its foreign keys");
		return;
	}
	/* The list first (the queries below are statements of their own). */
	struct fk {
		char name[64], child[64], parent[64], cols[256], pcols[256];
		bool valid;
	} *fks = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = pq_step(s)) == PQ_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			struct fk *more = realloc(fks, cap * sizeof *fks);
			if (!more)
				break;
			fks = more;
		}
		struct fk *f = &fks[n++];
		snprintf(f->name, sizeof f->name, "%s", (const char *)pq_column_text(s, 0));
		snprintf(f->child, sizeof f->child, "%s", (const char *)pq_column_text(s, 1));
		snprintf(f->parent, sizeof f->parent, "%s", (const char *)pq_column_text(s, 2));
		snprintf(f->cols, sizeof f->cols, "%s", (const char *)pq_column_text(s, 3));
		snprintf(f->pcols, sizeof f->pcols, "%s", (const char *)pq_column_text(s, 4));
		f->valid = strcmp((const char *)pq_column_text(s, 5), "t") == 0;
	}
	bool listed = rc == PQ_DONE;
	pq_finalize(s);
	if (!listed) {
		maint_say(&ck->m, false, "database: cannot list its foreign keys: %s", why(ck));
		free(fks);
		return;
	}
	int broken = 0;
	for (size_t i = 0; i < n; i++) {
		const struct fk *f = &fks[i];
		long missing = orphans(ck, f->child, f->parent, f->cols, f->pcols);
		if (missing < 0)
			maint_say(&ck->m, false, "database: cannot check the foreign key %s: %s",
				  f->name, why(ck));
		else if (missing == 1 && ++broken <= MAINT_SHOW_MAX)
			maint_say(&ck->m, false,
				  "database: a row of %s refers to a missing row of %s (%s)",
				  f->child, f->parent, f->name);
		else if (missing > 1 && ++broken <= MAINT_SHOW_MAX)
			maint_say(&ck->m, false,
				  "database: %ld rows of %s refer to missing rows of %s (%s)",
				  missing, f->child, f->parent, f->name);
		else if (!f->valid && ++broken <= MAINT_SHOW_MAX)
			maint_say(&ck->m, false,
				  "database: the foreign key %s is not validated by PostgreSQL",
				  f->name);
		if (missing < 0)
			broken++;
	}
	if (!broken)
		maint_say(&ck->m, true,
			  "database: every foreign key holds (%zu checked row by row)", n);
	free(fks);
}

/* The structure of every B-tree index of the schema, by amcheck, when the
 * database has it; each index in a savepoint of its own, since amcheck
 * reports a corrupt one by failing. */
static void check_indexes(struct check *ck)
{
	pq_stmt *has =
	    pq_prepare(ck->db, "SELECT 1 FROM pg_extension WHERE extname = 'amcheck'", false);
	int rc = has ? pq_step(has) : PQ_ERROR;
	pq_finalize(has);
	if (rc == PQ_DONE) {
		maint_say(&ck->m, true,
			  "database: the indexes' structure was not checked (the amcheck "
			  "extension is not installed in it: docs/operations.md)");
		return;
	}
	if (rc != PQ_ROW) {
		maint_say(&ck->m, false, "database: cannot look for amcheck: %s", why(ck));
		return;
	}
	pq_stmt *s = pq_prepare(
	    ck->db,
	    "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
	    "JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE am.amname = 'btree' AND n.nspname = current_schema() ORDER BY 1",
	    false);
	char(*names)[64] = NULL;
	size_t n = 0, cap = 0;
	while (s && (rc = pq_step(s)) == PQ_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char(*more)[64] = realloc(names, cap * sizeof *names);
			if (!more)
				break;
			names = more;
		}
		snprintf(names[n++], 64, "%s", (const char *)pq_column_text(s, 0));
	}
	pq_finalize(s);
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		pq_stmt *q = pq_exec(ck->db, "SAVEPOINT wm_index") == PQ_OK
				 ? pq_prepare(ck->db, "SELECT bt_index_check(?1::regclass)", false)
				 : NULL;
		if (q)
			pq_bind_text(q, 1, names[i], -1, PQ_STATIC);
		bool ok = q && pq_step(q) == PQ_ROW;
		pq_finalize(q);
		if (!ok && ++bad <= MAINT_SHOW_MAX)
			maint_say(&ck->m, false, "database: the index %s is damaged: %s", names[i],
				  why(ck));
		pq_exec(ck->db,
			ok ? "RELEASE SAVEPOINT wm_index" : "ROLLBACK TO SAVEPOINT wm_index");
	}
	if (!bad)
		maint_say(&ck->m, true, "database: amcheck finds all %zu indexes sound", n);
	free(names);
}

/* ---- sealed values ---- */

/* The current row of a source's SELECT. */
static struct maint_row row_of(pq_stmt *s)
{
	return (struct maint_row){
	    .key = pq_column_int64(s, 0),
	    .id = (const char *)pq_column_text(s, 1),
	    .org = pq_column_type(s, 2) == PQ_NULL ? NULL : (const char *)pq_column_text(s, 2),
	    .surv = pq_column_type(s, 3) == PQ_NULL ? NULL : (const char *)pq_column_text(s, 3),
	    .key_id = pq_column_int(s, 4),
	    .in = pq_column_blob(s, 5),
	    .len = (size_t)pq_column_bytes(s, 5),
	};
}

struct sealed_walk {
	struct check *ck;
	const struct maint_source *src;
	struct maint_tally t;
};

static void sealed_row(void *ctx, pq_stmt *s)
{
	struct sealed_walk *w = ctx;
	struct maint_row row = row_of(s);
	maint_tally_row(&w->ck->m, w->src, &w->t, &row);
}

static void check_sealed(struct check *ck, const struct maint_source *src)
{
	char sql[600];
	maint_source_sql(src, "true", sql, sizeof sql);
	struct sealed_walk w = {.ck = ck, .src = src};
	bool ok = cursor_each(ck, sql, sealed_row, &w);
	maint_tally_end(&ck->m, src, &w.t, ok ? NULL : why(ck));
}

/* ---- the audit chains ---- */

struct chain_walk {
	struct check *ck;
	const char *label;
	struct maint_chain w;
};

static void chain_row(void *ctx, pq_stmt *s)
{
	struct chain_walk *cw = ctx;
	if (cw->w.broken)
		return; /* reported at the first broken link; the rest is read, unused */
	struct codec_audit_row row = {
	    .seq = pq_column_int64(s, 0),
	    .at = pq_column_int64(s, 1),
	    .survivor_seq = pq_column_int64(s, 2),
	    .user_seq = pq_column_int64(s, 3),
	    .org_seq = pq_column_int64(s, 4),
	    .has_org = pq_column_type(s, 4) != PQ_NULL,
	    .role = pq_column_int(s, 5),
	    .action = pq_column_int(s, 6),
	    .route = pq_column_int64(s, 7),
	};
	maint_chain_step(&cw->ck->m, cw->label, &cw->w, &row,
			 pq_column_type(s, 8) == PQ_NULL ? NULL : pq_column_blob(s, 8),
			 (size_t)pq_column_bytes(s, 8));
}

static void check_chain(struct check *ck, const char *tbl, const char *head_tbl, const char *label)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT seq, at, survivor_seq, user_seq, org_seq, role, action, route, mac FROM "
		 "%s ORDER BY seq",
		 tbl);
	struct chain_walk cw = {.ck = ck, .label = label};
	struct maint_head head = {0};
	const char *stopped = cursor_each(ck, sql, chain_row, &cw) ? NULL : why(ck);
	snprintf(sql, sizeof sql, "SELECT seq, mac, tag FROM %s WHERE id = 1", head_tbl);
	pq_stmt *s = stopped || cw.w.broken ? NULL : pq_prepare(ck->db, sql, false);
	int rc = s ? pq_step(s) : PQ_DONE;
	if (rc == PQ_ROW)
		head = (struct maint_head){
		    .found = true,
		    .seq = pq_column_int64(s, 0),
		    .mac = pq_column_blob(s, 1),
		    .mac_len = (size_t)pq_column_bytes(s, 1),
		    .tag = pq_column_blob(s, 2),
		    .tag_len = (size_t)pq_column_bytes(s, 2),
		};
	else if (rc != PQ_DONE && !stopped)
		stopped = why(ck);
	maint_chain_end(&ck->m, label, &cw.w, &head, stopped);
	pq_finalize(s);
}

wm_err pg_check(struct pg_store *st, void (*sayfn)(void *ctx, bool ok, const char *line), void *ctx)
{
	struct conn *c;
	struct check ck = {.m = {.keys = pg_keys(st), .say = sayfn, .ctx = ctx}};
	ck.db = pg_acquire(st, &c);
	if (pq_exec(ck.db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != PQ_OK) {
		pg_release(st, c);
		return WM_ERR_IO;
	}
	check_foreign_keys(&ck);
	check_indexes(&ck);
	struct maint_source src;
	for (size_t i = 0; maint_source_at(i, true, &src); i++)
		check_sealed(&ck, &src);
	check_chain(&ck, "audit", "audit_head", "audit trail of changes");
	check_chain(&ck, "read_audit", "read_head", "audit trail of reads");
	pq_exec(ck.db, "COMMIT");
	pg_release(st, c);
	return ck.m.failed ? WM_ERR_INVALID : WM_OK;
}

/* ---- re-sealing under the newest key (`waymark rotate-key`) ---- */

/* Values re-sealed per transaction: short, so servers' writes wait for at
 * most one batch (each batch holds the writers' lock). */
#define RESEAL_BATCH 500

/* Re-seals one batch of src's values not under the active key; as
 * sqlite_maint.c's: a value changed by someone else between the read and
 * the write is left for the next batch. */
static wm_err reseal_batch(struct conn *c, struct pq_db *db, const struct keyring *keys,
			   const struct maint_source *src, long *done, bool *left)
{
	char cond[64], sql[640];
	snprintf(cond, sizeof cond, "%s <> %d", src->keycol, keyring_active_id(keys));
	maint_source_sql(src, cond, sql, sizeof sql);
	snprintf(sql + strlen(sql), sizeof sql - strlen(sql), " LIMIT %d", RESEAL_BATCH);
	*done = 0;
	*left = false;
	wm_err e = pg_begin(c);
	pq_stmt *s = e == WM_OK ? pq_prepare(db, sql, false) : NULL;
	pq_stmt *u = s ? pq_prepare(db, src->update, false) : NULL;
	if (e == WM_OK && !u)
		e = WM_ERR_NOMEM;
	int rc = PQ_DONE, rows = 0;
	while (e == WM_OK && (rc = pq_step(s)) == PQ_ROW) {
		rows++;
		unsigned char *sealed = NULL;
		size_t len = 0;
		int key_id = 0;
		struct maint_row row = row_of(s);
		e = maint_reseal(keys, src, &row, &sealed, &len, &key_id);
		if (e != WM_OK)
			break;
		pq_bind_int(u, 1, key_id);
		pq_bind_blob(u, 2, sealed, (int)len, PQ_STATIC);
		pq_bind_int64(u, 3, row.key);
		pq_bind_text(u, 4, row.id, -1, PQ_STATIC);
		pq_bind_blob(u, 5, row.in, (int)row.len, PQ_STATIC);
		long changed = 0;
		e = pg_exec(c, u, &changed);
		*done += changed;
		free(sealed);
	}
	if (e == WM_OK && rc != PQ_DONE && rc != PQ_ROW)
		e = WM_ERR_IO;
	pq_finalize(s);
	pq_finalize(u);
	e = pg_finish(c, e);
	*left = rows == RESEAL_BATCH;
	return e;
}

wm_err pg_reseal(struct pg_store *st, void (*tell)(void *ctx, const char *line), void *ctx)
{
	const struct keyring *keys = pg_keys(st);
	struct conn *c;
	struct pq_db *db = pg_acquire(st, &c);
	wm_err e = WM_OK;
	struct maint_source src;
	for (size_t i = 0; e == WM_OK && maint_source_at(i, true, &src); i++) {
		long total = 0, done = 0;
		bool left = true;
		while (e == WM_OK && left) {
			e = reseal_batch(c, db, keys, &src, &done, &left);
			total += done;
		}
		maint_reseal_told(tell, ctx, &src, total, e, keyring_active_id(keys));
	}
	/* The value that proves the key file fits the database, made anew under
	 * the newest key, so that an older key can go. */
	unsigned char *check = NULL;
	size_t len = 0;
	if (e == WM_OK)
		e = codec_key_check_make(keys, &check, &len);
	if (e == WM_OK)
		e = pg_begin(c);
	if (e == WM_OK) {
		pq_stmt *s =
		    pq_prepare(db, "UPDATE meta SET value = ?1 WHERE name = 'key_check'", false);
		if (s)
			pq_bind_blob(s, 1, check, (int)len, PQ_STATIC);
		e = s ? pg_exec(c, s, NULL) : WM_ERR_NOMEM;
		pq_finalize(s);
		e = pg_finish(c, e);
	}
	free(check);
	pg_release(st, c);
	return e;
}

wm_err pg_key_use(struct pg_store *st, int key_id, long *count)
{
	*count = 0;
	struct conn *c;
	struct pq_db *db = pg_acquire(st, &c);
	wm_err e = WM_OK;
	struct maint_source src;
	for (size_t i = 0; e == WM_OK && maint_source_at(i, true, &src); i++) {
		char cond[64], sql[640], counted[700];
		snprintf(cond, sizeof cond, "%s = %d", src.keycol, key_id);
		maint_source_sql(&src, cond, sql, sizeof sql);
		snprintf(counted, sizeof counted, "SELECT count(*) FROM (%s) AS used", sql);
		pq_stmt *s = pq_prepare(db, counted, false);
		if (!s || pq_step(s) != PQ_ROW)
			e = WM_ERR_IO;
		else
			*count += pq_column_int64(s, 0);
		pq_finalize(s);
	}
	/* The key check too: codec_key_check_verify opens it by its own id. */
	pq_stmt *s = e == WM_OK
			 ? pq_prepare(db, "SELECT value FROM meta WHERE name = 'key_check'", false)
			 : NULL;
	if (s && pq_step(s) == PQ_ROW && pq_column_bytes(s, 0) >= 4 &&
	    codec_key_check_id(pq_column_blob(s, 0), (size_t)pq_column_bytes(s, 0)) == key_id)
		++*count;
	pq_finalize(s);
	pg_release(st, c);
	return e;
}
