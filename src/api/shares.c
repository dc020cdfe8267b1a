/*
 * shares.c - safeguarding shares: where a survivor is at risk of serious
 * harm, a manager shares the record with another organisation without
 * consent, giving a reason. The share lets that organisation's clinicians
 * read as a share_with_org consent would, ends by itself after 72 hours, is
 * in the survivor's access log (action "share"), and stays listed for the
 * organisation's managers until one marks it reviewed. This is the "break
 * glass" of clinical systems, with the audit they lack.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/account.h"
#include "call.h"

#define SHARE_HOURS	 72
#define REASON_MIN_CHARS 20

static const struct schema_field create_fields[] = {
    {.name = "org_id", .type = SCH_ID, .flags = SCH_REQUIRED},
    {.name = "reason", .type = SCH_TEXT, .flags = SCH_REQUIRED, .max = 4000},
};
static const struct schema create_schema = {"safeguarding share", create_fields, 2};

static const struct schema_field review_fields[] = {
    {.name = "reviewed", .type = SCH_BOOL, .flags = SCH_REQUIRED},
};
static const struct schema review_schema = {"safeguarding review", review_fields, 1};

static json_t *instant_or_null(int64_t t)
{
	char text[INSTANT_TEXT_LEN];
	if (!t)
		return json_null();
	instant_format(t, text);
	return json_string(text);
}

/* A share as the API shows it; with_reason for the managers' list. */
static json_t *share_json(const struct store_share *sh, bool with_reason)
{
	json_t *out = json_pack(
	    "{s:s, s:i, s:s, s:s, s:o, s:s, s:o, s:o, s:o}", "id", sh->id, "version", sh->version,
	    "survivor_id", sh->survivor_id, "org_id", sh->with_org_id, "created_at",
	    instant_or_null(sh->created_at), "created_by", sh->created_by, "expires_at",
	    instant_or_null(sh->expires_at), "reviewed_at", instant_or_null(sh->reviewed_at),
	    "reviewed_by", sh->reviewed_by[0] ? json_string(sh->reviewed_by) : json_null());
	if (out && with_reason && sh->reason)
		json_object_set(out, "reason", json_object_get(sh->reason, "reason"));
	return out;
}

/* POST /survivors/{id}/safeguarding-shares {org_id, reason} */
void shares_create(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_SAFEGUARDING_SHARE, &s))
		return;
	json_t *body = call_body(c);
	struct schema_error se;
	struct store_org org;
	if (!body)
		goto out;
	if (schema_check(&create_schema, body, &se) != WM_OK) {
		call_fail(c, WM_ERR_INVALID, &se);
		goto out;
	}
	const char *with = json_string_value(json_object_get(body, "org_id"));
	if (account_utf8_chars(json_string_value(json_object_get(body, "reason"))) <
	    REASON_MIN_CHARS) {
		call_invalid(c, "reason", "reason must say why, in at least 20 characters");
		goto out;
	}
	wm_err e = store_org_get(c->app->store, with, &org);
	if (e == WM_ERR_NOT_FOUND || (e == WM_OK && strcmp(with, s.org_id) == 0)) {
		call_invalid(c, "org_id", "org_id must name another organisation");
		goto out;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		goto out;
	}
	struct store_share sh = {.version = 1, .created_at = c->now};
	sh.expires_at = c->now + SHARE_HOURS * 3600;
	secret_new_id(sh.id);
	memcpy(sh.survivor_id, s.id, sizeof sh.survivor_id);
	memcpy(sh.org_id, s.org_id, sizeof sh.org_id);
	snprintf(sh.with_org_id, sizeof sh.with_org_id, "%s", with);
	memcpy(sh.created_by, c->user.id, sizeof sh.created_by);
	sh.reason = json_pack("{s:O}", "reason", json_object_get(body, "reason"));
	struct store_audit a;
	call_audit(c, s.id, "share", &a);
	e = sh.reason ? store_share_create(c->app->store, &sh, &a) : WM_ERR_NOMEM;
	if (e == WM_OK)
		http_respond_json(c->req, 201, share_json(&sh, false));
	else
		call_fail(c, e, NULL);
	store_share_clear(&sh);
out:
	json_decref(body);
	store_survivor_clear(&s);
}

static void add_share(void *ctx, const struct store_share *sh)
{
	/* The reason speaks of the person: reading it is a read of their record. */
	call_audited_add(ctx, sh->survivor_id, share_json(sh, true), sh->seq);
}

/* GET /safeguarding-shares?reviewed=false|true: the organisation's shares,
 * newest first, with their reasons, for its managers. */
void shares_list(struct call *c)
{
	assert(c->who.org_id);
	const char *rv = http_query(c->req, "reviewed");
	int reviewed = -1;
	if (rv && strcmp(rv, "false") == 0)
		reviewed = 0;
	else if (rv && strcmp(rv, "true") == 0)
		reviewed = 1;
	else if (rv) {
		call_invalid(c, "reviewed", "reviewed must be true or false");
		return;
	}
	int limit;
	int64_t before;
	if (!call_page(c, &limit, &before))
		return;
	struct audited_page *p = call_audited_page(c, NULL);
	if (!p)
		return;
	bool more = false;
	wm_err e = store_share_list(c->app->store, c->who.org_id, reviewed, before, limit,
				    add_share, p, &more);
	call_audited_answer(c, p, e, more, p->last);
}

/* PATCH /safeguarding-shares/{id} {version, reviewed: true} */
void shares_review(struct call *c)
{
	assert(c->who.org_id);
	const char *id = call_param(c, 0);
	json_t *body = NULL;
	int expected;
	struct schema_error se;
	struct store_share sh = {0};
	/* The share first (404), then the body (400, 422), as for records. */
	wm_err e = schema_is_id(id) ? store_share_get(c->app->store, c->who.org_id, id, &sh)
				    : WM_ERR_NOT_FOUND;
	store_share_clear(&sh);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		goto out;
	}
	body = call_body(c);
	if (!body || !call_take_version(c, body, true, &expected))
		goto out;
	if (schema_check(&review_schema, body, &se) != WM_OK) {
		call_fail(c, WM_ERR_INVALID, &se);
		goto out;
	}
	if (!json_is_true(json_object_get(body, "reviewed"))) {
		call_invalid(c, "reviewed", "a review cannot be undone: reviewed must be true");
		goto out;
	}
	e = store_share_review(c->app->store, c->who.org_id, id, expected, c->now, c->user.id, &sh);
	if (e == WM_OK)
		http_respond_json(c->req, 200, share_json(&sh, false));
	else if (e == WM_ERR_CONFLICT)
		call_conflict(c, sh.version, NULL, NULL);
	else
		call_fail(c, e, NULL);
out:
	store_share_clear(&sh);
	json_decref(body);
}
