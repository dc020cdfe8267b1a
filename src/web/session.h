/*
 * session.h - the web pages' session cookie and CSRF tokens.
 *
 * A signed-in browser holds one cookie: the session's bearer token and the
 * instant of its last page, sealed together under the data key, so that the
 * value reveals nothing (no username, no id) and cannot be altered. The
 * instant gives the idle time-out without a database write per page: the
 * cookie is sealed afresh on every page, and one older than the idle limit
 * is refused (and its session revoked).
 *
 * Every form carries a CSRF token: a keyed hash of what it is bound to (the
 * session's token once signed in; before that, a random value kept in a
 * cookie of its own), so it needs no storage and is worthless elsewhere.
 */
#ifndef WM_WEB_SESSION_H
#define WM_WEB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/keyring.h"
#include "../crypto/secret.h"

#define WEB_COOKIE_PLAIN  (SECRET_TOKEN_LEN - 1 + 8)
#define WEB_COOKIE_SEALED (4 + WEB_COOKIE_PLAIN + KEYRING_OVERHEAD)
#define WEB_COOKIE_TEXT	  (WEB_COOKIE_SEALED * 4 / 3 + 4)
#define WEB_CSRF_TEXT	  (KEYRING_BLIND_LEN * 4 / 3 + 4)
#define WEB_NONCE_TEXT	  SECRET_TOKEN_LEN

/* Seals token (SECRET_TOKEN_LEN - 1 characters) and the instant at into
 * out; false when the key fails. */
bool web_cookie_seal(const struct keyring *k, const char *token, int64_t at,
		     char out[WEB_COOKIE_TEXT]);

/* Opens a cookie value; false when it is not one this server sealed. The
 * caller wipes token. */
bool web_cookie_open(const struct keyring *k, const char *text, char token[SECRET_TOKEN_LEN],
		     int64_t *at);

/* Finds cookie name in a Cookie header ("a=1; b=2") and copies its value
 * into out (cap bytes); false when absent or too long. */
bool web_cookie_find(const char *header, const char *name, char *out, size_t cap);

/* The CSRF token of a form bound to binder (a session token or a nonce). */
void web_csrf_token(const struct keyring *k, const char *binder, char out[WEB_CSRF_TEXT]);

/* Whether given is the CSRF token for binder (compared in constant time). */
bool web_csrf_ok(const struct keyring *k, const char *binder, const char *given);

#endif
