/*
 * survivors.c - the survivor's record: create, read, list, change, and the
 * log of who looked.
 *
 * Every read and change leaves an audit entry: a change in the same
 * transaction as the change, a read before the record is answered (a
 * record is never shown without its entry being stored).
 */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/survivor.h"
#include "../util/jsonw.h"
#include "../util/text.h"
#include "call.h"

static struct resource resource_of(const struct store_survivor *s)
{
	return (struct resource){.org_id = s->org_id, .shared_with_org = s->shared_with_org};
}

/* The record as the API shows it to this caller: server fields around the
 * part of the stored body the caller's view holds (policy_view). */
json_t *survivor_json(const struct call *c, const struct store_survivor *s)
{
	struct resource res = resource_of(s);
	json_t *body = schema_view(&survivor_schema, s->body, policy_view(&c->who, &res));
	json_t *out =
	    json_pack("{s:s, s:i, s:s}", "id", s->id, "version", s->version, "org_id", s->org_id);
	if (!out || !body) {
		json_decref(out);
		json_decref(body);
		return NULL;
	}
	json_object_update(out, body);
	json_decref(body);
	json_object_set_new(out, "created_at", json_string(s->created_at));
	json_object_set_new(out, "updated_at", json_string(s->updated_at));
	return out;
}

bool survivor_write(const struct call *c, const struct store_survivor *s, struct buf *b)
{
	/* The members in survivor_json's order: its three server fields first,
	 * the view's, then the two instants. A stored body never holds a
	 * server field (they are refused on the way in); should one, the
	 * tree's own merge decides, as it always has. */
	static const char *const server[] = {"id", "org_id", "created_at", "updated_at"};
	for (size_t i = 0; i < sizeof server / sizeof server[0]; i++) {
		if (json_object_get(s->body, server[i])) {
			json_t *o = survivor_json(c, s);
			bool ok = o && jsonw_value(b, o);
			json_decref(o);
			return ok;
		}
	}
	struct resource res = resource_of(s);
	buf_adds(b, "{\"id\":");
	jsonw_string(b, s->id, strlen(s->id));
	buf_adds(b, ",\"version\":");
	char n[TEXT_INT_LEN];
	buf_add(b, n, text_int(n, s->version));
	buf_adds(b, ",\"org_id\":");
	jsonw_string(b, s->org_id, strlen(s->org_id));
	bool first = false;
	if (!schema_view_members(b, &survivor_schema, s->body, policy_view(&c->who, &res), &first))
		return false;
	buf_adds(b, ",\"created_at\":");
	jsonw_string(b, s->created_at, strlen(s->created_at));
	buf_adds(b, ",\"updated_at\":");
	jsonw_string(b, s->updated_at, strlen(s->updated_at));
	buf_addc(b, '}');
	return !b->failed;
}

/* Checks that advocate_id may hold a case of the caller's organisation
 * (survivor_may_hold_case); 422 otherwise. */
static bool advocate_ok(struct call *c, const char *advocate_id)
{
	struct store_user u;
	wm_err e = store_user_get(c->app->store, advocate_id, &u);
	if (e != WM_OK && e != WM_ERR_NOT_FOUND)
		return call_fail(c, e, NULL);
	struct case_holder h = {.role = u.role, .disabled = u.disabled, .org_id = u.org_id};
	if (e == WM_ERR_NOT_FOUND || !survivor_may_hold_case(&h, c->user.org_id))
		return call_invalid(
		    c, "advocate_id",
		    "advocate_id must name an advocate or manager of your organisation");
	return true;
}

/* Setting advocate_id from before to after (either may be NULL): the
 * domain says what the change amounts to, the policy who may make it. */
static bool assignment_ok(struct call *c, const char *before, const char *after)
{
	switch (survivor_assignment(c->user.id, before, after)) {
	case ASSIGN_UNCHANGED:
		return true;
	case ASSIGN_REASSIGN:
		if (!call_allow(c, ACT_SURVIVOR_REASSIGN, NULL))
			return false;
		break;
	case ASSIGN_TAKE:
		break;
	}
	return !after || advocate_ok(c, after);
}

void survivors_create(struct call *c)
{
	json_t *body = call_body(c);
	if (!body)
		return;
	struct schema_error se;
	wm_err e = survivor_validate(body, c->today, &se);
	if (e != WM_OK) {
		json_decref(body);
		call_fail(c, e, &se);
		return;
	}
	const char *dflt = survivor_default_advocate(c->user.role, c->user.id);
	if (!json_object_get(body, "advocate_id") && dflt)
		json_object_set_new(body, "advocate_id", json_string(dflt));
	if (!assignment_ok(c, NULL, json_string_value(json_object_get(body, "advocate_id")))) {
		json_decref(body);
		return;
	}
	struct store_survivor s = {0};
	secret_new_id(s.id);
	snprintf(s.org_id, sizeof s.org_id, "%s", c->user.org_id);
	s.version = 1;
	instant_format(c->now, s.created_at);
	memcpy(s.updated_at, s.created_at, sizeof s.updated_at);
	s.body = body;
	struct store_audit a;
	call_audit(c, s.id, "create", &a);
	e = store_survivor_create(c->app->store, &s, &a);
	if (e != WM_OK) {
		store_survivor_clear(&s);
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 201, survivor_json(c, &s));
	store_survivor_clear(&s);
}

/* The store's filter for the records the policy lets the caller reach for
 * act: its organisation's, those shared with it, or (an administration
 * scope) every organisation's. False when it reaches none. */
static bool filter_for(const struct call *c, enum action act, struct store_survivor_filter *f)
{
	memset(f, 0, sizeof *f);
	switch (policy_scope(&c->who, act)) {
	case SCOPE_ORG:
		f->org_id = c->who.org_id;
		return true;
	case SCOPE_SHARED:
		f->shared_with_org_id = c->who.org_id;
		f->today = c->today;
		f->now = c->now;
		return true;
	case SCOPE_ALL:
		f->all_orgs = true;
		return true;
	case SCOPE_NONE:
	default:
		return false;
	}
}

bool survivor_load(struct call *c, enum action act, struct store_survivor *s)
{
	return survivor_load_id(c, call_param(c, 0), act, s);
}

bool survivor_load_id(struct call *c, const char *id, enum action act, struct store_survivor *s)
{
	s->body = NULL;
	struct store_survivor_filter vis;
	wm_err e = schema_is_id(id) && filter_for(c, act, &vis)
		       ? store_survivor_get(c->app->store, id, &vis, s)
		       : WM_ERR_NOT_FOUND;
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	struct resource res = resource_of(s);
	if (!call_allow(c, act, &res)) { /* the second gate: the store filtered already */
		store_survivor_clear(s);
		return false;
	}
	return true;
}

void survivors_get(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_SURVIVOR_READ, &s))
		return;
	struct store_audit a;
	call_audit(c, s.id, "read", &a);
	struct buf b = BUF_INIT;
	size_t len = 0;
	char *text = survivor_write(c, &s, &b) ? buf_take(&b, &len) : NULL;
	buf_wipe(&b);
	if (text)
		http_respond(c->req, 200, "application/json", text, len);
	else
		call_fail(c, WM_ERR_NOMEM, NULL);
	call_answer_after_audit(c, &a, 1);
	store_survivor_clear(&s);
}

/* Answers 409: cur is the record as stored now; the client read expected. */
static void conflict(struct call *c, const struct store_survivor *cur, int expected)
{
	json_t *old = NULL;
	if (expected < cur->version &&
	    store_survivor_version(c->app->store, cur, expected, &old) != WM_OK)
		old = NULL;
	call_conflict(c, cur->version, old, cur->body);
	json_decref(old);
}

void survivors_patch(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_SURVIVOR_UPDATE, &s))
		return;
	json_t *patch = call_body(c);
	json_t *merged = NULL;
	if (!patch)
		goto out;
	int expected;
	if (!call_take_version(c, patch, true, &expected))
		goto out;
	merged = schema_merge(&survivor_schema, s.body, patch);
	if (!merged) {
		call_fail(c, WM_ERR_NOMEM, NULL);
		goto out;
	}
	struct schema_error se;
	wm_err e = survivor_validate(merged, c->today, &se);
	if (e != WM_OK) {
		call_fail(c, e, &se);
		goto out;
	}
	if (!assignment_ok(c, json_string_value(json_object_get(s.body, "advocate_id")),
			   json_string_value(json_object_get(merged, "advocate_id"))))
		goto out;
	if (expected != s.version) {
		conflict(c, &s, expected);
		goto out;
	}
	json_decref(s.body);
	s.body = merged;
	merged = NULL;
	instant_format(c->now, s.updated_at);
	struct store_audit a;
	call_audit(c, s.id, "update", &a);
	e = store_survivor_update(c->app->store, &s, expected, &a);
	if (e == WM_ERR_CONFLICT) {
		/* Changed between our read and our write: say against what is
		 * stored now. */
		struct store_survivor now;
		if (survivor_load(c, ACT_SURVIVOR_UPDATE, &now)) {
			conflict(c, &now, expected);
			store_survivor_clear(&now);
		}
		goto out;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		goto out;
	}
	http_respond_json(c->req, 200, survivor_json(c, &s));
out:
	json_decref(patch);
	json_decref(merged);
	store_survivor_clear(&s);
}

static void add_survivor(void *ctx, const struct store_survivor *s)
{
	struct audited_page *p = ctx;
	call_audited_add(p, s->id, survivor_json(p->c, s), s->seq);
}

void survivors_list(struct call *c)
{
	struct store_survivor_filter f;
	bool reach = filter_for(c, ACT_SURVIVOR_LIST, &f);
	if (!call_advocate_param(c, &f.advocate_id))
		return;
	f.status = http_query(c->req, "status");
	if (f.status && strcmp(f.status, "active") != 0 && strcmp(f.status, "closed") != 0) {
		call_invalid(c, "status", "status must be active or closed");
		return;
	}
	const char *q = http_query(c->req, "q");
	if (q && text_trimmed_len(q) > 0)
		f.name = q;
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after))
		return;
	struct audited_page *p = call_audited_page(c, NULL);
	if (!p)
		return;
	bool more = false;
	wm_err e =
	    reach ? store_survivor_list(c->app->store, &f, after, limit, add_survivor, p, &more)
		  : WM_OK;
	call_audited_answer(c, p, e, more, p->last);
}

struct log_list {
	json_t *items;
	int64_t last;
};

static void add_entry(void *ctx, const struct store_audit *a)
{
	struct log_list *l = ctx;
	json_array_append_new(l->items,
			      json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "at", a->at, "user_id",
					a->user_id, "role", role_name(a->role), "org_id",
					a->org_id[0] ? json_string(a->org_id) : json_null(),
					"action", a->action, "route", a->route));
	l->last = a->seq;
}

void survivors_access_log(struct call *c)
{
	const char *id = call_param(c, 0);
	char org[STORE_ID_LEN];
	wm_err e = schema_is_id(id) ? store_survivor_org(c->app->store, id, org) : WM_ERR_NOT_FOUND;
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	struct resource res = {.org_id = org};
	if (!call_allow(c, ACT_ACCESS_LOG_READ, &res))
		return;
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after))
		return;
	struct log_list l = {json_array(), 0};
	bool more;
	e = store_access_log(c->app->store, id, after, limit, add_entry, &l, &more);
	if (e != WM_OK) {
		json_decref(l.items);
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, call_list(c, l.items, more, l.last));
	/* Reading who looked is itself a look at the record: logged after the
	 * list is taken, so it shows from the next reading on. */
	struct store_audit a;
	call_audit(c, id, "read", &a);
	call_answer_after_audit(c, &a, 1);
}
