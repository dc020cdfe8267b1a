/*
 * two_factor.c - two-factor sign-in (TOTP, RFC 6238): enrolment by the
 * account's owner, the second step of a sign-in, turning it off, and an
 * administrator's reset for someone who lost their device.
 *
 * Signing in: a right password is not enough for an enrolled account. The
 * login answers 401 two_factor_required with a challenge - the account's
 * id and version and an expiry, sealed with the data key, so no state is
 * kept between the steps and no password is held or sent again - and
 * POST /login/two-factor takes the challenge and a code. A code counts as
 * one attempt under the login lock-out: a wrong or used one is a failure
 * of the username, as a wrong password is.
 *
 * A code is accepted once: the step it belongs to is stored as the last
 * used, in one conditional UPDATE, so two requests racing with the same
 * code cannot both pass. A recovery code is spent the same way.
 *
 * The secret is sealed at rest (store), and every copy here - the opened
 * secret, its base32 text, the otpauth:// URI, the recovery codes - is
 * wiped once the answer is built. None is ever logged.
 */
#define _POSIX_C_SOURCE 200809L
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/totp.h"
#include "../domain/account.h"
#include "../domain/date.h"
#include "call.h"

#define CHALLENGE_TTL	 300 /* seconds between the password and the code */
#define CHALLENGE_PLAIN	 (32 + 4 + 8)
#define CHALLENGE_SEALED (4 + CHALLENGE_PLAIN + KEYRING_OVERHEAD)
#define CHALLENGE_TEXT	 (CHALLENGE_SEALED * 4 / 3 + 4)
#define CHALLENGE_AD	 "two-factor-challenge"

static const char *const code_secrets[] = {"totp", "recovery_code", "password", "challenge", NULL};

/* ---- the challenge between the two steps ---- */

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Seals (u's id, version, expiry) into out; false when the key fails. */
static bool challenge_make(const struct call *c, const struct store_user *u,
			   char out[CHALLENGE_TEXT])
{
	unsigned char plain[CHALLENGE_PLAIN] = {0};
	memcpy(plain, u->id, strnlen(u->id, 32));
	put_be(plain + 32, (uint32_t)u->version, 4);
	put_be(plain + 36, (uint64_t)(c->now + CHALLENGE_TTL), 8);
	unsigned char sealed[CHALLENGE_SEALED];
	int key_id;
	bool ok = keyring_seal(c->app->keys, plain, sizeof plain, CHALLENGE_AD, sealed + 4,
			       &key_id) == WM_OK;
	if (ok) {
		put_be(sealed, (uint32_t)key_id, 4);
		sodium_bin2base64(out, CHALLENGE_TEXT, sealed, sizeof sealed,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	}
	sodium_memzero(plain, sizeof plain);
	return ok;
}

/* Opens a challenge that has not expired: the account's id and version. */
static bool challenge_open(const struct call *c, const char *text, char user_id[STORE_ID_LEN],
			   int *version)
{
	unsigned char sealed[CHALLENGE_SEALED];
	size_t len = 0;
	if (strlen(text) >= CHALLENGE_TEXT ||
	    sodium_base642bin(sealed, sizeof sealed, text, strlen(text), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof sealed)
		return false;
	unsigned char plain[CHALLENGE_PLAIN];
	if (keyring_open(c->app->keys, (int)get_be(sealed, 4), sealed + 4, len - 4, CHALLENGE_AD,
			 plain) != WM_OK)
		return false;
	int64_t expires = (int64_t)get_be(plain + 36, 8);
	memcpy(user_id, plain, 32);
	user_id[32] = '\0';
	*version = (int)get_be(plain + 32, 4);
	sodium_memzero(plain, sizeof plain);
	return expires > c->now && schema_is_id(user_id);
}

/* Answers 401 with code and a fresh challenge for u. */
static void challenge_answer(struct call *c, const struct store_user *u, const char *code,
			     const char *message)
{
	char ch[CHALLENGE_TEXT];
	if (!challenge_make(c, u, ch)) {
		call_fail(c, WM_ERR_CRYPTO, NULL);
		return;
	}
	http_respond_json(c->req, 401,
			  json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "message",
				    message, "challenge", ch));
}

/* ---- checking a code ---- */

enum code_check { CODE_RIGHT, CODE_WRONG, CODE_ANSWERED };

/* Checks a TOTP code (or, when totp is "", a recovery code) against tf of
 * user_id, spending it when right. */
static enum code_check check_code(struct call *c, const char *user_id,
				  const struct store_two_factor *tf, const char *totp,
				  const char *recovery_code)
{
	struct store *st = c->app->store;
	wm_err e;
	if (totp && totp[0]) {
		int64_t step;
		if (!totp_check(tf->secret, tf->secret_len, c->now, tf->last_step, totp, &step))
			return CODE_WRONG;
		e = store_two_factor_use_step(st, user_id, step);
		if (e == WM_ERR_CONFLICT)
			return CODE_WRONG; /* used by a request racing this one */
	} else {
		unsigned char hash[KEYRING_BLIND_LEN];
		if (!recovery_code ||
		    !totp_recovery_hash(c->app->keys, user_id, recovery_code, hash))
			return CODE_WRONG;
		e = store_two_factor_use_recovery(st, user_id, hash, c->now);
		if (e == WM_ERR_NOT_FOUND)
			return CODE_WRONG;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return CODE_ANSWERED;
	}
	return CODE_RIGHT;
}

bool two_factor_org_required(struct call *c, const char *org_id, bool *required)
{
	bool enrolled;
	wm_err e = store_two_factor_state(c->app->store, NULL, org_id, required, &enrolled);
	return e == WM_OK || call_fail(c, e, NULL);
}

bool two_factor_sign_in(struct call *c, const char *username, const struct store_user *u,
			const char *totp, const char *recovery_code, bool *must_enrol)
{
	struct store *st = c->app->store;
	*must_enrol = false;
	struct store_two_factor tf;
	wm_err e = store_two_factor_get(st, u->id, &tf);
	bool enrolled = e == WM_OK && tf.confirmed;
	if (e != WM_OK && e != WM_ERR_NOT_FOUND) {
		sodium_memzero(&tf, sizeof tf);
		return call_fail(c, e, NULL);
	}
	if (!enrolled) {
		sodium_memzero(&tf, sizeof tf);
		bool required, has;
		e = store_two_factor_state(st, u->id, u->org_id, &required, &has);
		if (e != WM_OK)
			return call_fail(c, e, NULL);
		*must_enrol = required;
		store_login_succeeded(st, username);
		return true;
	}
	bool sent = (totp && totp[0]) || (recovery_code && recovery_code[0]);
	enum code_check r = sent ? check_code(c, u->id, &tf, totp, recovery_code) : CODE_WRONG;
	sodium_memzero(&tf, sizeof tf);
	if (r == CODE_RIGHT) {
		store_login_succeeded(st, username);
		return true;
	}
	if (r == CODE_ANSWERED || !auth_attempt_failed(c, username))
		return false;
	if (!sent)
		challenge_answer(c, u, "two_factor_required",
				 "enter the code from your authenticator app, or a recovery code");
	else
		challenge_answer(c, u, "two_factor_failed",
				 "the code is wrong or has been used already");
	return false;
}

/* ---- the second step of a sign-in ---- */

static const struct schema_field second_step_fields[] = {
    {.name = "challenge", .type = SCH_STRING, .flags = SCH_REQUIRED, .max = 256},
    {.name = "totp", .type = SCH_STRING, .max = 16},
    {.name = "recovery_code", .type = SCH_STRING, .max = 32},
};
static const struct schema second_step_schema = {"login_two_factor", second_step_fields, 3};

/* Copies the string member name of body into out ("" when absent). */
static void take(const json_t *body, const char *name, char *out, size_t cap)
{
	const char *v = json_string_value(json_object_get(body, name));
	snprintf(out, cap, "%s", v ? v : "");
}

void auth_login_two_factor(struct call *c)
{
	json_t *body = call_secret_body(c);
	if (!body)
		return;
	struct schema_error se;
	if (schema_check(&second_step_schema, body, &se) != WM_OK) {
		call_body_drop(c, body, code_secrets);
		call_fail(c, WM_ERR_INVALID, &se);
		return;
	}
	char challenge[257], totp[17], recovery[33];
	take(body, "challenge", challenge, sizeof challenge);
	take(body, "totp", totp, sizeof totp);
	take(body, "recovery_code", recovery, sizeof recovery);
	call_body_drop(c, body, code_secrets);

	char user_id[STORE_ID_LEN];
	int version;
	struct store_user u;
	bool live = challenge_open(c, challenge, user_id, &version) &&
		    store_user_get(c->app->store, user_id, &u) == WM_OK && !u.disabled &&
		    u.version == version;
	sodium_memzero(challenge, sizeof challenge);
	bool must_enrol;
	if (!live) {
		http_error(c->req, 401, "unauthenticated",
			   "the sign-in has expired or is not valid: sign in again", NULL);
	} else if (!totp[0] && !recovery[0]) {
		call_invalid(c, "totp", "send totp or recovery_code");
	} else if (auth_attempt_begin(c, u.username) &&
		   two_factor_sign_in(c, u.username, &u, totp, recovery, &must_enrol)) {
		auth_open_session(c, &u, must_enrol);
	}
	sodium_memzero(totp, sizeof totp);
	sodium_memzero(recovery, sizeof recovery);
}

/* ---- the owner's enrolment ---- */

/* Adds the secret as text and as an otpauth:// URI to obj. */
static void add_secret(json_t *obj, const struct call *c, const unsigned char *secret)
{
	char b32[TOTP_BASE32_LEN], uri[TOTP_URI_MAX];
	totp_base32(secret, b32);
	totp_uri(secret, c->user.username, uri);
	json_object_set_new(obj, "secret", json_string(b32));
	json_object_set_new(obj, "otpauth_uri", json_string(uri));
	sodium_memzero(b32, sizeof b32);
	sodium_memzero(uri, sizeof uri);
}

/* Reads the caller's enrolment into *tf (zeroed when none); false after
 * answering an error. */
static bool load_own(struct call *c, struct store_two_factor *tf)
{
	wm_err e = store_two_factor_get(c->app->store, c->user.id, tf);
	if (e == WM_ERR_NOT_FOUND) {
		memset(tf, 0, sizeof *tf);
		return true;
	}
	return e == WM_OK || call_fail(c, e, NULL);
}

void two_factor_status(struct call *c)
{
	struct store_two_factor tf;
	bool required;
	if (!two_factor_org_required(c, c->user.org_id, &required) || !load_own(c, &tf))
		return;
	bool pending = tf.secret_len == TOTP_SECRET_LEN && !tf.confirmed;
	json_t *j = json_pack("{s:b, s:b, s:b, s:i}", "enrolled", tf.confirmed, "required",
			      required, "pending", pending, "recovery_codes_left",
			      tf.confirmed ? tf.recovery_left : 0);
	/* An unconfirmed secret is shown again to its owner until confirmed
	 * (the enrolment page is drawn afresh after a wrong code). */
	if (j && pending)
		add_secret(j, c, tf.secret);
	sodium_memzero(&tf, sizeof tf);
	http_respond_json(c->req, 200, j);
}

void two_factor_start(struct call *c)
{
	unsigned char secret[TOTP_SECRET_LEN];
	totp_new_secret(secret);
	wm_err e = store_two_factor_begin(c->app->store, c->user.id, secret, sizeof secret, c->now);
	if (e == WM_ERR_CONFLICT) {
		sodium_memzero(secret, sizeof secret);
		http_error(c->req, 409, "conflict",
			   "two-factor sign-in is set up already: turn it off first", NULL);
		return;
	}
	if (e != WM_OK) {
		sodium_memzero(secret, sizeof secret);
		call_fail(c, e, NULL);
		return;
	}
	json_t *j = json_object();
	if (j)
		add_secret(j, c, secret);
	sodium_memzero(secret, sizeof secret);
	http_respond_json(c->req, 201, j);
}

static const struct schema_field confirm_fields[] = {
    {.name = "totp", .type = SCH_STRING, .flags = SCH_REQUIRED, .max = 16},
};
static const struct schema confirm_schema = {"two_factor_confirm", confirm_fields, 1};

void two_factor_confirm(struct call *c)
{
	json_t *body = call_secret_body(c);
	if (!body)
		return;
	struct schema_error se;
	if (schema_check(&confirm_schema, body, &se) != WM_OK) {
		call_body_drop(c, body, code_secrets);
		call_fail(c, WM_ERR_INVALID, &se);
		return;
	}
	char totp[17];
	take(body, "totp", totp, sizeof totp);
	call_body_drop(c, body, code_secrets);
	struct store_two_factor tf;
	if (!load_own(c, &tf))
		return;
	int64_t step = 0;
	bool pending = tf.secret_len > 0 && !tf.confirmed;
	bool right =
	    pending && totp_check(tf.secret, tf.secret_len, c->now, tf.last_step, totp, &step);
	sodium_memzero(&tf, sizeof tf);
	sodium_memzero(totp, sizeof totp);
	if (!pending) {
		http_error(
		    c->req, 409, "conflict",
		    "there is no enrolment to confirm: start one (POST /api/v1/me/two-factor)",
		    NULL);
		return;
	}
	if (!right) {
		call_invalid(c, "totp", "the code is not right: check the time on your device");
		return;
	}
	/* The recovery codes: shown in this answer only, stored hashed. */
	char codes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_LEN];
	unsigned char hashes[TOTP_RECOVERY_COUNT][KEYRING_BLIND_LEN];
	for (size_t i = 0; i < TOTP_RECOVERY_COUNT; i++) {
		totp_recovery_new(codes[i]);
		totp_recovery_hash(c->app->keys, c->user.id, codes[i], hashes[i]);
	}
	struct store_account_event ev;
	call_account_event(c, "user.two_factor", c->user.id, "two_factor", &ev);
	wm_err e = store_two_factor_confirm(c->app->store, c->user.id, step,
					    (const unsigned char(*)[KEYRING_BLIND_LEN])hashes,
					    TOTP_RECOVERY_COUNT, c->now, &ev);
	json_t *list = e == WM_OK ? json_array() : NULL;
	for (size_t i = 0; list && i < TOTP_RECOVERY_COUNT; i++)
		json_array_append_new(list, json_string(codes[i]));
	sodium_memzero(codes, sizeof codes);
	sodium_memzero(hashes, sizeof hashes);
	if (e == WM_ERR_CONFLICT) {
		http_error(c->req, 409, "conflict", "the enrolment changed meanwhile: start again",
			   NULL);
		return;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, json_pack("{s:o}", "recovery_codes", list));
}

/* ---- turning it off: the owner (password and a code) ---- */

/* What a deferred turning-off needs; wiped when done. */
struct disable_job {
	struct app *app;
	int64_t now;
	char user_id[STORE_ID_LEN];
	char username[USERNAME_MAX + 1];
	char password[PASSWORD_MAX_BYTES + 1];
	char totp[17];
	char recovery[33];
};

static void disable_job_free(void *arg)
{
	sodium_memzero(arg, sizeof(struct disable_job));
	free(arg);
}

static void disable(struct call *c, const struct disable_job *job)
{
	enum auth_check r = auth_check_password(c, job->username, job->user_id, job->password);
	if (r == CHECK_WRONG)
		call_invalid(c, "password", "password is not your password");
	if (r != CHECK_RIGHT)
		return;
	struct store_two_factor tf;
	wm_err e = store_two_factor_get(c->app->store, job->user_id, &tf);
	if (e == WM_ERR_NOT_FOUND || (e == WM_OK && !tf.confirmed)) {
		sodium_memzero(&tf, sizeof tf);
		store_login_succeeded(c->app->store, job->username);
		http_error(c->req, 409, "conflict", "two-factor sign-in is not set up", NULL);
		return;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	enum code_check k = check_code(c, job->user_id, &tf, job->totp, job->recovery);
	sodium_memzero(&tf, sizeof tf);
	if (k == CODE_WRONG) {
		if (auth_attempt_failed(c, job->username))
			call_invalid(c, job->totp[0] ? "totp" : "recovery_code",
				     "the code is wrong or has been used already");
		return;
	}
	if (k != CODE_RIGHT)
		return;
	store_login_succeeded(c->app->store, job->username);
	struct store_account_event ev;
	call_account_event(c, "user.two_factor_off", job->user_id, "two_factor", &ev);
	e = store_two_factor_remove(c->app->store, job->user_id, false, &ev);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond(c->req, 204, NULL, NULL, 0);
}

static void disable_deferred(struct http_req *r, void *arg)
{
	struct disable_job *job = arg;
	struct call c = {
	    .req = r, .app = job->app, .now = job->now, .today = call_today(job->app, job->now)};
	memcpy(c.user.id, job->user_id, sizeof c.user.id);
	disable(&c, job);
	disable_job_free(job);
}

static const struct schema_field disable_fields[] = {
    {.name = "password", .type = SCH_STRING, .flags = SCH_REQUIRED, .max = PASSWORD_MAX_BYTES},
    {.name = "totp", .type = SCH_STRING, .max = 16},
    {.name = "recovery_code", .type = SCH_STRING, .max = 32},
};
static const struct schema disable_schema = {"two_factor_disable", disable_fields, 3};

void two_factor_disable(struct call *c)
{
	json_t *body = call_secret_body(c);
	if (!body)
		return;
	struct schema_error se;
	wm_err e = schema_check(&disable_schema, body, &se);
	const char *totp = json_string_value(json_object_get(body, "totp"));
	const char *rec = json_string_value(json_object_get(body, "recovery_code"));
	if (e == WM_OK && !(totp && totp[0]) && !(rec && rec[0])) {
		e = WM_ERR_INVALID;
		schema_fail(&se, "totp", "send totp or recovery_code");
	}
	struct disable_job *job = e == WM_OK ? calloc(1, sizeof *job) : NULL;
	if (e == WM_OK && !job)
		e = WM_ERR_NOMEM;
	if (e != WM_OK) {
		call_body_drop(c, body, code_secrets);
		call_fail(c, e, &se);
		return;
	}
	job->app = c->app;
	job->now = c->now;
	memcpy(job->user_id, c->user.id, sizeof job->user_id);
	memcpy(job->username, c->user.username, sizeof job->username);
	take(body, "password", job->password, sizeof job->password);
	take(body, "totp", job->totp, sizeof job->totp);
	take(body, "recovery_code", job->recovery, sizeof job->recovery);
	call_body_drop(c, body, code_secrets);
	/* Argon2id: on the password threads, like a login. */
	http_defer(c->req, c->user.username, disable_deferred, disable_job_free, job);
}

/* ---- an administrator's reset ---- */

void users_two_factor_reset(struct call *c)
{
	struct store_user u;
	wm_err e = store_user_get(c->app->store, call_param(c, 0), &u);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	/* The device may be in other hands: the account's sessions end too.
	 * The owner enrols again at the next sign-in when the organisation
	 * requires it. */
	struct store_account_event ev;
	call_account_event(c, "user.two_factor_reset", u.id, "two_factor", &ev);
	e = store_two_factor_remove(c->app->store, u.id, true, &ev);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond(c->req, 204, NULL, NULL, 0);
}
