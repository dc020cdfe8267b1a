/* Unit tests for the generic items of the SQLite store (store_item_*): a
 * round trip, plain columns that hold typed values in step with the sealed
 * body, stale versions, one item per survivor, filters that fail closed,
 * bodies that do not open away from their row, statements prepared once.
 * The kinds are the test's own, with tables made here as migration 011
 * makes them for the real ones. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "domain/date.h"
#include "store/sqlite.h"
#include "store/store.h"

#define AT    "2026-11-22T14:05:00Z"
#define LATER "2026-11-23T09:00:00Z"
/* In a sealed field only: must never be found in the database file. */
#define MARKER "Clinic-at-27-Sealed-Road"

static const struct kind_column visit_cols[] = {
    {"visited_on", "visited_on", COLUMN_DAY},
    {"starts_at", "starts_at", COLUMN_INSTANT},
    {"interpreter.provided", "interpreter_provided", COLUMN_FLAG},
    {"minutes", "minutes", COLUMN_INT},
    {"status", "status", COLUMN_CODE},
    {"clinic_id", "clinic_id", COLUMN_ID},
    {"interpreter.language", "interpreter_language", COLUMN_TEXT},
};
static const struct kind visits = {
    .name = "test/visits",
    .table = "test_visits",
    .shape = KIND_LIST,
    .columns = visit_cols,
    .ncolumns = sizeof visit_cols / sizeof visit_cols[0],
};

static const struct kind_column profile_cols[] = {{"since", "since", COLUMN_DAY}};
static const struct kind profile = {
    .name = "test_profile",
    .table = "test_profile",
    .shape = KIND_ONE,
    .columns = profile_cols,
    .ncolumns = 1,
};

static const char tables_sql[] =
    "CREATE TABLE test_visits (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
    "survivor_id TEXT NOT NULL REFERENCES survivors(id), org_id TEXT NOT NULL, "
    "version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
    "key_id INTEGER NOT NULL, body BLOB NOT NULL, visited_on INTEGER, starts_at INTEGER, "
    "interpreter_provided INTEGER, minutes INTEGER, status TEXT, clinic_id TEXT, "
    "interpreter_language TEXT);"
    "CREATE INDEX test_visits_survivor ON test_visits(survivor_id, seq);"
    "CREATE TABLE test_profile (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
    "survivor_id TEXT NOT NULL REFERENCES survivors(id), org_id TEXT NOT NULL, "
    "version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
    "key_id INTEGER NOT NULL, body BLOB NOT NULL, since INTEGER);"
    "CREATE UNIQUE INDEX test_profile_survivor ON test_profile(survivor_id);";

struct fixture {
	char dir[64];
	char db[96];
	struct keyring *keys;
	struct store *st;
	char org_a[STORE_ID_LEN], org_b[STORE_ID_LEN];
	struct store_user adv;
	char surv[3][STORE_ID_LEN]; /* 0, 1 in org A; 2 in org B */
};

static void make_org(struct store *st, const char *name, char id[STORE_ID_LEN])
{
	struct store_org o = {0};
	secret_new_id(o.id);
	snprintf(o.name, sizeof o.name, "%s", name);
	snprintf(o.kind, sizeof o.kind, "support_agency");
	snprintf(o.created_at, sizeof o.created_at, AT);
	snprintf(o.updated_at, sizeof o.updated_at, AT);
	struct store_account_event ev = {.at = AT, .action = "org.create", .fields = "name"};
	snprintf(ev.target_id, sizeof ev.target_id, "%s", o.id);
	assert_int_equal(store_org_create(st, &o, &ev), WM_OK);
	memcpy(id, o.id, STORE_ID_LEN);
}

static void fill_audit(struct store_audit *a, const struct fixture *f, const char *survivor,
		       const char *action)
{
	memset(a, 0, sizeof *a);
	snprintf(a->at, sizeof a->at, AT);
	snprintf(a->survivor_id, sizeof a->survivor_id, "%s", survivor);
	snprintf(a->user_id, sizeof a->user_id, "%s", f->adv.id);
	a->role = f->adv.role;
	snprintf(a->org_id, sizeof a->org_id, "%s", f->adv.org_id);
	snprintf(a->action, sizeof a->action, "%s", action);
	snprintf(a->route, sizeof a->route, "/api/v1/survivors/{id}/test/visits");
}

static void make_survivor(struct fixture *f, int i, const char *org)
{
	struct store_survivor s = {0};
	secret_new_id(s.id);
	snprintf(s.org_id, sizeof s.org_id, "%s", org);
	snprintf(s.created_at, sizeof s.created_at, AT);
	snprintf(s.updated_at, sizeof s.updated_at, AT);
	s.body = json_pack("{s:s, s:s, s:s}", "known_as", "Ardita", "status", "active",
			   "entered_service_on", "2026-10-01");
	struct store_audit a;
	fill_audit(&a, f, s.id, "create");
	assert_int_equal(store_survivor_create(f->st, &s, &a), WM_OK);
	memcpy(f->surv[i], s.id, STORE_ID_LEN);
	store_survivor_clear(&s);
}

/* A plain connection to the database file, as an attacker with a copy of
 * it (or a report in SQL) would have. */
static sqlite3 *raw(const struct fixture *f)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static void raw_exec(const struct fixture *f, const char *sql)
{
	sqlite3 *db = raw(f);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s\n", err ? err : "?");
	sqlite3_free(err);
	assert_int_equal(rc, SQLITE_OK);
	sqlite3_close(db);
}

static void open_store(struct fixture *f, enum store_mode mode)
{
	char msg[256];
	/* One connection: the statement cache is then one to count. */
	assert_int_equal(store_open(f->db, f->keys, mode, 1, &f->st, msg, sizeof msg), WM_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/waymark-items-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/w.db", f->dir);
	char key[96], msg[256];
	snprintf(key, sizeof key, "%s/w.key", f->dir);
	assert_int_equal(keyring_create_file(key), WM_OK);
	assert_int_equal(keyring_load(key, &f->keys, msg, sizeof msg), WM_OK);
	open_store(f, STORE_CREATE);
	raw_exec(f, tables_sql);
	make_org(f->st, "Agency A", f->org_a);
	make_org(f->st, "Agency B", f->org_b);
	struct store_user *u = &f->adv;
	secret_new_id(u->id);
	snprintf(u->username, sizeof u->username, "adv");
	snprintf(u->password_hash, sizeof u->password_hash, "x");
	snprintf(u->display_name, sizeof u->display_name, "adv");
	u->role = ROLE_ADVOCATE;
	snprintf(u->org_id, sizeof u->org_id, "%s", f->org_a);
	snprintf(u->created_at, sizeof u->created_at, AT);
	snprintf(u->updated_at, sizeof u->updated_at, AT);
	struct store_account_event ev = {.at = AT, .action = "user.create", .fields = "role"};
	snprintf(ev.target_id, sizeof ev.target_id, "%s", u->id);
	assert_int_equal(store_user_create(f->st, u, &ev), WM_OK);
	make_survivor(f, 0, f->org_a);
	make_survivor(f, 1, f->org_a);
	make_survivor(f, 2, f->org_b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	keyring_free(f->keys);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static json_t *visit_body(const char *day, int minutes)
{
	return json_pack("{s:s, s:s, s:{s:b, s:s}, s:i, s:s, s:s, s:s}", "visited_on", day,
			 "starts_at", "2026-11-20T10:30:00Z", "interpreter", "provided", 1,
			 "language", "sq", "minutes", minutes, "status", "booked", "clinic_id",
			 "c0ffee", "place", MARKER);
}

/* Creates an item of kind k for survivor i (of org) with body (taken). */
static wm_err create(struct fixture *f, const struct kind *k, int i, const char *org, json_t *body,
		     char id[STORE_ID_LEN])
{
	struct store_item it = {0};
	secret_new_id(it.id);
	snprintf(it.survivor_id, sizeof it.survivor_id, "%s", f->surv[i]);
	snprintf(it.org_id, sizeof it.org_id, "%s", org);
	snprintf(it.created_at, sizeof it.created_at, AT);
	snprintf(it.updated_at, sizeof it.updated_at, AT);
	it.body = body;
	struct store_audit a;
	fill_audit(&a, f, f->surv[i], "create");
	wm_err e = store_item_create(f->st, k, &it, &a);
	if (id)
		memcpy(id, it.id, STORE_ID_LEN);
	store_item_clear(&it);
	return e;
}

/* Replaces item id of survivor i (org A) with body (taken) at expected. */
static wm_err replace(struct fixture *f, const struct kind *k, int i, const char *org,
		      const char *id, json_t *body, int expected, int *version)
{
	struct store_item it = {0};
	snprintf(it.id, sizeof it.id, "%s", id);
	snprintf(it.survivor_id, sizeof it.survivor_id, "%s", f->surv[i]);
	snprintf(it.org_id, sizeof it.org_id, "%s", org);
	snprintf(it.updated_at, sizeof it.updated_at, LATER);
	it.version = expected;
	it.body = body;
	struct store_audit a;
	fill_audit(&a, f, f->surv[i], "update");
	wm_err e = store_item_replace(f->st, k, &it, expected, &a);
	if (version)
		*version = it.version;
	store_item_clear(&it);
	return e;
}

/* What a list returned. */
struct seen {
	int n;
	char ids[8][STORE_ID_LEN];
	int64_t seq[8];
	int minutes[8];
};

static void collect(void *ctx, const struct store_item *it)
{
	struct seen *seen = ctx;
	assert_true(seen->n < 8);
	assert_non_null(it->body);
	memcpy(seen->ids[seen->n], it->id, STORE_ID_LEN);
	seen->seq[seen->n] = it->seq;
	seen->minutes[seen->n] = (int)json_integer_value(json_object_get(it->body, "minutes"));
	seen->n++;
}

static wm_err list(struct fixture *f, const struct kind *k, const char *org, int i, int64_t after,
		   int limit, struct seen *seen, bool *more)
{
	memset(seen, 0, sizeof *seen);
	return store_item_list(f->st, k, org, f->surv[i], after, limit, collect, seen, more);
}

struct count {
	int n;
};

static void count_entry(void *ctx, const struct store_audit *a)
{
	(void)a;
	((struct count *)ctx)->n++;
}

static void create_get_list_replace_round_trip(void **state)
{
	struct fixture *f = *state;
	char ids[3][STORE_ID_LEN];
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    create(f, &visits, 0, f->org_a, visit_body("2026-11-20", 10 + i), ids[i]),
		    WM_OK);

	struct store_item it;
	assert_int_equal(store_item_get(f->st, &visits, f->org_a, f->surv[0], ids[1], &it), WM_OK);
	assert_string_equal(it.id, ids[1]);
	assert_string_equal(it.survivor_id, f->surv[0]);
	assert_string_equal(it.org_id, f->org_a);
	assert_string_equal(it.created_at, AT);
	assert_string_equal(it.updated_at, AT);
	assert_int_equal(it.version, 1);
	assert_true(it.seq > 0);
	json_t *want = visit_body("2026-11-20", 11);
	assert_true(json_equal(it.body, want));
	json_decref(want);
	store_item_clear(&it);
	assert_null(it.body);

	/* Pages in seq order, limit + 1 telling whether there are more. */
	struct seen seen;
	bool more;
	assert_int_equal(list(f, &visits, f->org_a, 0, 0, 2, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 2);
	assert_true(more);
	assert_string_equal(seen.ids[0], ids[0]);
	assert_string_equal(seen.ids[1], ids[1]);
	assert_true(seen.seq[0] < seen.seq[1]);
	assert_int_equal(list(f, &visits, f->org_a, 0, seen.seq[1], 2, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 1);
	assert_false(more);
	assert_string_equal(seen.ids[0], ids[2]);
	assert_int_equal(seen.minutes[0], 12);
	/* Another survivor of the same organisation has none. */
	assert_int_equal(list(f, &visits, f->org_a, 1, 0, 10, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 0);

	int version = 0;
	assert_int_equal(
	    replace(f, &visits, 0, f->org_a, ids[1], visit_body("2026-11-21", 99), 1, &version),
	    WM_OK);
	assert_int_equal(version, 2);
	assert_int_equal(store_item_get(f->st, &visits, f->org_a, f->surv[0], ids[1], &it), WM_OK);
	assert_int_equal(it.version, 2);
	assert_string_equal(it.created_at, AT);
	assert_string_equal(it.updated_at, LATER);
	assert_int_equal(json_integer_value(json_object_get(it.body, "minutes")), 99);
	store_item_clear(&it);

	/* Each change left its audit entry, in its own transaction. */
	struct count c = {0};
	assert_int_equal(store_access_log(f->st, f->surv[0], 0, 100, count_entry, &c, &more),
			 WM_OK);
	assert_int_equal(c.n, 1 + 3 + 1); /* the survivor's creation, three items, one change */
}

/* Reads one row's columns with plain SQL: what a report would see. */
static void read_columns(const struct fixture *f, const char *id, sqlite3_stmt **out, sqlite3 **db)
{
	*db = raw(f);
	assert_int_equal(sqlite3_prepare_v2(*db,
					    "SELECT visited_on, starts_at, interpreter_provided, "
					    "minutes, status, clinic_id, interpreter_language "
					    "FROM test_visits WHERE id = ?1",
					    -1, out, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(*out, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(*out), SQLITE_ROW);
}

static bool file_holds(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	size_t n = strlen(needle), cap = 1 << 16, have = 0;
	char *buf = malloc(cap);
	bool found = false;
	size_t got;
	while (!found && (got = fread(buf + have, 1, cap - have, fp)) > 0) {
		have += got;
		for (size_t i = 0; i + n <= have && !found; i++)
			found = memcmp(buf + i, needle, n) == 0;
		/* Keep the tail, in case the needle straddles two reads. */
		size_t keep = have < n ? have : n - 1;
		memmove(buf, buf + have - keep, keep);
		have = keep;
	}
	free(buf);
	fclose(fp);
	return found;
}

static void columns_hold_typed_values_in_step_with_the_body(void **state)
{
	struct fixture *f = *state;
	char full[STORE_ID_LEN], sparse[STORE_ID_LEN];
	assert_int_equal(create(f, &visits, 0, f->org_a, visit_body("2026-11-20", 45), full),
			 WM_OK);
	assert_int_equal(
	    create(f, &visits, 0, f->org_a,
		   json_pack("{s:s, s:n, s:{}}", "status", "cancelled", "minutes", "interpreter"),
		   sparse),
	    WM_OK);

	int day;
	int64_t at;
	assert_true(date_parse("2026-11-20", &day));
	assert_true(instant_parse("2026-11-20T10:30:00Z", &at));
	sqlite3 *db;
	sqlite3_stmt *s;
	read_columns(f, full, &s, &db);
	assert_int_equal(sqlite3_column_type(s, 0), SQLITE_INTEGER);
	assert_int_equal(sqlite3_column_int(s, 0), day);
	assert_int_equal(sqlite3_column_type(s, 1), SQLITE_INTEGER);
	assert_int_equal(sqlite3_column_int64(s, 1), at);
	assert_int_equal(sqlite3_column_int(s, 2), 1);
	assert_int_equal(sqlite3_column_int(s, 3), 45);
	assert_string_equal((const char *)sqlite3_column_text(s, 4), "booked");
	assert_string_equal((const char *)sqlite3_column_text(s, 5), "c0ffee");
	assert_string_equal((const char *)sqlite3_column_text(s, 6), "sq");
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* Absent, null, or under an empty object: NULL. */
	read_columns(f, sparse, &s, &db);
	for (int i = 0; i < 7; i++)
		assert_int_equal(sqlite3_column_type(s, i), i == 4 ? SQLITE_TEXT : SQLITE_NULL);
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* A replacement moves the columns with the body, to NULL as well. */
	json_t *body = visit_body("2026-12-01", 30);
	json_object_set_new(json_object_get(body, "interpreter"), "provided", json_false());
	json_object_del(body, "clinic_id");
	assert_int_equal(replace(f, &visits, 0, f->org_a, full, body, 1, NULL), WM_OK);
	assert_true(date_parse("2026-12-01", &day));
	read_columns(f, full, &s, &db);
	assert_int_equal(sqlite3_column_int(s, 0), day);
	assert_int_equal(sqlite3_column_type(s, 2), SQLITE_INTEGER);
	assert_int_equal(sqlite3_column_int(s, 2), 0);
	assert_int_equal(sqlite3_column_int(s, 3), 30);
	assert_int_equal(sqlite3_column_type(s, 5), SQLITE_NULL);
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* The sealed fields are nowhere in the file in clear. */
	store_close(f->st);
	f->st = NULL;
	char wal[128];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	/* The probe works: a plain column is there. */
	assert_true(file_holds(f->db, "cancelled") || file_holds(wal, "cancelled"));
	assert_false(file_holds(f->db, MARKER));
	assert_false(file_holds(wal, MARKER));
	open_store(f, STORE_OPEN);
}

static void a_value_that_does_not_fit_its_column_stores_nothing(void **state)
{
	struct fixture *f = *state;
	/* Day 30 of February, an instant without a zone, a flag as text. */
	assert_int_equal(create(f, &visits, 0, f->org_a, visit_body("2026-02-30", 1), NULL),
			 WM_ERR_INVALID);
	json_t *b = visit_body("2026-11-20", 1);
	json_object_set_new(b, "starts_at", json_string("2026-11-20 10:30"));
	assert_int_equal(create(f, &visits, 0, f->org_a, b, NULL), WM_ERR_INVALID);
	b = visit_body("2026-11-20", 1);
	json_object_set_new(json_object_get(b, "interpreter"), "provided", json_string("yes"));
	assert_int_equal(create(f, &visits, 0, f->org_a, b, NULL), WM_ERR_INVALID);
	b = visit_body("2026-11-20", 1);
	json_object_set_new(b, "interpreter", json_string("sq")); /* not an object on the way */
	assert_int_equal(create(f, &visits, 0, f->org_a, b, NULL), WM_ERR_INVALID);
	struct seen seen;
	bool more;
	assert_int_equal(list(f, &visits, f->org_a, 0, 0, 10, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 0);
}

static void a_stale_version_conflicts_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	char id[STORE_ID_LEN];
	assert_int_equal(create(f, &visits, 0, f->org_a, visit_body("2026-11-20", 5), id), WM_OK);
	assert_int_equal(replace(f, &visits, 0, f->org_a, id, visit_body("2026-11-20", 6), 1, NULL),
			 WM_OK);
	int version = -1;
	assert_int_equal(
	    replace(f, &visits, 0, f->org_a, id, visit_body("2026-12-24", 7), 1, &version),
	    WM_ERR_CONFLICT);
	assert_int_equal(version, 1); /* not written back */
	struct store_item it;
	assert_int_equal(store_item_get(f->st, &visits, f->org_a, f->surv[0], id, &it), WM_OK);
	assert_int_equal(it.version, 2);
	assert_int_equal(json_integer_value(json_object_get(it.body, "minutes")), 6);
	store_item_clear(&it);
	sqlite3 *db;
	sqlite3_stmt *s;
	read_columns(f, id, &s, &db);
	assert_int_equal(sqlite3_column_int(s, 3), 6);
	sqlite3_finalize(s);
	sqlite3_close(db);
	/* An item that is not there conflicts too: nothing to replace. */
	char nobody[STORE_ID_LEN];
	secret_new_id(nobody);
	assert_int_equal(
	    replace(f, &visits, 0, f->org_a, nobody, visit_body("2026-12-24", 7), 1, NULL),
	    WM_ERR_CONFLICT);
}

static void one_per_survivor(void **state)
{
	struct fixture *f = *state;
	char first[STORE_ID_LEN];
	assert_int_equal(
	    create(f, &profile, 0, f->org_a, json_pack("{s:s}", "since", "2026-01-02"), first),
	    WM_OK);
	assert_int_equal(
	    create(f, &profile, 0, f->org_a, json_pack("{s:s}", "since", "2026-05-05"), NULL),
	    WM_ERR_CONFLICT);
	/* Another survivor has their own. */
	assert_int_equal(
	    create(f, &profile, 1, f->org_a, json_pack("{s:s}", "since", "2026-03-03"), NULL),
	    WM_OK);
	struct store_item it;
	assert_int_equal(store_item_get(f->st, &profile, f->org_a, f->surv[0], NULL, &it), WM_OK);
	assert_string_equal(it.id, first);
	assert_string_equal(json_string_value(json_object_get(it.body, "since")), "2026-01-02");
	store_item_clear(&it);
	/* The item id is ignored: it is the survivor's one. */
	assert_int_equal(store_item_get(f->st, &profile, f->org_a, f->surv[0], "whatever", &it),
			 WM_OK);
	assert_string_equal(it.id, first);
	store_item_clear(&it);
	struct seen seen;
	bool more;
	assert_int_equal(list(f, &profile, f->org_a, 0, 0, 10, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 1);
	/* The refused create left no audit entry either. */
	struct count c = {0};
	assert_int_equal(store_access_log(f->st, f->surv[0], 0, 100, count_entry, &c, &more),
			 WM_OK);
	assert_int_equal(c.n, 2);
}

static void another_organisation_or_survivor_finds_nothing(void **state)
{
	struct fixture *f = *state;
	char id[STORE_ID_LEN];
	assert_int_equal(create(f, &visits, 0, f->org_a, visit_body("2026-11-20", 5), id), WM_OK);
	struct store_item it;
	assert_int_equal(store_item_get(f->st, &visits, f->org_b, f->surv[0], id, &it),
			 WM_ERR_NOT_FOUND);
	assert_null(it.body);
	assert_int_equal(store_item_get(f->st, &visits, f->org_a, f->surv[1], id, &it),
			 WM_ERR_NOT_FOUND);
	assert_null(it.body);
	struct seen seen;
	bool more;
	assert_int_equal(list(f, &visits, f->org_b, 0, 0, 10, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 0);
	/* Nor changes anything. */
	assert_int_equal(replace(f, &visits, 0, f->org_b, id, visit_body("2026-11-21", 6), 1, NULL),
			 WM_ERR_CONFLICT);
	assert_int_equal(replace(f, &visits, 1, f->org_a, id, visit_body("2026-11-21", 6), 1, NULL),
			 WM_ERR_CONFLICT);
	assert_int_equal(store_item_get(f->st, &visits, f->org_a, f->surv[0], id, &it), WM_OK);
	assert_int_equal(it.version, 1);
	store_item_clear(&it);
	/* No item under a survivor in the name of another organisation. */
	assert_int_equal(create(f, &visits, 2, f->org_a, visit_body("2026-11-20", 5), NULL),
			 WM_ERR_NOT_FOUND);
	assert_int_equal(list(f, &visits, f->org_a, 2, 0, 10, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 0);
	assert_int_equal(list(f, &visits, f->org_b, 2, 0, 10, &seen, &more), WM_OK);
	assert_int_equal(seen.n, 0);
}

static void no_organisation_is_refused_before_reading(void **state)
{
	struct fixture *f = *state;
	char id[STORE_ID_LEN];
	assert_int_equal(create(f, &visits, 0, f->org_a, visit_body("2026-11-20", 5), id), WM_OK);
	assert_int_equal(
	    create(f, &profile, 0, f->org_a, json_pack("{s:s}", "since", "2026-01-02"), NULL),
	    WM_OK);
	struct store_item it;
	assert_int_equal(store_item_get(f->st, &visits, NULL, f->surv[0], id, &it), WM_ERR_INVALID);
	assert_null(it.body);
	assert_int_equal(store_item_get(f->st, &visits, "", f->surv[0], id, &it), WM_ERR_INVALID);
	assert_int_equal(store_item_get(f->st, &profile, "", f->surv[0], NULL, &it),
			 WM_ERR_INVALID);
	struct seen seen;
	bool more = true;
	assert_int_equal(list(f, &visits, NULL, 0, 0, 10, &seen, &more), WM_ERR_INVALID);
	assert_int_equal(seen.n, 0);
	assert_false(more);
	assert_int_equal(list(f, &visits, "", 0, 0, 10, &seen, &more), WM_ERR_INVALID);
	assert_int_equal(seen.n, 0);
	/* Nor can an item be written without one. */
	assert_int_equal(create(f, &visits, 0, "", visit_body("2026-11-20", 5), NULL),
			 WM_ERR_INVALID);
	assert_int_equal(store_sqlite_item_prepares(f->st), 2); /* the two creates, nothing else */
}

static void a_sealed_body_does_not_open_away_from_its_row(void **state)
{
	struct fixture *f = *state;
	char x[STORE_ID_LEN], y[STORE_ID_LEN], p[STORE_ID_LEN];
	assert_int_equal(create(f, &visits, 0, f->org_a, visit_body("2026-11-20", 1), x), WM_OK);
	assert_int_equal(create(f, &visits, 0, f->org_a, visit_body("2026-11-20", 2), y), WM_OK);
	assert_int_equal(
	    create(f, &profile, 0, f->org_a, json_pack("{s:s}", "since", "2026-01-02"), p), WM_OK);
	store_close(f->st);
	f->st = NULL;

	char sql[1024];
	/* x's body into y's row; x's row to organisation B; the profile to
	 * another survivor. */
	snprintf(sql, sizeof sql,
		 "UPDATE test_visits SET (body, key_id) = (SELECT body, key_id FROM test_visits "
		 "WHERE id = '%s') WHERE id = '%s';"
		 "UPDATE test_visits SET org_id = '%s' WHERE id = '%s';"
		 "UPDATE test_profile SET survivor_id = '%s' WHERE id = '%s';",
		 x, y, f->org_b, x, f->surv[1], p);
	raw_exec(f, sql);
	open_store(f, STORE_OPEN);

	struct store_item it;
	assert_int_equal(store_item_get(f->st, &visits, f->org_a, f->surv[0], y, &it),
			 WM_ERR_CRYPTO);
	assert_null(it.body);
	assert_int_equal(store_item_get(f->st, &visits, f->org_b, f->surv[0], x, &it),
			 WM_ERR_CRYPTO);
	assert_null(it.body);
	assert_int_equal(store_item_get(f->st, &profile, f->org_a, f->surv[1], NULL, &it),
			 WM_ERR_CRYPTO);
	assert_null(it.body);
	/* A list stops at the first that does not open, showing nothing of it. */
	struct seen seen;
	bool more;
	assert_int_equal(list(f, &visits, f->org_a, 0, 0, 10, &seen, &more), WM_ERR_CRYPTO);
	assert_int_equal(seen.n, 0);
}

static void statements_are_prepared_once_per_connection(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_sqlite_item_prepares(f->st), 0);
	struct seen seen;
	bool more;
	for (int round = 0; round < 5; round++) {
		char id[STORE_ID_LEN];
		assert_int_equal(
		    create(f, &visits, 0, f->org_a, visit_body("2026-11-20", round), id), WM_OK);
		struct store_item it;
		assert_int_equal(store_item_get(f->st, &visits, f->org_a, f->surv[0], id, &it),
				 WM_OK);
		store_item_clear(&it);
		assert_int_equal(
		    replace(f, &visits, 0, f->org_a, id, visit_body("2026-11-21", round), 1, NULL),
		    WM_OK);
		assert_int_equal(list(f, &visits, f->org_a, 0, 0, 10, &seen, &more), WM_OK);
		assert_int_equal(seen.n, round + 1);
		/* insert, get, keep (the version replaced), update, list: each once */
		assert_int_equal(store_sqlite_item_prepares(f->st), 5);
	}
	struct store_item it;
	assert_int_equal(store_item_get(f->st, &profile, f->org_a, f->surv[0], NULL, &it),
			 WM_ERR_NOT_FOUND);
	assert_int_equal(store_item_get(f->st, &profile, f->org_a, f->surv[0], NULL, &it),
			 WM_ERR_NOT_FOUND);
	assert_int_equal(store_sqlite_item_prepares(f->st), 6); /* another kind's own */
}

static void a_declaration_that_is_not_plain_sql_is_refused(void **state)
{
	struct fixture *f = *state;
	static const struct kind evil = {
	    .name = "evil",
	    .table = "test_visits; DROP TABLE survivors; --",
	    .shape = KIND_LIST,
	};
	static const struct kind_column evil_cols[] = {{"x", "x = 1, org_id", COLUMN_TEXT}};
	static const struct kind evil_col = {
	    .name = "evil2",
	    .table = "test_visits",
	    .shape = KIND_LIST,
	    .columns = evil_cols,
	    .ncolumns = 1,
	};
	assert_int_equal(create(f, &evil, 0, f->org_a, visit_body("2026-11-20", 1), NULL),
			 WM_ERR_IO);
	assert_int_equal(create(f, &evil_col, 0, f->org_a, visit_body("2026-11-20", 1), NULL),
			 WM_ERR_IO);
	/* A plain name, but the server's: a field of the body would move the
	 * item to another organisation on its next update. */
	static const struct kind_column server_cols[] = {{"org", "org_id", COLUMN_ID}};
	static const struct kind server_col = {
	    .name = "evil3",
	    .table = "test_visits",
	    .shape = KIND_LIST,
	    .columns = server_cols,
	    .ncolumns = 1,
	};
	assert_int_equal(create(f, &server_col, 0, f->org_a, visit_body("2026-11-20", 1), NULL),
			 WM_ERR_IO);
	assert_int_equal(store_sqlite_item_prepares(f->st), 0);
	struct store_survivor_filter a = {.org_id = f->org_a};
	struct store_survivor s;
	assert_int_equal(store_survivor_get(f->st, f->surv[0], &a, &s), WM_OK);
	store_survivor_clear(&s);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(create_get_list_replace_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(columns_hold_typed_values_in_step_with_the_body, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(a_value_that_does_not_fit_its_column_stores_nothing,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(a_stale_version_conflicts_and_changes_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(one_per_survivor, setup, teardown),
	    cmocka_unit_test_setup_teardown(another_organisation_or_survivor_finds_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(no_organisation_is_refused_before_reading, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(a_sealed_body_does_not_open_away_from_its_row, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(statements_are_prepared_once_per_connection, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(a_declaration_that_is_not_plain_sql_is_refused, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
