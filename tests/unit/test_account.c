/* Unit tests for domain/account: the rules of changing an account. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "crypto/secret.h"
#include "domain/account.h"

#define ORG_A "11111111111111111111111111111111"
#define ORG_B "22222222222222222222222222222222"
#define ADMIN "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const struct account_state advocate_a = {ROLE_ADVOCATE, ORG_A, false};

static void what_ends_sessions(void **state)
{
	(void)state;
	struct account_state after = advocate_a;
	/* Nothing that changes who may act as them: sessions go on. */
	assert_false(account_change_ends_sessions(&advocate_a, &after, false));
	/* A new password, even the same role and organisation. */
	assert_true(account_change_ends_sessions(&advocate_a, &after, true));
	after.role = ROLE_MANAGER;
	assert_true(account_change_ends_sessions(&advocate_a, &after, false));
	after = advocate_a;
	after.org_id = ORG_B;
	assert_true(account_change_ends_sessions(&advocate_a, &after, false));
	after.org_id = "";
	assert_true(account_change_ends_sessions(&advocate_a, &after, false));
	/* Another copy of the same id is the same organisation. */
	char same[] = ORG_A;
	after.org_id = same;
	assert_false(account_change_ends_sessions(&advocate_a, &after, false));
	after = advocate_a;
	after.disabled = true;
	assert_true(account_change_ends_sessions(&advocate_a, &after, false));
	/* Re-enabling gives no session back, and ends none. */
	struct account_state disabled = advocate_a;
	disabled.disabled = true;
	assert_false(account_change_ends_sessions(&disabled, &advocate_a, false));
	/* NULL and "" both mean no organisation. */
	const struct account_state admin_null = {ROLE_ADMIN, NULL, false};
	const struct account_state admin_empty = {ROLE_ADMIN, "", false};
	assert_false(account_change_ends_sessions(&admin_null, &admin_empty, false));
}

static void what_an_administrator_may_not_do_to_themselves(void **state)
{
	(void)state;
	struct schema_error se;
	const struct account_state admin = {ROLE_ADMIN, NULL, false};
	struct account_state after = admin;
	assert_int_equal(account_check_change(&admin, &after, true, &se), WM_OK);
	/* Becoming a manager would make them a reader of cases. */
	after.role = ROLE_MANAGER;
	after.org_id = ORG_A;
	assert_int_equal(account_check_change(&admin, &after, true, &se), WM_ERR_INVALID);
	assert_string_equal(se.field, "role");
	/* The same change to another administrator is theirs to make. */
	assert_int_equal(account_check_change(&admin, &after, false, &se), WM_OK);
	after = admin;
	after.disabled = true;
	assert_int_equal(account_check_change(&admin, &after, true, &se), WM_ERR_INVALID);
	assert_string_equal(se.field, "disabled");
	assert_int_equal(account_check_change(&admin, &after, false, &se), WM_OK);
	/* An organisation of their own is no change of role. */
	after = admin;
	after.org_id = ORG_A;
	assert_int_equal(account_check_change(&admin, &after, true, &se), WM_OK);
}

static void every_role_but_admin_needs_an_organisation(void **state)
{
	(void)state;
	struct schema_error se;
	for (int r = 0; r < ROLE_COUNT; r++) {
		const struct account_state before = {(enum role)r, ORG_A, false};
		const struct account_state none = {(enum role)r, "", false};
		const struct account_state null = {(enum role)r, NULL, false};
		wm_err want = r == ROLE_ADMIN ? WM_OK : WM_ERR_INVALID;
		assert_int_equal(account_check_change(&before, &none, false, &se), want);
		assert_int_equal(account_check_change(&before, &null, false, &se), want);
		if (want != WM_OK)
			assert_string_equal(se.field, "org_id");
		assert_int_equal(account_check_change(&before, &before, false, &se), WM_OK);
	}
}

static void who_set_a_password_decides_whether_it_must_change(void **state)
{
	(void)state;
	assert_true(account_password_set_by_other(ADMIN, OTHER));
	assert_false(account_password_set_by_other(ADMIN, ADMIN));
}

static void a_new_password_is_long_enough_and_new(void **state)
{
	(void)state;
	struct schema_error se;
	assert_int_equal(account_check_new_password("first password", "second password", &se),
			 WM_OK);
	assert_int_equal(account_check_new_password("first password", "first password", &se),
			 WM_ERR_INVALID);
	assert_string_equal(se.field, "new_password");
	assert_int_equal(account_check_new_password("first password", "elevenchars", &se),
			 WM_ERR_INVALID);
	assert_string_equal(se.field, "new_password");
	/* Characters, not bytes: twelve accented letters are enough, six
	 * two-byte letters (twelve bytes) are not. */
	assert_int_equal(
	    account_check_new_password("first password",
				       "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
				       "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9",
				       &se),
	    WM_OK);
	assert_int_equal(
	    account_check_new_password("first password",
				       "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", &se),
	    WM_ERR_INVALID);
}

static void password_change_schema_needs_both(void **state)
{
	(void)state;
	struct schema_error se;
	json_t *ok = json_pack("{s:s, s:s}", "current_password", "a", "new_password", "b");
	assert_int_equal(schema_check(&password_change_schema, ok, &se), WM_OK);
	json_decref(ok);
	json_t *missing = json_pack("{s:s}", "new_password", "second password");
	assert_int_equal(schema_check(&password_change_schema, missing, &se), WM_ERR_INVALID);
	assert_string_equal(se.field, "current_password");
	json_decref(missing);
	json_t *extra = json_pack("{s:s, s:s, s:s}", "current_password", "a", "new_password", "b",
				  "username", "someone");
	assert_int_equal(schema_check(&password_change_schema, extra, &se), WM_ERR_INVALID);
	assert_string_equal(se.field, "username");
	json_decref(extra);
}

/* The passwords of a parsed request are overwritten where jansson keeps
 * them, and nothing else is touched. */
static void parsed_passwords_are_wiped_in_place(void **state)
{
	(void)state;
	json_t *body = json_loads("{\"current_password\": \"hunter2hunter2\", "
				  "\"new_password\": \"correct horse battery\", "
				  "\"username\": \"advocate\", \"version\": 3}",
				  0, NULL);
	assert_non_null(body);
	const char *cur = json_string_value(json_object_get(body, "current_password"));
	const char *next = json_string_value(json_object_get(body, "new_password"));
	size_t cur_len = strlen(cur), next_len = strlen(next);
	static const char *const names[] = {"current_password", "new_password", "version", "absent",
					    NULL};
	secret_wipe_json(body, names);
	/* Same bytes, same length, all zero. */
	assert_ptr_equal(json_string_value(json_object_get(body, "current_password")), cur);
	for (size_t i = 0; i < cur_len; i++)
		assert_int_equal(cur[i], 0);
	for (size_t i = 0; i < next_len; i++)
		assert_int_equal(next[i], 0);
	assert_string_equal(json_string_value(json_object_get(body, "username")), "advocate");
	assert_int_equal(json_integer_value(json_object_get(body, "version")), 3);
	secret_wipe_json(NULL, names);
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(what_ends_sessions),
	    cmocka_unit_test(what_an_administrator_may_not_do_to_themselves),
	    cmocka_unit_test(every_role_but_admin_needs_an_organisation),
	    cmocka_unit_test(who_set_a_password_decides_whether_it_must_change),
	    cmocka_unit_test(a_new_password_is_long_enough_and_new),
	    cmocka_unit_test(password_change_schema_needs_both),
	    cmocka_unit_test(parsed_passwords_are_wiped_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
