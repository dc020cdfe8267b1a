/*
 * fuzz_body.c - libFuzzer target: a request body as the survivor handlers
 * see it. Parses it as the API does, validates it as a new record, and
 * applies it as a merge patch to a stored record and validates the result.
 * Any crash, leak or undefined behaviour is a finding.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "domain/date.h"
#include "domain/survivor.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		survivor_validate(copy, today, &se);
		json_decref(copy);
		json_t *merged = schema_merge(&survivor_schema, stored, body);
		if (merged)
			survivor_validate(merged, today, &se);
		json_decref(merged);
	}
	json_decref(body);
	return 0;
}
