/* store_fixture.h - what the store's unit tests share: a new database and
 * key in a folder of their own (setup, teardown: cmocka's state is the
 * fixture), an organisation with one advocate, and a survivor added with
 * its audit entry. Header-only: included by one test file each. */
#ifndef WM_TEST_STORE_FIXTURE_H
#define WM_TEST_STORE_FIXTURE_H

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
	snprintf(f->dir, sizeof f->dir, "/tmp/wm-store-XXXXXX");
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

#endif
