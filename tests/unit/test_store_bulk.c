/* Unit tests for the store's bulk mode (store_bulk_begin, store_bulk_commit:
 * the benchmark's generator): refused on a pool of more than one
 * connection; writes made in it are all there after the commit, sealed and
 * audited as usual; a write that fails inside it leaves nothing, and the
 * ones around it stand; afterwards the database is in WAL mode with full
 * synchronous writes again. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "store/store.h"

#define AT "2026-11-22T14:05:00Z"

struct fixture {
	char dir[64];
	char db[96];
	struct keyring *keys;
	struct store *st;
	char org[STORE_ID_LEN];
	char user[STORE_ID_LEN];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/wm-bulk-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
	char key[128], msg[256];
	snprintf(key, sizeof key, "%s/t.key", f->dir);
	assert_int_equal(keyring_create_file(key), WM_OK);
	assert_int_equal(keyring_load(key, &f->keys, msg, sizeof msg), WM_OK);
	assert_int_equal(store_open(f->db, f->keys, STORE_CREATE, 1, &f->st, msg, sizeof msg),
			 WM_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	keyring_free(f->keys);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void make_org_and_user(struct fixture *f)
{
	struct store_org o = {.version = 1};
	secret_new_id(o.id);
	snprintf(o.name, sizeof o.name, "Agency");
	snprintf(o.kind, sizeof o.kind, "support_agency");
	snprintf(o.created_at, sizeof o.created_at, AT);
	snprintf(o.updated_at, sizeof o.updated_at, AT);
	struct store_account_event ev = {.at = AT, .action = "org.create", .fields = "name"};
	snprintf(ev.target_id, sizeof ev.target_id, "%s", o.id);
	assert_int_equal(store_org_create(f->st, &o, &ev), WM_OK);
	memcpy(f->org, o.id, sizeof f->org);

	struct store_user u = {.role = ROLE_ADVOCATE, .version = 1};
	secret_new_id(u.id);
	snprintf(u.username, sizeof u.username, "adv");
	snprintf(u.password_hash, sizeof u.password_hash, "x");
	snprintf(u.display_name, sizeof u.display_name, "Adv");
	snprintf(u.org_id, sizeof u.org_id, "%s", o.id);
	snprintf(u.created_at, sizeof u.created_at, AT);
	snprintf(u.updated_at, sizeof u.updated_at, AT);
	struct store_account_event uev = {.at = AT, .action = "user.create", .fields = "role"};
	snprintf(uev.target_id, sizeof uev.target_id, "%s", u.id);
	assert_int_equal(store_user_create(f->st, &u, &uev), WM_OK);
	memcpy(f->user, u.id, sizeof f->user);
}

static wm_err add_survivor(struct fixture *f, const char *id, const char *known_as)
{
	struct store_survivor s = {.version = 1};
	snprintf(s.id, sizeof s.id, "%s", id);
	snprintf(s.org_id, sizeof s.org_id, "%s", f->org);
	snprintf(s.created_at, sizeof s.created_at, AT);
	snprintf(s.updated_at, sizeof s.updated_at, AT);
	s.body = json_pack("{s:s, s:s, s:s}", "known_as", known_as, "entered_service_on",
			   "2026-01-05", "status", "active");
	struct store_audit a = {
	    .at = AT, .role = ROLE_ADVOCATE, .action = "create", .route = "/api/v1/survivors"};
	snprintf(a.survivor_id, sizeof a.survivor_id, "%s", id);
	snprintf(a.user_id, sizeof a.user_id, "%s", f->user);
	snprintf(a.org_id, sizeof a.org_id, "%s", f->org);
	wm_err e = store_survivor_create(f->st, &s, &a);
	json_decref(s.body);
	return e;
}

/* One value of the database, read by a connection of its own. */
static long long query_int(const char *db, const char *sql)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

static void refused_on_a_pool_of_connections(void **state)
{
	struct fixture *f = *state;
	struct store *pool;
	char msg[256];
	assert_int_equal(store_open(f->db, f->keys, STORE_OPEN, 2, &pool, msg, sizeof msg), WM_OK);
	assert_int_equal(store_bulk_begin(pool), WM_ERR_INVALID);
	store_close(pool);
}

static void writes_are_all_there_after_the_commit(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_bulk_begin(f->st), WM_OK);
	make_org_and_user(f);
	char ids[3][STORE_ID_LEN];
	for (int i = 0; i < 3; i++) {
		secret_new_id(ids[i]);
		assert_int_equal(add_survivor(f, ids[i], "Ana"), WM_OK);
		if (i == 1)
			assert_int_equal(store_bulk_commit(f->st, true), WM_OK);
	}
	/* A write refused inside the bulk transaction (the id is taken) rolls
	 * back alone: no second row, no audit entry for it. */
	assert_int_equal(add_survivor(f, ids[0], "Again"), WM_ERR_CONFLICT);
	assert_int_equal(store_bulk_commit(f->st, false), WM_OK);

	assert_int_equal(query_int(f->db, "SELECT count(*) FROM survivors"), 3);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM audit"), 3);
	/* Read back through the store: the sealed body opens. */
	struct store_survivor_filter vis = {.org_id = f->org};
	struct store_survivor got;
	assert_int_equal(store_survivor_get(f->st, ids[2], &vis, &got), WM_OK);
	assert_string_equal(json_string_value(json_object_get(got.body, "known_as")), "Ana");
	store_survivor_clear(&got);
	/* Back to normal: WAL, and a write is its own durable transaction. */
	assert_int_equal(
	    query_int(f->db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
	    1);
	char id[STORE_ID_LEN];
	secret_new_id(id);
	assert_int_equal(add_survivor(f, id, "Lina"), WM_OK);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM survivors"), 4);
}

int main(void)
{
	if (!secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(refused_on_a_pool_of_connections, setup, teardown),
	    cmocka_unit_test_setup_teardown(writes_are_all_there_after_the_commit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
