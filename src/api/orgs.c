/*
 * orgs.c - organisations: created by administrators, listed for everyone
 * (a name and a kind are what consents and referrals are addressed to).
 */
#include <stdio.h>
#include <string.h>

#include "../domain/account.h"
#include "call.h"

static json_t *org_json(const struct store_org *o)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "id", o->id, "name", o->name, "kind",
			 o->kind, "version", o->version, "created_at", o->created_at, "updated_at",
			 o->updated_at);
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
	http_respond_json(c->req, 201, org_json(&o));
}

struct org_list {
	json_t *items;
	int64_t last;
};

static void add_org(void *ctx, const struct store_org *o)
{
	struct org_list *l = ctx;
	json_array_append_new(l->items, org_json(o));
	l->last = o->seq;
}

void orgs_list(struct call *c)
{
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after))
		return;
	struct org_list l = {json_array(), 0};
	bool more;
	wm_err e = store_org_list(c->app->store, after, limit, add_org, &l, &more);
	if (e != WM_OK) {
		json_decref(l.items);
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, call_list(c, l.items, more, l.last));
}
