/*
 * pages_screening.c - the identification guide for health professionals
 * as a page: /screening, open to anyone, signed in or not.
 *
 * The page asks the API's own public routes (GET and POST
 * /api/v1/screening) for the signs, the guidance and the next steps, so
 * the page and the API cannot give different advice. Like the API it
 * stores nothing and asks nothing about the patient: the form is check
 * boxes of codes, posted back to the same page (with the signed-out CSRF
 * token the sign-in form uses), and the answer is drawn from the API's.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "pages.h"

/* The words each level is given on the page, and the design system's care
 * card it is shown in (with the card's own hidden prefix for screen
 * readers, which the colour alone would not tell). */
static const struct {
	const char *level, *card, *hidden, *heading;
} levels[] = {
    {"none", "non-urgent", "Non-urgent advice", "You have not ticked a sign of modern slavery"},
    {"possible", "urgent", "Urgent advice", "This could be modern slavery: act today"},
    {"strong", "urgent", "Urgent advice", "These are strong signs of modern slavery: act today"},
    {"emergency", "emergency", "Immediate action required",
     "Someone is in immediate danger: call 999 now"},
};

/* Whether the posted form ticked code. */
static bool ticked(const struct page *p, const char *code)
{
	for (size_t i = 0; i < p->form.n; i++)
		if (strcmp(p->form.name[i], "indicator") == 0 &&
		    strcmp(p->form.value[i], code) == 0)
			return true;
	return false;
}

/* The form's fieldsets: each group with its indicators, ticked as posted. */
static json_t *fieldsets(const struct page *p, const json_t *guide)
{
	json_t *out = json_array();
	const json_t *g;
	size_t i;
	json_array_foreach(json_object_get(guide, "groups"), i, g)
	{
		const char *gcode = json_string_value(json_object_get(g, "code"));
		json_t *items = json_array();
		const json_t *in;
		size_t j;
		json_array_foreach(json_object_get(guide, "indicators"), j, in)
		{
			const char *icode = json_string_value(json_object_get(in, "code"));
			const char *igroup = json_string_value(json_object_get(in, "group"));
			if (!gcode || !icode || !igroup || strcmp(igroup, gcode) != 0)
				continue;
			char id[96];
			snprintf(id, sizeof id, "indicator-%.80s", icode);
			json_array_append_new(items,
					      json_pack("{s:s, s:s, s:O, s:b}", "code", icode, "id",
							id, "text", json_object_get(in, "text"),
							"checked", ticked(p, icode)));
		}
		json_array_append_new(out, json_pack("{s:O, s:O, s:o}", "code",
						     json_object_get(g, "code"), "legend",
						     json_object_get(g, "legend"), "items", items));
	}
	return out;
}

/* The API's answer to what was ticked, as the page's result card. */
static json_t *result(const json_t *answer)
{
	const char *level = json_string_value(json_object_get(answer, "level"));
	for (size_t i = 0; level && i < sizeof levels / sizeof levels[0]; i++) {
		if (strcmp(levels[i].level, level) != 0)
			continue;
		return json_pack("{s:s, s:s, s:s, s:b, s:O}", "card", levels[i].card, "hidden",
				 levels[i].hidden, "heading", levels[i].heading, "emergency",
				 strcmp(level, "emergency") == 0, "steps",
				 json_object_get(answer, "steps"));
	}
	return NULL;
}

/* Draws the page: the guidance, the form, and the result when there is
 * one. */
static void guide_page(struct page *p, unsigned status, json_t *answer)
{
	unsigned st;
	json_t *guide = page_api(p, "GET", "/api/v1/screening", NULL, NULL, &st);
	if (st != 200 || !json_is_object(guide)) {
		json_decref(guide);
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "Try again later. In the meantime, the Modern Slavery & Exploitation "
			   "Helpline is on 08000 121 700, and in an emergency call 999.");
		return;
	}
	if (!p->data)
		p->data = json_object();
	json_object_set_new(p->data, "fieldsets", fieldsets(p, guide));
	json_object_set(p->data, "what_to_do", json_object_get(guide, "what_to_do"));
	json_object_set(p->data, "helpline", json_object_get(guide, "helpline"));
	json_t *r = answer ? result(answer) : NULL;
	if (r)
		json_object_set_new(p->data, "result", r);
	json_decref(guide);
	page_render(p, status, "screening", "Spotting modern slavery: a guide for health staff");
}

void page_screening(struct page *p)
{
	guide_page(p, 200, NULL);
}

void page_screening_post(struct page *p)
{
	json_t *codes = json_array();
	for (size_t i = 0; codes && i < p->form.n; i++)
		if (strcmp(p->form.name[i], "indicator") == 0)
			json_array_append_new(codes, json_string(p->form.value[i]));
	unsigned st;
	json_t *answer = page_api(p, "POST", "/api/v1/screening", NULL,
				  json_pack("{s:o}", "indicators", codes), &st);
	if (st == 200) {
		guide_page(p, 200, answer);
	} else {
		/* Only a form altered by hand sends a code the API does not
		 * know: say so, and draw the form again. */
		json_t *err = json_pack("{s:{s:s}}", "error", "message",
					st == 422 ? "Choose only from the signs listed below."
						  : "Sorry, there is a problem with the service. "
						    "Try again.");
		page_form_errors(p, err, NULL);
		json_decref(err);
		guide_page(p, st == 422 ? 422 : 500, NULL);
	}
	json_decref(answer);
}
