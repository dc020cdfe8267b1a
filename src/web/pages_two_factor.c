/*
 * pages_two_factor.c - two-factor sign-in in the settings: setting it up
 * (the secret as a QR code and as text, confirmed with a first code, then
 * the recovery codes shown once), and turning it off. The same page is
 * where an account is sent before anything else when its organisation
 * requires two factors and it has none (web.c).
 *
 * Everything is the API's (/api/v1/me/two-factor): these pages draw it.
 * The QR code is drawn here, as inline SVG, from the otpauth:// URI the
 * API answers; the secret, the URI and the picture are wiped once the
 * page is rendered, and the recovery codes once shown.
 */
#define _POSIX_C_SOURCE 200809L
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../render/qr.h"
#include "pages.h"

static const char *const shown_secrets[] = {"secret", "otpauth_uri", "qr", "secret_text", NULL};

static void field_error(struct page *p, const char *field, const char *text)
{
	json_t *err = json_pack("{s:{s:s, s:s}}", "error", "field", field, "message", text);
	const char *const labels[] = {field, field, NULL};
	page_form_errors(p, err, labels);
	json_decref(err);
}

/* The secret in groups of four, as an app's "enter a key" screen shows. */
static json_t *grouped(const char *secret)
{
	char out[64];
	size_t o = 0;
	for (size_t i = 0; secret[i] && o + 2 < sizeof out; i++) {
		if (i && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = secret[i];
	}
	out[o] = '\0';
	json_t *j = json_string(out);
	sodium_memzero(out, sizeof out);
	return j;
}

/* Draws the page as GET /api/v1/me/two-factor says it is now. */
static void two_factor_page(struct page *p, unsigned status)
{
	unsigned st;
	json_t *tf = page_api(p, "GET", "/api/v1/me/two-factor", NULL, NULL, &st);
	if (st != 200 || !json_is_object(tf)) {
		secret_wipe_json(tf, shown_secrets);
		json_decref(tf);
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "Try again later.");
		return;
	}
	if (!p->data)
		p->data = json_object();
	json_t *d = p->data;
	bool enrolled = json_is_true(json_object_get(tf, "enrolled"));
	bool pending = json_is_true(json_object_get(tf, "pending"));
	json_object_set_new(d, "enrolled", json_boolean(enrolled));
	json_object_set_new(d, "pending", json_boolean(pending));
	json_object_set_new(d, "none", json_boolean(!enrolled && !pending));
	json_object_set_new(d, "required",
			    json_object_get(tf, "required")
				? json_incref(json_object_get(tf, "required"))
				: json_false());
	json_object_set_new(
	    d, "must_enrol",
	    json_boolean(json_is_true(json_object_get(p->me, "two_factor_enrolment_required"))));
	json_object_set_new(d, "left", json_incref(json_object_get(tf, "recovery_codes_left")));
	const char *uri = json_string_value(json_object_get(tf, "otpauth_uri"));
	const char *secret = json_string_value(json_object_get(tf, "secret"));
	char *svg =
	    pending && uri ? qr_svg(uri, "QR code to scan with your authenticator app") : NULL;
	if (svg) {
		json_object_set_new(d, "qr", json_string(svg));
		sodium_memzero(svg, strlen(svg));
		free(svg);
	}
	if (pending && secret)
		json_object_set_new(d, "secret_text", grouped(secret));
	secret_wipe_json(tf, shown_secrets);
	json_decref(tf);
	page_render(p, status, "two-factor", "Two-factor sign-in");
	secret_wipe_json(d, shown_secrets);
}

void page_two_factor(struct page *p)
{
	two_factor_page(p, 200);
}

void page_two_factor_start(struct page *p)
{
	unsigned st;
	json_t *answer = page_api(p, "POST", "/api/v1/me/two-factor", NULL, NULL, &st);
	secret_wipe_json(answer, shown_secrets);
	json_decref(answer);
	/* 409: set up already (another tab): the page says how it is. */
	page_redirect(p, "/settings/two-factor");
}

void page_two_factor_confirm(struct page *p)
{
	const char *code = page_field(p, "code");
	p->data = json_object();
	if (!code[0]) {
		field_error(p, "code", "Enter the 6-digit code your app shows");
		two_factor_page(p, 422);
		return;
	}
	unsigned st;
	json_t *answer = page_api(p, "POST", "/api/v1/me/two-factor/confirm", NULL,
				  json_pack("{s:s}", "totp", code), &st);
	json_t *codes = json_object_get(answer, "recovery_codes");
	if (st == 200 && json_is_array(codes)) {
		json_t *items = json_array();
		size_t i;
		json_t *c;
		json_array_foreach(codes, i, c)
		{
			json_array_append_new(items, json_pack("{s:O}", "code", c));
		}
		json_object_set_new(p->data, "codes", items);
		page_render(p, 200, "two-factor-codes", "Save your recovery codes");
		/* Shown once: every copy goes. */
		json_array_foreach(items, i, c)
		{
			static const char *const code_member[] = {"code", NULL};
			secret_wipe_json(c, code_member);
		}
		json_array_foreach(codes, i, c)
		{
			sodium_memzero((char *)json_string_value(c), json_string_length(c));
		}
		json_decref(answer);
		return;
	}
	json_decref(answer);
	if (st == 422)
		field_error(p, "code",
			    "The code is not right. Check the time on your phone is set "
			    "automatically, then enter the code your app shows now");
	else
		field_error(p, "code", "Start setting up two-factor sign-in again");
	two_factor_page(p, st == 422 ? 422 : 409);
}

void page_two_factor_disable(struct page *p)
{
	const char *password = page_field(p, "password");
	const char *code = page_field(p, "code");
	p->data = json_object();
	if (!password[0])
		field_error(p, "password", "Enter your password");
	if (!code[0])
		field_error(p, "disable_code", "Enter a code from your app, or a recovery code");
	if (!password[0] || !code[0]) {
		two_factor_page(p, 422);
		return;
	}
	size_t digits = strspn(code, "0123456789");
	json_t *body = json_pack("{s:s, s:s}", "password", password,
				 digits == 6 && !code[6] ? "totp" : "recovery_code", code);
	unsigned st = 500;
	json_t *answer = NULL;
	if (body) {
		json_incref(body);
		answer = page_api(p, "POST", "/api/v1/me/two-factor/disable", NULL, body, &st);
		static const char *const secrets[] = {"password", "totp", "recovery_code", NULL};
		secret_wipe_json(body, secrets);
		json_decref(body);
	}
	const char *field =
	    json_string_value(json_object_get(json_object_get(answer, "error"), "field"));
	if (st == 204) {
		json_decref(answer);
		page_redirect(p, "/settings/two-factor");
		return;
	}
	if (st == 429)
		field_error(p, "password",
			    "There have been too many wrong attempts. Wait 15 minutes, then try "
			    "again");
	else if (st == 422 && field && strcmp(field, "password") == 0)
		field_error(p, "password", "Your password is not right");
	else
		field_error(p, "disable_code",
			    "The code is not right, or it has been used already");
	json_decref(answer);
	two_factor_page(p, st == 429 ? 429 : 422);
}
