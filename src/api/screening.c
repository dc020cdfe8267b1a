/*
 * screening.c - the identification guide for health professionals, over
 * HTTP: GET /api/v1/screening (the signs to look for, and what to do) and
 * POST /api/v1/screening {indicators: [code, ...]} (the next steps for what
 * was noticed). Both are public and store nothing.
 *
 * Nothing here touches the store: no audit entry, no account, no row. The
 * body names only codes from the catalogue (domain/screening.c), never a
 * patient; the server's log line is the route pattern and the status, as
 * for every request, and an error names the field, never the value sent.
 */
#include "call.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../domain/screening.h"
#include "../util/text.h"

/* More codes than the catalogue holds is a client's mistake, not a list to
 * walk: refused before any is read. */
#define SCREENING_MAX_CODES 64

static json_t *source_json(const struct screening_source *s)
{
	return json_pack("{s:s, s:s}", "title", s->title, "url", s->url);
}

static json_t *steps_json(const struct screening_result *r)
{
	json_t *steps = json_array();
	for (size_t i = 0; steps && i < r->nsteps; i++)
		json_array_append_new(steps, json_pack("{s:s, s:s, s:o}", "code", r->steps[i]->code,
						       "text", r->steps[i]->text, "source",
						       source_json(r->steps[i]->source)));
	return steps;
}

static json_t *helpline_json(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", screening_helpline_name, "phone",
			 screening_helpline_phone, "tel", screening_helpline_tel, "hours",
			 screening_helpline_hours, "source",
			 source_json(screening_helpline_source));
}

void screening_get(struct call *c)
{
	json_t *groups = json_array();
	for (size_t i = 0; groups && i < screening_group_count; i++)
		json_array_append_new(groups,
				      json_pack("{s:s, s:s}", "code", screening_groups[i].code,
						"legend", screening_groups[i].legend));
	json_t *indicators = json_array();
	for (size_t i = 0; indicators && i < screening_indicator_count; i++) {
		const struct screening_indicator *in = &screening_indicators[i];
		json_array_append_new(indicators,
				      json_pack("{s:s, s:s, s:s, s:o}", "code", in->code, "text",
						in->text, "group", in->group, "source",
						source_json(in->source)));
	}
	struct screening_result summary;
	screening_summary(&summary);
	json_t *answer =
	    json_pack("{s:o, s:o, s:o, s:o}", "groups", groups, "indicators", indicators,
		      "what_to_do", steps_json(&summary), "helpline", helpline_json());
	if (!answer) {
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	http_respond_json(c->req, 200, answer);
}

/* Reads {indicators: [code, ...]} into a set; false after a 422 naming
 * the field (never repeating what was sent). */
static bool read_indicators(struct call *c, json_t *body, uint32_t *ticked)
{
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "indicators") == 0)
			continue;
		/* Named as every 422 names a field: a name, not a value, and
		 * only one that prints plainly. */
		bool plain = strlen(key) <= 64 && !text_has_newline_or_control(key);
		return call_invalid(c, plain ? key : NULL, "unknown field");
	}
	json_t *list = json_object_get(body, "indicators");
	if (!json_is_array(list))
		return call_invalid(c, "indicators",
				    "indicators must be a list of indicator codes");
	if (json_array_size(list) > SCREENING_MAX_CODES)
		return call_invalid(c, "indicators", "indicators lists at most 64 codes");
	*ticked = 0;
	size_t i;
	json_array_foreach(list, i, v)
	{
		int at = screening_indicator_find(json_string_value(v));
		if (at < 0) {
			char field[48];
			snprintf(field, sizeof field, "indicators[%zu]", i);
			return call_invalid(c, field,
					    "not an indicator code of GET /api/v1/screening");
		}
		*ticked |= 1u << at;
	}
	return true;
}

void screening_post(struct call *c)
{
	json_t *body = call_body(c);
	if (!body)
		return;
	uint32_t ticked = 0;
	bool ok = read_indicators(c, body, &ticked);
	json_decref(body);
	if (!ok)
		return;
	struct screening_result r;
	screening_assess(ticked, &r);
	json_t *answer = json_pack("{s:s, s:o, s:o}", "level", screening_level_name(r.level),
				   "steps", steps_json(&r), "helpline", helpline_json());
	if (!answer) {
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	http_respond_json(c->req, 200, answer);
}
