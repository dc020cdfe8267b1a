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
extern const struct schema login_schema; /* {username, password, totp} */

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

#endif
