/*
 * pages_admin.c - an administrator's pages: organisations (list, create)
 * and accounts (list, create, disable or enable, reset the password).
 *
 * The API decides everything (who may, what is valid, that a password an
 * administrator sets must be changed by its owner at the first sign-in,
 * that an administrator cannot disable themselves); these pages ask it and
 * say its answers in words. A password typed here is wiped from the JSON
 * body once sent; the form's own copy is wiped with the form.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "words.h"

static const char *const org_kinds[] = {"support_agency", "health", "legal", "statutory", "other"};
static const char *const roles[] = {"advocate", "manager", "clinician", "analyst", "admin"};
static const char *const password_member[] = {"password", NULL};

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static bool is_admin(struct page *p)
{
	if (strcmp(page_role(p), "admin") == 0)
		return true;
	page_error(p, 403, "You cannot see this page",
		   "Only administrators look after organisations and accounts.");
	return false;
}

static json_t *list(struct page *p, const char *path)
{
	static const char *const params[] = {"limit", "500", NULL};
	unsigned st;
	json_t *a = page_api(p, "GET", path, params, NULL, &st);
	json_t *items = st == 200 ? json_object_get(a, "items") : NULL;
	items = json_is_array(items) ? json_incref(items) : json_array();
	json_decref(a);
	return items;
}

static const char *org_name(const json_t *orgs, const char *id)
{
	size_t i;
	const json_t *o;
	json_array_foreach(orgs, i, o)
	{
		if (id && strcmp(str(o, "id"), id) == 0)
			return str(o, "name");
	}
	return NULL;
}

/* Options of a select: codes in words, the chosen one selected. */
static json_t *code_options(const char *const *codes, size_t n, const char *chosen)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char w[WORDS_MAX];
		words_code(codes[i], w);
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", codes[i], "text", w,
						   "selected", strcmp(codes[i], chosen) == 0));
	}
	return a;
}

/* ---- organisations ---- */

static void orgs_page(struct page *p, unsigned status, const char *name, const char *kind)
{
	if (!p->data)
		p->data = json_object();
	json_t *rows = json_array();
	json_t *orgs = list(p, "/api/v1/orgs");
	size_t i;
	const json_t *o;
	json_array_foreach(orgs, i, o)
	{
		char kw[WORDS_MAX], since[WORDS_MAX];
		words_code(str(o, "kind"), kw);
		words_when(str(o, "created_at"), since);
		json_array_append_new(
		    rows, json_pack("{s:s, s:s, s:s, s:s, s:I, s:b}", "name", str(o, "name"),
				    "kind", kw, "since", since, "id", str(o, "id"), "version",
				    (json_int_t)json_integer_value(json_object_get(o, "version")),
				    "two_factor",
				    json_is_true(json_object_get(o, "two_factor_required"))));
	}
	json_decref(orgs);
	json_object_set_new(p->data, "orgs", rows);
	json_object_set_new(p->data, "name", json_string(name));
	json_object_set_new(p->data, "kinds",
			    code_options(org_kinds, sizeof org_kinds / sizeof *org_kinds, kind));
	page_render(p, status, "admin-orgs", "Organisations");
}

void page_admin_orgs(struct page *p)
{
	if (is_admin(p))
		orgs_page(p, 200, "", "support_agency");
}

void page_admin_orgs_post(struct page *p)
{
	if (!is_admin(p))
		return;
	const char *name = page_field(p, "name");
	const char *kind = page_field(p, "kind");
	unsigned st;
	json_t *answer = page_api(p, "POST", "/api/v1/orgs", NULL,
				  json_pack("{s:s, s:s}", "name", name, "kind", kind), &st);
	if (st == 201) {
		json_decref(answer);
		page_redirect(p, "/admin/orgs");
		return;
	}
	static const char *const labels[] = {"name", "Name", "kind", "Kind", NULL};
	p->data = json_object();
	if (st == 409) {
		json_t *err = json_pack("{s:{s:s, s:s}}", "error", "field", "name", "message",
					"There is already an organisation with this name");
		page_form_errors(p, err, labels);
		json_decref(err);
	} else {
		page_form_errors(p, answer, labels);
	}
	json_decref(answer);
	orgs_page(p, st == 409 ? 409 : st == 422 ? 422 : 500, name, kind);
}

/* POST /admin/orgs/{id}: whether the organisation's accounts must sign in
 * with two factors (PATCH /api/v1/orgs/{id}). */
void page_admin_org_post(struct page *p)
{
	if (!is_admin(p))
		return;
	char *end;
	json_int_t version = (json_int_t)strtol(page_field(p, "version"), &end, 10);
	bool required = strcmp(page_field(p, "two_factor_required"), "on") == 0;
	char path[96];
	snprintf(path, sizeof path, "/api/v1/orgs/%s", page_param(p, 0));
	unsigned st;
	json_t *answer = page_api(
	    p, "PATCH", path, NULL,
	    json_pack("{s:I, s:b}", "version", version, "two_factor_required", required), &st);
	json_decref(answer);
	if (st == 200) {
		page_redirect(p, "/admin/orgs");
		return;
	}
	if (st == 404) {
		page_error(p, 404, "Page not found", "There is no such organisation.");
		return;
	}
	p->data = json_object();
	json_t *err =
	    json_pack("{s:{s:s}}", "error", "message",
		      st == 409 ? "Someone else changed this organisation since you opened "
				  "the page. Check it below, then try again."
				: "The setting was not saved. Try again.");
	page_form_errors(p, err, NULL);
	json_decref(err);
	orgs_page(p, st == 409 ? 409 : 500, "", "support_agency");
}

/* ---- accounts ---- */

static void status_words(const json_t *u, char *out, size_t cap)
{
	if (json_is_true(json_object_get(u, "disabled")))
		snprintf(out, cap, "Disabled");
	else if (json_is_true(json_object_get(u, "password_change_required")))
		snprintf(out, cap, "Active; must choose a new password at the next sign-in");
	else
		snprintf(out, cap, "Active");
}

void page_admin_users(struct page *p)
{
	if (!is_admin(p))
		return;
	json_t *users = list(p, "/api/v1/users");
	json_t *orgs = list(p, "/api/v1/orgs");
	json_t *rows = json_array();
	size_t i;
	const json_t *u;
	json_array_foreach(users, i, u)
	{
		char role[WORDS_MAX], status[96], href[64];
		words_code(str(u, "role"), role);
		status_words(u, status, sizeof status);
		snprintf(href, sizeof href, "/admin/users/%s", str(u, "id"));
		const char *org = org_name(orgs, str(u, "org_id"));
		json_array_append_new(
		    rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "display_name",
				    str(u, "display_name"), "username", str(u, "username"), "role",
				    role, "org", org ? org : "None", "status", status, "href", href,
				    "disabled", json_is_true(json_object_get(u, "disabled"))));
	}
	json_decref(users);
	json_decref(orgs);
	p->data = json_pack("{s:o}", "users", rows);
	page_render(p, 200, "admin-users", "Users");
}

static void new_user_form(struct page *p, unsigned status)
{
	if (!p->data)
		p->data = json_object();
	const char *org = page_field(p, "org_id");
	json_t *orgs = list(p, "/api/v1/orgs");
	json_t *options = json_array();
	size_t i;
	const json_t *o;
	json_array_foreach(orgs, i, o)
	{
		json_array_append_new(options, json_pack("{s:s, s:s, s:b}", "value", str(o, "id"),
							 "text", str(o, "name"), "selected",
							 strcmp(str(o, "id"), org) == 0));
	}
	json_decref(orgs);
	const char *role = page_field(p, "role");
	json_object_set_new(p->data, "username", json_string(page_field(p, "username")));
	json_object_set_new(p->data, "display_name", json_string(page_field(p, "display_name")));
	json_object_set_new(
	    p->data, "roles",
	    code_options(roles, sizeof roles / sizeof *roles, role[0] ? role : "advocate"));
	json_object_set_new(p->data, "orgs", options);
	json_object_set_new(p->data, "no_org", json_boolean(!org[0]));
	page_render(p, status, "admin-user-new", "Add an account");
}

void page_admin_user_new(struct page *p)
{
	if (is_admin(p))
		new_user_form(p, 200);
}

/* Sends body (with a password member) and wipes the password's copies. */
static json_t *send_secret(struct page *p, const char *method, const char *path, json_t *body,
			   unsigned *st)
{
	if (!body) {
		*st = 500;
		return NULL;
	}
	json_incref(body);
	json_t *answer = page_api(p, method, path, NULL, body, st);
	secret_wipe_json(body, password_member);
	json_decref(body);
	return answer;
}

void page_admin_user_create(struct page *p)
{
	if (!is_admin(p))
		return;
	const char *org = page_field(p, "org_id");
	json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "username", page_field(p, "username"),
				 "display_name", page_field(p, "display_name"), "role",
				 page_field(p, "role"), "password", page_field(p, "password"));
	if (body && org[0])
		json_object_set_new(body, "org_id", json_string(org));
	unsigned st;
	json_t *answer = send_secret(p, "POST", "/api/v1/users", body, &st);
	if (st == 201) {
		char href[64];
		snprintf(href, sizeof href, "/admin/users/%s", str(answer, "id"));
		json_decref(answer);
		page_redirect(p, href);
		return;
	}
	static const char *const labels[] = {
	    "username", "Username",	"display_name", "Display name", "role", "Role",
	    "org_id",	"Organisation", "password",	"Password",	NULL};
	p->data = json_object();
	if (st == 409) {
		json_t *err = json_pack("{s:{s:s, s:s}}", "error", "field", "username", "message",
					"That username is taken: choose another");
		page_form_errors(p, err, labels);
		json_decref(err);
	} else {
		page_form_errors(p, answer, labels);
	}
	json_decref(answer);
	new_user_form(p, st == 409 ? 409 : st == 422 ? 422 : 500);
}

static json_t *user(struct page *p, unsigned *st)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/users/%s", page_param(p, 0));
	return page_api(p, "GET", path, NULL, NULL, st);
}

static void user_page(struct page *p, unsigned status)
{
	unsigned st;
	json_t *u = user(p, &st);
	if (st != 200) {
		json_decref(u);
		page_error(p, 404, "Page not found", "There is no such account.");
		return;
	}
	json_t *orgs = list(p, "/api/v1/orgs");
	const char *org = org_name(orgs, str(u, "org_id"));
	char role[WORDS_MAX], state[96], since[WORDS_MAX];
	words_code(str(u, "role"), role);
	status_words(u, state, sizeof state);
	words_when(str(u, "created_at"), since);
	if (!p->data)
		p->data = json_object();
	json_t *d = p->data;
	json_object_set_new(d, "id", json_string(str(u, "id")));
	json_object_set_new(d, "display_name", json_string(str(u, "display_name")));
	json_object_set_new(d, "username", json_string(str(u, "username")));
	json_object_set_new(d, "role", json_string(role));
	json_object_set_new(d, "org", json_string(org ? org : "None"));
	json_object_set_new(d, "state", json_string(state));
	json_object_set_new(d, "since", json_string(since));
	json_object_set_new(d, "version",
			    json_integer(json_integer_value(json_object_get(u, "version"))));
	json_object_set_new(d, "disabled",
			    json_boolean(json_is_true(json_object_get(u, "disabled"))));
	json_object_set_new(d, "self", json_boolean(strcmp(str(u, "id"), str(p->me, "id")) == 0));
	json_object_set_new(d, "two_factor",
			    json_boolean(json_is_true(json_object_get(u, "two_factor_enrolled"))));
	json_decref(orgs);
	json_decref(u);
	page_render(p, status, "admin-user", "Account");
}

void page_admin_user(struct page *p)
{
	if (is_admin(p))
		user_page(p, 200);
}

/* Resets the account's two-factor sign-in (a lost phone): the API ends
 * its sessions and writes the account trail. */
static void two_factor_reset(struct page *p)
{
	char path[96], href[96];
	snprintf(path, sizeof path, "/api/v1/users/%s/two-factor", page_param(p, 0));
	snprintf(href, sizeof href, "/admin/users/%s", page_param(p, 0));
	unsigned st;
	json_decref(page_api(p, "DELETE", path, NULL, NULL, &st));
	if (st == 204)
		page_redirect(p, href);
	else if (st == 404)
		page_error(p, 404, "Page not found", "There is no such account.");
	else
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "Two-factor sign-in was not reset. Try again.");
}

void page_admin_user_post(struct page *p)
{
	if (!is_admin(p))
		return;
	const char *action = page_field(p, "action");
	if (strcmp(action, "two_factor_reset") == 0) {
		two_factor_reset(p);
		return;
	}
	char *end;
	json_int_t version = (json_int_t)strtol(page_field(p, "version"), &end, 10);
	json_t *body = json_pack("{s:I}", "version", version);
	if (body && strcmp(action, "disable") == 0)
		json_object_set_new(body, "disabled", json_true());
	else if (body && strcmp(action, "enable") == 0)
		json_object_set_new(body, "disabled", json_false());
	else if (body && strcmp(action, "password") == 0)
		json_object_set_new(body, "password", json_string(page_field(p, "password")));
	else {
		json_decref(body);
		page_error(p, 400, "The form could not be read",
			   "Go back, reload the page and try again.");
		return;
	}
	char path[96], href[96];
	snprintf(path, sizeof path, "/api/v1/users/%s", page_param(p, 0));
	snprintf(href, sizeof href, "/admin/users/%s", page_param(p, 0));
	unsigned st;
	json_t *answer = send_secret(p, "PATCH", path, body, &st);
	if (st == 200) {
		json_decref(answer);
		page_redirect(p, href);
		return;
	}
	if (st == 404) {
		json_decref(answer);
		page_error(p, 404, "Page not found", "There is no such account.");
		return;
	}
	static const char *const labels[] = {"password", "New password", NULL};
	p->data = json_object();
	if (st == 409) {
		json_t *err =
		    json_pack("{s:{s:s}}", "error", "message",
			      "Someone else changed this account since you opened the page. "
			      "Check it below, then try again.");
		page_form_errors(p, err, NULL);
		json_decref(err);
	} else {
		page_form_errors(p, answer, labels);
	}
	json_decref(answer);
	user_page(p, st == 409 ? 409 : st == 422 ? 422 : 500);
}
