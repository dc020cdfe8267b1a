/*
 * fuzz_jsonr.c - libFuzzer target: util/jsonr, the fast reader of sealed
 * records' text.
 *
 * Invariant: whatever jsonr reads, json_loadb (JSON_REJECT_DUPLICATES)
 * reads too, to an equal tree whose text is the same member for member; so
 * jsonr never accepts what jansson refuses, and never reads it otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"
#include "util/jsonr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *mine = jsonr_read((const char *)data, size);
	if (!mine)
		return 0;
	json_error_t jerr;
	json_t *theirs = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	FUZZ_CHECK(theirs != NULL);
	FUZZ_CHECK(json_equal(mine, theirs));
	char *a = json_dumps(mine, JSON_COMPACT), *b = json_dumps(theirs, JSON_COMPACT);
	FUZZ_CHECK(a && b && strcmp(a, b) == 0);
	free(a);
	free(b);
	json_decref(mine);
	json_decref(theirs);
	return 0;
}
