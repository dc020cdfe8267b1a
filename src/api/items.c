/*
 * items.c - the one path that serves every part of a survivor's record
 * (domain/kind.h): create, read, list, replace and change, for every kind.
 *
 * The route row names the kind (by its pattern) and the action; the kind
 * says its fields, rules, shape and view. Each handler loads the survivor
 * first under the action (404 when the caller may not see them), so an
 * item is never reached through a survivor the caller cannot see. Every
 * read leaves an audit entry before the answer goes; every change writes
 * its entry in the change's own transaction.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"

/* The kind this route serves; every item route names one. */
static const struct kind *route_kind(const struct call *c)
{
	const struct kind *k = kind_of_route(call_route(c));
	assert(k);
	return k;
}

/* The item as the API shows it to this caller: server fields around the
 * part of the body the caller's view holds. */
json_t *item_json(const struct call *c, const struct kind *k, const struct resource *res,
		  const struct store_item *it)
{
	json_t *body = schema_view(k->schema, it->body, policy_view(&c->who, res));
	json_t *out = json_pack("{s:s, s:i, s:s}", "id", it->id, "version", it->version,
				"survivor_id", it->survivor_id);
	if (!out || !body) {
		json_decref(out);
		json_decref(body);
		return NULL;
	}
	json_object_update(out, body);
	json_decref(body);
	json_object_set_new(out, "created_at", json_string(it->created_at));
	json_object_set_new(out, "updated_at", json_string(it->updated_at));
	return out;
}

/* item_json for an item of survivor s. */
static json_t *item_of(const struct call *c, const struct kind *k, const struct store_survivor *s,
		       const struct store_item *it)
{
	struct resource res = {.org_id = s->org_id, .shared_with_org = s->shared_with_org};
	return item_json(c, k, &res, it);
}

/* Checks a complete item (after defaults or a merge) against its kind. */
bool item_valid(struct call *c, const struct kind *k, json_t *item, const struct store_survivor *s)
{
	struct schema_error se;
	schema_drop_nulls(k->schema, item);
	wm_err e = schema_check(k->schema, item, &se);
	if (e == WM_OK && k->validate)
		e = k->validate(item, s->body, c->today, &se);
	return e == WM_OK || call_fail(c, e, &se);
}

/* Stores a new item of k for survivor s and answers 201 with it. Takes body. */
void item_create(struct call *c, const struct kind *k, const struct store_survivor *s, json_t *body)
{
	struct store_item it = {.body = body, .version = 1};
	secret_new_id(it.id);
	memcpy(it.survivor_id, s->id, sizeof it.survivor_id);
	memcpy(it.org_id, s->org_id, sizeof it.org_id);
	instant_format(c->now, it.created_at);
	memcpy(it.updated_at, it.created_at, sizeof it.updated_at);
	struct store_audit a;
	call_audit(c, s->id, "create", &a);
	wm_err e = store_item_create(c->app->store, k, &it, &a);
	if (e == WM_OK)
		http_respond_json(c->req, 201, item_of(c, k, s, &it));
	else
		call_fail(c, e, NULL);
	store_item_clear(&it);
}

/* Answers 409: cur is the item as stored now; the client read expected. */
static void conflict(struct call *c, const struct kind *k, const struct store_item *cur,
		     int expected)
{
	json_t *old = NULL;
	if (expected < cur->version &&
	    store_item_version(c->app->store, k, cur, expected, &old) != WM_OK)
		old = NULL;
	call_conflict(c, cur->version, old, cur->body);
	json_decref(old);
}

/* Replaces stored (whose version the client read as expected) by next, and
 * answers 200 with it. Takes next. */
static void replace(struct call *c, const struct kind *k, const struct store_survivor *s,
		    struct store_item *stored, int expected, json_t *next)
{
	if (expected != stored->version) {
		json_decref(next);
		conflict(c, k, stored, expected);
		return;
	}
	json_decref(stored->body);
	stored->body = next;
	instant_format(c->now, stored->updated_at);
	struct store_audit a;
	call_audit(c, s->id, "update", &a);
	wm_err e = store_item_replace(c->app->store, k, stored, expected, &a);
	if (e == WM_ERR_CONFLICT) {
		/* Changed between our read and our write: say against what is
		 * stored now. */
		struct store_item now = {0};
		e = store_item_get(c->app->store, k, s->org_id, s->id,
				   k->shape == KIND_ONE ? NULL : stored->id, &now);
		if (e == WM_OK)
			conflict(c, k, &now, expected);
		else
			call_fail(c, e, NULL);
		store_item_clear(&now);
		return;
	}
	if (e == WM_OK)
		http_respond_json(c->req, 200, item_of(c, k, s, stored));
	else
		call_fail(c, e, NULL);
}

/* POST /survivors/{id}/KIND */
void items_create(struct call *c)
{
	const struct kind *k = route_kind(c);
	struct store_survivor s;
	if (!survivor_load(c, k->create, &s))
		return;
	json_t *body = call_body(c);
	if (body && item_valid(c, k, body, &s)) {
		item_create(c, k, &s, body);
		body = NULL;
	}
	json_decref(body);
	store_survivor_clear(&s);
}

/* PUT /survivors/{id}/KIND for a one-per-survivor kind: the first creates,
 * a later one replaces the whole item and must carry the version read. */
void items_put(struct call *c)
{
	const struct kind *k = route_kind(c);
	assert(k->shape == KIND_ONE);
	struct store_survivor s;
	if (!survivor_load(c, k->update, &s))
		return;
	struct store_item stored = {0};
	json_t *body = call_body(c);
	int expected;
	if (!body || !call_take_version(c, body, false, &expected))
		goto out;
	wm_err e = store_item_get(c->app->store, k, s.org_id, s.id, NULL, &stored);
	if (e != WM_OK && e != WM_ERR_NOT_FOUND) {
		call_fail(c, e, NULL);
		goto out;
	}
	if (e == WM_OK && expected == 0) {
		call_invalid(c, "version",
			     "version is required to replace what is stored: send the version "
			     "you read");
		goto out;
	}
	if (!item_valid(c, k, body, &s))
		goto out;
	if (e == WM_ERR_NOT_FOUND)
		item_create(c, k, &s, body);
	else
		replace(c, k, &s, &stored, expected, body);
	body = NULL;
out:
	json_decref(body);
	store_item_clear(&stored);
	store_survivor_clear(&s);
}

/* Answers one item that was read, once its audit entry is stored. */
static void answer_read(struct call *c, const struct kind *k, const struct store_survivor *s,
			const struct store_item *it)
{
	struct store_audit a;
	call_audit(c, s->id, "read", &a);
	http_respond_json(c->req, 200, item_of(c, k, s, it));
	call_answer_after_audit(c, &a, 1);
}

/* GET /survivors/{id}/KIND for a one-per-survivor kind. */
void items_get_one(struct call *c)
{
	const struct kind *k = route_kind(c);
	struct store_survivor s;
	if (!survivor_load(c, k->read, &s))
		return;
	struct store_item it = {0};
	wm_err e = store_item_get(c->app->store, k, s.org_id, s.id, NULL, &it);
	if (e == WM_OK)
		answer_read(c, k, &s, &it);
	else
		call_fail(c, e, NULL);
	store_item_clear(&it);
	store_survivor_clear(&s);
}

/* Loads the item {item_id} of the survivor s; 404 when it is not theirs. */
static bool load_item(struct call *c, const struct kind *k, const struct store_survivor *s,
		      struct store_item *it)
{
	const char *item_id = call_param(c, 1);
	wm_err e = schema_is_id(item_id)
		       ? store_item_get(c->app->store, k, s->org_id, s->id, item_id, it)
		       : WM_ERR_NOT_FOUND;
	return e == WM_OK || call_fail(c, e, NULL);
}

/* GET /survivors/{id}/KIND/{item_id} */
void items_get(struct call *c)
{
	const struct kind *k = route_kind(c);
	struct store_survivor s;
	if (!survivor_load(c, k->read, &s))
		return;
	struct store_item it = {0};
	if (load_item(c, k, &s, &it))
		answer_read(c, k, &s, &it);
	store_item_clear(&it);
	store_survivor_clear(&s);
}

/* PATCH /survivors/{id}/KIND/{item_id}: a JSON merge patch plus the version. */
void items_patch(struct call *c)
{
	const struct kind *k = route_kind(c);
	assert(!k->append_only);
	struct store_survivor s;
	if (!survivor_load(c, k->update, &s))
		return;
	struct store_item it = {0};
	json_t *patch = NULL, *merged = NULL;
	int expected;
	if (!load_item(c, k, &s, &it) || !(patch = call_body(c)) ||
	    !call_take_version(c, patch, true, &expected))
		goto out;
	merged = schema_merge(k->schema, it.body, patch);
	if (!merged) {
		call_fail(c, WM_ERR_NOMEM, NULL);
		goto out;
	}
	if (!item_valid(c, k, merged, &s))
		goto out;
	replace(c, k, &s, &it, expected, merged);
	merged = NULL;
out:
	json_decref(patch);
	json_decref(merged);
	store_item_clear(&it);
	store_survivor_clear(&s);
}

struct item_list {
	const struct call *c;
	const struct kind *k;
	const struct store_survivor *s;
	json_t *items;
	int64_t last;
};

static void add_item(void *ctx, const struct store_item *it)
{
	struct item_list *l = ctx;
	json_array_append_new(l->items, item_of(l->c, l->k, l->s, it));
	l->last = it->seq;
}

/* GET /survivors/{id}/KIND: one survivor's items, oldest first. Reading the
 * list is one look at one survivor's record: one audit entry. */
void items_list(struct call *c)
{
	const struct kind *k = route_kind(c);
	struct store_survivor s;
	if (!survivor_load(c, k->read, &s))
		return;
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after)) {
		store_survivor_clear(&s);
		return;
	}
	struct item_list l = {c, k, &s, json_array(), 0};
	bool more;
	wm_err e =
	    store_item_list(c->app->store, k, s.org_id, s.id, after, limit, add_item, &l, &more);
	if (e != WM_OK) {
		json_decref(l.items);
		call_fail(c, e, NULL);
	} else {
		struct store_audit a;
		call_audit(c, s.id, "read", &a);
		http_respond_json(c->req, 200, call_list(c, l.items, more, l.last));
		call_answer_after_audit(c, &a, 1);
	}
	store_survivor_clear(&s);
}

/* Adds every item of k of survivor s to arr, page by page. */
static wm_err all_items(struct call *c, const struct kind *k, const struct store_survivor *s,
			json_t *arr)
{
	struct item_list l = {c, k, s, arr, 0};
	bool more = true;
	wm_err e = WM_OK;
	while (e == WM_OK && more)
		e = store_item_list(c->app->store, k, s->org_id, s->id, l.last, STORE_LIST_MAX,
				    add_item, &l, &more);
	return e;
}

/* GET /survivors/{id}/record: the survivor and every part of the record the
 * caller may see, in one answer and one audit entry. A part they may never
 * see is absent; one they may see but that does not exist is null (or []). */
void record_get(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_SURVIVOR_READ, &s))
		return;
	struct resource res = {.org_id = s.org_id, .shared_with_org = s.shared_with_org};
	json_t *out = json_pack("{s:o}", "survivor", survivor_json(c, &s));
	wm_err e = out ? WM_OK : WM_ERR_NOMEM;
	json_t *reviews = NULL;
	for (size_t i = 0; e == WM_OK && i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		if (policy_decide(&c->who, k->read, &res) != POLICY_ALLOW)
			continue;
		if (k->shape == KIND_LIST) {
			json_t *arr = json_array();
			e = arr ? all_items(c, k, &s, arr) : WM_ERR_NOMEM;
			if (e == WM_OK && strcmp(k->name, "plan/reviews") == 0)
				reviews = json_incref(arr);
			else if (e == WM_OK)
				json_object_set(out, k->name, arr);
			json_decref(arr);
			continue;
		}
		struct store_item it = {0};
		e = store_item_get(c->app->store, k, s.org_id, s.id, NULL, &it);
		if (e == WM_OK)
			json_object_set_new(out, k->name, item_of(c, k, &s, &it));
		else if (e == WM_ERR_NOT_FOUND)
			e = json_object_set_new(out, k->name, json_null()) ? WM_ERR_NOMEM : WM_OK;
		store_item_clear(&it);
	}
	/* The plan's reviews travel inside the plan. */
	json_t *plan = json_object_get(out, "plan");
	if (e == WM_OK && json_is_object(plan))
		json_object_set(plan, "reviews", reviews ? reviews : json_array());
	json_decref(reviews);
	if (e != WM_OK) {
		json_decref(out);
		call_fail(c, e, NULL);
	} else {
		struct store_audit a;
		call_audit(c, s.id, "read", &a);
		http_respond_json(c->req, 200, out);
		call_answer_after_audit(c, &a, 1);
	}
	store_survivor_clear(&s);
}

static void add_ranged(void *ctx, const struct store_item *it)
{
	struct audited_page *p = ctx;
	/* The caller's own organisation's survivor: the case team's view. */
	struct resource res = {.org_id = it->org_id};
	call_audited_add(p, it->survivor_id, item_json(p->c, p->data, &res, it), it->seq);
}

/* Reads ?name= as a date into *day (absent: dflt); false after a 422. */
bool call_query_date(struct call *c, const char *name, int dflt, int *day)
{
	const char *v = http_query(c->req, name);
	*day = dflt;
	if (v && !date_parse(v, day))
		return call_invalid(c, name, "must be a date (YYYY-MM-DD) that exists");
	return true;
}

/* GET /appointments?advocate=me|ID&from=DATE&to=DATE&status=: appointments
 * across the organisation's survivors (or one advocate's caseload), every
 * status unless asked, by starts_at. from and to are days in the server's
 * time zone, both included (default: today and the next 7 days). Each
 * appointment shown is a read of its survivor's record, audited. */
void appointments_caseload(struct call *c)
{
	const struct kind *k = kind_find("appointments");
	assert(k && c->who.org_id);
	struct store_item_range r = {.org_id = c->who.org_id, .column = "starts_at"};
	if (!call_advocate_param(c, &r.advocate_id))
		return;
	int from, to;
	if (!call_query_date(c, "from", c->today, &from) ||
	    !call_query_date(c, "to", from + 7, &to))
		return;
	if (to < from || to - from > 366) {
		call_invalid(c, "to", "to must be on or after from, within a year of it");
		return;
	}
	r.from = date_local_start(from);
	r.to = date_local_start(to + 1);
	const char *status = http_query(c->req, "status");
	const struct schema_field *sf = schema_find(k->schema, "status");
	if (status) {
		bool known = false;
		for (const char *const *v = sf ? sf->values : NULL; v && *v; v++)
			known = known || strcmp(*v, status) == 0;
		if (!known) {
			call_invalid(c, "status", "status is not an appointment status");
			return;
		}
		r.code_column = "status";
		r.code = status;
	}
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after))
		return;
	struct audited_page *p = call_audited_page(c, k);
	if (!p)
		return;
	bool more = false;
	/* The cursor holds how many were shown before (plus one, as cursors
	 * are never 0): the list is ordered by time, not by seq. */
	int64_t offset = after > 0 ? after - 1 : 0;
	wm_err e = store_item_range(c->app->store, k, &r, offset, limit, add_ranged, p, &more);
	call_audited_answer(c, p, e, more, offset + (int64_t)p->n + 1);
}
