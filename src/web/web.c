/*
 * web.c - the web pages' route table, and the path every page request
 * takes: match, open the session, check the form's CSRF token, call the
 * page handler, hold the answer until its reads are audited.
 *
 * Read the table to know every page there is, and who may open it.
 */
#define _POSIX_C_SOURCE 200809L
#include "web.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../util/log.h"
#include "embedded.h"
#include "pages.h"
#include "render.h"

#define WEB_PUBLIC 0x1u /* may be opened signed out */
#define WEB_SLOW   0x2u /* runs on the slow workers (a password check) */

#define COOKIE_SESSION "wm_session"
#define COOKIE_PRE     "wm_pre" /* signed out: what the sign-in form's CSRF token binds to */

struct web_route {
	const char *method;
	const char *pattern;
	page_fn fn;
	unsigned flags;
};

/* clang-format off */
static const struct web_route web_routes[] = {
    /* method  pattern                 handler              flags */
    {"GET",    "/",                    page_home,           WEB_PUBLIC},
    {"POST",   "/sign-in",             page_sign_in,        WEB_PUBLIC | WEB_SLOW},
    {"POST",   "/sign-out",            page_sign_out,       0},
    /* the identification guide for health professionals: anyone, stores nothing */
    {"GET",    "/screening",           page_screening,      WEB_PUBLIC},
    {"POST",   "/screening",           page_screening_post, WEB_PUBLIC},
    {"GET",    "/password",            page_password,       0},
    {"POST",   "/password",            page_password_post,  WEB_SLOW},
    /* forms: the survivor and each part of the record, snoozes, shares (pages_forms.c).
     * Literal paths only, no {kind}: another area's route cannot be caught here. */
    {"GET",  "/survivors/new",                                    page_survivor_new,            0},
    {"POST", "/survivors",                                        page_survivor_create,         0},
    {"GET",  "/survivors/{id}/edit",                              page_survivor_edit,           0},
    {"POST", "/survivors/{id}",                                   page_survivor_update,         0},
    {"GET",  "/survivors/{id}/registrations/new",                 page_item_new,                0},
    {"POST", "/survivors/{id}/registrations",                     page_item_create,             0},
    {"GET",  "/survivors/{id}/registrations/{item_id}/edit",      page_item_edit,               0},
    {"POST", "/survivors/{id}/registrations/{item_id}",           page_item_update,             0},
    {"GET",  "/survivors/{id}/appointments/new",                  page_item_new,                0},
    {"POST", "/survivors/{id}/appointments",                      page_item_create,             0},
    {"GET",  "/survivors/{id}/appointments/{item_id}/edit",       page_item_edit,               0},
    {"POST", "/survivors/{id}/appointments/{item_id}",            page_item_update,             0},
    {"GET",  "/survivors/{id}/referrals/new",                     page_item_new,                0},
    {"POST", "/survivors/{id}/referrals",                         page_item_create,             0},
    {"GET",  "/survivors/{id}/referrals/{item_id}/edit",          page_item_edit,               0},
    {"POST", "/survivors/{id}/referrals/{item_id}",               page_item_update,             0},
    {"GET",  "/survivors/{id}/medications/new",                   page_item_new,                0},
    {"POST", "/survivors/{id}/medications",                       page_item_create,             0},
    {"GET",  "/survivors/{id}/medications/{item_id}/edit",        page_item_edit,               0},
    {"POST", "/survivors/{id}/medications/{item_id}",             page_item_update,             0},
    {"GET",  "/survivors/{id}/consents/new",                      page_item_new,                0},
    {"POST", "/survivors/{id}/consents",                          page_item_create,             0},
    {"GET",  "/survivors/{id}/consents/{item_id}/edit",           page_item_edit,               0},
    {"POST", "/survivors/{id}/consents/{item_id}",                page_item_update,             0},
    {"GET",  "/survivors/{id}/notes/new",                         page_item_new,                0},
    {"POST", "/survivors/{id}/notes",                             page_item_create,             0},
    {"GET",  "/survivors/{id}/plan/reviews/new",                  page_item_new,                0},
    {"POST", "/survivors/{id}/plan/reviews",                      page_item_create,             0},
    {"GET",  "/survivors/{id}/nrm/edit",                          page_one_edit,                0},
    {"POST", "/survivors/{id}/nrm",                               page_item_create,             0},
    {"GET",  "/survivors/{id}/asylum/edit",                       page_one_edit,                0},
    {"POST", "/survivors/{id}/asylum",                            page_item_create,             0},
    {"GET",  "/survivors/{id}/plan/edit",                         page_one_edit,                0},
    {"POST", "/survivors/{id}/plan",                              page_item_create,             0},
    {"GET",  "/survivors/{id}/consents/{item_id}/withdraw",       page_consent_withdraw,        0},
    {"POST", "/survivors/{id}/consents/{item_id}/withdraw",       page_consent_withdraw_post,   0},
    {"GET",  "/survivors/{id}/alerts/{rule}/snooze",              page_snooze,                  0},
    {"POST", "/survivors/{id}/alerts/{rule}/snooze",              page_snooze_post,             0},
    {"GET",  "/survivors/{id}/alerts/{rule}/{item_id}/snooze",    page_snooze,                  0},
    {"POST", "/survivors/{id}/alerts/{rule}/{item_id}/snooze",    page_snooze_post,             0},
    {"GET",  "/survivors/{id}/share",                             page_share,                   0},
    {"POST", "/survivors/{id}/share",                             page_share_post,              0},
    /* record pages (first match wins: a literal /survivors/new goes above {id}) */
    {"GET",    "/survivors",           page_survivors,      0},
    {"GET",    "/survivors/{id}",      page_record,         0},
    /* manager's, administrator's and everyone's settings pages */
    {"GET",    "/caseloads",           page_caseloads,      0},
    {"GET",    "/caseloads/{id}",      page_reassign,       0},
    {"POST",   "/caseloads/{id}",      page_reassign_post,  0},
    {"GET",    "/safeguarding",        page_safeguarding,   0},
    {"POST",   "/safeguarding/{id}",   page_safeguarding_post, 0},
    {"GET",    "/survivors/{id}/access-log", page_access_log, 0},
    {"GET",    "/survivors/{id}/handover.json", page_handover, 0}, /* docs/handover.md */
    /* printed documents (pages_documents.c) */
    {"GET",    "/survivors/{id}/appointments/{item_id}/card.pdf", page_document, 0},
    {"GET",    "/survivors/{id}/entitlement-letter.pdf", page_document, 0},
    {"GET",    "/survivors/{id}/handover.pdf", page_document, 0},
    {"GET",    "/survivors/{id}/access-report.pdf", page_document, 0},
    /* bringing a caseload in from a spreadsheet (pages_import.c) */
    {"GET",    "/import",              page_import,         0},
    {"POST",   "/import",              page_import_check,   WEB_SLOW},  /* reads every row */
    {"POST",   "/import/confirm",      page_import_confirm, WEB_SLOW},  /* stores them */
    {"GET",    "/report",              page_report,         0},
    {"GET",    "/report.csv",          page_report_csv,     0},
    {"GET",    "/admin/orgs",          page_admin_orgs,     0},
    {"POST",   "/admin/orgs",          page_admin_orgs_post, 0},
    {"GET",    "/admin/users",         page_admin_users,    0},
    {"GET",    "/admin/users/new",     page_admin_user_new, 0},
    {"POST",   "/admin/users",         page_admin_user_create, WEB_SLOW}, /* hashes a password */
    {"GET",    "/admin/users/{id}",    page_admin_user,     0},
    {"POST",   "/admin/users/{id}",    page_admin_user_post, WEB_SLOW},   /* may hash one */
    {"GET",    "/settings",            page_settings,       0},
    {"POST",   "/settings",            page_settings_post,  0},
    {"POST",   "/settings/calendar-feed",        page_calendar_feed_post,   0},
    {"POST",   "/settings/calendar-feed/revoke", page_calendar_feed_revoke, 0},
    {"POST",   "/settings/documents",  page_documents_post, 0},
    /* two-factor sign-in */
    {"POST",   "/sign-in/two-factor",  page_sign_in_code,   WEB_PUBLIC},
    {"GET",    "/settings/two-factor", page_two_factor,     0},
    {"POST",   "/settings/two-factor/start",   page_two_factor_start,   0},
    {"POST",   "/settings/two-factor/confirm", page_two_factor_confirm, 0},
    {"POST",   "/settings/two-factor/disable", page_two_factor_disable, WEB_SLOW}, /* checks the password */
    {"POST",   "/admin/orgs/{id}",     page_admin_org_post, 0},
};
/* clang-format on */
#define N_WEB_ROUTES (sizeof web_routes / sizeof web_routes[0])

const char *const web_upload_paths[] = {"/import", "/import/confirm", NULL};

/* The router's view of the table (its action is the index into web_routes). */
static struct route router_table[N_WEB_ROUTES];

bool web_init(char *msg, size_t cap)
{
	for (size_t i = 0; i < N_WEB_ROUTES; i++)
		router_table[i] =
		    (struct route){web_routes[i].method, web_routes[i].pattern, NULL, (int)i, 0};
	return web_render_init(msg, cap);
}

/* ---- static files ---- */

static const char *content_type(const char *name)
{
	static const char *const types[][2] = {
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".mjs", "text/javascript; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".ico", "image/x-icon"},
	    {".json", "application/json"},
	    {".csv", "text/csv; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/* A file of the design system, or of our own few: matched by its exact
 * name in the table built into the binary, never through the file system. */
static void asset(struct http_req *r)
{
	http_set_route(r, "/assets/*");
	const char *method = http_method(r);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		http_add_header(r, "Allow", "GET, HEAD");
		http_error(r, 405, "method_not_allowed", "this path does not take that method",
			   NULL);
		return;
	}
	const char *path = http_path(r);
	for (size_t i = 0; i < web_assets_count; i++) {
		if (strcmp(web_assets[i].name, path) != 0)
			continue;
		char *copy = malloc(web_assets[i].len + 1);
		if (!copy) {
			http_error(r, 500, "internal", "internal error", NULL);
			return;
		}
		memcpy(copy, web_assets[i].data, web_assets[i].len);
		http_set_kind(r, HTTP_KIND_ASSET);
		http_respond(r, 200, content_type(path), copy, web_assets[i].len);
		return;
	}
	http_error(r, 404, "not_found", "no such file", NULL);
}

/* ---- the session ---- */

static void set_cookie(struct page *p, const char *name, const char *value, bool clear)
{
	char h[256];
	snprintf(h, sizeof h, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name, value,
		 clear ? "; Max-Age=0" : "", http_is_tls(p->req) ? "; Secure" : "");
	http_add_header(p->req, "Set-Cookie", h);
}

/* Opens the session cookie: the user in p->me, or signed out (the cookie
 * cleared when it was stale, the session revoked when it was idle). */
static void open_session(struct page *p)
{
	const char *ck = http_header(p->req, "Cookie");
	char val[WEB_COOKIE_TEXT];
	int64_t at;
	if (!ck || !web_cookie_find(ck, COOKIE_SESSION, val, sizeof val))
		return;
	if (!web_cookie_open(p->app->keys, val, p->token, &at)) {
		set_cookie(p, COOKIE_SESSION, "", true);
		return;
	}
	unsigned st;
	if (p->now - at > WEB_IDLE_SECONDS || at > p->now + 300) {
		/* Idle too long: the session ends here, on the server too. */
		json_decref(page_api(p, "POST", "/api/v1/logout", NULL, NULL, &st));
		sodium_memzero(p->token, sizeof p->token);
		set_cookie(p, COOKIE_SESSION, "", true);
		p->idle_out = true;
		return;
	}
	json_t *me = page_api(p, "GET", "/api/v1/me", NULL, NULL, &st);
	if (st == 200 && json_is_object(me)) {
		p->me = me;
		p->set_cookie = true;
		return;
	}
	json_decref(me);
	sodium_memzero(p->token, sizeof p->token);
	set_cookie(p, COOKIE_SESSION, "", true);
}

/* Signed out: the nonce the sign-in form's CSRF token is bound to, from
 * its cookie or new. */
static void open_nonce(struct page *p)
{
	const char *ck = http_header(p->req, "Cookie");
	if (ck && web_cookie_find(ck, COOKIE_PRE, p->nonce, sizeof p->nonce) &&
	    strlen(p->nonce) == WEB_NONCE_TEXT - 1)
		return;
	unsigned char digest[SECRET_DIGEST];
	secret_new_token(p->nonce, digest);
	set_cookie(p, COOKIE_PRE, p->nonce, false);
}

/* Whether an Origin header names this server (its Host), when it names
 * anything: under Referrer-Policy: no-referrer browsers send "null" with
 * their own forms, and other clients send none. The CSRF token is the
 * check; this only turns away what a browser says came from elsewhere. */
static bool same_origin(struct http_req *r)
{
	const char *origin = http_header(r, "Origin");
	if (!origin || strcmp(origin, "null") == 0)
		return true;
	const char *host = http_header(r, "Host");
	const char *rest = strstr(origin, "://");
	return host && rest && strcmp(rest + 3, host) == 0;
}

/* Whether the client takes HTML (a browser says so in Accept). */
static bool wants_html(struct http_req *r)
{
	const char *a = http_header(r, "Accept");
	return a && strstr(a, "text/html") != NULL;
}

/* ---- answering ---- */

static void page_free(struct page *p)
{
	json_decref(p->me);
	json_decref(p->data);
	form_free(&p->form);
	sodium_memzero(p->token, sizeof p->token);
	free(p);
}

/* The last of the page's audited reads is stored (or failed): answer. */
static void held_done(struct http_req *in, void *arg)
{
	struct page *p = arg;
	if (http_inner_status(in) >= 500)
		atomic_store(&p->failed, true);
	if (atomic_fetch_sub(&p->waiting, 1) != 1)
		return;
	struct http_req *outer = p->req;
	if (atomic_load(&p->failed)) {
		/* A record is never shown unaudited. */
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "Try again later. What you asked for was not shown.");
	}
	for (size_t i = 0; i < p->nheld; i++)
		http_inner_free(p->held[i]);
	page_free(p);
	http_resume(outer);
}

static void hold_start(struct http_req *r, void *arg)
{
	(void)r;
	struct page *p = arg;
	size_t n = p->nheld;
	struct http_req *held[PAGE_HELD_MAX];
	memcpy(held, p->held, n * sizeof *held);
	atomic_store(&p->waiting, (int)n);
	/* p may be freed by the last release: only the copy is read. */
	for (size_t i = 0; i < n; i++)
		http_inner_release(held[i], held_done, p);
}

/* After the handler: the fresh session cookie, then the answer now, or
 * once the page's reads are audited. */
static void finish(struct page *p)
{
	if (p->set_cookie && p->token[0]) {
		char val[WEB_COOKIE_TEXT];
		if (web_cookie_seal(p->app->keys, p->token, p->now, val))
			set_cookie(p, COOKIE_SESSION, val, false);
	}
	if (p->nheld) {
		http_hold(p->req, hold_start, NULL, p);
		return;
	}
	page_free(p);
}

static void run_slow(struct http_req *r, void *arg)
{
	(void)r;
	struct page *p = arg;
	web_routes[p->m.route->action].fn(p);
	assert(p->nheld == 0);
	finish(p);
}

static void drop_slow(void *arg)
{
	page_free(arg);
}

static void web_handle(struct http_req *r, void *app)
{
	const char *path = http_path(r);
	if (strncmp(path, "/assets/", 8) == 0) {
		asset(r);
		return;
	}
	struct page *p = calloc(1, sizeof *p);
	if (!p) {
		http_error(r, 500, "internal", "internal error", NULL);
		return;
	}
	p->req = r;
	p->app = app;
	p->now = (int64_t)time(NULL) + p->app->clock_offset;
	http_set_kind(r, HTTP_KIND_PAGE);
	router_match(router_table, N_WEB_ROUTES, http_method(r), path, &p->m);
	if (!p->m.route) {
		http_set_route(r, "(page)");
		if (p->m.path_known)
			http_add_header(r, "Allow", p->m.allow);
		if (!wants_html(r)) {
			/* A program, not a browser: the API's error shape. */
			if (p->m.path_known)
				http_error(r, 405, "method_not_allowed",
					   "this path does not take that method", NULL);
			else
				http_error(r, 404, "not_found", "no such resource", NULL);
			http_set_kind(r, HTTP_KIND_API);
			free(p);
			return;
		}
		page_error(p, p->m.path_known ? 405 : 404, "Page not found",
			   p->m.path_known ? "This page cannot be used that way."
					   : "If you typed the web address, check it is correct.");
		page_free(p);
		return;
	}
	http_set_route(r, p->m.route->pattern);
	const struct web_route *wr = &web_routes[p->m.route->action];

	open_session(p);
	/* Only the pages someone signed out may use need the nonce: another
	 * request (a favicon) racing the first page must not replace it. */
	if (!p->me && (wr->flags & WEB_PUBLIC))
		open_nonce(p);
	web_csrf_token(p->app->keys, p->me ? p->token : p->nonce, p->csrf);

	if (!p->me && !(wr->flags & WEB_PUBLIC) && http_is_multipart(r)) {
		/* A file from someone signed out is not even parsed. */
		page_redirect(p, "/");
		finish(p);
		return;
	}
	if (strcmp(wr->method, "POST") == 0) {
		size_t len;
		const char *body = http_body(r, &len);
		const char *sfs = http_header(r, "Sec-Fetch-Site");
		bool cross = !same_origin(r) || (sfs && strcmp(sfs, "cross-site") == 0);
		if (!(http_is_multipart(r) ? form_parse_multipart(r, &p->form)
					   : form_parse(body, len, &p->form))) {
			page_error(p, 400, "The form could not be read",
				   "Go back, reload the page and try again.");
			finish(p);
			return;
		}
		if (cross || !web_csrf_ok(p->app->keys, p->me ? p->token : p->nonce,
					  form_get(&p->form, "csrf"))) {
			/* Refused, and nothing changes: the session stays. */
			page_error(p, 403, "This form has expired",
				   "The form was not sent from this page, or it was open too "
				   "long. Go back, reload the page and try again.");
			finish(p);
			return;
		}
	}
	if (!p->me && !(wr->flags & WEB_PUBLIC)) {
		page_redirect(p, "/");
		finish(p);
		return;
	}
	if (p->me && json_is_true(json_object_get(p->me, "password_change_required")) &&
	    wr->fn != page_password && wr->fn != page_password_post && wr->fn != page_sign_out) {
		page_redirect(p, "/password");
		finish(p);
		return;
	}
	/* The organisation requires two-factor sign-in and the account has
	 * none: setting it up comes before anything else (the API refuses
	 * the rest with 403 two_factor_enrolment_required anyway). */
	if (p->me && json_is_true(json_object_get(p->me, "two_factor_enrolment_required")) &&
	    wr->fn != page_two_factor && wr->fn != page_two_factor_start &&
	    wr->fn != page_two_factor_confirm && wr->fn != page_two_factor_disable &&
	    wr->fn != page_sign_out && wr->fn != page_password && wr->fn != page_password_post) {
		page_redirect(p, "/settings/two-factor");
		finish(p);
		return;
	}
	if (wr->flags & WEB_SLOW) {
		/* Keyed by who it is about, so one account's flood waits behind
		 * itself (the API's login does the same). */
		p->slow = true;
		const char *key = p->me ? json_string_value(json_object_get(p->me, "id"))
					: form_get(&p->form, "username");
		http_defer(r, key ? key : "", run_slow, drop_slow, p);
		return;
	}
	wr->fn(p);
	finish(p);
}

void web_dispatch(struct http_req *r, void *app)
{
	const char *path = http_path(r);
	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
	    strcmp(path, "/healthz") == 0 || strncmp(path, "/cal/", 5) == 0) {
		api_handle(r, app);
		return;
	}
	web_handle(r, app);
}
