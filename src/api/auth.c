/*
 * auth.c - logging in and out, who am I, and changing one's own password.
 *
 * Five failed logins for one username within 15 minutes lock it for 15
 * minutes. Failures are counted for usernames that do not exist too, and an
 * unknown username costs the same Argon2id work as a wrong password, so the
 * answers never tell whether an account exists. A wrong current password
 * in a change of password counts as a failed login of the account, so a
 * stolen token does not open a way round the lock-out.
 *
 * Passwords are wiped once used: the raw body, the strings inside the
 * parsed JSON, the copies in the deferred job and the stored hash read to
 * check them (which only these checks read: a session's user carries none).
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

static const struct store_lockout lock_rule = {LOCK_WINDOW, LOCK_FAILURES, LOCK_WINDOW};
/* The request members that hold a password. */
static const char *const login_secrets[] = {"password", "totp", "recovery_code", NULL};
static const char *const change_secrets[] = {"current_password", "new_password", NULL};

/* What a deferred login needs; wiped when done. */
struct login_job {
	struct app *app;
	int64_t now;
	char username[257]; /* login_schema allows 256 bytes */
	char password[PASSWORD_MAX_BYTES + 1];
	char totp[17];		/* login_schema allows 16 bytes; "" when not sent */
	char recovery_code[33]; /* 32 */
};

static void login(struct call *c, const struct login_job *job);
static void login_deferred(struct http_req *r, void *arg);
static void login_job_free(void *arg);

json_t *user_json(const struct store_user *u)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:i, s:s, s:s, s:b}", "id", u->id,
			 "username", u->username, "display_name", u->display_name, "role",
			 role_name(u->role), "org_id",
			 u->org_id[0] ? json_string(u->org_id) : json_null(), "disabled",
			 u->disabled, "password_change_required", u->must_change_password,
			 "version", u->version, "created_at", u->created_at, "updated_at",
			 u->updated_at, "privacy_mode", u->privacy_mode);
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
	json_t *body = call_secret_body(c);
	if (!body)
		return;
	struct schema_error se;
	if (schema_check(&login_schema, body, &se) != WM_OK) {
		call_body_drop(c, body, login_secrets);
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
		call_body_drop(c, body, login_secrets);
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	job->app = c->app;
	job->now = c->now;
	memcpy(job->username, username, sizeof job->username);
	snprintf(job->password, sizeof job->password, "%s",
		 json_string_value(json_object_get(body, "password")));
	const char *totp = json_string_value(json_object_get(body, "totp"));
	const char *recovery = json_string_value(json_object_get(body, "recovery_code"));
	snprintf(job->totp, sizeof job->totp, "%s", totp ? totp : "");
	snprintf(job->recovery_code, sizeof job->recovery_code, "%s", recovery ? recovery : "");
	call_body_drop(c, body, login_secrets);
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
	    .req = r, .app = job->app, .now = job->now, .today = call_today(job->app, job->now)};
	login(&c, job);
	login_job_free(job);
}

bool auth_attempt_begin(struct call *c, const char *username)
{
	int64_t until;
	wm_err e = store_login_begin(c->app->store, username, c->now, &lock_rule, &until);
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	if (until) {
		/* Locked: not even the right password (or code) opens it. */
		locked(c, until - c->now);
		return false;
	}
	return true;
}

bool auth_attempt_failed(struct call *c, const char *username)
{
	wm_err e = store_login_failed(c->app->store, username, c->now, &lock_rule);
	return e == WM_OK || call_fail(c, e, NULL);
}

enum auth_check auth_check_password(struct call *c, const char *username, const char *user_id,
				    const char *password)
{
	struct store *st = c->app->store;
	if (!auth_attempt_begin(c, username))
		return CHECK_ANSWERED;
	char hash[STORE_HASH_LEN];
	bool found = user_id && store_user_password(st, user_id, hash) == WM_OK;
	bool right = secret_verify_password(found ? hash : NULL, password);
	sodium_memzero(hash, sizeof hash);
	if (right)
		return CHECK_RIGHT;
	return auth_attempt_failed(c, username) ? CHECK_WRONG : CHECK_ANSWERED;
}

/* Checks the password under the lock-out rule, then the second factor of
 * an enrolled account, and opens a session. */
static void login(struct call *c, const struct login_job *job)
{
	struct store *st = c->app->store;
	struct store_user u;
	bool found = strlen(job->username) <= USERNAME_MAX &&
		     store_user_by_name(st, job->username, &u) == WM_OK && !u.disabled;
	enum auth_check r =
	    auth_check_password(c, job->username, found ? u.id : NULL, job->password);
	if (r == CHECK_WRONG)
		http_error(c->req, 401, "unauthenticated", "wrong username or password", NULL);
	if (r != CHECK_RIGHT)
		return;
	bool must_enrol;
	if (two_factor_sign_in(c, job->username, &u, job->totp, job->recovery_code, &must_enrol))
		auth_open_session(c, &u, must_enrol);
}

void auth_open_session(struct call *c, const struct store_user *user, bool must_enrol)
{
	struct store *st = c->app->store;
	const struct store_user u = *user;
	char token[SECRET_TOKEN_LEN];
	unsigned char digest[SECRET_DIGEST];
	secret_new_token(token, digest);
	int64_t expires = c->now + c->app->session_ttl;
	/* The session is stored only if the account is still as it was when
	 * its password was checked (not changed or disabled meanwhile). */
	wm_err e =
	    store_session_create(st, digest, sizeof digest, u.id, u.version, c->now, expires);
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
	/* A password an administrator set still signs in, but the token opens
	 * only /me, logout and the change of password until it is changed;
	 * the same holds for two-factor enrolment, when the organisation
	 * requires it and the account has none (said only then, so that the
	 * answer of everyone else is as it was). */
	json_t *answer =
	    json_pack("{s:s, s:s, s:b, s:o}", "token", token, "expires_at", exp,
		      "password_change_required", u.must_change_password, "user", user_json(&u));
	if (answer && must_enrol)
		json_object_set_new(answer, "two_factor_enrolment_required", json_true());
	http_respond_json(c->req, 200, answer);
	sodium_memzero(token, sizeof token);
}

/* What a deferred change of password needs; wiped when done. */
struct password_job {
	struct app *app;
	int64_t now;
	char user_id[STORE_ID_LEN];
	char username[USERNAME_MAX + 1];
	int version; /* the account as the request found it */
	unsigned char digest[SECRET_DIGEST];
	char current[PASSWORD_MAX_BYTES + 1];
	char next[PASSWORD_MAX_BYTES + 1];
};

static void password_job_free(void *arg)
{
	sodium_memzero(arg, sizeof(struct password_job));
	free(arg);
}

/* Checks the current password (under the lock-out rule) and stores the new
 * one, ending the account's other sessions. */
static void change_password(struct call *c, const struct password_job *job)
{
	enum auth_check r = auth_check_password(c, job->username, job->user_id, job->current);
	if (r == CHECK_WRONG)
		call_invalid(c, "current_password", "current_password is not your password");
	if (r != CHECK_RIGHT)
		return;
	store_login_succeeded(c->app->store, job->username);
	char hash[STORE_HASH_LEN];
	wm_err e = secret_hash_password(job->next, hash);
	if (e == WM_OK) {
		char at[INSTANT_TEXT_LEN];
		instant_format(c->now, at);
		struct store_account_event ev;
		call_account_event(c, "user.password", job->user_id, "password", &ev);
		e = store_user_set_password(c->app->store, job->user_id, job->version, hash, at,
					    job->digest, sizeof job->digest, &ev);
	}
	sodium_memzero(hash, sizeof hash);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond(c->req, 204, NULL, NULL, 0);
}

/* On a worker thread: the password checks and the answer. */
static void password_deferred(struct http_req *r, void *arg)
{
	struct password_job *job = arg;
	struct call c = {
	    .req = r, .app = job->app, .now = job->now, .today = call_today(job->app, job->now)};
	memcpy(c.user.id, job->user_id, sizeof c.user.id);
	change_password(&c, job);
	password_job_free(job);
}

void auth_change_password(struct call *c)
{
	json_t *body = call_secret_body(c);
	if (!body)
		return;
	struct schema_error se;
	wm_err e = schema_check(&password_change_schema, body, &se);
	if (e == WM_OK)
		e = account_check_new_password(
		    json_string_value(json_object_get(body, "current_password")),
		    json_string_value(json_object_get(body, "new_password")), &se);
	struct password_job *job = e == WM_OK ? malloc(sizeof *job) : NULL;
	if (e == WM_OK && !job)
		e = WM_ERR_NOMEM;
	if (e != WM_OK) {
		call_body_drop(c, body, change_secrets);
		call_fail(c, e, &se);
		return;
	}
	job->app = c->app;
	job->now = c->now;
	memcpy(job->user_id, c->user.id, sizeof job->user_id);
	memcpy(job->username, c->user.username, sizeof job->username);
	job->version = c->user.version;
	memcpy(job->digest, c->token_digest, sizeof job->digest);
	snprintf(job->current, sizeof job->current, "%s",
		 json_string_value(json_object_get(body, "current_password")));
	snprintf(job->next, sizeof job->next, "%s",
		 json_string_value(json_object_get(body, "new_password")));
	call_body_drop(c, body, change_secrets);
	/* Two Argon2id runs: on the password threads, like a login. */
	http_defer(c->req, c->user.username, password_deferred, password_job_free, job);
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
	json_t *me = user_json(&c->user);
	if (me && c->two_factor_missing)
		json_object_set_new(me, "two_factor_enrolment_required", json_true());
	http_respond_json(c->req, 200, me);
}

/* ---- settings of one's own account (the web pages' privacy mode) ---- */

static const struct schema_field me_patch_fields[] = {
    {.name = "version", .type = SCH_INT, .flags = SCH_REQUIRED, .min = 1, .max = 2147483647},
    {.name = "privacy_mode", .type = SCH_BOOL, .flags = SCH_REQUIRED},
};
static const struct schema me_patch_schema = {"me_patch", me_patch_fields, 2};

/* PATCH /me {version, privacy_mode}: the owner's own preferences, nothing
 * an administrator decides (role, organisation, password stay as they
 * are). Allowed before a required change of password: it opens nothing. */
void auth_me_patch(struct call *c)
{
	json_t *body = call_body(c);
	if (!body)
		return;
	struct schema_error se;
	wm_err e = schema_check(&me_patch_schema, body, &se);
	if (e != WM_OK) {
		json_decref(body);
		call_fail(c, e, &se);
		return;
	}
	int expected = (int)json_integer_value(json_object_get(body, "version"));
	struct store_user u = c->user; /* as the session loaded it; no hash: kept */
	u.password_hash[0] = '\0';
	u.privacy_mode = json_is_true(json_object_get(body, "privacy_mode"));
	json_decref(body);
	instant_format(c->now, u.updated_at);
	struct store_account_event ev;
	call_account_event(c, "user.update", u.id, "privacy_mode", &ev);
	e = store_user_update(c->app->store, &u, expected, false, &ev);
	if (e == WM_ERR_CONFLICT) {
		call_conflict(c, c->user.version, NULL, NULL);
		return;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	u.version = expected + 1;
	http_respond_json(c->req, 200, user_json(&u));
}

void health_get(struct call *c)
{
	if (store_ping(c->app->store) != WM_OK) {
		http_respond_json(c->req, 503, json_pack("{s:s}", "status", "unavailable"));
		return;
	}
	http_respond_json(c->req, 200, json_pack("{s:s}", "status", "ok"));
}
