/*
 * pages_settings.c - everyone's settings: privacy mode (survivors' names
 * blurred on every page until hovered or focused, for staff who work where
 * others can see the screen), remembered for the account through
 * PATCH /api/v1/me, and the way to change one's password.
 *
 * The layout reads the setting from GET /api/v1/me on every page
 * (page.c's layout data), so a change shows from the next page on, on
 * every device the account signs in from.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "pages.h"

static void settings_form(struct page *p, unsigned status)
{
	if (!p->data)
		p->data = json_object();
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
