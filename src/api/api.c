/*
 * api.c - the route table, and the path every request takes through it:
 * match, authenticate, call the handler.
 *
 * Read the table to know everything the API can do.
 */
#define _POSIX_C_SOURCE 200809L
#include "call.h"

#include <assert.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../domain/date.h"
#include "../util/log.h"
#include "../util/text.h"
#include "handover.h"

/* The route table: everything the API can do, and who may call it. The
 * action is checked against the caller's role before the handler runs (403
 * for a role that may never); the record-level check (404 for what the caller
 * may not see) stays with the handler that loads the record. Public routes
 * alone may name ACT_NONE. */
#define PUBLIC ACT_NONE, ROUTE_PUBLIC
/* clang-format off */
const struct route api_routes[] = {
    /* method  pattern                                                handler                action, flags */
    {"GET",    "/healthz",                                            health_get,            PUBLIC},
    {"GET",    "/api/v1/openapi.json",                                openapi_get,           PUBLIC},
    {"POST",   "/api/v1/login",                                       auth_login,            PUBLIC},
    /* the identification guide for health professionals: public, stores nothing (screening.c) */
    {"GET",    "/api/v1/screening",                                   screening_get,         PUBLIC},
    {"POST",   "/api/v1/screening",                                   screening_post,        PUBLIC},
    {"POST",   "/api/v1/logout",                                      auth_logout,           ACT_SESSION, 0},
    {"GET",    "/api/v1/me",                                          auth_me,               ACT_SESSION, 0},
    /* settings (privacy mode) */
    {"PATCH",  "/api/v1/me",                                          auth_me_patch,         ACT_SESSION, 0},
    {"POST",   "/api/v1/me/password",                                 auth_change_password,  ACT_SESSION, 0},
    /* two-factor sign-in (two_factor.c) */
    {"POST",   "/api/v1/login/two-factor",                            auth_login_two_factor, PUBLIC},
    {"GET",    "/api/v1/me/two-factor",                               two_factor_status,     ACT_SESSION, 0},
    {"POST",   "/api/v1/me/two-factor",                               two_factor_start,      ACT_SESSION, 0},
    {"POST",   "/api/v1/me/two-factor/confirm",                       two_factor_confirm,    ACT_SESSION, 0},
    {"POST",   "/api/v1/me/two-factor/disable",                       two_factor_disable,    ACT_SESSION, 0},
    {"DELETE", "/api/v1/users/{id}/two-factor",                       users_two_factor_reset, ACT_USER_UPDATE, 0},
    {"PATCH",  "/api/v1/orgs/{id}",                                   orgs_patch,            ACT_ORG_CREATE, 0},
    {"GET",    "/api/v1/orgs",                                        orgs_list,             ACT_ORG_LIST, 0},
    {"POST",   "/api/v1/orgs",                                        orgs_create,           ACT_ORG_CREATE, 0},
    {"GET",    "/api/v1/users",                                       users_list,            ACT_USER_LIST, 0},
    {"POST",   "/api/v1/users",                                       users_create,          ACT_USER_CREATE, 0},
    {"GET",    "/api/v1/users/{id}",                                  users_get,             ACT_USER_READ, 0},
    {"PATCH",  "/api/v1/users/{id}",                                  users_patch,           ACT_USER_UPDATE, 0},
    {"GET",    "/api/v1/account-events",                              account_events_list,   ACT_ACCOUNT_EVENTS_READ, 0},
    {"GET",    "/api/v1/survivors",                                   survivors_list,        ACT_SURVIVOR_LIST, 0},
    {"POST",   "/api/v1/survivors",                                   survivors_create,      ACT_SURVIVOR_CREATE, 0},
    {"GET",    "/api/v1/survivors/{id}",                              survivors_get,         ACT_SURVIVOR_READ, 0},
    {"PATCH",  "/api/v1/survivors/{id}",                              survivors_patch,       ACT_SURVIVOR_UPDATE, 0},
    {"GET",    "/api/v1/survivors/{id}/access-log",                   survivors_access_log,  ACT_ACCESS_LOG_READ, 0},
    {"GET",    "/api/v1/survivors/{id}/record",                       record_get,            ACT_SURVIVOR_READ, 0},
    {"GET",    "/api/v1/survivors/{id}/nrm",                          items_get_one,         ACT_CASE_DETAILS_READ, 0},
    {"PUT",    "/api/v1/survivors/{id}/nrm",                          items_put,             ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/asylum",                       items_get_one,         ACT_CASE_DETAILS_READ, 0},
    {"PUT",    "/api/v1/survivors/{id}/asylum",                       items_put,             ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/plan",                         items_get_one,         ACT_HEALTH_READ, 0},
    {"PUT",    "/api/v1/survivors/{id}/plan",                         items_put,             ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/plan/reviews",                 items_list,            ACT_HEALTH_READ, 0},
    {"POST",   "/api/v1/survivors/{id}/plan/reviews",                 items_create,          ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/plan/reviews/{item_id}",       items_get,             ACT_HEALTH_READ, 0},
    {"GET",    "/api/v1/survivors/{id}/registrations",                items_list,            ACT_HEALTH_READ, 0},
    {"POST",   "/api/v1/survivors/{id}/registrations",                items_create,          ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/registrations/{item_id}",      items_get,             ACT_HEALTH_READ, 0},
    {"PATCH",  "/api/v1/survivors/{id}/registrations/{item_id}",      items_patch,           ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/appointments",                 items_list,            ACT_HEALTH_READ, 0},
    {"POST",   "/api/v1/survivors/{id}/appointments",                 items_create,          ACT_CARE_ADD, 0},
    {"GET",    "/api/v1/survivors/{id}/appointments/{item_id}",       items_get,             ACT_HEALTH_READ, 0},
    {"PATCH",  "/api/v1/survivors/{id}/appointments/{item_id}",       items_patch,           ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/referrals",                    items_list,            ACT_HEALTH_READ, 0},
    {"POST",   "/api/v1/survivors/{id}/referrals",                    items_create,          ACT_CARE_ADD, 0},
    {"GET",    "/api/v1/survivors/{id}/referrals/{item_id}",          items_get,             ACT_HEALTH_READ, 0},
    {"PATCH",  "/api/v1/survivors/{id}/referrals/{item_id}",          items_patch,           ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/medications",                  items_list,            ACT_HEALTH_READ, 0},
    {"POST",   "/api/v1/survivors/{id}/medications",                  items_create,          ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/medications/{item_id}",        items_get,             ACT_HEALTH_READ, 0},
    {"PATCH",  "/api/v1/survivors/{id}/medications/{item_id}",        items_patch,           ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/notes",                        items_list,            ACT_CASE_DETAILS_READ, 0},
    {"POST",   "/api/v1/survivors/{id}/notes",                        items_create,          ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/notes/{item_id}",              items_get,             ACT_CASE_DETAILS_READ, 0},
    {"GET",    "/api/v1/survivors/{id}/consents",                     items_list,            ACT_HEALTH_READ, 0},
    {"POST",   "/api/v1/survivors/{id}/consents",                     items_create,          ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/consents/{item_id}",           items_get,             ACT_HEALTH_READ, 0},
    {"PATCH",  "/api/v1/survivors/{id}/consents/{item_id}",           items_patch,           ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/survivors/{id}/snoozes",                      items_list,            ACT_CASE_DETAILS_READ, 0},
    {"GET",    "/api/v1/survivors/{id}/snoozes/{item_id}",            items_get,             ACT_CASE_DETAILS_READ, 0},
    {"GET",    "/api/v1/survivors/{id}/alerts",                       survivor_alerts_get,   ACT_SURVIVOR_READ, 0}, /* record pages */
    {"GET",    "/api/v1/survivors/{id}/handover",                     handover_get,          ACT_HANDOVER, 0}, /* FHIR (handover.c) */
    {"GET",    "/api/v1/appointments",                                appointments_caseload, ACT_CASELOAD_READ, 0},
    {"GET",    "/api/v1/alerts",                                      alerts_list,           ACT_ALERTS_READ, 0},
    {"POST",   "/api/v1/alerts/snoozes",                              alerts_snooze,         ACT_RECORD_WRITE, 0},
    {"GET",    "/api/v1/dashboard",                                   dashboard_get,         ACT_ALERTS_READ, 0},
    {"GET",    "/api/v1/non-working-days",                            calendar_list,         ACT_ALERTS_READ, 0},
    {"PUT",    "/api/v1/non-working-days",                            calendar_set,          ACT_CALENDAR_WRITE, 0},
    {"POST",   "/api/v1/survivors/{id}/safeguarding-shares",          shares_create,         ACT_SAFEGUARDING_SHARE, 0},
    {"GET",    "/api/v1/safeguarding-shares",                         shares_list,           ACT_SAFEGUARDING_SHARE, 0},
    {"PATCH",  "/api/v1/safeguarding-shares/{id}",                    shares_review,         ACT_SAFEGUARDING_SHARE, 0},
    {"GET",    "/api/v1/bulk-access",                                 monitor_bulk_access,   ACT_BULK_ACCESS_READ, 0},
    {"GET",    "/api/v1/reports/outcomes",                            reports_outcomes,      ACT_REPORT_READ, 0},
    {"GET",    "/api/v1/reports/outcomes.csv",                        reports_outcomes_csv,  ACT_REPORT_READ, 0},
    /* an advocate's calendar feed (calendar.c); the feed is public: its
     * URL is its key. The router hands the whole last segment to {token}
     * (".ics" included), and the handler checks the suffix. */
    {"GET",    "/api/v1/me/calendar-feed",                            calendar_feed_status,  ACT_CALENDAR_FEED, 0},
    {"POST",   "/api/v1/me/calendar-feed",                            calendar_feed_create,  ACT_CALENDAR_FEED, 0},
    {"DELETE", "/api/v1/me/calendar-feed",                            calendar_feed_revoke,  ACT_CALENDAR_FEED, 0},
    {"GET",    "/cal/{token}.ics",                                    calendar_feed_get,     PUBLIC},
    {"GET",    "/api/v1/exports/research",                            research_export,       ACT_RESEARCH_EXPORT, 0},
    /* printed documents (documents.c, docs/documents.md) */
    {"GET",    "/api/v1/survivors/{id}/appointments/{item_id}/card.pdf", documents_card,     ACT_DOCUMENT_PRINT, 0},
    {"GET",    "/api/v1/survivors/{id}/entitlement-letter.pdf",       documents_letter,      ACT_DOCUMENT_PRINT, 0},
    {"GET",    "/api/v1/survivors/{id}/handover.pdf",                 documents_handover,    ACT_DOCUMENT_PRINT, 0},
    {"GET",    "/api/v1/survivors/{id}/access-report.pdf",            documents_access_report, ACT_ACCESS_REPORT, 0},
    {"GET",    "/api/v1/orgs/{id}/documents",                         documents_settings_get, ACT_ORG_DOCUMENTS, 0},
    {"PUT",    "/api/v1/orgs/{id}/documents",                         documents_settings_put, ACT_ORG_DOCUMENTS, 0},
};
/* clang-format on */
#undef PUBLIC
const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];

/* Reads "Authorization: Bearer TOKEN" and loads the session's user. */
static bool authenticate(struct call *c)
{
	const char *h = http_header(c->req, "Authorization");
	static const char prefix[] = "Bearer ";
	if (!h || strncasecmp(h, prefix, sizeof prefix - 1) != 0 ||
	    !secret_token_digest(h + sizeof prefix - 1, c->token_digest)) {
		http_error(c->req, 401, "unauthenticated", "a valid bearer token is required",
			   NULL);
		return false;
	}
	int64_t expires;
	wm_err e = store_session_user(c->app->store, c->token_digest, sizeof c->token_digest,
				      c->now, &c->user, &expires);
	if (e == WM_ERR_NOT_FOUND) {
		http_error(c->req, 401, "unauthenticated",
			   "the token is not valid, expired or revoked", NULL);
		return false;
	}
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	c->who.role = c->user.role;
	c->who.user_id = c->user.id;
	c->who.org_id = c->user.org_id[0] ? c->user.org_id : NULL;
	return true;
}

void api_handle(struct http_req *r, void *app)
{
	struct route_match m;
	router_match(api_routes, api_route_count, http_method(r), http_path(r), &m);
	if (!m.route) {
		if (m.path_known) {
			http_add_header(r, "Allow", m.allow);
			http_error(r, 405, "method_not_allowed",
				   "this path does not take that method", NULL);
		} else {
			http_error(r, 404, "not_found", "no such resource", NULL);
		}
		return;
	}
	http_set_route(r, m.route->pattern);
	struct call c;
	memset(&c, 0, sizeof c);
	c.req = r;
	c.app = app;
	c.match = &m;
	c.now = (int64_t)time(NULL) + ((struct app *)app)->clock_offset;
	c.today = call_today(app, c.now);
	if (!(m.route->flags & ROUTE_PUBLIC)) {
		if (!authenticate(&c))
			return;
		/* An account whose password an administrator set may act on its
		 * own session only (me, logout, the change) until it changes it. */
		if (c.user.must_change_password && m.route->action != ACT_SESSION) {
			http_error(r, 403, "password_change_required",
				   "change your password first (POST /api/v1/me/password)", NULL);
			return;
		}
		/* An account of an organisation that requires two-factor
		 * sign-in, and not enrolled, likewise until it enrols: read on
		 * every request, so the requirement holds from the moment it
		 * is set, on every server. */
		if (c.user.org_id[0]) {
			bool required, enrolled;
			wm_err e = store_two_factor_state(c.app->store, c.user.id, c.user.org_id,
							  &required, &enrolled);
			if (e != WM_OK) {
				call_fail(&c, e, NULL);
				return;
			}
			c.two_factor_missing = required && !enrolled;
		}
		if (c.two_factor_missing && m.route->action != ACT_SESSION) {
			http_error(r, 403, "two_factor_enrolment_required",
				   "set up two-factor sign-in first (POST /api/v1/me/two-factor)",
				   NULL);
			return;
		}
		/* The route's own action, before anything else: a role that
		 * may never call it gets 403 whether or not a record exists. */
		if (!call_allow(&c, (enum action)m.route->action, NULL))
			return;
	}
	m.route->handler(&c);
}

int call_today(const struct app *app, int64_t now)
{
	return instant_local_day(app->today_at ? app->today_at : now);
}

const char *call_param(const struct call *c, int n)
{
	return n < c->match->nparams ? c->match->params[n] : "";
}

const char *call_route(const struct call *c)
{
	return c->match->route->pattern;
}

/* Writes into out the path ("a.b[2]") of the first number in v that no
 * 64-bit integer holds; true when there is one. Field names are bounded
 * and control characters cut, as schema paths are. */
static bool find_out_of_range(const json_t *v, const char *path, char *out, size_t cap)
{
	char sub[SCHEMA_PATH_MAX];
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
			snprintf(out, cap, "%s", path);
			return true;
		}
		return false;
	}
	if (json_is_array(v)) {
		size_t i;
		const json_t *item;
		json_array_foreach(v, i, item)
		{
			snprintf(sub, sizeof sub, "%s[%zu]", path, i);
			if (find_out_of_range(item, sub, out, cap))
				return true;
		}
		return false;
	}
	const char *key;
	const json_t *item;
	json_object_foreach((json_t *)v, key, item)
	{
		if (text_has_newline_or_control(key))
			continue;
		snprintf(sub, sizeof sub, path[0] ? "%s.%.64s" : "%s%.64s", path, key);
		if (find_out_of_range(item, sub, out, cap))
			return true;
	}
	return false;
}

json_t *call_body(struct call *c)
{
	size_t len;
	const char *body = http_body(c->req, &len);
	if (!text_utf8_valid(body, len)) {
		http_error(c->req, 400, "bad_request", "the body is not valid UTF-8", NULL);
		return NULL;
	}
	json_error_t jerr;
	/* Any JSON value and NUL characters parse, so that well-formed JSON of
	 * the wrong shape is a 422 naming the field, not a 400. */
	const size_t flags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL;
	json_t *j = json_loadb(body, len, flags, &jerr);
	if (!j && json_error_code(&jerr) == json_error_numeric_overflow) {
		/* Well-formed JSON with a number too big for any field: a 422
		 * naming the field, found by reading the numbers as reals. */
		char path[SCHEMA_PATH_MAX] = "";
		json_t *reals = json_loadb(body, len, flags | JSON_DECODE_INT_AS_REAL, &jerr);
		if (reals)
			find_out_of_range(reals, "", path, sizeof path);
		json_decref(reals);
		call_invalid(c, path[0] ? path : NULL, "a number is out of range for its field");
		return NULL;
	}
	if (!j) {
		http_error(c->req, 400, "bad_request", "the body is not valid JSON", NULL);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		call_invalid(c, NULL, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

json_t *call_secret_body(struct call *c)
{
	json_t *j = call_body(c);
	if (!j)
		http_body_wipe(c->req);
	return j;
}

void call_body_drop(struct call *c, json_t *body, const char *const secrets[])
{
	secret_wipe_json(body, secrets);
	json_decref(body);
	http_body_wipe(c->req);
}

bool call_advocate_param(struct call *c, const char **advocate_id)
{
	const char *adv = http_query(c->req, "advocate");
	*advocate_id = NULL;
	if (adv && strcmp(adv, "me") == 0)
		*advocate_id = c->user.id;
	else if (adv && schema_is_id(adv))
		*advocate_id = adv;
	else if (adv)
		return call_invalid(c, "advocate", "advocate must be 'me' or a user id");
	return true;
}

bool call_take_version(struct call *c, json_t *body, bool required, int *expected)
{
	*expected = 0;
	json_t *ver = json_object_get(body, "version");
	if (!ver && !required)
		return true;
	if (!ver || !json_is_integer(ver) || json_integer_value(ver) < 1 ||
	    json_integer_value(ver) > INT_MAX)
		return call_invalid(c, "version", "version is required: send the version you read");
	*expected = (int)json_integer_value(ver);
	json_object_del(body, "version");
	return true;
}

bool call_conflict(struct call *c, int current_version, const json_t *old_body,
		   const json_t *current_body)
{
	json_t *changed = json_null();
	if (old_body && current_body) {
		/* Names only, never values: the top-level fields whose stored
		 * value differs from the version the client read. */
		changed = json_array();
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)current_body, key, v)
		{
			if (!json_equal(v, json_object_get(old_body, key)))
				json_array_append_new(changed, json_string(key));
		}
		json_object_foreach((json_t *)old_body, key, v)
		{
			if (!json_object_get(current_body, key))
				json_array_append_new(changed, json_string(key));
		}
	}
	json_t *err = json_pack("{s:s, s:s, s:i, s:o}", "code", "conflict", "message",
				"the record was changed by someone else since the version you read",
				"current_version", current_version, "changed", changed);
	http_respond_json(c->req, 409, err ? json_pack("{s:o}", "error", err) : NULL);
	return false;
}

bool call_invalid(struct call *c, const char *field, const char *message)
{
	http_error(c->req, 422, "validation_failed", message, field);
	return false;
}

bool call_fail(struct call *c, wm_err e, const struct schema_error *se)
{
	switch (e) {
	case WM_ERR_INVALID:
		if (se)
			return call_invalid(c, se->field, se->message);
		return call_invalid(c, NULL, "the request is not valid");
	case WM_ERR_NOT_FOUND:
		http_error(c->req, 404, "not_found", "no such resource", NULL);
		return false;
	case WM_ERR_CONFLICT:
		http_error(c->req, 409, "conflict",
			   "the record was changed by someone else, or the value must be unique",
			   NULL);
		return false;
	case WM_ERR_FORBIDDEN:
		http_error(c->req, 403, "forbidden", "your role may not do this", NULL);
		return false;
	case WM_ERR_UNAUTH:
		http_error(c->req, 401, "unauthenticated", "not authenticated", NULL);
		return false;
	default:
		log_internal_error(wm_err_str(e));
		http_error(c->req, 500, "internal", "internal error", NULL);
		return false;
	}
}

bool call_allow(struct call *c, enum action act, const struct resource *res)
{
	switch (policy_decide(&c->who, act, res)) {
	case POLICY_ALLOW:
		return true;
	case POLICY_HIDDEN:
		return call_fail(c, WM_ERR_NOT_FOUND, NULL);
	case POLICY_FORBIDDEN:
	default:
		return call_fail(c, WM_ERR_FORBIDDEN, NULL);
	}
}

/* Cursors are sealed: opaque to clients, bound to the route and the user
 * they were given to, and revealing nothing (such as how many records other
 * organisations hold) through the position they carry. */
#define CURSOR_PLAIN  8
#define CURSOR_SEALED (4 + CURSOR_PLAIN + KEYRING_OVERHEAD)
#define CURSOR_TEXT   (CURSOR_SEALED * 4 / 3 + 4)

static void cursor_ad(const struct call *c, char *ad, size_t cap)
{
	snprintf(ad, cap, "cursor:%s:%s", call_route(c), c->user.id);
}

static bool cursor_decode(const struct call *c, const char *text, int64_t *seq)
{
	unsigned char sealed[CURSOR_SEALED];
	size_t len = 0;
	if (strlen(text) >= CURSOR_TEXT ||
	    sodium_base642bin(sealed, sizeof sealed, text, strlen(text), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof sealed)
		return false;
	int key_id = (int)((unsigned)sealed[0] << 24 | (unsigned)sealed[1] << 16 |
			   (unsigned)sealed[2] << 8 | sealed[3]);
	unsigned char plain[CURSOR_PLAIN];
	char ad[160];
	cursor_ad(c, ad, sizeof ad);
	if (keyring_open(c->app->keys, key_id, sealed + 4, sizeof sealed - 4, ad, plain) != WM_OK)
		return false;
	uint64_t v = 0;
	for (int i = 0; i < CURSOR_PLAIN; i++)
		v = v << 8 | plain[i];
	*seq = (int64_t)v;
	return *seq > 0;
}

bool call_page(struct call *c, int *limit, int64_t *after)
{
	*limit = 50;
	*after = 0;
	const char *l = http_query(c->req, "limit");
	if (l) {
		char *end;
		long v = strtol(l, &end, 10);
		if (!l[0] || *end || v < 1 || v > STORE_LIST_MAX)
			return call_invalid(c, "limit",
					    "limit must be a whole number from 1 to 500");
		*limit = (int)v;
	}
	const char *cur = http_query(c->req, "cursor");
	if (cur && cur[0] && !cursor_decode(c, cur, after))
		return call_invalid(c, "cursor", "cursor is not one this server gave");
	return true;
}

json_t *call_list(const struct call *c, json_t *items, bool more, int64_t last_seq)
{
	json_t *next = json_null();
	if (more) {
		unsigned char plain[CURSOR_PLAIN], sealed[CURSOR_SEALED];
		uint64_t v = (uint64_t)last_seq;
		for (int i = CURSOR_PLAIN - 1; i >= 0; i--, v >>= 8)
			plain[i] = (unsigned char)(v & 0xff);
		char ad[160];
		cursor_ad(c, ad, sizeof ad);
		int key_id;
		if (keyring_seal(c->app->keys, plain, sizeof plain, ad, sealed + 4, &key_id) ==
		    WM_OK) {
			sealed[0] = (unsigned char)(key_id >> 24);
			sealed[1] = (unsigned char)(key_id >> 16);
			sealed[2] = (unsigned char)(key_id >> 8);
			sealed[3] = (unsigned char)key_id;
			char text[CURSOR_TEXT];
			sodium_bin2base64(text, sizeof text, sealed, sizeof sealed,
					  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			next = json_string(text);
		}
	}
	return json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
}

void call_audit(const struct call *c, const char *survivor_id, const char *action,
		struct store_audit *out)
{
	memset(out, 0, sizeof *out);
	/* Once for each record a list or a dashboard shows: copies, not printf. */
	instant_format(c->now, out->at);
	text_copy(out->survivor_id, sizeof out->survivor_id, survivor_id);
	text_copy(out->user_id, sizeof out->user_id, c->user.id);
	out->role = c->user.role;
	text_copy(out->org_id, sizeof out->org_id, c->user.org_id);
	text_copy(out->action, sizeof out->action, action);
	text_copy(out->route, sizeof out->route, call_route(c));
}

void call_account_event(const struct call *c, const char *action, const char *target_id,
			const char *fields, struct store_account_event *out)
{
	memset(out, 0, sizeof *out);
	instant_format(c->now, out->at);
	snprintf(out->actor_id, sizeof out->actor_id, "%s", c->user.id);
	snprintf(out->action, sizeof out->action, "%s", action);
	snprintf(out->target_id, sizeof out->target_id, "%s", target_id);
	snprintf(out->fields, sizeof out->fields, "%s", fields);
}

/* A held answer waiting for its audit entries. The entries are needed only
 * until they are queued (the queue copies them): a page's thousand are
 * freed then, not held with the answer until it is sent. */
struct audit_hold {
	struct store *store;
	struct http_req *req;
	void (*committed)(void *arg);
	void *arg;
	size_t n;
	struct store_audit *entries; /* &one, or allocated */
	struct store_audit one;
};

/* On the store's writer thread, once the entries are committed. The hold
 * is freed by the connection's thread when the request ends (http_hold). */
static void audit_done(void *ctx, wm_err e)
{
	struct audit_hold *h = ctx;
	if (e != WM_OK) {
		log_internal_error(wm_err_str(e));
		http_error(h->req, 500, "internal", "internal error", NULL);
	}
	if (h->committed)
		h->committed(h->arg);
	http_resume(h->req);
}

/* Once the connection is suspended: queue the entries. */
static void audit_start(struct http_req *r, void *arg)
{
	struct audit_hold *h = arg;
	h->req = r;
	/* Once queued, h may be gone (a page's inner request is freed by the
	 * writer's thread when the last of its reads is committed): what is
	 * still needed here is read first. */
	struct store_audit *own = h->entries != &h->one ? h->entries : NULL;
	wm_err e = store_audit_append_async(h->store, h->entries, h->n, audit_done, h);
	free(own);
	if (e != WM_OK)
		audit_done(h, e);
}

struct audited_page *call_audited_page(struct call *c, const void *data)
{
	struct audited_page *p = calloc(1, sizeof *p);
	if (p)
		p->items = json_array();
	if (!p || !p->items) {
		free(p);
		call_fail(c, WM_ERR_NOMEM, NULL);
		return NULL;
	}
	p->c = c;
	p->data = data;
	return p;
}

void call_audited_add(struct audited_page *p, const char *survivor_id, json_t *item, int64_t seq)
{
	/* The store lists at most STORE_LIST_MAX, the size of the buffer: an
	 * item past it would be shown without its entry, so it is never shown. */
	assert(p->n < STORE_LIST_MAX);
	if (p->n == STORE_LIST_MAX) {
		json_decref(item);
		return;
	}
	call_audit(p->c, survivor_id, "read", &p->audit[p->n++]);
	json_array_append_new(p->items, item);
	p->last = seq;
}

void call_audited_answer(struct call *c, struct audited_page *p, wm_err e, bool more, int64_t next)
{
	if (e != WM_OK) {
		json_decref(p->items);
		call_fail(c, e, NULL);
	} else {
		http_respond_json(c->req, 200, call_list(c, p->items, more, next));
		call_answer_after_audit(c, p->audit, p->n);
	}
	free(p);
}

void call_answer_after_audit_then(struct call *c, const struct store_audit *entries, size_t n,
				  void (*committed)(void *arg), void *arg)
{
	struct audit_hold *h = n ? malloc(sizeof *h) : NULL;
	if (h)
		h->entries = n == 1 ? &h->one : malloc(n * sizeof *entries);
	if (h && !h->entries) {
		free(h);
		h = NULL;
	}
	if (!h) {
		if (n) /* out of memory */
			call_fail(c, WM_ERR_NOMEM, NULL);
		if (committed) /* nothing was shown, or nothing will be */
			committed(arg);
		return;
	}
	h->store = c->app->store;
	h->req = c->req;
	h->committed = committed;
	h->arg = arg;
	h->n = n;
	memcpy(h->entries, entries, n * sizeof *entries);
	http_hold(c->req, audit_start, free, h);
}

void call_answer_after_audit(struct call *c, const struct store_audit *entries, size_t n)
{
	call_answer_after_audit_then(c, entries, n, NULL, NULL);
}
