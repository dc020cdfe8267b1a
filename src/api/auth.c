/*
 * auth.c - logging in and out, and who am I.
 *
 * Five failed logins for one username within 15 minutes lock it for 15
 * minutes. Failures are counted for usernames that do not exist too, and an
 * unknown username costs the same Argon2id work as a wrong password, so the
 * answers never tell whether an account exists.
 */
#define _POSIX_C_SOURCE 200809L
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/account.h"
#include "../domain/date.h"
#include "call.h"

#define LOCK_WINDOW   (15 * 60)
#define LOCK_FAILURES 5

/* What a deferred login needs; wiped when done. */
struct login_job {
	struct app *app;
	int64_t now;
	char username[257]; /* login_schema allows 256 bytes */
	char password[PASSWORD_MAX_BYTES + 1];
};

static void login(struct call *c, const char *username, const char *password);
static void login_deferred(struct http_req *r, void *arg);
static void login_job_free(void *arg);

json_t *user_json(const struct store_user *u)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:i, s:s, s:s}", "id", u->id, "username",
			 u->username, "display_name", u->display_name, "role", role_name(u->role),
			 "org_id", u->org_id[0] ? json_string(u->org_id) : json_null(), "disabled",
			 u->disabled, "version", u->version, "created_at", u->created_at,
			 "updated_at", u->updated_at);
}

static void locked(struct call *c, int64_t retry)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%lld", (long long)(retry > 0 ? retry : 1));
	http_add_header(c->req, "Retry-After", buf);
	http_error(c->req, 429, "rate_limited", "too many failed logins; try again later", NULL);
}

void auth_login(struct call *c)
{
	json_t *body = call_body(c);
	if (!body)
		return;
	struct schema_error se;
	if (schema_check(&login_schema, body, &se) != WM_OK) {
		json_decref(body);
		call_fail(c, WM_ERR_INVALID, &se);
		return;
	}
	char username[257]; /* login_schema allows 256 bytes */
	snprintf(username, sizeof username, "%s",
		 json_string_value(json_object_get(body, "username")));
	account_lower(username);

	/* Argon2id costs 64 MiB and a core: the check runs on a few threads of
	 * its own, so a flood of logins neither starves the rest of the service
	 * nor holds up the connections this thread serves. */
	struct login_job *job = malloc(sizeof *job);
	if (!job) {
		json_decref(body);
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	job->app = c->app;
	job->now = c->now;
	memcpy(job->username, username, sizeof job->username);
	snprintf(job->password, sizeof job->password, "%s",
		 json_string_value(json_object_get(body, "password")));
	json_decref(body);
	http_defer(c->req, username, login_deferred, login_job_free, job);
}

static void login_job_free(void *arg)
{
	sodium_memzero(arg, sizeof(struct login_job));
	free(arg);
}

/* On a worker thread: the password check and its answer. */
static void login_deferred(struct http_req *r, void *arg)
{
	struct login_job *job = arg;
	struct call c = {
	    .req = r, .app = job->app, .now = job->now, .today = instant_day(job->now)};
	login(&c, job->username, job->password);
	login_job_free(job);
}

/* Checks the password under the lock-out rule and opens a session. */
static void login(struct call *c, const char *username, const char *password)
{
	static const struct store_lockout rule = {LOCK_WINDOW, LOCK_FAILURES, LOCK_WINDOW};
	struct store *st = c->app->store;
	int64_t until;
	wm_err e = store_login_begin(st, username, c->now, &rule, &until);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	if (until) {
		/* Locked: not even the right password opens it. */
		locked(c, until - c->now);
		return;
	}

	struct store_user u;
	bool found = strlen(username) <= USERNAME_MAX &&
		     store_user_by_name(st, username, &u) == WM_OK && !u.disabled;
	if (!secret_verify_password(found ? u.password_hash : NULL, password)) {
		/* The failure that locks still answers 401; the lock shows from
		 * the next try on. */
		e = store_login_failed(st, username, c->now, &rule);
		if (e != WM_OK) {
			call_fail(c, e, NULL);
			return;
		}
		http_error(c->req, 401, "unauthenticated", "wrong username or password", NULL);
		return;
	}
	store_login_succeeded(st, username);

	char token[SECRET_TOKEN_LEN];
	unsigned char digest[SECRET_DIGEST];
	secret_new_token(token, digest);
	int64_t expires = c->now + c->app->session_ttl;
	/* The session is stored only if the account is still as it was when
	 * its password was checked (not changed or disabled meanwhile). */
	e = store_session_create(st, digest, sizeof digest, u.id, u.version, c->now, expires);
	if (e == WM_ERR_NOT_FOUND) {
		http_error(c->req, 401, "unauthenticated", "wrong username or password", NULL);
		return;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	char exp[INSTANT_TEXT_LEN];
	instant_format(expires, exp);
	http_respond_json(
	    c->req, 200,
	    json_pack("{s:s, s:s, s:o}", "token", token, "expires_at", exp, "user", user_json(&u)));
}

void auth_logout(struct call *c)
{
	wm_err e = store_session_delete(c->app->store, c->token_digest, sizeof c->token_digest);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond(c->req, 204, NULL, NULL, 0);
}

void auth_me(struct call *c)
{
	http_respond_json(c->req, 200, user_json(&c->user));
}

void health_get(struct call *c)
{
	if (store_ping(c->app->store) != WM_OK) {
		http_respond_json(c->req, 503, json_pack("{s:s}", "status", "unavailable"));
		return;
	}
	http_respond_json(c->req, 200, json_pack("{s:s}", "status", "ok"));
}
