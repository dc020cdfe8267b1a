/*
 * account.c - organisations, users and roles.
 */
#include "account.h"

#include <string.h>

static const char *const role_names[ROLE_COUNT] = {"admin", "manager", "advocate", "clinician",
						   "analyst"};
static const char *const role_values[] = {"admin",     "manager", "advocate",
					  "clinician", "analyst", NULL};
static const char *const org_kinds[] = {"support_agency", "health", "legal",
					"statutory",	  "other",  NULL};

const char *role_name(enum role r)
{
	return r < ROLE_COUNT ? role_names[r] : "unknown";
}

bool role_parse(const char *s, enum role *out)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (s && strcmp(s, role_names[i]) == 0) {
			*out = (enum role)i;
			return true;
		}
	return false;
}

static const struct schema_field org_fields[] = {
    {.name = "name", .type = SCH_STRING, .flags = SCH_REQUIRED},
    {.name = "kind", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = org_kinds},
};
const struct schema org_create_schema = {"org", org_fields, 2};

static const struct schema_field user_fields[] = {
    {.name = "username", .type = SCH_STRING, .flags = SCH_REQUIRED, .max = USERNAME_MAX},
    {.name = "password", .type = SCH_STRING, .flags = SCH_REQUIRED, .max = PASSWORD_MAX_BYTES},
    {.name = "display_name", .type = SCH_STRING, .flags = SCH_REQUIRED},
    {.name = "role", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = role_values},
    {.name = "org_id", .type = SCH_ID},
};
const struct schema user_create_schema = {"user", user_fields, 5};

static const struct schema_field user_patch_fields[] = {
    {.name = "version", .type = SCH_INT, .flags = SCH_REQUIRED, .min = 1, .max = 2147483647},
    {.name = "display_name", .type = SCH_STRING, .flags = SCH_NONBLANK},
    {.name = "role", .type = SCH_ENUM, .values = role_values},
    {.name = "org_id", .type = SCH_ID},
    {.name = "disabled", .type = SCH_BOOL},
    {.name = "password", .type = SCH_STRING, .max = PASSWORD_MAX_BYTES},
};
const struct schema user_patch_schema = {"user_patch", user_patch_fields, 6};

static const struct schema_field login_fields[] = {
    {.name = "username", .type = SCH_STRING, .flags = SCH_REQUIRED, .max = 256},
    {.name = "password", .type = SCH_STRING, .flags = SCH_REQUIRED, .max = PASSWORD_MAX_BYTES},
    {.name = "totp", .type = SCH_STRING, .max = 16},
    {.name = "recovery_code", .type = SCH_STRING, .max = 32},
};
const struct schema login_schema = {"login", login_fields, 4};

static const struct schema_field password_change_fields[] = {
    {.name = "current_password",
     .type = SCH_STRING,
     .flags = SCH_REQUIRED,
     .max = PASSWORD_MAX_BYTES},
    {.name = "new_password", .type = SCH_STRING, .flags = SCH_REQUIRED, .max = PASSWORD_MAX_BYTES},
};
const struct schema password_change_schema = {"password_change", password_change_fields, 2};

size_t account_utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

bool account_username_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > USERNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '@'))
			return false;
	}
	return true;
}

void account_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

wm_err account_check_password(const json_t *obj, struct schema_error *err)
{
	const json_t *pw = json_object_get(obj, "password");
	if (pw && account_utf8_chars(json_string_value(pw)) < PASSWORD_MIN_CHARS) {
		schema_fail(err, "password", "password must have at least %d characters",
			    PASSWORD_MIN_CHARS);
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

wm_err account_check_user(const json_t *user, struct schema_error *err)
{
	if (account_check_password(user, err) != WM_OK)
		return WM_ERR_INVALID;
	const json_t *role = json_object_get(user, "role");
	enum role r;
	if (role && role_parse(json_string_value(role), &r) && r != ROLE_ADMIN &&
	    !json_is_string(json_object_get(user, "org_id"))) {
		schema_fail(err, "org_id", "org_id is required for this role");
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

static bool same_org(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

bool account_change_ends_sessions(const struct account_state *before,
				  const struct account_state *after, bool password_set)
{
	return password_set || after->role != before->role ||
	       !same_org(before->org_id, after->org_id) || (after->disabled && !before->disabled);
}

wm_err account_check_change(const struct account_state *before, const struct account_state *after,
			    bool self, struct schema_error *err)
{
	if (self && after->role != before->role) {
		schema_fail(err, "role", "an administrator cannot change their own role");
		return WM_ERR_INVALID;
	}
	if (self && after->disabled && !before->disabled) {
		schema_fail(err, "disabled", "an administrator cannot disable their own account");
		return WM_ERR_INVALID;
	}
	if (after->role != ROLE_ADMIN && same_org(after->org_id, "")) {
		schema_fail(err, "org_id", "org_id is required for this role");
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

bool account_password_set_by_other(const char *actor_id, const char *target_id)
{
	return strcmp(actor_id, target_id) != 0;
}

wm_err account_check_new_password(const char *current, const char *next, struct schema_error *err)
{
	if (account_utf8_chars(next) < PASSWORD_MIN_CHARS) {
		schema_fail(err, "new_password", "new_password must have at least %d characters",
			    PASSWORD_MIN_CHARS);
		return WM_ERR_INVALID;
	}
	if (strcmp(current, next) == 0) {
		schema_fail(err, "new_password", "new_password must differ from the current one");
		return WM_ERR_INVALID;
	}
	return WM_OK;
}
