/*
 * monitor.c - what an organisation's managers are told about its own
 * accounts: today, accounts flagged for bulk access (more distinct
 * survivors read within an hour than their threshold; see store.h).
 *
 * The threat is an insider harvesting records for a trafficker: the list
 * names the account and the counts, never a survivor, so reading it leaves
 * no per-survivor audit entry.
 */
#include "call.h"

#include <assert.h>

struct bulk_list {
	json_t *items;
	int64_t last;
};

static void add_event(void *ctx, const struct store_bulk_access *b)
{
	struct bulk_list *l = ctx;
	json_array_append_new(l->items,
			      json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "user_id",
					b->user_id, "role", role_name(b->role), "window_start",
					b->window_start, "window_end", b->window_end,
					"distinct_survivors", b->distinct_survivors, "threshold",
					b->threshold, "detected_at", b->detected_at));
	l->last = b->seq;
}

void monitor_bulk_access(struct call *c)
{
	/* The route's action (bulk_access.read, managers) has been checked;
	 * an organisation-scoped action is never allowed without one. */
	assert(c->who.org_id);
	int limit;
	int64_t after;
	if (!call_page(c, &limit, &after))
		return;
	struct bulk_list l = {json_array(), 0};
	bool more;
	wm_err e = store_bulk_access_list(c->app->store, c->who.org_id, after, limit, add_event, &l,
					  &more);
	if (e != WM_OK) {
		json_decref(l.items);
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, call_list(c, l.items, more, l.last));
}
