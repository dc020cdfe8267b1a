/*
 * users.c - accounts, managed by administrators.
 *
 * Which changes end a user's sessions, and what an administrator may not
 * do to their own account, are rules of the domain (account.h). A password
 * an administrator sets for someone else must be changed by its owner
 * before anything else (POST /api/v1/me/password); the trail of changes to
 * an organisation's accounts is its managers' to read.
 */
#include <assert.h>
#include <sodium.h>
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

/* The request members that hold a password, wiped once read. */
static const char *const password_members[] = {"password", NULL};

/* Creates the user described by body; false after answering an error. */
static bool create(struct call *c, const json_t *body, struct store_user *u)
{
	struct schema_error se;
	wm_err e = schema_check(&user_create_schema, body, &se);
	if (e == WM_OK)
		e = account_check_user(body, &se);
	if (e != WM_OK)
		return call_fail(c, e, &se);
	snprintf(u->username, sizeof u->username, "%s",
		 json_string_value(json_object_get(body, "username")));
	account_lower(u->username);
	snprintf(u->display_name, sizeof u->display_name, "%s",
		 json_string_value(json_object_get(body, "display_name")));
	role_parse(json_string_value(json_object_get(body, "role")), &u->role);
	const char *org = json_string_value(json_object_get(body, "org_id"));
	snprintf(u->org_id, sizeof u->org_id, "%s", org ? org : "");
	if (!account_username_ok(u->username))
		return call_invalid(
		    c, "username", "username may hold only letters, digits, '.', '_', '-' and '@'");
	if (org && !org_exists(c, org))
		return false;
	secret_new_id(u->id);
	/* The administrator knows this password: its owner changes it first. */
	u->must_change_password = account_password_set_by_other(c->user.id, u->id);
	e = secret_hash_password(json_string_value(json_object_get(body, "password")),
				 u->password_hash);
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	u->version = 1;
	instant_format(c->now, u->created_at);
	memcpy(u->updated_at, u->created_at, sizeof u->updated_at);
	struct store_account_event ev;
	call_account_event(c, "user.create", u->id, "username,password,display_name,role,org_id",
			   &ev);
	e = store_user_create(c->app->store, u, &ev);
	if (e == WM_ERR_CONFLICT) {
		http_error(c->req, 409, "conflict", "that username is taken", "username");
		return false;
	}
	return e == WM_OK || call_fail(c, e, NULL);
}

void users_create(struct call *c)
{
	json_t *body = call_secret_body(c);
	if (!body)
		return;
	struct store_user u = {0};
	bool ok = create(c, body, &u);
	call_body_drop(c, body, password_members);
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	if (ok)
		http_respond_json(c->req, 201, user_json(&u));
}

struct user_list {
	json_t *items;
	int64_t last;
	const char *org_id; /* a manager's list: this organisation's accounts only */
};

static void add_user(void *ctx, const struct store_user *u)
{
	struct user_list *l = ctx;
	l->last = u->seq; /* the cursor moves past the accounts left out too */
	if (l->org_id && strcmp(u->org_id, l->org_id) != 0)
		return;
	json_array_append_new(l->items, user_json(u));
}

void users_list(struct call *c)
{
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after))
		return;
	/* An administrator lists every account; a manager (the caseloads
	 * page: who can be given a survivor) their own organisation's. */
	struct user_list l = {json_array(), 0, c->who.role == ROLE_ADMIN ? NULL : c->who.org_id};
	assert(c->who.role == ROLE_ADMIN || (l.org_id && l.org_id[0]));
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
	if (!load_user(c, &u))
		return;
	/* Whether the account has two-factor sign-in, for an administrator's
	 * reset (DELETE /users/{id}/two-factor). */
	bool required, enrolled;
	wm_err e = store_two_factor_state(c->app->store, u.id, u.org_id, &required, &enrolled);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	json_t *j = user_json(&u);
	if (j)
		json_object_set_new(j, "two_factor_enrolled", json_boolean(enrolled));
	http_respond_json(c->req, 200, j);
}

/* Applies body to u (as loaded) and stores it; false after answering
 * an error. */
static bool patch(struct call *c, const json_t *body, struct store_user *u)
{
	struct schema_error se;
	wm_err e = schema_check(&user_patch_schema, body, &se);
	if (e == WM_OK)
		e = account_check_password(body, &se);
	if (e != WM_OK)
		return call_fail(c, e, &se);
	int expected = (int)json_integer_value(json_object_get(body, "version"));
	/* Only org_id may be removed (an administrator needs none). */
	static const char *const kept[] = {"display_name", "role", "disabled", "password"};
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		if (json_is_null(json_object_get(body, kept[i])))
			return call_invalid(c, kept[i], "this field cannot be removed");
	char old_org[STORE_ID_LEN];
	memcpy(old_org, u->org_id, sizeof old_org);
	const struct account_state before = {u->role, old_org, u->disabled};
	const json_t *v;
	if (json_is_null(json_object_get(body, "org_id")))
		u->org_id[0] = '\0';
	if ((v = json_object_get(body, "display_name")) && json_is_string(v))
		snprintf(u->display_name, sizeof u->display_name, "%s", json_string_value(v));
	if ((v = json_object_get(body, "role")) && json_is_string(v))
		role_parse(json_string_value(v), &u->role);
	if ((v = json_object_get(body, "org_id")) && json_is_string(v)) {
		if (!org_exists(c, json_string_value(v)))
			return false;
		snprintf(u->org_id, sizeof u->org_id, "%s", json_string_value(v));
	}
	if ((v = json_object_get(body, "disabled")) && json_is_boolean(v))
		u->disabled = json_is_true(v);
	const struct account_state after = {u->role, u->org_id, u->disabled};
	e = account_check_change(&before, &after, strcmp(u->id, c->user.id) == 0, &se);
	if (e != WM_OK)
		return call_fail(c, e, &se);
	bool password_set = (v = json_object_get(body, "password")) && json_is_string(v);
	if (password_set) {
		e = secret_hash_password(json_string_value(v), u->password_hash);
		if (e != WM_OK)
			return call_fail(c, e, NULL);
		/* Whoever set it knows it: its owner must change it first. */
		u->must_change_password = account_password_set_by_other(c->user.id, u->id);
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
	instant_format(c->now, u->updated_at);
	struct store_account_event ev;
	call_account_event(c, "user.update", u->id, fields, &ev);
	e = store_user_update(c->app->store, u, expected,
			      account_change_ends_sessions(&before, &after, password_set), &ev);
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	u->version = expected + 1;
	return true;
}

void users_patch(struct call *c)
{
	struct store_user u;
	if (!load_user(c, &u))
		return;
	json_t *body = call_secret_body(c);
	if (!body)
		return;
	bool ok = patch(c, body, &u);
	call_body_drop(c, body, password_members);
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	if (ok)
		http_respond_json(c->req, 200, user_json(&u));
}

struct event_list {
	json_t *items;
	int64_t last;
};

static void add_event(void *ctx, const struct store_account_event *ev)
{
	struct event_list *l = ctx;
	json_array_append_new(
	    l->items, json_pack("{s:s, s:o, s:s, s:s, s:s}", "at", ev->at, "actor_id",
				ev->actor_id[0] ? json_string(ev->actor_id) : json_null(), "action",
				ev->action, "target_id", ev->target_id, "fields", ev->fields));
	l->last = ev->seq;
}

void account_events_list(struct call *c)
{
	/* The route's action (account_events.read: a manager, for their own
	 * organisation) has been checked, and an organisation-scoped action is
	 * never allowed without an organisation. */
	assert(c->who.org_id && c->who.org_id[0]);
	int limit;
	int64_t before;
	if (!call_page(c, &limit, &before))
		return;
	struct event_list l = {json_array(), 0};
	bool more;
	wm_err e = store_account_events_of_org(c->app->store, c->user.org_id, before, limit,
					       add_event, &l, &more);
	if (e != WM_OK) {
		json_decref(l.items);
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, call_list(c, l.items, more, l.last));
}
