/*
 * fuzz_body.c - libFuzzer target: a request body as the survivor handlers
 * see it. Parses it as the API does, validates it as a new record, and
 * applies it as a merge patch to a stored record and validates the result.
 *
 * Invariants: a record that validates, once written out as JSON and read
 * back (as the store does), validates again unchanged (validation is
 * idempotent and loses nothing in the round trip); its shared view is a
 * subset of it; its plain columns (store/codec.c) can be filled.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>

#include "domain/date.h"
#include "domain/survivor.h"
#include "fuzz.h"
#include "store/codec.h"
#include "util/text.h"

/* A validated record, written out and read back, validates to itself. */
static void check_valid(json_t *rec, int today)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	FUZZ_CHECK(text != NULL);
	json_error_t jerr;
	json_t *back = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	free(text);
	FUZZ_CHECK(back != NULL);
	struct schema_error se;
	FUZZ_CHECK(survivor_validate(back, today, &se) == WM_OK);
	FUZZ_CHECK(json_equal(back, rec));
	json_t *shared = schema_view(&survivor_schema, rec, VIEW_SHARED);
	FUZZ_CHECK(shared != NULL);
	const char *key;
	json_t *v;
	json_object_foreach(shared, key, v) FUZZ_CHECK(json_equal(v, json_object_get(rec, key)));
	json_decref(shared);
	struct codec_survivor_cols cols;
	FUZZ_CHECK(codec_survivor_cols(fuzz_keys(), rec, &cols) == WM_OK);
	json_decref(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *stored;
	if (!stored) {
		text_init();
		json_error_t e;
		stored =
		    json_loads("{\"known_as\":\"A\",\"entered_service_on\":\"2026-01-01\","
			       "\"contact\":{\"phone\":\"1\"},\"languages\":[{\"code\":\"sq\"}]}",
			       0, &e);
	}
	const char *text = (const char *)data;
	if (!text_utf8_valid(text, size))
		return 0;
	json_error_t jerr;
	json_t *body = json_loadb(text, size,
				  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!body)
		return 0;
	int today = date_from_ymd(2026, 11, 23);
	struct schema_error se;
	if (json_is_object(body)) {
		json_t *copy = json_deep_copy(body);
		if (survivor_validate(copy, today, &se) == WM_OK)
			check_valid(copy, today);
		else
			FUZZ_CHECK(se.message[0] && strlen(se.field) < sizeof se.field);
		json_decref(copy);
		json_t *merged = schema_merge(&survivor_schema, stored, body);
		FUZZ_CHECK(merged != NULL);
		if (survivor_validate(merged, today, &se) == WM_OK)
			check_valid(merged, today);
		json_decref(merged);
	}
	json_decref(body);
	return 0;
}
