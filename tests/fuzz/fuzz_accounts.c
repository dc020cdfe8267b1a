/*
 * fuzz_accounts.c - libFuzzer target: the bodies of the account calls
 * (organisations, users and their changes, sign-in, a change of password)
 * and the rules on usernames, roles and passwords. The first byte picks the
 * schema; the rest is the JSON body.
 *
 * Invariants: a body that passes, written out and read back, passes again;
 * a username that passes is already lower case and survives lower-casing
 * unchanged; a role name parses back to its role.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>

#include "domain/account.h"
#include "fuzz.h"
#include "util/text.h"

static const struct schema *const schemas[] = {
    &org_create_schema, &user_create_schema,	 &user_patch_schema,
    &login_schema,	&password_change_schema,
};

/* The checks the API runs on the body of schema s (api/users.c, auth.c). */
static wm_err check(const struct schema *s, const json_t *body, struct schema_error *se)
{
	wm_err e = schema_check(s, body, se);
	if (e == WM_OK && s == &user_create_schema)
		e = account_check_user(body, se);
	if (e == WM_OK && (s == &user_patch_schema || s == &user_create_schema))
		e = account_check_password(body, se);
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready)
		ready = text_init();
	if (size < 1)
		return 0;
	const struct schema *s = schemas[data[0] % (sizeof schemas / sizeof schemas[0])];
	const char *text = (const char *)data + 1;
	size--;

	/* The text itself as a username and as a role name. */
	char *name = fuzz_string((const uint8_t *)text, size);
	if (!name)
		return 0;
	if (account_username_ok(name)) {
		char *copy = strdup(name);
		account_lower(copy);
		FUZZ_CHECK(strcmp(copy, name) == 0 && strlen(name) <= USERNAME_MAX);
		free(copy);
	}
	enum role r;
	if (role_parse(name, &r))
		FUZZ_CHECK(r < ROLE_COUNT && strcmp(role_name(r), name) == 0);
	if (text_utf8_valid(name, strlen(name)))
		FUZZ_CHECK(account_utf8_chars(name) <= strlen(name));
	free(name);

	if (!text_utf8_valid(text, size))
		return 0;
	json_t *body =
	    json_loadb(text, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!body || !json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	struct schema_error se;
	if (check(s, body, &se) == WM_OK) {
		char *out = json_dumps(body, JSON_COMPACT);
		FUZZ_CHECK(out != NULL);
		json_t *back = json_loads(out, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
		free(out);
		FUZZ_CHECK(back && check(s, back, &se) == WM_OK && json_equal(back, body));
		json_decref(back);
	} else {
		FUZZ_CHECK(se.message[0] != '\0');
	}
	json_decref(body);
	return 0;
}
