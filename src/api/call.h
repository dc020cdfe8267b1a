/*
 * call.h - one API call as the handlers see it, and the helpers they share.
 *
 * A handler reads its parameters and body through these helpers, asks the
 * policy through call_allow, calls the domain and the store, and answers
 * through call_fail or http_respond_json. The helpers answer errors in the
 * spec's shape themselves and return false, so a handler just returns.
 */
#ifndef WM_CALL_H
#define WM_CALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../crypto/keyring.h"
#include "../crypto/secret.h"
#include "../domain/policy.h"
#include "../domain/schema.h"
#include "../http/http.h"
#include "../http/router.h"
#include "../store/store.h"

/* What every handler shares: set up by `waymark serve`. */
struct app {
	struct store *store;
	const char *db; /* the database's path or URL (an import opens its own store) */
	const struct keyring *keys;
	int session_ttl; /* seconds a token lives */
	int64_t
	    today_at; /* tests only (serve --today-at): "today" from this instant; 0: the clock */
	int64_t clock_offset; /* tests only (serve --clock-offset): seconds added to the clock */
};

struct call {
	struct http_req *req;
	struct app *app;
	const struct route_match *match;
	int64_t now; /* the request's instant, seconds since the epoch, UTC */
	int today;   /* its date in the server's time zone, as a day number */
	/* Set for routes that need a token. */
	struct store_user user;
	struct subject who;
	unsigned char token_digest[SECRET_DIGEST];
	/* The account's organisation requires two-factor sign-in and it has
	 * not enrolled: only its own session's routes are open (api.c). */
	bool two_factor_missing;
};

/* The route table and the entry point the HTTP server calls. */
void api_handle(struct http_req *r, void *app);
extern const struct route api_routes[];
extern const size_t api_route_count;

/* The day number of "today" at instant now: the date in the server's time
 * zone (or of the tests' fixed instant). */
int call_today(const struct app *app, int64_t now);

/* The nth path parameter ("{id}"). */
const char *call_param(const struct call *c, int n);

/* The route pattern that matched ("/api/v1/survivors/{id}"). */
const char *call_route(const struct call *c);

/* Parses the body as a JSON object: 400 when not JSON or not UTF-8, 422 when
 * not an object. NULL after answering; else a reference the caller owns. */
json_t *call_body(struct call *c);

/* call_body for a body that holds a password: the raw body is wiped
 * before an error is answered. Release the result with call_body_drop. */
json_t *call_secret_body(struct call *c);

/* Releases a body from call_secret_body that held secrets: overwrites the named
 * string members (a NULL-terminated list of top-level names) with zeros,
 * drops the reference, and wipes the raw request body. body may be NULL. */
void call_body_drop(struct call *c, json_t *body, const char *const secrets[]);

/* Reads ?advocate=me|ID into *advocate_id (NULL when absent); false after
 * a 422 naming advocate. */
bool call_advocate_param(struct call *c, const char **advocate_id);

/* Takes "version" out of body into *expected: 422 naming version (and
 * false) when it is not a whole number from 1 up, or when it is absent and
 * required; when absent and not required, *expected is 0. */
bool call_take_version(struct call *c, json_t *body, bool required, int *expected);

/* Loads the survivor of the path ({id}) and asks the policy about act on it
 * (the route's own check has already refused the roles that may never): 404
 * when it is not there or not the caller's to see. The caller clears *s. */
bool survivor_load(struct call *c, enum action act, struct store_survivor *s);

/* survivor_load for the survivor id names (from a body rather than the path). */
bool survivor_load_id(struct call *c, const char *id, enum action act, struct store_survivor *s);

/* The survivor's record as the API shows it to the caller (their view). */
json_t *survivor_json(const struct call *c, const struct store_survivor *s);

/* survivor_json's text, written straight to b from the stored record
 * (no second tree); false when b failed. */
bool survivor_write(const struct call *c, const struct store_survivor *s, struct buf *b);

/* Answers a domain or store error with its status; always returns false. */
bool call_fail(struct call *c, wm_err e, const struct schema_error *se);

/* Answers 409 for a stale version, in the spec's shape: the version stored
 * now, and the names of the top-level fields that differ between old_body
 * (the version the client read, NULL when no longer kept: changed is null)
 * and current_body. Always returns false. */
bool call_conflict(struct call *c, int current_version, const json_t *old_body,
		   const json_t *current_body);

/* Answers 422 for one field; always returns false. */
bool call_invalid(struct call *c, const char *field, const char *message);

/* Asks the policy; answers 403 or 404 and returns false when denied. */
bool call_allow(struct call *c, enum action act, const struct resource *res);

/* Reads ?limit= (1-STORE_LIST_MAX, default 50) and ?cursor=; false after answering 422. */
bool call_page(struct call *c, int *limit, int64_t *after);

/* Builds {"items": items, "next_cursor": ...}, the cursor sealed for this
 * route and user; steals items. */
json_t *call_list(const struct call *c, json_t *items, bool more, int64_t last_seq);

/* Fills an audit entry for the caller touching survivor_id. */
void call_audit(const struct call *c, const char *survivor_id, const char *action,
		struct store_audit *out);

/* A page of records each of which is a read of a survivor's record: every
 * item shown has its audit entry, and the page is answered only once they
 * are stored. At most STORE_LIST_MAX items (the store's own limit). */
struct audited_page {
	const struct call *c;
	const void *data; /* the caller's, for the callbacks that fill the page */
	json_t *items;
	int64_t last; /* the seq of the last item, for the cursor */
	size_t n;
	struct store_audit audit[STORE_LIST_MAX];
};

/* A new empty page for c (heap: the audit buffer is large); NULL after
 * answering 500. */
struct audited_page *call_audited_page(struct call *c, const void *data);

/* Adds item (stolen) read from survivor_id's record, at seq. */
void call_audited_add(struct audited_page *p, const char *survivor_id, json_t *item, int64_t seq);

/* Answers the page (200 with its cursor at `next`, held until the entries
 * are stored), or the store's error e; frees p. */
void call_audited_answer(struct call *c, struct audited_page *p, wm_err e, bool more, int64_t next);

/* Holds the answer the handler has set until the read-audit entries are
 * committed, without holding the connection thread; if they cannot be, the
 * answer becomes a 500 (a record is never shown unaudited). Copies entries.
 * The handler returns right after. */
void call_answer_after_audit(struct call *c, const struct store_audit *entries, size_t n);

/* The same, and then committed(arg) once the entries are committed (or
 * could not be), before the answer goes; at once, on this thread, when
 * nothing is held (n is 0, or out of memory). */
void call_answer_after_audit_then(struct call *c, const struct store_audit *entries, size_t n,
				  void (*committed)(void *arg), void *arg);

/* Fills an account-trail entry for the caller's change to target_id;
 * fields names the fields changed (comma-separated). */
void call_account_event(const struct call *c, const char *action, const char *target_id,
			const char *fields, struct store_account_event *out);

/* Reads the date ?name= into *day (dflt when absent); false after a 422
 * naming it. */
bool call_query_date(struct call *c, const char *name, int dflt, int *day);

/* An item of kind k as the API shows it to the caller, for a survivor of
 * res's ownership (their view). */
json_t *item_json(const struct call *c, const struct kind *k, const struct resource *res,
		  const struct store_item *it);

/* Checks a complete item against its kind (schema, then its rules) for
 * survivor s; false after a 422. */
bool item_valid(struct call *c, const struct kind *k, json_t *item, const struct store_survivor *s);

/* Stores a new item of k (body taken) for survivor s, with its audit entry,
 * and answers 201 with it. */
void item_create(struct call *c, const struct kind *k, const struct store_survivor *s,
		 json_t *body);

/* Handlers, one group per file. */
void health_get(struct call *c);
void openapi_get(struct call *c);
void auth_login(struct call *c);
void auth_logout(struct call *c);
void auth_me(struct call *c);
void auth_me_patch(struct call *c); /* settings: the account's privacy mode */
void auth_change_password(struct call *c);
void orgs_create(struct call *c);
void orgs_list(struct call *c);
void users_create(struct call *c);
void users_list(struct call *c);
void users_get(struct call *c);
void users_patch(struct call *c);
void account_events_list(struct call *c);
void survivors_create(struct call *c);
void survivors_list(struct call *c);
void survivors_get(struct call *c);
void survivors_patch(struct call *c);
void survivors_access_log(struct call *c);
void items_put(struct call *c);
void items_get_one(struct call *c);
void items_create(struct call *c);
void items_list(struct call *c);
void items_get(struct call *c);
void items_patch(struct call *c);
void record_get(struct call *c);
void appointments_caseload(struct call *c);
void shares_create(struct call *c);
void shares_list(struct call *c);
void shares_review(struct call *c);
void monitor_bulk_access(struct call *c);
void alerts_list(struct call *c);
void alerts_snooze(struct call *c);
void dashboard_get(struct call *c);
/* Record pages: one survivor's alerts (survivor_alerts.c), judged by
 * alerts_of_survivor (alerts.c): the alerts of s the caller may see on
 * day, snoozed ones included (with snoozed_until), and what the record
 * lacks for a rule to be judged, as new arrays in *alerts and *missing.
 * The caller has loaded s under the policy and audits the read. False
 * after answering an error. */
void survivor_alerts_get(struct call *c);
bool alerts_of_survivor(struct call *c, const struct store_survivor *s, int day, json_t **alerts,
			json_t **missing);
void calendar_list(struct call *c);
void calendar_set(struct call *c);
void reports_outcomes(struct call *c);
void reports_outcomes_csv(struct call *c);
/* The identification guide for health professionals (screening.c): public,
 * stores nothing. */
void screening_get(struct call *c);
void screening_post(struct call *c);
void research_export(struct call *c); /* GET /exports/research (research.c) */
/* The printed documents (documents.c). */
void documents_card(struct call *c);
void documents_letter(struct call *c);
void documents_handover(struct call *c);
void documents_access_report(struct call *c);
void documents_settings_get(struct call *c); /* GET /orgs/{id}/documents */
void documents_settings_put(struct call *c); /* PUT /orgs/{id}/documents */

/* The JSON of a user as the API shows it (no password hash). */
json_t *user_json(const struct store_user *u);

/* ---- signing in (auth.c) and its second factor (two_factor.c) ---- */

enum auth_check { CHECK_RIGHT, CHECK_WRONG, CHECK_ANSWERED };

/* One attempt at signing in as username under the lock-out rule (five
 * failures in 15 minutes lock it for 15): begin counts it as a failure in
 * advance, so attempts made in parallel cannot outnumber the rule (false
 * after answering 429 when locked, or an error); failed locks the
 * username once its failures reach the rule (false after an error);
 * store_login_succeeded forgets them. */
bool auth_attempt_begin(struct call *c, const char *username);
bool auth_attempt_failed(struct call *c, const char *username);

/* Checks password against the account user_id (NULL: none, and the same
 * Argon2id work is done) within one attempt (begun here). CHECK_WRONG has
 * been counted as a failure, unanswered; CHECK_ANSWERED has been answered
 * (locked: 429, or an error). CHECK_RIGHT leaves the attempt open: the
 * caller forgets the failures (store_login_succeeded) once every factor
 * has been checked. Runs Argon2id: only on the password threads. */
enum auth_check auth_check_password(struct call *c, const char *username, const char *user_id,
				    const char *password);

/* Opens a session for user, whose every factor has been checked, and
 * answers the login's 200 (with two_factor_enrolment_required when
 * must_enrol). */
void auth_open_session(struct call *c, const struct store_user *user, bool must_enrol);

/* After a right password of u (signing in as username): when u has
 * confirmed two-factor enrolment, checks totp or recovery_code ("" when
 * not sent) and answers 401 two_factor_required (none sent) or
 * two_factor_failed (wrong or used), each with a challenge for POST
 * /api/v1/login/two-factor, counting the attempt as a failure. True when
 * the sign-in may go on (the failures are then forgotten), with
 * *must_enrol set when u's organisation requires two factors and u has
 * none. */
bool two_factor_sign_in(struct call *c, const char *username, const struct store_user *u,
			const char *totp, const char *recovery_code, bool *must_enrol);

/* Whether org_id requires two-factor sign-in; false after answering an
 * error. */
bool two_factor_org_required(struct call *c, const char *org_id, bool *required);

void auth_login_two_factor(struct call *c);  /* POST /login/two-factor */
void two_factor_status(struct call *c);	     /* GET /me/two-factor */
void two_factor_start(struct call *c);	     /* POST /me/two-factor */
void two_factor_confirm(struct call *c);     /* POST /me/two-factor/confirm */
void two_factor_disable(struct call *c);     /* POST /me/two-factor/disable */
void users_two_factor_reset(struct call *c); /* DELETE /users/{id}/two-factor */
void orgs_patch(struct call *c);	     /* PATCH /orgs/{id}: two_factor_required */

/* ---- an advocate's calendar feed (calendar.c) ---- */
void calendar_feed_create(struct call *c); /* POST /me/calendar-feed */
void calendar_feed_status(struct call *c); /* GET /me/calendar-feed */
void calendar_feed_revoke(struct call *c); /* DELETE /me/calendar-feed */
void calendar_feed_get(struct call *c);	   /* GET /cal/{token}.ics (public) */

#endif
