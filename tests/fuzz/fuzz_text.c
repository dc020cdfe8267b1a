/*
 * fuzz_text.c - libFuzzer target: the parsers that read text from clients
 * before anything else does (dates, instants, language tags, name folding,
 * UTF-8 checks, route matching).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/schema.h"
#include "http/router.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void handler(struct call *c)
{
	(void)c;
}

static const struct route table[] = {
    {"GET", "/api/v1/survivors", handler, 0},
    {"GET", "/api/v1/survivors/{id}", handler, 0},
    {"PATCH", "/api/v1/survivors/{id}", handler, 0},
    {"GET", "/api/v1/survivors/{id}/access-log", handler, 0},
    {"GET", "/api/v1/survivors/{id}/notes/{item}", handler, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	text_init();
	int day;
	int64_t t;
	char out[64];
	if (date_parse(s, &day)) {
		char back[DATE_TEXT_LEN];
		date_format(day, back);
		if (strcmp(back, s) != 0)
			abort(); /* a parsed date must print back the same */
	}
	instant_parse(s, &t);
	schema_is_langtag(s);
	schema_is_country(s);
	schema_is_id(s);
	text_utf8_valid(s, size);
	text_has_control(s);
	text_fold(s, out, sizeof out);
	struct route_match m;
	router_match(table, sizeof table / sizeof table[0], "GET", s, &m);
	free(s);
	return 0;
}
