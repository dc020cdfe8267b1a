/* Unit tests for the SQLite store: filters that fail closed, one indexed
 * statement per list shape, the compact audit trail (and its upgrade from
 * the old one), bulk-access detection. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "store/codec.h"
#include "store/migrations.h"
#include "store/sqlite.h"
#include "store/store.h"

#define AT "2026-11-22T14:05:00Z"

struct fixture {
	char dir[64];
	char db[96];
	struct keyring *keys;
	struct store *st;
	struct store_org org_a, org_b;
	struct store_user adv, mgr, other;
	char surv[6][STORE_ID_LEN]; /* 0-4 in org A, 5 in org B */
};

static void make_org(struct store *st, const char *name, struct store_org *o)
{
	memset(o, 0, sizeof *o);
	secret_new_id(o->id);
	snprintf(o->name, sizeof o->name, "%s", name);
	snprintf(o->kind, sizeof o->kind, "support_agency");
	snprintf(o->created_at, sizeof o->created_at, AT);
	snprintf(o->updated_at, sizeof o->updated_at, AT);
	struct store_account_event ev = {.at = AT, .action = "org.create", .fields = "name"};
	snprintf(ev.target_id, sizeof ev.target_id, "%s", o->id);
	assert_int_equal(store_org_create(st, o, &ev), WM_OK);
}

static void make_user(struct store *st, const char *name, enum role role, const char *org,
		      struct store_user *u)
{
	memset(u, 0, sizeof *u);
	secret_new_id(u->id);
	snprintf(u->username, sizeof u->username, "%s", name);
	snprintf(u->password_hash, sizeof u->password_hash, "x");
	snprintf(u->display_name, sizeof u->display_name, "%s", name);
	u->role = role;
	snprintf(u->org_id, sizeof u->org_id, "%s", org);
	snprintf(u->created_at, sizeof u->created_at, AT);
	snprintf(u->updated_at, sizeof u->updated_at, AT);
	struct store_account_event ev = {.at = AT, .action = "user.create", .fields = "role"};
	snprintf(ev.target_id, sizeof ev.target_id, "%s", u->id);
	assert_int_equal(store_user_create(st, u, &ev), WM_OK);
}

static void fill_audit(struct store_audit *a, const char *survivor, const struct store_user *u,
		       const char *action)
{
	memset(a, 0, sizeof *a);
	snprintf(a->at, sizeof a->at, AT);
	snprintf(a->survivor_id, sizeof a->survivor_id, "%s", survivor);
	snprintf(a->user_id, sizeof a->user_id, "%s", u->id);
	a->role = u->role;
	snprintf(a->org_id, sizeof a->org_id, "%s", u->org_id);
	snprintf(a->action, sizeof a->action, "%s", action);
	snprintf(a->route, sizeof a->route, "/api/v1/survivors/{id}");
}

static void make_survivor(struct fixture *f, int i, const char *org, const char *known,
			  const char *legal, const char *advocate, const char *status)
{
	struct store_survivor s = {0};
	secret_new_id(s.id);
	snprintf(s.org_id, sizeof s.org_id, "%s", org);
	snprintf(s.created_at, sizeof s.created_at, AT);
	snprintf(s.updated_at, sizeof s.updated_at, AT);
	s.body = json_pack("{s:s, s:s, s:s}", "known_as", known, "status", status,
			   "entered_service_on", "2026-10-01");
	if (legal)
		json_object_set_new(s.body, "legal_name", json_string(legal));
	if (advocate)
		json_object_set_new(s.body, "advocate_id", json_string(advocate));
	struct store_audit a;
	fill_audit(&a, s.id, &f->adv, "create");
	assert_int_equal(store_survivor_create(f->st, &s, &a), WM_OK);
	memcpy(f->surv[i], s.id, STORE_ID_LEN);
	store_survivor_clear(&s);
}

static void open_keys(struct fixture *f)
{
	snprintf(f->dir, sizeof f->dir, "/tmp/waymark-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/w.db", f->dir);
	char key[96], msg[256];
	snprintf(key, sizeof key, "%s/w.key", f->dir);
	assert_int_equal(keyring_create_file(key), WM_OK);
	assert_int_equal(keyring_load(key, &f->keys, msg, sizeof msg), WM_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	open_keys(f);
	char msg[256];
	assert_int_equal(store_open(f->db, f->keys, STORE_CREATE, 4, &f->st, msg, sizeof msg),
			 WM_OK);
	make_org(f->st, "Agency A", &f->org_a);
	make_org(f->st, "Agency B", &f->org_b);
	make_user(f->st, "adv", ROLE_ADVOCATE, f->org_a.id, &f->adv);
	make_user(f->st, "mgr", ROLE_MANAGER, f->org_a.id, &f->mgr);
	make_user(f->st, "other", ROLE_ADVOCATE, f->org_b.id, &f->other);
	make_survivor(f, 0, f->org_a.id, "Ardita", NULL, f->adv.id, "active");
	make_survivor(f, 1, f->org_a.id, "Blessing", "Ardita", f->adv.id, "closed");
	make_survivor(f, 2, f->org_a.id, "Chen", NULL, NULL, "active");
	make_survivor(f, 3, f->org_a.id, "Dara", NULL, f->mgr.id, "active");
	make_survivor(f, 4, f->org_a.id, "Ardita", "Ardita", f->adv.id, "active");
	make_survivor(f, 5, f->org_b.id, "Ardita", NULL, f->other.id, "active");
	*state = f;
	return 0;
}

static void remove_dir(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	keyring_free(f->keys);
	remove_dir(f->dir);
	free(f);
	return 0;
}

/* What a list returned: the ids, in order. */
struct seen {
	int n;
	char ids[8][STORE_ID_LEN];
};

static void collect(void *ctx, const struct store_survivor *s)
{
	struct seen *seen = ctx;
	assert_true(seen->n < 8);
	memcpy(seen->ids[seen->n++], s->id, STORE_ID_LEN);
}

static wm_err list(struct fixture *f, const struct store_survivor_filter *flt, struct seen *seen)
{
	memset(seen, 0, sizeof *seen);
	bool more;
	return store_survivor_list(f->st, flt, 0, STORE_LIST_MAX, collect, seen, &more);
}

static void a_filter_without_an_organisation_matches_nothing(void **state)
{
	struct fixture *f = *state;
	struct seen seen;
	struct store_survivor_filter none = {0};
	assert_int_equal(list(f, &none, &seen), WM_ERR_INVALID);
	assert_int_equal(seen.n, 0);
	/* "" is no organisation, never "any". */
	struct store_survivor_filter empty = {.org_id = ""};
	assert_int_equal(list(f, &empty, &seen), WM_ERR_INVALID);
	assert_int_equal(seen.n, 0);
	struct store_survivor_filter adv_only = {.advocate_id = f->other.id, .status = "active"};
	assert_int_equal(list(f, &adv_only, &seen), WM_ERR_INVALID);
	assert_int_equal(seen.n, 0);

	struct store_survivor s;
	assert_int_equal(store_survivor_get(f->st, f->surv[5], &none, &s), WM_ERR_INVALID);
	assert_null(s.body);
	assert_int_equal(store_survivor_get(f->st, f->surv[5], &empty, &s), WM_ERR_INVALID);
	/* Another organisation's record is not found, and not read. */
	struct store_survivor_filter a = {.org_id = f->org_a.id};
	assert_int_equal(store_survivor_get(f->st, f->surv[5], &a, &s), WM_ERR_NOT_FOUND);
	assert_int_equal(store_survivor_get(f->st, f->surv[0], &a, &s), WM_OK);
	assert_string_equal(s.id, f->surv[0]);
	store_survivor_clear(&s);
}

static void shared_reaches_nothing_until_consents_exist(void **state)
{
	struct fixture *f = *state;
	struct seen seen;
	struct store_survivor_filter shared = {.shared_with_org_id = f->org_b.id};
	assert_int_equal(list(f, &shared, &seen), WM_OK);
	assert_int_equal(seen.n, 0);
	struct store_survivor s;
	assert_int_equal(store_survivor_get(f->st, f->surv[0], &shared, &s), WM_ERR_NOT_FOUND);
}

static void only_an_explicit_all_reaches_every_organisation(void **state)
{
	struct fixture *f = *state;
	struct seen seen;
	struct store_survivor_filter all = {.all_orgs = true};
	assert_int_equal(list(f, &all, &seen), WM_OK);
	assert_int_equal(seen.n, 6);
	struct store_survivor_filter all_named = {.all_orgs = true, .name = "ardita"};
	assert_int_equal(list(f, &all_named, &seen), WM_OK);
	assert_int_equal(seen.n, 4); /* 0, 1 (legal name), 4 (both names: once), 5 */
	struct store_survivor s;
	assert_int_equal(store_survivor_get(f->st, f->surv[5], &all, &s), WM_OK);
	store_survivor_clear(&s);
}

static void every_filter_shape_answers_in_seq_order(void **state)
{
	struct fixture *f = *state;
	struct seen seen;
	struct store_survivor_filter flt = {.org_id = f->org_a.id};
	assert_int_equal(list(f, &flt, &seen), WM_OK);
	assert_int_equal(seen.n, 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal(seen.ids[i], f->surv[i]);
	flt.advocate_id = f->adv.id;
	assert_int_equal(list(f, &flt, &seen), WM_OK);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.ids[0], f->surv[0]);
	assert_string_equal(seen.ids[2], f->surv[4]);
	flt.status = "active";
	assert_int_equal(list(f, &flt, &seen), WM_OK);
	assert_int_equal(seen.n, 2);
	flt.advocate_id = NULL;
	assert_int_equal(list(f, &flt, &seen), WM_OK);
	assert_int_equal(seen.n, 4);
	flt.status = NULL;
	flt.name = "  ARDITA ";
	assert_int_equal(list(f, &flt, &seen), WM_OK);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.ids[0], f->surv[0]);
	assert_string_equal(seen.ids[1], f->surv[1]);
	assert_string_equal(seen.ids[2], f->surv[4]);
	flt.status = "closed";
	assert_int_equal(list(f, &flt, &seen), WM_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.ids[0], f->surv[1]);
	flt.advocate_id = f->mgr.id;
	assert_int_equal(list(f, &flt, &seen), WM_OK);
	assert_int_equal(seen.n, 0);
	/* Paging: after the first, in order. */
	struct store_survivor_filter page = {.org_id = f->org_a.id};
	memset(&seen, 0, sizeof seen);
	bool more;
	assert_int_equal(store_survivor_list(f->st, &page, 0, 2, collect, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 2);
	assert_true(more);
}

static void every_list_shape_reads_an_index_without_sorting(void **state)
{
	struct fixture *f = *state;
	for (int shape = 0; shape < STORE_SHAPES; shape++) {
		char plan[2048];
		assert_int_equal(store_sqlite_list_plan(f->st, shape, plan, sizeof plan), WM_OK);
		print_message("shape %d:\n%s", shape, plan);
		assert_null(strstr(plan, "TEMP B-TREE"));
		if (shape & STORE_SHAPE_ALL_ORGS)
			continue; /* every organisation: the table itself is in seq order */
		/* Within one organisation, every step searches an index. */
		for (const char *line = plan; *line; line = strchr(line, '\n') + 1) {
			if (strncmp(line, "SEARCH", 6) != 0 && strncmp(line, "SCAN", 4) != 0)
				continue;
			assert_int_equal(strncmp(line, "SEARCH", 6), 0);
			assert_non_null(strstr(line, "INDEX"));
		}
		assert_non_null(strstr(plan, "SEARCH"));
	}
}

/* Waits for asynchronous audit appends through store_audit_drain. */
static void on_done(void *ctx, wm_err e)
{
	wm_err *out = ctx;
	*out = e;
}

static void append_reads(struct fixture *f, const struct store_user *u, int first, int count)
{
	struct store_audit a[6];
	for (int i = 0; i < count; i++)
		fill_audit(&a[i], f->surv[first + i], u, "read");
	wm_err result = WM_ERR_IO;
	assert_int_equal(store_audit_append_async(f->st, a, (size_t)count, on_done, &result),
			 WM_OK);
	store_audit_drain(f->st); /* from here on, appends commit before returning */
	assert_int_equal(result, WM_OK);
}

struct events {
	int n;
	struct store_bulk_access last;
};

static void collect_event(void *ctx, const struct store_bulk_access *b)
{
	struct events *ev = ctx;
	ev->n++;
	ev->last = *b;
}

static void bulk_reading_is_flagged_for_the_accounts_organisation(void **state)
{
	struct fixture *f = *state;
	struct events ev = {0};
	bool more;
	/* Default threshold (at least 100): five reads flag nobody. */
	append_reads(f, &f->adv, 0, 5);
	assert_int_equal(
	    store_bulk_access_list(f->st, f->org_a.id, 0, 50, collect_event, &ev, &more), WM_OK);
	assert_int_equal(ev.n, 0);

	store_set_bulk_threshold(f->st, 3);
	append_reads(f, &f->mgr, 0, 3); /* three: not more than the threshold */
	assert_int_equal(
	    store_bulk_access_list(f->st, f->org_a.id, 0, 50, collect_event, &ev, &more), WM_OK);
	assert_int_equal(ev.n, 0);
	append_reads(f, &f->mgr, 0, 3);	  /* the same three again: still three distinct */
	append_reads(f, &f->adv, 0, 1);	  /* adv had five already: flagged */
	append_reads(f, &f->mgr, 3, 2);	  /* five distinct: flagged */
	append_reads(f, &f->other, 5, 1); /* org B: one, not flagged */
	assert_int_equal(
	    store_bulk_access_list(f->st, f->org_a.id, 0, 50, collect_event, &ev, &more), WM_OK);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.last.user_id, f->adv.id); /* oldest last */
	assert_int_equal(ev.last.role, ROLE_ADVOCATE);
	assert_string_equal(ev.last.org_id, f->org_a.id);
	assert_int_equal(ev.last.distinct_survivors, 5);
	assert_int_equal(ev.last.threshold, 3);
	assert_string_equal(ev.last.window_end, AT);
	assert_string_equal(ev.last.detected_at, AT);
	assert_string_equal(ev.last.window_start, "2026-11-22T13:05:00Z");
	/* Further reads update the open event instead of adding one. */
	append_reads(f, &f->mgr, 0, 5);
	memset(&ev, 0, sizeof ev);
	assert_int_equal(
	    store_bulk_access_list(f->st, f->org_a.id, 0, 50, collect_event, &ev, &more), WM_OK);
	assert_int_equal(ev.n, 2);
	/* Organisations see only their own accounts; none is no organisation. */
	memset(&ev, 0, sizeof ev);
	assert_int_equal(
	    store_bulk_access_list(f->st, f->org_b.id, 0, 50, collect_event, &ev, &more), WM_OK);
	assert_int_equal(ev.n, 0);
	assert_int_equal(store_bulk_access_list(f->st, "", 0, 50, collect_event, &ev, &more),
			 WM_ERR_INVALID);
	assert_int_equal(ev.n, 0);
}

struct entries {
	int n;
	struct store_audit e[8];
};

static void collect_entry(void *ctx, const struct store_audit *a)
{
	struct entries *l = ctx;
	assert_true(l->n < 8);
	l->e[l->n++] = *a;
}

static void the_access_log_reads_back_what_was_written(void **state)
{
	struct fixture *f = *state;
	append_reads(f, &f->mgr, 2, 1);
	struct entries l = {0};
	bool more;
	assert_int_equal(store_access_log(f->st, f->surv[2], 0, 50, collect_entry, &l, &more),
			 WM_OK);
	assert_int_equal(l.n, 2); /* the read, then the creation */
	assert_string_equal(l.e[0].action, "read");
	assert_string_equal(l.e[0].user_id, f->mgr.id);
	assert_int_equal(l.e[0].role, ROLE_MANAGER);
	assert_string_equal(l.e[0].org_id, f->org_a.id);
	assert_string_equal(l.e[0].route, "/api/v1/survivors/{id}");
	assert_string_equal(l.e[0].at, AT);
	assert_string_equal(l.e[1].action, "create");
	assert_true(l.e[0].seq > l.e[1].seq);
	/* Paging backwards from the newest. */
	memset(&l, 0, sizeof l);
	assert_int_equal(store_access_log(f->st, f->surv[2], 0, 1, collect_entry, &l, &more),
			 WM_OK);
	assert_true(more);
	int64_t before = l.e[0].seq;
	assert_int_equal(store_access_log(f->st, f->surv[2], before, 1, collect_entry, &l, &more),
			 WM_OK);
	assert_false(more);
	assert_string_equal(l.e[1].action, "create");
}

/* ---- the read-audit file (<db>-reads) ---- */

static void exec_ok(sqlite3 *db, const char *sql);

/* An integer from a query on the file at path (its own connection). */
static long long file_int(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void reads_path(const struct fixture *f, char *out, size_t cap)
{
	snprintf(out, cap, "%s-reads", f->db);
}

/* The commits of reads' entries never change the database file, so the
 * connections that read records keep their page caches; a change does. */
static void reads_are_audited_in_their_own_file(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db; /* a reader of the database, as a pooled connection is */
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *version;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &version, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(version), SQLITE_ROW);
	long long before = sqlite3_column_int64(version, 0);
	sqlite3_reset(version);
	char reads[128];
	reads_path(f, reads, sizeof reads);
	long long entries = file_int(reads, "SELECT count(*) FROM read_audit");
	append_reads(f, &f->mgr, 0, 5);
	assert_int_equal(file_int(reads, "SELECT count(*) FROM read_audit"), entries + 5);
	assert_int_equal(sqlite3_step(version), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(version, 0), before); /* unchanged */
	sqlite3_reset(version);
	make_survivor(f, 0, f->org_a.id, "Esi", NULL, NULL, "active"); /* a change */
	assert_int_equal(sqlite3_step(version), SQLITE_ROW);
	assert_true(sqlite3_column_int64(version, 0) != before);
	sqlite3_finalize(version);
	sqlite3_close(db);
	/* Entries of changes are in the database, beside the change. */
	assert_int_equal(file_int(f->db, "SELECT count(*) FROM audit"), 7);
	assert_int_equal(file_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name IN "
					 "('recent_reads', 'bulk_access')"),
			 0);
}

/* The access log interleaves both trails in the order things happened,
 * and pages through them. */
static void the_access_log_merges_reads_and_changes(void **state)
{
	struct fixture *f = *state;
	append_reads(f, &f->mgr, 0, 1);
	struct store_survivor_filter vis = {.org_id = f->org_a.id};
	struct store_survivor s;
	assert_int_equal(store_survivor_get(f->st, f->surv[0], &vis, &s), WM_OK);
	struct store_audit a;
	fill_audit(&a, f->surv[0], &f->adv, "update");
	assert_int_equal(store_survivor_update(f->st, &s, 1, &a), WM_OK);
	store_survivor_clear(&s);
	append_reads(f, &f->adv, 0, 1);
	static const char *const want[] = {"read", "update", "read", "create"};
	struct entries l = {0};
	bool more;
	assert_int_equal(store_access_log(f->st, f->surv[0], 0, 50, collect_entry, &l, &more),
			 WM_OK);
	assert_int_equal(l.n, 4);
	assert_false(more);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(l.e[i].action, want[i]);
		if (i)
			assert_true(l.e[i].seq < l.e[i - 1].seq);
	}
	assert_string_equal(l.e[0].user_id, f->adv.id);
	assert_string_equal(l.e[0].route, "/api/v1/survivors/{id}");
	/* One at a time, each page from where the last one stopped. */
	int64_t before = 0;
	for (int i = 0; i < 4; i++) {
		memset(&l, 0, sizeof l);
		assert_int_equal(
		    store_access_log(f->st, f->surv[0], before, 1, collect_entry, &l, &more),
		    WM_OK);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.e[0].action, want[i]);
		assert_true(more == (i < 3));
		before = l.e[0].seq;
	}
}

/* What store_check said, for the tests. */
struct said {
	int ok, failed;
	char last_failed[512];
};

static void collect_line(void *ctx, bool ok, const char *line)
{
	struct said *s = ctx;
	if (ok) {
		s->ok++;
	} else {
		s->failed++;
		snprintf(s->last_failed, sizeof s->last_failed, "%s", line);
	}
}

/* Erasure keeps a survivor's audit entries (the chain must stay whole; the
 * number they name the survivor by leads to no one once the record is gone)
 * and removes their read counts; an erasure that a crash stopped between
 * the two files' commits is finished at the next start. */
static void erasure_reaches_the_read_audit_file(void **state)
{
	struct fixture *f = *state;
	append_reads(f, &f->mgr, 1, 1); /* surv[1] is closed */
	append_reads(f, &f->mgr, 0, 1);
	char reads[128];
	reads_path(f, reads, sizeof reads);
	assert_int_equal(file_int(reads, "SELECT count(*) FROM read_audit"), 2);
	assert_int_equal(file_int(reads, "SELECT count(*) FROM recent_reads"), 2);
	assert_int_equal(store_survivor_erase(f->st, f->surv[0], 1, "ops", "asked"),
			 WM_ERR_CONFLICT); /* active: refused, and nothing left behind */
	assert_int_equal(file_int(reads, "SELECT count(*) FROM erasing"), 0);
	assert_int_equal(store_survivor_erase(f->st, f->surv[1], 1, "ops", "asked"), WM_OK);
	assert_int_equal(file_int(reads, "SELECT count(*) FROM read_audit"), 2);
	assert_int_equal(file_int(reads, "SELECT count(*) FROM recent_reads"), 1);
	assert_int_equal(file_int(reads, "SELECT count(*) FROM erasing"), 0);
	struct said said = {0};
	assert_int_equal(store_check(f->st, collect_line, &said), WM_OK);

	/* As a crash would leave it: the survivor gone from the database, their
	 * read counts and the mark still in the read-audit file. */
	store_close(f->st);
	f->st = NULL;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(reads, &db), SQLITE_OK);
	exec_ok(db, "INSERT INTO recent_reads VALUES (1, 999, 1);"
		    "INSERT INTO erasing VALUES (999), (1);");
	sqlite3_close(db);
	char msg[256];
	assert_int_equal(store_open(f->db, f->keys, STORE_OPEN, 4, &f->st, msg, sizeof msg), WM_OK);
	assert_int_equal(
	    file_int(reads, "SELECT count(*) FROM recent_reads WHERE survivor_seq = 999"), 0);
	/* A mark whose survivor is still there (an erasure not committed)
	 * leaves the survivor's counts alone. */
	assert_int_equal(
	    file_int(reads, "SELECT count(*) FROM recent_reads WHERE survivor_seq = 1"), 1);
	assert_int_equal(file_int(reads, "SELECT group_concat(survivor_seq) FROM erasing"), 1);
}

/* Runs sql on the database file (or its read-audit file) behind the store's
 * back, as someone with the files but not the key would. */
static void tamper(struct fixture *f, bool reads_file, const char *sql)
{
	char path[128];
	if (reads_file)
		reads_path(f, path, sizeof path);
	else
		snprintf(path, sizeof path, "%s", f->db);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	exec_ok(db, sql);
	sqlite3_close(db);
}

/* The audit chain: check holds on an honest trail and names the entry where
 * a changed, removed, inserted or cut entry breaks it, in either file. */
static void the_audit_chain_shows_tampering(void **state)
{
	struct fixture *f = *state;
	append_reads(f, &f->mgr, 0, 3);
	struct said s = {0};
	assert_int_equal(store_check(f->st, collect_line, &s), WM_OK);
	assert_int_equal(s.failed, 0);
	assert_true(s.ok > 3);
	static const struct {
		bool reads;
		const char *sql;
		const char *says;
	} cases[] = {
	    {false, "UPDATE audit SET at = at + 1 WHERE seq = (SELECT min(seq) FROM audit)",
	     "chain breaks at entry seq"},
	    {true,
	     "UPDATE read_audit SET user_seq = user_seq + 1 WHERE seq = (SELECT min(seq) "
	     "FROM read_audit)",
	     "chain breaks at entry seq"},
	    {true, "DELETE FROM read_audit WHERE seq = (SELECT min(seq) FROM read_audit)",
	     "chain breaks at entry seq"},
	    {true, "DELETE FROM read_audit WHERE seq = (SELECT max(seq) FROM read_audit)",
	     "entries were removed from its end"},
	    {false,
	     "DROP TRIGGER audit_head_after_insert; INSERT INTO audit SELECT seq + 1, at, "
	     "survivor_seq, user_seq, org_seq, role, action, route, mac FROM audit WHERE seq = "
	     "(SELECT min(seq) FROM audit)",
	     "chain breaks at entry seq"},
	};
	char db_copy[160], reads_copy[160], reads[128];
	reads_path(f, reads, sizeof reads);
	snprintf(db_copy, sizeof db_copy, "%s.keep", f->db);
	snprintf(reads_copy, sizeof reads_copy, "%s.keep", reads);
	store_close(f->st);
	f->st = NULL;
	tamper(f, false, "PRAGMA wal_checkpoint(TRUNCATE)");
	tamper(f, true, "PRAGMA wal_checkpoint(TRUNCATE)");
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp '%s' '%s'", f->db, db_copy, reads,
		 reads_copy);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp '%s' '%s'", db_copy, f->db,
			 reads_copy, reads);
		assert_int_equal(system(cmd), 0);
		tamper(f, cases[i].reads, cases[i].sql);
		char msg[256];
		assert_int_equal(store_open(f->db, f->keys, STORE_OPEN, 2, &f->st, msg, sizeof msg),
				 WM_OK);
		memset(&s, 0, sizeof s);
		assert_int_equal(store_check(f->st, collect_line, &s), WM_ERR_INVALID);
		assert_int_equal(s.failed, 1);
		if (!strstr(s.last_failed, cases[i].says))
			fail_msg("case %zu said: %s", i, s.last_failed);
		store_close(f->st);
		f->st = NULL;
	}
	/* A sealed value moved or changed no longer opens. */
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp '%s' '%s'", db_copy, f->db, reads_copy,
		 reads);
	assert_int_equal(system(cmd), 0);
	tamper(f, false,
	       "UPDATE survivors SET body = (SELECT body FROM survivors ORDER BY seq "
	       "DESC LIMIT 1) WHERE seq = (SELECT min(seq) FROM survivors)");
	char msg[256];
	assert_int_equal(store_open(f->db, f->keys, STORE_OPEN, 2, &f->st, msg, sizeof msg), WM_OK);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_check(f->st, collect_line, &s), WM_ERR_INVALID);
	assert_non_null(strstr(s.last_failed, "does not open"));
}

/* A trail from before the chain (schema 020) is linked when the database
 * is first opened by this version, and holds from then on. */
static void an_older_trail_is_linked_at_open(void **state)
{
	struct fixture *f = *state;
	append_reads(f, &f->mgr, 0, 3);
	store_close(f->st);
	f->st = NULL;
	tamper(f, false, "UPDATE audit SET mac = NULL; DELETE FROM audit_head");
	tamper(f, true, "UPDATE read_audit SET mac = NULL; DELETE FROM read_head");
	char msg[256];
	assert_int_equal(store_open(f->db, f->keys, STORE_OPEN, 2, &f->st, msg, sizeof msg), WM_OK);
	assert_int_equal(file_int(f->db, "SELECT count(*) FROM audit WHERE mac IS NULL"), 0);
	struct said s = {0};
	assert_int_equal(store_check(f->st, collect_line, &s), WM_OK);
	append_reads(f, &f->mgr, 0, 2);
	assert_int_equal(store_check(f->st, collect_line, &s), WM_OK);
	assert_int_equal(s.failed, 0);
}

/* A database from before the read-audit file (schema 016) keeps its
 * bulk-access events and recent reads: moved into the new file. */
static void an_older_database_moves_its_detection_state(void **state)
{
	struct fixture *f = *state;
	store_set_bulk_threshold(f->st, 2);
	append_reads(f, &f->mgr, 0, 4); /* flagged */
	store_close(f->st);
	f->st = NULL;
	/* Back to how 016 left it: the tables in the database, no file. */
	char reads[128];
	reads_path(f, reads, sizeof reads);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	char sql[512];
	snprintf(sql, sizeof sql, "ATTACH '%s' AS r;", reads);
	exec_ok(db, sql);
	exec_ok(db, "CREATE TABLE main.recent_reads AS SELECT * FROM r.recent_reads;"
		    "CREATE TABLE main.bulk_access AS SELECT * FROM r.bulk_access;"
		    "ALTER TABLE users DROP COLUMN privacy_mode;" /* 018 undone too */
		    "DROP TABLE two_factor_recovery; DROP TABLE two_factor;"
		    "DROP TABLE org_two_factor;" /* 019 */
		    "DROP TRIGGER audit_head_after_insert; DROP TABLE audit_head;"
		    "ALTER TABLE audit DROP COLUMN mac;" /* and 020 */
		    "DROP TABLE calendar_feeds;"	 /* 022 */
		    "DROP TABLE org_documents;"		 /* 023 */
		    "DROP TABLE import_refs;"		 /* 024 */
		    "DELETE FROM schema_migrations WHERE version >= 17;"
		    "DETACH r;");
	sqlite3_close(db);
	for (int i = 0; i < 3; i++) {
		static const char *const ext[] = {"", "-wal", "-shm"};
		snprintf(sql, sizeof sql, "%s%s", reads, ext[i]);
		unlink(sql);
	}
	char msg[256];
	assert_int_equal(store_open(f->db, f->keys, STORE_OPEN, 4, &f->st, msg, sizeof msg), WM_OK);
	assert_int_equal(store_schema_version(f->st), store_schema_latest());
	struct events ev = {0};
	bool more;
	assert_int_equal(
	    store_bulk_access_list(f->st, f->org_a.id, 0, 50, collect_event, &ev, &more), WM_OK);
	assert_int_equal(ev.n, 1);
	assert_int_equal(ev.last.distinct_survivors, 4);
	assert_int_equal(file_int(reads, "SELECT count(*) FROM recent_reads"), 4);
	assert_int_equal(file_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name IN "
					 "('recent_reads', 'bulk_access')"),
			 0);
}

/* ---- upgrading a database made by schema 2 ---- */

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	assert_int_equal(rc, SQLITE_OK);
}

/* A database as waymark made it at schema version 2, with audit rows in the
 * old text form (the last one's role as given). */
static void make_v2_database(struct fixture *f, const char *last_role)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	exec_ok(db, "PRAGMA journal_mode = WAL");
	exec_ok(db,
		"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
		"NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sqlite_migrations[i].version, i + 1);
		exec_ok(db, sqlite_migrations[i].sql);
		char sql[128];
		snprintf(sql, sizeof sql,
			 "INSERT INTO schema_migrations(version, name) VALUES (%d, '%s')", i + 1,
			 sqlite_migrations[i].name);
		exec_ok(db, sql);
	}
	unsigned char *check;
	size_t len;
	assert_int_equal(codec_key_check_make(f->keys, &check, &len), WM_OK);
	sqlite3_stmt *s;
	assert_int_equal(
	    sqlite3_prepare_v2(db, "INSERT INTO meta VALUES ('key_check', ?1)", -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_blob(s, 1, check, (int)len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	free(check);
	exec_ok(db, "INSERT INTO orgs(id, name, name_key, kind, created_at, updated_at) VALUES "
		    "('0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a', 'A', 'a', 'support_agency', '" AT
		    "', '" AT "')");
	exec_ok(db,
		"INSERT INTO users(id, username, password_hash, display_name, role, org_id, "
		"created_at, updated_at) VALUES ('1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b', 'mgr', 'x', "
		"'M', 'manager', '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a', '" AT "', '" AT "'), "
		"('2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c', 'root', 'x', 'R', 'admin', NULL, '" AT
		"', '" AT "')");
	exec_ok(db, "INSERT INTO survivors(id, org_id, status, entered_service_on, known_as_idx, "
		    "key_id, body, created_at, updated_at) VALUES "
		    "('3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d', '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a', "
		    "'active', '2026-10-01', x'00', 1, x'00', '" AT "', '" AT "')");
	char sql[1024];
	snprintf(
	    sql, sizeof sql,
	    "INSERT INTO audit(at, survivor_id, user_id, role, org_id, action, route) VALUES "
	    "('2026-11-01T09:00:00Z', '3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d', "
	    "'1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b', 'manager', '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a', "
	    "'create', '/api/v1/survivors'), "
	    "('2026-11-02T10:30:15Z', '3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d', "
	    "'1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b', 'manager', '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a', "
	    "'read', '/api/v1/survivors/{id}/access-log'), "
	    "('2026-11-03T23:59:59Z', '3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d', "
	    "'2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c', '%s', NULL, 'update', '/api/v1/survivors/{id}')",
	    last_role);
	exec_ok(db, sql);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void a_schema_2_database_upgrades_with_its_audit_entries(void **state)
{
	(void)state;
	struct fixture f = {0};
	open_keys(&f);
	make_v2_database(&f, "admin");
	char msg[256];
	assert_int_equal(store_open(f.db, f.keys, STORE_OPEN, 2, &f.st, msg, sizeof msg), WM_OK);
	assert_int_equal(store_schema_version(f.st), store_schema_latest());
	struct entries l = {0};
	bool more;
	assert_int_equal(store_access_log(f.st, "3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d", 0, 50,
					  collect_entry, &l, &more),
			 WM_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.e[0].seq, 3);
	assert_string_equal(l.e[0].at, "2026-11-03T23:59:59Z");
	assert_string_equal(l.e[0].user_id, "2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c");
	assert_int_equal(l.e[0].role, ROLE_ADMIN);
	assert_string_equal(l.e[0].org_id, "");
	assert_string_equal(l.e[0].action, "update");
	assert_string_equal(l.e[0].route, "/api/v1/survivors/{id}");
	assert_int_equal(l.e[1].seq, 2);
	assert_string_equal(l.e[1].at, "2026-11-02T10:30:15Z");
	assert_string_equal(l.e[1].user_id, "1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b");
	assert_int_equal(l.e[1].role, ROLE_MANAGER);
	assert_string_equal(l.e[1].org_id, "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a");
	assert_string_equal(l.e[1].action, "read");
	assert_string_equal(l.e[1].route, "/api/v1/survivors/{id}/access-log");
	assert_int_equal(l.e[2].seq, 1);
	assert_string_equal(l.e[2].at, "2026-11-01T09:00:00Z");
	assert_string_equal(l.e[2].action, "create");
	assert_string_equal(l.e[2].route, "/api/v1/survivors");

	/* New entries follow the old ones (a read's entry is in the read-audit
	 * file, its seq from the clock: past every older one). */
	struct store_user mgr = {.role = ROLE_MANAGER};
	snprintf(mgr.id, sizeof mgr.id, "1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b");
	snprintf(mgr.org_id, sizeof mgr.org_id, "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a");
	struct store_audit a;
	fill_audit(&a, "3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d", &mgr, "read");
	wm_err result = WM_ERR_IO;
	assert_int_equal(store_audit_append_async(f.st, &a, 1, on_done, &result), WM_OK);
	store_audit_drain(f.st);
	assert_int_equal(result, WM_OK);
	memset(&l, 0, sizeof l);
	assert_int_equal(store_access_log(f.st, "3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d", 0, 1,
					  collect_entry, &l, &more),
			 WM_OK);
	assert_true(l.e[0].seq > 3);
	assert_string_equal(l.e[0].action, "read");
	assert_true(more);
	store_close(f.st);
	keyring_free(f.keys);
	remove_dir(f.dir);
}

static void an_entry_that_cannot_be_converted_stops_the_upgrade(void **state)
{
	(void)state;
	struct fixture f = {0};
	open_keys(&f);
	make_v2_database(&f, "superuser");
	char msg[256];
	assert_int_not_equal(store_open(f.db, f.keys, STORE_OPEN, 2, &f.st, msg, sizeof msg),
			     WM_OK);
	assert_non_null(strstr(msg, "003_compact_audit"));
	/* Nothing was lost: the old trail is still there, whole. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f.db, &db), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*) FROM audit WHERE survivor_id <> ''",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 3);
	sqlite3_finalize(s);
	sqlite3_close(db);
	keyring_free(f.keys);
	remove_dir(f.dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(a_filter_without_an_organisation_matches_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(shared_reaches_nothing_until_consents_exist, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(only_an_explicit_all_reaches_every_organisation, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(every_filter_shape_answers_in_seq_order, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(every_list_shape_reads_an_index_without_sorting, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(bulk_reading_is_flagged_for_the_accounts_organisation,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(the_access_log_reads_back_what_was_written, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(reads_are_audited_in_their_own_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_access_log_merges_reads_and_changes, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(erasure_reaches_the_read_audit_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_audit_chain_shows_tampering, setup, teardown),
	    cmocka_unit_test_setup_teardown(an_older_trail_is_linked_at_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(an_older_database_moves_its_detection_state, setup,
					    teardown),
	    cmocka_unit_test(a_schema_2_database_upgrades_with_its_audit_entries),
	    cmocka_unit_test(an_entry_that_cannot_be_converted_stops_the_upgrade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
