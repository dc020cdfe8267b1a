/*
 * fuzz_form.c - libFuzzer target: a posted HTML form
 * (application/x-www-form-urlencoded, web/form.c) and what the pages read
 * from it into a JSON body for the API (web/fields.c), for the survivor's
 * record and for every sub-resource kind. The first byte picks the schema
 * and the mode; the rest is the body.
 *
 * Invariants: a form that parses holds at most FORM_FIELDS_MAX fields, each
 * name and value UTF-8 with no NUL; re-encoded (every byte as %XX) it
 * parses back to the same fields (decode of encode is the identity); what
 * the fields make is a JSON object that writes out as JSON, and every field
 * it could not read is named in the errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>

#include "domain/kind.h"
#include "domain/survivor.h"
#include "fuzz.h"
#include "util/text.h"
#include "web/fields.h"
#include "web/form.h"

/* Appends s percent-encoded, every byte, at *at in out. */
static void encode(const char *s, char *out, size_t *at)
{
	for (; *s; s++)
		*at += (size_t)sprintf(out + *at, "%%%02X", (unsigned char)*s);
}

static void round_trip(const struct form *f, size_t size)
{
	char *text = malloc(6 * size + 4 * FORM_FIELDS_MAX + 2);
	FUZZ_CHECK(text != NULL);
	size_t at = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (i)
			text[at++] = '&';
		encode(f->name[i], text, &at);
		text[at++] = '=';
		encode(f->value[i], text, &at);
	}
	text[at] = '\0';
	struct form g;
	FUZZ_CHECK(form_parse(text, at, &g));
	FUZZ_CHECK(g.n == f->n);
	for (size_t i = 0; i < f->n; i++)
		FUZZ_CHECK(strcmp(f->name[i], g.name[i]) == 0 &&
			   strcmp(f->value[i], g.value[i]) == 0);
	form_free(&g);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready)
		ready = text_init();
	if (size < 1)
		return 0;
	unsigned pick = data[0];
	const char *body = (const char *)data + 1;
	size--;
	struct form f;
	if (!form_parse(body, size, &f))
		return 0;
	FUZZ_CHECK(f.n <= FORM_FIELDS_MAX);
	for (size_t i = 0; i < f.n; i++) {
		FUZZ_CHECK(text_utf8_valid(f.name[i], strlen(f.name[i])));
		FUZZ_CHECK(text_utf8_valid(f.value[i], strlen(f.value[i])));
	}
	round_trip(&f, size);

	const struct schema *s = (pick >> 1) % (kind_count + 1) == 0
				     ? &survivor_schema
				     : kind_table[(pick >> 1) % (kind_count + 1) - 1]->schema;
	enum fields_mode mode = pick & 1 ? FIELDS_CHANGE : FIELDS_CREATE;
	json_t *errors = json_object();
	FUZZ_CHECK(errors != NULL);
	json_t *rec = fields_read(s, &f, mode, true, errors);
	FUZZ_CHECK(json_is_object(rec));
	fields_missing(s, &f, mode, NULL, errors);
	char *out = json_dumps(rec, JSON_COMPACT);
	FUZZ_CHECK(out != NULL);
	free(out);
	json_t *echo = fields_echo(s, &f);
	FUZZ_CHECK(json_is_object(echo));
	json_t *drawn = fields_describe(s, echo, errors, true);
	FUZZ_CHECK(json_is_array(drawn));
	json_decref(drawn);
	json_decref(echo);
	json_decref(rec);
	json_decref(errors);
	form_free(&f);
	return 0;
}
