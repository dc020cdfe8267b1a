/*
 * calendar.c - an advocate's secret calendar feed: POST, GET and DELETE
 * /api/v1/me/calendar-feed to make, see and revoke it, and the feed itself
 * at /cal/{token}.ics, which a calendar app fetches without signing in.
 *
 * The feed's URL is the only key to it (a bearer URL, like a session
 * token): 256 random bits, shown once, stored only as their hash, and
 * found again by that hash through a unique index - never by comparing
 * tokens - so an unknown token and a revoked one take the same path to
 * the same 404. The feed opens no more than the account's own session
 * could: a disabled account, one that is no longer an advocate, one moved
 * to another organisation, or one its organisation holds until it sets up
 * two-factor sign-in or changes its password, has a feed that answers 404.
 *
 * What an event says is chosen for a calendar kept on a phone and in a
 * calendar provider's cloud: the time, the place (the appointment's
 * provider), the kind in words, whether an interpreter is booked, and
 * the survivor's initials - never a name, a language, a note, or an id
 * of ours (the UID is a keyed hash of the appointment's id). Each fetch
 * is a read of every survivor whose appointments it shows, audited like
 * any list: one entry each, stored before the feed is answered.
 * docs/security.md ("Calendar feeds") says why each choice.
 */
#define _POSIX_C_SOURCE 200809L
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/date.h"
#include "../render/ics.h"
#include "../util/buf.h"
#include "call.h"

#define FEED_DAYS_BEFORE 30   /* the window: from 30 days ago ... */
#define FEED_DAYS_AFTER	 180  /* ... to 180 days ahead, in the server's time zone */
#define FEED_EVENTS_MAX	 2000 /* more than a caseload's half-year; the earliest first */
#define FEED_DEFAULT_MIN 60   /* an appointment recorded without a duration */
#define FEED_SUFFIX	 ".ics"

/* ---- making, seeing and revoking one's feed ---- */

/* The scheme and host the client reached us by, for an absolute URL a
 * calendar app can subscribe to: Host as sent when it is a plain host and
 * port, else "" (the URL is then a path). */
static void base_url(struct call *c, char *out, size_t cap)
{
	const char *host = http_header(c->req, "Host");
	bool ok = host && host[0] && strlen(host) < 256;
	for (const char *p = host; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || strchr(".-:[]", *p);
	if (!ok) {
		out[0] = '\0';
		return;
	}
	snprintf(out, cap, "%s://%s", http_is_tls(c->req) ? "https" : "http", host);
}

void calendar_feed_create(struct call *c)
{
	char token[SECRET_TOKEN_LEN];
	unsigned char digest[SECRET_DIGEST];
	secret_new_token(token, digest);
	struct store_account_event ev;
	call_account_event(c, "user.calendar_feed", c->user.id, "calendar_feed", &ev);
	wm_err e = store_calendar_feed_set(c->app->store, c->user.id, c->user.org_id, digest,
					   sizeof digest, c->now, &ev);
	if (e != WM_OK) {
		sodium_memzero(token, sizeof token);
		call_fail(c, e, NULL);
		return;
	}
	char base[300], url[400], at[INSTANT_TEXT_LEN];
	base_url(c, base, sizeof base);
	snprintf(url, sizeof url, "%s/cal/%s" FEED_SUFFIX, base, token);
	instant_format(c->now, at);
	http_respond_json(c->req, 201, json_pack("{s:s, s:s}", "url", url, "created_at", at));
	/* The answer holds its own copy; these are wiped, as a session's
	 * token is once answered. */
	sodium_memzero(token, sizeof token);
	sodium_memzero(url, sizeof url);
}

void calendar_feed_status(struct call *c)
{
	int64_t created = 0;
	wm_err e = store_calendar_feed_get(c->app->store, c->user.id, &created);
	if (e != WM_OK && e != WM_ERR_NOT_FOUND) {
		call_fail(c, e, NULL);
		return;
	}
	char at[INSTANT_TEXT_LEN];
	instant_format(created, at);
	http_respond_json(c->req, 200,
			  json_pack("{s:b, s:o}", "exists", e == WM_OK, "created_at",
				    e == WM_OK ? json_string(at) : json_null()));
}

void calendar_feed_revoke(struct call *c)
{
	struct store_account_event ev;
	call_account_event(c, "user.calendar_feed_off", c->user.id, "calendar_feed", &ev);
	wm_err e = store_calendar_feed_delete(c->app->store, c->user.id, &ev);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond(c->req, 204, NULL, NULL, 0);
}

/* ---- the feed ---- */

/* One survivor of the caseload: their id, their initials, and whether an
 * appointment of theirs is in the feed (then their read is audited). */
struct member {
	char id[STORE_ID_LEN];
	char initials[ICS_INITIALS_MAX];
	bool shown;
};

struct feed {
	struct call *c;
	struct member *members;
	size_t n, cap;
	int64_t last_seq;
	bool failed;
	size_t events;
	char stamp[ICS_UTC_LEN];
	struct buf out;
};

static void add_member(void *ctx, const struct store_survivor *s)
{
	struct feed *f = ctx;
	f->last_seq = s->seq;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		struct member *m = realloc(f->members, cap * sizeof *m);
		if (!m) {
			f->failed = true;
			return;
		}
		f->members = m, f->cap = cap;
	}
	struct member *m = &f->members[f->n++];
	memset(m, 0, sizeof *m);
	snprintf(m->id, sizeof m->id, "%s", s->id);
	const char *known_as = json_string_value(json_object_get(s->body, "known_as"));
	ics_initials(known_as ? known_as : "", m->initials);
}

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->id, ((const struct member *)b)->id);
}

/* The advocate's active caseload, sorted by id. False after answering. */
static bool read_caseload(struct feed *f)
{
	struct call *c = f->c;
	struct store_survivor_filter flt = {.org_id = c->user.org_id,
					    .advocate_id = c->user.id,
					    .status = "active",
					    .today = c->today,
					    .now = c->now};
	bool more = true;
	while (more && !f->failed) {
		wm_err e = store_survivor_list(c->app->store, &flt, f->last_seq, STORE_LIST_MAX,
					       add_member, f, &more);
		if (e != WM_OK)
			return call_fail(c, e, NULL);
	}
	if (f->failed)
		return call_fail(c, WM_ERR_NOMEM, NULL);
	if (f->n > 1)
		qsort(f->members, f->n, sizeof *f->members, member_cmp);
	return true;
}

/* An appointment's kind in words, as the summary says it. */
static const char *kind_words(const char *kind)
{
	static const char *const words[][2] = {
	    {"gp", "GP appointment"},
	    {"dental", "Dental appointment"},
	    {"mental_health_assessment", "Mental health assessment"},
	    {"talking_therapy", "Talking therapy"},
	    {"counselling", "Counselling"},
	    {"ptsd_clinic", "PTSD clinic"},
	    {"maternity", "Maternity appointment"},
	    {"sexual_health", "Sexual health appointment"},
	    {"hospital", "Hospital appointment"},
	    {"emergency", "Emergency appointment"},
	    {"pharmacy", "Pharmacy appointment"},
	};
	for (size_t i = 0; kind && i < sizeof words / sizeof words[0]; i++)
		if (strcmp(kind, words[i][0]) == 0)
			return words[i][1];
	return "Appointment";
}

/* Whether an interpreter is booked, in a sentence (never the language:
 * with initials it would point towards a person's origin). */
static const char *interpreter_words(const json_t *body)
{
	const json_t *in = json_object_get(body, "interpreter");
	if (json_is_true(json_object_get(in, "booked")))
		return "Interpreter booked.";
	if (json_is_true(json_object_get(in, "needed")))
		return "Interpreter needed: not booked yet.";
	if (json_is_false(json_object_get(in, "needed")))
		return "No interpreter needed.";
	return "Interpreter: not recorded.";
}

/* The event's UID: a keyed hash of the appointment's id, stable from one
 * fetch to the next (the index key never changes), and no id of ours in
 * a calendar provider's hands. */
static void event_uid(const struct call *c, const char *item_id, char out[80])
{
	unsigned char h[KEYRING_BLIND_LEN];
	keyring_blind(c->app->keys, "calendar-uid", item_id, h);
	char hex[2 * 16 + 1];
	sodium_bin2hex(hex, sizeof hex, h, 16);
	snprintf(out, 80, "%s@waymark", hex);
}

static void add_event(void *ctx, const struct store_item *it)
{
	struct feed *f = ctx;
	struct member key = {0};
	snprintf(key.id, sizeof key.id, "%s", it->survivor_id);
	struct member *m =
	    f->n ? bsearch(&key, f->members, f->n, sizeof *f->members, member_cmp) : NULL;
	int64_t starts;
	const char *starts_at = json_string_value(json_object_get(it->body, "starts_at"));
	/* A survivor no longer in the active caseload (closed) is left out. */
	if (!m || !starts_at || !instant_parse(starts_at, &starts) || f->events >= FEED_EVENTS_MAX)
		return;
	m->shown = true;
	f->events++;
	json_int_t minutes = json_integer_value(json_object_get(it->body, "duration_min"));
	if (minutes < 1)
		minutes = FEED_DEFAULT_MIN;
	const char *status = json_string_value(json_object_get(it->body, "status"));
	bool cancelled = status && strcmp(status, "cancelled") == 0;
	char uid[80], start[ICS_UTC_LEN], end[ICS_UTC_LEN], summary[160], seq[24];
	event_uid(f->c, it->id, uid);
	ics_utc(starts, start);
	ics_utc(starts + (int64_t)minutes * 60, end);
	snprintf(summary, sizeof summary, "%s%s%s%s", cancelled ? "Cancelled: " : "",
		 kind_words(json_string_value(json_object_get(it->body, "kind"))),
		 m->initials[0] ? " \u2014 " : "", m->initials);
	snprintf(seq, sizeof seq, "%d", it->version > 0 ? it->version - 1 : 0);

	struct buf *o = &f->out;
	ics_line(o, "BEGIN", "VEVENT");
	ics_line(o, "UID", uid);
	ics_line(o, "DTSTAMP", f->stamp);
	ics_line(o, "SEQUENCE", seq);
	ics_line(o, "DTSTART", start);
	ics_line(o, "DTEND", end);
	ics_text(o, "SUMMARY", summary);
	const char *place = json_string_value(json_object_get(it->body, "provider"));
	if (place && place[0])
		ics_text(o, "LOCATION", place);
	ics_text(o, "DESCRIPTION", interpreter_words(it->body));
	ics_line(o, "STATUS", cancelled ? "CANCELLED" : "CONFIRMED");
	ics_line(o, "CLASS", "PRIVATE");
	ics_line(o, "END", "VEVENT");
}

/* Writes the appointments of the window into f->out. False after answering. */
static bool read_appointments(struct feed *f)
{
	struct call *c = f->c;
	const struct kind *k = kind_find("appointments");
	struct store_item_range r = {.org_id = c->user.org_id,
				     .advocate_id = c->user.id,
				     .column = "starts_at",
				     .from = date_local_start(c->today - FEED_DAYS_BEFORE),
				     .to = date_local_start(c->today + FEED_DAYS_AFTER + 1)};
	bool more = true;
	for (int64_t offset = 0; k && more && offset < FEED_EVENTS_MAX; offset += STORE_LIST_MAX) {
		wm_err e = store_item_range(c->app->store, k, &r, offset, STORE_LIST_MAX, add_event,
					    f, &more);
		if (e != WM_OK)
			return call_fail(c, e, NULL);
	}
	return k || call_fail(c, WM_ERR_INVALID, NULL);
}

/* The account of the feed whose token is the path's, when it may have one
 * now; false after answering 404 (or an error). */
static bool feed_owner(struct call *c)
{
	const char *param = call_param(c, 0);
	size_t n = strlen(param), suffix = strlen(FEED_SUFFIX);
	char token[SECRET_TOKEN_LEN];
	unsigned char digest[SECRET_DIGEST];
	bool ok =
	    n == SECRET_TOKEN_LEN - 1 + suffix && strcmp(param + n - suffix, FEED_SUFFIX) == 0;
	if (ok) {
		memcpy(token, param, n - suffix);
		token[n - suffix] = '\0';
		ok = secret_token_digest(token, digest);
		sodium_memzero(token, sizeof token);
	}
	wm_err e = ok ? store_calendar_feed_owner(c->app->store, digest, sizeof digest, &c->user)
		      : WM_ERR_NOT_FOUND;
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	c->who.role = c->user.role;
	c->who.user_id = c->user.id;
	c->who.org_id = c->user.org_id[0] ? c->user.org_id : NULL;
	bool required = false, enrolled = false;
	e = store_two_factor_state(c->app->store, c->user.id, c->user.org_id, &required, &enrolled);
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	/* Nothing its own session could not open: the same 404 as an
	 * unknown token, so the URL tells nothing about the account. */
	if (policy_decide(&c->who, ACT_CALENDAR_FEED, NULL) != POLICY_ALLOW ||
	    c->user.must_change_password || (required && !enrolled))
		return call_fail(c, WM_ERR_NOT_FOUND, NULL);
	return true;
}

void calendar_feed_get(struct call *c)
{
	if (!feed_owner(c))
		return;
	struct feed f = {.c = c};
	ics_utc(c->now, f.stamp);
	if (!read_caseload(&f)) {
		free(f.members);
		return;
	}
	struct buf *o = &f.out;
	ics_line(o, "BEGIN", "VCALENDAR");
	ics_line(o, "VERSION", "2.0");
	ics_line(o, "PRODID", "-//Waymark//Calendar feed//EN");
	ics_line(o, "CALSCALE", "GREGORIAN");
	ics_line(o, "METHOD", "PUBLISH");
	ics_text(o, "X-WR-CALNAME", "Waymark appointments");
	/* Asks calendar apps to fetch hourly (RFC 7986), not every few
	 * minutes: each fetch is an audited read of every survivor in it. */
	ics_line(o, "REFRESH-INTERVAL;VALUE=DURATION", "PT1H");
	ics_line(o, "X-PUBLISHED-TTL", "PT1H");
	bool read = f.n == 0 || read_appointments(&f);
	ics_line(o, "END", "VCALENDAR");
	struct store_audit *audit = NULL;
	size_t naudit = 0;
	if (read && f.n > 0 && !(audit = calloc(f.n, sizeof *audit)))
		read = call_fail(c, WM_ERR_NOMEM, NULL);
	for (size_t i = 0; read && i < f.n; i++)
		if (f.members[i].shown)
			call_audit(c, f.members[i].id, "read", &audit[naudit++]);
	size_t len = 0;
	char *body = read ? buf_take(&f.out, &len) : NULL;
	if (read && !body)
		read = call_fail(c, WM_ERR_NOMEM, NULL);
	if (read) {
		http_respond(c->req, 200, "text/calendar; charset=utf-8", body, len);
		call_answer_after_audit(c, audit, naudit);
	}
	buf_free(&f.out);
	free(audit);
	free(f.members);
}
