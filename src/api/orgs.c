/*
 * orgs.c - organisations: created by administrators, listed for everyone
 * (a name and a kind are what consents and referrals are addressed to).
 */
#include <stdio.h>
#include <string.h>

#include "../domain/account.h"
#include "call.h"

/* two_factor_required: whether the organisation's accounts must sign in
 * with a second factor (an administrator's setting, PATCH). */
static json_t *org_json(const struct store_org *o, bool two_factor_required)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:b}", "id", o->id, "name", o->name,
			 "kind", o->kind, "version", o->version, "created_at", o->created_at,
			 "updated_at", o->updated_at, "two_factor_required", two_factor_required);
}

void orgs_create(struct call *c)
{
	json_t *body = call_body(c);
	if (!body)
		return;
	struct schema_error se;
	if (schema_check(&org_create_schema, body, &se) != WM_OK) {
		json_decref(body);
		call_fail(c, WM_ERR_INVALID, &se);
		return;
	}
	struct store_org o = {0};
	secret_new_id(o.id);
	snprintf(o.name, sizeof o.name, "%s", json_string_value(json_object_get(body, "name")));
	snprintf(o.kind, sizeof o.kind, "%s", json_string_value(json_object_get(body, "kind")));
	json_decref(body);
	o.version = 1;
	instant_format(c->now, o.created_at);
	memcpy(o.updated_at, o.created_at, sizeof o.updated_at);
	struct store_account_event ev;
	call_account_event(c, "org.create", o.id, "name,kind", &ev);
	wm_err e = store_org_create(c->app->store, &o, &ev);
	if (e == WM_ERR_CONFLICT) {
		http_error(c->req, 409, "conflict", "an organisation with that name exists",
			   "name");
		return;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 201, org_json(&o, false));
}

struct org_list {
	struct store *st;
	json_t *items;
	int64_t last;
	wm_err e;
};

static void add_org(void *ctx, const struct store_org *o)
{
	struct org_list *l = ctx;
	bool required = false, enrolled;
	if (l->e == WM_OK)
		l->e = store_two_factor_state(l->st, NULL, o->id, &required, &enrolled);
	json_array_append_new(l->items, org_json(o, required));
	l->last = o->seq;
}

void orgs_list(struct call *c)
{
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after))
		return;
	struct org_list l = {c->app->store, json_array(), 0, WM_OK};
	bool more;
	wm_err e = store_org_list(c->app->store, after, limit, add_org, &l, &more);
	if (e == WM_OK)
		e = l.e;
	if (e != WM_OK) {
		json_decref(l.items);
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, call_list(c, l.items, more, l.last));
}

static const struct schema_field org_patch_fields[] = {
    {.name = "version", .type = SCH_INT, .flags = SCH_REQUIRED, .min = 1, .max = 2147483647},
    {.name = "two_factor_required", .type = SCH_BOOL, .flags = SCH_REQUIRED},
};
static const struct schema org_patch_schema = {"org_patch", org_patch_fields, 2};

/* PATCH /orgs/{id} {version, two_factor_required}: whether the
 * organisation's accounts must sign in with a second factor. Those not
 * enrolled are sent to enrol at their next request (api.c). */
void orgs_patch(struct call *c)
{
	struct store_org o;
	wm_err e = store_org_get(c->app->store, call_param(c, 0), &o);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	json_t *body = call_body(c);
	if (!body)
		return;
	struct schema_error se;
	if (schema_check(&org_patch_schema, body, &se) != WM_OK) {
		json_decref(body);
		call_fail(c, WM_ERR_INVALID, &se);
		return;
	}
	int expected = (int)json_integer_value(json_object_get(body, "version"));
	bool required = json_is_true(json_object_get(body, "two_factor_required"));
	json_decref(body);
	char at[INSTANT_TEXT_LEN];
	instant_format(c->now, at);
	struct store_account_event ev;
	call_account_event(c, "org.update", o.id, "two_factor_required", &ev);
	e = store_org_set_two_factor(c->app->store, o.id, expected, required, c->now, at, &ev);
	if (e == WM_ERR_CONFLICT) {
		call_conflict(c, o.version, NULL, NULL);
		return;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	o.version = expected + 1;
	memcpy(o.updated_at, at, sizeof o.updated_at);
	http_respond_json(c->req, 200, org_json(&o, required));
}
