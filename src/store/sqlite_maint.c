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
 * the same places sealed values are kept.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "codec.h"
#include "sqlite.h"

/* Problems reported one by one before the rest are only counted. */
#define CHECK_SHOW_MAX 10

struct check {
	struct sqlite_store *st;
	const struct keyring *keys;
	sqlite3 *db;
	void (*say)(void *ctx, bool ok, const char *line);
	void *ctx;
	bool failed;
};

static void say(struct check *ck, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct check *ck, bool ok, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!ok)
		ck->failed = true;
	ck->say(ck->ctx, ok, line);
}

/* SQLite's integrity_check and foreign_key_check of one schema ("main"
 * or "reads"). */
static void check_file(struct check *ck, const char *schema, const char *what)
{
	char sql[96];
	snprintf(sql, sizeof sql, "PRAGMA %s.integrity_check", schema);
	sqlite3_stmt *s = NULL;
	int problems = 0;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		say(ck, false, "%s: cannot run the integrity check: %s", what,
		    sqlite3_errmsg(ck->db));
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);
		if (r && strcmp(r, "ok") == 0)
			continue;
		if (++problems <= CHECK_SHOW_MAX)
			say(ck, false, "%s: %s", what, r ? r : "(no message)");
	}
	sqlite3_finalize(s);
	if (!problems)
		say(ck, true, "%s: SQLite's integrity check passes", what);
	snprintf(sql, sizeof sql, "PRAGMA %s.foreign_key_check", schema);
	int broken = 0;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		say(ck, false, "%s: cannot check foreign keys: %s", what, sqlite3_errmsg(ck->db));
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW)
		if (++broken <= CHECK_SHOW_MAX)
			say(ck, false, "%s: a row of %s refers to a missing row of %s", what,
			    (const char *)sqlite3_column_text(s, 0),
			    (const char *)sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	if (!broken)
		say(ck, true, "%s: every foreign key holds", what);
}

/* How one table's sealed values are bound to their rows. */
enum bind { BIND_SURVIVOR, BIND_ITEM, BIND_SHARE, BIND_ERASURE, BIND_TWO_FACTOR };

/* A two-factor secret is raw bytes, not a JSON record (sqlite_mfa.c). */
#define RAW_MAX 256

/* One place sealed values are kept: its SELECT gives (row key, id, org_id,
 * survivor_id, key_id, sealed) for the rows matching the condition put in
 * for %s, and its UPDATE (?1 key_id, ?2 sealed, ?3 row key, ?4 id, ?5 the
 * sealed value read) replaces one value that has not changed since. */
struct source {
	char label[96];
	char table[64]; /* the kind's table, for an item's binding */
	enum bind bind;
	char select[512]; /* up to its condition */
	char order[32];	  /* after it */
	char keycol[16];  /* the key_id column as the condition names it */
	char update[256];
};

/* The source's SELECT of the rows where cond holds. */
static void source_sql(const struct source *src, const char *cond, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", src->select, cond, src->order);
}

/* The i-th place sealed values are kept (false past the last): survivors,
 * each kind, the versions kept of both, shares and erasures. */
static bool source_at(size_t i, struct source *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->keycol, sizeof out->keycol, "key_id");
	size_t nkinds = kind_count;
	if (i == 0 || i == 1) {
		snprintf(out->table, sizeof out->table, "survivors");
		out->bind = BIND_SURVIVOR;
	} else if (i < 2 + 2 * nkinds) {
		snprintf(out->table, sizeof out->table, "%s", kind_table[(i - 2) / 2]->table);
		out->bind = BIND_ITEM;
	} else if (i == 2 + 2 * nkinds) {
		snprintf(out->label, sizeof out->label, "safeguarding_shares");
		out->bind = BIND_SHARE;
		snprintf(out->select, sizeof out->select,
			 "SELECT seq, id, org_id, NULL, key_id, reason FROM safeguarding_shares "
			 "WHERE ");
		snprintf(out->order, sizeof out->order, " ORDER BY seq");
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE safeguarding_shares SET key_id = ?1, reason = ?2 WHERE seq = ?3 AND "
		    "id = ?4 AND reason = ?5");
		return true;
	} else if (i == 4 + 2 * nkinds) {
		snprintf(out->label, sizeof out->label, "two_factor");
		out->bind = BIND_TWO_FACTOR;
		snprintf(
		    out->select, sizeof out->select,
		    "SELECT rowid, user_id, NULL, NULL, key_id, secret FROM two_factor WHERE ");
		snprintf(out->order, sizeof out->order, " ORDER BY rowid");
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE two_factor SET key_id = ?1, secret = ?2 WHERE rowid = ?3 AND user_id = "
		    "?4 AND secret = ?5");
		return true;
	} else if (i == 3 + 2 * nkinds) {
		snprintf(out->label, sizeof out->label, "erasures");
		out->bind = BIND_ERASURE;
		snprintf(out->select, sizeof out->select,
			 "SELECT seq, CAST(at AS TEXT), NULL, NULL, key_id, reason FROM erasures "
			 "WHERE ");
		snprintf(out->order, sizeof out->order, " ORDER BY seq");
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE erasures SET key_id = ?1, reason = ?2 WHERE seq = ?3 AND CAST(at AS "
		    "TEXT) = ?4 AND reason = ?5");
		return true;
	} else {
		return false;
	}
	const char *t = out->table;
	const char *surv = out->bind == BIND_SURVIVOR ? "NULL" : "t.survivor_id";
	snprintf(out->keycol, sizeof out->keycol, i % 2 == 0 ? "t.key_id" : "v.key_id");
	if (i % 2 == 0) { /* the rows themselves */
		snprintf(out->label, sizeof out->label, "%s", t);
		snprintf(out->select, sizeof out->select,
			 "SELECT t.seq, t.id, t.org_id, %s, t.key_id, t.body FROM %s t WHERE ",
			 surv, t);
		snprintf(out->order, sizeof out->order, " ORDER BY t.seq");
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE %s SET key_id = ?1, body = ?2 WHERE seq = ?3 AND id = ?4 AND body = "
		    "?5",
		    t);
	} else { /* the versions kept of them, bound as the row itself is */
		snprintf(out->label, sizeof out->label, "%s, earlier versions", t);
		snprintf(out->select, sizeof out->select,
			 "SELECT v.version, v.id, t.org_id, %s, v.key_id, v.body FROM versions v "
			 "JOIN %s t ON t.id = v.id WHERE v.tbl = '%s' AND ",
			 surv, t, t);
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE versions SET key_id = ?1, body = ?2 WHERE tbl = '%s' AND version = "
		    "?3 AND id = ?4 AND body = ?5",
		    t);
	}
	return true;
}

/* The row's sealed value opened under keys, bound to its place. */
static wm_err open_value(const struct keyring *keys, const struct source *src, sqlite3_stmt *s,
			 json_t **body)
{
	*body = NULL;
	const char *id = (const char *)sqlite3_column_text(s, 1);
	const char *org = (const char *)sqlite3_column_text(s, 2);
	const char *surv = (const char *)sqlite3_column_text(s, 3);
	int key_id = sqlite3_column_int(s, 4);
	const unsigned char *in = sqlite3_column_blob(s, 5);
	size_t len = (size_t)sqlite3_column_bytes(s, 5);
	char place[CODEC_PLACE_LEN];
	if (!in || !id)
		return WM_ERR_CRYPTO;
	switch (src->bind) {
	case BIND_SURVIVOR:
	case BIND_SHARE:
		codec_place(id, org ? org : "", place);
		return codec_open_record(keys, src->bind == BIND_SURVIVOR ? "survivor" : "share",
					 place, key_id, in, len, body);
	case BIND_ITEM:
		return codec_open_item(keys, src->table, id, surv ? surv : "", org ? org : "",
				       key_id, in, len, body);
	case BIND_ERASURE:
		snprintf(place, sizeof place, "erasure:%s", id);
		return codec_open_record(keys, "erasure", place, key_id, in, len, body);
	case BIND_TWO_FACTOR:
		break; /* raw bytes: open_raw */
	}
	return WM_ERR_CRYPTO;
}

/* body sealed again under the active key, for the row s read. */
static wm_err seal_value(const struct keyring *keys, const struct source *src, sqlite3_stmt *s,
			 const json_t *body, unsigned char **out, size_t *len, int *key_id)
{
	const char *id = (const char *)sqlite3_column_text(s, 1);
	const char *org = (const char *)sqlite3_column_text(s, 2);
	const char *surv = (const char *)sqlite3_column_text(s, 3);
	char place[CODEC_PLACE_LEN];
	switch (src->bind) {
	case BIND_SURVIVOR:
	case BIND_SHARE:
		codec_place(id, org ? org : "", place);
		return codec_seal_record(keys, src->bind == BIND_SURVIVOR ? "survivor" : "share",
					 place, body, out, len, key_id);
	case BIND_ITEM:
		return codec_seal_item(keys, src->table, id, surv ? surv : "", org ? org : "", body,
				       out, len, key_id);
	case BIND_ERASURE:
		snprintf(place, sizeof place, "erasure:%s", id);
		return codec_seal_record(keys, "erasure", place, body, out, len, key_id);
	case BIND_TWO_FACTOR:
		break; /* raw bytes: reseal_batch */
	}
	return WM_ERR_CRYPTO;
}

/* A two-factor secret's bytes (out holds RAW_MAX), bound to its account. */
static wm_err open_raw(const struct keyring *keys, sqlite3_stmt *s, unsigned char *out, size_t *len)
{
	const char *user = (const char *)sqlite3_column_text(s, 1);
	const unsigned char *in = sqlite3_column_blob(s, 5);
	size_t n = (size_t)sqlite3_column_bytes(s, 5);
	char ad[96];
	if (!user || !in || n <= KEYRING_OVERHEAD || n - KEYRING_OVERHEAD > RAW_MAX)
		return WM_ERR_CRYPTO;
	snprintf(ad, sizeof ad, "two_factor:%s", user);
	*len = n - KEYRING_OVERHEAD;
	return keyring_open(keys, sqlite3_column_int(s, 4), in, n, ad, out);
}

/* Opens the sealed value of every row of one source. Never names a row by
 * anything but its table and seq (or version). */
static void check_sealed(struct check *ck, const struct source *src)
{
	char sql[600];
	source_sql(src, "1", sql, sizeof sql);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		say(ck, false, "%s: cannot read the sealed values: %s", src->label,
		    sqlite3_errmsg(ck->db));
		return;
	}
	long rows = 0, bad = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rows++;
		json_t *body = NULL;
		unsigned char raw[RAW_MAX];
		size_t rawlen = 0;
		wm_err e = src->bind == BIND_TWO_FACTOR ? open_raw(ck->keys, s, raw, &rawlen)
							: open_value(ck->keys, src, s, &body);
		sodium_memzero(raw, sizeof raw);
		json_decref(body);
		if (e != WM_OK && ++bad <= CHECK_SHOW_MAX)
			say(ck, false, "%s: the sealed value of row seq %lld does not open",
			    src->label, (long long)sqlite3_column_int64(s, 0));
	}
	if (rc != SQLITE_DONE)
		say(ck, false, "%s: reading stopped: %s", src->label, sqlite3_errmsg(ck->db));
	sqlite3_finalize(s);
	if (bad > CHECK_SHOW_MAX)
		say(ck, false, "%s: %ld sealed values in all do not open", src->label, bad);
	if (!bad && rc == SQLITE_DONE && rows)
		say(ck, true, "%s: %ld sealed values open", src->label, rows);
}

static void check_all_sealed(struct check *ck)
{
	struct source src;
	for (size_t i = 0; source_at(i, &src); i++)
		check_sealed(ck, &src);
}

/* Walks one audit table's chain in seq order, recomputing every link; names
 * the first entry whose mac does not follow from the one before (an entry
 * changed, inserted or removed there). */
/* Whether the chain's recorded head (head_tbl) is its last entry (seq,
 * mac; entries 0: none), and is tagged under the key: entries cut from the
 * end leave the head pointing past them. */
static bool head_holds(struct check *ck, const char *head_tbl, const char *label, long entries,
		       int64_t seq, const unsigned char *mac)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT seq, mac, tag FROM %s WHERE id = 1", head_tbl);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		say(ck, false, "%s: the record of its last entry cannot be read: %s", label,
		    sqlite3_errmsg(ck->db));
		return false;
	}
	bool ok;
	if (sqlite3_step(s) != SQLITE_ROW) {
		ok = entries == 0;
		if (!ok)
			say(ck, false, "%s: the record of the trail's last entry is missing",
			    label);
	} else {
		int64_t hseq = sqlite3_column_int64(s, 0);
		const void *hmac = sqlite3_column_blob(s, 1);
		const void *htag = sqlite3_column_blob(s, 2);
		unsigned char want[CODEC_AUDIT_MAC_LEN];
		ok = entries > 0 && hseq == seq && hmac && htag &&
		     sqlite3_column_bytes(s, 1) == CODEC_AUDIT_MAC_LEN &&
		     sqlite3_column_bytes(s, 2) == CODEC_AUDIT_MAC_LEN &&
		     sodium_memcmp(hmac, mac, CODEC_AUDIT_MAC_LEN) == 0;
		if (ok) {
			codec_audit_head(ck->keys, hseq, hmac, want);
			ok = sodium_memcmp(htag, want, sizeof want) == 0;
		}
		if (!ok)
			say(ck, false,
			    "%s: the trail's recorded last entry is seq %lld, but it ends at seq "
			    "%lld: entries were removed from its end, or the record of its end "
			    "was changed",
			    label, (long long)hseq, (long long)seq);
	}
	sqlite3_finalize(s);
	return ok;
}

static void check_chain(struct check *ck, const char *tbl, const char *head_tbl, const char *label)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT seq, at, survivor_seq, user_seq, org_seq, role, action, route, mac FROM "
		 "%s ORDER BY seq",
		 tbl);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		say(ck, false, "%s: cannot read the audit trail: %s", label,
		    sqlite3_errmsg(ck->db));
		return;
	}
	unsigned char prev[CODEC_AUDIT_MAC_LEN], want[CODEC_AUDIT_MAC_LEN];
	bool first = true, broken = false;
	long entries = 0;
	int64_t last_seq = 0;
	int rc;
	while (!broken && (rc = sqlite3_step(s)) == SQLITE_ROW) {
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
		codec_audit_mac(ck->keys, first ? NULL : prev, &row, want);
		const void *mac = sqlite3_column_blob(s, 8);
		if (sqlite3_column_bytes(s, 8) != CODEC_AUDIT_MAC_LEN ||
		    sodium_memcmp(mac, want, sizeof want) != 0) {
			say(ck, false,
			    "%s: the chain breaks at entry seq %lld (%ld entries after the start "
			    "hold): that entry, or the one before it, was changed, inserted or "
			    "removed",
			    label, (long long)row.seq, entries);
			broken = true;
			break;
		}
		memcpy(prev, want, sizeof prev);
		last_seq = row.seq;
		first = false;
		entries++;
	}
	if (!broken && rc != SQLITE_DONE)
		say(ck, false, "%s: reading stopped: %s", label, sqlite3_errmsg(ck->db));
	else if (!broken && head_holds(ck, head_tbl, label, entries, last_seq, prev))
		say(ck, true, "%s: the chain of %ld entries holds", label, entries);
	sqlite3_finalize(s);
}

wm_err sqlite_check(struct sqlite_store *st, void (*sayfn)(void *ctx, bool ok, const char *line),
		    void *ctx)
{
	struct conn *c;
	struct check ck = {.st = st, .keys = sqlite_keys(st), .say = sayfn, .ctx = ctx};
	ck.db = sqlite_acquire(st, &c);
	/* One snapshot of both files for everything below. */
	if (sqlite3_exec(ck.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite_release(st, c);
		return WM_ERR_IO;
	}
	check_file(&ck, "main", "database");
	check_file(&ck, "reads", "read-audit file");
	check_all_sealed(&ck);
	check_chain(&ck, "main.audit", "main.audit_head", "audit trail of changes");
	check_chain(&ck, "reads.read_audit", "reads.read_head", "audit trail of reads");
	sqlite3_exec(ck.db, "COMMIT", NULL, NULL, NULL);
	sqlite_release(st, c);
	return ck.failed ? WM_ERR_INVALID : WM_OK;
}

/* ---- re-sealing under the newest key (`waymark rotate-key`) ---- */

/* Values re-sealed per transaction: short, so a serving process's writes
 * wait for at most one batch. */
#define RESEAL_BATCH 500

/* Re-seals one batch of src's values not under the active key; *done the
 * number re-sealed, *left whether more may remain. A value changed by
 * someone else between the read and the write is left for the next batch
 * (the UPDATE matches only the value read). */
static wm_err reseal_batch(sqlite3 *db, const struct keyring *keys, const struct source *src,
			   long *done, bool *left)
{
	char cond[64], sql[640];
	snprintf(cond, sizeof cond, "%s <> %d", src->keycol, keyring_active_id(keys));
	source_sql(src, cond, sql, sizeof sql);
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
		json_t *body = NULL;
		unsigned char *sealed = NULL;
		size_t len = 0;
		int key_id = 0;
		if (src->bind == BIND_TWO_FACTOR) {
			unsigned char raw[RAW_MAX];
			size_t rawlen = 0;
			char ad[96];
			snprintf(ad, sizeof ad, "two_factor:%s",
				 (const char *)sqlite3_column_text(s, 1));
			e = open_raw(keys, s, raw, &rawlen);
			sealed = e == WM_OK ? malloc(rawlen + KEYRING_OVERHEAD) : NULL;
			if (e == WM_OK && !sealed)
				e = WM_ERR_NOMEM;
			if (e == WM_OK)
				e = keyring_seal(keys, raw, rawlen, ad, sealed, &key_id);
			len = rawlen + KEYRING_OVERHEAD;
			sodium_memzero(raw, sizeof raw);
		} else {
			e = open_value(keys, src, s, &body);
			if (e == WM_OK)
				e = seal_value(keys, src, s, body, &sealed, &len, &key_id);
		}
		json_decref(body);
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
	struct source src;
	for (size_t i = 0; e == WM_OK && source_at(i, &src); i++) {
		long total = 0, done = 0;
		bool left = true;
		while (e == WM_OK && left) {
			e = reseal_batch(db, keys, &src, &done, &left);
			total += done;
		}
		if (e == WM_OK && total) {
			char line[160];
			snprintf(line, sizeof line, "%s: %ld values sealed again under key %d",
				 src.label, total, keyring_active_id(keys));
			tell(ctx, line);
		} else if (e != WM_OK) {
			char line[160];
			snprintf(line, sizeof line, "%s: stopped (%s)", src.label, wm_err_str(e));
			tell(ctx, line);
		}
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
	struct source src;
	for (size_t i = 0; e == WM_OK && source_at(i, &src); i++) {
		char cond[64], sql[640], counted[700];
		snprintf(cond, sizeof cond, "%s = %d", src.keycol, key_id);
		source_sql(&src, cond, sql, sizeof sql);
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
