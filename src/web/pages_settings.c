/*
 * pages_settings.c - everyone's settings: privacy mode (survivors' names
 * blurred on every page until hovered or focused, for staff who work where
 * others can see the screen), remembered for the account through
 * PATCH /api/v1/me, and the way to change one's password; for advocates,
 * their calendar feed (made, replaced and revoked through
 * /api/v1/me/calendar-feed; its address shown once, on the page that
 * answers the form that made it); for managers, what their organisation's
 * printed documents show (GET and PUT /api/v1/orgs/{id}/documents: the
 * telephone number to call, and whether the access report names its
 * staff).
 *
 * The layout reads the setting from GET /api/v1/me on every page
 * (page.c's layout data), so a change shows from the next page on, on
 * every device the account signs in from.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

/* The calendar feed's part of the page, for an advocate: whether one
 * exists and since when (never its address, which is not kept). */
static void feed_data(struct page *p)
{
	if (strcmp(page_role(p), "advocate") != 0)
		return;
	unsigned st;
	json_t *feed = page_api(p, "GET", "/api/v1/me/calendar-feed", NULL, NULL, &st);
	json_object_set_new(p->data, "feed_offered", json_true());
	if (st == 200 && json_is_true(json_object_get(feed, "exists"))) {
		json_object_set_new(p->data, "feed_exists", json_true());
		json_object_set(p->data, "feed_created", json_object_get(feed, "created_at"));
	}
	json_decref(feed);
}

/* The organisation's document choices, for a manager. */
static void documents_data(struct page *p)
{
	const char *org = json_string_value(json_object_get(p->me, "org_id"));
	if (strcmp(page_role(p), "manager") != 0 || !org)
		return;
	char path[128];
	snprintf(path, sizeof path, "/api/v1/orgs/%s/documents", org);
	unsigned st;
	json_t *docs = page_api(p, "GET", path, NULL, NULL, &st);
	if (st == 200) {
		json_object_set_new(p->data, "docs_offered", json_true());
		json_t *phone = json_object_get(docs, "phone");
		if (json_is_string(phone) && !json_object_get(p->data, "docs_phone"))
			json_object_set(p->data, "docs_phone", phone);
		json_object_set_new(
		    p->data, "docs_name_staff",
		    json_boolean(json_is_true(json_object_get(docs, "name_staff"))));
	}
	json_decref(docs);
}

static void settings_form(struct page *p, unsigned status)
{
	if (!p->data)
		p->data = json_object();
	feed_data(p);
	documents_data(p);
	json_object_set_new(p->data, "privacy_on",
			    json_boolean(json_is_true(json_object_get(p->me, "privacy_mode"))));
	json_object_set_new(p->data, "version",
			    json_integer(json_integer_value(json_object_get(p->me, "version"))));
	page_render(p, status, "settings", "Settings");
}

void page_settings(struct page *p)
{
	settings_form(p, 200);
}

void page_settings_post(struct page *p)
{
	char *end;
	json_int_t version = (json_int_t)strtol(page_field(p, "version"), &end, 10);
	bool on = strcmp(page_field(p, "privacy_mode"), "on") == 0;
	unsigned st;
	json_t *answer =
	    page_api(p, "PATCH", "/api/v1/me", NULL,
		     json_pack("{s:I, s:b}", "version", version, "privacy_mode", on), &st);
	if (st == 200) {
		json_decref(answer);
		page_redirect(p, "/settings");
		return;
	}
	json_decref(answer);
	/* A stale version: the account changed in another tab or by an
	 * administrator. Show the setting as it is now and ask again. */
	p->data = json_object();
	json_t *err = json_pack("{s:{s:s}}", "error", "message",
				st == 409 ? "Your account was changed since you opened this page. "
					    "Check the setting below and save it again."
					  : "The setting was not saved. Try again.");
	page_form_errors(p, err, NULL);
	json_decref(err);
	unsigned mst;
	json_t *me = page_api(p, "GET", "/api/v1/me", NULL, NULL, &mst);
	if (mst == 200 && json_is_object(me)) {
		json_decref(p->me);
		p->me = me;
	} else {
		json_decref(me);
	}
	settings_form(p, st == 409 ? 409 : 500);
}

void page_calendar_feed_post(struct page *p)
{
	unsigned st;
	json_t *made = page_api(p, "POST", "/api/v1/me/calendar-feed", NULL, NULL, &st);
	const char *url = json_string_value(json_object_get(made, "url"));
	if (st != 201 || !url) {
		json_decref(made);
		page_error(p, st == 403 ? 403 : 500, "The calendar feed was not made",
			   "Go back to your settings and try again.");
		return;
	}
	/* Shown this once, on this answer (not kept by a redirect): the
	 * page is never cached, and the address is not stored anywhere. */
	p->data = json_object();
	json_object_set(p->data, "feed_url", json_object_get(made, "url"));
	json_decref(made);
	settings_form(p, 200);
}

void page_calendar_feed_revoke(struct page *p)
{
	unsigned st;
	json_decref(page_api(p, "DELETE", "/api/v1/me/calendar-feed", NULL, NULL, &st));
	if (st != 204) {
		page_error(p, st == 403 ? 403 : 500, "The calendar feed was not revoked",
			   "Go back to your settings and try again.");
		return;
	}
	page_redirect(p, "/settings");
}

/* POST /settings/documents: a manager's choices for the organisation's
 * documents. A refused number is shown again with the API's message. */
void page_documents_post(struct page *p)
{
	const char *org = json_string_value(json_object_get(p->me, "org_id"));
	if (strcmp(page_role(p), "manager") != 0 || !org) {
		page_error(p, 403, "Only a manager can change this",
			   "Your organisation's managers choose what its documents show.");
		return;
	}
	char path[128];
	snprintf(path, sizeof path, "/api/v1/orgs/%s/documents", org);
	const char *phone = page_field(p, "phone");
	bool name_staff = strcmp(page_field(p, "name_staff"), "on") == 0;
	json_t *body = json_pack("{s:o, s:b}", "phone", *phone ? json_string(phone) : json_null(),
				 "name_staff", name_staff);
	unsigned st;
	json_t *answer = page_api(p, "PUT", path, NULL, body, &st);
	if (st == 200) {
		json_decref(answer);
		page_redirect(p, "/settings#documents");
		return;
	}
	p->data = json_object();
	if (st == 422)
		page_form_errors(p, answer, NULL);
	else {
		json_t *err = json_pack("{s:{s:s}}", "error", "message",
					"The choices were not saved. Try again.");
		page_form_errors(p, err, NULL);
		json_decref(err);
	}
	json_decref(answer);
	json_object_set_new(p->data, "docs_phone", json_string(phone));
	settings_form(p, st == 422 ? 422 : 500);
}
