/*
 * fuzz_kinds.c - libFuzzer target: the body of every sub-resource of a
 * survivor's record (domain/kinds/: NRM, asylum, plan and reviews,
 * registrations, appointments, referrals, medications, notes, consents,
 * snoozes). The first byte picks the kind; the rest is a JSON body, which
 * is validated as a new item (POST/PUT), then optionally a NUL byte and a
 * second body applied to it as a merge patch (PATCH) and validated again,
 * as api/items.c does.
 *
 * Invariants: an item that validates, written out and read back, validates
 * to itself; every plain column the kind declares can be filled from it
 * (codec_item_column: a column never disagrees with the sealed body); its
 * shared view holds only its own members.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>

#include "domain/date.h"
#include "domain/kind.h"
#include "fuzz.h"
#include "store/codec.h"
#include "util/text.h"

static const char survivor_text[] =
    "{\"known_as\":\"A\",\"entered_service_on\":\"2026-01-01\",\"status\":\"active\","
    "\"dependants\":[{\"relationship\":\"child\",\"birth_year\":2019}],"
    "\"languages\":[{\"code\":\"sq\"}]}";

static void check_valid(const struct kind *k, json_t *item, const json_t *surv, int today)
{
	char *text = json_dumps(item, JSON_COMPACT);
	FUZZ_CHECK(text != NULL);
	json_t *back = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
	free(text);
	FUZZ_CHECK(back != NULL);
	struct schema_error se;
	FUZZ_CHECK(k->validate(back, surv, today, &se) == WM_OK);
	FUZZ_CHECK(json_equal(back, item));
	json_decref(back);
	for (size_t i = 0; i < k->ncolumns; i++) {
		struct codec_value v;
		FUZZ_CHECK(codec_item_column(item, &k->columns[i], &v) == WM_OK);
	}
	json_t *shared = schema_view(k->schema, item, VIEW_SHARED);
	FUZZ_CHECK(shared != NULL);
	const char *key;
	json_t *v;
	json_object_foreach(shared, key, v) FUZZ_CHECK(json_equal(v, json_object_get(item, key)));
	json_decref(shared);
}

/* Parses len bytes of text as a request body; NULL unless a JSON object. */
static json_t *object_of(const char *text, size_t len)
{
	if (!text_utf8_valid(text, len))
		return NULL;
	json_t *j =
	    json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *surv;
	int today = date_from_ymd(2026, 11, 23);
	if (!surv) {
		text_init();
		surv = json_loads(survivor_text, 0, NULL);
		FUZZ_CHECK(surv != NULL);
	}
	if (size < 1)
		return 0;
	const struct kind *k = kind_table[data[0] % kind_count];
	const char *text = (const char *)data + 1;
	size--;
	const char *nul = memchr(text, '\0', size);
	size_t len = nul ? (size_t)(nul - text) : size;
	json_t *item = object_of(text, len);
	if (!item)
		return 0;
	struct schema_error se;
	if (k->validate(item, surv, today, &se) != WM_OK) {
		FUZZ_CHECK(se.message[0] != '\0');
		json_decref(item);
		return 0;
	}
	check_valid(k, item, surv, today);
	json_t *patch = nul ? object_of(nul + 1, size - len - 1) : NULL;
	if (patch) {
		json_t *merged = schema_merge(k->schema, item, patch);
		FUZZ_CHECK(merged != NULL);
		if (k->validate(merged, surv, today, &se) == WM_OK)
			check_valid(k, merged, surv, today);
		json_decref(merged);
		json_decref(patch);
	}
	json_decref(item);
	return 0;
}
