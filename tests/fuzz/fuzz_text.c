/*
 * fuzz_text.c - libFuzzer target: the parsers that read text from clients
 * before anything else does: dates, instants, time zone names, language
 * tags, country codes, ids, name folding, UTF-8 checks, the words the pages
 * make of dates and codes, and the router with its percent-decoding, over
 * the API's real route table.
 *
 * Invariants: a date or instant that parses prints back to text that parses
 * to the same value (a date to the same text); folding is idempotent; a
 * route parameter is what its percent-encoded spelling decodes to, and the
 * router's matches are routes of the method asked for.
 */
#define _POSIX_C_SOURCE 200809L
#include "api/call.h"
#include "domain/date.h"
#include "domain/schema.h"
#include "fuzz.h"
#include "http/router.h"
#include "util/text.h"
#include "web/words.h"

static void dates(const char *s)
{
	int day;
	if (date_parse(s, &day)) {
		char back[DATE_TEXT_LEN];
		date_format(day, back);
		FUZZ_CHECK(strcmp(back, s) == 0); /* a parsed date prints back the same */
		int y, m, d;
		date_to_ymd(day, &y, &m, &d);
		FUZZ_CHECK(date_from_ymd(y, m, d) == day && d <= date_days_in_month(y, m));
		FUZZ_CHECK(date_weekday(day) >= 1 && date_weekday(day) <= 7);
	}
	int64_t t;
	if (instant_parse(s, &t)) {
		char back[INSTANT_TEXT_LEN];
		instant_format(t, back);
		int64_t again;
		FUZZ_CHECK(instant_parse(back, &again) && again == t);
	}
	char w[WORDS_MAX], hm[8];
	words_date(s, w);
	FUZZ_CHECK(strlen(w) < WORDS_MAX);
	words_when(s, w);
	words_time(s, hm, &day);
	words_code(s, w);
	FUZZ_CHECK(strlen(w) < WORDS_MAX);
	date_zone_name_ok(s);
}

static void names(const char *s, size_t size)
{
	schema_is_langtag(s);
	schema_is_country(s);
	if (schema_is_id(s))
		FUZZ_CHECK(strlen(s) == 32);
	bool utf8 = text_utf8_valid(s, size);
	text_has_control(s);
	if (!text_has_newline_or_control(s))
		FUZZ_CHECK(text_utf8_valid(s, strlen(s)));
	FUZZ_CHECK(text_trimmed_len(s) <= strlen(s));
	char out[256], again[256];
	if (text_fold(s, out, sizeof out)) {
		FUZZ_CHECK(text_fold(out, again, sizeof again) && strcmp(out, again) == 0);
	} else if (utf8 && strlen(s) == size && size < 32) {
		/* Only something that does not fit or is not UTF-8 fails. */
		FUZZ_CHECK(!"a short UTF-8 name failed to fold");
	}
}

/* The path as given, then the text percent-encoded as one parameter. */
static void routes(const char *s, size_t size)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
	struct route_match m;
	const char *method = methods[size % 6];
	router_match(api_routes, api_route_count, method, s, &m);
	if (m.route) {
		bool head = strcmp(method, "HEAD") == 0;
		FUZZ_CHECK(strcmp(m.route->method, head ? "GET" : method) == 0);
		int n = 0;
		for (const char *p = m.route->pattern; *p; p++)
			n += *p == '{';
		FUZZ_CHECK(m.nparams == n);
		for (int i = 0; i < m.nparams; i++)
			FUZZ_CHECK(strlen(m.params[i]) < ROUTE_PARAM_MAX && m.params[i][0]);
	}
	FUZZ_CHECK(strlen(m.allow) < sizeof m.allow);

	/* decode(encode(s)) == s: every byte escaped, in the {id} of a route. */
	size_t len = strlen(s);
	if (len == 0 || len >= ROUTE_PARAM_MAX)
		return;
	char path[32 + 3 * ROUTE_PARAM_MAX];
	int at = snprintf(path, sizeof path, "/api/v1/survivors/");
	for (size_t i = 0; i < len; i++)
		at += snprintf(path + at, sizeof path - (size_t)at, "%%%02X", (unsigned char)s[i]);
	router_match(api_routes, api_route_count, "GET", path, &m);
	FUZZ_CHECK(m.route && m.nparams == 1 && strcmp(m.params[0], s) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready)
		ready = text_init();
	char *s = fuzz_string(data, size);
	if (!s)
		return 0;
	dates(s);
	names(s, size);
	routes(s, size);
	free(s);
	return 0;
}
