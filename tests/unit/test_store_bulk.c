/* Unit tests for the store's bulk mode (store_bulk_begin, store_bulk_commit:
 * the benchmark's generator): refused on a pool of more than one
 * connection; writes made in it are all there after the commit, sealed and
 * audited as usual; a write that fails inside it leaves nothing, and the
 * ones around it stand; afterwards the database is in WAL mode with full
 * synchronous writes again. And durable batches (store_batch_begin,
 * store_batch_end: waymark import): a batch committed is all there, one
 * rolled back leaves nothing, not even its audit entries, and another
 * connection reads neither until the commit. */
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

#include "store_fixture.h"

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

static void a_batch_is_stored_whole_or_not_at_all(void **state)
{
	struct fixture *f = *state;
	struct store *pool;
	char msg[256];
	assert_int_equal(store_open(f->db, f->keys, STORE_OPEN, 2, &pool, msg, sizeof msg), WM_OK);
	assert_int_equal(store_batch_begin(pool), WM_ERR_INVALID);
	store_close(pool);

	make_org_and_user(f);
	char ids[4][STORE_ID_LEN];
	assert_int_equal(store_batch_begin(f->st), WM_OK);
	for (int i = 0; i < 2; i++) {
		secret_new_id(ids[i]);
		assert_int_equal(add_survivor(f, ids[i], "Ana"), WM_OK);
	}
	/* Not visible to another connection before the commit. */
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM survivors"), 0);
	assert_int_equal(store_batch_end(f->st, true, true), WM_OK);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM survivors"), 2);
	/* The next batch: a write refused in it, then the batch rolled back. */
	for (int i = 2; i < 4; i++) {
		secret_new_id(ids[i]);
		assert_int_equal(add_survivor(f, ids[i], "Blerina"), WM_OK);
	}
	assert_int_equal(add_survivor(f, ids[0], "Again"), WM_ERR_CONFLICT);
	assert_int_equal(store_batch_end(f->st, false, false), WM_OK);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM survivors"), 2);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM audit"), 2);
	/* Back to one durable transaction a write, in WAL mode. */
	assert_int_equal(
	    query_int(f->db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
	    1);
	assert_int_equal(add_survivor(f, ids[3], "Lina"), WM_OK);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM survivors"), 3);
}

int main(void)
{
	if (!secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(refused_on_a_pool_of_connections, setup, teardown),
	    cmocka_unit_test_setup_teardown(writes_are_all_there_after_the_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_batch_is_stored_whole_or_not_at_all, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
