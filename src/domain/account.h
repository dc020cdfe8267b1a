/*
 * account.h - organisations, users and roles: names, schemas and rules.
 */
#ifndef WM_ACCOUNT_H
#define WM_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>

#include "err.h"
#include "schema.h"

enum role { ROLE_ADMIN, ROLE_MANAGER, ROLE_ADVOCATE, ROLE_CLINICIAN, ROLE_ANALYST, ROLE_COUNT };

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_BYTES 1024
#define USERNAME_MAX	   64

/* The role's name in the API ("advocate"); never NULL for a valid role. */
const char *role_name(enum role r);

/* Parses a role name; false when it is not one. */
bool role_parse(const char *s, enum role *out);

extern const struct schema org_create_schema; /* {name, kind} */
extern const struct schema
    user_create_schema; /* {username, password, display_name, role, org_id} */
extern const struct schema
    user_patch_schema; /* {version, display_name, role, org_id, disabled, password} */
extern const struct schema login_schema; /* {username, password, totp, recovery_code} */
extern const struct schema
    password_change_schema; /* {current_password, new_password}: the owner's own change */

/* Checks a new user's fields beyond their types: username characters,
 * password length (in characters, not bytes), org_id needed for every role
 * but admin. WM_ERR_INVALID with *err. */
wm_err account_check_user(const json_t *user, struct schema_error *err);

/* Checks only the password's length, when the object has one. */
wm_err account_check_password(const json_t *obj, struct schema_error *err);

/* Lower-cases the ASCII letters of a username in place. */
void account_lower(char *s);

/* True when a username is 1-64 of a-z, 0-9, '.', '_', '-', '@' (after the
 * caller lower-cased it). */
bool account_username_ok(const char *s);

/* Number of Unicode characters in a UTF-8 string. */
size_t account_utf8_chars(const char *s);

/* ---- the rules of changing an account ---- */

/* An account as the rules of changing it see it. Borrowed strings. */
struct account_state {
	enum role role;
	const char *org_id; /* "" or NULL when none */
	bool disabled;
};

/* True when a change from before to after must end every session the
 * account holds, because it changes who may act as them or what they may
 * do: a new password (password_set), another role or organisation, or
 * being disabled. A new display name ends none. */
bool account_change_ends_sessions(const struct account_state *before,
				  const struct account_state *after, bool password_set);

/* Checks an administrator's change to an account (self: the administrator
 * is changing their own). Every role but admin needs an organisation. On
 * their own account an administrator may not change their role (separation
 * of duties: as a manager they would read cases) nor disable it (the last
 * administrator would lock everyone out). WM_ERR_INVALID with *err naming
 * the field. */
wm_err account_check_change(const struct account_state *before, const struct account_state *after,
			    bool self, struct schema_error *err);

/* True when a password actor_id has just set for target_id must be changed
 * by its owner before they do anything else: whenever it was set by
 * someone else (an administrator who knows a manager's password could sign
 * in as them). Accounts made on the command line are not set this way. */
bool account_password_set_by_other(const char *actor_id, const char *target_id);

/* Checks an owner's own change of password, once current has been verified
 * as theirs: next has at least PASSWORD_MIN_CHARS characters and is not
 * current. WM_ERR_INVALID with *err naming new_password. */
wm_err account_check_new_password(const char *current, const char *next, struct schema_error *err);

#endif
