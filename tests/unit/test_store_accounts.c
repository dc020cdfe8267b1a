/* Unit tests for the account half of store/sqlite: the password hash is
 * read only where a password is checked, the owner's own change of password,
 * and the trail of an organisation's accounts. On a new database in a
 * temporary directory. */
#define _GNU_SOURCE	/* memmem */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "store/store.h"
#include "util/text.h"

#define ORG_A  "11111111111111111111111111111111"
#define ORG_B  "22222222222222222222222222222222"
#define USER_1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define USER_2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HASH_1 "$argon2id$v=19$m=65536,t=2,p=1$not-a-real-hash-1"
#define HASH_2 "$argon2id$v=19$m=65536,t=2,p=1$not-a-real-hash-2"
#define AT     "2026-07-01T09:00:00Z"

struct fixture {
	char dir[64];
	char db[128];
	char key[128];
	struct keyring *keys;
	struct store *st;
};

static void event(struct store_account_event *ev, const char *action, const char *target,
		  const char *fields)
{
	memset(ev, 0, sizeof *ev);
	snprintf(ev->at, sizeof ev->at, AT);
	snprintf(ev->action, sizeof ev->action, "%s", action);
	snprintf(ev->target_id, sizeof ev->target_id, "%s", target);
	snprintf(ev->fields, sizeof ev->fields, "%s", fields);
}

static void add_org(struct store *st, const char *id, const char *name)
{
	struct store_org o = {0};
	snprintf(o.id, sizeof o.id, "%s", id);
	snprintf(o.name, sizeof o.name, "%s", name);
	snprintf(o.kind, sizeof o.kind, "support_agency");
	snprintf(o.created_at, sizeof o.created_at, AT);
	snprintf(o.updated_at, sizeof o.updated_at, AT);
	struct store_account_event ev;
	event(&ev, "org.create", id, "name,kind");
	assert_int_equal(store_org_create(st, &o, &ev), WM_OK);
}

static void add_user(struct store *st, const char *id, const char *name, const char *org,
		     const char *hash, bool must_change)
{
	struct store_user u = {0};
	snprintf(u.id, sizeof u.id, "%s", id);
	snprintf(u.username, sizeof u.username, "%s", name);
	snprintf(u.password_hash, sizeof u.password_hash, "%s", hash);
	snprintf(u.display_name, sizeof u.display_name, "%s", name);
	u.role = ROLE_ADVOCATE;
	snprintf(u.org_id, sizeof u.org_id, "%s", org);
	u.must_change_password = must_change;
	snprintf(u.created_at, sizeof u.created_at, AT);
	snprintf(u.updated_at, sizeof u.updated_at, AT);
	struct store_account_event ev;
	event(&ev, "user.create", id, "username,password");
	assert_int_equal(store_user_create(st, &u, &ev), WM_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/waymark-unit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/w.db", f->dir);
	snprintf(f->key, sizeof f->key, "%s/w.key", f->dir);
	assert_int_equal(keyring_create_file(f->key), WM_OK);
	char msg[256];
	assert_int_equal(keyring_load(f->key, &f->keys, msg, sizeof msg), WM_OK);
	assert_int_equal(store_open(f->db, f->keys, STORE_CREATE, 2, &f->st, msg, sizeof msg),
			 WM_OK);
	add_org(f->st, ORG_A, "Agency A");
	add_org(f->st, ORG_B, "Agency B");
	add_user(f->st, USER_1, "one", ORG_A, HASH_1, true);
	add_user(f->st, USER_2, "two", ORG_B, HASH_2, false);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	keyring_free(f->keys);
	char path[160];
	static const char *const files[] = {"w.db",	  "w.db-wal",	    "w.db-shm",
					    "w.db-reads", "w.db-reads-wal", "w.db-reads-shm",
					    "w.key"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static const unsigned char digest_a[32] = {1};
static const unsigned char digest_b[32] = {2};

/* The user of every authenticated request carries no password hash. */
static void reads_never_carry_the_hash(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(
	    store_session_create(f->st, digest_a, sizeof digest_a, USER_1, 1, 1000, 999999), WM_OK);
	struct store_user u;
	memset(&u, 'x', sizeof u);
	int64_t exp;
	assert_int_equal(store_session_user(f->st, digest_a, sizeof digest_a, 2000, &u, &exp),
			 WM_OK);
	assert_string_equal(u.id, USER_1);
	assert_string_equal(u.password_hash, "");
	assert_true(u.must_change_password);
	memset(&u, 'x', sizeof u);
	assert_int_equal(store_user_get(f->st, USER_2, &u), WM_OK);
	assert_string_equal(u.password_hash, "");
	assert_false(u.must_change_password);
	memset(&u, 'x', sizeof u);
	assert_int_equal(store_user_by_name(f->st, "one", &u), WM_OK);
	assert_string_equal(u.password_hash, "");

	char hash[STORE_HASH_LEN];
	assert_int_equal(store_user_password(f->st, USER_1, hash), WM_OK);
	assert_string_equal(hash, HASH_1);
	assert_int_equal(store_user_password(f->st, "cccccccccccccccccccccccccccccccc", hash),
			 WM_ERR_NOT_FOUND);
	assert_string_equal(hash, "");
}

/* An update without a new hash keeps the stored one (reads have none to
 * give back). */
static void an_update_without_a_hash_keeps_it(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	assert_int_equal(store_user_get(f->st, USER_2, &u), WM_OK);
	snprintf(u.display_name, sizeof u.display_name, "Renamed");
	struct store_account_event ev;
	event(&ev, "user.update", USER_2, "display_name");
	assert_int_equal(store_user_update(f->st, &u, 1, false, &ev), WM_OK);
	char hash[STORE_HASH_LEN];
	assert_int_equal(store_user_password(f->st, USER_2, hash), WM_OK);
	assert_string_equal(hash, HASH_2);
	/* And with one, replaces it and sets the flag as told. */
	snprintf(u.password_hash, sizeof u.password_hash, HASH_1);
	u.must_change_password = true;
	assert_int_equal(store_user_update(f->st, &u, 2, true, &ev), WM_OK);
	assert_int_equal(store_user_password(f->st, USER_2, hash), WM_OK);
	assert_string_equal(hash, HASH_1);
	assert_int_equal(store_user_get(f->st, USER_2, &u), WM_OK);
	assert_true(u.must_change_password);
}

/* The owner's change clears the flag and ends the other sessions only. */
static void own_change_keeps_this_session_only(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(
	    store_session_create(f->st, digest_a, sizeof digest_a, USER_1, 1, 1000, 999999), WM_OK);
	assert_int_equal(
	    store_session_create(f->st, digest_b, sizeof digest_b, USER_1, 1, 1000, 999999), WM_OK);
	struct store_account_event ev;
	event(&ev, "user.password", USER_1, "password");
	/* A stale version (an administrator changed the account) is refused. */
	assert_int_equal(
	    store_user_set_password(f->st, USER_1, 7, HASH_2, AT, digest_a, sizeof digest_a, &ev),
	    WM_ERR_CONFLICT);
	assert_int_equal(
	    store_user_set_password(f->st, USER_1, 1, HASH_2, AT, digest_a, sizeof digest_a, &ev),
	    WM_OK);
	struct store_user u;
	int64_t exp;
	assert_int_equal(store_session_user(f->st, digest_a, sizeof digest_a, 2000, &u, &exp),
			 WM_OK);
	assert_false(u.must_change_password);
	assert_int_equal(u.version, 2);
	assert_int_equal(store_session_user(f->st, digest_b, sizeof digest_b, 2000, &u, &exp),
			 WM_ERR_NOT_FOUND);
	char hash[STORE_HASH_LEN];
	assert_int_equal(store_user_password(f->st, USER_1, hash), WM_OK);
	assert_string_equal(hash, HASH_2);
}

/* A session found valid (and so cached) ends at once when it is signed
 * out, when its user changes, or when its owner changes the password from
 * another session. */
static void a_cached_session_ends_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	int64_t exp;
	assert_int_equal(
	    store_session_create(f->st, digest_a, sizeof digest_a, USER_1, 1, 1000, 999999), WM_OK);
	assert_int_equal(
	    store_session_create(f->st, digest_b, sizeof digest_b, USER_2, 1, 1000, 999999), WM_OK);
	for (int i = 0; i < 2; i++) /* the second from the cache */
		assert_int_equal(
		    store_session_user(f->st, digest_a, sizeof digest_a, 2000, &u, &exp), WM_OK);
	assert_int_equal(store_session_delete(f->st, digest_a, sizeof digest_a), WM_OK);
	assert_int_equal(store_session_user(f->st, digest_a, sizeof digest_a, 2000, &u, &exp),
			 WM_ERR_NOT_FOUND);
	/* Expiry is judged on every hit. */
	assert_int_equal(store_session_user(f->st, digest_b, sizeof digest_b, 2000, &u, &exp),
			 WM_OK);
	assert_int_equal(store_session_user(f->st, digest_b, sizeof digest_b, 999999, &u, &exp),
			 WM_ERR_NOT_FOUND);
	/* Disabling the user ends the session it had, cached or not. */
	assert_int_equal(store_session_user(f->st, digest_b, sizeof digest_b, 2000, &u, &exp),
			 WM_OK);
	assert_false(u.disabled);
	u.disabled = true;
	struct store_account_event ev;
	event(&ev, "user.update", USER_2, "disabled");
	assert_int_equal(store_user_update(f->st, &u, 1, true, &ev), WM_OK);
	assert_int_equal(store_session_user(f->st, digest_b, sizeof digest_b, 2000, &u, &exp),
			 WM_ERR_NOT_FOUND);
	/* A renamed user is seen renamed at the next request. */
	assert_int_equal(
	    store_session_create(f->st, digest_a, sizeof digest_a, USER_1, 1, 1000, 999999), WM_OK);
	assert_int_equal(store_session_user(f->st, digest_a, sizeof digest_a, 2000, &u, &exp),
			 WM_OK);
	snprintf(u.display_name, sizeof u.display_name, "Renamed");
	event(&ev, "user.update", USER_1, "display_name");
	assert_int_equal(store_user_update(f->st, &u, 1, false, &ev), WM_OK);
	assert_int_equal(store_session_user(f->st, digest_a, sizeof digest_a, 2000, &u, &exp),
			 WM_OK);
	assert_string_equal(u.display_name, "Renamed");
	assert_int_equal(u.version, 2);
	/* A password changed from another session ends this one. */
	assert_int_equal(
	    store_session_create(f->st, digest_b, sizeof digest_b, USER_1, 2, 1000, 999999), WM_OK);
	assert_int_equal(store_session_user(f->st, digest_a, sizeof digest_a, 2000, &u, &exp),
			 WM_OK);
	event(&ev, "user.password", USER_1, "password");
	assert_int_equal(
	    store_user_set_password(f->st, USER_1, 2, HASH_2, AT, digest_b, sizeof digest_b, &ev),
	    WM_OK);
	assert_int_equal(store_session_user(f->st, digest_a, sizeof digest_a, 2000, &u, &exp),
			 WM_ERR_NOT_FOUND);
	assert_int_equal(store_session_user(f->st, digest_b, sizeof digest_b, 2000, &u, &exp),
			 WM_OK);
}

struct seen {
	int n;
	char actions[8][24];
	char targets[8][STORE_ID_LEN];
	int64_t last;
};

static void collect(void *ctx, const struct store_account_event *ev)
{
	struct seen *s = ctx;
	if (s->n < 8) {
		snprintf(s->actions[s->n], sizeof s->actions[0], "%s", ev->action);
		snprintf(s->targets[s->n], sizeof s->targets[0], "%s", ev->target_id);
	}
	s->n++;
	s->last = ev->seq;
}

/* Only the changes to accounts of the organisation, newest first, paged. */
static void trail_of_an_organisation(void **state)
{
	struct fixture *f = *state;
	struct store_account_event ev;
	event(&ev, "user.password", USER_1, "password");
	assert_int_equal(
	    store_user_set_password(f->st, USER_1, 1, HASH_2, AT, digest_a, sizeof digest_a, &ev),
	    WM_OK);
	struct seen s = {0};
	bool more;
	assert_int_equal(store_account_events_of_org(f->st, ORG_A, 0, 10, collect, &s, &more),
			 WM_OK);
	assert_false(more);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.actions[0], "user.password");
	assert_string_equal(s.actions[1], "user.create");
	assert_string_equal(s.targets[1], USER_1);
	/* Paged: one at a time, from the newest. */
	struct seen p = {0};
	assert_int_equal(store_account_events_of_org(f->st, ORG_A, 0, 1, collect, &p, &more),
			 WM_OK);
	assert_true(more);
	assert_int_equal(p.n, 1);
	struct seen q = {0};
	assert_int_equal(store_account_events_of_org(f->st, ORG_A, p.last, 1, collect, &q, &more),
			 WM_OK);
	assert_false(more);
	assert_string_equal(q.actions[0], "user.create");
	/* The other organisation sees only its own user's creation. */
	struct seen b = {0};
	assert_int_equal(store_account_events_of_org(f->st, ORG_B, 0, 10, collect, &b, &more),
			 WM_OK);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.targets[0], USER_2);
}

/* ---- two-factor sign-in (store/sqlite_mfa.c) ---- */

/* The secret opens as it went in, and is not in the database in clear; a
 * confirmed enrolment is never replaced by a new one. */
static void two_factor_secret_sealed_and_kept(void **state)
{
	struct fixture *f = *state;
	unsigned char secret[20];
	memcpy(secret, "two-factor-secret-20", 20);
	struct store_two_factor tf;
	assert_int_equal(store_two_factor_get(f->st, USER_1, &tf), WM_ERR_NOT_FOUND);
	assert_int_equal(store_two_factor_begin(f->st, USER_1, secret, 20, 1000), WM_OK);
	assert_int_equal(store_two_factor_get(f->st, USER_1, &tf), WM_OK);
	assert_int_equal(tf.secret_len, 20);
	assert_memory_equal(tf.secret, secret, 20);
	assert_false(tf.confirmed);
	bool required, enrolled;
	assert_int_equal(store_two_factor_state(f->st, USER_1, ORG_A, &required, &enrolled), WM_OK);
	assert_false(enrolled);
	unsigned char hashes[2][KEYRING_BLIND_LEN] = {{1}, {2}};
	struct store_account_event ev;
	event(&ev, "user.two_factor", USER_1, "two_factor");
	assert_int_equal(store_two_factor_confirm(f->st, USER_1, 40,
						  (const unsigned char(*)[KEYRING_BLIND_LEN])hashes,
						  2, 1200, &ev),
			 WM_OK);
	/* Confirmed once only. */
	assert_int_equal(store_two_factor_confirm(f->st, USER_1, 41,
						  (const unsigned char(*)[KEYRING_BLIND_LEN])hashes,
						  2, 1200, &ev),
			 WM_ERR_CONFLICT);
	assert_int_equal(store_two_factor_begin(f->st, USER_1, secret, 20, 1300), WM_ERR_CONFLICT);
	assert_int_equal(store_two_factor_get(f->st, USER_1, &tf), WM_OK);
	assert_true(tf.confirmed);
	assert_int_equal(tf.last_step, 40);
	assert_int_equal(tf.recovery_left, 2);
	assert_int_equal(store_two_factor_state(f->st, USER_1, ORG_A, &required, &enrolled), WM_OK);
	assert_true(enrolled);
	assert_false(required);
	store_close(f->st);
	f->st = NULL;
	FILE *db = fopen(f->db, "rb");
	assert_non_null(db);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, db);
	fclose(db);
	assert_null(memmem(buf, n, secret, sizeof secret));
	char msg[256];
	assert_int_equal(store_open(f->db, f->keys, STORE_OPEN, 2, &f->st, msg, sizeof msg), WM_OK);
	sodium_memzero(&tf, sizeof tf);
}

/* A step is accepted once, and only after the last one; a recovery code
 * once; a removal takes both away. */
static void two_factor_steps_and_codes_once(void **state)
{
	struct fixture *f = *state;
	unsigned char secret[20] = {9};
	unsigned char hashes[1][KEYRING_BLIND_LEN] = {{7}};
	struct store_account_event ev;
	event(&ev, "user.two_factor", USER_2, "two_factor");
	assert_int_equal(store_two_factor_begin(f->st, USER_2, secret, 20, 1000), WM_OK);
	/* Not confirmed: no step counts yet. */
	assert_int_equal(store_two_factor_use_step(f->st, USER_2, 50), WM_ERR_CONFLICT);
	assert_int_equal(store_two_factor_confirm(f->st, USER_2, 50,
						  (const unsigned char(*)[KEYRING_BLIND_LEN])hashes,
						  1, 1000, &ev),
			 WM_OK);
	assert_int_equal(store_two_factor_use_step(f->st, USER_2, 50), WM_ERR_CONFLICT);
	assert_int_equal(store_two_factor_use_step(f->st, USER_2, 51), WM_OK);
	assert_int_equal(store_two_factor_use_step(f->st, USER_2, 51), WM_ERR_CONFLICT);
	assert_int_equal(store_two_factor_use_step(f->st, USER_2, 49), WM_ERR_CONFLICT);
	unsigned char other[KEYRING_BLIND_LEN] = {8};
	assert_int_equal(store_two_factor_use_recovery(f->st, USER_2, other, 1100),
			 WM_ERR_NOT_FOUND);
	assert_int_equal(store_two_factor_use_recovery(f->st, USER_1, hashes[0], 1100),
			 WM_ERR_NOT_FOUND);
	assert_int_equal(store_two_factor_use_recovery(f->st, USER_2, hashes[0], 1100), WM_OK);
	assert_int_equal(store_two_factor_use_recovery(f->st, USER_2, hashes[0], 1100),
			 WM_ERR_NOT_FOUND);
	assert_int_equal(store_session_create(f->st, digest_b, 32, USER_2, 1, 1000, 99999), WM_OK);
	bool required, enrolled; /* asked (and kept) just before the removal */
	assert_int_equal(store_two_factor_state(f->st, USER_2, ORG_B, &required, &enrolled), WM_OK);
	assert_true(enrolled);
	event(&ev, "user.two_factor_reset", USER_2, "two_factor");
	assert_int_equal(store_two_factor_remove(f->st, USER_2, true, &ev), WM_OK);
	assert_int_equal(store_two_factor_state(f->st, USER_2, ORG_B, &required, &enrolled), WM_OK);
	assert_false(enrolled);
	struct store_two_factor tf;
	assert_int_equal(store_two_factor_get(f->st, USER_2, &tf), WM_ERR_NOT_FOUND);
	struct store_user u;
	int64_t exp;
	assert_int_equal(store_session_user(f->st, digest_b, 32, 1001, &u, &exp), WM_ERR_NOT_FOUND);
}

/* An organisation's requirement, set with its version. */
static void two_factor_required_by_an_organisation(void **state)
{
	struct fixture *f = *state;
	struct store_account_event ev;
	event(&ev, "org.update", ORG_A, "two_factor_required");
	bool required, enrolled;
	assert_int_equal(store_two_factor_state(f->st, USER_1, ORG_A, &required, &enrolled), WM_OK);
	assert_false(required);
	assert_int_equal(store_org_set_two_factor(f->st, ORG_A, 2, true, 1000, AT, &ev),
			 WM_ERR_CONFLICT);
	assert_int_equal(store_org_set_two_factor(f->st, ORG_A, 1, true, 1000, AT, &ev), WM_OK);
	assert_int_equal(store_org_set_two_factor(f->st, ORG_A, 2, true, 1000, AT, &ev), WM_OK);
	assert_int_equal(store_two_factor_state(f->st, USER_1, ORG_A, &required, &enrolled), WM_OK);
	assert_true(required);
	assert_int_equal(store_two_factor_state(f->st, USER_2, ORG_B, &required, &enrolled), WM_OK);
	assert_false(required);
	assert_int_equal(store_two_factor_state(f->st, USER_1, NULL, &required, &enrolled), WM_OK);
	assert_false(required);
	struct store_org o;
	assert_int_equal(store_org_get(f->st, ORG_A, &o), WM_OK);
	assert_int_equal(o.version, 3);
	assert_int_equal(store_org_set_two_factor(f->st, ORG_A, 3, false, 1000, AT, &ev), WM_OK);
	assert_int_equal(store_two_factor_state(f->st, USER_1, ORG_A, &required, &enrolled), WM_OK);
	assert_false(required);
}

int main(void)
{
	if (!text_init() || !secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(reads_never_carry_the_hash, setup, teardown),
	    cmocka_unit_test_setup_teardown(an_update_without_a_hash_keeps_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(own_change_keeps_this_session_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_cached_session_ends_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(trail_of_an_organisation, setup, teardown),
	    cmocka_unit_test_setup_teardown(two_factor_secret_sealed_and_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(two_factor_steps_and_codes_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(two_factor_required_by_an_organisation, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
