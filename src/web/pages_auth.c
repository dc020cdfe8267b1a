/*
 * pages_auth.c - signing in and out (with a second step for an account
 * with two-factor sign-in), and changing one's own password.
 *
 * The forms call the API's own login, logout and change of password, so
 * the lock-out after failed attempts, the password rules and the account
 * trail are the API's, written once. A password is wiped wherever it was
 * copied: the form, the JSON body, the inner request.
 */
#define _POSIX_C_SOURCE 200809L
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

static const char *const login_secrets[] = {"username", "password", NULL};
static const char *const change_secrets[] = {"current_password", "new_password", NULL};

/* Adds one error to the page: in the summary and beside its field. */
static void field_error(struct page *p, const char *field, const char *text)
{
	json_t *err = json_pack("{s:{s:s, s:s}}", "error", "field", field, "message", text);
	const char *const labels[] = {field, field, NULL};
	page_form_errors(p, err, labels);
	json_decref(err);
}

/* POSTs {names[0]: a, names[1]: b} to the API and wipes the copies of
 * the secrets the body held. */
static json_t *post_secrets(struct page *p, const char *path, const char *const names[3],
			    const char *a, const char *b, unsigned *st)
{
	json_t *body = json_pack("{s:s, s:s}", names[0], a, names[1], b);
	if (!body) {
		*st = 500;
		return NULL;
	}
	json_incref(body);
	json_t *answer = page_api(p, "POST", path, NULL, body, st);
	secret_wipe_json(body, names);
	json_decref(body);
	return answer;
}

static void sign_in_form(struct page *p, unsigned status)
{
	if (!p->data)
		p->data = json_object();
	json_object_set_new(p->data, "idle_out", json_boolean(p->idle_out));
	page_render(p, status, "sign-in", "Sign in");
}

void page_home(struct page *p)
{
	if (!p->me) {
		sign_in_form(p, 200);
		return;
	}
	page_dashboard(p);
}

/* The API's login (or its second step) answered 200: the session's
 * cookie, then the page the account must see first. */
static void signed_in(struct page *p, json_t *answer)
{
	const char *token = json_string_value(json_object_get(answer, "token"));
	memcpy(p->token, token, SECRET_TOKEN_LEN);
	p->set_cookie = true;
	http_add_header(p->req, "Set-Cookie",
			"wm_pre=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	bool change = json_is_true(json_object_get(answer, "password_change_required"));
	bool enrol = json_is_true(json_object_get(answer, "two_factor_enrolment_required"));
	static const char *const token_secret[] = {"token", NULL};
	secret_wipe_json(answer, token_secret);
	json_decref(answer);
	page_redirect(p, change ? "/password" : enrol ? "/settings/two-factor" : "/");
}

static bool has_token(const json_t *answer, unsigned st)
{
	const char *token = json_string_value(json_object_get(answer, "token"));
	return st == 200 && token && strlen(token) == SECRET_TOKEN_LEN - 1;
}

/* The API's 401 asking for a second factor: its error code, or "". */
static const char *two_factor_code(const json_t *answer)
{
	const char *code =
	    json_string_value(json_object_get(json_object_get(answer, "error"), "code"));
	return code && strncmp(code, "two_factor_", 11) == 0 ? code : "";
}

/* The second step's form: the challenge the API gave (opaque, sealed, five
 * minutes long; not a password) carried in the form, the code asked for. */
static void code_form(struct page *p, const json_t *answer, unsigned status)
{
	if (!p->data)
		p->data = json_object();
	const char *ch =
	    json_string_value(json_object_get(json_object_get(answer, "error"), "challenge"));
	json_object_set_new(p->data, "challenge", json_string(ch ? ch : ""));
	page_render(p, status, "sign-in-code", "Enter your security code");
}

void page_sign_in(struct page *p)
{
	const char *username = page_field(p, "username");
	const char *password = page_field(p, "password");
	p->data = json_pack("{s:s}", "username", username);
	if (!p->data)
		return;
	if (p->me) {
		page_redirect(p, "/"); /* signed in already */
		return;
	}
	if (!username[0])
		field_error(p, "username", "Enter your username");
	if (!password[0])
		field_error(p, "password", "Enter your password");
	if (!username[0] || !password[0]) {
		sign_in_form(p, 422);
		return;
	}
	unsigned st;
	json_t *answer = post_secrets(p, "/api/v1/login", login_secrets, username, password, &st);
	if (has_token(answer, st)) {
		signed_in(p, answer);
		return;
	}
	if (st == 401 && strcmp(two_factor_code(answer), "two_factor_required") == 0) {
		json_decref(p->data);
		p->data = NULL;
		code_form(p, answer, 200);
		json_decref(answer);
		return;
	}
	json_decref(answer);
	if (st == 429) {
		field_error(p, "username",
			    "There have been too many attempts to sign in to this account. Wait "
			    "15 minutes, then try again");
	} else if (st == 401 || st == 422) {
		field_error(p, "password", "The username or password is not right");
	} else {
		field_error(p, "username", "Sorry, there is a problem with the service. Try again");
	}
	sign_in_form(p, st == 429 ? 429 : st == 401 || st == 422 ? 401 : 500);
}

/* POST /sign-in/two-factor: the code from the app, or a recovery code
 * (told apart by their shapes: six digits, or letters and digits). */
void page_sign_in_code(struct page *p)
{
	if (p->me) {
		page_redirect(p, "/");
		return;
	}
	const char *code = page_field(p, "code");
	size_t digits = strspn(code, "0123456789");
	bool totp = digits == strlen(code) && digits == 6;
	json_t *body = json_pack("{s:s, s:s}", "challenge", page_field(p, "challenge"),
				 totp ? "totp" : "recovery_code", code);
	unsigned st = 500;
	json_t *answer = NULL;
	if (!code[0]) {
		st = 422;
		json_decref(body);
		answer = json_pack("{s:{s:s}}", "error", "challenge", page_field(p, "challenge"));
	} else if (body) {
		json_incref(body);
		answer = page_api(p, "POST", "/api/v1/login/two-factor", NULL, body, &st);
		static const char *const secrets[] = {"totp", "recovery_code", "challenge", NULL};
		secret_wipe_json(body, secrets);
		json_decref(body);
	}
	if (has_token(answer, st)) {
		signed_in(p, answer);
		return;
	}
	p->data = json_object();
	if (st == 422 || (st == 401 && two_factor_code(answer)[0])) {
		field_error(p, "code",
			    !code[0] ? "Enter the code from your authenticator app"
				     : "The code is not right, or it has been used already. Enter "
				       "the code your app shows now");
		code_form(p, answer, st == 422 ? 422 : 401);
	} else {
		/* Expired, locked or broken: from the start again. */
		field_error(p, st == 429 ? "username" : "password",
			    st == 429	? "There have been too many attempts to sign in to this "
					  "account. Wait 15 minutes, then try again"
			    : st == 401 ? "Your sign-in took too long. Sign in again"
					: "Sorry, there is a problem with the service. Try again");
		sign_in_form(p, st == 429 ? 429 : st == 401 ? 401 : 500);
	}
	json_decref(answer);
}

void page_sign_out(struct page *p)
{
	unsigned st;
	json_decref(page_api(p, "POST", "/api/v1/logout", NULL, NULL, &st));
	sodium_memzero(p->token, sizeof p->token);
	p->set_cookie = false;
	http_add_header(p->req, "Set-Cookie",
			"wm_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	page_redirect(p, "/");
}

static void password_form(struct page *p, unsigned status)
{
	if (!p->data)
		p->data = json_object();
	json_object_set_new(
	    p->data, "required",
	    json_boolean(json_is_true(json_object_get(p->me, "password_change_required"))));
	page_render(p, status, "password", "Change your password");
}

void page_password(struct page *p)
{
	password_form(p, 200);
}

void page_password_post(struct page *p)
{
	const char *current = page_field(p, "current_password");
	const char *next = page_field(p, "new_password");
	const char *confirm = page_field(p, "confirm");
	p->data = json_object();
	if (!current[0])
		field_error(p, "current_password", "Enter your current password");
	if (!next[0])
		field_error(p, "new_password", "Enter a new password");
	else if (strcmp(next, confirm) != 0)
		field_error(p, "confirm", "The two new passwords are not the same");
	if (json_object_get(p->data, "errors")) {
		password_form(p, 422);
		return;
	}
	json_t *body = json_pack("{s:s, s:s}", "current_password", current, "new_password", next);
	if (!body) {
		password_form(p, 500);
		return;
	}
	json_incref(body);
	unsigned st;
	json_t *answer = page_api(p, "POST", "/api/v1/me/password", NULL, body, &st);
	secret_wipe_json(body, change_secrets);
	json_decref(body);
	if (st == 200 || st == 204) {
		json_decref(answer);
		page_redirect(p, "/");
		return;
	}
	if (st == 401)
		field_error(p, "current_password", "Your current password is not right");
	else if (st == 429)
		field_error(p, "current_password",
			    "There have been too many wrong passwords. Wait 15 minutes, then try "
			    "again");
	else {
		const char *const labels[] = {"new_password", "New password", "current_password",
					      "Current password", NULL};
		page_form_errors(p, answer, labels);
	}
	json_decref(answer);
	password_form(p, st == 401 ? 401 : st == 429 ? 429 : 422);
}
