/*
 * handover.c - GET /api/v1/survivors/{id}/handover: the survivor's health
 * summary as a FHIR R4 document, for the GP and agency of the town they
 * move to (docs/handover.md).
 *
 * The owning organisation's manager or advocate asks for it
 * (ACT_HANDOVER: another organisation's survivor is 404); without an
 * active handover consent it is 403 consent_required. What goes into it is
 * decided by the domain (handover_view, then fhir_bundle), from the parts
 * of the record loaded here; case notes are never even loaded. Each
 * handover is audited as "handover" before it is answered.
 */
#include <stdlib.h>
#include <string.h>

#include "../domain/fhir.h"
#include "handover.h"

struct gather {
	const struct call *c;
	const struct kind *k;
	struct resource res;
	json_t *items;
	int64_t last;
};

static void add_item(void *ctx, const struct store_item *it)
{
	struct gather *g = ctx;
	json_array_append_new(g->items, item_json(g->c, g->k, &g->res, it));
	g->last = it->seq;
}

/* Sets record[k->name] to the part k of survivor s: its one item (or null),
 * or the array of all its items. */
static wm_err gather_part(struct call *c, const struct store_survivor *s, const char *name,
			  json_t *record)
{
	const struct kind *k = kind_find(name);
	if (!k)
		return WM_ERR_INVALID;
	struct resource res = {.org_id = s->org_id, .shared_with_org = s->shared_with_org};
	if (k->shape == KIND_ONE) {
		struct store_item it = {0};
		wm_err e = store_item_get(c->app->store, k, s->org_id, s->id, NULL, &it);
		if (e == WM_OK)
			json_object_set_new(record, name, item_json(c, k, &res, &it));
		store_item_clear(&it);
		return e == WM_ERR_NOT_FOUND ? WM_OK : e;
	}
	struct gather g = {c, k, res, json_array(), 0};
	bool more = true;
	wm_err e = g.items ? WM_OK : WM_ERR_NOMEM;
	while (e == WM_OK && more)
		e = store_item_list(c->app->store, k, s->org_id, s->id, g.last, STORE_LIST_MAX,
				    add_item, &g, &more);
	if (e == WM_OK)
		json_object_set(record, name, g.items);
	json_decref(g.items);
	return e;
}

bool handover_load_view(struct call *c, const struct store_survivor *s, json_t **view)
{
	*view = NULL;
	/* The parts a handover may draw on: never notes, snoozes or the
	 * plan's reviews, which it would not use. */
	static const char *const parts[] = {"consents",	 "nrm",		  "asylum",
					    "plan",	 "registrations", "appointments",
					    "referrals", "medications",	  NULL};
	json_t *record = json_pack("{s:o}", "survivor", survivor_json(c, s));
	wm_err e = record ? WM_OK : WM_ERR_NOMEM;
	for (size_t i = 0; e == WM_OK && parts[i]; i++)
		e = gather_part(c, s, parts[i], record);
	if (e == WM_OK)
		e = handover_view(record, c->today, view);
	json_decref(record);
	if (e == WM_ERR_FORBIDDEN) {
		http_error(c->req, 403, "consent_required",
			   "the survivor has no active handover consent", NULL);
		return false;
	}
	return e == WM_OK || call_fail(c, e, NULL);
}

void handover_get(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_HANDOVER, &s))
		return;
	json_t *view = NULL, *bundle = NULL;
	if (!handover_load_view(c, &s, &view))
		goto out;
	struct store_org org;
	wm_err e = store_org_get(c->app->store, s.org_id, &org);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		goto out;
	}
	char doc_id[SECRET_ID_LEN];
	secret_new_id(doc_id);
	struct fhir_doc doc = {
	    .doc_id = doc_id, .now = c->now, .today = c->today, .org_name = org.name};
	bundle = fhir_bundle(view, &doc);
	size_t len = 0;
	char *text = bundle ? json_dumps(bundle, JSON_COMPACT) : NULL;
	if (!text) {
		call_fail(c, WM_ERR_NOMEM, NULL);
		goto out;
	}
	len = strlen(text);
	struct store_audit a;
	call_audit(c, s.id, "handover", &a);
	http_respond(c->req, 200, "application/fhir+json", text, len);
	call_answer_after_audit(c, &a, 1);
out:
	json_decref(bundle);
	json_decref(view);
	store_survivor_clear(&s);
}
