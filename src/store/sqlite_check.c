/*
 * sqlite_check.c - `waymark check` on an SQLite database (store_check):
 * SQLite's own integrity check and foreign keys of both files, every sealed
 * value opened under the key file, and the audit trail's chain.
 *
 * It reads everything and changes nothing, on one pooled connection, inside
 * one read transaction per file, so it sees one consistent state even while
 * the server writes.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "sqlite.h"

/* Problems reported one by one before the rest are only counted. */
#define CHECK_SHOW_MAX 10

struct check {
	struct store *st;
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
enum bind { BIND_SURVIVOR, BIND_ITEM, BIND_SHARE, BIND_ERASURE };

/* Opens the sealed value of every row of sql's result: (id or seq text,
 * org_id, survivor_id, key_id, sealed, at) as bind says. Never names a row
 * by anything but its table and seq. */
static void check_sealed(struct check *ck, const char *label, const char *table, enum bind bind,
			 const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ck->db, sql, -1, &s, NULL) != SQLITE_OK) {
		say(ck, false, "%s: cannot read the sealed values: %s", label,
		    sqlite3_errmsg(ck->db));
		return;
	}
	long rows = 0, bad = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rows++;
		const char *id = (const char *)sqlite3_column_text(s, 1);
		const char *org = (const char *)sqlite3_column_text(s, 2);
		const char *surv = (const char *)sqlite3_column_text(s, 3);
		int key_id = sqlite3_column_int(s, 4);
		const unsigned char *in = sqlite3_column_blob(s, 5);
		size_t len = (size_t)sqlite3_column_bytes(s, 5);
		json_t *body = NULL;
		char place[CODEC_PLACE_LEN];
		wm_err e = WM_ERR_CRYPTO;
		if (!in || !id)
			e = WM_ERR_CRYPTO;
		else if (bind == BIND_SURVIVOR || bind == BIND_SHARE) {
			codec_place(id, org ? org : "", place);
			e = codec_open_record(ck->keys,
					      bind == BIND_SURVIVOR ? "survivor" : "share", place,
					      key_id, in, len, &body);
		} else if (bind == BIND_ITEM) {
			e = codec_open_item(ck->keys, table, id, surv ? surv : "", org ? org : "",
					    key_id, in, len, &body);
		} else {
			snprintf(place, sizeof place, "erasure:%s", id);
			e = codec_open_record(ck->keys, "erasure", place, key_id, in, len, &body);
		}
		json_decref(body);
		if (e != WM_OK && ++bad <= CHECK_SHOW_MAX)
			say(ck, false, "%s: the sealed value of row seq %lld does not open", label,
			    (long long)sqlite3_column_int64(s, 0));
	}
	if (rc != SQLITE_DONE)
		say(ck, false, "%s: reading stopped: %s", label, sqlite3_errmsg(ck->db));
	sqlite3_finalize(s);
	if (bad > CHECK_SHOW_MAX)
		say(ck, false, "%s: %ld sealed values in all do not open", label, bad);
	if (!bad && rc == SQLITE_DONE)
		say(ck, true, "%s: %ld sealed values open", label, rows);
}

/* The kept earlier versions of a table's rows: bound as the row itself
 * is, so they are checked through the row. */
static void check_versions(struct check *ck, const char *table, enum bind bind)
{
	char sql[512], label[96];
	snprintf(label, sizeof label, "%s, earlier versions", table);
	if (bind == BIND_SURVIVOR)
		snprintf(sql, sizeof sql,
			 "SELECT t.seq, v.id, t.org_id, NULL, v.key_id, v.body FROM versions v "
			 "JOIN survivors t ON t.id = v.id WHERE v.tbl = 'survivors'");
	else
		snprintf(
		    sql, sizeof sql,
		    "SELECT t.seq, v.id, t.org_id, t.survivor_id, v.key_id, v.body FROM versions "
		    "v JOIN %s t ON t.id = v.id WHERE v.tbl = '%s'",
		    table, table);
	check_sealed(ck, label, table, bind, sql);
}

static void check_all_sealed(struct check *ck)
{
	check_sealed(ck, "survivors", "survivors", BIND_SURVIVOR,
		     "SELECT seq, id, org_id, NULL, key_id, body FROM survivors");
	check_versions(ck, "survivors", BIND_SURVIVOR);
	for (size_t i = 0; i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		char sql[256];
		snprintf(sql, sizeof sql,
			 "SELECT seq, id, org_id, survivor_id, key_id, body FROM %s", k->table);
		check_sealed(ck, k->table, k->table, BIND_ITEM, sql);
		check_versions(ck, k->table, BIND_ITEM);
	}
	check_sealed(ck, "safeguarding_shares", "safeguarding_shares", BIND_SHARE,
		     "SELECT seq, id, org_id, NULL, key_id, reason FROM safeguarding_shares");
	check_sealed(ck, "erasures", "erasures", BIND_ERASURE,
		     "SELECT seq, CAST(at AS TEXT), NULL, NULL, key_id, reason FROM erasures");
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

wm_err store_check(struct store *st, void (*sayfn)(void *ctx, bool ok, const char *line), void *ctx)
{
	struct conn *c;
	struct check ck = {.st = st, .keys = store_sqlite_keys(st), .say = sayfn, .ctx = ctx};
	ck.db = store_sqlite_acquire(st, &c);
	/* One snapshot of both files for everything below. */
	if (sqlite3_exec(ck.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		store_sqlite_release(st, c);
		return WM_ERR_IO;
	}
	check_file(&ck, "main", "database");
	check_file(&ck, "reads", "read-audit file");
	check_all_sealed(&ck);
	check_chain(&ck, "main.audit", "main.audit_head", "audit trail of changes");
	check_chain(&ck, "reads.read_audit", "reads.read_head", "audit trail of reads");
	sqlite3_exec(ck.db, "COMMIT", NULL, NULL, NULL);
	store_sqlite_release(st, c);
	return ck.failed ? WM_ERR_INVALID : WM_OK;
}
