/*
 * users.c - accounts, managed by administrators.
 *
 * A user's password, role or being disabled changes who may act as them,
 * so any of those changes revokes every session they hold.
 */
#include <stdio.h>
#include <string.h>

#include "../domain/account.h"
#include "call.h"

/* 422 unless org_id names an organisation. */
static bool org_exists(struct call *c, const char *org_id)
{
	struct store_org o;
	wm_err e = store_org_get(c->app->store, org_id, &o);
	if (e == WM_ERR_NOT_FOUND)
		return call_invalid(c, "org_id", "org_id names no organisation");
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	return true;
}

void users_create(struct call *c)
{
	if (!call_allow(c, ACT_USER_CREATE, NULL))
		return;
	json_t *body = call_body(c);
	if (!body)
		return;
	struct schema_error se;
	wm_err e = schema_check(&user_create_schema, body, &se);
	if (e == WM_OK)
		e = account_check_user(body, &se);
	if (e != WM_OK) {
		json_decref(body);
		call_fail(c, e, &se);
		return;
	}
	struct store_user u = {0};
	snprintf(u.username, sizeof u.username, "%s",
		 json_string_value(json_object_get(body, "username")));
	account_lower(u.username);
	snprintf(u.display_name, sizeof u.display_name, "%s",
		 json_string_value(json_object_get(body, "display_name")));
	role_parse(json_string_value(json_object_get(body, "role")), &u.role);
	const char *org = json_string_value(json_object_get(body, "org_id"));
	snprintf(u.org_id, sizeof u.org_id, "%s", org ? org : "");
	if (!account_username_ok(u.username)) {
		json_decref(body);
		call_invalid(c, "username",
			     "username may hold only letters, digits, '.', '_', '-' and '@'");
		return;
	}
	if (org && !org_exists(c, org)) {
		json_decref(body);
		return;
	}
	e = secret_hash_password(json_string_value(json_object_get(body, "password")),
				 u.password_hash);
	json_decref(body);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	secret_new_id(u.id);
	u.version = 1;
	instant_format(c->now, u.created_at);
	memcpy(u.updated_at, u.created_at, sizeof u.updated_at);
	struct store_account_event ev;
	call_account_event(c, "user.create", u.id, "username,password,display_name,role,org_id",
			   &ev);
	e = store_user_create(c->app->store, &u, &ev);
	if (e == WM_ERR_CONFLICT) {
		http_error(c->req, 409, "conflict", "that username is taken", "username");
		return;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 201, user_json(&u));
}

struct user_list {
	json_t *items;
	int64_t last;
};

static void add_user(void *ctx, const struct store_user *u)
{
	struct user_list *l = ctx;
	json_array_append_new(l->items, user_json(u));
	l->last = u->seq;
}

void users_list(struct call *c)
{
	if (!call_allow(c, ACT_USER_LIST, NULL))
		return;
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after))
		return;
	struct user_list l = {json_array(), 0};
	bool more;
	wm_err e = store_user_list(c->app->store, after, limit, add_user, &l, &more);
	if (e != WM_OK) {
		json_decref(l.items);
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, call_list(c, l.items, more, l.last));
}

/* Loads the user named by the path, answering 404 when there is none. */
static bool load_user(struct call *c, struct store_user *u)
{
	const char *id = call_param(c, 0);
	wm_err e = schema_is_id(id) ? store_user_get(c->app->store, id, u) : WM_ERR_NOT_FOUND;
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	return true;
}

void users_get(struct call *c)
{
	struct store_user u;
	if (!call_allow(c, ACT_USER_READ, NULL) || !load_user(c, &u))
		return;
	http_respond_json(c->req, 200, user_json(&u));
}

void users_patch(struct call *c)
{
	struct store_user u;
	if (!call_allow(c, ACT_USER_UPDATE, NULL) || !load_user(c, &u))
		return;
	json_t *body = call_body(c);
	if (!body)
		return;
	struct schema_error se;
	wm_err e = schema_check(&user_patch_schema, body, &se);
	if (e == WM_OK)
		e = account_check_password(body, &se);
	if (e != WM_OK) {
		json_decref(body);
		call_fail(c, e, &se);
		return;
	}
	int expected = (int)json_integer_value(json_object_get(body, "version"));
	bool revoke = false;
	const json_t *v;
	/* Only org_id may be removed (an administrator needs none). */
	static const char *const kept[] = {"display_name", "role", "disabled", "password"};
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		if (json_is_null(json_object_get(body, kept[i]))) {
			json_decref(body);
			call_invalid(c, kept[i], "this field cannot be removed");
			return;
		}
	if (json_is_null(json_object_get(body, "org_id"))) {
		revoke |= u.org_id[0] != '\0';
		u.org_id[0] = '\0';
	}
	if ((v = json_object_get(body, "display_name")) && json_is_string(v))
		snprintf(u.display_name, sizeof u.display_name, "%s", json_string_value(v));
	if ((v = json_object_get(body, "role")) && json_is_string(v)) {
		enum role r;
		role_parse(json_string_value(v), &r);
		if (r != u.role && strcmp(u.id, c->user.id) == 0) {
			/* Separation of duties: an administrator cannot make
			 * themselves a manager and so a reader of cases. */
			json_decref(body);
			call_invalid(c, "role", "an administrator cannot change their own role");
			return;
		}
		revoke |= r != u.role;
		u.role = r;
	}
	if ((v = json_object_get(body, "org_id")) && json_is_string(v)) {
		if (!org_exists(c, json_string_value(v))) {
			json_decref(body);
			return;
		}
		revoke |= strcmp(u.org_id, json_string_value(v)) != 0;
		snprintf(u.org_id, sizeof u.org_id, "%s", json_string_value(v));
	}
	if ((v = json_object_get(body, "disabled")) && json_is_boolean(v)) {
		bool disabled = json_is_true(v);
		if (disabled && strcmp(u.id, c->user.id) == 0) {
			json_decref(body);
			call_invalid(c, "disabled",
				     "an administrator cannot disable their own account");
			return;
		}
		revoke |= disabled;
		u.disabled = disabled;
	}
	if ((v = json_object_get(body, "password")) && json_is_string(v)) {
		e = secret_hash_password(json_string_value(v), u.password_hash);
		if (e != WM_OK) {
			json_decref(body);
			call_fail(c, e, NULL);
			return;
		}
		revoke = true;
	}
	if (u.role != ROLE_ADMIN && !u.org_id[0]) {
		json_decref(body);
		call_invalid(c, "org_id", "org_id is required for this role");
		return;
	}
	/* The trail names the fields sent, never their values. */
	char fields[128] = "";
	static const char *const names[] = {"display_name", "role", "org_id", "disabled",
					    "password"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (json_object_get(body, names[i])) {
			size_t used = strlen(fields);
			snprintf(fields + used, sizeof fields - used, "%s%s", used ? "," : "",
				 names[i]);
		}
	json_decref(body);
	instant_format(c->now, u.updated_at);
	struct store_account_event ev;
	call_account_event(c, "user.update", u.id, fields, &ev);
	e = store_user_update(c->app->store, &u, expected, revoke, &ev);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	u.version = expected + 1;
	http_respond_json(c->req, 200, user_json(&u));
}
