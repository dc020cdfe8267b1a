/* Unit tests for util/jsonw: the text is exactly what json_dumps(JSON_COMPACT)
 * writes, for hand-picked values and for many generated trees, and values
 * JSON cannot hold are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"

/* jsonw's text of j equals jansson's own compact dump. */
static void same_as_jansson(json_t *j)
{
	char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(want);
	struct buf b = BUF_INIT;
	assert_true(jsonw_value(&b, j));
	size_t len = 0;
	char *got = buf_take(&b, &len);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
	free(want);
}

static void scalars_and_escapes(void **state)
{
	(void)state;
	const char *texts[] = {"{}",
			       "[]",
			       "[true,false,null]",
			       "0",
			       "-1",
			       "9223372036854775807",
			       "-9223372036854775808",
			       "1.5",
			       "0.1",
			       "1e300",
			       "-2.5e-7",
			       "3.0",
			       "100000000000000000000.0",
			       "\"\"",
			       "\"a/b\"",
			       "\"quote \\\" back \\\\ slash\"",
			       "\"\\b\\f\\n\\r\\t \\u0001 \\u001f \\u007f\"",
			       "\"é 中文 ሰላም العربية 😀\"",
			       "\"nul \\u0000 inside\"",
			       "{\"b\":1,\"a\":2,\"c\":{\"z\":[],\"y\":{}}}",
			       "{\"key \\n with \\u0002\":\"v\"}"};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		json_error_t err;
		json_t *j = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		assert_non_null(j);
		same_as_jansson(j);
		json_decref(j);
	}
}

static void members_keep_their_insertion_order(void **state)
{
	(void)state;
	json_t *o = json_object();
	const char *keys[] = {"zeta", "alpha", "mid", "beta", "a", "zz"};
	for (size_t i = 0; i < 6; i++)
		json_object_set_new(o, keys[i], json_integer((json_int_t)i));
	json_object_del(o, "mid");
	json_object_set_new(o, "mid", json_true()); /* a deleted key comes back last */
	struct buf b = BUF_INIT;
	assert_true(jsonw_value(&b, o));
	assert_string_equal(b.p,
			    "{\"zeta\":0,\"alpha\":1,\"beta\":3,\"a\":4,\"zz\":5,\"mid\":true}");
	buf_free(&b);
	same_as_jansson(o);
	json_decref(o);
}

/* A small deterministic generator of values (no rand: the same every run). */
static uint32_t seed = 12345;
static uint32_t next(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static json_t *gen(int depth)
{
	static const char *const words[] = {
	    "",	 "a", "é", "x\"y", "tab\there", "ctl\x01", "long text with spaces", "\xe4\xb8\xad",
	    "/", "\\"};
	switch (next() % (depth > 4 ? 5 : 7)) {
	case 0:
		return json_integer((json_int_t)next() - (json_int_t)(1u << 23));
	case 1:
		return json_real((double)(int32_t)next() / (double)(next() % 1000 + 1));
	case 2:
		return json_string(words[next() % 10]);
	case 3:
		return next() % 2 ? json_true() : json_null();
	case 4:
		return json_false();
	case 5: {
		json_t *a = json_array();
		for (uint32_t n = next() % 5; n; n--)
			json_array_append_new(a, gen(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		for (uint32_t n = next() % 6; n; n--) {
			char key[16];
			snprintf(key, sizeof key, "%s%u", words[next() % 10], next() % 50);
			json_object_set_new(o, key, gen(depth + 1));
		}
		return o;
	}
	}
}

static void generated_trees_match(void **state)
{
	(void)state;
	for (int i = 0; i < 2000; i++) {
		json_t *j = gen(0);
		assert_non_null(j);
		same_as_jansson(j);
		json_decref(j);
	}
}

static void what_json_cannot_say_is_refused(void **state)
{
	(void)state;
	/* jansson refuses to make a NaN; an array nested past the limit stands
	 * for a cycle, which jansson's own API also refuses to build. */
	json_t *deep = json_array(), *inner = deep;
	for (int i = 0; i < JSONW_DEPTH_MAX + 5; i++) {
		json_t *a = json_array();
		json_array_append_new(inner, a);
		inner = a;
	}
	struct buf b = BUF_INIT;
	assert_false(jsonw_value(&b, deep));
	buf_free(&b);
	json_decref(deep);
	assert_false(jsonw_value(&b, NULL));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scalars_and_escapes),
	    cmocka_unit_test(members_keep_their_insertion_order),
	    cmocka_unit_test(generated_trees_match),
	    cmocka_unit_test(what_json_cannot_say_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
