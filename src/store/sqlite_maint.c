/*
 * sqlite_maint.c - `waymark check` on an SQLite database (sqlite_check):
 * SQLite's own integrity check and foreign keys of both files, every sealed
 * value opened under the key file, and the audit trail's chain.
 *
 * It reads everything and changes nothing, on one pooled connection, inside
 * one read transaction per file, so it sees one consistent state even while
 * the server writes.
 *
 * Also `waymark rotate-key`'s work (sqlite_reseal, sqlite_key_use), which walks
 * the same places sealed values are kept. What does not depend on SQLite
 * (the places, the binding of each value, the chain's walk, the report's
 * words) is maint.c's, shared with pg_maint.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "codec.h"
#include "maint.h"
#include "sqlite.h"

struct check {
	struct maint_check m;
	sqlite3 *db;
};

/* SQLite's integrity_check and foreign_key_check of one schema ("main"
 * or "reads"). */
static void check_file(struct check *ck, const char *schema, const char *what)
{
	char sql[96];
	snprintf(sql, sizeof sql, "PRAGMA %s.integrity_check", schema);
	sqlite3_stmt *s = NULL;
	int problems = 0;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		maint_say(&ck->m, false, "%s: cannot run the integrity check: %s", what,
			  sqlite3_errmsg(ck->db));
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);
		if (r && strcmp(r, "ok") == 0)
			continue;
		if (++problems <= MAINT_SHOW_MAX)
			maint_say(&ck->m, false, "%s: %s", what, r ? r : "(no message)");
	}
	sqlite3_finalize(s);
	if (!problems)
		maint_say(&ck->m, true, "%s: SQLite's integrity check passes", what);
	snprintf(sql, sizeof sql, "PRAGMA %s.foreign_key_check", schema);
	int broken = 0;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		maint_say(&ck->m, false, "%s: cannot check foreign keys: %s", what,
			  sqlite3_errmsg(ck->db));
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW)
		if (++broken <= MAINT_SHOW_MAX)
			maint_say(&ck->m, false, "%s: a row of %s refers to a missing row of %s",
				  what, (const char *)sqlite3_column_text(s, 0),
				  (const char *)sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	if (!broken)
		maint_say(&ck->m, true, "%s: every foreign key holds", what);
}

/* The current row of a source's SELECT. */
static struct maint_row row_of(sqlite3_stmt *s)
{
	return (struct maint_row){
	    .key = sqlite3_column_int64(s, 0),
	    .id = (const char *)sqlite3_column_text(s, 1),
	    .org = (const char *)sqlite3_column_text(s, 2),
	    .surv = (const char *)sqlite3_column_text(s, 3),
	    .key_id = sqlite3_column_int(s, 4),
	    .in = sqlite3_column_blob(s, 5),
	    .len = (size_t)sqlite3_column_bytes(s, 5),
	};
}

/* Opens the sealed value of every row of one source. */
static void check_sealed(struct check *ck, const struct maint_source *src)
{
	char sql[600];
	maint_source_sql(src, "1", sql, sizeof sql);
	sqlite3_stmt *s = NULL;
	struct maint_tally t = {0};
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		maint_tally_end(&ck->m, src, &t, sqlite3_errmsg(ck->db));
		return;
	}
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct maint_row row = row_of(s);
		maint_tally_row(&ck->m, src, &t, &row);
	}
	maint_tally_end(&ck->m, src, &t, rc == SQLITE_DONE ? NULL : sqlite3_errmsg(ck->db));
	sqlite3_finalize(s);
}

/* Walks one audit table's chain in seq order, recomputing every link, then
 * compares its end with the head recorded in head_tbl. */
static void check_chain(struct check *ck, const char *tbl, const char *head_tbl, const char *label)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT seq, at, survivor_seq, user_seq, org_seq, role, action, route, mac FROM "
		 "%s ORDER BY seq",
		 tbl);
	struct maint_chain w = {0};
	struct maint_head head = {0};
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		maint_chain_end(&ck->m, label, &w, &head, sqlite3_errmsg(ck->db));
		return;
	}
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct codec_audit_row row = {
		    .seq = sqlite3_column_int64(s, 0),
		    .at = sqlite3_column_int64(s, 1),
		    .survivor_seq = sqlite3_column_int64(s, 2),
		    .user_seq = sqlite3_column_int64(s, 3),
		    .org_seq = sqlite3_column_int64(s, 4),
		    .has_org = sqlite3_column_type(s, 4) != SQLITE_NULL,
		    .role = sqlite3_column_int(s, 5),
		    .action = sqlite3_column_int(s, 6),
		    .route = sqlite3_column_int64(s, 7),
		};
		if (!maint_chain_step(&ck->m, label, &w, &row, sqlite3_column_blob(s, 8),
				      (size_t)sqlite3_column_bytes(s, 8)))
			break;
	}
	const char *stopped = rc == SQLITE_DONE || rc == SQLITE_ROW ? NULL : sqlite3_errmsg(ck->db);
	sqlite3_finalize(s);
	s = NULL;
	snprintf(sql, sizeof sql, "SELECT seq, mac, tag FROM %s WHERE id = 1", head_tbl);
	if (!w.broken && !stopped && sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK)
		stopped = sqlite3_errmsg(ck->db);
	if (s && sqlite3_step(s) == SQLITE_ROW)
		head = (struct maint_head){
		    .found = true,
		    .seq = sqlite3_column_int64(s, 0),
		    .mac = sqlite3_column_blob(s, 1),
		    .mac_len = (size_t)sqlite3_column_bytes(s, 1),
		    .tag = sqlite3_column_blob(s, 2),
		    .tag_len = (size_t)sqlite3_column_bytes(s, 2),
		};
	maint_chain_end(&ck->m, label, &w, &head, stopped);
	sqlite3_finalize(s);
}

wm_err sqlite_check(struct sqlite_store *st, void (*sayfn)(void *ctx, bool ok, const char *line),
		    void *ctx)
{
	struct conn *c;
	struct check ck = {.m = {.keys = sqlite_keys(st), .say = sayfn, .ctx = ctx}};
	ck.db = sqlite_acquire(st, &c);
	/* One snapshot of both files for everything below. */
	if (sqlite3_exec(ck.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite_release(st, c);
		return WM_ERR_IO;
	}
	check_file(&ck, "main", "database");
	check_file(&ck, "reads", "read-audit file");
	struct maint_source src;
	for (size_t i = 0; maint_source_at(i, false, &src); i++)
		check_sealed(&ck, &src);
	check_chain(&ck, "main.audit", "main.audit_head", "audit trail of changes");
	check_chain(&ck, "reads.read_audit", "reads.read_head", "audit trail of reads");
	sqlite3_exec(ck.db, "COMMIT", NULL, NULL, NULL);
	sqlite_release(st, c);
	return ck.m.failed ? WM_ERR_INVALID : WM_OK;
}

/* ---- re-sealing under the newest key (`waymark rotate-key`) ---- */

/* Values re-sealed per transaction: short, so a serving process's writes
 * wait for at most one batch. */
#define RESEAL_BATCH 500

/* Re-seals one batch of src's values not under the active key; *done the
 * number re-sealed, *left whether more may remain. A value changed by
 * someone else between the read and the write is left for the next batch
 * (the UPDATE matches only the value read). */
static wm_err reseal_batch(sqlite3 *db, const struct keyring *keys, const struct maint_source *src,
			   long *done, bool *left)
{
	char cond[64], sql[640];
	snprintf(cond, sizeof cond, "%s <> %d", src->keycol, keyring_active_id(keys));
	maint_source_sql(src, cond, sql, sizeof sql);
	snprintf(sql + strlen(sql), sizeof sql - strlen(sql), " LIMIT %d", RESEAL_BATCH);
	*done = 0;
	*left = false;
	sqlite3_stmt *s = NULL, *u = NULL;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return WM_ERR_IO;
	wm_err e = sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
			   sqlite3_prepare_v2(db, src->update, -1, &u, NULL) == SQLITE_OK
		       ? WM_OK
		       : WM_ERR_IO;
	int rc = SQLITE_DONE, rows = 0;
	while (e == WM_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		rows++;
		unsigned char *sealed = NULL;
		size_t len = 0;
		int key_id = 0;
		struct maint_row row = row_of(s);
		e = maint_reseal(keys, src, &row, &sealed, &len, &key_id);
		if (e != WM_OK)
			break;
		sqlite3_bind_int(u, 1, key_id);
		sqlite3_bind_blob(u, 2, sealed, (int)len, SQLITE_STATIC);
		sqlite3_bind_value(u, 3, sqlite3_column_value(s, 0));
		sqlite3_bind_value(u, 4, sqlite3_column_value(s, 1));
		sqlite3_bind_value(u, 5, sqlite3_column_value(s, 5));
		if (sqlite3_step(u) != SQLITE_DONE)
			e = WM_ERR_IO;
		else
			*done += sqlite3_changes(db);
		sqlite3_reset(u);
		free(sealed);
	}
	if (e == WM_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		e = WM_ERR_IO;
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	if (sqlite3_exec(db, e == WM_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK &&
	    e == WM_OK)
		e = WM_ERR_IO;
	*left = rows == RESEAL_BATCH;
	return e;
}

wm_err sqlite_reseal(struct sqlite_store *st, void (*tell)(void *ctx, const char *line), void *ctx)
{
	const struct keyring *keys = sqlite_keys(st);
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = WM_OK;
	struct maint_source src;
	for (size_t i = 0; e == WM_OK && maint_source_at(i, false, &src); i++) {
		long total = 0, done = 0;
		bool left = true;
		while (e == WM_OK && left) {
			e = reseal_batch(db, keys, &src, &done, &left);
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
	if (e == WM_OK) {
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db, "UPDATE meta SET value = ?1 WHERE name = 'key_check'",
				       -1, &s, NULL) != SQLITE_OK)
			e = WM_ERR_IO;
		else {
			sqlite3_bind_blob(s, 1, check, (int)len, SQLITE_STATIC);
			e = sqlite3_step(s) == SQLITE_DONE ? WM_OK : WM_ERR_IO;
		}
		sqlite3_finalize(s);
	}
	free(check);
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_key_use(struct sqlite_store *st, int key_id, long *count)
{
	*count = 0;
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = WM_OK;
	struct maint_source src;
	for (size_t i = 0; e == WM_OK && maint_source_at(i, false, &src); i++) {
		char cond[64], sql[640], counted[700];
		snprintf(cond, sizeof cond, "%s = %d", src.keycol, key_id);
		maint_source_sql(&src, cond, sql, sizeof sql);
		snprintf(counted, sizeof counted, "SELECT count(*) FROM (%s)", sql);
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db, counted, -1, &s, NULL) != SQLITE_OK ||
		    sqlite3_step(s) != SQLITE_ROW)
			e = WM_ERR_IO;
		else
			*count += sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	/* The key check too: codec_key_check_verify opens it by its own id. */
	sqlite3_stmt *s = NULL;
	if (e == WM_OK &&
	    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE name = 'key_check'", -1, &s,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) >= 4) {
		if (codec_key_check_id(sqlite3_column_blob(s, 0),
				       (size_t)sqlite3_column_bytes(s, 0)) == key_id)
			++*count;
	}
	sqlite3_finalize(s);
	sqlite_release(st, c);
	return e;
}
